import Foundation
import Testing
@testable import Tensor

@Suite("SIMD math kernels")
struct FastMathTests {
    /// Relative error of the vector kernels against libm over a wide range.
    @Test func kernelsMatchLibm() {
        var worstExp: Float = 0, worstLog: Float = 0, worstTanh: Float = 0, worstSigmoid: Float = 0
        var x: Float = -80
        while x < 80 {
            let v = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0173 })
            let e = simdExp(v), t = simdTanh(v), s = simdSigmoid(v)
            let positive = SIMD8<Float>((0..<8).map { Foundation.exp((x + Float($0) * 0.0173) / 4) })
            let l = simdLog(positive)
            for k in 0..<8 {
                worstExp = max(worstExp, abs(e[k] - Foundation.exp(v[k])) / Foundation.exp(v[k]))
                worstTanh = max(worstTanh, abs(t[k] - Foundation.tanh(v[k])))
                worstSigmoid = max(worstSigmoid, abs(s[k] - 1 / (1 + Foundation.exp(-v[k]))))
                worstLog = max(worstLog, abs(l[k] - Foundation.log(positive[k])) / max(1, abs(Foundation.log(positive[k]))))
            }
            x += 0.37
        }
        #expect(worstExp < 1e-6, "exp relative error \(worstExp)")
        #expect(worstLog < 1e-6, "log error \(worstLog)")
        #expect(worstTanh < 1e-6, "tanh absolute error \(worstTanh)")
        #expect(worstSigmoid < 1e-6, "sigmoid absolute error \(worstSigmoid)")
    }

    /// The fused KL-with-logits equals the composite definition, zeros in the target included.
    @Test func fusedKLMatchesDefinition() {
        let logits = randn([3, 4, 37], seed: 1)
        let target = positive([3, 4, 37], seed: 2).softmax()
        target.storage.pointer[5] = 0 // a zero probability contributes 0·log 0 = 0
        let fused = Loss.klDivergence(logits: logits, target: target).sum() * (1 / 3)
        let composite = Loss.klDivergence(logInput: logits.logSoftmax(), target: target)
        #expect(abs(fused.item - composite.item) < 1e-5 * max(1, abs(composite.item)))
    }
}

@Suite("LSTM cell kernel")
struct LSTMCellKernelTests {
    /// The C cell (vectorised for this CPU's widest instruction set) gives exactly the bits of the same step written
    /// with the Swift SIMD functions, over saturating and ordinary pre-activations, in both directions.
    @Test func cellMatchesTheSwiftDefinitionBitForBit() {
        var rng = RandomGenerator(seed: 21)
        let n = 37, stride = 40 // a tail past every vector width, gates further apart than the units
        let pre = Tensor.randn([4 * stride], std: 6, rng: &rng), cPrev = Tensor.randn([n], std: 2, rng: &rng)
        let dh = Tensor.randn([n], rng: &rng), dOut = Tensor.randn([n], rng: &rng), dc0 = Tensor.randn([n], rng: &rng)
        let gate = pre.copy()
        let c = Tensor.zeros([n]), tanhC = Tensor.zeros([n]), h = Tensor.zeros([n])
        lstmCellForward(gate: gate.storage.pointer, cPrev: cPrev.storage.pointer, c: c.storage.pointer,
                        tanhC: tanhC.storage.pointer, h: h.storage.pointer, size: n, stride: stride)
        let dc = dc0.copy(), dGates = Tensor.zeros([4 * stride])
        lstmCellBackward(gate: gate.storage.pointer, cPrev: cPrev.storage.pointer, tanhC: tanhC.storage.pointer,
                         dh: dh.storage.pointer, dOut: dOut.storage.pointer, dc: dc.storage.pointer,
                         dGates: dGates.storage.pointer, size: n, stride: stride)
        func one(_ f: (SIMD8<Float>) -> SIMD8<Float>, _ x: Float) -> Float { f(SIMD8(repeating: x))[0] }
        var mismatches = 0
        for j in 0..<n {
            let p = pre.storage.pointer
            let i = one(simdSigmoid, p[j]), f = one(simdSigmoid, p[stride + j])
            let g = one(simdTanh, p[2 * stride + j]), o = one(simdSigmoid, p[3 * stride + j])
            let cNew = f * cPrev.storage.pointer[j] + i * g, tc = one(simdTanh, cNew)
            let dhj = dh.storage.pointer[j] + dOut.storage.pointer[j]
            let dcj = dc0.storage.pointer[j] + dhj * o * (1 - tc * tc)
            let expected: [Float] = [i, f, g, o, cNew, tc, o * tc, dcj * g * i * (1 - i),
                                     dcj * cPrev.storage.pointer[j] * f * (1 - f), dcj * i * (1 - g * g),
                                     dhj * tc * o * (1 - o), dcj * f]
            let got: [Float] = [gate.storage.pointer[j], gate.storage.pointer[stride + j], gate.storage.pointer[2 * stride + j],
                                gate.storage.pointer[3 * stride + j], c.storage.pointer[j], tanhC.storage.pointer[j],
                                h.storage.pointer[j], dGates.storage.pointer[j], dGates.storage.pointer[stride + j],
                                dGates.storage.pointer[2 * stride + j], dGates.storage.pointer[3 * stride + j],
                                dc.storage.pointer[j]]
            mismatches += zip(expected, got).filter { $0.bitPattern != $1.bitPattern }.count
        }
        #expect(mismatches == 0)
        // Units past n (the padding between gates) are never written.
        #expect((n..<stride).allSatisfy { gate.storage.pointer[$0] == pre.storage.pointer[$0] && dGates.storage.pointer[$0] == 0 })
    }
}
