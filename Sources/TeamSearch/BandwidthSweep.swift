import Basics
import Foundation
import InfoBottleneck
import Plotting

/// The bandwidth experiment: methods × budgets × mazes on held-out maze seeds, into a run folder:
/// `results.jsonl` (one line per episode, in a fixed order whatever `jobs`), `summary.json`, `table.md` and
/// `success_vs_bits.svg` (success against bits per step with 95% Wilson intervals). A killed sweep resumes
/// without redoing the episodes `results.jsonl` already holds.
public struct BandwidthSweep: Sendable {
    public struct Config: Codable, Equatable, Sendable {
        public var methods: [TeamMethod] = TeamMethod.scripted
        public var rates: [BitRate] = ["128", "64", "32", "16", "8", "4", "2", "1", "0.5", "0.25"].compactMap(BitRate.init)
        public var mazes = 1000
        /// Evaluation seeds start here (maze seeds below 2,000,000 are for calibration and tuning).
        public var seedBase: UInt64 = 2_000_000
        public var task = TeamSearchConfig()
        /// This run's share of the episodes: those whose index in the sweep's order is `shard` modulo `shards`
        /// (a batch scheduler runs the shards apart; ``BandwidthSweep/merge(_:into:)`` joins them).
        public var shard = 0, shards = 1
        public init() {}

        public func validate() throws {
            try task.validate()
            try ConfigError.check(!methods.isEmpty && !rates.isEmpty, "methods and rates", "must not be empty")
            try ConfigError.check(mazes > 0, "mazes", "must be positive")
            try ConfigError.check(shards > 0 && (0..<shards).contains(shard), "shard", "must be in 0..<shards")
        }
    }

    /// One row of the summary: a method at a budget.
    public struct Row: Codable, Equatable, Sendable {
        public var method: TeamMethod
        public var bitsPerStep: String
        public var perception: TeamSearchConfig.PerceptionKind
        /// Steps between pose fixes when the path integrator gives the pose (absent: exact self-motion).
        public var poseFixEvery: Int?
        /// The pose filter's gain (absent: the integrator's decoded poses).
        public var poseGain: Float?
        public var mazeSize, agents, episodes: Int
        public var successRate: Double
        public var successCI95: [Double]
        public var meanSteps, coverage, wireBitsPerAgentStep, queuedBitsPerAgentStep, meanMessageAge, wallBumpsPerEpisode: Double
        enum CodingKeys: String, CodingKey {
            case method, bitsPerStep = "bits_per_step", perception, poseFixEvery = "pose_fix_every", poseGain = "pose_gain", mazeSize = "maze_size", agents, episodes
            case successRate = "success_rate"
            case successCI95 = "success_ci95", meanSteps = "mean_steps", coverage, wireBitsPerAgentStep = "wire_bits_per_agent_step"
            case queuedBitsPerAgentStep = "queued_bits_per_agent_step", meanMessageAge = "mean_message_age", wallBumpsPerEpisode = "wall_bumps_per_episode"
        }
    }

    /// What `summary.json` holds and `ssm sweep --json` prints.
    public struct Summary: Codable, Sendable {
        public var rows: [Row]
        public init(rows: [Row]) { self.rows = rows }
    }

    public let config: Config
    public init(config: Config) { self.config = config }

    /// The episodes of the whole sweep, in the order `results.jsonl` lists them.
    var allEpisodes: [(method: TeamMethod, rate: BitRate, seed: UInt64)] {
        config.rates.flatMap { r in config.methods.flatMap { m in (0..<config.mazes).map { (m, r, config.seedBase + UInt64($0)) } } }
    }

    /// This shard's episodes.
    var episodes: [(method: TeamMethod, rate: BitRate, seed: UInt64)] {
        allEpisodes.enumerated().filter { $0.offset % config.shards == config.shard }.map(\.element)
    }

