import Basics
import Foundation
import MazeEnv
import SpatialMemory
import Tensor

/// Perception from one rendered egocentric view: the BEV model's prediction projected into the world at the
/// agent's pose (cells it paints as floor are free, transparent cells in view are walls as `walls` allows),
/// and the objects in view from the target detector (or, when the detector does not know this maze's number
/// of objects, from the prediction's colours). The learned counterpart of the ground-truth `Perception`.
public final class LearnedPerception {
    public let model: BEVModel
    public let detector: TargetDetector?
    public var walls = WallEvidence()
    public var detectionThreshold: Float = 0.85

    public init(model: BEVModel, detector: TargetDetector?) { self.model = model; self.detector = detector }

    /// The shipped models (`Models/bev`, `Models/detector`; the detector is optional).
    public static func shipped(models: URL = URL(fileURLWithPath: "Models")) throws -> LearnedPerception {
        let detectorURL = models.appendingPathComponent("detector/model.safetensors")
        return LearnedPerception(model: try BEVModel.load(models.appendingPathComponent("bev/model.safetensors")),
                                 detector: FileManager.default.fileExists(atPath: detectorURL.path) ? try TargetDetector.load(detectorURL) : nil)
    }

    /// What `view`, taken at `pose` in a `mazeSize` maze whose objects have `colors`, shows: the world-aligned
    /// free probabilities around the agent, and the objects in view.
    public func observe(view: Image, pose: AgentState, mazeSize: Int, colors: [[Float]]) -> (observation: LocalObservation, targets: [SightedTarget]) {
        let prediction = model.predict([view])[0]
        let o = LocalObservation(egocentricPrediction: prediction, geometry: model.geometry, pose: pose, mazeSize: mazeSize, walls: walls)
        let seen: [TargetSighting]
        if let detector, detector.config.targets >= colors.count {
            // Slots past the maze's objects are colours it does not have.
            seen = detector.sightings(views: [view], poses: [pose], threshold: detectionThreshold)[0].filter { $0.index < colors.count }
        } else {
            seen = model.geometry.targetSightings(in: prediction, pose: pose, colors: colors)
        }
        return (o, seen.map { SightedTarget(index: $0.index, x: $0.x, y: $0.y) })
    }

    /// One agent's fused view of the maze: each frame's observation integrated into an occupancy map (log-odds,
    /// so one wrong frame cannot decide a cell), reported as the perception of the cells around the agent that
    /// the map has decided.
    public struct Fusion: Sendable {
        public private(set) var map: OccupancyMap
        public init(mazeSize: Int) { map = OccupancyMap(size: mazeSize) }

        public mutating func perceive(_ o: LocalObservation, targets: [SightedTarget], at pose: AgentState) -> Perception {
            map.integrate(o, at: pose)
            let ax = Int(pose.x.rounded(.down)), ay = Int(pose.y.rounded(.down)), n = map.size
            var cells: [PerceivedCell] = []
            for dy in -o.radius...o.radius { for dx in -o.radius...o.radius where o[dx, dy] != nil {
                let x = ax + dx, y = ay + dy
                guard x >= 0, y >= 0, x < n, y < n, let free = map.isFree(x, y) else { continue }
                cells.append(PerceivedCell(x: x, y: y, state: free ? .free : .wall))
            } }
            cells.sort { ($0.y, $0.x) < ($1.y, $1.x) }
            return Perception(cells: cells, targets: targets)
        }
    }
}
