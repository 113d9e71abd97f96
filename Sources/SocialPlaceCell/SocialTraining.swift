import Foundation
import GridCell
import Tensor
import Training

/// Which two-agent trajectories a social run trains on.
public enum SocialTrajectoryKind: String, Codable, Sendable, CaseIterable {
    /// Two walkers in the open arena. The default.
    case arena
    /// Two frontier explorers in one generated Memory-Maze layout.
    case maze
    /// The original project's probe generator.
    case probe
    /// Rows from arena, maze and probe in turn.
    case mixed
}

/// Training configuration of the social network (the original did not publish one; Docs/SocialPlaceCell.md
/// explains these choices).
public struct SocialTrainingConfig: RunConfig, Sendable {
    public var model = SocialNetworkConfig()
    /// Self and partner place/HD terms, each the original grid-cell loss.
    public var loss = PathIntegrationLoss()
    /// Weight of the squared error of the predicted self–partner distance (in units of the arena side).
    public var distanceWeight: Float = 1
    /// Weight of an L1 penalty on the bottleneck's activity (a metabolic cost, as in Cueva & Wei 2018), which
    /// makes units selective: silent unless their preferred agent is where they fire.
    public var activityL1: Float = 0
    /// Probability that an agent stands still for a whole window.
    public var staticProbability: Float = 0.3
    public var trajectories: SocialTrajectoryKind = .arena
    public var sequenceLength = 100
    public var batchSize = 32
    public var learningRate: Float = 3e-3
    /// The schedule: a constant rate.
    public var schedule: RunSchedule { .constant }
    public var weightDecay: Float = 1e-4
    public var gradientClip: Float = 1
    public var stepsPerEpoch = 100
    public var epochs = 60
    public var maxMinutes: Double?
    public var validationBatches = 2
    public var seed: UInt64 = 42
    public init() {}
}

/// One logged epoch of social training.
public struct SocialEpochMetrics: Codable, Sendable {
    public var epoch, step: Int
    public var trainLoss, validationLoss: Float
    public var selfPositionErrorCells, partnerPositionErrorCells, distanceErrorCells: Float
    public var learningRate: Float
    public var seconds: Double
    enum CodingKeys: String, CodingKey {
        case epoch, step, seconds, trainLoss = "train_loss", validationLoss = "val_loss", learningRate = "learning_rate"
        case selfPositionErrorCells = "val_self_position_error_cells", partnerPositionErrorCells = "val_partner_position_error_cells"
        case distanceErrorCells = "val_distance_error_cells"
    }
}

/// Trains a ``SocialGridCellNetwork`` into a run folder (Docs/Datasets.md) with Adam, exact resume and a NaN stop.
public final class SocialTrainer {
    public let config: SocialTrainingConfig
    public let network: SocialGridCellNetwork
    public let placeCells: PlaceCells
    public let headDirectionCells: HeadDirectionCells
    let optimizer: Optimizer
    public let folder: RunFolder
    var progress: RunProgress
    let trainSource: SocialTrajectorySource, validationSource: SocialTrajectorySource
    public var epoch: Int { progress.epoch }
    public var step: Int { progress.step }

    public init(config: SocialTrainingConfig, runFolder: URL, resume: Bool = false) throws {
        try config.validate()
        self.config = config
        var rng = RandomGenerator(seed: config.seed)
        network = SocialGridCellNetwork(config: config.model, rng: &rng)
        placeCells = config.model.cells.makePlaceCells()
        headDirectionCells = config.model.cells.makeHeadDirectionCells()
        optimizer = Adam(parameters: network.parameters(), learningRate: config.learningRate, weightDecay: config.weightDecay)
        progress = RunProgress(learningRate: config.learningRate, schedule: config.schedule)
        trainSource = try Self.source(config, seed: config.seed)
        validationSource = try Self.source(config, seed: SeedStream.validation.seed(from: config.seed))
        folder = RunFolder(runFolder)
        if let saved = try folder.open(config: config, resume: resume, module: network, optimizer: optimizer) { progress = saved } else { try save(as: "epoch_0", progress) }
    }

    /// The trajectory source of a configuration, seeded with `seed`.
    public static func source(_ config: SocialTrainingConfig, seed: UInt64) throws -> SocialTrajectorySource {
        let extent = config.model.cells.extent, p = config.staticProbability
        switch config.trajectories {
        case .arena: return SocialArenaTrajectories(extent: extent, seed: seed, staticProbability: p)
        case .maze: return try SocialMazeTrajectories(seed: seed, staticProbability: p)
        case .probe: return SocialProbeTrajectories(seed: seed)
        case .mixed:
            return MixedSocialTrajectories([SocialArenaTrajectories(extent: extent, seed: seed, staticProbability: p),
                                            try SocialMazeTrajectories(seed: seed, staticProbability: p), SocialProbeTrajectories(seed: seed)])
        }
    }

    /// Initial place and HD activities of a batch's first step.
    func initial(_ batch: TrajectoryBatch) -> (place: Tensor, headDirection: Tensor) {
        let b = batch.batch
        return (placeCells.activity(batch.positions.slice(axis: 1, start: 0, end: 1).reshaped([b, 2])),
                headDirectionCells.activity(batch.headings.slice(axis: 1, start: 0, end: 1).reshaped([b])))
    }

