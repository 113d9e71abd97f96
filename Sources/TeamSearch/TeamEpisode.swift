import Basics
import BEV
import Foundation
import GridCell
import InfoBottleneck
import MazeEnv

/// One episode's figures (a line of a sweep's `results.jsonl`).
public struct TeamEpisodeResult: Codable, Equatable, Sendable {
    public var method: TeamMethod
    public var bitsPerStep: String
    public var perception: TeamSearchConfig.PerceptionKind
    /// Steps between pose fixes when the path integrator gives the pose (absent: exact self-motion).
    public var poseFixEvery: Int?
    /// The pose filter's gain, when one blends the integrator's poses with the self-motion.
    public var poseGain: Float?
    public var mazeSize, agents: Int
    public var seed: UInt64
    public var success: Bool
    /// Steps to success, or the step limit.
    public var steps: Int
    /// Fraction of the maze's free cells some agent has seen (own perception or messages).
    public var coverage: Double
    /// Bits transmitted (payload, headers, checksums) per agent and step, and bits queued for the wire (what the
    /// method asked to send; a queue that never drains is the difference).
    public var wireBitsPerAgentStep: Double, queuedBitsPerAgentStep: Double
    public var messagesSent, messagesDelivered: Int
    /// Messages the channel's CRC-8 rejected (corrupted on the wire).
    public var messagesRejected: Int
    public var meanMessageAge: Double
    public var wallBumps: Int
    /// Messages that arrived but did not decode.
    public var undecodable: Int
    enum CodingKeys: String, CodingKey {
        case method, bitsPerStep = "bits_per_step", perception, poseFixEvery = "pose_fix_every", poseGain = "pose_gain", mazeSize = "maze_size", agents, seed, success, steps, coverage
        case wireBitsPerAgentStep = "wire_bits_per_agent_step", queuedBitsPerAgentStep = "queued_bits_per_agent_step", messagesSent = "messages_sent", messagesDelivered = "messages_delivered", messagesRejected = "messages_rejected"
        case meanMessageAge = "mean_message_age", wallBumps = "wall_bumps", undecodable
    }
}

/// Runs episodes of the team task.
public enum TeamEpisode {
    /// The episode of maze `seed` with a team using `method`; `onStep` sees the environment and the members
    /// after every step (figures, logs). Learned perception loads the shipped models from `models` (one copy
    /// per episode, so that parallel episodes share nothing).
    public static func run(_ method: TeamMethod, config: TeamSearchConfig, seed: UInt64, models: URL = URL(fileURLWithPath: "Models"),
                           onStep: (TeamSearchEnv, [any TeamMemberPolicy]) throws -> Void = { _, _ in }) throws -> TeamEpisodeResult {
        var c = config
        c.quota = method.quota
        let env = try TeamSearchEnv(config: c, seed: seed)
        var observations = env.observations()
        var team: [any TeamMemberPolicy]
        if let learned = TeamMethod.registered(method.rawValue) {
            try ConfigError.check(c.poseFixEvery == nil, "poseFixEvery", "is for the scripted methods; \(method.rawValue) takes the observed pose")
            team = try learned.team(c, observations[0].colors.count, seed)
        } else {
            let perception = c.perception == .learned ? try LearnedPerception.shipped(models: models) : nil
            let integrator = try c.poseFixEvery.map {
                OnlinePathIntegrator(network: try GridCellNetwork.load(models.appendingPathComponent("pathintegrator/model.safetensors")), fixEvery: $0,
                                     filter: c.poseGain.map(PoseFilter.init(gain:)))
            }
            team = TeamMember.team(method, config: c, objects: observations[0].colors.count, perception: perception, pathIntegrator: integrator, seed: seed)
        }
        var success = false
        while true {
            let actions = team.indices.map { team[$0].act(observations[$0]) }
            let outcome = env.step(actions)
            observations = outcome.observations
            try onStep(env, team)
            if outcome.terminated { success = true; break }
            if outcome.truncated { break }
        }
        let stats = env.channelStatistics
        var known = CellMap(size: c.mazeSize)
        for m in team { known.fill(from: m.agent.map) }
        return TeamEpisodeResult(method: method, bitsPerStep: c.rate.description, perception: c.perception, poseFixEvery: c.poseFixEvery, poseGain: c.poseGain, mazeSize: c.mazeSize, agents: c.agents, seed: seed,
                                 success: success, steps: env.step, coverage: Double(known.coverage(of: env.layout)),
                                 wireBitsPerAgentStep: Double(stats.wireBitsTransmitted) / Double(max(1, env.step * c.agents)),
                                 queuedBitsPerAgentStep: Double(stats.wireBitsSent) / Double(max(1, env.step * c.agents)),
                                 messagesSent: stats.messagesSent, messagesDelivered: stats.messagesDelivered, messagesRejected: stats.messagesRejected,
                                 meanMessageAge: stats.meanAge,
                                 wallBumps: env.wallBumps.reduce(0, +), undecodable: team.map(\.undecodable).reduce(0, +))
    }
}
