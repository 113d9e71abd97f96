import Foundation
import Basics

/// Settings of ``Collector``: which mazes, how many steps, how the agent explores, what is written.
public struct CollectConfig: Codable, Equatable, Sendable {
    /// Memory-Maze preset size (9, 11, 13 or 15).
    public var mazeSize = 15
    /// Episode folders to write; episode `e` uses maze seed `seed + e`.
    public var episodes = 4
    /// Agent steps per episode (the original collector opened a new maze every 500 steps).
    public var stepsPerEpisode = 500
    public var seed: UInt64 = 1
    public var render = RenderConfig()
    public var bev = BEVConfig()
    /// Write `bev_views/` (the local BEV targets); without them a reader renders BEV from the layout.
    public var writeBEVViews = true
    /// Probability of replacing the explorer's action by a random one, for more varied motion.
    public var randomActionProbability: Float = 0.1
    /// Drop frames whose view looks like a wall close-up, as the original collector did (makes id gaps).
    public var dropWallCloseups = false
    public var kinematics = Kinematics()
    /// Per-episode field of view, colour, lighting and noise (nil: every episode looks alike).
    public var randomization: DomainRandomization?
    public init() {}

    /// Checks every value a collection depends on.
    public func validate() throws {
        try ConfigError.check(episodes > 0 && stepsPerEpisode > 0, "episodes and stepsPerEpisode", "must be positive")
        try ConfigError.check([9, 11, 13, 15].contains(mazeSize), "mazeSize", "must be 9, 11, 13 or 15, not \(mazeSize)")
        try ConfigError.check(render.fieldOfViewDegrees > 0 && render.fieldOfViewDegrees < 180, "render.fieldOfViewDegrees", "must be in (0, 180)")
        try ConfigError.check(render.width >= 8 && render.height >= 8 && render.width <= 1024 && render.height <= 1024,
                              "render.width and height", "must be in 8…1024")
        try ConfigError.check(stepsPerEpisode <= 1_000_000 && episodes <= 1_000_000, "episodes and stepsPerEpisode", "must be at most 1,000,000")
        try ConfigError.check((0...1).contains(randomActionProbability), "randomActionProbability", "must be in [0, 1]")
        try randomization?.validate(baseFieldOfView: render.fieldOfViewDegrees)
    }
}

/// Writes one episode folder in the dataset format of Docs/Datasets.md: `env_config.json` (with `maze_layout`) at once,
/// then images per frame, and `frame_info.json` atomically on ``finish()``.
public final class EpisodeWriter {
    public let directory: URL
    private var frames: [String: FrameRecord] = [:]

    /// Creates the folder and writes `env_config.json` for `world`.
    public init(directory: URL, world: MazeWorld, envName: String, fieldOfViewDegrees: Float) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("fps_views"), withIntermediateDirectories: true)
        let c = world.maze.config
        let record = EnvConfigRecord(
            envName: envName, agentHeight: Double(shortest: 0.3), fovAngle: Double(shortest: fieldOfViewDegrees),
            seed: Int(truncatingIfNeeded: world.maze.seed), mazeSize: c.mazeSize,
            mazeConfig: MazeConfigRecord(mazeSize: c.mazeSize, maxRooms: c.maxRooms, roomMinSize: c.roomMinSize,
                                         roomMaxSize: c.roomMaxSize, spawnsPerRoom: 1, objectsPerRoom: 1),
            objects: world.targets.enumerated().map { i, t in
                ObjectRecord(index: i, position: [Double(shortest: t.x), Double(shortest: t.y)], color: t.color.map { Double(shortest: $0) })
            },
            mazeLayout: world.layout.rows,
            createdAt: ISO8601DateFormatter().string(from: Date()))
        try writeAtomically(try EpisodeWriter.encoder.encode(record), to: directory.appendingPathComponent("env_config.json"))
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Records one frame: `state` after the step, `previous` before it (nil for an episode's first frame).
    public func record(frameId: Int, state: AgentState, previous: AgentState?, visibleTargets: [Int],
                       currentTarget: Int? = nil, fpsView: Image, bevView: Image?) throws {
        let key = String(format: "frame_%06d", frameId)
        let fpsPath = "fps_views/\(key).png"
        try fpsView.write(to: directory.appendingPathComponent(fpsPath))
        var bevPath: String?
        if let bevView {
            bevPath = "bev_views/\(key).png"
            try bevView.write(to: directory.appendingPathComponent(bevPath!))
        }
        let p = previous ?? state
        frames[key] = FrameRecord(
            frameId: frameId, timestamp: Double(frameId) / 4,
            agentState: AgentStateRecord(
                position: [Double(shortest: state.x), Double(shortest: state.y)], rotation: Double(shortest: state.heading),
                velocity: [Double(shortest: state.x - p.x), Double(shortest: state.y - p.y)],
                angularVelocity: Double(shortest: wrapAngle(state.heading - p.heading))),
            observations: ObservationsRecord(visibleTargets: visibleTargets.isEmpty ? [-1] : visibleTargets,
                                             fpsView: fpsPath, bevView: bevPath, currentTarget: currentTarget))
    }

    /// Frames recorded so far.
    public var frameCount: Int { frames.count }

    /// Writes `frame_info.json` (atomically).
    public func finish() throws {
        try writeAtomically(try EpisodeWriter.encoder.encode(frames), to: directory.appendingPathComponent("frame_info.json"))
    }
}

