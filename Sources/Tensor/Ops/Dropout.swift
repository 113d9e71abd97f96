extension Tensor {
    /// Inverted dropout: zeroes each element with probability `p` and scales the rest by 1/(1−p).
    public func dropout(_ p: Float, training: Bool, rng: inout RandomGenerator) -> Tensor {
        guard training && p > 0 else { return self }
        precondition(p < 1, "dropout: p must be < 1, got \(p)")
        let n = count
        let mask = TensorStorage(uninitializedCount: n)
        let scale = 1 / (1 - p)
        // Eight 32-bit draws from four 64-bit words, compared as integers against p·2³² in one vector select.
        // (A scalar `draw < threshold ? 0 : scale` compiles to a branch that mispredicts half the time.)
        let threshold = SIMD8<UInt32>(repeating: UInt32(Swift.min(Double(p) * 4_294_967_296, 4_294_967_295)))
        let kept = SIMD8<Float>(repeating: scale)
        var local = rng
        let pm = mask.pointer
        var i = 0
        while i < n {
            let words = SIMD4<UInt64>(local.next(), local.next(), local.next(), local.next())
            let draws = unsafeBitCast(words, to: SIMD8<UInt32>.self)
            let m = kept.replacing(with: 0, where: draws .< threshold)
            if i + 8 <= n {
                UnsafeMutableRawPointer(pm + i).storeBytes(of: m, as: SIMD8<Float>.self)
            } else {
                for k in 0..<(n - i) { pm[i + k] = m[k] }
            }
            i += 8
        }
        rng = local
        let (out, _) = zipKernel(self, Tensor(shape: shape, storage: mask), op: "dropout", *)

        return Tensor.result("dropout", shape: shape, storage: out, inputs: [self]) { g in
            let (s, _) = zipKernel(g, Tensor(shape: g.shape, storage: mask), op: "dropout", *)
            return [Tensor(shape: g.shape, storage: s)]
        }
    }
}
