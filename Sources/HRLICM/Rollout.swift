import Foundation
import InfoBottleneck
import MazeEnv
import Tensor
import TeamSearch

/// One agent-step of experience: the inputs the policy saw, what it chose and with what probability, the
/// critic's value, the reward, and what the curiosity module needs.
public struct Transition {
    public var inputs: PolicyInputs
    /// The partner's sample at the same step (the centralised critic's input).
    public var partner: Int
    public var goal: Int?, goalLogProbability: Float
    public var message: Int, messageLogProbability: Float
    /// The critic's value (normalised scale) and the reward: extrinsic (team success, own arrival, bits charged)
    /// and, filled in after collection, intrinsic.
    public var value: Float, extrinsic: Float, intrinsic: Float = 0
    /// Wire bits queued this step (payload, header, checksum).
    public var bits: Int
    public var move: Int
    public var nextCuriosity: [Float]
    /// The last step of the agent's episode (success or the step limit: the time left is in the observation, so
    /// both end the return).
    public var last: Bool
}

/// One iteration's experience: complete episodes of `envs` parallel environments, each agent's steps in
/// order (a stream), with per-episode outcomes. Returns and advantages are computed per stream.
public struct RolloutBuffer {
    public var transitions: [Transition] = []
    /// Where each agent's stream starts and ends in `transitions`.
    public var streams: [Range<Int>] = []
    public var successes: [Bool] = []
    public var steps: [Int] = []

    public init() {}

    /// λ-returns and advantages (de-normalised values through `normalizer`), per transition.
    public func advantages(gamma: Float, lambda: Float, normalizer: ValueNormalizer) -> (advantages: [Float], returns: [Float]) {
        var advantages = [Float](repeating: 0, count: transitions.count), returns = advantages
        for s in streams {
            let t = Array(transitions[s])
            let values = normalizer.denormalize(t.map(\.value))
            let next = Array(values.dropFirst()) + [0]
            let (a, r) = GeneralisedAdvantage.compute(rewards: t.map { $0.extrinsic + $0.intrinsic }, values: values, nextValues: next,
                                                      terminated: t.map(\.last), truncated: t.map { _ in false }, gamma: gamma, lambda: lambda)
            advantages.replaceSubrange(s, with: a); returns.replaceSubrange(s, with: r)
        }
        return (advantages, returns)
    }
}

/// Runs `envs` episodes side by side with one batched network call per step, recording every agent-step.
public struct RolloutCollector {
    public let network: HRLNetwork
    public let config: HRLConfig

    public init(network: HRLNetwork, config: HRLConfig) { self.network = network; self.config = config }

    /// Collects one episode in each of `tasks` (task, maze seed). Environments whose index is below `scripted`
    /// act as the scripted `event` agent (behaviour cloning's expert); the others sample from the policy with
    /// `rng` (DAgger: the expert's labels on the states the policy itself reaches).
    public func collect(_ tasks: [(TeamSearchConfig, UInt64)], code: LearnedPatchCode?, scripted: Int = 0,
                        rng: inout RandomGenerator) throws -> RolloutBuffer {
        var envs: [TeamSearchEnv] = [], members: [[HRLMember]] = [], observations: [[TeamObservation]] = []
        for (task, seed) in tasks {
            let env = try TeamSearchEnv(config: task, seed: seed)
            let o = env.observations()
            envs.append(env); observations.append(o)
            members.append((0..<task.agents).map {
                HRLMember(index: $0, teamConfig: task, objects: o[0].colors.count, config: config, code: code, seed: seed)
            })
        }
        var perAgent: [[[Transition]]] = envs.map { e in Array(repeating: [], count: e.config.agents) }
        var active = Array(envs.indices), successes = [Bool](repeating: false, count: envs.count), steps = [Int](repeating: 0, count: envs.count)
        while !active.isEmpty {
            var inputs: [PolicyInputs] = [], owner: [(env: Int, agent: Int)] = []
            for e in active { for a in members[e].indices { inputs.append(members[e][a].observe(observations[e][a])); owner.append((e, a)) } }
            // The partner of each row: the next agent of the same team (the critic sees one partner's map).
            let partnerRow = owner.indices.map { r in
                let (e, a) = owner[r], agents = members[e].count
                return r - a + (a + 1) % agents
            }
            let batch = InputBatch(inputs)
            let (goalLP, messageLP, values) = noGrad { () -> (Tensor, Tensor, Tensor) in
                let (g, m) = network.logProbabilities(batch)
                let v = network.values(maps: batch.maps, scalars: batch.scalars, partnerMaps: batch.maps.indexSelect(axis: 0, indices: partnerRow),
                                       partnerScalars: batch.scalars.indexSelect(axis: 0, indices: partnerRow))
                return (g, m, v)
            }
            let sampledGoals = MaskedCategorical.sample(logProbabilities: goalLP, rng: &rng)
            let sampledMessages = MaskedCategorical.sample(logProbabilities: messageLP, rng: &rng)
            let goals = owner.indices.map { owner[$0].env < scripted ? inputs[$0].scriptedGoal : sampledGoals[$0] }
            let messages = owner.indices.map { owner[$0].env < scripted ? inputs[$0].scriptedMessage : sampledMessages[$0] }
            var actions: [[TeamAction]] = envs.map { _ in [] }
            var pending: [(row: Int, bits: Int)] = []
            for (r, (e, a)) in owner.enumerated() {
                let goal = inputs[r].decideGoal ? goals[r] : nil
                let action = members[e][a].apply(goal: goal, message: messages[r])
                actions[e].append(action)
                pending.append((r, action.messages.reduce(0) { $0 + $1.count + 8 }))
            }
            var finished: [Int] = []
            var outcomes: [Int: TeamSearchEnv.Step] = [:], reachedBefore: [Int: [Bool]] = [:]
            for e in active { reachedBefore[e] = envs[e].reached; outcomes[e] = envs[e].step(actions[e]) }
            for (r, bits) in pending {
                let (e, a) = owner[r], out = outcomes[e]!
                let arrived = !reachedBefore[e]![a] && envs[e].reached[a]
                let reward = out.rewards[a] + (arrived ? config.reachBonus : 0) - config.bitCost * Float(bits)
                let next = out.observations[a].base
                perAgent[e][a].append(Transition(
                    inputs: inputs[r], partner: 0, goal: inputs[r].decideGoal ? goals[r] : nil,
                    goalLogProbability: inputs[r].decideGoal ? goalLP[r, goals[r]] : 0,
                    message: messages[r], messageLogProbability: messageLP[r, messages[r]], value: values[r], extrinsic: reward,
                    bits: bits, move: actions[e][a].move.rawValue,
                    nextCuriosity: PolicyInputs.egocentric(next.perception, pose: next.pose), last: out.terminated || out.truncated))
            }
            for e in active {
                let out = outcomes[e]!
                observations[e] = out.observations
                if out.terminated || out.truncated { finished.append(e); successes[e] = out.terminated; steps[e] = envs[e].step }
            }
            active.removeAll { finished.contains($0) }
        }
        // Streams in env then agent order; partners point at the same step of the next agent's stream.
        var buffer = RolloutBuffer()
        for e in envs.indices {
            let base = buffer.transitions.count, length = perAgent[e][0].count, agents = perAgent[e].count
            for a in 0..<agents {
                var stream = perAgent[e][a]
                for t in stream.indices { stream[t].partner = base + ((a + 1) % agents) * length + t }
                buffer.streams.append(buffer.transitions.count..<buffer.transitions.count + stream.count)
                buffer.transitions += stream
            }
        }
        buffer.successes = successes; buffer.steps = steps
        return buffer
    }
}
