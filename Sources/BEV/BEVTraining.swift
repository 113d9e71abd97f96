import Foundation
import MazeEnv
import Tensor
import Training

/// A BEV training configuration (written to the run's `config.json`).
public struct BEVTrainingConfig: CosineScheduledRunConfig, Sendable {
    public var model = BEVModelConfig.cpu
    public var target = EgocentricBEV()
    public var loss = BEVLoss()
    public var batchSize = 32
    public var learningRate: Float = 3e-4
    public var stepsPerEpoch = 50
    public var epochs = 100
    public var maxMinutes: Double?
    public var validationBatches = 2
    public var seed: UInt64 = 42
    /// A dataset (Docs/Datasets.md) to train on instead of generated scenes: its last episode validates, the others train.
    public var data: String?
    /// With `data`: the share of each batch drawn from it, the rest generated (`render`, `randomization`), and
    /// validation on its last episode; nil: batches from `data` alone.
    public var dataFraction: Double?
    /// Weights to start from (fine-tuning); the model configuration must match.
    public var initialWeights: String?
    /// Cosine-anneal the learning rate to zero over this many steps (after `warmupSteps` of linear warm-up)
    /// instead of the original's ReduceLROnPlateau. With 50-step epochs the plateau rule, patient for five
    /// noisy validations, halves the rate every few hundred steps (the shipped run ended at 1/16 of it).
    public var cosineSteps: Int?
    public var warmupSteps: Int?
    /// The camera and look of generated scenes (nil: `RenderConfig`'s defaults, the flat look at 90°); the targets
    /// take its field of view.
    public var render: RenderConfig?
    /// Per-sample domain randomisation of generated scenes (field of view, colour, lighting, noise); nil: none.
    public var randomization: DomainRandomization?
    public init() {}
}

/// Free-space IoU (predicted alpha > 0.5 against target alpha > 0.5) and the RGB error on target floor.
public struct BEVMetrics: Codable, Sendable {
    public var freeIoU: Float
    public var rgbError: Float

    /// From predictions `[B, C, S, S]` and targets `[B, C′, S, S]` whose first four channels are RGBA (any
    /// further channels, target classes, are not read).
    public init(prediction: Tensor, target: Tensor) {
        let b = prediction.shape[0], s = prediction.shape[2] * prediction.shape[3]
        let pc = prediction.shape[1], tc = target.shape[1], p = prediction.scalars, t = target.scalars
        var inter = 0, union = 0, err: Float = 0, n = 0
        for i in 0..<b {
            let a = (i * pc + 3) * s, ta = (i * tc + 3) * s
            for k in 0..<s {
                let pf = p[a + k] > 0.5, tf = t[ta + k] > 0.5
                if pf && tf { inter += 1 }
                if pf || tf { union += 1 }
                if tf { for c in 0..<3 { err += abs(p[(i * pc + c) * s + k] - t[(i * tc + c) * s + k]) }; n += 3 }
            }
        }
        freeIoU = union == 0 ? 1 : Float(inter) / Float(union)
        rgbError = n == 0 ? 0 : err / Float(n)
    }
}

/// One logged epoch.
public struct BEVEpochMetrics: Codable, Sendable {
    public var epoch, step: Int
    public var trainLoss, validationLoss, freeIoU, rgbError: Float
    public var seconds: Double
    /// The learning rate at the end of the epoch.
    public var learningRate: Float?
    enum CodingKeys: String, CodingKey {
        case epoch, step, seconds, trainLoss = "train_loss", validationLoss = "val_loss", freeIoU = "val_free_iou", rgbError = "val_rgb_error"
        case learningRate = "learning_rate"
    }
}

/// Trains a ``BEVPredictor`` on views and egocentric targets rendered on the fly or read from a recorded dataset
/// (Adam, ReduceLROnPlateau or a cosine schedule, run folder, resume).
public final class BEVTrainer {
    public let config: BEVTrainingConfig
    public let model: BEVPredictor
    let optimizer: Adam
    public let folder: RunFolder
    var progress: RunProgress
    let train: any BEVBatchSource, validation: any BEVBatchSource
    let target: EgocentricBEV
    /// The members of a data-parallel run (one process by default).
    public let collective: Collective
    public var epoch: Int { progress.epoch }
    public var step: Int { progress.step }

