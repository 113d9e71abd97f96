import Foundation
import Tensor

/// The MAPPO objective (Yu et al. 2022) for one minibatch of one categorical head: the clipped surrogate,
/// the clipped Huber value loss on normalised returns, and the entropy bonus; with the diagnostics a run logs.
public struct PPOLoss {
    /// Hyper-parameters (MAPPO's defaults).
    public struct Settings: Codable, Sendable, Equatable {
        public var clip: Float = 0.2
        public var valueClip: Float = 0.2
        public var huberDelta: Float = 10
        public var valueWeight: Float = 1
        public var entropyWeight: Float = 0.01
        public init() {}
    }

    /// `policy + valueWeight · value − entropyWeight · entropy`, the scalar to back-propagate.
    public let total: Tensor
    public let policy, value, entropy: Tensor
    /// Mean of `(r − 1) − log r`, an unbiased, non-negative estimate of KL(old ‖ new) (Schulman's k3).
    public let approximateKL: Float
    /// Fraction of samples whose ratio left [1 − clip, 1 + clip].
    public let clipFraction: Float

    /// - Parameters:
    ///   - logProbabilities: `[batch, candidates]` of the current policy (from ``MaskedCategorical``).
    ///   - actions: the candidate chosen in each sample, from the rollout.
    ///   - oldLogProbabilities: its log-probability under the policy that acted.
    ///   - advantages: each sample's advantage estimate.
    ///   - values: the critic's current outputs `[batch]` (normalised scale).
    ///   - oldValues: the critic's outputs when the rollout was collected, on the same scale.
    ///   - returns: the value targets, normalised by the ``ValueNormalizer``.
    ///   - s: the clip ranges and loss weights.
    public init(logProbabilities: Tensor, actions: [Int], oldLogProbabilities: [Float], advantages: [Float],
                values: Tensor, oldValues: [Float], returns: [Float], settings s: Settings = Settings()) {
        let n = actions.count
        precondition(oldLogProbabilities.count == n && advantages.count == n && oldValues.count == n && returns.count == n
                     && values.shape == [n] && logProbabilities.shape[0] == n, "PPOLoss: batch sizes differ")
        let terms = Self.policyTerms(logProbabilities: logProbabilities, actions: actions, oldLogProbabilities: oldLogProbabilities,
                                     advantages: advantages, clip: s.clip)
        policy = terms.policy; entropy = terms.entropy
        approximateKL = terms.approximateKL; clipFraction = terms.clipFraction
        value = Self.valueLoss(values: values, oldValues: oldValues, returns: returns, settings: s)
        total = policy + s.valueWeight * value - s.entropyWeight * entropy
    }

    /// The clipped surrogate `−mean(min(r·A, clip(r)·A))`, the mean entropy, and the diagnostics, for a head
    /// without a value (the meta-controller shares the critic with the communication head).
    public static func policyTerms(logProbabilities: Tensor, actions: [Int], oldLogProbabilities: [Float], advantages: [Float], clip: Float)
        -> (policy: Tensor, entropy: Tensor, approximateKL: Float, clipFraction: Float) {
        let n = actions.count
        let newLog = MaskedCategorical.logProbability(of: actions, in: logProbabilities)
        let ratio = (newLog - Tensor(oldLogProbabilities)).exp()
        let a = Tensor(advantages)
        let surrogate = (ratio * a).minimum(ratio.clamp(min: 1 - clip, max: 1 + clip) * a)
        let r = ratio.scalars
        return (-surrogate.mean(), MaskedCategorical.entropy(logProbabilities: logProbabilities).mean(),
                r.reduce(0) { $0 + ($1 - 1) - Foundation.log($1) } / Float(max(n, 1)),
                Float(r.filter { abs($0 - 1) > clip }.count) / Float(max(n, 1)))
    }

    /// MAPPO's value loss: the larger of the Huber losses of the new value and of the old value moved at most
    /// `valueClip` toward it, against the (normalised) returns.
    public static func valueLoss(values: Tensor, oldValues: [Float], returns: [Float], settings s: Settings) -> Tensor {
        let old = Tensor(oldValues), target = Tensor(returns)
        let clipped = old + (values - old).clamp(min: -s.valueClip, max: s.valueClip)
        func huber(_ v: Tensor) -> Tensor { Loss.smoothL1(v, target, beta: s.huberDelta, reduction: .none) * s.huberDelta }
        return huber(values).maximum(huber(clipped)).mean()
    }
}
