import Foundation
import MazeEnv
import Tensor

/// One step of a window: the pose after the step and the step's motion (vx, vy in cells, ω in radians).
public typealias TrajectoryFrame = (x: Float, y: Float, heading: Float, vx: Float, vy: Float, omega: Float)

/// The frame an observation records: the pose after the step and the self-motion that led to it.
public func trajectoryFrame(_ o: Observation) -> TrajectoryFrame {
    (o.pose.x, o.pose.y, o.pose.heading, o.selfMotion.dx, o.selfMotion.dy, o.selfMotion.dHeading)
}

/// Windows of self-motion with their ground truth: the network's input and its targets.
public struct TrajectoryBatch {
    /// `[B, T, 3]`: per-step world-frame displacement (vx, vy) in cells and heading change ω in radians.
    public let velocities: Tensor
    /// `[B, T, 2]` positions in cells after each step.
    public let positions: Tensor
    /// `[B, T]` headings in radians after each step.
    public let headings: Tensor

    public var batch: Int { velocities.shape[0] }
    public var steps: Int { velocities.shape[1] }

    public init(velocities: Tensor, positions: Tensor, headings: Tensor) {
        self.velocities = velocities; self.positions = positions; self.headings = headings
    }

    /// The windows `range` of the batch (a data-parallel member's shard).
    public func rows(_ range: Range<Int>) -> TrajectoryBatch {
        TrajectoryBatch(velocities: velocities.slice(axis: 0, start: range.lowerBound, end: range.upperBound),
                        positions: positions.slice(axis: 0, start: range.lowerBound, end: range.upperBound),
                        headings: headings.slice(axis: 0, start: range.lowerBound, end: range.upperBound))
    }

    /// The windows of `parts`, one after another (all of one length).
    public init(concatenating parts: [TrajectoryBatch]) {
        self.init(velocities: Tensor.concat(parts.map(\.velocities), axis: 0), positions: Tensor.concat(parts.map(\.positions), axis: 0),
                  headings: Tensor.concat(parts.map(\.headings), axis: 0))
    }

    /// Builds a batch from per-window frame arrays (each `steps` long).
    public init(windows: [[TrajectoryFrame]]) {
        let b = windows.count, t = windows.first?.count ?? 0
        var v = [Float](), p = [Float](), h = [Float]()
        v.reserveCapacity(b * t * 3); p.reserveCapacity(b * t * 2); h.reserveCapacity(b * t)
        for w in windows { for f in w { v += [f.vx, f.vy, f.omega]; p += [f.x, f.y]; h.append(f.heading) } }
        self.init(velocities: Tensor(v, shape: [b, t, 3]), positions: Tensor(p, shape: [b, t, 2]), headings: Tensor(h, shape: [b, t]))
    }
}

/// Where training and evaluation trajectories come from. Batch `index` is a pure function of the source's
/// seed and the index, so a resumed run sees exactly the batches it would have seen, and validation batches
/// (negative indices by convention) never coincide with training ones.
public protocol TrajectorySource {
    /// `batch` windows of `steps` steps.
    func batch(_ index: Int, size batch: Int, steps: Int) throws -> TrajectoryBatch
    /// The windows `rows` of that batch (a data-parallel member's shard). By default the whole batch is made and
    /// sliced; a source whose windows have their own seeds makes only these.
    func batch(_ index: Int, size batch: Int, steps: Int, rows: Range<Int>) throws -> TrajectoryBatch
}

extension TrajectorySource {
    public func batch(_ index: Int, size batch: Int, steps: Int, rows: Range<Int>) throws -> TrajectoryBatch {
        try self.batch(index, size: batch, steps: steps).rows(rows)
    }
}

/// A generator for batch `index` of a source seeded with `seed`; with `window`, one of its own for that window.
func batchGenerator(seed: UInt64, index: Int, salt: UInt64, window: Int? = nil) -> RandomGenerator {
    let w = window.map { (UInt64($0) &+ 1) &* 0x94D0_49BB_1331_11EB } ?? 0
    return RandomGenerator(seed: (seed &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(bitPattern: Int64(index)) &* 0xBF58_476D_1CE4_E5B9) ^ salt ^ w)
}

/// The windows `rows` of batch `index` (of `batch` windows), each made by `window` from a generator: one stream
/// through the whole batch in window order (every window made, the rows kept), or with `windowSeeds` a generator
/// per window (only the rows made).
func seededRows(_ rows: Range<Int>, of batch: Int, index: Int, seed: UInt64, salt: UInt64, windowSeeds: Bool,
                window: (inout RandomGenerator) -> [TrajectoryFrame]) -> TrajectoryBatch {
    guard !windowSeeds else {
        return TrajectoryBatch(windows: rows.map { row in
            var rng = batchGenerator(seed: seed, index: index, salt: salt, window: row)
            return window(&rng)
        })
    }
    var stream = batchGenerator(seed: seed, index: index, salt: salt)
    let windows = (0..<batch).map { _ in window(&stream) }
    return TrajectoryBatch(windows: Array(windows[rows]))
}

