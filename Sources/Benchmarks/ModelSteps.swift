import Foundation
import BEV
import Tensor

/// The original project's grid-cell network and training step at batch 32 (or another batch), T 100:
/// initial state from place/HD activity, LSTM 128, linear bottleneck 256 (no bias) with dropout 0.5,
/// place (256) and HD (12) heads, the step-weighted KL loss with its initial-state and continuity terms,
/// gradient clipping at 1 and an RMSprop step. Mirrors `Benchmarks/reference/gridcell_train_step.py`.
public final class GridCellStepBenchmark: Module {
    let batch: Int, steps = 100, places = 256, headings = 12
    let initH, initC, bottleneck, placeHead, hdHead: Linear
    let lstm: LSTM
    let dropout = Dropout(0.5, seed: 7)
    var rng = RandomGenerator(seed: 3)

    /// The network at `batch` trajectories per step (the original trains at 32; 10 is a small-batch case).
    public init(batch: Int = 32) {
        self.batch = batch
        var r = RandomGenerator(seed: 2)
        initH = Linear(268, 128, rng: &r); initC = Linear(268, 128, rng: &r)
        lstm = LSTM(inputSize: 3, hiddenSize: 128, rng: &r)
        bottleneck = Linear(128, 256, bias: false, rng: &r)
        placeHead = Linear(256, 256, rng: &r); hdHead = Linear(256, 12, rng: &r)
    }

    public override func children() -> [(String, Module)] {
        [("h0_fc", initH), ("c0_fc", initC), ("lstm", lstm), ("bottleneck", bottleneck), ("place_head", placeHead),
         ("hd_head", hdHead)]
    }

    /// Σ_t w_t KL_t / Σ w over a [B, T, N] target and logits (batchmean per step).
    static func stepKL(_ target: Tensor, _ logits: Tensor, weights: Tensor) -> (weighted: Tensor, perStep: Tensor) {
        let perStep = Loss.klDivergence(logits: logits, target: target).sum(axis: 0) * (1 / Float(target.shape[0]))
        return ((perStep * weights).sum() / weights.sum(), perStep)
    }

    func loss(velocities: Tensor, place: Tensor, hd: Tensor) -> Tensor {
        let r0 = Tensor.concat([place.slice(axis: 1, start: 0, end: 1), hd.slice(axis: 1, start: 0, end: 1)], axis: 2)
            .reshaped([batch, 268])
        let (out, _) = lstm(velocities, state: (initH(r0).unsqueezed(0), initC(r0).unsqueezed(0)))
        let g = dropout(bottleneck(out))
        let placeLogits = placeHead(g), hdLogits = hdHead(g)
        let w = Tensor((0..<steps).map { t in t == 0 ? 10 : (t < 5 ? 5 * Float(pow(0.8, Double(t - 1))) : 1) })
        let (lp, perStepP) = Self.stepKL(place, placeLogits, weights: w)
        let (lh, _) = Self.stepKL(hd, hdLogits, weights: w)
        let initial = perStepP.slice(axis: 0, start: 0, end: 1).sum() * 2
        var continuity = Tensor(scalar: 0)
        let early = placeLogits.slice(axis: 1, start: 0, end: 6).softmax() // one slice: its backward is full-size
        for t in 1...5 {
            let prev = early.slice(axis: 1, start: t - 1, end: t)
            let cur = early.slice(axis: 1, start: t, end: t + 1)
            let kl = (prev * ((prev + 1e-10).log() - (cur + 1e-10).log())).sum() * (1 / Float(batch))
            continuity = continuity + kl * (1 - 0.15 * Float(t - 1))
        }
        return lp + lh + initial + continuity * 0.1
    }

    /// Median milliseconds of one training step.
    public func run(repetitions: Int) -> Double {
        let velocities = Tensor.randn([batch, steps, 3], std: 0.2, rng: &rng)
        let place = Tensor.randn([batch, steps, places], std: 2, rng: &rng).softmax()
        let hd = Tensor.randn([batch, steps, headings], std: 2, rng: &rng).softmax()
        let optimizer = RMSprop(parameters: parameters(), learningRate: 1e-3, weightDecay: 1e-4, momentum: 0.9)
        return medianMilliseconds(repetitions: repetitions) {
            optimizer.zeroGrad()
            loss(velocities: velocities, place: place, hd: hd).backward()
            Optimizer.clipGradNorm(parameters(), maxNorm: 1)
            optimizer.step()
        }
    }
}

/// The BEV encoder CNN: 4 × [Conv 3×3 stride 2 pad 1 → BatchNorm → ReLU],
/// 3→32→64→128→256, forward and backward on a 32×3×64×64 batch. Mirrors `bev_encoder_step.py`.
public struct BEVEncoderBenchmark {
    public init() {}

    /// Median milliseconds of one forward and backward pass.
    public func run(repetitions: Int) -> Double {
        var rng = RandomGenerator(seed: 5)
        var layers: [any UnaryLayer] = []
        var c = 3
        for out in [32, 64, 128, 256] {
            layers += [Conv2d(c, out, kernel: 3, stride: 2, padding: 1, rng: &rng), BatchNorm2d(out), Activation.relu]
            c = out
        }
        let encoder = Sequential(layers)
        let x = Tensor.randn([32, 3, 64, 64], rng: &rng)
        return medianMilliseconds(repetitions: repetitions, warmup: 1) {
            encoder.zeroGrad()
            encoder(x).mean().backward()
        }
    }
}

/// The BEV predictor at its CPU size (1.26 M parameters) on random 64×64 views, as `BEVTrainer` steps it:
/// forward, the BEV loss, backward and an Adam step; and inference in eval mode without gradients.
/// `Benchmarks/reference/bev_step.py` is the same model and step in PyTorch.
public struct BEVStepBenchmark {
    public let batch: Int
    public init(batch: Int) { self.batch = batch }

    func setUp() -> (BEVPredictor, Tensor, Tensor) {
        var rng = RandomGenerator(seed: 6)
        let model = BEVPredictor(config: .cpu, rng: &rng)
        let x = Tensor.randn([batch, 3, 64, 64], rng: &rng)
        var t = Tensor.uniform([batch, 4, 64, 64], rng: &rng).scalars
        for i in 0..<batch { for k in 0..<4096 { t[(i * 4 + 3) * 4096 + k] = t[(i * 4 + 3) * 4096 + k] > 0.5 ? 1 : 0 } }
        return (model, x, Tensor(t, shape: [batch, 4, 64, 64]))
    }

    /// Median milliseconds of one training step.
    public func train(repetitions: Int) -> Double {
        let (model, x, target) = setUp()
        let optimizer = Adam(parameters: model.parameters(), learningRate: 3e-4)
        let loss = BEVLoss()
        model.train()
        return medianMilliseconds(repetitions: repetitions, warmup: 2) {
            optimizer.zeroGrad()
            loss(model(x), target).backward()
            optimizer.step()
        }
    }

    /// Median milliseconds of one forward pass in eval mode.
    public func infer(repetitions: Int) -> Double {
        let (model, x, _) = setUp()
        model.eval()
        return medianMilliseconds(repetitions: repetitions, warmup: 2) { _ = noGrad { model(x) } }
    }
}
