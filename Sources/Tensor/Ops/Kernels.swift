// Raw loops shared by the ops. Everything here runs on pointers; nothing records gradients.

/// Applies `f` to every element.
@inline(__always)
func mapKernel(_ x: Tensor, _ f: (Float) -> Float) -> TensorStorage {
    let n = x.count
    let out = TensorStorage(uninitializedCount: n)
    let src = x.storage.pointer, dst = out.pointer
    for i in 0..<n { dst[i] = f(src[i]) }
    return out
}

/// Combines two tensors elementwise with NumPy broadcasting; returns the storage and result shape.
@inline(__always)
func zipKernel(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) -> (TensorStorage, [Int]) {
    let pa = a.storage.pointer, pb = b.storage.pointer
    if a.shape == b.shape {
        let out = TensorStorage(uninitializedCount: a.count)
        let po = out.pointer
        for i in 0..<a.count { po[i] = f(pa[i], pb[i]) }
        return (out, a.shape)
    }
    guard let shape = Shape.broadcast(a.shape, b.shape) else {
        shapeFailure(op, "cannot broadcast shapes \(a.shape) and \(b.shape)")
    }
    let n = Shape.count(shape)
    let out = TensorStorage(uninitializedCount: n)
    let po = out.pointer
    if b.count == 1 && n == a.count {
        let s = pb[0]
        for i in 0..<n { po[i] = f(pa[i], s) }
        return (out, shape)
    }
    if a.count == 1 && n == b.count {
        let s = pa[0]
        for i in 0..<n { po[i] = f(s, pb[i]) }
        return (out, shape)
    }
    let sa = Shape.broadcastStrides(a.shape, to: shape), sb = Shape.broadcastStrides(b.shape, to: shape)
    let rank = shape.count
    let inner = shape[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1]
    let outer = n / max(inner, 1)
    var index = [Int](repeating: 0, count: rank)
    var offA = 0, offB = 0
    for o in 0..<outer {
        let base = o * inner
        if ia == 1 && ib == 1 {
            for j in 0..<inner { po[base + j] = f(pa[offA + j], pb[offB + j]) }
        } else if ia == 1 && ib == 0 {
            let v = pb[offB]
            for j in 0..<inner { po[base + j] = f(pa[offA + j], v) }
        } else if ia == 0 && ib == 1 {
            let v = pa[offA]
            for j in 0..<inner { po[base + j] = f(v, pb[offB + j]) }
        } else {
            for j in 0..<inner { po[base + j] = f(pa[offA + j * ia], pb[offB + j * ib]) }
        }
        // Odometer over the outer axes.
        var axis = rank - 2
        while axis >= 0 {
            index[axis] += 1
            offA += sa[axis]; offB += sb[axis]
            if index[axis] < shape[axis] { break }
            offA -= sa[axis] * shape[axis]; offB -= sb[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
    return (out, shape)
}

/// Sum of `n` floats with independent SIMD accumulators (a sequential float sum cannot vectorise).
@inline(__always)
func simdSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i + 16 <= n {
        acc0 += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        acc1 += raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
        i += 16
    }
    var s = (acc0 + acc1).sum()
    while i < n { s += p[i]; i += 1 }
    return s
}

/// Maximum of `n > 0` floats with SIMD accumulators (a scalar running max is one long dependency chain).
@inline(__always)
func simdMax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var i = 0
    var m: Float = -.infinity
    if n >= 16 {
        let raw = UnsafeRawPointer(p)
        var a0 = raw.loadUnaligned(as: SIMD8<Float>.self), a1 = raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        i = 16
        // `replacing(with:where:)` compiles to compare-and-blend; the standard `pointwiseMax` is an
        // out-of-line generic here and was 10× slower.
        while i + 16 <= n {
            let v0 = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let v1 = raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            a0.replace(with: v0, where: v0 .> a0)
            a1.replace(with: v1, where: v1 .> a1)
            i += 16
        }
        a0.replace(with: a1, where: a1 .> a0)
        for k in 0..<8 { m = Swift.max(m, a0[k]) }
    }
    while i < n { m = Swift.max(m, p[i]); i += 1 }
    return m
}

/// Reduces one axis viewed as `[outer, n, inner]` with `combine`, starting each output from the first slice.
@inline(__always)
func reduceAxisKernel(_ src: UnsafePointer<Float>, outer: Int, n: Int, inner: Int,
                      _ combine: (Float, Float) -> Float) -> TensorStorage {
    let out = TensorStorage(uninitializedCount: outer * inner)
    let po = out.pointer
    for o in 0..<outer {
        let base = src + o * n * inner
        let dst = po + o * inner
        dst.update(from: base, count: inner)
        for k in 1..<max(n, 1) {
            let row = base + k * inner
            for j in 0..<inner { dst[j] = combine(dst[j], row[j]) }
        }
    }
    return out
}

/// Sums one axis viewed as `[outer, n, inner]`.
func sumAxisKernel(_ src: UnsafePointer<Float>, outer: Int, n: Int, inner: Int) -> TensorStorage {
    if inner == 1 {
        let out = TensorStorage(uninitializedCount: outer)
        for o in 0..<outer { out.pointer[o] = simdSum(src + o * n, n) }
        return out
    }
    if n == 0 { return TensorStorage(repeating: 0, count: outer * inner) }
    return reduceAxisKernel(src, outer: outer, n: n, inner: inner, +)
}

/// Copies `x` into a new storage with its axes permuted (`out.shape[i] = x.shape[perm[i]]`).
func permuteKernel(_ x: Tensor, _ perm: [Int]) -> TensorStorage {
    let rank = x.rank
    let inStrides = Shape.strides(x.shape)
    let shape = perm.map { x.shape[$0] }
    let strides = perm.map { inStrides[$0] }
    let n = x.count
    let out = TensorStorage(uninitializedCount: n)
    if n == 0 { return out }
    let src = x.storage.pointer, dst = out.pointer
    if rank == 0 { dst[0] = src[0]; return out }
    let inner = shape[rank - 1], innerStride = strides[rank - 1]
    var index = [Int](repeating: 0, count: rank)
    var off = 0
    var o = 0
    while o < n {
        if innerStride == 1 {
            (dst + o).update(from: src + off, count: inner)
        } else {
            for j in 0..<inner { dst[o + j] = src[off + j * innerStride] }
        }
        o += inner
        var axis = rank - 2
        while axis >= 0 {
            index[axis] += 1
            off += strides[axis]
            if index[axis] < shape[axis] { break }
            off -= strides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
    return out
}
