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
    /// The null distribution: gridness60 of maps whose activity was shifted in time against the positions by a
    /// random offset of at least one window (so each activity value lands on another window's path), `shuffles`
    /// per unit, unit by unit. Empty when no shuffles were asked for.
    public let shuffledScores: [[Double]]

    /// Units sorted by gridness60, best first.
    public var ranking: [Int] { scores.indices.sorted { scores[$0].gridness60 > scores[$1].gridness60 } }

    public func fractionAbove(_ threshold: Double = 0.3) -> Double {
        Double(scores.filter { $0.gridness60 > threshold }.count) / Double(max(scores.count, 1))
    }

    /// The share of shuffled maps above `threshold`: how many units would pass it by chance.
    public func shuffledFractionAbove(_ threshold: Double = 0.3) -> Double? {
        let all = shuffledScores.joined()
        guard !all.isEmpty else { return nil }
        return Double(all.filter { $0 > threshold }.count) / Double(all.count)
    }

    /// The `q` quantile of all shuffled scores pooled (nearest rank).
    public func shuffledQuantile(_ q: Double = 0.95) -> Double? {
        let all = shuffledScores.joined().sorted()
        guard !all.isEmpty else { return nil }
        return all[min(all.count - 1, max(0, Int((q * Double(all.count)).rounded(.up)) - 1))]
    }

    /// The share of units whose gridness60 is above `threshold` and above the pooled shuffled `q` quantile.
    public func fractionAboveShuffled(_ threshold: Double = 0.3, quantile q: Double = 0.95) -> Double? {
        guard let cut = shuffledQuantile(q) else { return nil }
        return Double(scores.filter { $0.gridness60 > max(threshold, cut) }.count) / Double(max(scores.count, 1))
    }

    /// Mean gridness60 of the best `k` units.
    public func topMean(_ k: Int = 10) -> Double {
        let best = scores.map(\.gridness60).sorted(by: >).prefix(k)
        return best.reduce(0, +) / Double(max(best.count, 1))
    }

    /// Runs `network` (evaluation mode) over `batches` batches of `source` and scores every bottleneck unit,
    /// with `shuffles` time-shifted maps per unit as the chance baseline. Step 0 is left out: it is set by the
    /// initial state, not integrated.
    public init(network: GridCellNetwork, placeCells: PlaceCells, headDirectionCells: HeadDirectionCells,
                source: TrajectorySource, batches: Int = 20, batchSize: Int = 32, steps: Int = 100,
                bins: Int = 40, extent: Double = 15, firstBatchIndex: Int = -1000, shuffles: Int = 0, shuffleSeed: UInt64 = 0x5_4F1E) throws {
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
        self.init(xs: xs, ys: ys, activity: activity, window: steps - 1, bins: bins, extent: extent, shuffles: shuffles, shuffleSeed: shuffleSeed)
    }

    /// Scores units whose activity `activity[u][k]` was recorded at `(xs[k], ys[k])`, the samples coming in
    /// windows of `window` (the shortest time shift of the chance baseline), with `shuffles` shifted maps per unit.
    public init(xs: [Float], ys: [Float], activity: [[Float]], window: Int, bins: Int = 40, extent: Double = 15,
                shuffles: Int = 0, shuffleSeed: UInt64 = 0x5_4F1E) {
        precondition(shuffles >= 0 && window >= 1, "GridnessAnalysis: shuffles must not be negative, window must be positive")
        let units = activity.count
        let binning = RateMap.binIndices(xs: xs, ys: ys, bins: bins, extent: extent)
        let maps = activity.map { RateMap(binning: binning, activations: $0, bins: bins, extent: extent) }
        let scorer = GridScorer(bins: bins)
        nonisolated(unsafe) var scores = [GridScorer.Scores](repeating: .init(gridness60: 0, gridness90: 0, mask60: 0, mask90: 0), count: units)
        scores.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: units) { u in out[u] = scorer.scores(maps[u]) }
        }
        // Shifts between one window and all but one window of samples, drawn up front so the result does not
        // depend on the order the threads run in.
        let n = xs.count
        var rng = RandomGenerator(seed: shuffleSeed)
        let shifts: [Int] = n > 2 * window ? (0..<(units * shuffles)).map { _ in window + rng.nextInt(n - 2 * window + 1) } : []
        nonisolated(unsafe) var null = [Double](repeating: 0, count: shifts.count)
        null.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: shifts.count) { i in
                let map = RateMap(binning: binning, activations: activity[i / shuffles], shift: shifts[i], bins: bins, extent: extent)
                out[i] = scorer.scores(map).gridness60
            }
        }
        rateMaps = maps; self.scores = scores; samples = n
        shuffledScores = shifts.isEmpty ? [] : (0..<units).map { Array(null[($0 * shuffles)..<(($0 + 1) * shuffles)]) }
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
    /// The chance baseline: time-shifted maps per unit, the share of them above the threshold, their pooled
    /// 95th percentile, and the share of units above both the threshold and that percentile (nil without shuffles).
    public var shuffles: Int
    public var shuffledFractionAboveThreshold, shuffledGridness60P95, fractionAboveThresholdAndShuffledP95: Double?
    /// The ten best units by gridness60, best first.
    public var topUnits: [Int]
    public var gridness60, gridness90: [Double]
    public var seconds: Double
    enum CodingKeys: String, CodingKey {
        case checkpoint, trajectories, units, samples, threshold, topUnits = "top_units", gridness60, gridness90, seconds
        case fractionGridness60AboveThreshold = "fraction_gridness60_above_threshold"
        case fractionGridness90AboveThreshold = "fraction_gridness90_above_threshold"
        case top10MeanGridness60 = "top10_mean_gridness60", meanGridness60 = "mean_gridness60"
        case shuffles, shuffledFractionAboveThreshold = "shuffled_fraction_above_threshold"
        case shuffledGridness60P95 = "shuffled_gridness60_p95"
        case fractionAboveThresholdAndShuffledP95 = "fraction_above_threshold_and_shuffled_p95"
    }

    public init(_ a: GridnessAnalysis, checkpoint: String, trajectories: TrajectoryKind, threshold: Double, seconds: Double) {
        self.checkpoint = checkpoint; self.trajectories = trajectories; units = a.scores.count; samples = a.samples
        self.threshold = threshold; self.seconds = seconds
        gridness60 = a.scores.map(\.gridness60); gridness90 = a.scores.map(\.gridness90)
        fractionGridness60AboveThreshold = a.fractionAbove(threshold)
        fractionGridness90AboveThreshold = Double(gridness90.filter { $0 > threshold }.count) / Double(max(units, 1))
        top10MeanGridness60 = a.topMean(10); meanGridness60 = gridness60.reduce(0, +) / Double(max(units, 1))
        topUnits = Array(a.ranking.prefix(10))
        shuffles = a.shuffledScores.first?.count ?? 0
        shuffledFractionAboveThreshold = a.shuffledFractionAbove(threshold)
        shuffledGridness60P95 = a.shuffledQuantile(0.95)
        fractionAboveThresholdAndShuffledP95 = a.fractionAboveShuffled(threshold, quantile: 0.95)
    }
}

extension GridnessReport: CustomStringConvertible {
    public var description: String {
        var text = String(format: "%d units: %.1f%% with gridness60 > %.2f; top-10 mean %.3f; best units %@", units, fractionGridness60AboveThreshold * 100,
                          threshold, top10MeanGridness60, topUnits.map { String(format: "%d (%.2f)", $0, gridness60[$0]) }.joined(separator: ", "))
        if let chance = shuffledFractionAboveThreshold, let p95 = shuffledGridness60P95, let both = fractionAboveThresholdAndShuffledP95 {
            text += String(format: "\nshuffled (%d time-shifted maps per unit): %.1f%% above %.2f, 95th percentile %.3f; units above both: %.1f%%",
                           shuffles, chance * 100, threshold, p95, both * 100)
        }
        return text
    }
}
