import Foundation
import MazeEnv
import Tensor
import Training

/// Which trajectories a run trains and validates on.
public enum TrajectoryKind: String, Codable, Sendable, CaseIterable {
    /// The frontier explorer in generated Memory-Maze layouts (validation on held-out layouts).
    case maze
    /// Sorscher-style random walks in an open square arena.
    case arena
    /// Windows of a dataset on disk (Docs/Datasets.md); validation on held-out episodes.
    case dataset
    /// Maze and arena windows in every batch (``GridCellTrainingConfig/mazeFraction`` of them from mazes).
    case mixed
}

/// A full training configuration (written to the run's `config.json`).
public struct GridCellTrainingConfig: RunConfig, Sendable {
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable { case rmsprop, adam }

    public var model = GridCellConfig()
    public var loss = PathIntegrationLoss()
    public var trajectories: TrajectoryKind = .maze
    /// Dataset root for `.dataset`.
    public var dataset: String?
    public var mazeSize = 15
    /// The share of each batch drawn from mazes for `.mixed` trajectories; nil: half (optional, so that the
    /// `config.json` of runs before it still reads).
    public var mazeFraction: Float?
    /// Weights to start from (a checkpoint of the same model configuration), for fine-tuning; nil: the seed's.
    public var initialWeights: String?
    public var sequenceLength = 100
    public var batchSize = 32
    public var optimizer: OptimizerKind = .rmsprop
    public var learningRate: Float = 1e-3
    /// RMSprop momentum (Adam uses its own betas).
    public var momentum: Float = 0.9
    public var weightDecay: Float = 1e-4
    public var gradientClip: Float = 1
    public var plateauFactor: Float = 0.5
    public var plateauPatience = 5
    /// The schedule: ReduceLROnPlateau with the factor and patience above.
    public var schedule: RunSchedule { .plateau(ReduceLROnPlateau(factor: plateauFactor, patience: plateauPatience)) }
    public var stepsPerEpoch = 100
    public var epochs = 150
    /// Stop after this many minutes of training (the run is resumable), if set.
    public var maxMinutes: Double?
    public var validationBatches = 4
    public var seed: UInt64 = 42
    /// Draw every training window from a generator of its own (maze and arena trajectories), so the members of a
    /// data-parallel run make only their rows; nil or false: one stream per batch, as earlier runs did.
    public var windowSeeds: Bool?
    /// Epochs whose checkpoints are kept as `epoch_N` (the emergence figure reads them; 0 = before training).
    public var snapshotEpochs: [Int] = [0, 1, 2, 5, 10, 20, 30, 50, 75, 100, 150]
    public init() {}

    /// The original project's training set-up on maze-explorer trajectories (the defaults).
    public static let original = GridCellTrainingConfig()

    /// Our set-up for fast grid emergence (Docs/GridCell.md): open-arena random walks, Mexican-hat place cells
    /// read out with a squared error, a ReLU bottleneck without dropout, Adam, short windows.
    public static let emergence: GridCellTrainingConfig = {
        var c = GridCellTrainingConfig()
        c.trajectories = .arena; c.sequenceLength = 20; c.batchSize = 50; c.optimizer = .adam; c.learningRate = 1e-3
        c.stepsPerEpoch = 800; c.epochs = 40; c.snapshotEpochs = [0, 2, 5, 10, 20]
        c.model.placeTuning = .mexicanHat; c.model.placeSigma = 0.7; c.model.bottleneckActivation = .relu; c.model.dropout = 0
        return c
    }()

    /// One network for both jobs (Docs/GridCell.md): an emergence model (its weights in ``initialWeights``)
    /// trained further on windows of 100 steps, half from maze explorers and half open-arena walks, with the
    /// emergence model's targets and loss, so that it keeps its grid-like units and learns to integrate over long
    /// windows in mazes.
    public static let unified: GridCellTrainingConfig = {
        var c = GridCellTrainingConfig.emergence
        c.trajectories = .mixed; c.sequenceLength = 100; c.learningRate = 3e-4
        c.stepsPerEpoch = 200; c.epochs = 20; c.snapshotEpochs = [0, 5, 10]
        c.initialWeights = "Models/gridcell/model.safetensors"
        return c
    }()
}

