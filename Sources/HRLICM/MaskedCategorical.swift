import Foundation
import Tensor

/// A categorical distribution over candidates, some of them masked out (a frontier not reachable, a message
/// kind with nothing to say): masked logits become −10⁹, so their probability is exactly zero in Float and
/// they are never sampled, and they add nothing to the entropy.
public enum MaskedCategorical {
    /// The logit given to masked candidates.
    public static let maskedLogit: Float = -1e9

    /// Log-probabilities `[batch, candidates]` from logits and a 0/1 mask of the same shape.
    public static func logProbabilities(logits: Tensor, mask: Tensor) -> Tensor {
        precondition(logits.shape == mask.shape, "MaskedCategorical: logits \(logits.shape) and mask \(mask.shape) differ")
        return Tensor.where(mask, logits, Tensor(scalar: maskedLogit)).logSoftmax(axis: -1)
    }

    /// Entropy of each row, `[batch]`.
    public static func entropy(logProbabilities lp: Tensor) -> Tensor { -(lp.exp() * lp).sum(axis: -1) }

    /// The log-probability of `actions[b]` in row b, `[batch]`.
    public static func logProbability(of actions: [Int], in lp: Tensor) -> Tensor {
        let index = Tensor(actions.map(Float.init), shape: [actions.count, 1])
        return lp.gather(axis: -1, index: index).reshaped([actions.count])
    }

    /// Draws one candidate per row (inverse CDF on one uniform draw per row); `greedy` takes the most likely.
    public static func sample(logProbabilities lp: Tensor, greedy: Bool = false, rng: inout RandomGenerator) -> [Int] {
        precondition(lp.rank == 2, "MaskedCategorical.sample: expects [batch, candidates], got \(lp.shape)")
        let rows = lp.shape[0], n = lp.shape[1], p = lp.storage.pointer
        return (0..<rows).map { b in
            if greedy { return (0..<n).max { p[b * n + $0] < p[b * n + $1] }! }
            let u = Double(rng.nextUniform())
            var cumulative = 0.0, last = 0
            for k in 0..<n {
                let q = Foundation.exp(Double(p[b * n + k]))
                guard q > 0 else { continue }
                last = k; cumulative += q
                if u < cumulative { return k }
            }
            return last       // rounding left u above the total: the last candidate with mass
        }
    }
}
