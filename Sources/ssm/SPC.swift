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
    @Option(help: "Trajectories: arena, maze, probe (the probe protocol's generator) or mixed.") var trajectories: SocialTrajectoryKind = .arena
    @Option(help: "Probability that an agent stands still for a window.") var staticProbability: Float = 0.3
    @Option(help: "Weight of the distance term.") var distanceWeight: Float = 1
    @Option(help: "Bottleneck dropout.") var dropout: Float = 0.5
    @Option(help: "Weight of the L1 penalty on bottleneck activity (0 = none).") var activityL1: Float = 0
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws { try checkConfig { try config().validate() } }

    func config() -> SocialTrainingConfig {
        var c = SocialTrainingConfig()
        c.epochs = epochs; c.stepsPerEpoch = stepsPerEpoch; c.maxMinutes = minutes; c.batchSize = batchSize
        c.sequenceLength = sequenceLength; c.learningRate = lr; c.trajectories = trajectories; c.staticProbability = staticProbability
        c.distanceWeight = distanceWeight; c.model.cells.dropout = dropout; c.seed = seed; c.activityL1 = activityL1
        return c
    }

    func run() throws {
        try runTraining(try SocialTrainer(config: config(), runFolder: URL(fileURLWithPath: output), resume: resume), name: "spc", json: json)
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

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
        guard high.isFinite, low.isFinite, low <= high else { throw ValidationError("--high and --low must be finite with --low ≤ --high") }
    }

    func run() throws {
        let network = try SocialGridCellNetwork.load(URL(fileURLWithPath: checkpoint))
        let a = SocialProbeAnalysis(network: network, repetitions: repetitions, high: high, low: low)
        var result: [String: Any] = a.report(low: low)
        result["checkpoint"] = checkpoint
        if json { return printJSON(result) }
        print(SocialCellType.allCases.map { String(format: "%@ %d (%.1f%%)", $0.rawValue, a.count($0), a.fraction($0) * 100) }.joined(separator: ", "))
        print("other: \(Int(result["count_other_active_when_static"] as! Double)) active when both static, \(Int(result["count_other_weak"] as! Double)) never above \(high)")
        print(String(format: "partner position error when both move: %.2f cells (self %.2f)", a.partnerPositionErrorCells, a.selfPositionErrorCells))
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
        try SocialFigures.writeAll(SocialProbeAnalysis(network: network), into: URL(fileURLWithPath: output))
        print(output)
    }
}
