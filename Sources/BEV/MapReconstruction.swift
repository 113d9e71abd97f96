import Foundation
import MazeEnv
import Plotting
import SpatialMemory
import Tensor

/// An episode to map: its frames (view, pose) and, when known, the true maze.
public struct MappingEpisode: Sendable {
    public var frames: [EpisodeFrame]
    public var layout: MazeLayout?
    public var targets: [Target]
    public var mazeSize: Int
    /// Names the episode in figures.
    public var name: String
    /// The field of view the views were rendered with, when the episode records it.
    public var fieldOfViewDegrees: Float?
    /// The poses the frames were taken at (the frames' own poses may be estimates, see ``estimatePoses(_:describedAs:)``).
    public let truePoses: [AgentState]
    /// Where the frames' poses come from when they are estimates, and their mean error (cells).
    public private(set) var poseEstimate: (source: String, meanErrorCells: Double)?

    public init(frames: [EpisodeFrame], layout: MazeLayout?, targets: [Target], mazeSize: Int, name: String, fieldOfViewDegrees: Float? = nil) {
        self.frames = frames; self.layout = layout; self.targets = targets; self.mazeSize = mazeSize; self.name = name
        self.fieldOfViewDegrees = fieldOfViewDegrees; truePoses = frames.map(\.pose)
    }

    /// Maps at `estimate(truePoses)` instead of the true poses (a path integrator's dead reckoning), described as `source`.
    public mutating func estimatePoses(_ estimate: ([AgentState]) -> [AgentState], describedAs source: String) {
        let estimated = estimate(truePoses)
        precondition(estimated.count == frames.count, "MappingEpisode.estimatePoses: one pose per frame")
        for i in frames.indices { frames[i].pose = estimated[i] }
        let error = zip(estimated, truePoses).map { Double(hypot($0.x - $1.x, $0.y - $1.y)) }.reduce(0, +) / Double(max(frames.count, 1))
        poseEstimate = (source, error)
    }

    /// A frontier explorer's episode in a generated maze (maze and explorer seeded by `seed`).
    public static func generated(mazeSize: Int = 15, seed: UInt64, steps: Int) throws -> MappingEpisode {
        let world = try MazeWorld(size: mazeSize, seed: seed)
        let frames = EpisodeFrame.frames(of: FrontierExplorer.explore(world, steps: steps, seed: seed).trajectory)
        return MappingEpisode(frames: frames, layout: world.layout, targets: world.targets, mazeSize: mazeSize,
                              name: "generated maze (seed \(seed), \(steps) steps)")
    }

    /// A recorded dataset episode.
    public static func recorded(_ e: DatasetEpisode) throws -> MappingEpisode {
        let frames = try e.frames.indices.map { EpisodeFrame(view: try e.fpsView($0, side: 64), pose: e.frames[$0].pose) }
        return MappingEpisode(frames: frames, layout: e.layout, targets: e.targets, mazeSize: e.mazeSize,
                              name: "\(e.url.lastPathComponent) (\(frames.count) frames)", fieldOfViewDegrees: e.fieldOfViewDegrees)
    }
}

/// Figures of one mapped episode (JSON keys as `ssm map --json` prints them; map metrics only when the
/// true maze is known).
public struct MapReconstructionResult: Codable, Sendable {
    /// What the predictions, the target memory and the poses came from, and the output folder.
    public var source, targetMemory, output: String
    public var poses: String?
    public var poseErrorCells: Double?
    /// With estimated poses: their mean heading error over the fused frames, degrees.
    public var headingErrorDegrees: Double?
    public var frames, fusedFrames, videoFrames: Int
    public var observedCellAccuracy, freeCoverage, freeIoU: Double?
    public var observedCells: Int?
    public var targetsSighted: Int
    /// Mean and per-target distance of the remembered targets from the true ones, cells.
    public var targetMemoryErrorCells: Double?
    public var targetMemoryErrorsCells: [Double]?
    public var video: String?
    enum CodingKeys: String, CodingKey {
        case source, targetMemory = "target_memory", output, poses, poseErrorCells = "pose_error_cells"
        case headingErrorDegrees = "heading_error_degrees"
        case frames, fusedFrames = "fused_frames", videoFrames = "video_frames", observedCellAccuracy = "observed_cell_accuracy"
        case freeCoverage = "free_coverage", freeIoU = "free_iou", observedCells = "observed_cells", targetsSighted = "targets_sighted"
        case targetMemoryErrorCells = "target_memory_error_cells", targetMemoryErrorsCells = "target_memory_errors_cells", video
    }
}

