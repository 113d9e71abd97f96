import ArgumentParser
import BEV
import Foundation
import MazeEnv
import Tensor

/// `ssm bev …`: the bird's-eye-view predictor.
struct BEVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bev", abstract: "Train, evaluate and draw the BEV predictor (egocentric view → local top-down map).",
        subcommands: [BEVTrain.self, BEVEval.self, BEVFiguresCommand.self, DetectorCommand.self])
}

struct BEVTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train the BEV predictor (CPU size by default) into a run folder; resumable.")

    @Option(help: "Run folder.") var output = "runs/bev"
    @Flag(help: "Use the original model size (about 10 M parameters, 250×250 output).") var original = false
    @OptionGroup var options: PerceptionRunOptions
    @Option(help: "Transformer dropout (the original's 0.1 by default; samples are fresh every step, so 0 loses little).") var dropout: Float = 0.1
    @Option(help: "Weight of a soft IoU term added to the original loss (0: the original loss).") var iouWeight: Float = 0
    @Option(help: "Weight of a target pixel's colour error against a floor pixel's (1: the original loss).") var targetWeight: Float = 1
    @Option(help: "Add a target-class head with this many target slots (6 covers every preset): the BEV then shows each visible target it classifies, in its palette colour; with --init-from, the head starts fresh.") var targetClasses: Int?
    @Option(help: "With --target-classes: weight of a target pixel's class error against a background pixel's.") var targetClassWeight: Float = 20

    func validate() throws { try checkConfig { try config().validate() } }

    func config() -> BEVTrainingConfig {
        var c = options.apply(to: BEVTrainingConfig())
        if original { c.model = .original; c.target.cellsAcross = 250 / 16 }
        c.model.dropout = dropout
        if iouWeight != 0 { c.loss.iouWeight = iouWeight }
        if targetWeight != 1 { c.loss.targetWeight = targetWeight }
        if let targetClasses { c.model.targetSlots = targetClasses }
        if targetClassWeight != 20 { c.loss.targetClassWeight = targetClassWeight }
        return c
    }

    func run() throws {
        var c = config()
        if let initFrom = options.initFrom {
            let base = try BEVModel.load(URL(fileURLWithPath: initFrom))
            c.model = base.predictor.config; c.model.dropout = dropout; c.target = base.geometry
            if let targetClasses { c.model.targetSlots = targetClasses }
            c.initialWeights = initFrom
        }
        let collective = trainingCollective()
        try runTraining(try BEVTrainer(config: c, runFolder: URL(fileURLWithPath: output), resume: options.resume, collective: collective),
                        name: "bev", json: options.json, collective: collective)
    }
}

/// The flags the BEV and detector trainers share: the run's length, rate, data, starting weights and schedule.
struct PerceptionRunOptions: ParsableArguments {
    @Flag(help: "Continue the run in --output.") var resume = false
    @Option(help: "Epochs.") var epochs = 100
    @Option(help: "Steps per epoch.") var stepsPerEpoch = 50
    @Option(help: "Stop after this many minutes (resumable).") var minutes: Double?
    @Option(help: "Batch size.") var batchSize = 32
    @Option(help: "Learning rate (Adam).") var lr: Float = 3e-4
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Option(help: "Train on this dataset (with layouts; Docs/Datasets.md) instead of generated scenes; its last episode validates.") var data: String?
    @Option(help: "With --data: the share of each batch drawn from it, the rest generated (--style, --randomize); validation on its last episode.") var dataFraction: Double?
    @Option(help: "Start from these weights (fine-tuning); the model size is read from the checkpoint.") var initFrom: String?
    @Option(help: "Cosine-anneal the learning rate to zero over this many steps instead of the original's ReduceLROnPlateau.") var cosineSteps: Int?
    @Option(help: "Linear warm-up steps before the cosine schedule.") var warmupSteps = 0
    @Option(help: "Generated scenes' look: flat (90° view) or memory-maze (80° view, pitched down; Docs/MazeEnv.md).") var style: RenderStyle = .flat
    @Flag(help: "Domain randomisation of generated scenes: each sample draws its field of view (±10°), colour cast, brightness, contrast and noise.")
    var randomize = false
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws {
        if cosineSteps == nil && warmupSteps != 0 { throw ValidationError("--warmup-steps needs --cosine-steps") }
    }

