import Foundation

extension Tensor {
    /// Normalised, sorted, unique axes (all axes when `axes` is nil).
    func reductionAxes(_ axes: [Int]?, op: String) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        return Array(Set(axes.map { Shape.axis($0, rank: rank, op: op) })).sorted()
    }

    /// Output shape of a reduction.
    func reducedShape(_ axes: [Int], keepDims: Bool) -> [Int] {
        keepDims ? shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
                 : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Reduces the given axes one at a time, from the last (each pass is a contiguous [outer, n, inner] view).
    private func reduceStorage(_ axes: [Int], sum: Bool, _ combine: (Float, Float) -> Float) -> TensorStorage {
        var current = storage
        var currentShape = shape
        for axis in axes.reversed() {
            let outer = currentShape[..<axis].reduce(1, *)
            let n = currentShape[axis]
            let inner = currentShape[(axis + 1)...].reduce(1, *)
            current = sum ? sumAxisKernel(current.pointer, outer: outer, n: n, inner: inner)
                          : reduceAxisKernel(current.pointer, outer: outer, n: n, inner: inner, combine)
            currentShape[axis] = 1
        }
        if axes.isEmpty { // a copy keeps ops from aliasing their input's storage
            let c = TensorStorage(uninitializedCount: count)
            c.pointer.update(from: storage.pointer, count: count)
            return c
        }
        return current
    }

    /// Sum over `axes` (all when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes, op: "sum")
        let s: TensorStorage
        if ax.count == rank && rank > 0 {
            s = TensorStorage([simdSum(storage.pointer, count)])
        } else {
            s = reduceStorage(ax, sum: true, +)
        }
        let inShape = shape, keptShape = reducedShape(ax, keepDims: true)
        return Tensor.result("sum", shape: reducedShape(ax, keepDims: keepDims), storage: s, inputs: [self]) { g in
            [g.reshaped(keptShape).expand(to: inShape)]
        }
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes, op: "mean")
        let n = ax.reduce(1) { $0 * shape[$1] }
        return sum(axes: ax, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Variance over `axes`; `unbiased` divides by n − 1 (PyTorch's default for `var`).
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, unbiased: Bool = true) -> Tensor {
        let ax = reductionAxes(axes, op: "var")
        let n = ax.reduce(1) { $0 * shape[$1] }
        let centred = self - mean(axes: ax, keepDims: true)
        return centred.square().sum(axes: ax, keepDims: keepDims) * (1 / Float(Swift.max(unbiased ? n - 1 : n, 1)))
    }

    /// Maximum over `axes`; ties share the gradient equally (as PyTorch's `amax`).
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { extreme(axes, keepDims, larger: true) }
    /// Minimum over `axes`; ties share the gradient equally (as PyTorch's `amin`).
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { extreme(axes, keepDims, larger: false) }
    /// Maximum over one axis.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor { max(axes: [axis], keepDims: keepDims) }
    /// Minimum over one axis.
    public func min(axis: Int, keepDims: Bool = false) -> Tensor { min(axes: [axis], keepDims: keepDims) }

    private func extreme(_ axes: [Int]?, _ keepDims: Bool, larger: Bool) -> Tensor {
        let ax = reductionAxes(axes, op: larger ? "max" : "min")
        precondition(count > 0, "\(larger ? "max" : "min"): empty tensor of shape \(shape)")
        let s = reduceStorage(ax, sum: false) { larger ? Swift.max($0, $1) : Swift.min($0, $1) }
        let x = detached(), keptShape = reducedShape(ax, keepDims: true)
        let keptValue = Tensor(shape: keptShape, storage: s)
        return Tensor.result(larger ? "max" : "min", shape: reducedShape(ax, keepDims: keepDims), storage: s,
                             inputs: [self]) { g in
            let mask = x.eq(keptValue)
            let ties = mask.sum(axes: ax, keepDims: true)
            return [g.reshaped(keptShape) / ties * mask]
        }
    }

    /// Index of the maximum along `axis` (no gradient), as Ints.
    public func argmax(axis: Int) -> [Int] {
        let a = Shape.axis(axis, rank: rank, op: "argmax")
        let outer = shape[..<a].reduce(1, *), n = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        var out = [Int](repeating: 0, count: outer * inner)
        let p = storage.pointer
        for o in 0..<outer {
            for j in 0..<inner {
                var best = -Float.infinity, bi = 0
                for k in 0..<n where p[(o * n + k) * inner + j] > best { best = p[(o * n + k) * inner + j]; bi = k }
                out[o * inner + j] = bi
            }
        }
        return out
    }

    /// log Σ exp over `axes`, computed stably.
    public func logSumExp(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes, op: "logsumexp")
        let m = noGrad { detached().max(axes: ax, keepDims: true) }
        let finite = Tensor(shape: m.shape, storage: mapKernel(m) { $0.isFinite ? $0 : 0 })
        let r = (self - finite).exp().sum(axes: ax, keepDims: true).log() + finite
        return keepDims ? r : r.reshaped(reducedShape(ax, keepDims: false))
    }

    /// Softmax along `axis` (default last).
    public func softmax(axis: Int = -1) -> Tensor { softmaxFamily(axis: axis, log: false) }
    /// Log-softmax along `axis` (default last), computed stably.
    public func logSoftmax(axis: Int = -1) -> Tensor { softmaxFamily(axis: axis, log: true) }

    private func softmaxFamily(axis: Int, log: Bool) -> Tensor {
        let a = Shape.axis(axis, rank: rank, op: log ? "log_softmax" : "softmax")
        if a != rank - 1 { // move the axis last, apply, move it back
            var perm = Array(0..<rank); perm.swapAt(a, rank - 1)
            return permuted(perm).softmaxFamily(axis: -1, log: log).permuted(perm)
        }
        let n = shape[a], rows = count / Swift.max(n, 1)
        let out = TensorStorage(uninitializedCount: count)
        let src = storage.pointer, dst = out.pointer
        for r in 0..<rows {
            let x = src + r * n, y = dst + r * n
            var m = n > 0 ? simdMax(x, n) : 0
            if !m.isFinite { m = 0 }
            for j in 0..<n { y[j] = x[j] - m }
            vExp(y, y, n)
            let z = simdSum(y, n)
            if log {
                let lz = Foundation.log(z) + m
                for j in 0..<n { y[j] = x[j] - lz }
            } else {
                let inv = 1 / z
                for j in 0..<n { y[j] *= inv }
            }
        }
        return Tensor.result(log ? "log_softmax" : "softmax", shape: shape, storage: out, inputs: [self]) { g in
            let gi = TensorStorage(uninitializedCount: g.count)
            let pg = g.storage.pointer, py = out.pointer, pd = gi.pointer
            for r in 0..<rows {
                let gr = pg + r * n, yr = py + r * n, dr = pd + r * n
                if log { // dx = g − softmax · Σg
                    let s = simdSum(gr, n)
                    for j in 0..<n { dr[j] = gr[j] - Foundation.exp(yr[j]) * s }
                } else { // dx = y ⊙ (g − Σ g⊙y)
                    var s: Float = 0
                    for j in 0..<n { s += gr[j] * yr[j] }
                    for j in 0..<n { dr[j] = yr[j] * (gr[j] - s) }
                }
            }
            return [Tensor(shape: g.shape, storage: gi)]
        }
    }
}
