internal import CBLASRuntime

/// Dense linear algebra on LAPACKE (through `BLAS`, loaded on first use) (forward only: these results carry no gradient).
///
/// They serve analyses (decoders, PCA of unit activity, covariance whitening), not training.
public enum Linalg {
    /// Solves `A · X = B` for square `A: [n, n]` and `B: [n, k]` or `[n]` (LU with partial pivoting).
    public static func solve(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.rank == 2, a.shape[0] == a.shape[1], b.rank >= 1, b.shape[0] == a.shape[0] else {
            throw TensorError("solve: A \(a.shape) must be square and match B \(b.shape)")
        }
        let n = a.shape[0], k = b.rank == 1 ? 1 : b.shape[1]
        let lu = a.copy(), x = b.copy()
        var pivots = [Int32](repeating: 0, count: n)
        let info = ssm_sgesv(Int32(n), Int32(k), lu.storage.pointer, Int32(n), &pivots,
                                 x.storage.pointer, Int32(k))
        guard info == 0 else { throw TensorError("solve: matrix is singular (LAPACK info \(info))") }
        return x
    }

    /// Lower-triangular `L` with `A = L·Lᵀ` for a symmetric positive-definite `A`.
    public static func cholesky(_ a: Tensor) throws -> Tensor {
        guard a.rank == 2, a.shape[0] == a.shape[1] else { throw TensorError("cholesky: A \(a.shape) must be square") }
        let n = a.shape[0], l = a.copy()
        let info = ssm_spotrf(Int8(UInt8(ascii: "L")), Int32(n), l.storage.pointer, Int32(n))
        guard info == 0 else { throw TensorError("cholesky: matrix is not positive definite (LAPACK info \(info))") }
        for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { l.storage.pointer[i * n + j] = 0 } }
        return l
    }

    /// Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix.
    public static func symmetricEigen(_ a: Tensor) throws -> (values: Tensor, vectors: Tensor) {
        guard a.rank == 2, a.shape[0] == a.shape[1] else { throw TensorError("eigh: A \(a.shape) must be square") }
        let n = a.shape[0], v = a.copy(), w = Tensor.zeros([n])
        let info = ssm_ssyevd(Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")), Int32(n),
                                  v.storage.pointer, Int32(n), w.storage.pointer)
        guard info == 0 else { throw TensorError("eigh: did not converge (LAPACK info \(info))") }
        return (w, v)
    }

    /// Thin SVD `A = U · diag(S) · Vᵀ` of `A: [m, n]`; returns `U [m, r]`, `S [r]` (descending), `Vᵀ [r, n]`.
    public static func svd(_ a: Tensor) throws -> (u: Tensor, s: Tensor, vt: Tensor) {
        guard a.rank == 2 else { throw TensorError("svd: A \(a.shape) must be a matrix") }
        let m = a.shape[0], n = a.shape[1], r = min(m, n)
        let work = a.copy(), u = Tensor.zeros([m, r]), s = Tensor.zeros([r]), vt = Tensor.zeros([r, n])
        let info = ssm_sgesdd(Int8(UInt8(ascii: "S")), Int32(m), Int32(n), work.storage.pointer,
                                  Int32(n), s.storage.pointer, u.storage.pointer, Int32(r), vt.storage.pointer, Int32(n))
        guard info == 0 else { throw TensorError("svd: did not converge (LAPACK info \(info))") }
        return (u, s, vt)
    }
}
