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
            let result: DatasetReport
            do { result = try DatasetReport(checking: URL(fileURLWithPath: directory), quick: quick) } catch let error as DatasetError {
                if json { printJSON(["valid": false, "error": error.description, "file": error.file, "frame": error.frame as Any, "field": error.field as Any]) }
                throw error
            }
            report(result, json: json)
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
        @Option(help: "Our renderer's look: flat or memory-maze (its camera too: pitched down).") var style: RenderStyle = .flat
        @Option(help: "Camera pitch in degrees (default: the style's).") var tilt: Float?
        @Option(help: "Camera height in cells (default: the style's).") var cameraHeight: Float?
        @Flag(help: "Print the rendering gap as one JSON line.") var json = false

        func validate() throws {
            guard (1...32).contains(scale) else { throw ValidationError("--scale must be in 1…32") }
            if let tilt, !(tilt > -45 && tilt < 45) { throw ValidationError("--tilt must be in (-45, 45) degrees") }
            if let cameraHeight, !(cameraHeight > 0 && cameraHeight < 0.75) { throw ValidationError("--camera-height must be in (0, 0.75) cells (below the walls' top)") }
            guard episode >= 0 else { throw ValidationError("--episode must be ≥ 0") }
        }

        func run() throws {
            let dataset = try Dataset.load(URL(fileURLWithPath: directory))
            guard dataset.episodes.indices.contains(episode) else {
                throw ValidationError("--episode \(episode): the dataset has \(dataset.episodes.count) episodes")
            }
            let ep = dataset.episodes[episode]
            let n = ep.frames.count
            let picks = try frames.map { list in
                try list.split(separator: ",").map { s -> Int in
                    guard let i = Int(s), (0..<n).contains(i) else { throw ValidationError("--frames: \(s) is not a frame index in 0..<\(n)") }
                    return i
                }
            } ?? (0..<min(6, n)).map { $0 * n / min(6, n) }
            let url = URL(fileURLWithPath: output)
            var render = style == .memoryMaze ? RenderConfig.memoryMaze : RenderConfig()
            if let tilt { render.tiltDegrees = tilt }
            if let cameraHeight { render.cameraHeight = cameraHeight }
            try ep.comparisonFigure(frames: picks, scale: scale, render: render).write(to: url)
            let gap = try ep.renderingGap(render: render)
            if json { printJSON(gap) } else {
                print("wrote \(url.path): \(picks.count) frames of \(ep.url.lastPathComponent) (recorded | ours | BEV)")
                print(String(format: "rendering gap over %d frames: mean absolute difference %.3f per pixel and channel; mean colour recorded (%.2f, %.2f, %.2f), ours (%.2f, %.2f, %.2f)",
                             gap.frames, gap.meanAbsoluteError, gap.recordedMeanColor[0], gap.recordedMeanColor[1], gap.recordedMeanColor[2],
                             gap.oursMeanColor[0], gap.oursMeanColor[1], gap.oursMeanColor[2]))
            }
        }
    }
}
