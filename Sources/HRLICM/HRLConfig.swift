import Foundation
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
    /// zero); the meta-controller replaced by the runtime's own frontier choice (a flat policy that only decides
    /// what to send).
    public var curiosity = true
    public var partnerModel = true
    public var metaController = true

    public init() {}

    public func validate() throws {
        try ConfigError.check(decisionInterval >= 1, "decisionInterval", "must be at least 1")
        try ConfigError.check(goalSlots >= 4, "goalSlots", "must be at least 4")
        try ConfigError.check([0, 4, 8, 16, 32, 64, 128].contains(codeBits), "codeBits", "must be 0 or a shipped code length (4 … 128)")
        try ConfigError.check(bitCost >= 0 && bitCost.isFinite, "bitCost", "must be finite and non-negative")
        try ConfigError.check(curiosityEta >= 0 && curiosityBeta >= 0 && curiosityBeta <= 1, "curiosityBeta", "η must be ≥ 0 and β in [0, 1]")
    }
}
