import Basics
import Foundation
import InfoBottleneck
import MazeEnv

/// What one team agent may know at a step: its own observation (pose, self-motion, perception, the messages
/// its channel delivered) and the task's shared knowledge (the goal's colour, the step limit, its own queue).
public struct TeamObservation: Sendable {
    public var base: Observation
    /// The index of the goal object (its colour is `colors[goal]`); every agent knows it, none knows where it is.
    public var goal: Int
    /// The objects' colours, by index.
    public var colors: [[Float]]
    public var mazeSize: Int
    public var stepLimit: Int
    /// Bits still waiting in this agent's outgoing queue, and messages it may still send (nil: no quota).
    public var backlog: Int
    public var remainingQuota: Int?
    /// The channel's bits per step per sender.
    public var rate: BitRate
}

/// What one agent does in a step: a move, and messages for the channel (to all partners).
public struct TeamAction: Sendable {
    public var move: MazeAction
    public var messages: [BitString]
    public init(move: MazeAction, messages: [BitString] = []) { self.move = move; self.messages = messages }
}

/// A policy of the team task: it is handed observations, never the environment.
public protocol TeamPolicy {
    mutating func act(_ observation: TeamObservation) -> TeamAction
}

/// The team search task in the gymnasium / PettingZoo shape: `reset(seed:)`, then `step(actions)` returning
/// each agent's observation, reward, termination and truncation. The world and the channel are private:
/// policies see only ``TeamObservation``s.
public final class TeamSearchEnv {
    public let config: TeamSearchConfig
    private var env: MultiAgentEnv
    private var channel: BandwidthChannel
    private var goal = 0
    /// Whether each agent has reached the goal object (once reached, always reached: it may stay or leave, and
    /// its body no longer blocks partners).
    public private(set) var reached: [Bool] = []
    public private(set) var step = 0
    /// Every delivery, for the message log and the statistics.
    public private(set) var deliveries: [Delivery] = []

    public init(config: TeamSearchConfig, seed: UInt64) throws {
        try config.validate()
        self.config = config
        (env, channel, goal) = try Self.episode(config, seed: seed)
        reached = Array(repeating: false, count: config.agents)
    }

    static func episode(_ c: TeamSearchConfig, seed: UInt64) throws -> (MultiAgentEnv, BandwidthChannel, Int) {
        let maze = MazeGenerator.generate(try MazeConfig.preset(c.mazeSize), seed: seed)
        let world = MazeWorld(maze: maze, agents: c.agents, seed: seed)
        var channelConfig = ChannelConfig(rate: c.rate, quota: c.quota)
        channelConfig.dropProbability = c.dropProbability
        channelConfig.corruptionProbability = c.corruptionProbability
        channelConfig.seed = seed
        var rng = RandomGenerator(seed: seed ^ 0x7EA4_5EA7C4)
        let renderer = c.perception == .learned ? EgocentricRenderer() : nil
        return (MultiAgentEnv(world: world, renderer: renderer), BandwidthChannel(channelConfig), rng.nextInt(world.targets.count))
    }

    /// Starts the episode of maze `seed` and returns each agent's first observation.
    public func reset(seed: UInt64) throws -> [TeamObservation] {
        (env, channel, goal) = try Self.episode(config, seed: seed)
        reached = Array(repeating: false, count: config.agents)
        step = 0; deliveries = []
        return observations()
    }

    /// The observations of the current step.
    public func observations() -> [TeamObservation] {
        env.observations.map { observed in
            var o = observed
            // With learned perception the agent gets its rendered view, never the true visibility.
            if config.perception == .learned { o.perception = Perception() }
            return TeamObservation(base: o, goal: goal, colors: env.world.targets.map(\.color), mazeSize: config.mazeSize,
                            stepLimit: config.stepLimit, backlog: channel.backlog(of: o.agent), remainingQuota: channel.remainingQuota(of: o.agent),
                            rate: config.rate)
        }
    }

    /// One step's outcome, per agent.
    public struct Step: Sendable {
        public var observations: [TeamObservation]
        /// 1 to every agent on the step the team succeeds.
        public var rewards: [Float]
        /// Every agent has reached the goal.
        public var terminated: Bool
        /// The step limit came first.
        public var truncated: Bool
    }

    /// Queues each agent's messages, moves the agents, delivers what the channel carried this step.
    public func step(_ actions: [TeamAction]) -> Step {
        precondition(actions.count == config.agents, "TeamSearchEnv.step: \(actions.count) actions for \(config.agents) agents")
        for (i, a) in actions.enumerated() where !(config.silentAgent == i && step >= config.silentFrom) {
            for m in a.messages { channel.send(m, from: i) }
        }
        for d in channel.step() {
            deliveries.append(d)
            guard case .success(let bits) = d.payload else { continue }
            for r in 0..<config.agents where r != d.envelope.sender && (d.envelope.receiver == nil || d.envelope.receiver == r) {
                env.deliver(ReceivedMessage(sender: d.envelope.sender, bits: bits.bits), to: r)
            }
        }
        env.step(actions.map(\.move))
        step += 1
        let target = env.world.targets[goal]
        // An agent that has reached the goal stands aside: a cell cannot hold four bodies within reach of its centre.
        for (i, a) in env.world.agents.enumerated() where !reached[i] && hypot(a.x - target.x, a.y - target.y) <= config.reachDistance {
            reached[i] = true
            env.world.standAside(i)
        }
        let done = reached.allSatisfy { $0 }
        return Step(observations: observations(), rewards: Array(repeating: done ? 1 : 0, count: config.agents),
                    terminated: done, truncated: !done && step >= config.stepLimit)
    }

    /// Puts `bits` into `receiver`'s next observation as if `sender` had sent them, outside the channel (an
    /// experimenter's intervention: a false sighting, a ghost map region).
    public func inject(_ bits: BitString, from sender: Int, to receiver: Int) {
        env.deliver(ReceivedMessage(sender: sender, bits: bits.bits), to: receiver)
    }

    // MARK: evaluation only (never handed to a policy)

    /// The channel's exact accounting.
    public var channelStatistics: ChannelStatistics { channel.statistics }
    /// Wall bumps per agent.
    public var wallBumps: [Int] { env.world.wallBumps.isEmpty ? Array(repeating: 0, count: config.agents) : env.world.wallBumps }
    /// The true layout, the goal and the agents, for figures and metrics.
    public var layout: MazeLayout { env.world.layout }
    public var goalObject: Target { env.world.targets[goal] }
    public var poses: [AgentState] { env.world.agents }
}
