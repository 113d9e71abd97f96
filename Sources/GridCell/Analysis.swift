import Foundation
import MazeEnv
import Tensor

/// Gridness of every bottleneck unit of a trained network: rate maps over many trajectories, scored by
/// ``GridScorer``; plus the fraction of units above a threshold and the top-10 mean, the original project's
/// aggregates.
public struct GridnessAnalysis {
    /// Rate maps per unit (40×40 by default).
    public let rateMaps: [RateMap]
    public let scores: [GridScorer.Scores]
    /// Samples that went into each map.
    public let samples: Int

    /// Units sorted by gridness60, best first.
    public var ranking: [Int] { scores.indices.sorted { scores[$0].gridness60 > scores[$1].gridness60 } }

    public func fractionAbove(_ threshold: Double = 0.3) -> Double {
        Double(scores.filter { $0.gridness60 > threshold }.count) / Double(max(scores.count, 1))
    }

    /// Mean gridness60 of the best `k` units.
    public func topMean(_ k: Int = 10) -> Double {
        let best = scores.map(\.gridness60).sorted(by: >).prefix(k)
        return best.reduce(0, +) / Double(max(best.count, 1))
    }

    /// Runs `network` (evaluation mode) over `batches` batches of `source` and scores every bottleneck unit.
    /// Step 0 is left out: it is set by the initial state, not integrated.
    public init(network: GridCellNetwork, placeCells: PlaceCells, headDirectionCells: HeadDirectionCells,
                source: TrajectorySource, batches: Int = 20, batchSize: Int = 32, steps: Int = 100,
                bins: Int = 40, extent: Double = 15, firstBatchIndex: Int = -1000) throws {
        let wasTraining = network.isTraining
        network.eval()
        defer { if wasTraining { network.train() } }
        let units = network.config.bottleneckSize
        var xs: [Float] = [], ys: [Float] = [], activity = [[Float]](repeating: [], count: units)
        for k in 0..<batches {
            let batch = try source.batch(firstBatchIndex - k, size: batchSize, steps: steps)
            let (b, t) = (batch.batch, batch.steps)
            let g = noGrad { network(batch, placeCells: placeCells, headDirectionCells: headDirectionCells).bottleneck }
            let gp = g.storage.pointer, pp = batch.positions.storage.pointer
            for i in 0..<b { for s in 1..<t {
                let k = i * t + s
                xs.append(pp[2 * k]); ys.append(pp[2 * k + 1])
                for u in 0..<units { activity[u].append(gp[k * units + u]) }
            } }
        }
        let maps = activity.map { RateMap(xs: xs, ys: ys, activations: $0, bins: bins, extent: extent) }
        let scorer = GridScorer(bins: bins)
        nonisolated(unsafe) var scores = [GridScorer.Scores](repeating: .init(gridness60: 0, gridness90: 0, mask60: 0, mask90: 0), count: units)
        scores.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: units) { u in out[u] = scorer.scores(maps[u]) }
        }
        rateMaps = maps; self.scores = scores; samples = xs.count
    }
}

/// The gridness analysis as `ssm grid analyze --json` reports it.
public struct GridnessReport: Codable, Sendable {
    public var checkpoint: String
    public var trajectories: TrajectoryKind
    public var units, samples: Int
    public var threshold: Double
    public var fractionGridness60AboveThreshold, fractionGridness90AboveThreshold: Double
    public var top10MeanGridness60, meanGridness60: Double
    /// The ten best units by gridness60, best first.
    public var topUnits: [Int]
    public var gridness60, gridness90: [Double]
    public var seconds: Double
    enum CodingKeys: String, CodingKey {
        case checkpoint, trajectories, units, samples, threshold, topUnits = "top_units", gridness60, gridness90, seconds
        case fractionGridness60AboveThreshold = "fraction_gridness60_above_threshold"
        case fractionGridness90AboveThreshold = "fraction_gridness90_above_threshold"
        case top10MeanGridness60 = "top10_mean_gridness60", meanGridness60 = "mean_gridness60"
    }

    public init(_ a: GridnessAnalysis, checkpoint: String, trajectories: TrajectoryKind, threshold: Double, seconds: Double) {
        self.checkpoint = checkpoint; self.trajectories = trajectories; units = a.scores.count; samples = a.samples
        self.threshold = threshold; self.seconds = seconds
        gridness60 = a.scores.map(\.gridness60); gridness90 = a.scores.map(\.gridness90)
        fractionGridness60AboveThreshold = a.fractionAbove(threshold)
        fractionGridness90AboveThreshold = Double(gridness90.filter { $0 > threshold }.count) / Double(max(units, 1))
        top10MeanGridness60 = a.topMean(10); meanGridness60 = gridness60.reduce(0, +) / Double(max(units, 1))
        topUnits = Array(a.ranking.prefix(10))
    }
}

extension GridnessReport: CustomStringConvertible {
    public var description: String {
        String(format: "%d units: %.1f%% with gridness60 > %.2f; top-10 mean %.3f; best units %@", units, fractionGridness60AboveThreshold * 100,
               threshold, top10MeanGridness60, topUnits.map { String(format: "%d (%.2f)", $0, gridness60[$0]) }.joined(separator: ", "))
    }
}
