import Foundation

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
    ///
    /// The arguments of the logs are first kept at or above the smallest normal Float: a sigmoid saturates to
    /// exactly 0 or 1 in Float32, and log′(0) = ∞ times the clamp's zero gradient would be NaN (a BEV run
    /// stopped on it at step 4909). The values are PyTorch's; the gradient is 0 where the log is clamped.
    public static func binaryCrossEntropy(_ probability: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        func clampedLog(_ x: Tensor) -> Tensor {
            Tensor.where(x.gt(0), x.clamp(min: .leastNormalMagnitude).log(), Tensor(scalar: -100)).clamp(min: -100)
        }
        let logP = clampedLog(probability), log1mP = clampedLog(1 - probability)
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

    /// Per-row `KL(target ‖ softmax(logits))` over the last axis, fused into one pass.
    ///
    /// Returns the shape of `logits` without its last axis. `Σ rows / B` is PyTorch's
    /// `F.kl_div(F.log_softmax(logits, -1), target, reduction='batchmean')` for 2-d inputs; keeping the rows lets a
    /// caller weight time steps before reducing. The gradient with respect to the logits is
    /// `g · (softmax(logits)·Σtarget − target)`; with respect to the target it is `g · (log t + 1 − x + logZ)`.
    public static func klDivergence(logits: Tensor, target: Tensor) -> Tensor {
        guard logits.shape == target.shape, let n = logits.shape.last else {
            shapeFailure("kl_div_logits", "logits \(logits.shape) and target \(target.shape) must have the same shape")
        }
        let rows = logits.count / Swift.max(n, 1)
        let out = TensorStorage(uninitializedCount: rows)
        let lse = TensorStorage(uninitializedCount: rows), mass = TensorStorage(uninitializedCount: rows)
        let px = logits.storage.pointer, pt = target.storage.pointer
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(n, 1))
        defer { scratch.deallocate() }
        for r in 0..<rows {
            let x = px + r * n, t = pt + r * n
            let m = n > 0 ? simdMax(x, n) : 0
            for j in 0..<n { scratch[j] = x[j] - m }
            vExp(scratch, scratch, n)
            let logZ = Foundation.log(simdSum(scratch, n)) + m
            // Σ t·(log t − x) and Σ t over the row, eight lanes at a time; lanes with t = 0 contribute 0.
            var klLanes = SIMD8<Float>(), massLanes = SIMD8<Float>()
            var j = 0
            while j < n {
                let tv = loadLanes(t, j, n), xv = loadLanes(x, j, n)
                let term = tv * (simdLog(tv) - xv)
                klLanes += term.replacing(with: 0, where: tv .<= 0)
                massLanes += tv
                j += 8
            }
            let kl = klLanes.sum(), total = massLanes.sum()
            out.pointer[r] = kl + total * logZ
            lse.pointer[r] = logZ; mass.pointer[r] = total
        }
        let ts = target.storage, xs = logits.storage, needTarget = target.requiresGrad
        return Tensor.result("kl_div_logits", shape: Array(logits.shape.dropLast()), storage: out,
                             inputs: [logits, target]) { g in
            let d = TensorStorage(uninitializedCount: rows * n)
            let pg = g.storage.pointer, pt = ts.pointer, px = xs.pointer
            for r in 0..<rows {
                let x = px + r * n, t = pt + r * n, dr = d.pointer + r * n
                for j in 0..<n { dr[j] = x[j] - lse.pointer[r] }
                vExp(dr, dr, n)
                let gr = pg[r], w = mass.pointer[r]
                for j in 0..<n { dr[j] = gr * (dr[j] * w - t[j]) }
            }
            var dTarget: Tensor?
            if needTarget {
                let dt = TensorStorage(uninitializedCount: rows * n)
                for r in 0..<rows {
                    let x = px + r * n, t = pt + r * n, o = dt.pointer + r * n, gr = pg[r], logZ = lse.pointer[r]
                    for j in 0..<n { o[j] = t[j] > 0 ? gr * (Foundation.log(t[j]) + 1 - x[j] + logZ) : 0 }
                }
                dTarget = Tensor(shape: g.shape + [n], storage: dt)
            }
            return [Tensor(shape: g.shape + [n], storage: d), dTarget]
        }
    }

    /// Smooth L1 (Huber with `beta`): `0.5·d²/β` for |d| < β, `|d| − 0.5·β` otherwise.
    public static func smoothL1(_ prediction: Tensor, _ target: Tensor, beta: Float = 1, reduction: Reduction = .mean) -> Tensor {
        let d = (prediction - target).abs()
        let quadratic = d.square() * (0.5 / beta), linear = d - 0.5 * beta
        return reduction.apply(Tensor.where(d.lt(beta), quadratic, linear))
    }
}

/// Eight lanes from `p[j...]`, zero-padded past `n`.
@inline(__always) private func loadLanes(_ p: UnsafePointer<Float>, _ j: Int, _ n: Int) -> SIMD8<Float> {
    if j + 8 <= n { return UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Float>.self) }
    var v = SIMD8<Float>()
    for k in 0..<(n - j) { v[k] = p[j + k] }
    return v
}

extension Tensor {
    /// log(1 + x).
    public func log1p() -> Tensor { (self + 1).log() }
}