extension Double {
    /// The double whose shortest decimal form is the float's (0.3 rather than 0.30000001192092896), so
    /// JSON stays readable and reads back to the same float.
    init(shortest f: Float) { self = Double("\(f)") ?? Double(f) }
}

/// Writes datasets by letting a frontier explorer walk generated mazes.
public enum Collector {
    /// What one collection wrote.
    public struct Summary: Sendable {
        public var episodes = 0, frames = 0, droppedFrames = 0
        public var coverage: Float = 0
    }

    /// Writes `config.episodes` episode folders `000000`, `000001`, … under `root`, in parallel over
    /// `threads` workers. `progress` receives the frames written so far (from any thread).
    ///
    /// A new dataset appears whole or not at all: it is written into a hidden sibling folder
    /// (`.NAME.partial-PID`, left behind if the process is killed) and renamed to `root` at the end. A `root`
    /// that already holds files is refused unless `append`; then the episodes are numbered after the highest
    /// existing one (seeds still `seed + e` for the e-th new episode) and each appears whole, from a hidden folder
    /// inside `root` renamed into place.
    public static func collect(into root: URL, config: CollectConfig, threads: Int = 1, append: Bool = false,
                               progress: @escaping @Sendable (Int) -> Void = { _ in }) throws -> Summary {
        try config.validate()
        let fm = FileManager.default
        let existing = ((try? fm.contentsOfDirectory(atPath: root.path)) ?? []).filter { !$0.hasPrefix(".") }
        if !existing.isEmpty && !append {
            throw FileFormatError(file: root.path, "already holds \(existing.count) entries; write a new dataset to an empty or new folder, or append episodes to this one (--append)")
        }
        let firstIndex = existing.compactMap { Int($0) }.max().map { $0 + 1 } ?? 0
        let staging = existing.isEmpty
            ? root.deletingLastPathComponent().appendingPathComponent(".\(root.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
            : root
        if existing.isEmpty { try? fm.removeItem(at: staging); try fm.createDirectory(at: staging, withIntermediateDirectories: true) }
        let summary = try collectEpisodes(into: staging, firstIndex: firstIndex, config: config, threads: threads, progress: progress)
        if existing.isEmpty {
            try? fm.removeItem(at: root) // empty, or absent
            try fm.createDirectory(at: root.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard rename(staging.path, root.path) == 0 else {
                throw FileFormatError(file: root.path, "could not move the finished dataset from \(staging.lastPathComponent) into place (\(String(cString: strerror(errno))))")
            }
        }
        return summary
    }

    /// Writes the episodes, each into a hidden folder of `root` renamed into place when it is complete.
    static func collectEpisodes(into root: URL, firstIndex: Int, config: CollectConfig, threads: Int,
                                progress: @escaping @Sendable (Int) -> Void) throws -> Summary {
        let lock = NSLock()
        nonisolated(unsafe) var results = [Result<Summary, Error>?](repeating: nil, count: config.episodes)
        nonisolated(unsafe) var done = 0
        let workers = max(1, min(threads, config.episodes))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for e in stride(from: w, to: config.episodes, by: workers) {
                let r = Result { () throws -> Summary in
                    let name = String(format: "%06d", firstIndex + e)
                    let partial = root.appendingPathComponent(".\(name).partial"), final = root.appendingPathComponent(name)
                    try? FileManager.default.removeItem(at: partial)
                    let summary = try collectEpisode(e, into: partial, config: config) {
                        lock.lock(); done += 1; let d = done; lock.unlock()
                        progress(d)
                    }
                    guard rename(partial.path, final.path) == 0 else {
                        throw FileFormatError(file: final.path, "could not move the finished episode into place (\(String(cString: strerror(errno))))")
                    }
                    return summary
                }
                lock.lock(); results[e] = r; lock.unlock()
            }
        }
        var total = Summary()
        for r in results {
            let s = try r!.get()
            total.episodes += 1; total.frames += s.frames; total.droppedFrames += s.droppedFrames
            total.coverage += s.coverage / Float(config.episodes)
        }
        return total
    }

    /// Writes episode `index` (maze seed `config.seed + index`) into `directory`.
    public static func collectEpisode(_ index: Int, into directory: URL, config: CollectConfig,
                                      frameWritten: () -> Void = {}) throws -> Summary {
        let seed = config.seed &+ UInt64(index)
        let maze = MazeGenerator.generate(try MazeConfig.memoryMaze(config.mazeSize), seed: seed)
        let world = MazeWorld(maze: maze, agents: 1, kinematics: config.kinematics, seed: seed)
        // With randomisation the episode has its own field of view, for the view and the BEV's visibility alike.
        let appearance = config.randomization?.draw(seed: seed, baseFieldOfView: config.render.fieldOfViewDegrees)
        var render = config.render, bev = config.bev
        if let appearance { render.fieldOfViewDegrees = appearance.fieldOfViewDegrees; bev.fieldOfViewDegrees = appearance.fieldOfViewDegrees }
        let writer = try EpisodeWriter(directory: directory, world: world, envName: "ssm-maze-\(config.mazeSize)x\(config.mazeSize)",
                                       fieldOfViewDegrees: render.fieldOfViewDegrees)
        let renderer = EgocentricRenderer(config: render)
        let env = MultiAgentEnv(world: world)
        var explorer = [FrontierExplorer(size: maze.layout.size, seed: seed)]
        var rng = RandomGenerator(seed: seed ^ 0xC011_EC7)
        var summary = Summary(episodes: 1)
        var previous: AgentState?
        func record(_ step: Int) throws {
            defer { previous = world.agents[0] }
            if config.dropWallCloseups && facesWallCloseup(world, agent: 0) { summary.droppedFrames += 1; return }
            var view = renderer.render(world, agent: 0)
            appearance?.apply(to: &view, frame: step)
            let visible = world.visibleCells(agent: 0, fieldOfViewDegrees: bev.fieldOfViewDegrees, range: bev.visibilityRange)
            try writer.record(frameId: step, state: world.agents[0], previous: previous,
                              visibleTargets: world.visibleTargets(agent: 0, visible: visible),
                              currentTarget: world.currentTarget[0], fpsView: view,
                              bevView: config.writeBEVViews ? world.localBEV(agent: 0, config: bev) : nil)
            summary.frames += 1
            frameWritten()
        }
        if config.stepsPerEpisode > 0 {
            try record(0)
            try Rollout.run(env, policies: &explorer, steps: config.stepsPerEpisode - 1,
                            adjust: { $1.perturbed(probability: config.randomActionProbability, rng: &rng) },
                            onStep: { step, _ in try record(step + 1) })
        }
        try writer.finish()
        summary.coverage = explorer[0].coverage(of: maze.layout)
        return summary
    }

    /// Whether agent `index` faces a wall closer than `distance` cells: a view that is all wall. The
    /// original collector dropped such frames by an image test (`is_wall_collision`); the geometry is exact.
    public static func facesWallCloseup(_ world: MazeWorld, agent index: Int, distance: Float = 0.35) -> Bool {
        let a = world.agents[index]
        return castRay(world.layout, x: a.x, y: a.y, dx: cos(a.heading), dy: sin(a.heading), maxDistance: distance).hit
    }
}
