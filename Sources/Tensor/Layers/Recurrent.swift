/// A long short-term memory layer over batch-first sequences (PyTorch's `nn.LSTM(batch_first=True)`).
///
/// Parameters use PyTorch's names and layout (`weight_ih_l0 [4H, I]`, `weight_hh_l0 [4H, H]`, `bias_ih_l0`,
/// `bias_hh_l0`, gate order i, f, g, o). Each layer runs as one fused op (see ``Tensor/lstm(_:h0:c0:weightIH:weightHH:biasIH:biasHH:)``).
///
/// ```swift
/// let lstm = LSTM(inputSize: 3, hiddenSize: 128, rng: &rng)
/// let (out, (h, c)) = lstm(x)          // x: [B, T, 3] → out: [B, T, 128]
/// ```
public final class LSTM: Module {
    public let inputSize, hiddenSize, numLayers: Int
    /// Per layer: weight_ih, weight_hh, bias_ih, bias_hh.
    public let weights: [(ih: Tensor, hh: Tensor, bih: Tensor, bhh: Tensor)]

    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, rng: inout RandomGenerator) {
        self.inputSize = inputSize; self.hiddenSize = hiddenSize; self.numLayers = numLayers
        let k = 1 / Float(hiddenSize).squareRoot()
        weights = (0..<numLayers).map { l in
            (uniformParameter([4 * hiddenSize, l == 0 ? inputSize : hiddenSize], bound: k, rng: &rng),
             uniformParameter([4 * hiddenSize, hiddenSize], bound: k, rng: &rng),
             uniformParameter([4 * hiddenSize], bound: k, rng: &rng),
             uniformParameter([4 * hiddenSize], bound: k, rng: &rng))
        }
    }

    public override func ownParameters() -> [(String, Tensor)] {
        weights.enumerated().flatMap { l, w in
            [("weight_ih_l\(l)", w.ih), ("weight_hh_l\(l)", w.hh), ("bias_ih_l\(l)", w.bih), ("bias_hh_l\(l)", w.bhh)]
        }
    }

    /// Runs the sequence `x [B, T, I]` from `state` (`h, c: [numLayers, B, H]`; zeros when nil).
    ///
    /// - Returns: the top layer's outputs `[B, T, H]` and the final `(h, c)`, each `[numLayers, B, H]`.
    public func callAsFunction(_ x: Tensor, state: (h: Tensor, c: Tensor)? = nil) -> (Tensor, (h: Tensor, c: Tensor)) {
        let b = x.shape[0]
        var input = x
        var hs: [Tensor] = [], cs: [Tensor] = []
        for (l, w) in weights.enumerated() {
            let h0 = state.map { $0.h.slice(axis: 0, start: l, end: l + 1).reshaped([b, hiddenSize]) }
                ?? Tensor.zeros([b, hiddenSize])
            let c0 = state.map { $0.c.slice(axis: 0, start: l, end: l + 1).reshaped([b, hiddenSize]) }
                ?? Tensor.zeros([b, hiddenSize])
            let r = Tensor.lstm(input, h0: h0, c0: c0, weightIH: w.ih, weightHH: w.hh, biasIH: w.bih, biasHH: w.bhh)
            input = r.output
            hs.append(r.h); cs.append(r.c)
        }
        return (input, (Tensor.stack(hs), Tensor.stack(cs)))
    }
}

/// A gated recurrent unit layer over batch-first sequences (PyTorch's `nn.GRU(batch_first=True)`, gates r, z, n).
///
/// `r = σ(W_ir x + b_ir + W_hr h + b_hr)`, `z = σ(W_iz x + b_iz + W_hz h + b_hz)`,
/// `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`, `h' = (1 − z) ⊙ n + z ⊙ h`. Composed from primitive ops,
/// so its gradient comes from theirs.
public final class GRU: Module {
    public let inputSize, hiddenSize: Int
    public let weightIH, weightHH, biasIH, biasHH: Tensor

    public init(inputSize: Int, hiddenSize: Int, rng: inout RandomGenerator) {
        self.inputSize = inputSize; self.hiddenSize = hiddenSize
        let k = 1 / Float(hiddenSize).squareRoot()
        weightIH = uniformParameter([3 * hiddenSize, inputSize], bound: k, rng: &rng)
        weightHH = uniformParameter([3 * hiddenSize, hiddenSize], bound: k, rng: &rng)
        biasIH = uniformParameter([3 * hiddenSize], bound: k, rng: &rng)
        biasHH = uniformParameter([3 * hiddenSize], bound: k, rng: &rng)
    }

    public override func ownParameters() -> [(String, Tensor)] {
        [("weight_ih_l0", weightIH), ("weight_hh_l0", weightHH), ("bias_ih_l0", biasIH), ("bias_hh_l0", biasHH)]
    }

    /// Runs `x [B, T, I]` from `h0 [B, H]` (zeros when nil); returns outputs `[B, T, H]` and the final `h`.
    public func callAsFunction(_ x: Tensor, h0: Tensor? = nil) -> (Tensor, Tensor) {
        let b = x.shape[0], t = x.shape[1], hd = hiddenSize
        let projected = Tensor.linear(x, weight: weightIH, bias: biasIH) // [B, T, 3H]
        var h = h0 ?? Tensor.zeros([b, hd])
        var outputs: [Tensor] = []
        for step in 0..<t {
            let gi = projected.slice(axis: 1, start: step, end: step + 1).reshaped([b, 3 * hd]).chunked(3, axis: 1)
            let gh = Tensor.linear(h, weight: weightHH, bias: biasHH).chunked(3, axis: 1)
            let r = (gi[0] + gh[0]).sigmoid(), z = (gi[1] + gh[1]).sigmoid()
            let n = (gi[2] + r * gh[2]).tanh()
            h = (1 - z) * n + z * h
            outputs.append(h)
        }
        return (Tensor.stack(outputs, axis: 1), h)
    }
}
