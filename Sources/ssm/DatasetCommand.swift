import ArgumentParser
import Foundation
import MazeEnv

/// `ssm dataset …`: tools for datasets in the dataset format of Docs/Datasets.md.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "Inspect datasets in the dataset format of Docs/Datasets.md.", subcommands: [Check.self, Compare.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a dataset: every JSON field, every referenced image decoded; report its size.",
            discussion: "Exits non-zero with the file, frame key and field of the first fault.")

        @Argument(help: "Dataset root (episode folders, or one episode folder).") var directory = "runs/dataset"
        @Flag(help: "Check JSON and that images exist, without decoding them.") var quick = false
        @Flag(help: "Print the result as one JSON line.") var json = false

        func run() throws {
            let dataset: Dataset
            let images: (fpsViews: Int, bevViews: Int)
            do {
                dataset = try Dataset.load(URL(fileURLWithPath: directory))
                images = quick ? (0, 0) : try dataset.validateImages()
            } catch let error as DatasetError {
                if json { printJSON(["valid": false, "error": error.description, "file": error.file,
                                     "frame": error.frame as Any, "field": error.field as Any]) }
                throw error
            }
            let lengths = dataset.episodes.flatMap { $0.trajectories.map(\.count) }
            let result: [String: Any] = [
                "valid": true, "root": dataset.root.path, "episodes": dataset.episodes.count, "frames": dataset.frameCount,
                "trajectories": dataset.trajectoryCount,
                "min_trajectory_frames": lengths.min() ?? 0, "max_trajectory_frames": lengths.max() ?? 0,
                "episodes_with_layout": dataset.episodes.filter { $0.layout != nil }.count,
                "episodes_with_bev_views": dataset.episodes.filter(\.hasBEVViews).count,
                "frames_with_derived_motion": dataset.episodes.reduce(0) { $0 + $1.frames.filter(\.motionDerived).count },
                "fps_views_decoded": images.fpsViews, "bev_views_decoded": images.bevViews,
            ]
            if json { printJSON(result) } else {
                print("\(dataset.root.path): valid; \(dataset.episodes.count) episodes, \(dataset.frameCount) frames, \(dataset.trajectoryCount) trajectories (\(lengths.min() ?? 0)…\(lengths.max() ?? 0) frames)")
            }
        }
    }
}

extension DatasetCommand {
    /// `ssm dataset compare`: each recorded view beside our renderer's view from the same layout and pose.
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put recorded views beside ours rendered from the episode's layout and poses, with the BEV ground truth.",
            discussion: "Rows are frames; columns: recorded view, our view (field of view from env_config.json), local BEV. "
                + "Made for datasets recorded from the real Memory-Maze (scripts/memory_maze_collect.py).")

        @Argument(help: "Dataset root or episode folder (needs maze_layout).") var directory: String
        @Option(help: "Episode index within the dataset.") var episode = 0
        @Option(help: "Comma-separated frame indices (default: 6 spread over the episode).") var frames: String?
        @Option(help: "Pixel scale of the views in the figure.") var scale = 3
        @Option(help: "Output PNG.") var output = "runs/compare.png"

        func run() throws {
            let dataset = try Dataset.load(URL(fileURLWithPath: directory))
            guard dataset.episodes.indices.contains(episode) else {
                throw ValidationError("--episode \(episode): the dataset has \(dataset.episodes.count) episodes")
            }
            let ep = dataset.episodes[episode]
            let layout = try ep.requireLayout()
            let n = ep.frames.count
            let picks = try frames.map { list in
                try list.split(separator: ",").map { s -> Int in
                    guard let i = Int(s), (0..<n).contains(i) else { throw ValidationError("--frames: \(s) is not a frame index in 0..<\(n)") }
                    return i
                }
            } ?? (0..<min(6, n)).map { $0 * n / min(6, n) }
            var render = RenderConfig()
            render.fieldOfViewDegrees = ep.fieldOfViewDegrees ?? 90
            var bev = BEVConfig()
            bev.fieldOfViewDegrees = render.fieldOfViewDegrees
            bev.imageSize = 64 * scale + 2 * 16; bev.cellPixels = 16
            let views = try picks.map { try ep.fpsView($0) }
            render.width = views.first?.width ?? 64; render.height = views.first?.height ?? 64
            let renderer = EgocentricRenderer(config: render)
            let cell = render.width * scale, gap = 8
            var canvas = Canvas(width: 3 * cell + 2 * gap + bev.imageSize - cell, height: picks.count * (max(cell, bev.imageSize) + gap),
                                fill: (255, 255, 255, 255))
            for (row, i) in picks.enumerated() {
                let world = MazeWorld(layout: layout, targets: ep.targets, agents: [ep.frames[i].pose],
                                      currentTarget: ep.frames[i].currentTarget ?? 0, seed: UInt64(ep.seed ?? 0))
                let y = row * (max(cell, bev.imageSize) + gap)
                canvas.draw(views[row], x: 0, y: y, scale: scale)
                canvas.draw(renderer.render(world, agent: 0), x: cell + gap, y: y, scale: scale)
                let map = GroundTruth.localBEV(layout, pose: ep.frames[i].pose, targets: ep.targets, currentTarget: ep.frames[i].currentTarget, config: bev)
                canvas.fillRect(x: 2 * (cell + gap), y: y, w: bev.imageSize, h: bev.imageSize, (40, 40, 48, 255))
                canvas.draw(map, x: 2 * (cell + gap), y: y)
            }
            let url = URL(fileURLWithPath: output)
            try canvas.image.write(to: url)
            print("wrote \(url.path): \(picks.count) frames of \(ep.url.lastPathComponent) (recorded | ours | BEV)")
        }
    }
}
