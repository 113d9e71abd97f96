/// How a loss reduces its per-element values (PyTorch's `reduction`).
public enum Reduction: Sendable {
    case mean, sum, none
    func apply(_ x: Tensor) -> Tensor {
        switch self { case .mean: x.mean(); case .sum: x.sum(); case .none: x }
    }
}

/// Loss functions with PyTorch's semantics.
public enum Loss {
    /// Mean squared error.
    public static func mse(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        reduction.apply((prediction - target).square())
    }

    /// Binary cross-entropy on probabilities; logs are clamped at −100 as PyTorch does.
    public static func binaryCrossEntropy(_ probability: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        let logP = probability.log().clamp(min: -100), log1mP = (1 - probability).log().clamp(min: -100)
        return reduction.apply(-(target * logP + (1 - target) * log1mP))
    }

    /// Binary cross-entropy on logits, computed stably: `max(x, 0) − x·y + log(1 + e^{−|x|})`.
    public static func binaryCrossEntropyWithLogits(_ logits: Tensor, _ target: Tensor,
                                                    reduction: Reduction = .mean) -> Tensor {
        reduction.apply(logits.relu() - logits * target + (-logits.abs()).exp().log1p())
    }

    /// Cross-entropy of `logits [N, C]` against class indices (PyTorch's `F.cross_entropy` with hard targets).
    public static func crossEntropy(_ logits: Tensor, classes: [Int], reduction: Reduction = .mean) -> Tensor {
        precondition(logits.rank == 2 && classes.count == logits.shape[0],
                     "crossEntropy: logits \(logits.shape) need [N, C] with N = \(classes.count) targets")
        let index = Tensor(classes.map(Float.init), shape: [classes.count, 1])
        let picked = logits.logSoftmax(axis: 1).gather(axis: 1, index: index).reshaped([classes.count])
        return reduction.apply(-picked)
    }

    /// Cross-entropy against soft targets (probabilities over the class axis, the last one).
    public static func crossEntropy(_ logits: Tensor, probabilities: Tensor, reduction: Reduction = .mean) -> Tensor {
        reduction.apply(-(probabilities * logits.logSoftmax(axis: -1)).sum(axis: -1))
    }

    /// `KL(target ‖ input)` with `input` as log-probabilities, PyTorch's `F.kl_div(input, target, 'batchmean')`:
    /// the sum over all elements divided by the first extent; `0·log 0 = 0`.
    public static func klDivergence(logInput: Tensor, target: Tensor) -> Tensor {
        let t = target.detached()
        let logT = Tensor(shape: t.shape, storage: mapKernel(t) { $0 > 0 ? Foundation.log($0) : 0 })
        return (target * (logT - logInput)).sum() * (1 / Float(max(logInput.shape.first ?? 1, 1)))
    }

    /// Smooth L1 (Huber with `beta`): `0.5·d²/β` for |d| < β, `|d| − 0.5·β` otherwise.
    public static func smoothL1(_ prediction: Tensor, _ target: Tensor, beta: Float = 1, reduction: Reduction = .mean) -> Tensor {
        let d = (prediction - target).abs()
        let quadratic = d.square() * (0.5 / beta), linear = d - 0.5 * beta
        return reduction.apply(Tensor.where(d.lt(beta), quadratic, linear))
    }
}

extension Tensor {
    /// log(1 + x).
    public func log1p() -> Tensor { (self + 1).log() }
}

import Foundation