    func apply<C: PerceptionRunSettings>(to config: C) -> C {
        var c = config
        c.epochs = epochs; c.stepsPerEpoch = stepsPerEpoch; c.maxMinutes = minutes; c.batchSize = batchSize; c.learningRate = lr; c.seed = seed
        c.data = data; c.dataFraction = dataFraction; c.cosineSteps = cosineSteps; c.warmupSteps = cosineSteps == nil ? nil : warmupSteps
        if style == .memoryMaze { c.render = .memoryMaze }
        if randomize { c.randomization = DomainRandomization() }
        return c
    }
}

/// The settings `PerceptionRunOptions` writes.
protocol PerceptionRunSettings {
    var epochs: Int { get set }
    var stepsPerEpoch: Int { get set }
    var maxMinutes: Double? { get set }
    var batchSize: Int { get set }
    var learningRate: Float { get set }
    var seed: UInt64 { get set }
    var data: String? { get set }
    var dataFraction: Double? { get set }
    var cosineSteps: Int? { get set }
    var warmupSteps: Int? { get set }
    var render: RenderConfig? { get set }
    var randomization: DomainRandomization? { get set }
}

extension BEVTrainingConfig: PerceptionRunSettings {}
extension TargetDetectorTrainingConfig: PerceptionRunSettings {}

/// The scenes an evaluation or figure uses: a dataset's frames (ground truth from its layout and poses) or
/// held-out generated mazes.
struct BEVSceneOptions: ParsableArguments {
    @Option(help: "A dataset (Docs/Datasets.md) with layouts (default: held-out generated mazes).") var data: String?
    @Option(help: "Use every k-th frame of --data.") var every = 1
    @Option(help: "Held-out scenes when there is no --data.") var samples = 512
    @Option(help: "Seed of the held-out scenes.") var seed: UInt64 = 1

    func validate() throws {
        guard every > 0, samples > 0 else { throw ValidationError("--every and --samples must be positive") }
    }

    func scenes(limit: Int? = nil) throws -> [BEVScene] {
        if let data {
            let all = try BEVScene.from(Dataset.load(URL(fileURLWithPath: data)), every: every)
            return limit.map { Array(all.prefix($0)) } ?? all
        }
        return try BEVScene.heldOut(count: limit ?? samples, seed: seed)
    }

    /// The scenes 64 at a time, with their total: held-out scenes are generated chunk by chunk, so memory does not
    /// grow with --samples.
    func forEachChunk(_ body: (_ scenes: [BEVScene], _ total: Int) throws -> Void) throws {
        if data != nil {
            let all = try scenes()
            for start in stride(from: 0, to: all.count, by: 64) { try body(Array(all[start..<min(start + 64, all.count)]), all.count) }
        } else {
            try BEVScene.heldOut(count: samples, seed: seed) { try body($0, samples) }
        }
    }
}

struct BEVEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Free-space IoU, RGB error, and the target channel's visibility AP, recall, precision and position error of a BEV checkpoint.")

    @Option(help: "BEV checkpoint.") var checkpoint = "Models/bev/model.safetensors"
    @OptionGroup var scenes: BEVSceneOptions
    @Option(help: "Target detector evaluated on the same scenes (skipped when the file is absent).") var detector = "Models/detector/model.safetensors"
    @Flag(help: "Print the result as one JSON line.") var json = false

    func run() throws {
        let model = try BEVModel.load(URL(fileURLWithPath: checkpoint))
        let detectorModel = FileManager.default.fileExists(atPath: detector) ? try TargetDetector.load(URL(fileURLWithPath: detector)) : nil
        var evaluation = BEVEvaluation(), tally = DetectionTally()
        var meter: ProgressMeter?
        try scenes.forEachChunk { part, total in
            if meter == nil { meter = ProgressMeter(total: total, unit: "scenes") }
            evaluation.add(model, on: part)
            if let detectorModel { try tally.add(detectorModel, on: part) }
            meter?.update(evaluation.scenes)
        }
        meter?.finish()
        var result = evaluation.summary
        if detectorModel != nil {
            let m = tally.metrics
            result["detector"] = detector
            result["detector_visibility_ap"] = m.averagePrecision.isFinite ? m.averagePrecision : NSNull()
            result["detector_position_error_cells"] = m.positionErrorCells.isFinite ? m.positionErrorCells : NSNull()
            result["detector_recall_by_distance"] = tally.recallByDistanceSummary
            if !json { print(String(format: "detector: visibility AP %.3f  position error %.2f cells", m.averagePrecision, m.positionErrorCells)) }
        }
        result["checkpoint"] = checkpoint
        result["data"] = scenes.data ?? "held-out generated mazes (seeds ≥ 1,000,000)"
        if json { printJSON(result) } else {
            print(String(format: "free-space IoU %.3f (pixels), %.3f (cells)  RGB error %.3f  (%d scenes)",
                         evaluation.freeIoU, evaluation.freeCellIoU, evaluation.rgbError, evaluation.scenes))
            print(String(format: "targets: AP %.3f  recall %.3f (%d visible)  precision %.3f (%d shown)  position error %.2f cells",
                         evaluation.targetAveragePrecision, evaluation.targetRecall, evaluation.visibleTargets,
                         evaluation.targetPrecision, evaluation.shownTargets, evaluation.targetPositionError))
        }
    }
}

