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
    /// The original project's set-up (paper-notes §6) on maze-explorer trajectories.
    case original
    /// Our configuration for fast grid emergence (Docs/GridCell.md): open-arena random walks, Mexican-hat
    /// place cells read out with a squared error, a ReLU bottleneck without dropout, Adam, short windows.
    case emergence

    var config: GridCellTrainingConfig {
        var c = GridCellTrainingConfig()
        switch self {
        case .original:
            break
        case .emergence:
            c.trajectories = .arena; c.sequenceLength = 20; c.batchSize = 50; c.optimizer = .adam; c.learningRate = 1e-3
            c.stepsPerEpoch = 800; c.epochs = 40; c.snapshotEpochs = [0, 2, 5, 10, 20]
            c.model.placeTuning = .mexicanHat; c.model.placeSigma = 0.7; c.model.bottleneckActivation = .relu; c.model.dropout = 0
        }
        return c
    }
}

struct GridTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a grid-cell network into a run folder (config.json, metrics.jsonl, checkpoints/, figures/).",
        discussion: "Start from --preset original (paper-notes §6, the default) or --preset emergence (fast grid "
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
        let total = config.epochs * config.stepsPerEpoch
        let start = Date(), firstStep = trainer.step
        stderr("grid: training into \(folder.path) from epoch \(trainer.epoch) (step \(trainer.step)); \(config.trajectories.rawValue) trajectories, batch \(config.batchSize) × \(config.sequenceLength)\n")
        let history: [EpochMetrics]
        do {
            history = try trainer.train(report: { m in
                stderr(String(format: "\repoch %d  step %d  train %.4f  val %.4f (place %.4f, hd %.4f)  error %.2f cells  lr %.2g\n",
                              m.epoch, m.step, m.trainLoss, m.validationLoss, m.validationPlace, m.validationHeadDirection,
                              m.meanPositionErrorCells, m.learningRate))
            }, onStep: { step, loss in
                let rate = Double(step - firstStep) / max(Date().timeIntervalSince(start), 1e-9)
                stderr(String(format: "\rstep %d/%d  loss %.4f  %.1f steps/s  ETA %.0fs ", step, total, loss, rate,
                              rate > 0 ? Double(total - step) / rate : 0))
            })
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

/// The run folder a checkpoint belongs to: its own folder for a shipped model (`Models/gridcell/model.safetensors`),
/// the parent of `checkpoints/` for a training run.
func runFolder(of checkpoint: URL) -> URL {
    let dir = checkpoint.deletingLastPathComponent()
    return FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.json").path) ? dir : dir.deletingLastPathComponent()
}

/// Writes to stderr (progress; stdout is for results).
func stderr(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

/// Options naming a checkpoint and the trajectories to evaluate it on.
struct CheckpointOptions: ParsableArguments {
    @Option(help: "Checkpoint (safetensors) written by `ssm grid train`.") var checkpoint = "Models/gridcell/model.safetensors"
    @Option(help: "Trajectories: maze, arena or dataset (default: the run's own, from config.json beside checkpoints/).") var trajectories: TrajectoryKind?
    @Option(help: "Dataset root for --trajectories dataset.") var data: String?
    @Option(help: "Seed of the evaluation trajectories.") var evalSeed: UInt64 = 7

    /// The network, its target cells and an evaluation source on held-out trajectories.
    func load() throws -> (GridCellNetwork, PlaceCells, HeadDirectionCells, TrajectorySource, GridCellTrainingConfig) {
        let url = URL(fileURLWithPath: checkpoint)
        let network = try GridCellNetwork.load(url)
        let configURL = runFolder(of: url).appendingPathComponent("config.json")
        var run = (try? JSONDecoder().decode(GridCellTrainingConfig.self, from: Data(contentsOf: configURL))) ?? GridCellTrainingConfig()
        run.model = network.config
        if let trajectories { run.trajectories = trajectories }
        if let data { run.dataset = data; if trajectories == nil { run.trajectories = .dataset } }
        run.seed = evalSeed &+ 0xE7A1
        let source = try GridCellTrainer.sources(run).validation
        return (network, network.config.makePlaceCells(), network.config.makeHeadDirectionCells(), source, run)
    }
}

struct GridAnalyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Gridness of every bottleneck unit (40×40 rate maps, paper-notes §6.6), the fraction above 0.3, the top-10 mean.")

    @OptionGroup var model: CheckpointOptions
    @Option(help: "Position samples pooled into the rate maps (about 125 per bin of 40×40).") var samples = 200_000
    @Option(help: "Gridness threshold for the fraction.") var threshold: Double = 0.3
    @Flag(help: "Print the result as one JSON line.") var json = false

    func run() throws {
        let (network, place, hd, source, run) = try model.load()
        let batches = max(1, samples / (32 * max(run.sequenceLength - 1, 1)))
        let start = Date()
        let analysis = try GridnessAnalysis(network: network, placeCells: place, headDirectionCells: hd, source: source,
                                            batches: batches, steps: run.sequenceLength, extent: Double(network.config.extent))
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
        var (network, place, hd, source, run) = try model.load()
        if let steps {
            run.sequenceLength = steps
            if run.trajectories == .dataset { source = try GridCellTrainer.sources(run).validation }
        }
        var sums: (Float, Float, Float, Float) = (0, 0, 0, 0)
        for k in 0..<batches {
            let batch = try source.batch(-2000 - k, size: 32, steps: run.sequenceLength)
            let (b, t) = (batch.batch, batch.steps)
            let output = noGrad {
                network(batch.velocities,
                        initialPlace: place.activity(batch.positions.slice(axis: 1, start: 0, end: 1).reshaped([b, 2])),
                        initialHeadDirection: hd.activity(batch.headings.slice(axis: 1, start: 0, end: 1).reshaped([b])))
            }
            let e = PathIntegrationErrors(output: output, batch: batch, placeCells: place, headDirectionCells: hd)
            sums.0 += e.meanPosition; sums.1 = max(sums.1, e.maxPosition); sums.2 += e.meanHeading; sums.3 = max(sums.3, e.maxHeading)
            _ = t
        }
        let n = Float(batches)
        let result: [String: Any] = [
            "checkpoint": model.checkpoint, "trajectories": run.trajectories.rawValue, "windows": batches * 32,
            "window_steps": run.sequenceLength,
            "mean_position_error_cells": sums.0 / n, "max_position_error_cells": sums.1,
            "mean_heading_error_rad": sums.2 / n, "max_heading_error_rad": sums.3,
        ]
        if json { printJSON(result) } else {
            print(String(format: "%d windows of %d steps (%@): position error mean %.3f, max %.2f cells; heading error mean %.3f, max %.2f rad",
                         batches * 32, run.sequenceLength, run.trajectories.rawValue, sums.0 / n, sums.1, sums.2 / n, sums.3))
        }
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
        let (network, place, hd, source, run) = try model.load()
        let batches = max(1, samples / (32 * max(run.sequenceLength - 1, 1)))
        let runFolder = runFolder(of: URL(fileURLWithPath: model.checkpoint))
        let shipped = FileManager.default.fileExists(atPath: runFolder.appendingPathComponent("model.safetensors").path)
        let out = output.map { URL(fileURLWithPath: $0) }
            ?? (shipped ? URL(fileURLWithPath: "runs/figures/gridcell") : runFolder.appendingPathComponent("figures"))
        let analysis = try GridnessAnalysis(network: network, placeCells: place, headDirectionCells: hd, source: source,
                                            batches: batches, steps: run.sequenceLength, extent: Double(network.config.extent))
        let top = Array(analysis.ranking.prefix(units))
        var written: [String] = []
        func write(_ name: String, _ body: (URL) throws -> Void) throws {
            let url = out.appendingPathComponent(name)
            try body(url); written.append(url.path)
        }
        try write("rate_maps_top.svg") { try GridFigures.unitPanel(analysis, units: top, title: "Rate maps (top) and autocorrelograms (bottom) of the most grid-like units").write(to: $0) }
        try write("rate_maps_top.png") { try GridFigures.rateMapStrip(analysis, units: top).write(to: $0) }
        try write("gridness_histogram.svg") { try GridFigures.gridnessHistogram(analysis).write(to: $0) }
        let metricsURL = runFolder.appendingPathComponent("metrics.jsonl")
        if FileManager.default.fileExists(atPath: metricsURL.path) {
            let metrics: [EpochMetrics] = try RunFolder.readMetrics(from: metricsURL)
            try write("loss_curves.svg") { try GridFigures.lossCurves(metrics).write(to: $0) }
            try write("position_error.svg") { try GridFigures.errorCurve(metrics).write(to: $0) }
        }
        let batch = try source.batch(-3000, size: 4, steps: run.sequenceLength)
        let b = batch.batch
        let output = noGrad {
            network(batch.velocities, initialPlace: place.activity(batch.positions.slice(axis: 1, start: 0, end: 1).reshaped([b, 2])),
                    initialHeadDirection: hd.activity(batch.headings.slice(axis: 1, start: 0, end: 1).reshaped([b])))
        }
        let errors = PathIntegrationErrors(output: output, batch: batch, placeCells: place, headDirectionCells: hd)
        try write("trajectories.svg") {
            try GridFigures.trajectories(truth: batch.positions, decoded: errors.positions, extent: Double(network.config.extent)).write(to: $0)
        }
        for path in written { print(path) }
    }
}
