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
    case original, emergence
    var config: GridCellTrainingConfig { self == .original ? .original : .emergence }
}

struct GridTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a grid-cell network into a run folder (config.json, metrics.jsonl, checkpoints/, figures/).",
        discussion: "Start from --preset original (the default) or --preset emergence (fast grid "
            + "emergence, Docs/GridCell.md); any option below overrides the preset. A run stopped by --minutes or by an "
            + "interruption continues exactly with --resume and the same flags.")

    @Option(help: "Starting configuration: original or emergence.") var preset: GridPreset = .original
    @Option(help: "Run folder.") var output = "runs/grid"
    @Flag(help: "Continue the run in --output from its latest checkpoint.") var resume = false
    @Option(help: "Trajectories: maze (explorer in generated mazes), arena (open-arena random walks), dataset.") var trajectories: TrajectoryKind?
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
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws {
        let c = makeConfig()
        guard c.epochs > 0, c.stepsPerEpoch > 0, c.batchSize > 0, c.sequenceLength > 1 else {
            throw ValidationError("--epochs, --steps-per-epoch and --batch-size must be positive and --sequence-length above 1")
        }
        guard c.learningRate > 0 else { throw ValidationError("--lr must be positive") }
        guard (0..<1).contains(c.model.dropout) else { throw ValidationError("--dropout must be in [0, 1)") }
        guard c.model.placeCells > 0, c.model.hiddenSize > 0, c.model.bottleneckSize > 0, c.model.placeSigma > 0 else {
            throw ValidationError("--place-cells, --hidden, --bottleneck and --place-sigma must be positive")
        }
        if c.trajectories == .dataset && c.dataset == nil { throw ValidationError("--trajectories dataset needs --data DIR") }
        if let minutes, minutes <= 0 { throw ValidationError("--minutes must be positive") }
    }

    func makeConfig() -> GridCellTrainingConfig {
        var c = preset.config
        if let trajectories { c.trajectories = trajectories }
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
        c.loss.headDirectionTerm = !noHdTerm; c.loss.initialTerm = !noInitialTerm
        c.loss.continuityTerm = !noContinuityTerm; c.loss.stepWeighting = !noStepWeighting
        return c
    }

    func run() throws {
        let config = makeConfig()
        let folder = URL(fileURLWithPath: output)
        let trainer = try GridCellTrainer(config: config, runFolder: folder, resume: resume)
        let meter = ProgressMeter(total: config.epochs * config.stepsPerEpoch, unit: "steps", first: trainer.step)
        stderr("grid: training into \(folder.path) from epoch \(trainer.epoch) (step \(trainer.step)); \(config.trajectories.rawValue) trajectories, batch \(config.batchSize) × \(config.sequenceLength)\n")
        let history: [EpochMetrics]
        do {
            history = try trainer.train(report: { m in
                stderr(String(format: "\repoch %d  step %d  train %.4f  val %.4f (place %.4f, hd %.4f)  error %.2f cells  lr %.2g\n",
                              m.epoch, m.step, m.trainLoss, m.validationLoss, m.validationPlace, m.validationHeadDirection,
                              m.meanPositionErrorCells, m.learningRate))
            }, onStep: { meter.update($0, detail: String(format: "loss %.4f", $1)) })
        } catch let error as NonFiniteTrainingError {
            stderr("\n")
            throw error
        }
        stderr("\n")
        let last = history.last
        let result: [String: Any] = [
            "run_folder": folder.path, "epoch": trainer.epoch, "step": trainer.step,
            "val_loss": last?.validationLoss as Any? ?? NSNull(),
            "mean_position_error_cells": last?.meanPositionErrorCells as Any? ?? NSNull(),
            "seconds": last?.seconds as Any? ?? NSNull(),
        ]
        if json { printJSON(result) } else { print("grid: \(trainer.epoch) epochs, \(trainer.step) steps; checkpoints in \(folder.path)/checkpoints") }
    }
}

/// Writes to stderr (progress; stdout is for results).
func stderr(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

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
    @Flag(help: "Print the result as one JSON line.") var json = false

    func run() throws {
        let evaluation = try model.evaluation(), run = evaluation.config
        let start = Date()
        let analysis = try evaluation.gridness(samples: samples)
        let top = analysis.ranking.prefix(10)
        let result: [String: Any] = [
            "checkpoint": model.checkpoint, "trajectories": run.trajectories.rawValue, "units": analysis.scores.count,
            "samples": analysis.samples, "threshold": threshold,
            "fraction_gridness60_above_threshold": analysis.fractionAbove(threshold),
            "top10_mean_gridness60": analysis.topMean(10),
            "mean_gridness60": analysis.scores.map(\.gridness60).reduce(0, +) / Double(analysis.scores.count),
            "fraction_gridness90_above_threshold": Double(analysis.scores.filter { $0.gridness90 > threshold }.count) / Double(analysis.scores.count),
            "top_units": Array(top), "gridness60": analysis.scores.map(\.gridness60), "gridness90": analysis.scores.map(\.gridness90),
            "seconds": Date().timeIntervalSince(start),
        ]
        if json { printJSON(result) } else {
            print(String(format: "%d units: %.1f%% with gridness60 > %.2f; top-10 mean %.3f; best units %@",
                         analysis.scores.count, analysis.fractionAbove(threshold) * 100, threshold, analysis.topMean(10),
                         top.map { String(format: "%d (%.2f)", $0, analysis.scores[$0].gridness60) }.joined(separator: ", ")))
        }
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
    }

    func run() throws {
        let r = try model.evaluation(windowSteps: steps).pathIntegration(batches: batches)
        if json { return printJSON(r) }
        print(String(format: "%d windows of %d steps (%@): position error mean %.3f, max %.2f cells; heading error mean %.3f, max %.2f rad",
                     r.windows, r.windowSteps, r.trajectories.rawValue, r.meanPositionErrorCells, r.maxPositionErrorCells,
                     r.meanHeadingErrorRad, r.maxHeadingErrorRad))
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

    func run() throws {
        let evaluation = try model.evaluation()
        let runFolder = GridCellEvaluation.runFolder(of: evaluation.checkpoint)
        let shipped = FileManager.default.fileExists(atPath: runFolder.appendingPathComponent("model.safetensors").path)
        let out = output.map { URL(fileURLWithPath: $0) }
            ?? (shipped ? URL(fileURLWithPath: "runs/figures/gridcell") : runFolder.appendingPathComponent("figures"))
        for url in try evaluation.writeFigures(into: out, units: units, samples: samples) { print(url.path) }
    }
}
