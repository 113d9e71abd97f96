import Basics
import Foundation

/// A policy: one agent's next action from its observation. Policies may keep state (a map, a plan, an
/// RNG) but see only what ``Observation`` holds.
public protocol MazePolicy {
    mutating func act(_ observation: Observation) -> MazeAction
}

extension MazeAction {
    /// A uniformly random action.
    public static func random(_ rng: inout RandomGenerator) -> MazeAction { MazeAction(rawValue: rng.nextInt(allCases.count))! }

    /// Turn toward a point, moving forward once roughly facing it (within 0.2 rad; curving within 0.7 rad).
    public static func steer(from a: AgentState, toward p: (Float, Float)) -> MazeAction {
        var d = atan2(p.1 - a.y, p.0 - a.x) - a.heading
        while d > .pi { d -= 2 * .pi }
        while d < -.pi { d += 2 * .pi }
        if abs(d) < 0.2 { return .forward }
        if abs(d) < 0.7 { return d > 0 ? .forwardLeft : .forwardRight }
        return d > 0 ? .left : .right
    }

    /// This action, or with probability `probability` a uniformly random one (action noise for diverse
    /// trajectories).
    public func perturbed(probability: Float, rng: inout RandomGenerator) -> MazeAction {
        rng.nextUniform() < probability ? .random(&rng) : self
    }
}

/// A policy that acts as `base` for its first `steps` steps and then stands still without consulting it
/// (an agent that stops exploring: its map stays as it was).
public struct Halting<Base: MazePolicy>: MazePolicy {
    public private(set) var base: Base
    public let steps: Int
    public private(set) var taken = 0
    public init(_ base: Base, after steps: Int) { self.base = base; self.steps = steps }

    public mutating func act(_ observation: Observation) -> MazeAction {
        guard taken < steps else { return .noop }
        taken += 1
        return base.act(observation)
    }
}