    /// Prepares a run; with `resume`, continues from `checkpoints/latest.safetensors`. With a `collective` of
    /// several members, each trains on its shard of every global batch of `config.batchSize` (batch norm
    /// synchronised, the soft Jaccard term pooled over the global batch, dropout masks drawn for it), and member 0
    /// writes the run folder.
    public init(config: BEVTrainingConfig, runFolder: URL, resume: Bool = false, collective: Collective = SingleProcess()) throws {
        self.config = config
        try config.validate()
        try ConfigError.check(config.batchSize % collective.size == 0, "batchSize",
                              "the global batch \(config.batchSize) must split evenly over \(collective.size) processes")
        self.collective = collective
        var rng = RandomGenerator(seed: config.seed)
        model = BEVPredictor(config: config.model, rng: &rng)
        optimizer = Adam(parameters: model.parameters(), learningRate: config.learningRate)
        progress = RunProgress(learningRate: config.learningRate, schedule: config.schedule)
        var target = config.target
        target.size = config.model.outputSize
        if let render = config.render { target.fieldOfViewDegrees = render.fieldOfViewDegrees }
        self.target = target
        // Generated scenes in the configured look: the whole of each batch, or with a dataset its other rows.
        let render = config.render ?? RenderConfig()
        let generated = BEVSamples(seed: config.seed, target: target, render: render, randomization: config.randomization)
        if let data = config.data {
            let split = try BEVScene.trainingSplit(datasetAt: data)
            let recorded = BEVSceneSamples(split.train, target: target, seed: config.seed)
            train = config.dataFraction.map { MixedBEVSamples(recorded: recorded, generated: generated, fraction: $0) } ?? recorded
            validation = BEVSceneSamples(split.validation, target: target, seed: SeedStream.heldOut.seed(from: config.seed))
        } else {
            train = generated
            validation = BEVSamples(seed: SeedStream.validation.seed(from: config.seed), target: target, render: render,
                                    randomization: config.randomization)
        }
        // Weights from a model without a target-class head give this one's head its fresh initialisation.
        if !resume, let initial = config.initialWeights { try Checkpoint.load(into: model, from: URL(fileURLWithPath: initial), newParts: ["target_head."]) }
        folder = RunFolder(runFolder)
        if collective.rank == 0, let saved = try folder.open(config: config, resume: resume, module: model, optimizer: optimizer) { progress = saved }
        collective.barrier()
        // The other members start from the same seed, or read what member 0 resumed from.
        if collective.rank != 0, resume, FileManager.default.fileExists(atPath: folder.latest.path) {
            progress = try folder.loadLatest(module: model, optimizer: optimizer)
        }
    }

    func save(_ name: String, _ progress: RunProgress) throws {
        let model = String(decoding: try JSONEncoder.lenient.encode(config.model), as: UTF8.self)
        let geometry = String(decoding: try JSONEncoder.lenient.encode(target), as: UTF8.self)
        try folder.save(name, module: self.model, optimizer: optimizer, progress: progress,
                        metadata: ["model_config": model, "bev_geometry": geometry, "format": "ssm-bev-1"])
    }

    /// Validation loss and metrics over fixed held-out batches (members of a data-parallel run share them out:
    /// batch k to member k mod size, and add their sums).
    public func validate() throws -> (loss: Float, metrics: BEVMetrics) {
        model.eval()
        defer { model.train() }
        var sums: [Float] = [0, 0, 0]
        for k in stride(from: collective.rank, to: config.validationBatches, by: collective.size) {
            let (v, t) = try validation.batch(-1 - k, size: config.batchSize)
            let p = noGrad { model(v) }
            let m = BEVMetrics(prediction: p, target: t)
            sums[0] += noGrad { config.loss(p, t).item }; sums[1] += m.freeIoU; sums[2] += m.rgbError
        }
        sums = summedOverMembers(sums, collective.memberSum)
        let n = Float(config.validationBatches)
        return (sums[0] / n, BEVMetrics(freeIoU: sums[1] / n, rgbError: sums[2] / n))
    }

    /// Trains until `config.epochs` or `config.maxMinutes` (resumable); one record per epoch.
    @discardableResult
    public func train(report: (BEVEpochMetrics) -> Void = { _ in }, onStep: (Int, Float) -> Void = { _, _ in }) throws -> [BEVEpochMetrics] {
        var loop = EpochLoop(name: "BEV", epochs: config.epochs, stepsPerEpoch: config.stepsPerEpoch, maxMinutes: config.maxMinutes,
                             schedule: config.schedule)
        loop.collective = collective
        let rows = collective.shard(of: config.batchSize)
        collective.shard(model)
        return try loop.run(module: model, optimizer: optimizer, folder: folder, progress: &progress, loss: { step in
            let (v, t) = try train.batch(step, size: config.batchSize, rows: rows)
            return config.loss(model(v), t, across: collective.memberSum)
        }, validate: {
            let (loss, m) = try validate()
            return (loss, { e in BEVEpochMetrics(epoch: e.epoch, step: e.step, trainLoss: e.trainLoss, validationLoss: e.validationLoss,
                                                 freeIoU: m.freeIoU, rgbError: m.rgbError, seconds: e.seconds, learningRate: e.learningRate) })
        }, save: save, onStep: onStep, report: report)
    }
}



extension BEVMetrics {
    init(freeIoU: Float, rgbError: Float) { self.freeIoU = freeIoU; self.rgbError = rgbError }
}

extension BEVTrainer: Trainer {
    public func aliases(_ last: BEVEpochMetrics) -> [String: Double] {
        ["final_loss": Double(last.trainLoss), "world_size": Double(collective.size)]
    }
}

extension BEVEpochMetrics: CustomStringConvertible {
    public var description: String {
        String(format: "epoch %d  step %d  train %.4f  val %.4f  free IoU %.3f  RGB error %.3f", epoch, step, trainLoss, validationLoss, freeIoU, rgbError)
    }
}

extension BEVTrainingConfig {
    /// Checks every value a run depends on (the trainer calls this before it allocates anything).
    public func validate() throws {
        try validateScheduledRun()
        try ConfigError.nested("model", model.validate)
        try ConfigError.check((loss.iouWeight ?? 0) >= 0, "loss.iouWeight", "must be ≥ 0")
        try ConfigError.check((loss.targetWeight ?? 1) > 0 && (loss.targetWeight ?? 1).isFinite, "loss.targetWeight", "must be a positive number")
        try validateGeneratedScenes(render: render, randomization: randomization, data: data, dataFraction: dataFraction)
    }
}
