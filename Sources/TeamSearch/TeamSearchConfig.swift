import Basics
import Foundation
import InfoBottleneck
import MazeEnv

/// The team search task: N agents in a Memory-Maze preset maze must all reach the object of one colour that
/// every agent knows and none knows the place of, within `tMax` steps, talking over a bandwidth-limited channel.
public struct TeamSearchConfig: Codable, Equatable, Sendable {
    /// What an agent perceives of its frame.
    public enum PerceptionKind: String, Codable, CaseIterable, Sendable {
        /// The visibility raycast on the true layout: the visible cells, free or wall, and the visible objects.
        case groundTruth = "gt"
        /// The shipped BEV model and target detector on the agent's rendered 64×64 view, projected at its pose.
        case learned
    }

    /// Maze preset size: Memory-Maze's 9, 11, 13, 15, or the larger 21, 25, 31 (`MazeConfig.preset`).
    public var mazeSize = 15
    /// Team size, 2–4.
    public var agents = 2
    /// Bits per step per sender.
    public var rate = BitRate(4)
    /// Messages each sender may send in an episode (the broadcast baselines' 20 rounds); nil: no quota.
    public var quota: Int?
    /// Fault injection: probability that a message is lost, that one of its bits is flipped (the CRC-8 then
    /// rejects it), and an agent that falls silent (sends nothing) from a step on.
    public var dropProbability: Float = 0
    public var corruptionProbability: Float = 0
    public var silentAgent: Int?
    public var silentFrom = 0
    /// Steps before the episode is cut off; nil: the calibrated value for the maze size and team (``calibratedTMax(mazeSize:agents:)``).
    public var tMax: Int?
    /// An agent has reached the goal when its centre is this close to the object's centre (cells).
    public var reachDistance: Float = 0.5
    public var perception = PerceptionKind.groundTruth
    /// With learned perception: each agent's pose is dead-reckoned by the shipped grid-cell path integrator from
    /// its self-motion, with a fix from its observed pose every this many steps (a landmark fix), so its map and
    /// plans carry the integrator's drift; nil: the pose is the exact integrated self-motion.
    public var poseFixEvery: Int?
    /// With `poseFixEvery`: the integrator's decoded pose is blended each step into the belief carried on by the
    /// self-motion with this weight (`PoseFilter`); nil: the decoded pose alone.
    public var poseGain: Float?
    public init() {}

    enum CodingKeys: String, CodingKey {
        case mazeSize, agents, rate, quota, dropProbability, corruptionProbability, silentAgent, silentFrom, tMax, reachDistance, perception, poseFixEvery, poseGain
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mazeSize = try c.decode(Int.self, forKey: .mazeSize); agents = try c.decode(Int.self, forKey: .agents)
        rate = try c.decode(BitRate.self, forKey: .rate); quota = try c.decodeIfPresent(Int.self, forKey: .quota)
        dropProbability = try c.decode(Float.self, forKey: .dropProbability); tMax = try c.decodeIfPresent(Int.self, forKey: .tMax)
        corruptionProbability = try c.decodeIfPresent(Float.self, forKey: .corruptionProbability) ?? 0
        silentAgent = try c.decodeIfPresent(Int.self, forKey: .silentAgent); silentFrom = try c.decodeIfPresent(Int.self, forKey: .silentFrom) ?? 0
        reachDistance = try c.decode(Float.self, forKey: .reachDistance)
        perception = try c.decodeIfPresent(PerceptionKind.self, forKey: .perception) ?? .groundTruth
        poseFixEvery = try c.decodeIfPresent(Int.self, forKey: .poseFixEvery)
        poseGain = try c.decodeIfPresent(Float.self, forKey: .poseGain)
    }

    /// The step limit in force (0 when none is calibrated for this team size and none is given).
    public var stepLimit: Int { tMax ?? Self.calibratedTMax(mazeSize: mazeSize, agents: agents) ?? 0 }

    /// `T_max` per preset and team size (`ssm team calibrate --agents N --episodes 300`, calibration mazes
    /// 1,000,000–1,000,299): the smallest limit at which `oracle` succeeds in at least 85% and `none` in 20–40%;
    /// where no limit does both (two agents below 31×31: `none` is above 40% when the oracle reaches 85%), the
    /// smallest at which `oracle` succeeds in 85%.
    public static func calibratedTMax(mazeSize: Int, agents: Int) -> Int? {
        let table: [Int: [Int: Int]] = [
            2: [9: 66, 11: 91, 13: 115, 15: 178, 21: 267, 25: 360, 31: 587],
            3: [9: 62, 11: 82, 13: 102, 15: 152, 21: 225, 25: 321, 31: 478],
            4: [9: 62, 11: 80, 13: 96, 15: 149, 21: 251, 25: 396, 31: 603],
        ]
        return table[agents]?[mazeSize]
    }

    public func validate() throws {
        try ConfigError.check(MazeConfig.presetSizes.contains(mazeSize), "mazeSize", "must be one of \(MazeConfig.presetSizes.map(String.init).joined(separator: ", "))")
        try ConfigError.check((2...4).contains(agents), "agents", "must be 2, 3 or 4")
        try ConfigError.check(stepLimit > 0, "tMax", "must be positive")
        try ConfigError.check((0...1).contains(dropProbability), "dropProbability", "must be in [0, 1]")
        try ConfigError.check((0...1).contains(corruptionProbability), "corruptionProbability", "must be in [0, 1]")
        try ConfigError.check(silentAgent.map { (0..<agents).contains($0) } ?? true, "silentAgent", "must be an agent index")
        try ConfigError.check(quota.map { $0 > 0 } ?? true, "quota", "must be positive")
        try ConfigError.check(poseFixEvery.map { $0 > 0 } ?? true, "poseFixEvery", "must be positive")
        try ConfigError.check(poseFixEvery == nil || perception == .learned, "poseFixEvery", "needs learned perception")
        try ConfigError.check(poseGain.map { $0 > 0 && $0 <= 1 } ?? true, "poseGain", "must be in (0, 1]")
        try ConfigError.check(poseGain == nil || poseFixEvery != nil, "poseGain", "filters the path integrator's poses: it needs poseFixEvery")
    }
}
