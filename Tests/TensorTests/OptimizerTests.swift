import Foundation
import Testing
@testable import Tensor

@Suite("Optimisers, schedules and checkpoint resume")
struct OptimizerTests {
    @Test func adamFitsXOR() {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential([Linear(2, 8, rng: &rng), Activation { $0.tanh() }, Linear(8, 1, rng: &rng)])
        let x = Tensor([0, 0, 0, 1, 1, 0, 1, 1], shape: [4, 2]), y = Tensor([0, 1, 1, 0], shape: [4, 1])
        let opt = Adam(parameters: model.parameters(), learningRate: 0.05)
        var loss: Float = 1
        for _ in 0..<300 {
            opt.zeroGrad()
            let l = Loss.binaryCrossEntropyWithLogits(model(x), y)
            l.backward()
            opt.step()
            loss = l.item
        }
        #expect(loss < 0.05)
    }

    /// Adam, AdamW and RMSprop with momentum update through vectorised C loops; three steps of each give exactly
    /// the bits of the scalar definition (PyTorch's update, operation for operation), tail elements included.
    @Test func vectorisedUpdatesMatchTheScalarDefinition() {
        let n = 1003
        func run(_ make: ([Tensor]) -> Optimizer) -> [Float] {
            var rng = RandomGenerator(seed: 8)
            let w = Tensor.randn([n], rng: &rng), optimizer = make([w])
            for _ in 0..<3 { w.grad = Tensor.randn([n], rng: &rng); optimizer.step() }
            return w.scalars
        }
        func reference(adam decoupled: Bool?) -> [Float] { // nil: RMSprop
            var rng = RandomGenerator(seed: 8)
            var p = Tensor.randn([n], rng: &rng).scalars
            var m = [Float](repeating: 0, count: n), v = m
            let lr: Float = 0.01, wd: Float = 0.1, b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
            for t in 1...3 {
                let g = Tensor.randn([n], rng: &rng).scalars
                for i in 0..<n {
                    if let decoupled {
                        let bc1 = 1 - Foundation.pow(b1, Float(t)), bc2 = 1 - Foundation.pow(b2, Float(t))
                        var grad = g[i]
                        if decoupled { p[i] *= 1 - lr * wd } else { grad += wd * p[i] }
                        m[i] = b1 * m[i] + (1 - b1) * grad
                        v[i] = b2 * v[i] + (1 - b2) * grad * grad
                        p[i] -= lr / bc1 * m[i] / (v[i].squareRoot() / bc2.squareRoot() + eps)
                    } else { // m: square average, v: momentum buffer; alpha 0.99, momentum 0.9
                        let grad = g[i] + wd * p[i]
                        m[i] = 0.99 * m[i] + (1 - 0.99) * grad * grad
                        v[i] = 0.9 * v[i] + grad / (m[i].squareRoot() + eps)
                        p[i] -= lr * v[i]
                    }
                }
            }
            return p
        }
        let adam = run { Adam(parameters: $0, learningRate: 0.01, weightDecay: 0.1) }
        let adamW = run { AdamW(parameters: $0, learningRate: 0.01, weightDecay: 0.1) }
        let rms = run { RMSprop(parameters: $0, learningRate: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0.1, momentum: 0.9) }
        for (name, got, want) in [("adam", adam, reference(adam: false)), ("adamw", adamW, reference(adam: true)),
                                  ("rmsprop", rms, reference(adam: nil))] {
            #expect(zip(got, want).filter { $0.bitPattern != $1.bitPattern }.count == 0, "\(name)")
        }
    }

    @Test func clipGradNormScalesToMaximum() {
        let a = Tensor([3, 0], requiresGrad: true), b = Tensor([4], requiresGrad: true)
        a.grad = Tensor([3, 0]); b.grad = Tensor([4])
        let norm = Optimizer.clipGradNorm([a, b], maxNorm: 1)
        #expect(abs(norm - 5) < 1e-5)
        expectClose(a.grad!, Tensor([0.6, 0]), atol: 1e-5)
        expectClose(b.grad!, Tensor([0.8]), atol: 1e-5)
    }

