internal import CBLASRuntime
internal import CKernels

/// C = alpha·op(A)·op(B) + beta·C on row-major buffers through `cblas_sgemm`.
@inline(__always)
func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
          alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
          beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    precondition(m <= Int32.max && n <= Int32.max && k <= Int32.max, "gemm: dimension exceeds Int32")
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        return
    }
    ssm_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c,
              Int32(ldc))
}

/// C = A·B + beta·C (beta 0 or 1) for a product with few rows against a B reused from call to call (B's rows
/// contiguous, `ldb` apart): register tiles without packing where the CPU has AVX-512, `cblas_sgemm` otherwise.
@inline(__always)
func smallGemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
               beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if !smallGemmKernel(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc) {
        gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

/// The register-tile kernel alone: false, with nothing written, where it does not cover the case (no AVX-512, `n`
/// not a multiple of 16, `beta` other than 0 or 1).
@inline(__always)
func smallGemmKernel(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
    ssm_sgemm_small(Int32(m), Int32(n), Int32(k), a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc)) == 0
}

extension Tensor {
    /// Matrix product.
    ///
    /// - `[M, K] · [K, N]` → `[M, N]`;
    /// - `[…, M, K] · [K, N]` → `[…, M, N]` (one GEMM over the flattened leading axes);
    /// - `[…, M, K] · […, K, N]` → `[…, M, N]` batched, with broadcasting of the batch axes.
    ///
    /// Forward and backward both run on `cblas_sgemm` with transpose flags (no transposed copies).
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank >= 2 && other.rank >= 2, "matmul: needs rank ≥ 2, got \(shape) and \(other.shape)")
        let m = shape[rank - 2], k = shape[rank - 1], n = other.shape[other.rank - 1]
        guard other.shape[other.rank - 2] == k else {
            shapeFailure("matmul", "inner extents differ: \(shape) · \(other.shape)")
        }
        if other.rank == 2 {
            let rows = count / Swift.max(k, 1)
            let out = TensorStorage(uninitializedCount: rows * n)
            gemm(m: rows, n: n, k: k, a: storage.pointer, lda: k, b: other.storage.pointer, ldb: n,
                 c: out.pointer, ldc: n)
            var outShape = shape
            outShape[rank - 1] = n
            // Nothing to record: skip the detached inputs and the backward closure (a small product's overhead).
            guard GradMode.isEnabled && (requiresGrad || other.requiresGrad) else {
                return Tensor(shape: outShape, storage: out)
            }
            let a = detached(), b = other.detached()
            let needA = requiresGrad, needB = other.requiresGrad
            return Tensor.result("matmul", shape: outShape, storage: out, inputs: [self, other]) { g in
                var ga: Tensor?, gb: Tensor?
                if needA {
                    let s = TensorStorage(uninitializedCount: rows * k)
                    gemm(transB: true, m: rows, n: k, k: n, a: g.storage.pointer, lda: n, b: b.storage.pointer, ldb: n,
                         c: s.pointer, ldc: k)
                    ga = Tensor(shape: a.shape, storage: s)
                }
                if needB {
                    let s = TensorStorage(uninitializedCount: k * n)
                    gemm(transA: true, m: k, n: n, k: rows, a: a.storage.pointer, lda: k, b: g.storage.pointer, ldb: n,
                         c: s.pointer, ldc: n)
                    gb = Tensor(shape: b.shape, storage: s)
                }
                return [ga, gb]
            }
        }
        // Batched: broadcast the batch axes, then one GEMM per batch entry.
        let batchA = Array(shape.dropLast(2)), batchB = Array(other.shape.dropLast(2))
        guard let batch = Shape.broadcast(batchA, batchB) else {
            shapeFailure("matmul", "batch axes do not broadcast: \(shape) · \(other.shape)")
        }
        let a = expand(to: batch + [m, k]), b = other.expand(to: batch + [k, n])
        if a !== self || b !== other { return a.matmul(b) }
        let nb = Shape.count(batch)
        let out = TensorStorage(uninitializedCount: nb * m * n)
        for i in 0..<nb {
            gemm(m: m, n: n, k: k, a: storage.pointer + i * m * k, lda: k, b: other.storage.pointer + i * k * n,
                 ldb: n, c: out.pointer + i * m * n, ldc: n)
        }
        let ad = detached(), bd = other.detached()
        let needA = requiresGrad, needB = other.requiresGrad
        return Tensor.result("bmm", shape: batch + [m, n], storage: out, inputs: [self, other]) { g in
            var ga: Tensor?, gb: Tensor?
            if needA {
                let s = TensorStorage(uninitializedCount: nb * m * k)
                for i in 0..<nb {
                    gemm(transB: true, m: m, n: k, k: n, a: g.storage.pointer + i * m * n, lda: n,
                         b: bd.storage.pointer + i * k * n, ldb: n, c: s.pointer + i * m * k, ldc: k)
                }
                ga = Tensor(shape: ad.shape, storage: s)
            }
            if needB {
                let s = TensorStorage(uninitializedCount: nb * k * n)
                for i in 0..<nb {
                    gemm(transA: true, m: k, n: n, k: m, a: ad.storage.pointer + i * m * k, lda: k,
                         b: g.storage.pointer + i * m * n, ldb: n, c: s.pointer + i * k * n, ldc: n)
                }
                gb = Tensor(shape: bd.shape, storage: s)
            }
            return [ga, gb]
        }
    }

    /// `x · Wᵀ + b` for `x: […, in]`, `weight: [out, in]`, `bias: [out]` in one GEMM (PyTorch's `F.linear`).
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        let inF = weight.shape[1], outF = weight.shape[0]
        guard weight.rank == 2, x.shape.last == inF else {
            shapeFailure("linear", "input \(x.shape) does not fit weight \(weight.shape)")
        }
        if let bias, bias.shape != [outF] { shapeFailure("linear", "bias \(bias.shape) does not fit weight \(weight.shape)") }
        let rows = x.count / Swift.max(inF, 1)
        let out = TensorStorage(uninitializedCount: rows * outF)
        if let bias {
            for r in 0..<rows { (out.pointer + r * outF).update(from: bias.storage.pointer, count: outF) }
        }
        gemm(transB: true, m: rows, n: outF, k: inF, a: x.storage.pointer, lda: inF, b: weight.storage.pointer,
             ldb: inF, beta: bias == nil ? 0 : 1, c: out.pointer, ldc: outF)
        let xd = x.detached(), wd = weight.detached()
        let needX = x.requiresGrad, needW = weight.requiresGrad
        var inputs = [x, weight]
        if let bias { inputs.append(bias) }
        let hasBias = bias != nil
        return result("linear", shape: Array(x.shape.dropLast()) + [outF], storage: out, inputs: inputs) { g in
            var gx: Tensor?, gw: Tensor?
            if needX {
                let s = TensorStorage(uninitializedCount: rows * inF)
                gemm(m: rows, n: inF, k: outF, a: g.storage.pointer, lda: outF, b: wd.storage.pointer, ldb: inF,
                     c: s.pointer, ldc: inF)
                gx = Tensor(shape: xd.shape, storage: s)
            }
            if needW {
                let s = TensorStorage(uninitializedCount: outF * inF)
                gemm(transA: true, m: outF, n: inF, k: rows, a: g.storage.pointer, lda: outF, b: xd.storage.pointer,
                     ldb: inF, c: s.pointer, ldc: inF)
                gw = Tensor(shape: wd.shape, storage: s)
            }
            var grads: [Tensor?] = [gx, gw]
            if hasBias { grads.append(g.reshaped([rows, outF]).sum(axis: 0)) }
            return grads
        }
    }
}