/// One logged epoch (a line of `metrics.jsonl`).
public struct EpochMetrics: Codable, Sendable {
    public var epoch, step: Int
    public var trainLoss, trainPlace, trainHeadDirection: Float
    public var validationLoss, validationPlace, validationHeadDirection: Float
    public var meanPositionErrorCells: Float
    public var learningRate: Float
    public var seconds: Double
    enum CodingKeys: String, CodingKey {
        case epoch, step, learningRate = "learning_rate", seconds
        case trainLoss = "train_loss", trainPlace = "train_place_loss", trainHeadDirection = "train_hd_loss"
        case validationLoss = "val_loss", validationPlace = "val_place_loss", validationHeadDirection = "val_hd_loss"
        case meanPositionErrorCells = "val_mean_position_error_cells"
    }
}

/// Trains a ``GridCellNetwork`` into a run folder (Docs/Datasets.md): `config.json`, `metrics.jsonl`,
/// `checkpoints/latest|best|epoch_N.safetensors` (each with its `.optim.safetensors`), `figures/`.
/// Every epoch ends with an atomic checkpoint, so a run resumes exactly where it stopped.
public final class GridCellTrainer {
    public let config: GridCellTrainingConfig
    public let runFolder: URL
    public let network: GridCellNetwork
    public let placeCells: PlaceCells
    public let headDirectionCells: HeadDirectionCells
    let optimizer: Optimizer
    public let folder: RunFolder
    var progress: RunProgress
    let trainSource: TrajectorySource
    let validationSource: TrajectorySource
    /// The members of a data-parallel run (one process by default).
    public let collective: Collective
    public var epoch: Int { progress.epoch }
    public var step: Int { progress.step }

    /// Prepares a run; with `resume`, continues from `checkpoints/latest.safetensors` (and refuses a
    /// different configuration). With a `collective` of several members, each trains on its shard of every
    /// global batch of `config.batchSize` and member 0 writes the run folder.
    public init(config: GridCellTrainingConfig, runFolder: URL, resume: Bool = false, collective: Collective = SingleProcess()) throws {
        try config.validate()
        try ConfigError.check(config.batchSize % collective.size == 0, "batchSize",
                              "the global batch \(config.batchSize) must split evenly over \(collective.size) processes")
        self.config = config
        self.collective = collective
        self.runFolder = runFolder
        var rng = RandomGenerator(seed: config.seed)
        network = GridCellNetwork(config: config.model, rng: &rng)
        placeCells = config.model.makePlaceCells()
        headDirectionCells = config.model.makeHeadDirectionCells()
        switch config.optimizer {
        case .rmsprop:
            optimizer = RMSprop(parameters: network.parameters(), learningRate: config.learningRate,
                                weightDecay: config.weightDecay, momentum: config.momentum)
        case .adam:
            optimizer = Adam(parameters: network.parameters(), learningRate: config.learningRate, weightDecay: config.weightDecay)
        }
        progress = RunProgress(learningRate: config.learningRate, schedule: config.schedule)
        (trainSource, validationSource) = try GridCellTrainer.sources(config)
        if !resume, let initial = config.initialWeights { try Checkpoint.load(into: network, from: URL(fileURLWithPath: initial)) }
        folder = RunFolder(runFolder)
        if collective.rank == 0 {
            if let saved = try folder.open(config: config, resume: resume, module: network, optimizer: optimizer) {
                progress = saved
            } else if config.snapshotEpochs.contains(0) {
                try save(as: "epoch_0", progress)
            }
        }
        collective.barrier()
        // The other members start from the same seed, or read what member 0 resumed from.
        if collective.rank != 0, resume, FileManager.default.fileExists(atPath: folder.latest.path) {
            progress = try folder.loadLatest(module: network, optimizer: optimizer)
        }
    }

