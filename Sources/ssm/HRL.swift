import ArgumentParser
import Basics
import Foundation
import HRLICM
import InfoBottleneck
import TeamSearch
import Training

/// `ssm hrl …`: the learned hierarchical team policy.
struct HRL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hrl", abstract: "The learned team policy (HRL-ICM): train it, evaluate it.", subcommands: [HRLTrain.self, HRLEval.self])
}

struct HRLTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the team policy with MAPPO: a run folder with config.json, metrics.jsonl, checkpoints and figures/training.svg.",
        discussion: "--resume continues a stopped run exactly (same flags; --iterations and --max-minutes may change).")

    @Option(help: "Run folder.") var output = "runs/hrl"
    @Option(help: "Iterations (each: one episode per environment, then the update).") var iterations = 60
    @Option(help: "Stop after this many minutes of training (resume later).") var maxMinutes: Double?
    @Option(help: "Parallel environments.") var envs = 64
    @Option(help: "Maze preset trained on.") var preset = 15
    @Option(help: "Iterations on 9×9 mazes first.") var curriculumIterations = 0
    @Option(help: "Iterations that clone the scripted event agent first (DAgger).") var cloningIterations = 12
    @Option(help: "Cloning weights each message choice by its frequency to this power, negated (0: plain; 1: balanced).")
    var cloningBalance: Float = 0.5
    @Option(help: "Reward per wire bit queued (λ).") var bitCost: Float = 5e-5
    @Option(help: "Learning rate (Adam).") var lr: Float = 5e-4
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Models folder (the learned patch codes).") var models = "Models"
    @Flag(help: "Ablation: no curiosity module.") var noCuriosity = false
    @Flag(help: "Ablation: no partner model (no belief-error inputs).") var noPartnerModel = false
    @Flag(help: "Ablation: no learned patch codes (lossless patches only).") var noCodes = false
    @Flag(help: "Ablation: no learned meta-controller (the runtime's scripted frontier choice; only messages are learned).")
    var scriptedGoals = false
    @Flag(help: "Ablation: flat, no hierarchy (a primitive action every step from local features; no planner).") var flat = false
    @Flag(help: "Continue the run in --output.") var resume = false
    @Flag(help: "Print the last metrics as one JSON line.") var json = false

    func run() throws {
        var c = HRLTrainingConfig()
        c.iterations = iterations; c.maxMinutes = maxMinutes; c.envs = envs; c.mazeSize = preset
        c.curriculumIterations = curriculumIterations; c.behaviourCloningIterations = cloningIterations
        c.cloningBalance = cloningBalance
        c.policy.bitCost = bitCost; c.learningRate = lr; c.seed = seed
        c.policy.curiosity = !noCuriosity; c.policy.partnerModel = !noPartnerModel; c.policy.metaController = !scriptedGoals
        if flat { c.policy.primitiveActions = true }
        if noCodes { c.policy.codeBits = 0 }
        let collective = trainingCollective()
        let training = try HRLTraining(config: c, folder: URL(fileURLWithPath: output), resume: resume, models: URL(fileURLWithPath: models),
                                       collective: collective)
        if collective.size > 1, collective.rank == 0 { stderr("hrl: DD-PPO on \(collective.size) processes, \(c.envs / collective.size) environments each\n") }
        try training.run { if collective.rank == 0 { stderr($0 + "\n") } }
        guard collective.rank == 0 else { return }
        let all = try RunFolder.readMetrics(HRLMetrics.self, from: training.folder.metricsURL)
        try HRLFigures.trainingCurves(all).write(to: training.folder.figures.appendingPathComponent("training.svg"))
        if json, let last = all.last {
            var line = (try JSONSerialization.jsonObject(with: JSONEncoder().encode(last)) as? [String: Any]) ?? [:]
            line["world_size"] = collective.size
            if training.lastLoss.isFinite { line["final_loss"] = Double(training.lastLoss) }
            return printJSON(line)
        }
        print("\(training.folder.latest.path) (\(all.count) iterations; figures/training.svg)")
    }
}

struct HRLEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Evaluate a trained team policy on held-out mazes at each budget (a sweep folder with the method hrlicm).")

    @OptionGroup var task: TeamTaskOptions
    @Option(help: "Checkpoint (default: the shipped model).") var model = "Models/hrlicm/model.safetensors"
    @Option(help: "Models folder (the learned patch codes).") var models = "Models"
    @Option(help: "Comma-separated bits per step per sender.") var bits = "128,4,1"
    @Option(help: "Mazes per budget.") var mazes = 200
    @Option(help: "First maze seed (held-out seeds start at 2,000,000; calibration seeds, for choosing among checkpoints, at 1,000,000).")
    var seedBase: UInt64 = 2_000_000
    @Option(help: "Episodes run in parallel.") var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Output folder.") var output = "runs/hrl-eval"
    @Flag(help: "Print the summary rows as one JSON line.") var json = false

    func run() throws {
        HRLMethods.register("hrlicm", model: URL(fileURLWithPath: model), models: URL(fileURLWithPath: models))
        var c = BandwidthSweep.Config()
        c.task = try task.task(); c.mazes = mazes; c.seedBase = seedBase; c.methods = [TeamMethod(rawValue: "hrlicm")!]
        c.rates = try bits.split(separator: ",").map { guard let r = BitRate(String($0)) else { throw ValidationError("--bits: '\($0)' is not a bit rate") }; return r }
        let rows = try BandwidthSweep(config: c).run(into: URL(fileURLWithPath: output), jobs: jobs)
        if json { return printJSON(BandwidthSweep.Summary(rows: rows)) }
        print(BandwidthSweep.table(rows))
    }
}