    /// Runs what `folder/results.jsonl` lacks, `jobs` episodes at a time, and writes the summary files;
    /// `progress` gets (episodes done, episodes) after each chunk.
    @discardableResult
    public func run(into folder: URL, jobs: Int = 2, progress: (Int, Int) -> Void = { _, _ in }) throws -> [Row] {
        try config.validate()
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        let configURL = folder.appendingPathComponent("config.json"), resultsURL = folder.appendingPathComponent("results.jsonl")
        if let saved = try? JSONDecoder().decode(Config.self, from: Data(contentsOf: configURL)), saved != config {
            throw FileFormatError(file: configURL.path, "the sweep in this folder has another configuration; use a new --output")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try writeAtomically(try encoder.encode(config), to: configURL)
        var done = try Self.readResults(resultsURL)
        let todo = episodes.enumerated().filter { done[key($0.element.method, $0.element.rate, $0.element.seed)] == nil }
        let total = episodes.count
        progress(total - todo.count, total)
        let task = config.task
        for start in stride(from: 0, to: todo.count, by: max(jobs * 8, 1)) {
            let chunk = Array(todo[start..<min(start + max(jobs * 8, 1), todo.count)])
            let results = try parallelMap(0..<chunk.count, jobs: jobs) { k in
                var c = task
                c.rate = chunk[k].element.rate
                return try TeamEpisode.run(chunk[k].element.method, config: c, seed: chunk[k].element.seed)
            }
            try Self.append(results, to: resultsURL)
            for r in results { done[key(r.method, BitRate(r.bitsPerStep)!, r.seed)] = r }
            progress(total - todo.count + start + chunk.count, total)
        }
        // Rewrite in the sweep's order, so that the file is byte-identical whatever the jobs and interruptions.
        return try finish(episodes.map { done[key($0.method, $0.rate, $0.seed)]! }, in: folder)
    }

    /// Writes `results.jsonl` in the sweep's order and the summary files.
    func finish(_ ordered: [TeamEpisodeResult], in folder: URL) throws -> [Row] {
        let lines = try ordered.map { String(decoding: try Self.lineEncoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        try writeAtomically(Data(lines.utf8), to: folder.appendingPathComponent("results.jsonl"))
        let rows = summarize(ordered)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try writeAtomically(try encoder.encode(Summary(rows: rows)), to: folder.appendingPathComponent("summary.json"))
        try writeAtomically(Data(Self.table(rows).utf8), to: folder.appendingPathComponent("table.md"))
        try Self.plot(rows).write(to: folder.appendingPathComponent("success_vs_bits.svg"))
        return rows
    }

    /// Joins the shards of one sweep (their folders) into `folder`: the same results and summary as one run.
    @discardableResult
    public static func merge(_ shards: [URL], into folder: URL) throws -> [Row] {
        var configs: [Config] = [], done: [String: TeamEpisodeResult] = [:]
        for s in shards {
            let url = s.appendingPathComponent("config.json")
            do { configs.append(try JSONDecoder().decode(Config.self, from: Data(contentsOf: url))) } catch {
                throw FileFormatError(file: url.path, "is not a sweep configuration (\(error))")
            }
            done.merge(try readResults(s.appendingPathComponent("results.jsonl"))) { a, _ in a }
        }
        guard var whole = configs.first else { throw FileFormatError(file: folder.path, "no shards to merge") }
        whole.shard = 0; whole.shards = 1
        for (c, s) in zip(configs, shards) {
            var plain = c; plain.shard = 0; plain.shards = 1
            guard plain == whole else { throw FileFormatError(file: s.appendingPathComponent("config.json").path, "belongs to another sweep") }
        }
        let sweep = BandwidthSweep(config: whole)
        var ordered: [TeamEpisodeResult] = []
        for e in sweep.allEpisodes {
            guard let r = done[sweep.key(e.method, e.rate, e.seed)] else {
                throw FileFormatError(file: folder.path, "episode \(e.method.rawValue) at \(e.rate) bits/step, maze \(e.seed) is in no shard (is one unfinished?)")
            }
            ordered.append(r)
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try writeAtomically(try encoder.encode(whole), to: folder.appendingPathComponent("config.json"))
        return try sweep.finish(ordered, in: folder)
    }

    func key(_ m: TeamMethod, _ r: BitRate, _ seed: UInt64) -> String { "\(m.rawValue)|\(r)|\(seed)" }

    static var lineEncoder: JSONEncoder { let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]; return e }

    static func append(_ results: [TeamEpisodeResult], to url: URL) throws {
        let data = Data(try results.map { String(decoding: try lineEncoder.encode($0), as: UTF8.self) + "\n" }.joined().utf8)
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: data)
    }

    /// Finished episodes by key; a torn last line (a kill mid-write) is ignored, any other bad line is an error.
    /// The episodes of a sweep's `results.jsonl`, by method, budget and maze (empty when the file is missing).
    public static func readResults(_ url: URL) throws -> [String: TeamEpisodeResult] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        var out: [String: TeamEpisodeResult] = [:]
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        for (i, line) in lines.enumerated() {
            do {
                let r = try JSONDecoder().decode(TeamEpisodeResult.self, from: Data(line.utf8))
                out["\(r.method.rawValue)|\(BitRate(r.bitsPerStep).map(\.description) ?? r.bitsPerStep)|\(r.seed)"] = r
            } catch {
                if i == lines.count - 1 && !text.hasSuffix("\n") { break }
                throw FileFormatError(file: url.path, "line \(i + 1) is not an episode result (\(error))")
            }
        }
        return out
    }

    /// One row per (method, budget).
    public func summarize(_ results: [TeamEpisodeResult]) -> [Row] {
        config.rates.flatMap { rate in config.methods.map { m in
            let rs = results.filter { $0.method == m && $0.bitsPerStep == rate.description }
            let n = Double(max(rs.count, 1)), wins = rs.filter(\.success).count
            func mean(_ f: (TeamEpisodeResult) -> Double) -> Double { rs.map(f).reduce(0, +) / n }
            let ci = wilsonInterval(successes: wins, trials: rs.count)
            return Row(method: m, bitsPerStep: rate.description, perception: config.task.perception, poseFixEvery: config.task.poseFixEvery, poseGain: config.task.poseGain, mazeSize: config.task.mazeSize, agents: config.task.agents, episodes: rs.count,
                       successRate: Double(wins) / n, successCI95: [ci.lower, ci.upper], meanSteps: mean { Double($0.steps) },
                       coverage: mean(\.coverage), wireBitsPerAgentStep: mean(\.wireBitsPerAgentStep), queuedBitsPerAgentStep: mean(\.queuedBitsPerAgentStep),
                       meanMessageAge: mean(\.meanMessageAge), wallBumpsPerEpisode: mean { Double($0.wallBumps) })
        } }
    }

    /// The rows as a Markdown table: success (95% interval) per method and budget.
    public static func table(_ rows: [Row]) -> String {
        let methods = rows.map(\.method).reduce(into: [TeamMethod]()) { if !$0.contains($1) { $0.append($1) } }
        let rates = rows.map(\.bitsPerStep).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var s = "| bits/step | " + methods.map(\.rawValue).joined(separator: " | ") + " |\n|---|" + methods.map { _ in "---|" }.joined() + "\n"
        for r in rates {
            s += "| \(r) | " + methods.map { m in
                guard let row = rows.first(where: { $0.method == m && $0.bitsPerStep == r }) else { return "" }
                return String(format: "%.1f%% [%.1f, %.1f]", 100 * row.successRate, 100 * row.successCI95[0], 100 * row.successCI95[1])
            }.joined(separator: " | ") + " |\n"
        }
        return s
    }

    /// Success against log₂ bits per step, one line per method, with its 95% intervals as whiskers.
    public static func plot(_ rows: [Row]) -> SVGDocument {
        let methods = rows.map(\.method).reduce(into: [TeamMethod]()) { if !$0.contains($1) { $0.append($1) } }
        let series = methods.enumerated().map { i, m in
            Series(m.rawValue, rows.filter { $0.method == m }.map { (x: log2(BitRate($0.bitsPerStep)!.value), y: $0.successRate) }
                .sorted { $0.x < $1.x }, color: seriesColors[i % seriesColors.count])
        }
        let intervals = rows.map { (x: log2(BitRate($0.bitsPerStep)!.value), low: $0.successCI95[0], high: $0.successCI95[1],
                                    color: seriesColors[(methods.firstIndex(of: $0.method) ?? 0) % seriesColors.count]) }
        return linePlot(series, title: "Team success against bits per step (95% Wilson intervals)", xLabel: "log₂ bits per step per sender",
                        yLabel: "success rate", errorBars: intervals, legendOutside: true)
    }
}

/// The 95% Wilson score interval of a binomial proportion.
public func wilsonInterval(successes: Int, trials: Int, z: Double = 1.959964) -> (lower: Double, upper: Double) {
    guard trials > 0 else { return (0, 1) }
    let n = Double(trials), p = Double(successes) / n, z2 = z * z
    let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    let half = z * ((p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()) / (1 + z2 / n)
    return (max(0, centre - half), min(1, centre + half))
}
