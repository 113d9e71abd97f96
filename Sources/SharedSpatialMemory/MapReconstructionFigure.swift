import BEV
import Foundation
import GridCell
import MazeEnv
import Plotting
import SpatialMemory

/// The spatial-memory reconstruction figure (the original's SLAM demo, with the rotation back to the world
/// frame it lacked): one agent explores a held-out maze; its map from the BEV model grows along the episode
/// (top row, true poses); below, the true maze, the final maps from perfect BEVs, from the BEV model, and from
/// the BEV model at poses dead-reckoned by the grid-cell path integrator.
public struct MapReconstructionFigure {
    public var seed: UInt64 = 7
    public var steps = 600
    /// Folder holding `bev/`, `detector/` (optional) and `pathintegrator/` models.
    public var models = URL(fileURLWithPath: "Models")
    public init() {}

    /// What the figure shows, in numbers.
    public struct Summary: Sendable, CustomStringConvertible {
        public var perfectAccuracy, modelAccuracy, deadReckonedAccuracy: Double
        public var poseErrorCells: Double
        public var description: String {
            String(format: "map cells right: perfect BEV %.1f%%, BEV model %.1f%%, BEV model at grid-cell poses (%.2f cells off) %.1f%%",
                   100 * perfectAccuracy, 100 * modelAccuracy, poseErrorCells, 100 * deadReckonedAccuracy)
        }
    }

    /// Runs the episode and draws the figure.
    public func make() throws -> (figure: SVGDocument, summary: Summary) {
        let world = try MazeWorld(size: 15, seed: seed)
        let frames = EpisodeFrame.frames(of: FrontierExplorer.explore(world, steps: steps, seed: seed).trajectory)
        let model = try BEVModel.load(models.appendingPathComponent("bev/model.safetensors"))
        let detectorURL = models.appendingPathComponent("detector/model.safetensors")
        var mapper = EpisodeMapper(source: .model(model), targetColors: world.targets.map(\.color))
        if FileManager.default.fileExists(atPath: detectorURL.path) { mapper.detector = try TargetDetector.load(detectorURL) }

        // The map as it grows, at a quarter, half, three quarters and the end of the episode.
        let checkpoints = [steps / 4, steps / 2, 3 * steps / 4, steps].map { $0 - 1 }
        var snapshots: [(step: Int, picture: Image, metrics: OccupancyMap.Metrics)] = []
        let final = mapper.map(frames, mazeSize: 15) { step, map in
            guard let k = checkpoints.firstIndex(where: { $0 - step.frameIndex < mapper.every && $0 >= step.frameIndex }) else { return }
            let path = frames[0...step.frameIndex].map(\.pose)
            snapshots.append((checkpoints[k] + 1, MapFigures.mapImage(map, layout: world.layout, trajectory: path, targets: world.targets),
                              map.metrics(against: world.layout)))
        }
        var perfectMapper = mapper
        perfectMapper.source = .groundTruth(layout: world.layout, targets: world.targets, geometry: model.geometry)
        perfectMapper.walls = .literal
        let perfect = perfectMapper.map(frames, mazeSize: 15)
        let network = try GridCellNetwork.load(models.appendingPathComponent("pathintegrator/model.safetensors"))
        let estimated = network.integratePath(frames.map(\.pose), window: 100, filter: .standard)
        let dead = mapper.map(zip(frames, estimated).map { EpisodeFrame(view: $0.view, pose: $1) }, mazeSize: 15)
        let poseError = Double(zip(estimated, frames).map { hypot($0.x - $1.pose.x, $0.y - $1.pose.y) }.reduce(0, +)) / Double(steps)
        let summary = Summary(perfectAccuracy: perfect.metrics(against: world.layout).accuracy, modelAccuracy: final.metrics(against: world.layout).accuracy,
                              deadReckonedAccuracy: dead.metrics(against: world.layout).accuracy, poseErrorCells: poseError)

        let side = 220.0, gap = 16.0, left = 20.0
        var doc = SVGDocument(width: left * 2 + 4 * side + 3 * gap, height: 2 * side + 170)
        doc.text("Spatial memory from predicted BEV, one agent, held-out maze (seed \(seed), \(steps) steps)", x: left, y: 26, size: 15, weight: "bold")
        for (i, s) in snapshots.enumerated() {
            let x = left + Double(i) * (side + gap)
            doc.text(String(format: "step %d: %.0f%% right, %.0f%% of floor", s.step, 100 * s.metrics.accuracy, 100 * s.metrics.coverage), x: x, y: 52, size: 12)
            try doc.image(s.picture, x: x, y: 60, width: side, height: side)
        }
        let row2 = 60 + side + 42
        let poses = frames.map(\.pose)
        let panels: [(String, Image)] = [
            ("true maze and path", world.topDown(trajectories: [poses.map { ($0.x, $0.y) }])),
            (String(format: "perfect BEV: %.0f%% right", 100 * summary.perfectAccuracy),
             MapFigures.mapImage(perfect, layout: world.layout, trajectory: poses, targets: world.targets)),
            (String(format: "BEV model: %.1f%% right", 100 * summary.modelAccuracy),
             MapFigures.mapImage(final, layout: world.layout, trajectory: poses, targets: world.targets)),
            (String(format: "grid-cell poses (%.2f cells off): %.0f%%", poseError, 100 * summary.deadReckonedAccuracy),
             MapFigures.mapImage(dead, layout: world.layout, trajectory: estimated, targets: world.targets)),
        ]
        for (i, (title, picture)) in panels.enumerated() {
            let x = left + Double(i) * (side + gap)
            doc.text(title, x: x, y: row2 - 8, size: 12)
            try doc.image(picture, x: x, y: row2, width: side, height: side)
        }
        doc.text("light = believed free, dark = believed wall, grey = unknown, red border = wrong; blue = path (estimated in the last panel), discs = remembered targets",
                 x: left, y: row2 + side + 24, size: 11, fill: "#555")
        return (doc, summary)
    }
}
