import ArgumentParser
import Basics
import Foundation
import InfoBottleneck
import TeamSearch

extension TeamMethod: ExpressibleByArgument {}
extension BitRate: ExpressibleByArgument { public init?(argument: String) { self.init(argument) } }
extension TeamIntervention.Kind: ExpressibleByArgument {}

/// The task's flags shared by the team commands.
struct TeamTaskOptions: ParsableArguments {
    @Option(help: "Maze preset size: 9, 11, 13, 15 (Memory-Maze) or 21, 25, 31.") var preset = 15
    @Option(help: "Team size, 2–4.") var agents = 2
    @Option(help: "Perception: gt (the visibility raycast) or learned (the shipped BEV model and detector on rendered views).") var perception = "gt"
    @Option(help: "With --perception learned: dead-reckon each agent's pose with the shipped path integrator, fixed from the observed pose every N steps.")
    var poseFixEvery: Int?
    @Option(help: "With --pose-fix-every: blend each step's decoded pose into the belief carried on by the self-motion with this weight, in (0, 1] (default: the decoded pose alone).")
    var poseGain: Float?
    @Option(help: "Probability that a message is lost.") var drop: Float = 0
    @Option(help: "Step limit (default: the calibrated T_max of the preset and team size).") var tMax: Int?

    func task() throws -> TeamSearchConfig {
        guard let kind = TeamSearchConfig.PerceptionKind(rawValue: perception) else { throw ValidationError("--perception \(perception): gt or learned") }
        var c = TeamSearchConfig()
        c.perception = kind
        c.mazeSize = preset; c.agents = agents; c.dropProbability = drop; c.tMax = tMax; c.poseFixEvery = poseFixEvery; c.poseGain = poseGain
        return c
    }
}

/// `ssm team …`: single episodes and the calibration of the team search task.
struct Team: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The team search task: one episode, or the calibration of its step limit.", subcommands: [TeamRun.self, TeamCalibrate.self, TeamIntervene.self])
}

struct TeamRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "One episode of the team search task: frames (and an MP4 with ffmpeg), messages.jsonl, summary.svg.")

    @OptionGroup var task: TeamTaskOptions
    @Option(help: "Method: none, oracle, broadcast, broadcast-local or event.") var method: TeamMethod = .event
    @Option(help: "Bits per step per sender (4, 0.25, 1/3).") var bits = BitRate(4)
    @Option(help: "Maze seed (evaluation seeds start at 2,000,000).") var seed: UInt64 = 2_000_000
    @Option(help: "Output folder.") var output = "runs/team"
    @Flag(help: "Print the result as one JSON line.") var json = false

    func run() throws {
        var c = try task.task()
        c.rate = bits
        let r = try TeamEpisodeRecording(method, config: c, seed: seed, into: URL(fileURLWithPath: output)) { stderr($0 + "\n") }.result
        if json { return printJSON(r) }
        print(String(format: "%@ at %@ bits/step, %d×%d, %d agents, maze %llu: %@ in %d steps; coverage %.0f%%, %.2f wire bits per agent-step, %d messages delivered (mean age %.1f), %d wall bumps",
                     method.rawValue, bits.description, c.mazeSize, c.mazeSize, c.agents, seed, r.success ? "success" : "failure", r.steps,
                     100 * r.coverage, r.wireBitsPerAgentStep, r.messagesDelivered, r.meanMessageAge, r.wallBumps))
    }
}

struct TeamCalibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate", abstract: "Choose T_max for a preset and team size on calibration mazes (seeds below 2,000,000).")

    @OptionGroup var task: TeamTaskOptions
    @Option(help: "Calibration mazes.") var episodes = 200
    @Option(help: "Episodes run in parallel.") var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print the result as one JSON line.") var json = false

    func run() throws {
        let c = try task.task()
        let r = try TeamSearchCalibration(mazeSize: c.mazeSize, agents: c.agents, episodes: episodes, jobs: jobs)
        if json { return printJSON(r) }
        print(String(format: "%d×%d, %d agents: T_max %d (oracle %.1f%%, none %.1f%% of %d mazes); none ≤ 40%% up to %d steps (oracle %.1f%% there)",
                     r.mazeSize, r.mazeSize, r.agents, r.tMax, 100 * r.oracleSuccess, 100 * r.noneSuccess, r.episodes,
                     r.noneWindowTMax, 100 * r.oracleSuccessAtNoneWindow))
    }
}

/// `ssm sweep`: the bandwidth experiment.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The bandwidth experiment on the team search task, and joining its shards.",
        subcommands: [SweepRun.self, SweepMerge.self, SweepPaired.self], defaultSubcommand: SweepRun.self)
}

