import Testing
@testable import Tensor

/// One differentiable op under test: a name, input factories and the function.
struct OpCase: CustomTestStringConvertible, Sendable {
    let name: String
    let inputs: @Sendable () -> [Tensor]
    let f: @Sendable ([Tensor]) -> Tensor
    var testDescription: String { name }
}

private func op(_ name: String, _ inputs: @escaping @Sendable () -> [Tensor], _ f: @escaping @Sendable ([Tensor]) -> Tensor) -> OpCase {
    OpCase(name: name, inputs: inputs, f: f)
}

/// Every differentiable primitive and composite, with odd shapes and broadcasting.
let opCases: [OpCase] = [
    op("add broadcast", { [randn([3, 1], seed: 1), randn([1, 4], seed: 2)] }) { $0[0] + $0[1] },
    op("sub broadcast rank", { [randn([2, 3, 4], seed: 1), randn([4], seed: 2)] }) { $0[0] - $0[1] },
    op("mul broadcast", { [randn([2, 1, 3], seed: 1), randn([4, 1], seed: 2)] }) { $0[0] * $0[1] },
    op("div", { [randn([3, 4], seed: 1), positive([3, 4], seed: 2)] }) { $0[0] / $0[1] },
    op("pow tensor", { [positive([2, 3], seed: 1), randn([2, 3], seed: 2)] }) { $0[0].pow($0[1]) },
    op("maximum", { [randn([3, 4], seed: 1), randn([4], seed: 2)] }) { $0[0].maximum($0[1]) },
    op("minimum", { [randn([3, 4], seed: 1), randn([3, 1], seed: 2)] }) { $0[0].minimum($0[1]) },
    op("scalar ops", { [positive([5], seed: 1)] }) { (2 - $0[0] * 3 + 1) / 2 + 1 / $0[0] },
    op("neg", { [randn([4], seed: 1)] }) { -$0[0] },
    op("exp", { [randn([2, 5], seed: 1)] }) { $0[0].exp() },
    op("log", { [positive([2, 5], seed: 1)] }) { $0[0].log() },
    op("sqrt", { [positive([7], seed: 1)] }) { $0[0].sqrt() },
    op("abs", { [awayFromZero([9], seed: 1)] }) { $0[0].abs() },
    op("square", { [randn([9], seed: 1)] }) { $0[0].square() },
    op("pow scalar", { [positive([6], seed: 1)] }) { $0[0].pow(2.5) },
    op("tanh", { [randn([3, 11], seed: 1)] }) { $0[0].tanh() },
    op("sigmoid", { [randn([3, 11], seed: 1)] }) { $0[0].sigmoid() },
    op("relu", { [awayFromZero([10], seed: 1)] }) { $0[0].relu() },
    op("leaky relu", { [awayFromZero([10], seed: 1)] }) { $0[0].leakyRelu(0.1) },
    op("gelu", { [randn([10], seed: 1)] }) { $0[0].gelu() },
    op("clamp", { [awayFromZero([10], seed: 1)] }) { $0[0].clamp(min: -0.7, max: 0.65) },
    op("softplus", { [randn([10], seed: 1)] }) { $0[0].softplus() },
    op("sin cos", { [randn([10], seed: 1)] }) { $0[0].sin() * $0[0].cos() },
    op("where", { [randn([3, 4], seed: 1), randn([4], seed: 2)] }) { Tensor.where($0[0].gt(0), $0[0], $0[1]) },
    op("sum axes keepdims", { [randn([2, 3, 4], seed: 1)] }) { $0[0].sum(axes: [0, 2], keepDims: true) },
    op("sum all", { [randn([2, 3], seed: 1)] }) { $0[0].sum() },
    op("mean axis", { [randn([2, 3, 4], seed: 1)] }) { $0[0].mean(axis: 1) },
    op("variance", { [randn([3, 5], seed: 1)] }) { $0[0].variance(axes: [1], keepDims: false) },
    op("max axis", { [randn([3, 5], seed: 1)] }) { $0[0].max(axis: 1) },
    op("min axes", { [randn([2, 3, 4], seed: 1)] }) { $0[0].min(axes: [0, 2], keepDims: true) },
    op("logsumexp", { [randn([3, 5], seed: 1)] }) { $0[0].logSumExp(axes: [1]) },
    op("softmax last", { [randn([3, 5], seed: 1)] }) { $0[0].softmax() },
    op("softmax axis 0", { [randn([3, 5], seed: 1)] }) { $0[0].softmax(axis: 0) },
    op("log softmax", { [randn([2, 3, 5], seed: 1)] }) { $0[0].logSoftmax(axis: 1) },
    op("matmul", { [randn([3, 4], seed: 1), randn([4, 5], seed: 2)] }) { $0[0].matmul($0[1]) },
    op("matmul flattened", { [randn([2, 3, 4], seed: 1), randn([4, 2], seed: 2)] }) { $0[0].matmul($0[1]) },
    op("matmul batched broadcast", { [randn([2, 1, 3, 4], seed: 1), randn([3, 4, 2], seed: 2)] }) { $0[0].matmul($0[1]) },
    op("linear", { [randn([2, 3, 4], seed: 1), randn([5, 4], seed: 2), randn([5], seed: 3)] }) {
        Tensor.linear($0[0], weight: $0[1], bias: $0[2])
    },
    op("reshape transpose", { [randn([2, 6], seed: 1)] }) { $0[0].reshaped([3, 4]).transposed() * 1 },
    op("permute", { [randn([2, 3, 4], seed: 1)] }) { $0[0].permuted([2, 0, 1]) },
    op("expand", { [randn([3, 1], seed: 1)] }) { $0[0].expand(to: [2, 3, 4]) },
    op("slice step", { [randn([3, 7], seed: 1)] }) { $0[0].slice(axis: 1, start: 1, end: 7, step: 2) },
    op("concat", { [randn([2, 3], seed: 1), randn([2, 2], seed: 2)] }) { Tensor.concat([$0[0], $0[1], $0[0]], axis: 1) },
    op("stack", { [randn([2, 3], seed: 1), randn([2, 3], seed: 2)] }) { Tensor.stack([$0[0], $0[1]], axis: 1) },
    op("pad", { [randn([2, 3], seed: 1)] }) { $0[0].padded([(1, 0), (2, 1)], value: 0.5) },
    op("gather", { [randn([3, 4], seed: 1)] }) {
        $0[0].gather(axis: 1, index: Tensor([0, 3, 3, 1, 2, 2], shape: [3, 2]))
    },
    op("index select", { [randn([4, 3], seed: 1)] }) { $0[0].indexSelect(axis: 0, indices: [2, 0, 2]) },
    op("conv2d stride pad", { [randn([2, 2, 5, 6], seed: 1), randn([3, 2, 3, 3], seed: 2), randn([3], seed: 3)] }) {
        Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 1), padding: (1, 1))
    },
    op("conv2d dilation", { [randn([1, 2, 6, 6], seed: 1), randn([2, 2, 2, 3], seed: 2)] }) {
        Tensor.conv2d($0[0], weight: $0[1], dilation: (2, 1))
    },
    op("conv transpose2d", { [randn([2, 3, 3, 2], seed: 1), randn([3, 2, 4, 3], seed: 2), randn([2], seed: 3)] }) {
        Tensor.convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 1), padding: (1, 0), outputPadding: (1, 0))
    },
    op("max pool", { [randn([1, 2, 5, 5], seed: 1)] }) { $0[0].maxPool2d(kernel: (2, 2), stride: (2, 2), padding: (1, 1)) },
    op("avg pool", { [randn([1, 2, 5, 4], seed: 1)] }) { $0[0].avgPool2d(kernel: (3, 2), stride: (1, 2)) },
    op("upsample nearest", { [randn([1, 2, 3, 2], seed: 1)] }) { $0[0].upsampleNearest(size: (6, 5)) },
    op("upsample bilinear", { [randn([1, 2, 3, 4], seed: 1)] }) { $0[0].upsampleBilinear(size: (7, 5)) },
    op("dropout", { [randn([4, 5], seed: 1)] }) {
        var rng = RandomGenerator(seed: 5)
        return $0[0].dropout(0.3, training: true, rng: &rng)
    },
    op("lstm", { [randn([2, 3, 2], seed: 1), randn([2, 3], seed: 2), randn([2, 3], seed: 3),
                  randn([12, 2], seed: 4) * 0.5, randn([12, 3], seed: 5) * 0.5, randn([12], seed: 6), randn([12], seed: 7)] }) { t in
        let r = Tensor.lstm(t[0], h0: t[1], c0: t[2], weightIH: t[3], weightHH: t[4], biasIH: t[5], biasHH: t[6])
        return Tensor.concat([r.output.flattened(), r.h.flattened() * 2, r.c.flattened() * 3], axis: 0)
    },
    // Hidden size 16: both recurrent products (64 and 16 columns) run on the small-product kernel on AVX-512 CPUs.
    op("lstm hidden 16", { [randn([3, 4, 2], seed: 1), randn([3, 16], seed: 2), randn([3, 16], seed: 3),
                  randn([64, 2], seed: 4) * 0.5, randn([64, 16], seed: 5) * 0.3, randn([64], seed: 6), randn([64], seed: 7)] }) { t in
        let r = Tensor.lstm(t[0], h0: t[1], c0: t[2], weightIH: t[3], weightHH: t[4], biasIH: t[5], biasHH: t[6])
        return Tensor.concat([r.output.flattened(), r.h.flattened() * 2, r.c.flattened() * 3], axis: 0)
    },
    op("cross entropy hard", { [randn([3, 4], seed: 1)] }) { Loss.crossEntropy($0[0], classes: [1, 0, 3]) },
    op("cross entropy soft", { [randn([3, 4], seed: 1), positive([3, 4], seed: 2).softmax()] }) {
        Loss.crossEntropy($0[0], probabilities: $0[1])
    },
    op("kl batchmean", { [randn([3, 4], seed: 1), positive([3, 4], seed: 2)] }) {
        Loss.klDivergence(logInput: $0[0].logSoftmax(), target: $0[1].softmax())
    },
    op("kl with logits rows", { [randn([2, 3, 4], seed: 1), positive([2, 3, 4], seed: 2).softmax()] }) {
        Loss.klDivergence(logits: $0[0], target: $0[1])
    },
    op("bce", { [positive([5], seed: 1) * 0.4, positive([5], seed: 2) * 0.5] }) { Loss.binaryCrossEntropy($0[0], $0[1]) },
    op("bce logits", { [randn([5], seed: 1), positive([5], seed: 2) * 0.5] }) {
        Loss.binaryCrossEntropyWithLogits($0[0], $0[1])
    },
    op("smooth l1", { [awayFromZero([8], seed: 1) * 2, Tensor.zeros([8])] }) { Loss.smoothL1($0[0], $0[1]) },
    op("mse", { [randn([8], seed: 1), randn([8], seed: 2)] }) { Loss.mse($0[0], $0[1]) },
]