/// The single-agent spatial-memory experiment: an episode's BEV predictions fused into a map, written as a
/// labelled figure (`map.svg`), `map.png`, video frames (`frames/`, and `reconstruction.mp4` when ffmpeg is
/// installed) and `metrics.json`.
public struct MapReconstruction {
    public var mapper: EpisodeMapper
    /// Write a video frame every this many fused frames (0: none).
    public var frameEvery = 2
    /// The figure's title and the map panel's caption.
    public var title = "Spatial memory from predicted BEV", mapTitle = "map from the BEV model's predictions"
    /// Names of the prediction source and of the detector, for the record.
    public var sourceName: String, detectorName: String?

    public init(mapper: EpisodeMapper, sourceName: String, detectorName: String? = nil) {
        self.mapper = mapper; self.sourceName = sourceName; self.detectorName = detectorName
    }

    /// The experiment for `episode`: predictions from `model` (nil: perfect BEVs rendered from the episode's
    /// layout, the mapping's upper bound, with every transparent cell in view a wall), target memory from
    /// `detector` when it has a slot for every target the maze has (else from the BEV's colours, said to `note`).
    public init(_ episode: MappingEpisode, model: (model: BEVModel, name: String)?, detector: (model: TargetDetector, name: String)?,
                every: Int = 2, walls: WallEvidence = WallEvidence(), detectionThreshold: Float = 0.85, note: (String) -> Void = { _ in }) throws {
        let source: BEVSource
        if let model { source = .model(model.model) } else {
            guard let layout = episode.layout else { throw MazeError("perfect BEVs need the episode's maze layout") }
            var geometry = EgocentricBEV()
            if let fov = episode.fieldOfViewDegrees { geometry.fieldOfViewDegrees = fov }
            source = .groundTruth(layout: layout, targets: episode.targets, geometry: geometry)
        }
        var mapper = EpisodeMapper(source: source, every: every, targetColors: episode.targets.map(\.color), walls: model == nil ? .literal : walls)
        if model != nil, let detector {
            if detector.model.config.targets >= episode.targets.count { mapper.detector = detector.model; mapper.detectionThreshold = detectionThreshold } else {
                note("\(detector.name) has slots for \(detector.model.config.targets) target colours, the maze has \(episode.targets.count) targets: targets from the BEV's colours")
            }
        }
        self.init(mapper: mapper, sourceName: model?.name ?? "ground-truth BEV", detectorName: detector?.name)
        if model == nil { title = "Spatial memory from perfect BEV (upper bound)"; mapTitle = "map from ground-truth BEV" }
    }

