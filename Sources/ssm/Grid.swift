import ArgumentParser
import Foundation
import GridCell
import MazeEnv
import Tensor
import Training

/// `ssm grid …`: the grid-cell path integrator.
struct Grid: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train, evaluate and analyse the grid-cell path integrator.",
        subcommands: [GridTrain.self, GridEval.self, GridAnalyze.self, GridGridness.self, GridFiguresCommand.self])
}

extension PlaceCells.Tuning: ExpressibleByArgument {}
extension GridCellConfig.BottleneckActivation: ExpressibleByArgument {}
extension TrajectoryKind: ExpressibleByArgument {}
extension GridCellTrainingConfig.OptimizerKind: ExpressibleByArgument {}

/// Named starting configurations for `ssm grid train`.
enum GridPreset: String, ExpressibleByArgument, CaseIterable {
    case original, emergence, unified
    var config: GridCellTrainingConfig {
        switch self {
        case .original: .original
        case .emergence: .emergence
        case .unified: .unified
        }
    }
}

struct GridTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a grid-cell network into a run folder (config.json, metrics.jsonl, checkpoints/, figures/).",
        discussion: "Start from --preset original (the default) or --preset emergence (fast grid "
            + "emergence, Docs/GridCell.md); any option below overrides the preset. A run stopped by --minutes or by an "
            + "interruption continues exactly with --resume and the same flags.")

    @Option(help: "Starting configuration: original, emergence or unified (fine-tunes an emergence model on maze and arena windows).") var preset: GridPreset = .original
    @Option(help: "Run folder.") var output = "runs/grid"
    @Flag(help: "Continue the run in --output from its latest checkpoint.") var resume = false
    @Option(help: "Trajectories: maze (explorer in generated mazes), arena (open-arena random walks), mixed (both in each batch), dataset.")
    var trajectories: TrajectoryKind?
    @Option(help: "Share of each batch drawn from mazes with --trajectories mixed (0.5).") var mazeFraction: Float?
    @Option(help: "Start from these weights (fine-tuning); the model configuration is read from the checkpoint.") var initFrom: String?
    @Option(help: "Dataset root for --trajectories dataset.") var data: String?
    @Option(help: "Epochs (original 150, emergence 40).") var epochs: Int?
    @Option(help: "Training steps per epoch (original 100, emergence 800).") var stepsPerEpoch: Int?
    @Option(help: "Stop after this many minutes (resumable).") var minutes: Double?
    @Option(help: "Batch size (original 32, emergence 50).") var batchSize: Int?
    @Option(help: "Window length in steps (original 100, emergence 20).") var sequenceLength: Int?
    @Option(help: "Optimiser: rmsprop or adam (original rmsprop, emergence adam).") var optimizer: GridCellTrainingConfig.OptimizerKind?
    @Option(help: "Learning rate (1e-3).") var lr: Float?
    @Option(help: "Weight decay (1e-4).") var weightDecay: Float?
    @Option(help: "Place cells (256).") var placeCells: Int?
    @Option(help: "Place-cell width, cells (original 0.5, emergence 0.7).") var placeSigma: Float?
    @Option(help: "Place-cell tuning: gaussian, differenceOfGaussians or mexicanHat.") var placeTuning: PlaceCells.Tuning?
    @Option(help: "LSTM hidden units (128).") var hidden: Int?
    @Option(help: "Bottleneck units, the analysed grid cells (256).") var bottleneck: Int?
    @Option(help: "Bottleneck activation: linear or relu.") var bottleneckActivation: GridCellConfig.BottleneckActivation?
    @Option(help: "Bottleneck dropout (original 0.5, emergence 0).") var dropout: Float?
    @Flag(help: "Ablation: drop the head-direction term.") var noHdTerm = false
    @Flag(help: "Ablation: drop the initial-state term.") var noInitialTerm = false
    @Flag(help: "Ablation: drop the continuity term.") var noContinuityTerm = false
    @Flag(help: "Ablation: weight all steps equally.") var noStepWeighting = false
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Flag(help: "Draw each training window from its own generator, so that under mpirun each rank makes only its rows (Docs/Scaling.md).")
    var windowSeeds = false
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws { try checkConfig { try makeConfig().validate() } }

    func makeConfig() throws -> GridCellTrainingConfig {
        var c = preset.config
        if let initFrom { c.model = try GridCellNetwork.load(URL(fileURLWithPath: initFrom)).config; c.initialWeights = initFrom }
        if let trajectories { c.trajectories = trajectories }
        if let mazeFraction { c.mazeFraction = mazeFraction }
        if let data { c.dataset = data; if trajectories == nil { c.trajectories = .dataset } }
        if let epochs { c.epochs = epochs }
        if let stepsPerEpoch { c.stepsPerEpoch = stepsPerEpoch }
        if let batchSize { c.batchSize = batchSize }
        if let sequenceLength { c.sequenceLength = sequenceLength }
        if let optimizer { c.optimizer = optimizer }
        if let lr { c.learningRate = lr }
        if let weightDecay { c.weightDecay = weightDecay }
        if let placeCells { c.model.placeCells = placeCells }
        if let placeSigma { c.model.placeSigma = placeSigma }
        if let placeTuning { c.model.placeTuning = placeTuning }
        if let hidden { c.model.hiddenSize = hidden }
        if let bottleneck { c.model.bottleneckSize = bottleneck }
        if let bottleneckActivation { c.model.bottleneckActivation = bottleneckActivation }
        if let dropout { c.model.dropout = dropout }
        c.maxMinutes = minutes; c.seed = seed
        if windowSeeds { c.windowSeeds = true }
        c.loss.headDirectionTerm = !noHdTerm; c.loss.initialTerm = !noInitialTerm
        c.loss.continuityTerm = !noContinuityTerm; c.loss.stepWeighting = !noStepWeighting
        return c
    }

    func run() throws {
        let collective = trainingCollective()
        try runTraining(try GridCellTrainer(config: try makeConfig(), runFolder: URL(fileURLWithPath: output), resume: resume, collective: collective),
                        name: "grid", json: json, collective: collective)
    }
}