struct SweepRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Methods × bits per step × mazes on the team search task: results.jsonl, summary.json, table.md, success_vs_bits.svg.",
        discussion: "Resumes a killed sweep in the same --output without redoing finished episodes; the same flags give byte-identical results. "
            + "--shard i/n runs every n-th episode from the i-th (0-based) for a batch scheduler; `ssm sweep merge` joins the folders.")

    @OptionGroup var task: TeamTaskOptions
    @Option(help: "Comma-separated methods.") var methods = "none,broadcast,broadcast-local,event,oracle"
    @Option(help: "Comma-separated bits per step per sender.") var bits = "128,64,32,16,8,4,2,1,0.5,0.25"
    @Option(help: "Mazes per method and budget.") var mazes = 1000
    @Option(help: "First maze seed (held-out seeds start at 2,000,000).") var seedBase: UInt64 = 2_000_000
    @Option(help: "Episodes run in parallel.") var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "This run's shard, i/n (0-based).") var shard = "0/1"
    @Option(help: "Run folder.") var output = "runs/sweep"
    @Flag(help: "Print the summary rows as one JSON line.") var json = false

    func run() throws {
        var c = BandwidthSweep.Config()
        c.task = try task.task(); c.mazes = mazes; c.seedBase = seedBase
        let parts = shard.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2 else { throw ValidationError("--shard \(shard): expected i/n") }
        (c.shard, c.shards) = (parts[0], parts[1])
        c.methods = try methods.split(separator: ",").map { m in
            guard let v = TeamMethod(rawValue: String(m)) else { throw ValidationError("--methods: unknown method '\(m)'") }
            return v
        }
        c.rates = try bits.split(separator: ",").map { b in
            guard let r = BitRate(String(b)) else { throw ValidationError("--bits: '\(b)' is not a positive bit rate") }
            return r
        }
        try checkConfig { try c.validate() }
        let meter = ProgressMeter(total: (c.methods.count * c.rates.count * mazes + c.shards - 1 - c.shard) / c.shards, unit: "episodes")
        let rows = try BandwidthSweep(config: c).run(into: URL(fileURLWithPath: output), jobs: jobs) { done, _ in meter.update(done) }
        meter.finish()
        if json { return printJSON(BandwidthSweep.Summary(rows: rows)) }
        print(BandwidthSweep.table(rows))
        print("\(output)/results.jsonl, summary.json, table.md, success_vs_bits.svg")
    }
}

struct SweepMerge: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge", abstract: "Join the shards of one sweep into a run folder.")

    @Argument(help: "The shards' run folders.") var shards: [String]
    @Option(help: "Run folder of the whole sweep.") var output = "runs/sweep"
    @Flag(help: "Print the summary rows as one JSON line.") var json = false

    func run() throws {
        let rows = try BandwidthSweep.merge(shards.map { URL(fileURLWithPath: $0) }, into: URL(fileURLWithPath: output))
        if json { return printJSON(BandwidthSweep.Summary(rows: rows)) }
        print(BandwidthSweep.table(rows))
    }
}

struct TeamIntervene: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intervene",
        abstract: "A false sighting (fake-target), a ghost wall region (ghost-map) or every message dropped (drop-all), against the same mazes untouched.")

    @OptionGroup var task: TeamTaskOptions
    @Option(help: "fake-target, ghost-map, drop-all, or the faults drop-10, drop-30, corrupt-10, silent-partner.") var kind: TeamIntervention.Kind
    @Option(help: "Method.") var method: TeamMethod = .event
    @Option(help: "Bits per step per sender (4, 0.25, 1/3).") var bits = BitRate(4)
    @Option(help: "Held-out mazes.") var mazes = 300
    @Option(help: "Step at which the false message reaches agent 0.") var at = 5
    @Option(help: "Episodes run in parallel.") var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print the result as one JSON line.") var json = false

    func run() throws {
        var c = try task.task()
        c.rate = bits
        report(try TeamIntervention(kind, method: method, config: c, mazes: mazes, at: at, jobs: jobs), json: json)
    }
}

struct SweepPaired: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paired", abstract: "Compare two methods maze by maze (McNemar's exact test) from sweep folders.")

    @Option(help: "Sweep folder holding method A.") var a: String
    @Option(help: "Method A.") var methodA: TeamMethod
    @Option(help: "Sweep folder holding method B (default: the same).") var b: String?
    @Option(help: "Method B.") var methodB: TeamMethod
    @Flag(help: "Print the comparisons as one JSON line.") var json = false

    func run() throws {
        func results(_ folder: String, _ m: TeamMethod) throws -> [TeamEpisodeResult] {
            let url = URL(fileURLWithPath: folder).appendingPathComponent("results.jsonl")
            guard FileManager.default.fileExists(atPath: url.path) else { throw ValidationError("\(url.path) does not exist") }
            return try BandwidthSweep.readResults(url).values.filter { $0.method == m }.sorted { ($0.bitsPerStep, $0.seed) < ($1.bitsPerStep, $1.seed) }
        }
        let rows = PairedComparison.compare(try results(a, methodA), try results(b ?? a, methodB))
        if json { return printJSON(["rows": rows]) }
        for r in rows {
            print(String(format: "%@ bits/step, %d mazes: %@ %.1f%% vs %@ %.1f%%; only %@ %d, only %@ %d; difference %+.1f [%+.1f, %+.1f] points, McNemar p = %.3g",
                         r.bitsPerStep, r.mazes, r.methodA.rawValue, 100 * r.successA, r.methodB.rawValue, 100 * r.successB,
                         r.methodA.rawValue, r.onlyA, r.methodB.rawValue, r.onlyB, 100 * r.difference, 100 * r.differenceCI95[0], 100 * r.differenceCI95[1], r.pValue))
        }
    }
}
