import Basics
import Foundation
import MazeEnv

/// An allocentric occupancy map fused from local observations along a trajectory: per cell, log-odds of
/// "free" accumulated from every frame that saw it (clamped, optionally decaying toward "unknown"), the
/// number of frames that saw it, and the targets sighted. A second agent's map (or part of it) merges in
/// with a weight.
public struct OccupancyMap: Sendable {
    public let size: Int
    /// log p(free) / p(wall) per cell, row-major `[y * size + x]`; 0 = unknown.
    public private(set) var logOdds: [Float]
    public private(set) var observations: [Int]
    /// Every sighting of each target index, accumulated: weighted sums of positions (maze units) and weights.
    public private(set) var targetEvidence: [Int: (x: Float, y: Float, weight: Float)] = [:]
    /// Where the map remembers each target: the cell of the weighted mean of its sightings.
    public var targets: [Int: (x: Int, y: Int)] {
        targetEvidence.mapValues { (Int(($0.x / $0.weight).rounded(.down)), Int(($0.y / $0.weight).rounded(.down))) }
    }
    /// Log-odds bounds (keep the map able to change its mind) and the per-frame decay toward 0.
    public var clamp: Float = 6
    public var decay: Float = 0

    public init(size: Int) {
        self.size = size
        logOdds = Array(repeating: 0, count: size * size)
        observations = Array(repeating: 0, count: size * size)
    }

    /// Fuses a world-aligned observation taken at `pose` (probabilities kept inside [0.02, 0.98] so one
    /// frame cannot decide a cell for ever).
    public mutating func integrate(_ o: LocalObservation, at pose: AgentState) {
        if decay > 0 { for i in logOdds.indices { logOdds[i] *= 1 - decay } }
        let ax = Int(pose.x.rounded(.down)), ay = Int(pose.y.rounded(.down))
        for dy in -o.radius...o.radius { for dx in -o.radius...o.radius {
            guard let p = o[dx, dy] else { continue }
            let x = ax + dx, y = ay + dy
            guard x >= 0, y >= 0, x < size, y < size else { continue }
            let q = min(max(p, 0.02), 0.98)
            let i = y * size + x
            logOdds[i] = min(max(logOdds[i] + log(q / (1 - q)), -clamp), clamp)
            observations[i] += 1
        } }
    }

    /// Records a sighting of target `index` at (x, y) in maze units with a confidence `weight`; single
    /// sightings are noisy, so the memory is their weighted mean.
    public mutating func sight(target index: Int, x: Float, y: Float, weight: Float = 1) {
        precondition(weight > 0, "OccupancyMap.sight: weight must be positive")
        let e = targetEvidence[index] ?? (0, 0, 0)
        targetEvidence[index] = (e.x + weight * x, e.y + weight * y, e.weight + weight)
    }

    /// Records a sighting of target `index` in cell (x, y).
    public mutating func sight(target index: Int, x: Int, y: Int) { sight(target: index, x: Float(x) + 0.5, y: Float(y) + 0.5) }

    /// Adds another map's evidence with `weight` (1 = trust it as one's own), only where `region` allows.
    public mutating func merge(_ other: OccupancyMap, weight: Float = 1, region: ((Int, Int) -> Bool)? = nil) {
        precondition(other.size == size, "OccupancyMap.merge: sizes differ")
        for y in 0..<size { for x in 0..<size where region?(x, y) ?? true {
            let i = y * size + x
            guard other.observations[i] > 0 else { continue }
            logOdds[i] = min(max(logOdds[i] + weight * other.logOdds[i], -clamp), clamp)
            observations[i] += other.observations[i]
        } }
        for (k, e) in other.targetEvidence { sight(target: k, x: e.x / e.weight, y: e.y / e.weight, weight: weight * e.weight) }
    }

    /// The map's belief about a cell: true = free, false = wall, nil = never observed or undecided.
    public func isFree(_ x: Int, _ y: Int) -> Bool? {
        let i = y * size + x
        guard observations[i] > 0, logOdds[i] != 0 else { return nil }
        return logOdds[i] > 0
    }

    /// Metrics against the true layout.
    public struct Metrics: Sendable, Equatable {
        /// Free/wall accuracy over the cells the map has decided.
        public var accuracy: Double
        /// Fraction of the layout's free cells the map believes free.
        public var coverage: Double
        /// IoU of believed-free and truly free cells.
        public var freeIoU: Double
        public var decidedCells: Int
    }

    public func metrics(against layout: MazeLayout) -> Metrics {
        precondition(layout.size == size, "OccupancyMap.metrics: layout size differs")
        var correct = 0, decided = 0, inter = 0, union = 0, freeCells = 0, covered = 0
        for y in 0..<size { for x in 0..<size {
            let truth = layout.isFree(x, y)
            if truth { freeCells += 1 }
            guard let belief = isFree(x, y) else { if truth { union += 1 }; continue }
            decided += 1
            if belief == truth { correct += 1 }
            if belief && truth { inter += 1; covered += 1 }
            if belief || truth { union += 1 }
        } }
        return Metrics(accuracy: Double(correct) / Double(max(decided, 1)), coverage: Double(covered) / Double(max(freeCells, 1)),
                       freeIoU: Double(inter) / Double(max(union, 1)), decidedCells: decided)
    }

    /// The map's beliefs as a tri-state map (undecided cells unknown): what a policy plans on and what map
    /// messages are cut from.
    public var cellMap: CellMap {
        var m = CellMap(size: size)
        for y in 0..<size { for x in 0..<size { if let free = isFree(x, y) { m[x, y] = free ? .free : .wall } } }
        return m
    }

    /// The map as a north-up image: free light, wall dark, unknown grey; `scale` pixels per cell.
    public func image(scale: Int = 16) -> Image { cellMap.image(scale: scale) }
}