/// Options naming a checkpoint and the trajectories to evaluate it on.
struct CheckpointOptions: ParsableArguments {
    @Option(help: "Checkpoint (safetensors) written by `ssm grid train`.") var checkpoint = "Models/gridcell/model.safetensors"
    @Option(help: "Trajectories: maze, arena or dataset (default: the run's own, from config.json beside checkpoints/).") var trajectories: TrajectoryKind?
    @Option(help: "Dataset root for --trajectories dataset.") var data: String?
    @Option(help: "Seed of the evaluation trajectories.") var evalSeed: UInt64 = 7

    func evaluation(windowSteps: Int? = nil) throws -> GridCellEvaluation {
        try GridCellEvaluation(checkpoint: URL(fileURLWithPath: checkpoint), trajectories: trajectories, dataset: data,
                               windowSteps: windowSteps, seed: evalSeed)
    }
}

struct GridAnalyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Gridness of every bottleneck unit (40×40 rate maps, DeepMind's scorer), the fraction above 0.3, the top-10 mean.")

    @OptionGroup var model: CheckpointOptions
    @Option(help: "Position samples pooled into the rate maps (about 125 per bin of 40×40).") var samples = 200_000
    @Option(help: "Gridness threshold for the fraction.") var threshold: Double = 0.3
    @Option(help: "Time-shifted maps per unit for the chance baseline (0: none).") var shuffles = 10
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws {
        guard samples > 0 else { throw ValidationError("--samples must be positive") }
        guard (0...1000).contains(shuffles) else { throw ValidationError("--shuffles must be between 0 and 1000") }
        guard threshold.isFinite else { throw ValidationError("--threshold must be a finite number") }
        // Every sample's bottleneck activity is held until the rate maps are pooled: about 1.2 KB (measured).
        try MemoryLimit.check("--samples", count: samples, bytesPerUnit: 1_200)
    }

    func run() throws {
        let evaluation = try model.evaluation(), start = Date()
        let analysis = try evaluation.gridness(samples: samples, shuffles: shuffles)
        let r = GridnessReport(analysis, checkpoint: model.checkpoint, trajectories: evaluation.config.trajectories,
                               threshold: threshold, seconds: Date().timeIntervalSince(start))
        report(r, json: json)
    }
}

struct GridEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Path-integration error over held-out windows: decoded position (cells) and heading (rad), t ≥ 1.")

    @OptionGroup var model: CheckpointOptions
    @Option(help: "Batches of 32 windows.") var batches = 10
    @Option(help: "Window length in steps (default: the run's training windows).") var steps: Int?
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws {
        if let steps, steps < 2 { throw ValidationError("--steps must be at least 2") }
        guard batches > 0 else { throw ValidationError("--batches must be positive") }
        // A batch of 32 windows is held whole (trajectories, LSTM states, read-outs): about 6 KB per window-step.
        if let steps { try MemoryLimit.check("--steps", count: steps, bytesPerUnit: 32 * 6_000) }
    }

    func run() throws {
        report(try model.evaluation(windowSteps: steps).pathIntegration(batches: batches), json: json)
    }
}

struct GridGridness: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gridness",
        abstract: "Score one rate map given as a CSV (row i = x bin i, comma-separated; empty or nan = no data).")

    @Option(help: "The rate map CSV (square, e.g. 40×40).") var ratemap: String
    @Flag(help: "Print the result as one JSON line.") var json = false

    func run() throws {
        let map = try RateMap.readCSV(URL(fileURLWithPath: ratemap))
        let s = GridScorer(bins: map.bins).scores(map)
        if json { printJSON(["gridness60": s.gridness60, "gridness90": s.gridness90, "bins": map.bins]) } else {
            print(String(format: "gridness60 %.4f  gridness90 %.4f  (%d×%d bins)", s.gridness60, s.gridness90, map.bins, map.bins))
        }
    }
}

struct GridFiguresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "figures",
        abstract: "Rate maps and autocorrelograms of the top units (PNG, SVG), the gridness histogram and loss curves (SVG), true vs decoded trajectories (SVG).")

    @OptionGroup var model: CheckpointOptions
    @Option(help: "Output folder (default: figures/ of the checkpoint's training run; runs/figures/gridcell for a shipped model).") var output: String?
    @Option(help: "Units to show (the best by gridness60).") var units = 8
    @Option(help: "Position samples pooled into the rate maps (about 125 per bin of 40×40).") var samples = 200_000

    func validate() throws {
        guard units > 0 else { throw ValidationError("--units must be positive") }
        guard samples > 0 else { throw ValidationError("--samples must be positive") }
        try MemoryLimit.check("--samples", count: samples, bytesPerUnit: 1_200)
    }

    func run() throws {
        let evaluation = try model.evaluation()
        let runFolder = GridCellEvaluation.runFolder(of: evaluation.checkpoint)
        let shipped = FileManager.default.fileExists(atPath: runFolder.appendingPathComponent("model.safetensors").path)
        let out = output.map { URL(fileURLWithPath: $0) }
            ?? (shipped ? URL(fileURLWithPath: "runs/figures/gridcell") : runFolder.appendingPathComponent("figures"))
        for url in try evaluation.writeFigures(into: out, units: units, samples: samples).files { print(url.path) }
    }
}
