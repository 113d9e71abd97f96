extension Tensor {
    /// The same elements viewed with another shape (one extent may be -1). Shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let i = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "reshape: cannot reshape \(shape) to \(newShape)")
            target[i] = count / known
        }
        precondition(Shape.count(target) == count, "reshape: cannot reshape \(shape) (\(count) elements) to \(newShape)")
        if target == shape { return self }
        let inShape = shape
        return Tensor.result("reshape", shape: target, storage: storage, inputs: [self]) { g in [g.reshaped(inShape)] }
    }

    /// Flattens axes `start…end` into one.
    public func flattened(from start: Int = 0, to end: Int = -1) -> Tensor {
        let s = Shape.axis(start, rank: rank), e = Shape.axis(end, rank: rank)
        return reshaped(Array(shape[..<s]) + [shape[s...e].reduce(1, *)] + Array(shape[(e + 1)...]))
    }

    /// Inserts an axis of extent 1 at `axis`.
    public func unsqueezed(_ axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        var s = shape; s.insert(1, at: a)
        return reshaped(s)
    }

    /// Removes an axis of extent 1.
    public func squeezed(_ axis: Int) -> Tensor {
        let a = Shape.axis(axis, rank: rank, op: "squeeze")
        precondition(shape[a] == 1, "squeeze: axis \(axis) of shape \(shape) is not 1")
        var s = shape; s.remove(at: a)
        return reshaped(s)
    }

    /// Reorders the axes: `result.shape[i] == shape[perm[i]]`.
    public func permuted(_ perm: [Int]) -> Tensor {
        precondition(perm.sorted() == Array(0..<rank), "permute: \(perm) is not a permutation of the axes of \(shape)")
        if perm == Array(0..<rank) { return self }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return Tensor.result("permute", shape: perm.map { shape[$0] }, storage: permuteKernel(self, perm),
                             inputs: [self]) { g in [g.permuted(inverse)] }
    }

    /// Swaps two axes (default: the last two).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var perm = Array(0..<rank)
        perm.swapAt(Shape.axis(a, rank: rank, op: "transpose"), Shape.axis(b, rank: rank, op: "transpose"))
        return permuted(perm)
    }

    /// Broadcasts to `target` (NumPy rules), materialising the copy.
    public func expand(to target: [Int]) -> Tensor {
        if target == shape { return self }
        guard Shape.broadcast(shape, target) == target else {
            shapeFailure("expand", "cannot expand \(shape) to \(target)")
        }
        let zero = Tensor(shape: target, storage: TensorStorage(repeating: 0, count: Shape.count(target)))
        let (s, _) = zipKernel(zero, self, op: "expand") { _, b in b }
        let inShape = shape
        return Tensor.result("expand", shape: target, storage: s, inputs: [self]) { g in [g.sumToShape(inShape)] }
    }

    /// Elements `start..<end` (step `step`) along `axis`.
    public func slice(axis: Int, start: Int, end: Int, step: Int = 1) -> Tensor {
        let a = Shape.axis(axis, rank: rank, op: "slice")
        precondition(step > 0, "slice: step must be positive")
        precondition(0 <= start && start <= end && end <= shape[a],
                     "slice: range \(start)..<\(end) out of bounds for axis \(axis) of shape \(shape)")
        let n = (end - start + step - 1) / step
        var outShape = shape; outShape[a] = n
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *), len = shape[a]
        let out = TensorStorage(uninitializedCount: Shape.count(outShape))
        let src = storage.pointer, dst = out.pointer
        for o in 0..<outer {
            for k in 0..<n {
                (dst + (o * n + k) * inner).update(from: src + (o * len + start + k * step) * inner, count: inner)
            }
        }
        let inShape = shape
        return Tensor.result("slice", shape: outShape, storage: out, inputs: [self]) { g in
            let gi = TensorStorage(repeating: 0, count: Shape.count(inShape))
            let pg = g.storage.pointer
            for o in 0..<outer {
                for k in 0..<n {
                    (gi.pointer + (o * len + start + k * step) * inner).update(from: pg + (o * n + k) * inner, count: inner)
                }
            }
            return [Tensor(shape: inShape, storage: gi)]
        }
    }

    /// Joins tensors along `axis`; all other extents must match.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors")
        let first = tensors[0]
        let a = Shape.axis(axis, rank: first.rank, op: "concat")
        for t in tensors where t.rank != first.rank || t.shape.enumerated().contains(where: { $0.offset != a && $0.element != first.shape[$0.offset] }) {
            shapeFailure("concat", "shapes \(first.shape) and \(t.shape) differ off axis \(axis)")
        }
        let sizes = tensors.map { $0.shape[a] }
        let total = sizes.reduce(0, +)
        var outShape = first.shape; outShape[a] = total
        let outer = first.shape[..<a].reduce(1, *), inner = first.shape[(a + 1)...].reduce(1, *)
        let out = TensorStorage(uninitializedCount: Shape.count(outShape))
        var offset = 0
        for (t, n) in zip(tensors, sizes) {
            for o in 0..<outer {
                (out.pointer + (o * total + offset) * inner).update(from: t.storage.pointer + o * n * inner, count: n * inner)
            }
            offset += n
        }
        return result("concat", shape: outShape, storage: out, inputs: tensors) { g in
            var start = 0
            return sizes.map { n in
                defer { start += n }
                return g.slice(axis: a, start: start, end: start + n)
            }
        }
    }

    /// Stacks equal-shaped tensors along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: no tensors")
        for t in tensors where t.shape != tensors[0].shape {
            shapeFailure("stack", "shapes \(tensors[0].shape) and \(t.shape) differ")
        }
        return concat(tensors.map { $0.unsqueezed(axis) }, axis: axis)
    }

    /// Splits into `parts` equal chunks along `axis`.
    public func chunked(_ parts: Int, axis: Int) -> [Tensor] {
        let a = Shape.axis(axis, rank: rank, op: "chunk")
        precondition(shape[a] % parts == 0, "chunk: axis \(axis) of \(shape) not divisible by \(parts)")
        let n = shape[a] / parts
        return (0..<parts).map { slice(axis: a, start: $0 * n, end: ($0 + 1) * n) }
    }

    /// Pads with a constant: `padding[i] = (before, after)` for axis i (fewer entries pad the leading axes only).
    public func padded(_ padding: [(Int, Int)], value: Float = 0) -> Tensor {
        precondition(padding.count <= rank, "pad: \(padding.count) paddings for shape \(shape)")
        let pads = padding + Array(repeating: (0, 0), count: rank - padding.count)
        precondition(pads.allSatisfy { $0.0 >= 0 && $0.1 >= 0 }, "pad: negative padding")
        var result = self
        for (axis, (before, after)) in pads.enumerated() where before > 0 || after > 0 {
            var parts: [Tensor] = []
            var s = result.shape
            if before > 0 { s[axis] = before; parts.append(Tensor(repeating: value, shape: s)) }
            parts.append(result)
            if after > 0 { s[axis] = after; parts.append(Tensor(repeating: value, shape: s)) }
            result = Tensor.concat(parts, axis: axis)
        }
        return result
    }

    /// PyTorch's `gather`: `out[…, i, …] = self[…, index[…, i, …], …]` along `axis`.
    ///
    /// `index` holds integer values (as Floats) and has the shape of the result; it must match `self` on
    /// every axis but `axis`.
    public func gather(axis: Int, index: Tensor) -> Tensor {
        let a = Shape.axis(axis, rank: rank, op: "gather")
        precondition(index.rank == rank && index.shape.enumerated().allSatisfy { $0.offset == a || $0.element == shape[$0.offset] },
                     "gather: index shape \(index.shape) does not fit \(shape) on axis \(axis)")
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        let n = shape[a], m = index.shape[a]
        let out = TensorStorage(uninitializedCount: index.count)
        let src = storage.pointer, idx = index.storage.pointer, dst = out.pointer
        for o in 0..<outer {
            for k in 0..<m {
                for j in 0..<inner {
                    let p = (o * m + k) * inner + j
                    let i = Int(idx[p])
                    precondition(i >= 0 && i < n, "gather: index \(i) out of range 0..<\(n)")
                    dst[p] = src[(o * n + i) * inner + j]
                }
            }
        }
        let inShape = shape, ind = index.detached()
        return Tensor.result("gather", shape: index.shape, storage: out, inputs: [self]) { g in
            let gi = TensorStorage(repeating: 0, count: Shape.count(inShape))
            let pg = g.storage.pointer, idx = ind.storage.pointer
            for o in 0..<outer {
                for k in 0..<m {
                    for j in 0..<inner {
                        let p = (o * m + k) * inner + j
                        gi.pointer[(o * n + Int(idx[p])) * inner + j] += pg[p]
                    }
                }
            }
            return [Tensor(shape: inShape, storage: gi)]
        }
    }

    /// Selects entries `indices` along `axis` (repeats allowed; their gradients add up).
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        let a = Shape.axis(axis, rank: rank, op: "index_select")
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *), n = shape[a]
        for i in indices where i < 0 || i >= n {
            shapeFailure("index_select", "index \(i) out of range 0..<\(n) on axis \(axis) of \(shape)")
        }
        var outShape = shape; outShape[a] = indices.count
        let m = indices.count
        let out = TensorStorage(uninitializedCount: Shape.count(outShape))
        for o in 0..<outer {
            for (k, i) in indices.enumerated() {
                (out.pointer + (o * m + k) * inner).update(from: storage.pointer + (o * n + i) * inner, count: inner)
            }
        }
        let inShape = shape
        return Tensor.result("index_select", shape: outShape, storage: out, inputs: [self]) { g in
            let gi = TensorStorage(repeating: 0, count: Shape.count(inShape))
            let pg = g.storage.pointer
            for o in 0..<outer {
                for (k, i) in indices.enumerated() {
                    let d = gi.pointer + (o * n + i) * inner, s = pg + (o * m + k) * inner
                    for j in 0..<inner { d[j] += s[j] }
                }
            }
            return [Tensor(shape: inShape, storage: gi)]
        }
    }
}
