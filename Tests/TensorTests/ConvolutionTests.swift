import Testing
@testable import Tensor

/// Convolutions against the direct definition, on geometries chosen to hit every edge of the column windows:
/// strides 1–3, padding up to past the kernel's reach, dilation 1–2, kernels 1–5 and inputs smaller than them.
@Suite("Convolution windows")
struct ConvolutionTests {
    struct Geometry: CustomStringConvertible {
        var h, w, k, stride, padding, dilation: Int
        var description: String { "\(h)×\(w) k\(k) s\(stride) p\(padding) d\(dilation)" }
    }

    static let geometries: [Geometry] = {
        var g: [Geometry] = []
        for (h, w) in [(5, 7), (2, 3), (9, 4)] {
            for k in [1, 3, 5] { for stride in 1...3 { for padding in [0, 1, 3, 5] { for dilation in 1...2 {
                let reach = dilation * (k - 1) + 1
                if h + 2 * padding >= reach && w + 2 * padding >= reach { g.append(Geometry(h: h, w: w, k: k, stride: stride, padding: padding, dilation: dilation)) }
            } } } }
        }
        return g
    }()

    /// `conv2d` equals the sum over the window, and `convTranspose2d` scatters exactly what `conv2d` gathers
    /// (⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩ with the same weight).
    @Test func matchesTheDirectDefinitionAndItsAdjoint() {
        var rng = RandomGenerator(seed: 5)
        for g in Self.geometries {
            let (c, o, b) = (2, 3, 2)
            let x = Tensor.randn([b, c, g.h, g.w], rng: &rng), weight = Tensor.randn([o, c, g.k, g.k], rng: &rng)
            let y = Tensor.conv2d(x, weight: weight, stride: (g.stride, g.stride), padding: (g.padding, g.padding), dilation: (g.dilation, g.dilation))
            let oh = y.shape[2], ow = y.shape[3]
            let xs = x.scalars, ws = weight.scalars, ys = y.scalars
            var worst: Float = 0
            for n in 0..<b { for f in 0..<o { for i in 0..<oh { for j in 0..<ow {
                var sum: Float = 0
                for ch in 0..<c { for ki in 0..<g.k { for kj in 0..<g.k {
                    let yy = i * g.stride - g.padding + ki * g.dilation, xx = j * g.stride - g.padding + kj * g.dilation
                    guard yy >= 0, yy < g.h, xx >= 0, xx < g.w else { continue }
                    sum += xs[((n * c + ch) * g.h + yy) * g.w + xx] * ws[((f * c + ch) * g.k + ki) * g.k + kj]
                } } }
                worst = max(worst, abs(sum - ys[((n * o + f) * oh + i) * ow + j]))
            } } } }
            #expect(worst < 1e-4, "conv2d \(g): off by \(worst)")

            let probe = Tensor.randn(y.shape, rng: &rng)
            let back = Tensor.convTranspose2d(probe, weight: weight, stride: (g.stride, g.stride), padding: (g.padding, g.padding),
                                              outputPadding: (0, 0), dilation: (g.dilation, g.dilation))
            guard back.shape == x.shape else { continue }   // a stride that skips the last rows leaves convᵀ shorter
            let lhs = zip(ys, probe.scalars).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            let rhs = zip(xs, back.scalars).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(abs(lhs - rhs) < 1e-3 * max(1, abs(lhs)), "convTranspose2d \(g): ⟨conv x, y⟩ \(lhs) ≠ ⟨x, convᵀ y⟩ \(rhs)")
        }
    }
}

@Suite("Normalisation at inference")
struct InferenceNormalisationTests {
    /// Evaluation-mode batch norm gives the same values whether or not a graph is recorded (the unrecorded path
    /// is a single fused pass).
    @Test func batchNormEvaluationIsTheSameWithoutAGraph() throws {
        var rng = RandomGenerator(seed: 9)
        let bn = BatchNorm2d(3)
        try bn.load(stateDict: ["weight": Tensor.randn([3], rng: &rng), "bias": Tensor.randn([3], rng: &rng),
                                "running_mean": Tensor.randn([3], rng: &rng), "running_var": Tensor.randn([3], rng: &rng).square() + 0.5,
                                "num_batches_tracked": Tensor.zeros([])])
        bn.eval()
        let x = Tensor.randn([2, 3, 4, 5], rng: &rng)
        let recorded = bn(x).scalars, fused = noGrad { bn(x) }.scalars
        #expect(zip(recorded, fused).allSatisfy { abs($0 - $1) < 1e-5 })
    }
}