    /// The training and validation trajectory sources of a configuration.
    public static func sources(_ config: GridCellTrainingConfig) throws -> (train: TrajectorySource, validation: TrajectorySource) {
        switch config.trajectories {
        case .maze:
            return try mazeSources(config)
        case .arena:
            return arenaSources(config)
        case .mixed:
            let (maze, mazeValidation) = try mazeSources(config), (arena, arenaValidation) = arenaSources(config)
            return (MixedTrajectories(maze: maze, arena: arena, mazeFraction: config.mazeFraction ?? 0.5),
                    MixedTrajectories(maze: mazeValidation, arena: arenaValidation, mazeFraction: config.mazeFraction ?? 0.5))
        case .dataset:
            guard let path = config.dataset else { throw MazeError("trajectories 'dataset' needs a dataset path") }
            let all = try Dataset.load(URL(fileURLWithPath: path))
            // Hold out the last 15% of episodes (at least one) for validation, as the original split by folder.
            let held = max(1, all.episodes.count * 15 / 100)
            guard all.episodes.count > held else {
                throw DatasetError(file: path, "needs at least 2 episodes (one is held out for validation), has \(all.episodes.count)")
            }
            let train = Dataset(root: all.root, episodes: Array(all.episodes.dropLast(held)))
            let validation = Dataset(root: all.root, episodes: Array(all.episodes.suffix(held)))
            return (try DatasetTrajectories(dataset: train, steps: config.sequenceLength, seed: config.seed),
                    try DatasetTrajectories(dataset: validation, steps: config.sequenceLength, seed: SeedStream.heldOut.seed(from: config.seed)))
        }
    }

    static func mazeSources(_ config: GridCellTrainingConfig) throws -> (train: MazeTrajectories, validation: MazeTrajectories) {
        var train = try MazeTrajectories(mazeSize: config.mazeSize, seed: config.seed)
        train.windowSeeds = config.windowSeeds ?? false
        return (train, try MazeTrajectories(mazeSize: config.mazeSize, seed: SeedStream.validation.seed(from: config.seed), mazes: 32))
    }

    static func arenaSources(_ config: GridCellTrainingConfig) -> (train: ArenaTrajectories, validation: ArenaTrajectories) {
        var train = ArenaTrajectories(extent: config.model.extent, seed: config.seed)
        train.windowSeeds = config.windowSeeds ?? false
        return (train, ArenaTrajectories(extent: config.model.extent, seed: SeedStream.validation.seed(from: config.seed)))
    }

    /// Targets and forward pass of one batch.
    public func evaluate(_ batch: TrajectoryBatch) -> (output: GridCellNetwork.Output, loss: PathIntegrationLoss.Value) {
        let (b, t) = (batch.batch, batch.steps)
        let place = placeCells.activity(batch.positions.reshaped([b * t, 2])).reshaped([b, t, placeCells.count])
        let hd = headDirectionCells.activity(batch.headings.reshaped([b * t])).reshaped([b, t, headDirectionCells.count])
        let output = network(batch.velocities, initialPlace: place.slice(axis: 1, start: 0, end: 1).reshaped([b, placeCells.count]),
                             initialHeadDirection: hd.slice(axis: 1, start: 0, end: 1).reshaped([b, headDirectionCells.count]))
        return (output, config.loss(output, placeTargets: place, headDirectionTargets: hd,
                                    placeTargetsAreDistributions: placeCells.tuning.isDistribution))
    }

    /// Validation loss terms and the mean decoded position error (cells, t ≥ 1) over the fixed validation batches.
    public func validate() throws -> (loss: Float, place: Float, headDirection: Float, positionError: Float) {
        network.eval()
        defer { network.train() }
        // Members of a data-parallel run share the batches out (batch k to member k mod size) and add their sums.
        var sums: [Float] = [0, 0, 0, 0]
        for k in stride(from: collective.rank, to: config.validationBatches, by: collective.size) {
            let batch = try validationSource.batch(-1 - k, size: config.batchSize, steps: config.sequenceLength)
            let (output, value) = noGrad { evaluate(batch) }
            let errors = PathIntegrationErrors(output: output, batch: batch, placeCells: placeCells, headDirectionCells: headDirectionCells)
            sums[0] += value.total.item; sums[1] += value.place; sums[2] += value.headDirection; sums[3] += errors.meanPosition
        }
        sums = summedOverMembers(sums, collective.memberSum)
        let n = Float(config.validationBatches)
        return (sums[0] / n, sums[1] / n, sums[2] / n, sums[3] / n)
    }