/// Agents exploring Memory-Maze layouts with the frontier explorer (mixed with random actions). Each window
/// starts at a random free cell with a random heading in one of `mazes` generated layouts, with nothing seen
/// yet, so the explorer heads for new ground. No data on disk.
public struct MazeTrajectories: TrajectorySource {
    public let mazeSize: Int
    public let randomActionProbability: Float
    public let seed: UInt64
    /// Each window drawn from a generator of its own (batch index, window), so a data-parallel member makes only
    /// its rows; false: one stream per batch, as runs before this option (and their checkpoints) saw.
    public var windowSeeds = false
    /// The layouts windows are drawn from (generated once, from `seed`).
    public let mazes: [Maze]

    public init(mazeSize: Int = 15, seed: UInt64, mazes count: Int = 256, randomActionProbability: Float = 0.2) throws {
        let config = try MazeConfig.memoryMaze(mazeSize)
        self.mazeSize = mazeSize; self.randomActionProbability = randomActionProbability; self.seed = seed
        mazes = (0..<count).map { MazeGenerator.generate(config, seed: seed &* 1_000_003 &+ UInt64($0)) }
    }

    public func batch(_ index: Int, size batch: Int, steps: Int) throws -> TrajectoryBatch {
        try self.batch(index, size: batch, steps: steps, rows: 0..<batch)
    }

    public func batch(_ index: Int, size batch: Int, steps: Int, rows: Range<Int>) throws -> TrajectoryBatch {
        seededRows(rows, of: batch, index: index, seed: seed, salt: 0x3A2E, windowSeeds: windowSeeds) { window(steps: steps, rng: &$0) }
    }

    /// One window: a random maze, start and heading, the explorer with random actions mixed in.
    func window(steps: Int, rng: inout RandomGenerator) -> [TrajectoryFrame] {
        let maze = mazes[rng.nextInt(mazes.count)]
        let world = MazeWorld(maze: maze, agents: 1, seed: rng.next())
        let free = maze.layout.freeCells, start = free[rng.nextInt(free.count)]
        world.place(0, x: Float(start.x) + 0.2 + 0.6 * rng.nextUniform(), y: Float(start.y) + 0.2 + 0.6 * rng.nextUniform(),
                    heading: rng.nextUniform() * 2 * .pi - .pi)
        let env = MultiAgentEnv(world: world)
        var explorer = [FrontierExplorer(size: mazeSize, seed: rng.next())]
        let trajectory = Rollout.run(env, policies: &explorer, steps: steps,
                                     adjust: { $1.perturbed(probability: randomActionProbability, rng: &rng) })
        return trajectory.observations(of: 0).dropFirst().map(trajectoryFrame)
    }
}

/// Random walks in an open square arena after Sorscher et al.'s rat model, scaled from
/// their 2.2 m box to `extent` cells: Rayleigh speeds, Gaussian turning, slowing and turning away near walls.
public struct ArenaTrajectories: TrajectorySource {
    public let extent: Float
    /// Mean speed in cells per step and turning noise in radians per step.
    public let meanSpeed: Float, turnNoise: Float
    /// Distance from a wall at which the walker turns away, cells.
    public let border: Float
    public let seed: UInt64
    /// Each window drawn from a generator of its own, as ``MazeTrajectories/windowSeeds``.
    public var windowSeeds = false

    /// Defaults: Sorscher's dt 0.02 s, turning σ 11.52 rad/s and Rayleigh b = 0.13·2π m/s, in cells of a
    /// 2.2 m box mapped to `extent` (≈ 0.14 cells and 0.23 rad per step for 15 cells).
    public init(extent: Float = 15, seed: UInt64, meanSpeed: Float? = nil, turnNoise: Float = 11.52 * 0.02, border: Float? = nil) {
        let scale = extent / 2.2
        self.extent = extent
        self.meanSpeed = meanSpeed ?? 0.13 * 2 * .pi * scale * 0.02 * (Float.pi / 2).squareRoot()
        self.turnNoise = turnNoise
        self.border = border ?? 0.03 * scale
        self.seed = seed
    }

    public func batch(_ index: Int, size batch: Int, steps: Int) throws -> TrajectoryBatch {
        try self.batch(index, size: batch, steps: steps, rows: 0..<batch)
    }

    public func batch(_ index: Int, size batch: Int, steps: Int, rows: Range<Int>) throws -> TrajectoryBatch {
        seededRows(rows, of: batch, index: index, seed: seed, salt: 0xA2E_4A, windowSeeds: windowSeeds) { window(steps: steps, rng: &$0) }
    }

