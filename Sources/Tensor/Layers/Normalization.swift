import Foundation

/// Batch normalisation over `[B, C, H, W]` per channel (PyTorch's `nn.BatchNorm2d`).
///
/// Training mode normalises with the batch statistics (biased variance) in one fused op with a hand-written
/// backward, and updates `running_mean`/`running_var` (unbiased variance) with `momentum`; evaluation mode
/// uses the running statistics. With `synchronise` set (PyTorch's `SyncBatchNorm`), the statistics are those of
/// the global batch of a data-parallel run: the members sum their per-channel sums forward and backward, so that
/// a run split over members normalises exactly as one process with the whole batch.
public final class BatchNorm2d: Module, UnaryLayer {
    public let weight, bias: Tensor
    public let runningMean, runningVar, numBatchesTracked: Tensor
    public let eps, momentum: Float
    /// Sums per-channel statistics over the members of a data-parallel run (nil: this process's batch alone).
    public var synchronise: MemberSum?

    public init(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        weight = Tensor.ones([channels], requiresGrad: true)
        bias = Tensor.zeros([channels], requiresGrad: true)
        runningMean = Tensor.zeros([channels]); runningVar = Tensor.ones([channels])
        numBatchesTracked = Tensor.zeros([])
        self.eps = eps; self.momentum = momentum
    }

    public override func ownParameters() -> [(String, Tensor)] { [("weight", weight), ("bias", bias)] }
    public override func ownBuffers() -> [(String, Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard x.rank == 4, x.shape[1] == weight.count else {
            shapeFailure("batch_norm2d", "input \(x.shape) does not have \(weight.count) channels as [B, C, H, W]")
        }
        let c = x.shape[1]
        if !isTraining {
            let scale = weight / (runningVar.detached() + eps).sqrt()
            let shift = bias - runningMean.detached() * scale
            guard GradMode.isEnabled else { return channelAffine(x, scale: scale, shift: shift) }
            return x * scale.reshaped([1, c, 1, 1]) + shift.reshaped([1, c, 1, 1])
        }
        return batchNormTrain(x)
    }

    /// `x · scale[c] + shift[c]` in one pass, for inference (nothing recorded).
    private func channelAffine(_ x: Tensor, scale: Tensor, shift: Tensor) -> Tensor {
        let b = x.shape[0], c = x.shape[1], l = x.shape[2] * x.shape[3]
        let out = TensorStorage(uninitializedCount: x.count)
        let px = x.storage.pointer, ps = scale.storage.pointer, pt = shift.storage.pointer
        for i in 0..<b {
            for ch in 0..<c {
                let o = (i * c + ch) * l, k = ps[ch], t = pt[ch]
                for j in 0..<l { out.pointer[o + j] = px[o + j] * k + t }
            }
        }
        return Tensor(shape: x.shape, storage: out)
    }

    private func batchNormTrain(_ x: Tensor) -> Tensor {
        let b = x.shape[0], c = x.shape[1], l = x.shape[2] * x.shape[3]
        let px = x.storage.pointer
        // Per-channel sums in two passes (mean, then squared deviations), each summed over the members when
        // synchronised, with the element count in front.
        var sums = [Double](repeating: 0, count: c)
        for ch in 0..<c { for i in 0..<b { sums[ch] += Double(simdSum(px + (i * c + ch) * l, l)) } }
        let first = summedOverMembers([Double(b * l)] + sums, synchronise)
        let n = Int(first[0].rounded())
        precondition(n > 1, "batch_norm2d: training needs more than one value per channel, got input \(x.shape)")
        sums = Array(first.dropFirst())
        let means = sums.map { Float($0 / Double(n)) }
        var squares = [Double](repeating: 0, count: c)
        for ch in 0..<c {
            let mean = means[ch]
            for i in 0..<b {
                let p = px + (i * c + ch) * l
                var acc: Float = 0
                for j in 0..<l { let d = p[j] - mean; acc += d * d }
                squares[ch] += Double(acc)
            }
        }
        squares = summedOverMembers(squares, synchronise)
        let out = TensorStorage(uninitializedCount: x.count)
        let xhat = TensorStorage(uninitializedCount: x.count)
        var invStd = [Float](repeating: 0, count: c)
        for ch in 0..<c {
            let mean = means[ch], variance = Float(squares[ch] / Double(n))
            let istd = 1 / (variance + eps).squareRoot()
            invStd[ch] = istd
            let w = weight.storage.pointer[ch], bb = bias.storage.pointer[ch]
            for i in 0..<b {
                let o = (i * c + ch) * l
                for j in 0..<l {
                    let h = (px[o + j] - mean) * istd
                    xhat.pointer[o + j] = h
                    out.pointer[o + j] = h * w + bb
                }
            }
            noGrad {
                runningMean.storage.pointer[ch] = (1 - momentum) * runningMean.storage.pointer[ch] + momentum * mean
                runningVar.storage.pointer[ch] = (1 - momentum) * runningVar.storage.pointer[ch]
                    + momentum * variance * Float(n) / Float(n - 1)
            }
        }
        numBatchesTracked.storage.pointer[0] += 1
        let ws = weight.storage, synchronise = self.synchronise
        return Tensor.result("batch_norm2d", shape: x.shape, storage: out, inputs: [x, weight, bias]) { g in
            let dx = TensorStorage(uninitializedCount: g.count)
            let dw = TensorStorage(uninitializedCount: c), db = TensorStorage(uninitializedCount: c)
            let pg = g.storage.pointer, ph = xhat.pointer
            // Σg and Σg·x̂ per channel: this member's are the weight and bias gradients (averaged with the others'
            // later, as every parameter's); the input gradient needs the global batch's.
            var sums = [Float](repeating: 0, count: 2 * c)
            for ch in 0..<c {
                var sg: Float = 0, sgh: Float = 0
                for i in 0..<b {
                    let o = (i * c + ch) * l
                    for j in 0..<l { sg += pg[o + j]; sgh += pg[o + j] * ph[o + j] }
                }
                dw.pointer[ch] = sgh; db.pointer[ch] = sg
                sums[ch] = sg; sums[c + ch] = sgh
            }
            sums = summedOverMembers(sums, synchronise)
            for ch in 0..<c {
                let sg = sums[ch], sgh = sums[c + ch]
                let w = ws.pointer[ch], k = w * invStd[ch] / Float(n)
                for i in 0..<b {
                    let o = (i * c + ch) * l
                    for j in 0..<l { dx.pointer[o + j] = k * (Float(n) * pg[o + j] - sg - ph[o + j] * sgh) }
                }
            }
            return [Tensor(shape: g.shape, storage: dx), Tensor(shape: [c], storage: dw), Tensor(shape: [c], storage: db)]
        }
    }
}

/// Layer normalisation over the trailing `normalizedShape` axes (PyTorch's `nn.LayerNorm`).
public final class LayerNorm: Module, UnaryLayer {
    public let weight, bias: Tensor
    public let eps: Float
    let axes: Int