    @Test func schedulers() {
        #expect(abs(StepLR(baseLearningRate: 1, stepSize: 2, gamma: 0.5).learningRate(epoch: 5) - 0.25) < 1e-6)
        #expect(abs(CosineAnnealingLR(baseLearningRate: 1, tMax: 10).learningRate(epoch: 5) - 0.5) < 1e-6)
        // Warm-up 2 steps (0.5, 1), then cosine over the next 10: half way at step 7, the floor from step 12 on.
        let cosine = WarmupCosineLR(baseLearningRate: 1, totalSteps: 12, warmupSteps: 2, minLearningRate: 0.1)
        #expect(cosine.learningRate(step: 0) == 0.5 && cosine.learningRate(step: 1) == 1 && cosine.learningRate(step: 2) == 1)
        #expect(abs(cosine.learningRate(step: 7) - 0.55) < 1e-6)
        #expect(abs(cosine.learningRate(step: 12) - 0.1) < 1e-6 && abs(cosine.learningRate(step: 50) - 0.1) < 1e-6)
        let opt = SGD(parameters: [Tensor([1], requiresGrad: true)], learningRate: 1)
        var plateau = ReduceLROnPlateau(factor: 0.5, patience: 2)
        for metric: Float in [1, 0.9, 0.9, 0.9] { plateau.step(metric: metric, optimizer: opt) }
        #expect(opt.learningRate == 1)
        plateau.step(metric: 0.9, optimizer: opt)
        #expect(opt.learningRate == 0.5)
    }

    /// With dropout in the model, the resumed run must also draw the same masks.
    @Test func resumeRestoresDropoutMasks() throws {
        final class Net: Module {
            let fc: Linear, drop = Dropout(0.5, seed: 11)
            override init() { var r = RandomGenerator(seed: 2); fc = Linear(4, 3, rng: &r) }
            override func children() -> [(String, Module)] { [("fc", fc), ("drop", drop)] }
            func callAsFunction(_ x: Tensor) -> Tensor { drop(fc(x)) }
        }
        let x = randn([6, 4], seed: 1), y = randn([6, 3], seed: 2)
        func train(_ m: Net, _ o: Adam, _ steps: Int) { for _ in 0..<steps { o.zeroGrad(); Loss.mse(m(x), y).backward(); o.step() } }
        let straight = Net(), o1 = Adam(parameters: straight.parameters(), learningRate: 0.01)
        train(straight, o1, 6)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-drop-\(UUID().uuidString)/c.safetensors")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let first = Net(), o2 = Adam(parameters: first.parameters(), learningRate: 0.01)
        train(first, o2, 3)
        try Checkpoint.save(first, optimizer: o2, to: url)
        let resumed = Net(), o3 = Adam(parameters: resumed.parameters(), learningRate: 0.01)
        try Checkpoint.load(into: resumed, optimizer: o3, from: url)
        train(resumed, o3, 3)
        #expect(resumed.fc.weight.scalars == straight.fc.weight.scalars)
    }

    /// Saving mid-run and resuming gives exactly the parameters of an uninterrupted run.
    @Test func checkpointResumeIsExact() throws {
        func makeModel() -> (Linear, RMSprop) {
            var rng = RandomGenerator(seed: 4)
            let m = Linear(3, 2, rng: &rng)
            return (m, RMSprop(parameters: m.parameters(), learningRate: 1e-2, weightDecay: 1e-4, momentum: 0.9))
        }
        let x = randn([5, 3], seed: 1), y = randn([5, 2], seed: 2)
        func train(_ m: Linear, _ o: RMSprop, steps: Int) {
            for _ in 0..<steps { o.zeroGrad(); Loss.mse(m(x), y).backward(); o.step() }
        }
        let (straight, o1) = makeModel()
        train(straight, o1, steps: 6)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-ckpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("step3.safetensors")
        let (first, o2) = makeModel()
        train(first, o2, steps: 3)
        try Checkpoint.save(first, optimizer: o2, to: url, metadata: ["step": "3"])
        let (resumed, o3) = makeModel()
        let meta = try Checkpoint.load(into: resumed, optimizer: o3, from: url)
        #expect(meta["step"] == "3")
        train(resumed, o3, steps: 3)
        #expect(resumed.weight.scalars == straight.weight.scalars)
        #expect(resumed.bias!.scalars == straight.bias!.scalars)
    }
}