    /// One window of the walk, drawn from `rng`.
    func window(steps: Int, rng: inout RandomGenerator) -> [TrajectoryFrame] {
        let b = meanSpeed / (Float.pi / 2).squareRoot()  // Rayleigh scale for this mean
        var x = border + rng.nextUniform() * (extent - 2 * border), y = border + rng.nextUniform() * (extent - 2 * border)
        var heading = rng.nextUniform() * 2 * .pi - .pi
        var w: [TrajectoryFrame] = []
        w.reserveCapacity(steps)
        for _ in 0..<steps {
            var turn = turnNoise * rng.nextNormal()
            var speed = b * (-2 * log(max(1 - rng.nextUniform(), 1e-12))).squareRoot()
            // Near a wall and heading toward it: turn away and slow down.
            let distances: [(Float, Float)] = [(x, .pi), (extent - x, 0), (y, -.pi / 2), (extent - y, .pi / 2)]
            let (d, wallAngle) = distances.min { $0.0 < $1.0 }!
            let relative = wrapAngle(wallAngle - heading)
            if d < border && abs(relative) < .pi / 2 {
                turn = -(relative >= 0 ? 1 : -1) * (.pi / 2 - abs(relative))
                speed *= 0.25
            }
            let vx = speed * cos(heading), vy = speed * sin(heading)
            let nx = min(max(x + vx, 0), extent), ny = min(max(y + vy, 0), extent)
            let newHeading = wrapAngle(heading + turn)
            w.append((nx, ny, newHeading, nx - x, ny - y, wrapAngle(newHeading - heading)))
            x = nx; y = ny; heading = newHeading
        }
        return w
    }
}

/// Maze-explorer windows and open-arena walks in one batch: the first `mazeRows(of:)` windows come from `maze`,
/// the rest from `arena`, each drawn as its own source draws a batch of that many. Training on both lets one
/// network path-integrate in mazes and form grid-like units where the whole square is visited.
public struct MixedTrajectories: TrajectorySource {
    public let maze: MazeTrajectories
    public let arena: ArenaTrajectories
    /// The share of each batch drawn from mazes, in [0, 1].
    public let mazeFraction: Float

    public init(maze: MazeTrajectories, arena: ArenaTrajectories, mazeFraction: Float) {
        precondition(mazeFraction >= 0 && mazeFraction <= 1, "MixedTrajectories: mazeFraction must be in [0, 1]")
        self.maze = maze; self.arena = arena; self.mazeFraction = mazeFraction
    }

    /// How many of a batch's `batch` windows are maze windows (rounded to nearest).
    public func mazeRows(of batch: Int) -> Int { Int((Float(batch) * mazeFraction).rounded()) }

    public func batch(_ index: Int, size batch: Int, steps: Int) throws -> TrajectoryBatch {
        try self.batch(index, size: batch, steps: steps, rows: 0..<batch)
    }

    public func batch(_ index: Int, size batch: Int, steps: Int, rows: Range<Int>) throws -> TrajectoryBatch {
        let m = mazeRows(of: batch)
        var parts: [TrajectoryBatch] = []
        let mazePart = rows.clamped(to: 0..<m), arenaPart = rows.clamped(to: m..<batch)
        if !mazePart.isEmpty { parts.append(try maze.batch(index, size: m, steps: steps, rows: mazePart)) }
        if !arenaPart.isEmpty {
            parts.append(try arena.batch(index, size: batch - m, steps: steps, rows: (arenaPart.lowerBound - m)..<(arenaPart.upperBound - m)))
        }
        return parts.count == 1 ? parts[0] : TrajectoryBatch(concatenating: parts)
    }
}

/// Windows cut from the trajectories of a dataset on disk (Docs/Datasets.md): every window of `steps` consecutive
/// frames starting at a multiple of `stride` within a trajectory, sampled at random per batch; velocities as
/// recorded, or derived from positions where the files lack them.
public struct DatasetTrajectories: TrajectorySource {
    public let dataset: Dataset
    public let steps: Int
    public let seed: UInt64
    /// (episode, first frame) of every window.
    public let starts: [(episode: Int, frame: Int)]

    /// Indexes the windows; throws when no trajectory is long enough.
    public init(dataset: Dataset, steps: Int, seed: UInt64, stride: Int = 10) throws {
        self.dataset = dataset; self.steps = steps; self.seed = seed
        var starts: [(episode: Int, frame: Int)] = []
        for (e, episode) in dataset.episodes.enumerated() {
            for run in episode.trajectories where run.count >= steps {
                for s in Swift.stride(from: run.lowerBound, through: run.upperBound - steps, by: max(1, stride)) { starts.append((e, s)) }
            }
        }
        guard !starts.isEmpty else {
            throw DatasetError(file: dataset.root.path, "no trajectory has \(steps) consecutive frames (the window length)")
        }
        self.starts = starts
    }

    public func batch(_ index: Int, size batch: Int, steps: Int) throws -> TrajectoryBatch {
        precondition(steps == self.steps, "DatasetTrajectories was indexed for windows of \(self.steps) steps, asked for \(steps)")
        var rng = batchGenerator(seed: seed, index: index, salt: 0xDA7A)
        let windows = (0..<batch).map { _ -> [TrajectoryFrame] in
            let (e, s) = starts[rng.nextInt(starts.count)]
            return dataset.episodes[e].frames[s..<(s + steps)].map {
                ($0.pose.x, $0.pose.y, $0.pose.heading, $0.velocity.x, $0.velocity.y, $0.angularVelocity)
            }
        }
        return TrajectoryBatch(windows: windows)
    }
}
