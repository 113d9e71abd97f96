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