@Suite("Finite-difference gradient checks")
struct GradientTests {
    @Test(arguments: opCases)
    func matchesFiniteDifferences(_ c: OpCase) {
        gradCheck(c.name, c.inputs(), c.f)
    }

    @Test func layersMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 3)
        let bn = BatchNorm2d(2)
        gradCheck("batch norm train", [randn([3, 2, 2, 2], seed: 1)]) { bn($0[0]) }
        let ln = LayerNorm(5)
        gradCheck("layer norm", [randn([3, 5], seed: 1)]) { ln($0[0]) }
        let ln2 = LayerNorm([2, 3])
        try! ln2.load(stateDict: ["weight": randn([2, 3], seed: 4), "bias": randn([2, 3], seed: 5)])
        gradCheck("layer norm over two axes", [randn([4, 2, 3], seed: 6)]) { ln2($0[0]) }
        gradCheck("layer norm weight and bias", [ln2.weight, ln2.bias]) { _ in ln2(randn([4, 2, 3], seed: 7)) }
        let gru = GRU(inputSize: 2, hiddenSize: 3, rng: &rng)
        gradCheck("gru", [randn([2, 3, 2], seed: 1), randn([2, 3], seed: 2)]) { gru($0[0], h0: $0[1]).0 }
        let mha = MultiHeadAttention(embedDim: 4, numHeads: 2, rng: &rng)
        gradCheck("attention", [randn([2, 3, 4], seed: 1), randn([2, 2, 4], seed: 2)]) {
            mha(query: $0[0], key: $0[1], value: $0[1]).0
        }
        let conv = Conv2d(2, 3, kernel: 3, padding: 1, rng: &rng)
        gradCheck("conv2d layer weight", [conv.weight]) { _ in conv(randn([1, 2, 4, 4], seed: 8)) }
    }
}
