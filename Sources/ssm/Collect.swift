import ArgumentParser
import Foundation
import Basics
import MazeEnv

/// `ssm collect`: exploration episodes on generated mazes, written in the dataset format (Docs/Datasets.md).
struct Collect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a dataset of exploration episodes (fps_views, bev_views, env_config.json, frame_info.json).",
        discussion: "Episode e explores the maze of seed SEED+e with the frontier explorer; each episode folder holds its layout.")

    @Option(help: "Dataset root to write.") var output = "runs/dataset"
    @Option(help: "Episode folders to write.") var episodes = 4
    @Option(help: "Agent steps (frames) per episode.") var steps = 500
    @Option(help: "Memory-Maze preset size: 9, 11, 13 or 15.") var size = 15
    @Option(help: "Seed of the first episode's maze.") var seed: UInt64 = 1
    @Option(help: "Horizontal field of view of the views and the BEV visibility, degrees.") var fov: Float = 90
    @Option(help: "Egocentric view size in pixels (square).") var viewSize = 64
    @Option(help: "The views' look: flat or memory-maze (with Memory-Maze's camera pitch; pair it with --fov 80).") var style: RenderStyle = .flat
    @Option(help: "Probability of a random action instead of the explorer's.") var randomActions: Float = 0.1
    @Flag(help: "Do not write bev_views (readers render them from the layout).") var noBev = false
    @Flag(help: "Add episodes to an existing dataset (numbered after its last); without it the output must be new or empty.") var append = false
    @Flag(help: "Drop wall close-up frames as the original collector did (frame ids then have gaps).") var dropWallCloseups = false
    @Flag(help: "Domain randomisation: each episode draws its own field of view (--fov ± 10°), colour cast, brightness, contrast and pixel noise (Docs/Datasets.md).") var randomize = false
    @Option(help: "Worker threads (episodes in parallel).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws {
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        try checkConfig { try config().validate() }
    }

    func config() -> CollectConfig {
        var config = CollectConfig()
        config.mazeSize = size; config.episodes = episodes; config.stepsPerEpisode = steps; config.seed = seed
        // The Memory-Maze look brings its camera (height, pitch, mount); the flags set the view's size and field.
        if style == .memoryMaze { config.render = .memoryMaze }
        config.render.fieldOfViewDegrees = fov; config.bev.fieldOfViewDegrees = fov
        config.render.width = viewSize; config.render.height = viewSize
        config.randomActionProbability = randomActions
        config.writeBEVViews = !noBev; config.dropWallCloseups = dropWallCloseups
        if randomize { config.randomization = DomainRandomization() }
        return config
    }

    func run() throws {
        let config = config()
        let root = URL(fileURLWithPath: output)
        let total = episodes * steps
        let meter = ProgressMeter(total: total, unit: "frames")
        let summary = try Collector.collect(into: root, config: config, threads: threads, append: append) { meter.update($0) }
        meter.finish()
        let seconds = meter.elapsed
        let result: [String: Any] = [
            "output": root.path, "episodes": summary.episodes, "frames": summary.frames,
            "dropped_frames": summary.droppedFrames, "mean_coverage": summary.coverage,
            "seconds": seconds, "frames_per_second": Double(summary.frames) / max(seconds, 1e-9),
        ]
        if json { printJSON(result) } else {
            print(String(format: "wrote %d episodes, %d frames (%d dropped) to %@ in %.1f s; explorer saw %.0f%% of free cells",
                         summary.episodes, summary.frames, summary.droppedFrames, root.path, seconds, summary.coverage * 100))
        }
    }
}

extension RenderStyle: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument == "memory-maze" ? "memoryMaze" : argument) }
}