    func save(as name: String, _ progress: RunProgress) throws {
        let model = String(decoding: try JSONEncoder.lenient.encode(config.model), as: UTF8.self)
        try folder.save(name, module: network, optimizer: optimizer, progress: progress,
                        metadata: ["model_config": model, "format": "ssm-gridcell-1"])
    }

    /// Trains until `config.epochs` (or `maxMinutes`); `report` receives each epoch's metrics and, every
    /// few steps, (step, loss). Throws `NonFiniteTrainingError` when the loss stops being finite.
    @discardableResult
    public func train(report: (EpochMetrics) -> Void = { _ in }, onStep: (Int, Float) -> Void = { _, _ in }) throws -> [EpochMetrics] {
        var loop = EpochLoop(name: "grid-cell", epochs: config.epochs, stepsPerEpoch: config.stepsPerEpoch, maxMinutes: config.maxMinutes,
                             schedule: config.schedule)
        loop.clipGradNorm = config.gradientClip; loop.snapshotEpochs = config.snapshotEpochs; loop.reportEvery = 10
        loop.collective = collective
        let rows = collective.shard(of: config.batchSize)
        collective.shard(network)
        var place: Float = 0, headDirection: Float = 0      // this epoch's training loss terms
        let n = Float(config.stepsPerEpoch)
        return try loop.run(module: network, optimizer: optimizer, folder: folder, progress: &self.progress, loss: { step in
            let batch = try trainSource.batch(step, size: config.batchSize, steps: config.sequenceLength, rows: rows)
            let (_, value) = evaluate(batch)
            place += value.place; headDirection += value.headDirection
            return value.total
        }, validate: {
            let v = try validate()
            // The loss terms of the global batches, as one process would log them.
            var terms = [place, headDirection]
            if collective.size > 1 { terms.withUnsafeMutableBufferPointer { collective.average($0) } }
            return (v.loss, { e in
                defer { place = 0; headDirection = 0 }
                return EpochMetrics(epoch: e.epoch, step: e.step, trainLoss: e.trainLoss, trainPlace: terms[0] / n, trainHeadDirection: terms[1] / n,
                                    validationLoss: v.loss, validationPlace: v.place, validationHeadDirection: v.headDirection,
                                    meanPositionErrorCells: v.positionError, learningRate: e.learningRate, seconds: e.seconds)
            })
        }, save: { try save(as: $0, $1) }, onStep: onStep, report: report)
    }
}

extension GridCellTrainer: Trainer {
    public func aliases(_ last: EpochMetrics) -> [String: Double] {
        ["mean_position_error_cells": Double(last.meanPositionErrorCells), "final_loss": Double(last.trainLoss),
         "world_size": Double(collective.size)]
    }
}

extension EpochMetrics: CustomStringConvertible {
    public var description: String {
        String(format: "epoch %d  step %d  train %.4f  val %.4f (place %.4f, hd %.4f)  error %.2f cells  lr %.2g",
               epoch, step, trainLoss, validationLoss, validationPlace, validationHeadDirection, meanPositionErrorCells, learningRate)
    }
}

extension GridCellTrainingConfig {
    /// Checks every value a run depends on (the trainer calls this before it allocates anything).
    public func validate() throws {
        try validateRun()
        try ConfigError.check(sequenceLength > 1, "sequenceLength", "must be above 1")
        try ConfigError.nested("model", model.validate)
        try ConfigError.check(trajectories != .dataset || dataset != nil, "dataset", "is needed for trajectories 'dataset'")
        try ConfigError.check(mazeFraction.map { $0 >= 0 && $0 <= 1 } ?? true, "mazeFraction", "must be in [0, 1]")
        try ConfigError.check(weightDecay.isFinite && weightDecay >= 0 && weightDecay < 1, "weightDecay", "must be in [0, 1)")
    }
}
