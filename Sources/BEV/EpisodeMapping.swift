import Foundation
import MazeEnv
import SpatialMemory
import Tensor

/// One step of an episode as the mapper sees it: the egocentric view and the pose it was taken from.
public struct EpisodeFrame: Sendable {
    public var view: Image
    public var pose: AgentState
    public init(view: Image, pose: AgentState) { self.view = view; self.pose = pose }

    /// Agent `agent`'s frames after each step of a rollout whose environment rendered views.
    public static func frames(of trajectory: Trajectory, agent: Int = 0) -> [EpisodeFrame] {
        trajectory.observations(of: agent).dropFirst().map { o in
            guard let view = o.view else { preconditionFailure("EpisodeFrame.frames: the rollout rendered no views") }
            return EpisodeFrame(view: view, pose: o.pose)
        }
    }
}

/// Where the local bird's-eye views come from.
public enum BEVSource {
    /// A trained predictor, from the views alone.
    case model(BEVModel)
    /// Perfect predictions rendered from the true layout (an upper bound, and the test of the mapping itself).
    case groundTruth(layout: MazeLayout, targets: [Target], geometry: EgocentricBEV)

    public var geometry: EgocentricBEV {
        switch self {
        case .model(let m): m.geometry
        case .groundTruth(_, _, let g): g
        }
    }

    /// RGBA egocentric views `[4, S, S]`, one per frame.
    public func predict(_ frames: [EpisodeFrame]) -> [Tensor] {
        switch self {
        case .model(let m): m.predict(frames.map(\.view))
        case .groundTruth(let layout, let targets, let g): frames.map { g.render(layout, pose: $0.pose, targets: targets) }
        }
    }
}

/// Single-agent spatial memory along an episode (with the rotation back to the world frame
/// the original lacked): every `every`-th frame's BEV prediction is projected into the world at the frame's
/// pose and fused into an `OccupancyMap`.
public struct EpisodeMapper {
    public var source: BEVSource
    /// Use every k-th frame (consecutive frames overlap almost entirely).
    public var every: Int
    /// Per-frame decay of the map's evidence toward unknown (0 = remember for ever).
    public var decay: Float
    /// The colours of the maze's targets (index = target index), looked for in each prediction; empty: no
    /// target memory.
    public var targetColors: [[Float]]
    /// How transparent cells in view count as walls.
    public var walls: WallEvidence
    /// When set, target memory comes from this detector (targets called visible with probability above
    /// `detectionThreshold`, placed at its egocentric position estimate) instead of the BEV's colours.
    /// The 0.85 default was chosen on the maps of seeds 1–4: it dropped the worst false sightings that 0.7 let
    /// through (up to 3.8 cells off) and still remembered 22 of their 24 targets.
    public var detector: TargetDetector?
    public var detectionThreshold: Float = 0.85

    public init(source: BEVSource, every: Int = 2, decay: Float = 0, targetColors: [[Float]] = [], walls: WallEvidence = WallEvidence()) {
        precondition(every > 0, "EpisodeMapper: every must be positive")
        self.source = source; self.every = every; self.decay = decay; self.targetColors = targetColors; self.walls = walls
    }

    /// One fused frame, handed to `onFrame` as the map grows.
    public struct Step {
        public var frameIndex: Int
        public var frame: EpisodeFrame
        public var prediction: Tensor
        public var observation: LocalObservation
    }

    /// The map of a `mazeSize`² maze after the episode; `onFrame` sees each fused frame and the map so far.
    public func map(_ frames: [EpisodeFrame], mazeSize: Int, onFrame: ((Step, OccupancyMap) throws -> Void)? = nil) rethrows -> OccupancyMap {
        var map = OccupancyMap(size: mazeSize)
        map.decay = decay
        let used = Array(stride(from: 0, to: frames.count, by: every))
        let geometry = source.geometry
        // Predict in chunks so a long episode never holds every prediction at once.
        for chunk in stride(from: 0, to: used.count, by: 64) {
            let indices = Array(used[chunk..<min(chunk + 64, used.count)])
            let predictions = source.predict(indices.map { frames[$0] })
            let detections = detector.map { detect($0, indices.map { frames[$0] }) }
            for (k, i) in indices.enumerated() {
                let o = LocalObservation(egocentricPrediction: predictions[k], geometry: geometry, pose: frames[i].pose, mazeSize: mazeSize, walls: walls)
                map.integrate(o, at: frames[i].pose)
                if let detections {
                    for t in detections[k] { map.sight(target: t.index, x: t.x, y: t.y, weight: t.evidence) }
                } else if !targetColors.isEmpty {
                    for t in geometry.targetSightings(in: predictions[k], pose: frames[i].pose, colors: targetColors) {
                        map.sight(target: t.index, x: t.x, y: t.y, weight: t.evidence)
                    }
                }
                try onFrame?(Step(frameIndex: i, frame: frames[i], prediction: predictions[k], observation: o), map)
            }
        }
        return map
    }

    /// The detector's sightings per frame, in world coordinates.
    func detect(_ detector: TargetDetector, _ frames: [EpisodeFrame]) -> [[TargetSighting]] {
        // Slots past the maze's objects are colours it does not have.
        detector.sightings(views: frames.map(\.view), poses: frames.map(\.pose), threshold: detectionThreshold)
            .map { $0.filter { $0.index < targetColors.count } }
    }
}

extension TargetDetector {
    /// The targets called visible with probability above `threshold` in each view, placed in the world at
    /// their egocentric position estimate from the view's pose.
    public func sightings(views: [Image], poses: [AgentState], threshold: Float) -> [[TargetSighting]] {
        eval()
        let batch = Tensor.concat(views.map { BEVSamples.normalise($0).unsqueezed(0) }, axis: 0)
        let out = noGrad { self(batch, headings: Tensor(poses.map(\.heading), shape: [poses.count])) }
        let t = config.targets, v = out.visibility.scalars, p = out.positions.scalars
        return poses.indices.map { i in
            (0..<t).compactMap { k in
                let probability = v[i * t + k]
                guard probability > threshold else { return nil }
                let w = TargetDetection.world(right: p[2 * (i * t + k)] * TargetDetection.scale, ahead: p[2 * (i * t + k) + 1] * TargetDetection.scale,
                                              pose: poses[i])
                return TargetSighting(index: k, evidence: probability, x: w.x, y: w.y)
            }
        }
    }
}
