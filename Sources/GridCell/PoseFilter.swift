import Foundation
import MazeEnv
import Tensor

/// A fixed-gain (steady-state Kalman) filter of a path integrator's poses: each step the belief is carried on
/// by the step's self-motion, the same signal the network integrates, then pulled toward the pose the network
/// decodes by `gain`. The decoded pose jitters from step to step (a population read-out of place and
/// head-direction cells: on real Memory-Maze walks about 11° of heading); the filter keeps its long-run
/// accuracy and drops most of the jitter.
public struct PoseFilter: Codable, Equatable, Sendable {
    /// The decoded pose's weight each step, in (0, 1]; 1 passes the decoded poses through unchanged.
    public var gain: Float

    /// Gain 0.1: it took the maps of `ssm map --poses gridcell` on the held-out generated mazes of seeds 7–12 from
    /// 78.0% to 88.4% right on average, and those of recorded real Memory-Maze walks up by 3–12 points (Docs/GridCell.md);
    /// 0.05 did about as well, 0.2–0.3 less.
    public static let standard = PoseFilter(gain: 0.1)

    public init(gain: Float) {
        precondition(gain > 0 && gain <= 1, "PoseFilter: gain must be in (0, 1], got \(gain)")
        self.gain = gain
    }

    /// The belief after one step: `belief` moved by `motion`, then `gain` of the way to `decoded` (headings
    /// along the shorter arc).
    public func update(_ belief: AgentState, motion: SelfMotion, decoded: AgentState) -> AgentState {
        let x = belief.x + motion.dx, y = belief.y + motion.dy, heading = belief.heading + motion.dHeading
        return AgentState(x: x + gain * (decoded.x - x), y: y + gain * (decoded.y - y),
                          heading: wrapAngle(heading + gain * wrapAngle(decoded.heading - heading)))
    }

    /// Filters a whole path: `decoded[k]` the network's pose after `motion[k]`; at the steps `isFix` names
    /// (the network's fixes, where its pose is the observed one) the belief is reset to the decoded pose.
    public func callAsFunction(_ decoded: [AgentState], motion: [SelfMotion], isFix: (Int) -> Bool) -> [AgentState] {
        precondition(decoded.count == motion.count, "PoseFilter: \(decoded.count) poses for \(motion.count) motions")
        var out = decoded
        for k in decoded.indices where k > 0 && !isFix(k) { out[k] = update(out[k - 1], motion: motion[k], decoded: decoded[k]) }
        return out
    }
}

extension SelfMotion {
    /// The exact self-motion between consecutive `poses` (the first step: none), as a dataset's velocities are.
    public static func steps(along poses: [AgentState]) -> [SelfMotion] {
        poses.indices.map { k in
            k == 0 ? .zero : SelfMotion(dx: poses[k].x - poses[k - 1].x, dy: poses[k].y - poses[k - 1].y,
                                        dHeading: wrapAngle(poses[k].heading - poses[k - 1].heading))
        }
    }
}

/// Noise on self-motion, as a real agent's odometry has it: each step's displacement gains a Gaussian error of
/// `translation` times its length per axis, and its turn one of `turnDegrees`.
public struct SelfMotionNoise: Codable, Equatable, Sendable {
    public var translation: Float, turnDegrees: Float
    public init(translation: Float, turnDegrees: Float) {
        precondition(translation >= 0 && turnDegrees >= 0, "SelfMotionNoise: standard deviations must be ≥ 0")
        self.translation = translation; self.turnDegrees = turnDegrees
    }

    /// `SelfMotion.steps(along:)` with this noise drawn from `seed`.
    public func motion(along poses: [AgentState], seed: UInt64) -> [SelfMotion] {
        var rng = RandomGenerator(seed: seed)
        return SelfMotion.steps(along: poses).enumerated().map { k, m in
            guard k > 0 else { return m }
            let length = hypot(m.dx, m.dy)
            return SelfMotion(dx: m.dx + translation * length * rng.nextNormal(), dy: m.dy + translation * length * rng.nextNormal(),
                              dHeading: m.dHeading + turnDegrees * .pi / 180 * rng.nextNormal())
        }
    }
}
