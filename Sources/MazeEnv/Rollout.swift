import Basics

/// A recorded multi-agent episode: `observations[t][i]` is agent i's observation before step t's actions
/// (t = 0…steps; the last follows the final step), `actions[t][i]` and `rewards[t][i]` what it did and got,
/// `dones[t]` whether step t ended the episode.
public struct Trajectory: Sendable {
    public var observations: [[Observation]] = []
    public var actions: [[MazeAction]] = []
    public var rewards: [[Float]] = []
    public var dones: [Bool] = []
    public var steps: Int { actions.count }
    /// Agent `i`'s observations, in order.
    public func observations(of i: Int) -> [Observation] { observations.map { $0[i] } }
}

/// The one loop that runs policies in a ``MultiAgentEnv``.
public enum Rollout {
    /// Runs up to `steps` steps, stopping after the step that ends the episode. Each agent's policy acts on
    /// its own observation, in agent order; `adjust` may then change the action (action noise, holding an
    /// agent still) before the world steps.
    /// - Parameters:
    ///   - env: the environment, stepped in place.
    ///   - policies: one per agent, in agent order.
    ///   - steps: the most steps to run.
    ///   - adjust: maps an agent's chosen action to the one the world receives.
    ///   - onStep: called after each step with the step index and the environment (figures, frames).
    @discardableResult
    public static func run<Policy: MazePolicy>(_ env: MultiAgentEnv, policies: inout [Policy], steps: Int,
                                               adjust: (_ agent: Int, _ action: MazeAction) -> MazeAction = { $1 },
                                               onStep: (_ step: Int, _ env: MultiAgentEnv) throws -> Void) rethrows -> Trajectory {
        precondition(policies.count == env.agentCount, "Rollout: \(policies.count) policies for \(env.agentCount) agents")
        var record = Trajectory()
        record.observations.append(env.observations)
        for t in 0..<steps {
            let actions = env.observations.indices.map { i in adjust(i, policies[i].act(env.observations[i])) }
            let result = env.step(actions)
            record.actions.append(actions); record.rewards.append(result.rewards); record.dones.append(result.done)
            record.observations.append(env.observations)
            try onStep(t, env)
            if result.done { break }
        }
        return record
    }

    /// ``run(_:policies:steps:adjust:onStep:)`` with nothing to do after each step.
    @discardableResult
    public static func run<Policy: MazePolicy>(_ env: MultiAgentEnv, policies: inout [Policy], steps: Int,
                                               adjust: (_ agent: Int, _ action: MazeAction) -> MazeAction = { $1 }) -> Trajectory {
        run(env, policies: &policies, steps: steps, adjust: adjust, onStep: { _, _ in })
    }
}
