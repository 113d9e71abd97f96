import ArgumentParser
import BEV
import Foundation
import GridCell
import MazeEnv
import SpatialMemory
import Tensor

/// `ssm map`: single-agent spatial memory of one episode from BEV predictions (paper-notes §9).
struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map", abstract: "Reconstruct a whole episode's maze from BEV predictions: figure, frames, metrics.",
        discussion: "Writes OUTPUT/map.svg (labelled figure), map.png, frames/frame_NNNNNN.png (view, true BEV, "
            + "prediction, map so far), reconstruction.mp4 when ffmpeg is installed, and metrics.json. Poses are the "
            + "ground truth, or with --poses gridcell the grid-cell path integrator's estimate; the episode is a frontier-exploring "
            + "agent in a generated maze, or the first episode of --data.")

    enum PoseSource: String, ExpressibleByArgument { case truth, gridcell }

    @Option(help: "BEV checkpoint.") var checkpoint = "Models/bev/model.safetensors"
    @Option(help: "Target detector for the target memory (default: targets read from the BEV's colours; skipped when the file is absent).")
    var detector = "Models/detector/model.safetensors"
    @Option(help: "Detector probability above which a target counts as seen.") var detectionThreshold: Float = 0.85
    @Flag(help: "Use perfect BEV predictions rendered from the layout instead of the model (the mapping's upper bound).") var groundTruth = false
    @Option(help: "A GUIDE §3 dataset: map its first episode (or --episode) instead of a generated one.") var data: String?
    @Option(help: "Episode index within --data.") var episode = 0
    @Option(help: "Seed of the generated maze and explorer.") var seed: UInt64 = 7
    @Option(help: "Side of the generated maze in cells.") var mazeSize = 15
    @Option(help: "Steps of the generated episode.") var steps = 600
    @Option(help: "Fuse every k-th frame.") var every = 2
    @Option(help: "Write a video frame every k-th fused frame (0: none).") var frameEvery = 2
    @Option(help: "Poses the map is built at: truth, or gridcell (dead-reckoned by the path-integrator network from self-motion, with a true fix every --fix-every steps).")
    var poses: PoseSource = .truth
    @Option(help: "Path-integrator checkpoint for --poses gridcell.") var pathIntegrator = "Models/pathintegrator/model.safetensors"
    @Option(help: "Steps between true pose fixes for --poses gridcell (the shipped model was trained on 100-step windows).") var fixEvery = 100
    @Option(help: "Transparent cells in view farther than this (cells) are not evidence of a wall.") var wallRange: Float = 5
    @Option(help: "Lower bound of a wall observation's free probability (0.5: predictions never mark walls).") var wallFloor: Float = 0.35
    @Option(help: "Output folder.") var output = "runs/map"
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws {
        guard steps > 0, every > 0, frameEvery >= 0, mazeSize >= 5, episode >= 0 else {
            throw ValidationError("--steps and --every must be positive, --frame-every ≥ 0, --maze-size ≥ 5, --episode ≥ 0")
        }
    }

    /// The episode: frames, the layout and targets when known, and a name for the figure.
    func loadEpisode() throws -> (frames: [EpisodeFrame], layout: MazeLayout?, targets: [Target], size: Int, name: String, fieldOfView: Float?) {
        if let data {
            let set = try Dataset.load(URL(fileURLWithPath: data))
            guard episode < set.episodes.count else {
                throw ValidationError("--episode \(episode): \(data) holds \(set.episodes.count) episodes")
            }
            let e = set.episodes[episode]
            let frames = try e.frames.indices.map { EpisodeFrame(view: try e.fpsView($0), pose: e.frames[$0].pose) }
            return (frames, e.layout, e.targets, e.mazeSize, "\(e.url.lastPathComponent) (\(frames.count) frames)", e.fieldOfViewDegrees)
        }
        let world = try MazeWorld(size: mazeSize, seed: seed)
        let frames = EpisodeFrame.frames(of: FrontierExplorer.explore(world, steps: steps, seed: seed).trajectory)
        return (frames, world.layout, world.targets, mazeSize, "generated maze (seed \(seed), \(steps) steps)", nil)
    }

    func run() throws {
        let dir = URL(fileURLWithPath: output), framesDir = dir.appendingPathComponent("frames")
        try? FileManager.default.removeItem(at: framesDir)
        try FileManager.default.createDirectory(at: framesDir, withIntermediateDirectories: true)
        var episode = try loadEpisode()
        let truePoses = episode.frames.map(\.pose)
        var poseError: Double?
        if poses == .gridcell {
            let network = try GridCellNetwork.load(URL(fileURLWithPath: pathIntegrator))
            let estimated = network.integratePath(truePoses, window: fixEvery)
            for i in episode.frames.indices { episode.frames[i].pose = estimated[i] }
            poseError = zip(estimated, truePoses).map { Double(hypot($0.x - $1.x, $0.y - $1.y)) }.reduce(0, +) / Double(max(truePoses.count, 1))
            stderr(String(format: "poses from the path integrator: mean error %.2f cells (a true fix every %d steps)\n", poseError!, fixEvery))
        }
        let source: BEVSource
        var truthGeometry = EgocentricBEV()
        if let fov = episode.fieldOfView { truthGeometry.fieldOfViewDegrees = fov }
        if groundTruth {
            guard let layout = episode.layout else { throw ValidationError("--ground-truth needs the episode's maze layout") }
            source = .groundTruth(layout: layout, targets: episode.targets, geometry: truthGeometry)
        } else {
            source = .model(try BEVModel.load(URL(fileURLWithPath: checkpoint)))
        }
        var g = source.geometry
        g.fieldOfViewDegrees = truthGeometry.fieldOfViewDegrees
        let truthSource = episode.layout.map { BEVSource.groundTruth(layout: $0, targets: episode.targets, geometry: g) }
        var mapper = EpisodeMapper(source: source, every: every, targetColors: episode.targets.map(\.color),
                                   walls: groundTruth ? .literal : WallEvidence(range: wallRange, probabilityFloor: wallFloor))
        if !groundTruth, FileManager.default.fileExists(atPath: detector) {
            let d = try TargetDetector.load(URL(fileURLWithPath: detector))
            if d.config.targets == episode.targets.count { mapper.detector = d; mapper.detectionThreshold = detectionThreshold } else {
                stderr("\(detector) knows \(d.config.targets) targets, the maze has \(episode.targets.count): targets from the BEV's colours\n")
            }
        }
        var fused = 0, written = 0
        let start = Date()
        let map = try mapper.map(episode.frames, mazeSize: episode.size) { step, map in
            fused += 1
            if frameEvery > 0 && (fused - 1) % frameEvery == 0 {
                let truth = truthSource?.predict([step.frame]).first
                let path = episode.frames[0...step.frameIndex].map(\.pose)
                let picture = MapFigures.frame(view: step.frame.view, truth: truth, prediction: step.prediction, map: map,
                                               layout: episode.layout, trajectory: path, targets: episode.targets)
                try picture.write(to: framesDir.appendingPathComponent(String(format: "frame_%06d.png", written)))
                written += 1
            }
            if fused % 25 == 0 {
                let rate = Double(fused) / max(Date().timeIntervalSince(start), 1e-9)
                stderr(String(format: "\rframe %d/%d  %.1f frames/s", step.frameIndex + 1, episode.frames.count, rate))
            }
        }
        stderr("\n")
        let path = episode.frames.map(\.pose)
        let mapPicture = MapFigures.mapImage(map, layout: episode.layout, trajectory: path, targets: episode.targets)
        try mapPicture.write(to: dir.appendingPathComponent("map.png"))
        var result: [String: Any] = ["frames": episode.frames.count, "fused_frames": fused, "video_frames": written,
                                     "source": groundTruth ? "ground-truth BEV" : checkpoint, "output": output,
                                     "target_memory": mapper.detector != nil ? detector : "BEV colours"]
        if let poseError { result["pose_error_cells"] = poseError; result["poses"] = "grid-cell path integrator, fix every \(fixEvery) steps" }
        if let layout = episode.layout {
            let m = map.metrics(against: layout)
            let truth = MazeWorld(layout: layout, targets: episode.targets, agents: [truePoses.last!]).topDown(trajectories: [truePoses.map { ($0.x, $0.y) }])
            var title = groundTruth ? "Spatial memory from perfect BEV (upper bound)" : "Spatial memory from predicted BEV"
            if poses == .gridcell { title += " at grid-cell poses" }
            try MapFigures.episodeFigure(truth: truth, map: mapPicture, title: "\(title): \(episode.name)",
                                         mapTitle: groundTruth ? "map from ground-truth BEV" : "map from the BEV model's predictions",
                                         metrics: m, frames: fused).write(to: dir.appendingPathComponent("map.svg"))
            result["observed_cell_accuracy"] = m.accuracy
            result["free_coverage"] = m.coverage
            result["free_iou"] = m.freeIoU
            result["observed_cells"] = m.decidedCells
        }
        result["targets_sighted"] = map.targets.count
        let errors = map.targetEvidence.sorted { $0.key < $1.key }.compactMap { k, e -> Double? in
            k < episode.targets.count ? Double(hypot(e.x / e.weight - episode.targets[k].x, e.y / e.weight - episode.targets[k].y)) : nil
        }
        if !errors.isEmpty {
            result["target_memory_error_cells"] = errors.reduce(0, +) / Double(errors.count)
            result["target_memory_errors_cells"] = errors
        }
        if written > 0, let video = try makeVideo(framesDir, to: dir.appendingPathComponent("reconstruction.mp4")) { result["video"] = video }
        try writeAtomically(try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys, .prettyPrinted]),
                            to: dir.appendingPathComponent("metrics.json"))
        if json { printJSON(result) } else {
            let accuracy = (result["observed_cell_accuracy"] as? Double).map { String(format: "; observed-cell accuracy %.1f%%", 100 * $0) } ?? ""
            print("map: \(fused) frames fused\(accuracy); figure in \(output)/map.svg, frames in \(output)/frames")
        }
    }

    /// Encodes the frames as an H.264 MP4 at 10 fps when ffmpeg is on the PATH; nil (and a note) otherwise.
    func makeVideo(_ frames: URL, to url: URL) throws -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        guard let ffmpeg = paths.map({ "\($0)/ffmpeg" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            stderr("ffmpeg not found: frames only (no MP4)\n")
            return nil
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ffmpeg)
        p.arguments = ["-y", "-loglevel", "error", "-framerate", "10", "-i", frames.appendingPathComponent("frame_%06d.png").path,
                       "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p", "-c:v", "libx264", url.path]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { stderr("ffmpeg failed (status \(p.terminationStatus)): frames only\n"); return nil }
        return url.path
    }
}
