import Testing
@testable import Tensor

/// Layers and optimisers against values produced by PyTorch (`Tests/Fixtures/make_golden.py`).
@Suite("PyTorch golden values")
struct GoldenTests {
    /// Backpropagates `Σ y ⊙ R` and compares every parameter gradient and the named input gradients.
    func checkGradients(_ c: [String: Tensor], _ module: Module, inputs: [String: Tensor], output y: Tensor,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        (y * c["R"]!).sum().backward()
        for (name, p) in module.namedParameters() {
            guard let expected = c["grad.\(name)"] else { continue }
            expectClose(p.grad ?? Tensor.zeros(p.shape), expected, atol: 1e-4, rtol: 1e-3, "grad \(name)",
                        sourceLocation: sourceLocation)
        }
        for (name, x) in inputs {
            expectClose(x.grad ?? Tensor.zeros(x.shape), c["grad_input.\(name)"]!, atol: 1e-4, rtol: 1e-3,
                        "grad input \(name)", sourceLocation: sourceLocation)
        }
    }

    @Test func fixturesArePresent() { #expect(golden.count > 100) }

    @Test func lstm() throws {
        let c = goldenCase("lstm")
        var rng = RandomGenerator(seed: 0)
        let m = LSTM(inputSize: 3, hiddenSize: 4, rng: &rng)
        try m.load(stateDict: goldenParams(c))
        let x = c["x"]!, h0 = c["h0"]!, c0 = c["c0"]!
        for t in [x, h0, c0] { t.requiresGrad = true }
        let (y, (hn, cn)) = m(x, state: (h0, c0))
        expectClose(y, c["y"]!, "output"); expectClose(hn, c["hn"]!, "h_n"); expectClose(cn, c["cn"]!, "c_n")
        let combined = y + hn.squeezed(0).unsqueezed(1) * 0.5 + cn.squeezed(0).unsqueezed(1) * 0.25
        checkGradients(c, m, inputs: ["x": x, "h0": h0, "c0": c0], output: combined)
    }

    @Test func gru() throws {
        let c = goldenCase("gru")
        var rng = RandomGenerator(seed: 0)
        let m = GRU(inputSize: 3, hiddenSize: 5, rng: &rng)
        try m.load(stateDict: goldenParams(c))
        let x = c["x"]!, h0 = c["h0"]!
        x.requiresGrad = true; h0.requiresGrad = true
        let (y, hn) = m(x, h0: h0.squeezed(0))
        expectClose(y, c["y"]!, "output"); expectClose(hn, c["hn"]!.squeezed(0), "h_n")
        checkGradients(c, m, inputs: ["x": x, "h0": h0], output: y)
    }

    @Test(arguments: [("conv2d", 2, 1, 1), ("conv2d_dil", 1, 2, 2)])
    func conv2d(_ name: String, _ stride: Int, _ padding: Int, _ dilation: Int) throws {
        let c = goldenCase(name)
        var rng = RandomGenerator(seed: 0)
        let m = Conv2d(3, 4, kernel: 3, stride: stride, padding: padding, dilation: dilation, rng: &rng)
        try m.load(stateDict: goldenParams(c))
        let x = c["x"]!; x.requiresGrad = true
        let y = m(x)
        expectClose(y, c["y"]!, "output")
        checkGradients(c, m, inputs: ["x": x], output: y)
    }

    @Test func convTranspose2d() throws {
        let c = goldenCase("convt")
        var rng = RandomGenerator(seed: 0)
        let m = ConvTranspose2d(4, 3, kernel: 4, stride: 2, padding: 1, rng: &rng)
        try m.load(stateDict: goldenParams(c))
        let x = c["x"]!; x.requiresGrad = true
        let y = m(x)
        expectClose(y, c["y"]!, "output")
        checkGradients(c, m, inputs: ["x": x], output: y)
    }

    @Test func batchNorm2d() throws {
        let c = goldenCase("bn")
        let m = BatchNorm2d(4)
        try m.load(stateDict: goldenParams(c), strict: false)
        let x = c["x"]!; x.requiresGrad = true
        let y = m(x)
        expectClose(y, c["y"]!, "train output")
        expectClose(m.runningMean, c["running_mean_after"]!, "running mean")
        expectClose(m.runningVar, c["running_var_after"]!, "running var")
        checkGradients(c, m, inputs: ["x": x], output: y)
        m.eval()
        expectClose(m(c["x_eval"]!), c["y_eval"]!, "eval output")
    }

    @Test func layerNorm() throws {
        let c = goldenCase("ln")
        let m = LayerNorm(8)
        try m.load(stateDict: goldenParams(c))
        let x = c["x"]!; x.requiresGrad = true
        let y = m(x)
        expectClose(y, c["y"]!, "output")
        checkGradients(c, m, inputs: ["x": x], output: y)
    }

    @Test func multiHeadAttention() throws {
        let c = goldenCase("mha")
        var rng = RandomGenerator(seed: 0)
        let m = MultiHeadAttention(embedDim: 16, numHeads: 4, rng: &rng)
        try m.load(stateDict: goldenParams(c))
        let q = c["q"]!, kv = c["kv"]!
        q.requiresGrad = true; kv.requiresGrad = true
        let (y, w) = m(query: q, key: kv, value: kv)
        expectClose(y, c["y"]!, "output"); expectClose(w, c["weights"]!, "weights")
        checkGradients(c, m, inputs: ["q": q, "kv": kv], output: y)
    }

    @Test func transformerEncoderLayer() throws {
        let c = goldenCase("enc")
        var rng = RandomGenerator(seed: 0)
        let m = TransformerEncoderLayer(dModel: 16, numHeads: 4, dimFeedforward: 32, rng: &rng)
        try m.load(stateDict: goldenParams(c))
        m.eval()
        let x = c["x"]!; x.requiresGrad = true
        let y = m(x)
        expectClose(y, c["y"]!, atol: 3e-5, "output")
        checkGradients(c, m, inputs: ["x": x], output: y)
    }

    @Test func transformerDecoderLayer() throws {
        let c = goldenCase("dec")
        var rng = RandomGenerator(seed: 0)
        let m = TransformerDecoderLayer(dModel: 16, numHeads: 4, dimFeedforward: 32, rng: &rng)
        try m.load(stateDict: goldenParams(c))
        m.eval()
        let t = c["t"]!, mem = c["m"]!
        t.requiresGrad = true; mem.requiresGrad = true
        let y = m(t, memory: mem)
        expectClose(y, c["y"]!, atol: 3e-5, "output")
        checkGradients(c, m, inputs: ["t": t, "m": mem], output: y)
    }

    @Test(arguments: [("bilinear_up", 9, 11), ("bilinear_down", 3, 4)])
    func bilinear(_ name: String, _ h: Int, _ w: Int) {
        let c = goldenCase(name)
        let x = c["x"]!; x.requiresGrad = true
        let y = x.upsampleBilinear(size: (h, w))
        expectClose(y, c["y"]!, "output")
        (y * c["R"]!).sum().backward()
        expectClose(x.grad!, c["grad_input.x"]!, atol: 1e-4, "grad")
    }

    @Test(arguments: ["sgd", "sgd_momentum", "sgd_nesterov", "adam", "adamw", "rmsprop", "rmsprop_centered"])
    func optimizerSteps(_ name: String) {
        let c = goldenCase("optim")
        let p = c["p0"]!.copy()
        p.requiresGrad = true
        let opt: Optimizer = switch name {
        case "sgd": SGD(parameters: [p], learningRate: 0.1)
        case "sgd_momentum": SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01)
        case "sgd_nesterov": SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true)
        case "adam": Adam(parameters: [p], learningRate: 0.01, weightDecay: 0.01)
        case "adamw": AdamW(parameters: [p], learningRate: 0.01, weightDecay: 0.1)
        case "rmsprop": RMSprop(parameters: [p], learningRate: 1e-3, weightDecay: 1e-4, momentum: 0.9)
        default: RMSprop(parameters: [p], learningRate: 1e-2, alpha: 0.9, centered: true)
        }
        let grads = c["grads"]!, trace = c[name]!
        for k in 0..<3 {
            p.grad = grads.slice(axis: 0, start: k, end: k + 1).reshaped([7])
            opt.step()
            expectClose(p, trace.slice(axis: 0, start: k, end: k + 1).reshaped([7]), atol: 1e-6, rtol: 1e-5, "\(name) step \(k + 1)")
        }
    }
}
