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
