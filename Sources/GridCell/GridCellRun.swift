import Foundation
import Plotting
import Tensor
import Training

/// A finished or running training run folder: its configuration, metrics and checkpoints.
public struct GridCellRun {
    public let folder: URL
    public let config: GridCellTrainingConfig

    /// Reads a run's `config.json`; the error names the file.
    public static func readConfig(_ url: URL) throws -> GridCellTrainingConfig {
        do { return try JSONDecoder().decode(GridCellTrainingConfig.self, from: Data(contentsOf: url)) } catch {
            throw FileFormatError(file: url.path, "not a grid-cell run configuration (\(error))")
        }
    }

    /// Opens `folder` (it must hold `config.json`).
    public init(_ folder: URL) throws {
        self.folder = folder
        let url = folder.appendingPathComponent("config.json")
        config = try Self.readConfig(url)
        // Read once: the shipped model's epoch (loading its file is not free).
        let model = folder.appendingPathComponent("model.safetensors")
        modelEpoch = (try? SafeTensors.load(model).metadata)?["epoch"].flatMap(Int.init)
    }

    /// A shipped model folder's final checkpoint (`model.safetensors` beside `config.json`).
    public var model: URL { folder.appendingPathComponent("model.safetensors") }

    /// The epoch recorded in the shipped `model.safetensors`, if there is one.
    let modelEpoch: Int?

    /// Epochs with a kept `epoch_N` checkpoint (and the shipped model's epoch), ascending.
    public var snapshotEpochs: [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("checkpoints").path)) ?? []
        let kept = names.compactMap { name -> Int? in
            guard name.hasPrefix("epoch_"), name.hasSuffix(".safetensors"), !name.hasSuffix(".optim.safetensors") else { return nil }
            return Int(name.dropFirst(6).dropLast(12))
        }
        return Array(Set(kept + (modelEpoch.map { [$0] } ?? []))).sorted()
    }

    /// The checkpoint of `epoch`: `checkpoints/epoch_N`, or the shipped model when it is that epoch.
    public func checkpoint(epoch: Int) -> URL {
        let snapshot = folder.appendingPathComponent("checkpoints/epoch_\(epoch).safetensors")
        if !FileManager.default.fileExists(atPath: snapshot.path), modelEpoch == epoch { return model }
        return snapshot
    }

    /// The latest checkpoint of a run, or the shipped model.
    public var latest: URL {
        let url = folder.appendingPathComponent("checkpoints/latest.safetensors")
        return FileManager.default.fileExists(atPath: url.path) ? url : model
    }

    public func metrics() throws -> [EpochMetrics] { try RunFolder.readMetrics(from: folder.appendingPathComponent("metrics.jsonl")) }

    /// The gridness analysis of one of the run's checkpoints on held-out trajectories (about `samples` positions).
    public func analysis(of checkpoint: URL, samples: Int = 200_000) throws -> GridnessAnalysis {
        try GridCellEvaluation(checkpoint: checkpoint).gridness(samples: samples)
    }
}

extension GridFigures {
    /// Figure 2: the same units' rate maps at several training epochs, each labelled with its gridness60
    /// (units chosen as the most grid-like at the last epoch shown).
    public static func emergence(_ run: GridCellRun, epochs: [Int]? = nil, units count: Int = 4, samples: Int = 200_000) throws -> SVGDocument {
        let available = run.snapshotEpochs
        let shown = (epochs ?? available).filter { available.contains($0) }
        guard let last = shown.last else {
            throw FileFormatError(file: run.folder.path, "no epoch_N checkpoints to show (train with snapshot epochs)")
        }
        let analyses = try shown.map { try run.analysis(of: run.checkpoint(epoch: $0), samples: samples) }
        let units = Array(analyses.last!.ranking.prefix(count))
        let cell = 110.0, gap = 14.0, left = 70.0, top = 56.0
        var svg = SVGDocument(width: left + Double(shown.count) * (cell + gap) + gap, height: top + Double(units.count) * (cell + gap + 14) + 8)
        svg.text("Grid-like units emerging during training (rate maps, gridness60)", x: svg.width / 2, y: 22, size: 14, anchor: "middle", weight: "bold")
        for (c, e) in shown.enumerated() {
            svg.text("epoch \(e)", x: left + Double(c) * (cell + gap) + cell / 2, y: top - 10, size: 12, anchor: "middle", weight: "bold")
        }
        for (r, u) in units.enumerated() {
            let y = top + Double(r) * (cell + gap + 14)
            svg.text("unit \(u)", x: 8, y: y + cell / 2 + 14, size: 12)
            for (c, a) in analyses.enumerated() {
                let x = left + Double(c) * (cell + gap)
                try svg.image(rateMapImage(a.rateMaps[u]), x: x, y: y + 14, width: cell, height: cell)
                svg.text(String(format: "%.2f", a.scores[u].gridness60), x: x + cell / 2, y: y + 10, size: 11, anchor: "middle")
            }
        }
        _ = last
        return svg
    }
}
