import ArgumentParser
import Foundation
import GridCell
import SocialPlaceCell
import Tensor

extension SocialTrajectoryKind: ExpressibleByArgument {}

/// `ssm spc …`: social place cells.
struct SPC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spc", abstract: "Train the social grid-cell network and classify its units with the probe protocol.",
        subcommands: [SPCTrain.self, SPCAnalyze.self, SPCFigures.self])
}

struct SPCTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the social network on two-agent open-arena trajectories into a run folder.",
        discussion: "A run stopped by --minutes or an interruption continues exactly with --resume and the same flags.")

    @Option(help: "Run folder.") var output = "runs/spc"
    @Flag(help: "Continue the run in --output from its latest checkpoint.") var resume = false
    @Option(help: "Epochs.") var epochs = 60
    @Option(help: "Training steps per epoch.") var stepsPerEpoch = 100
    @Option(help: "Stop after this many minutes (resumable).") var minutes: Double?
    @Option(help: "Batch size.") var batchSize = 32
    @Option(help: "Window length in steps.") var sequenceLength = 100
    @Option(help: "Learning rate (Adam).") var lr: Float = 3e-3
    @Option(help: "Trajectories: arena, maze, probe (the §10.2 generator) or mixed.") var trajectories: SocialTrajectoryKind = .arena
    @Option(help: "Probability that an agent stands still for a window.") var staticProbability: Float = 0.3
    @Option(help: "Weight of the distance term.") var distanceWeight: Float = 1
    @Option(help: "Bottleneck dropout.") var dropout: Float = 0.5
    @Option(help: "Weight of the L1 penalty on bottleneck activity (0 = none).") var activityL1: Float = 0
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws {
        guard epochs > 0, stepsPerEpoch > 0, batchSize > 0, sequenceLength > 1, lr > 0 else {
            throw ValidationError("--epochs, --steps-per-epoch, --batch-size and --lr must be positive, --sequence-length above 1")
        }
        guard (0...1).contains(staticProbability) else { throw ValidationError("--static-probability must be in [0, 1]") }
        guard (0..<1).contains(dropout) else { throw ValidationError("--dropout must be in [0, 1)") }
    }

    func run() throws {
        var c = SocialTrainingConfig()
        c.epochs = epochs; c.stepsPerEpoch = stepsPerEpoch; c.maxMinutes = minutes; c.batchSize = batchSize
        c.sequenceLength = sequenceLength; c.learningRate = lr; c.trajectories = trajectories; c.staticProbability = staticProbability
        c.distanceWeight = distanceWeight; c.model.cells.dropout = dropout; c.seed = seed; c.activityL1 = activityL1
        let trainer = try SocialTrainer(config: c, runFolder: URL(fileURLWithPath: output), resume: resume)
        let meter = ProgressMeter(total: c.epochs * c.stepsPerEpoch, unit: "steps", first: trainer.step)
        stderr("spc: training into \(output) from epoch \(trainer.epoch)\n")
        let history = try trainer.train(report: { m in
            stderr(String(format: "\repoch %d  step %d  train %.4f  val %.4f  self %.2f  partner %.2f  distance %.2f cells\n",
                          m.epoch, m.step, m.trainLoss, m.validationLoss, m.selfPositionErrorCells, m.partnerPositionErrorCells, m.distanceErrorCells))
        }, onStep: { meter.update($0, detail: String(format: "loss %.4f", $1)) })
        stderr("\n")
        let last = history.last
        if json {
            printJSON(["run_folder": output, "epoch": trainer.epoch, "step": trainer.step, "val_loss": last?.validationLoss as Any? ?? NSNull(),
                       "val_partner_position_error_cells": last?.partnerPositionErrorCells as Any? ?? NSNull()])
        } else { print("spc: \(trainer.epoch) epochs, \(trainer.step) steps; checkpoints in \(output)/checkpoints") }
    }
}

struct SPCAnalyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Classify every bottleneck unit with the probe protocol; counts, fractions, partner decoding error.")

    @Option(help: "Checkpoint (default: the shipped model).") var checkpoint = "Models/spc/model.safetensors"
    @Option(help: "Repetitions per probe condition.") var repetitions = 100
    @Option(help: "High and low peak thresholds.") var high: Float = 0.5
    @Option var low: Float = 0.2
    @Flag(help: "Print the result as one JSON line.") var json = false

    func run() throws {
        let network = try SocialGridCellNetwork.load(URL(fileURLWithPath: checkpoint))
        let a = SocialProbeAnalysis(network: network, repetitions: repetitions, high: high, low: low)
        var result: [String: Any] = ["checkpoint": checkpoint, "units": a.types.count, "repetitions": repetitions,
                                     "partner_position_error_cells": a.partnerPositionErrorCells,
                                     "self_position_error_cells": a.selfPositionErrorCells]
        for t in SocialCellType.allCases {
            result["count_\(t.rawValue)"] = a.count(t); result["fraction_\(t.rawValue)"] = a.fraction(t)
        }
        // Why units are "other": active when both stand still, or never above the high threshold.
        let others = a.types.indices.filter { a.types[$0] == .other }
        result["count_other_active_when_static"] = others.filter { a.peaks[$0][3] >= low }.count
        result["count_other_weak"] = others.filter { a.peaks[$0][3] < low }.count
        if json { printJSON(result) } else {
            print(SocialCellType.allCases.map { String(format: "%@ %d (%.1f%%)", $0.rawValue, a.count($0), a.fraction($0) * 100) }.joined(separator: ", "))
            print("other: \(result["count_other_active_when_static"]!) active when both static, \(result["count_other_weak"]!) never above \(high)")
            print(String(format: "partner position error when both move: %.2f cells (self %.2f)", a.partnerPositionErrorCells, a.selfPositionErrorCells))
        }
    }
}

struct SPCFigures: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "figures",
        abstract: "Rate maps of example units of each type against self or partner position (PNG, SVG) and the population breakdown (SVG).")

    @Option(help: "Checkpoint (default: the shipped model).") var checkpoint = "Models/spc/model.safetensors"
    @Option(help: "Output folder.") var output = "runs/figures/spc"

    func run() throws {
        let network = try SocialGridCellNetwork.load(URL(fileURLWithPath: checkpoint))
        let a = SocialProbeAnalysis(network: network)
        let out = URL(fileURLWithPath: output)
        try SocialFigures.examples(a).write(to: out.appendingPathComponent("spc_examples.svg"))
        try SocialFigures.breakdown(a).write(to: out.appendingPathComponent("spc_population.svg"))
        for t in [SocialCellType.purePlaceCell, .pureSPC, .specialSPC] {
            guard let u = a.example(t) else { continue }
            let partner = t == .pureSPC
            try GridFigures.rateMapImage(a.rateMap(unit: u, condition: partner ? .partnerMoving : .selfMoving, partnerPosition: partner))
                .write(to: out.appendingPathComponent("\(t.rawValue)_unit\(u).png"))
        }
        print(out.path)
    }
}