struct BEVFiguresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "figures", abstract: "Panels of view / ground truth / prediction (SVG, and a PNG per row).")

    @Option(help: "BEV checkpoint.") var checkpoint = "Models/bev/model.safetensors"
    @OptionGroup var scenes: BEVSceneOptions
    @Option(help: "Rows of the figure.") var rows = 6
    @Option(help: "Output folder.") var output = "runs/bev-figures"

    func run() throws {
        let chosen = try scenes.scenes(limit: rows)
        let source = scenes.data.map { "frames of \(URL(fileURLWithPath: $0).lastPathComponent)" } ?? "held-out generated mazes"
        try BEVFigures.writeSamples(try BEVModel.load(URL(fileURLWithPath: checkpoint)), scenes: chosen, source: source, into: URL(fileURLWithPath: output))
        print("bev figures: \(output)/bev_panels.svg and \(chosen.count) sample PNGs")
    }
}

/// `ssm bev detector …`: the target detector.
struct DetectorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detector", abstract: "Train and evaluate the target detector (which targets are in view, and where).",
        subcommands: [DetectorTrain.self, DetectorEval.self])
}

struct DetectorTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train the target detector (CPU size by default, from scratch) into a run folder; resumable.")

    @Option(help: "Run folder.") var output = "runs/detector"
    @Flag(help: "Use the original size (ResNet-18 conv1…layer3, about 2.8 M parameters).") var original = false
    @OptionGroup var options: PerceptionRunOptions
    @Option(help: "Comma-separated maze sizes to draw generated scenes from (default: 15), e.g. 9,15.") var mazeSizes: String?

    func validate() throws { try checkConfig { try config().validate() } }

    func config() throws -> TargetDetectorTrainingConfig {
        var c = options.apply(to: TargetDetectorTrainingConfig())
        if original { c.model = .original }
        if let mazeSizes {
            let sizes = mazeSizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil }) else { throw ValidationError("--maze-sizes \(mazeSizes): comma-separated integers") }
            c.mazeSizes = sizes.map { $0! }
        }
        return c
    }

    func run() throws {
        var c = try config()
        if let initFrom = options.initFrom { c.model = try TargetDetector.load(URL(fileURLWithPath: initFrom)).config; c.initialWeights = initFrom }
        try runTraining(try TargetDetectorTrainer(config: c, runFolder: URL(fileURLWithPath: output), resume: options.resume), name: "detector", json: options.json)
    }
}

struct DetectorEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Visibility average precision and position error (cells) of a detector checkpoint.")

    @Option(help: "Detector checkpoint.") var checkpoint = "Models/detector/model.safetensors"
    @OptionGroup var scenes: BEVSceneOptions
    @Flag(help: "Print the result as one JSON line.") var json = false

    func run() throws {
        let detector = try TargetDetector.load(URL(fileURLWithPath: checkpoint))
        var tally = DetectionTally(), count = 0
        try scenes.forEachChunk { part, _ in try tally.add(detector, on: part); count += part.count }
        let m = tally.metrics
        let result: [String: Any] = ["checkpoint": checkpoint, "scenes": count, "visible_targets": m.visibleTargets,
                                     "visibility_ap": m.averagePrecision.isFinite ? m.averagePrecision : NSNull(),
                                     "position_error_cells": m.positionErrorCells.isFinite ? m.positionErrorCells : NSNull(),
                                     "recall_by_distance": tally.recallByDistanceSummary,
                                     "data": scenes.data ?? "held-out generated mazes (seeds ≥ 1,000,000)"]
        if json { printJSON(result) } else {
            print(String(format: "visibility AP %.3f  position error %.2f cells  (%d scenes, %d visible targets)",
                         m.averagePrecision, m.positionErrorCells, count, m.visibleTargets))
            print("recall by distance: " + tally.recallByDistance.map { String(format: "%@ cells %.2f of %d", $0.label, $0.recall, $0.visible) }.joined(separator: ", "))
        }
    }
}