    /// Maps `episode` into `output`; `progress` gets (frame, frames, frames per second) every 25 fused
    /// frames; `note` gets what was skipped.
    public func run(_ episode: MappingEpisode, output: URL,
                    progress: @escaping (Int, Int, Double) -> Void = { _, _, _ in }, note: (String) -> Void = { _ in }) throws -> MapReconstructionResult {
        let framesDir = output.appendingPathComponent("frames")
        try? FileManager.default.removeItem(at: framesDir)
        try FileManager.default.createDirectory(at: frameEvery > 0 ? framesDir : output, withIntermediateDirectories: true)
        var g = mapper.source.geometry
        g.fieldOfViewDegrees = episode.fieldOfViewDegrees ?? EgocentricBEV().fieldOfViewDegrees
        let truthSource = episode.layout.map { BEVSource.groundTruth(layout: $0, targets: episode.targets, geometry: g) }
        var fused = 0, written = 0
        var headingError = 0.0
        let start = Date()
        let map = try mapper.map(episode.frames, mazeSize: episode.mazeSize) { step, map in
            fused += 1
            headingError += Double(abs(wrapAngle(step.frame.pose.heading - episode.truePoses[step.frameIndex].heading))) * 180 / .pi
            if frameEvery > 0 && (fused - 1) % frameEvery == 0 {
                let truth = truthSource?.predict([step.frame]).first
                let picture = MapFigures.frame(view: step.frame.view, truth: truth, prediction: step.prediction, map: map, layout: episode.layout,
                                               trajectory: episode.frames[0...step.frameIndex].map(\.pose), targets: episode.targets)
                try picture.write(to: framesDir.appendingPathComponent(String(format: "frame_%06d.png", written)))
                written += 1
            }
            if fused % 25 == 0 { progress(step.frameIndex + 1, episode.frames.count, Double(fused) / max(Date().timeIntervalSince(start), 1e-9)) }
        }
        var result = MapReconstructionResult(source: sourceName, targetMemory: mapper.detector != nil ? detectorName ?? "detector" : "BEV colours",
                                             output: output.relativePath, poses: episode.poseEstimate?.source,
                                             poseErrorCells: episode.poseEstimate?.meanErrorCells, frames: episode.frames.count,
                                             fusedFrames: fused, videoFrames: written, targetsSighted: map.targets.count)
        if episode.poseEstimate != nil, fused > 0 { result.headingErrorDegrees = headingError / Double(fused) }
        try writeFigures(map, episode, fused: fused, into: output, result: &result)
        let errors = map.targetEvidence.sorted { $0.key < $1.key }.compactMap { k, e -> Double? in
            k < episode.targets.count ? Double(hypot(e.x / e.weight - episode.targets[k].x, e.y / e.weight - episode.targets[k].y)) : nil
        }
        if !errors.isEmpty { result.targetMemoryErrorCells = errors.reduce(0, +) / Double(errors.count); result.targetMemoryErrorsCells = errors }
        if written > 0 {
            let video = try Video.encode(frames: framesDir, to: output.appendingPathComponent("reconstruction.mp4"))
            result.video = video.path
            if let reason = video.note { note(reason) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try writeAtomically(try encoder.encode(result), to: output.appendingPathComponent("metrics.json"))
        return result
    }

    /// `map.png`, and with the true maze `map.svg` and the map metrics.
    func writeFigures(_ map: OccupancyMap, _ episode: MappingEpisode, fused: Int, into output: URL, result: inout MapReconstructionResult) throws {
        let picture = MapFigures.mapImage(map, layout: episode.layout, trajectory: episode.frames.map(\.pose), targets: episode.targets)
        try picture.write(to: output.appendingPathComponent("map.png"))
        let poses = episode.truePoses
        guard let layout = episode.layout, let last = poses.last else { return }
        let m = map.metrics(against: layout)
        let truth = MazeWorld(layout: layout, targets: episode.targets, agents: [last]).topDown(trajectories: [poses.map { ($0.x, $0.y) }])
        try MapFigures.episodeFigure(truth: truth, map: picture, title: "\(title): \(episode.name)", mapTitle: mapTitle, metrics: m, frames: fused)
            .write(to: output.appendingPathComponent("map.svg"))
        result.observedCellAccuracy = m.accuracy; result.freeCoverage = m.coverage; result.freeIoU = m.freeIoU; result.observedCells = m.decidedCells
    }
}

extension MapReconstructionResult: CustomStringConvertible {
    public var description: String {
        let accuracy = observedCellAccuracy.map { String(format: "; observed-cell accuracy %.1f%%", 100 * $0) } ?? ""
        return "map: \(fusedFrames) frames fused\(accuracy); figure in \(output)/map.svg, frames in \(output)/frames"
    }
}
