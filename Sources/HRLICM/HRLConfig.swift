import Foundation
import MazeEnv
import Basics

/// What the learned team policy is made of and how it is rewarded; a run's `config.json` holds it, and the
/// shipped model's copy says how it was trained. The ablation switches remove one part each.
public struct HRLConfig: Codable, Sendable, Equatable {
    /// Steps between meta-controller decisions (it also decides when its goal is reached or stops being useful).
    public var decisionInterval = 8
    /// Goal candidates scored per decision: the goal object, frontier clusters, partners, a fallback.
    public var goalSlots = 12
    /// Bits of the learned patch code (a shipped `Models/ib/code_<k>bits` model); 0: no coded patches.
    public var codeBits = 16
    /// Reward charged per wire bit the agent queues (λ).
    public var bitCost: Float = 5e-5
    /// Reward when the agent itself first reaches the goal object (the team's success pays 1 to each agent).
    public var reachBonus: Float = 0.25
    /// Curiosity: intrinsic reward η × forward error, and the forward loss's weight β against the inverse loss.
    public var curiosityEta: Float = 0.01
    public var curiosityBeta: Float = 0.2
    /// Ablations: no curiosity module; no partner model (the belief-error channel and lacking-cell features are
    /// zero); the meta-controller replaced by the runtime's own scripted frontier choice (the policy then only
    /// decides what to send).
    public var curiosity = true
    public var partnerModel = true
    public var metaController = true
    /// The flat ablation: no hierarchy at all. The goal head picks one of Memory-Maze's six primitive actions every
    /// step from local features (what lies ahead after the action, how it changes the straight-line distance to
    /// the nearest frontier and to the goal object); no planner walks for it. nil (models from before) is false.
    public var primitiveActions: Bool?
    var flat: Bool { primitiveActions ?? false }

    public init() {}

    public func validate() throws {
        try ConfigError.check(decisionInterval >= 1, "decisionInterval", "must be at least 1")
        try ConfigError.check(goalSlots >= 4, "goalSlots", "must be at least 4")
        try ConfigError.check(!flat || goalSlots >= MazeAction.allCases.count, "goalSlots", "must cover the six primitive actions")
        try ConfigError.check([0, 4, 8, 16, 32, 64, 128].contains(codeBits), "codeBits", "must be 0 or a shipped code length (4 … 128)")
        try ConfigError.check(bitCost >= 0 && bitCost.isFinite, "bitCost", "must be finite and non-negative")
        try ConfigError.check(curiosityEta >= 0 && curiosityBeta >= 0 && curiosityBeta <= 1, "curiosityBeta", "η must be ≥ 0 and β in [0, 1]")
    }
}
