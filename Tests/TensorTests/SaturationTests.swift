import Foundation
import Testing
@testable import Tensor

@Suite("Saturated probabilities")
struct SaturationTests {
    /// A sigmoid saturates to exactly 1 in Float32 (and probabilities can be exactly 0): the BCE keeps
    /// PyTorch's −100-clamped values there, and its gradient must stay finite instead of log′(0) × 0 = NaN.
    @Test func binaryCrossEntropyAtExactZeroAndOneHasPyTorchsValueAndAFiniteGradient() {
        let logits = Tensor([30], shape: [1], requiresGrad: true)
        #expect(logits.sigmoid().item == 1, "the sigmoid saturates")
        let p = Tensor([0, 0.5, 1, 1], shape: [4], requiresGrad: true)
        let loss = Loss.binaryCrossEntropy(p, Tensor([1, 1, 0, 1], shape: [4])) + Loss.binaryCrossEntropy(logits.sigmoid(), Tensor([0], shape: [1]))
        loss.backward()
        // Two saturated mistakes cost 100 each (PyTorch's clamp), ln 2 for the half, 0 for the right one; plus 100.
        #expect(abs(Double(loss.item) - ((200 + log(2.0)) / 4 + 100)) < 1e-3, "\(loss.item)")
        let finite = (p.grad!.scalars + logits.grad!.scalars).allSatisfy { $0.isFinite }
        #expect(finite, "\(p.grad!.scalars) \(logits.grad!.scalars)")
        #expect(abs(p.grad!.scalars[1] + 0.5) < 1e-5, "the unsaturated element keeps −y/p/N = −0.5")
    }
}