    /// Forward pass on a two-agent batch.
    public func forward(_ batch: SocialBatch) -> SocialGridCellNetwork.Output {
        network(selfVelocities: batch.agent.velocities, partnerVelocities: batch.partner.velocities,
                selfInitial: initial(batch.agent), partnerInitial: initial(batch.partner))
    }

    /// Self and partner path-integration losses plus the distance term.
    public func loss(_ batch: SocialBatch, _ output: SocialGridCellNetwork.Output) -> Tensor {
        func targets(_ t: TrajectoryBatch) -> (Tensor, Tensor) {
            let (b, s) = (t.batch, t.steps)
            return (placeCells.activity(t.positions.reshaped([b * s, 2])).reshaped([b, s, placeCells.count]),
                    headDirectionCells.activity(t.headings.reshaped([b * s])).reshaped([b, s, headDirectionCells.count]))
        }
        let (sp, sh) = targets(batch.agent), (pp, ph) = targets(batch.partner)
        let mine = config.loss(output.view(partner: false), placeTargets: sp, headDirectionTargets: sh)
        let theirs = config.loss(output.view(partner: true), placeTargets: pp, headDirectionTargets: ph)
        let distance = (output.distance - trueDistance(batch) * (1 / config.model.cells.extent)).square().mean()
        var total = mine.total + theirs.total + distance * config.distanceWeight
        if config.activityL1 > 0 { total = total + output.bottleneck.mean() * config.activityL1 }
        return total
    }

    /// Self–partner distance `[B, T]` in cells.
    func trueDistance(_ batch: SocialBatch) -> Tensor {
        noGrad { (batch.agent.positions - batch.partner.positions).square().sum(axis: 2).sqrt() }
    }

    /// Validation loss, self and partner position errors and the distance error (cells).
    public func validate() throws -> (loss: Float, selfError: Float, partnerError: Float, distanceError: Float) {
        network.eval()
        defer { network.train() }
        var sums: (Float, Float, Float, Float) = (0, 0, 0, 0)
        for k in 0..<config.validationBatches {
            let batch = try validationSource.batch(-1 - k, size: config.batchSize, steps: config.sequenceLength)
            let (output, value) = noGrad { () -> (SocialGridCellNetwork.Output, Float) in
                let o = forward(batch)
                return (o, loss(batch, o).item)
            }
            let mine = PathIntegrationErrors(output: output.view(partner: false), batch: batch.agent, placeCells: placeCells, headDirectionCells: headDirectionCells)
            let theirs = PathIntegrationErrors(output: output.view(partner: true), batch: batch.partner, placeCells: placeCells, headDirectionCells: headDirectionCells)
            let d = noGrad { (output.distance * config.model.cells.extent - trueDistance(batch)).abs().mean().item }
            sums.0 += value; sums.1 += mine.meanPosition; sums.2 += theirs.meanPosition; sums.3 += d
        }
        let n = Float(config.validationBatches)
        return (sums.0 / n, sums.1 / n, sums.2 / n, sums.3 / n)
    }

    func save(as name: String, _ progress: RunProgress) throws {
        let model = String(decoding: try JSONEncoder.lenient.encode(config.model), as: UTF8.self)
        try folder.save(name, module: network, optimizer: optimizer, progress: progress, metadata: ["model_config": model, "format": "ssm-spc-1"])
    }

    /// Trains until `config.epochs` or `maxMinutes`.
    @discardableResult
    public func train(report: (SocialEpochMetrics) -> Void = { _ in }, onStep: (Int, Float) -> Void = { _, _ in }) throws -> [SocialEpochMetrics] {
        var loop = EpochLoop(name: "social", epochs: config.epochs, stepsPerEpoch: config.stepsPerEpoch, maxMinutes: config.maxMinutes,
                             schedule: config.schedule)
        loop.clipGradNorm = config.gradientClip; loop.reportEvery = 10
        return try loop.run(module: network, optimizer: optimizer, folder: folder, progress: &progress, loss: { step in
            let batch = try trainSource.batch(step, size: config.batchSize, steps: config.sequenceLength)
            return loss(batch, forward(batch))
        }, validate: {
            let v = try validate()
            return (v.loss, { e in
                SocialEpochMetrics(epoch: e.epoch, step: e.step, trainLoss: e.trainLoss, validationLoss: v.loss, selfPositionErrorCells: v.selfError,
                                   partnerPositionErrorCells: v.partnerError, distanceErrorCells: v.distanceError,
                                   learningRate: e.learningRate, seconds: e.seconds)
            })
        }, save: { try save(as: $0, $1) }, onStep: onStep, report: report)
    }
}

extension SocialTrainer: Trainer {}

extension SocialEpochMetrics: CustomStringConvertible {
    public var description: String {
        String(format: "epoch %d  step %d  train %.4f  val %.4f  self %.2f  partner %.2f  distance %.2f cells",
               epoch, step, trainLoss, validationLoss, selfPositionErrorCells, partnerPositionErrorCells, distanceErrorCells)
    }
}

extension SocialTrainingConfig {
    /// Checks every value a run depends on (the trainer calls this before it allocates anything).
    public func validate() throws {
        try validateRun()
        try ConfigError.check(sequenceLength > 1, "sequenceLength", "must be above 1")
        try ConfigError.check((0...1).contains(staticProbability), "staticProbability", "must be in [0, 1]")
        try ConfigError.nested("model", model.validate)
    }
}