    public init(_ normalizedShape: [Int], eps: Float = 1e-5) {
        weight = Tensor.ones(normalizedShape, requiresGrad: true)
        bias = Tensor.zeros(normalizedShape, requiresGrad: true)
        self.eps = eps
        axes = normalizedShape.count
    }

    /// Normalises over the last axis of extent `dimension`.
    public convenience init(_ dimension: Int, eps: Float = 1e-5) { self.init([dimension], eps: eps) }

    public override func ownParameters() -> [(String, Tensor)] { [("weight", weight), ("bias", bias)] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard Array(x.shape.suffix(axes)) == weight.shape else {
            shapeFailure("layer_norm", "input \(x.shape) does not end in \(weight.shape)")
        }
        // One fused op (two passes over each row forward, two backward) instead of nine composite ones.
        let n = weight.count, rows = x.count / max(n, 1)
        let out = TensorStorage(uninitializedCount: x.count)
        var mean = [Float](repeating: 0, count: rows), invStd = [Float](repeating: 0, count: rows)
        let px = x.storage.pointer, pw = weight.storage.pointer, pb = bias.storage.pointer, po = out.pointer
        for r in 0..<rows {
            let row = px + r * n
            let m = simdSum(row, n) / Float(n)
            var sq: Float = 0
            for j in 0..<n { let d = row[j] - m; sq += d * d }
            let istd = 1 / (sq / Float(n) + eps).squareRoot()
            mean[r] = m; invStd[r] = istd
            let o = po + r * n
            for j in 0..<n { o[j] = (row[j] - m) * istd * pw[j] + pb[j] }
        }
        let xs = x.storage, ws = weight.storage, shape = weight.shape
        return Tensor.result("layer_norm", shape: x.shape, storage: out, inputs: [x, weight, bias]) { g in
            // x̂ = (x − μ)·σ⁻¹;  dx = σ⁻¹ · (g·w − mean(g·w) − x̂ · mean(g·w·x̂)) per row.
            let dx = TensorStorage(uninitializedCount: g.count)
            let dw = TensorStorage(repeating: 0, count: n), db = TensorStorage(repeating: 0, count: n)
            let pg = g.storage.pointer, px = xs.pointer, pw = ws.pointer
            for r in 0..<rows {
                let row = px + r * n, gr = pg + r * n, d = dx.pointer + r * n
                let m = mean[r], istd = invStd[r]
                var sum: Float = 0, dot: Float = 0
                for j in 0..<n {
                    let h = (row[j] - m) * istd, gw = gr[j] * pw[j]
                    dw.pointer[j] += gr[j] * h; db.pointer[j] += gr[j]
                    sum += gw; dot += gw * h
                }
                let meanGW = sum / Float(n), meanGWH = dot / Float(n)
                for j in 0..<n { d[j] = istd * (gr[j] * pw[j] - meanGW - (row[j] - m) * istd * meanGWH) }
            }
            return [Tensor(shape: g.shape, storage: dx), Tensor(shape: shape, storage: dw), Tensor(shape: shape, storage: db)]
        }
    }
}
