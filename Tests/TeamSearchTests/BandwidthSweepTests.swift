import Basics
import Foundation
import Testing
import InfoBottleneck
@testable import TeamSearch

@Suite("Bandwidth sweep")
struct BandwidthSweepTests {
    func config() -> BandwidthSweep.Config {
        var c = BandwidthSweep.Config()
        c.methods = [.none, .event]; c.rates = [BitRate(4), BitRate(1, per: 4)]; c.mazes = 3; c.seedBase = 2_000_000
        c.task.mazeSize = 9
        return c
    }

    func folder() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("ssm-sweep-\(UUID().uuidString)") }

    /// Same configuration, any number of jobs, with or without an interruption: byte-identical results.
    @Test func resultsAreDeterministicAndResumeExactly() throws {
        let a = folder(), b = folder()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let rows = try BandwidthSweep(config: config()).run(into: a, jobs: 1)
        #expect(rows.count == 4 && rows.allSatisfy { $0.episodes == 3 })
        // A "killed" run: the first lines done, the last one torn mid-write.
        let full = try String(contentsOf: a.appendingPathComponent("results.jsonl"), encoding: .utf8)
        let lines = full.split(separator: "\n")
        try FileManager.default.createDirectory(at: b, withIntermediateDirectories: true)
        try Data((lines.prefix(5).joined(separator: "\n") + "\n" + lines[5].prefix(20)).utf8).write(to: b.appendingPathComponent("results.jsonl"))
        try BandwidthSweep(config: config()).run(into: b, jobs: 2)
        #expect(try String(contentsOf: b.appendingPathComponent("results.jsonl"), encoding: .utf8) == full)
        #expect(try Data(contentsOf: a.appendingPathComponent("summary.json")) == Data(contentsOf: b.appendingPathComponent("summary.json")))
        // Another configuration in the same folder is refused.
        var other = config(); other.mazes = 4
        #expect(throws: FileFormatError.self) { try BandwidthSweep(config: other).run(into: a) }
    }

    /// Known answers of the Wilson interval.
    @Test func wilsonIntervals() {
        let w = wilsonInterval(successes: 7, trials: 10)
        #expect(abs(w.lower - 0.3968) < 1e-3 && abs(w.upper - 0.8922) < 1e-3)
        let z = wilsonInterval(successes: 0, trials: 20)
        #expect(z.lower == 0 && abs(z.upper - 0.1611) < 1e-3)
    }

    /// Shards run apart and merged give the results of one run, byte for byte; a missing shard is named.
    @Test func shardsMergeIntoTheWholeSweep() throws {
        let whole = folder(), a = folder(), b = folder(), merged = folder()
        defer { for f in [whole, a, b, merged] { try? FileManager.default.removeItem(at: f) } }
        try BandwidthSweep(config: config()).run(into: whole)
        var c0 = config(); c0.shard = 0; c0.shards = 2
        var c1 = config(); c1.shard = 1; c1.shards = 2
        try BandwidthSweep(config: c0).run(into: a)
        #expect { try BandwidthSweep.merge([a], into: merged) } throws: { "\($0)".contains("is in no shard") }
        try BandwidthSweep(config: c1).run(into: b)
        try BandwidthSweep.merge([a, b], into: merged)
        #expect(try Data(contentsOf: merged.appendingPathComponent("results.jsonl")) == Data(contentsOf: whole.appendingPathComponent("results.jsonl")))
        #expect(try Data(contentsOf: merged.appendingPathComponent("summary.json")) == Data(contentsOf: whole.appendingPathComponent("summary.json")))
    }
}

@Suite struct PairedComparisonTests {
    /// Known answers: 10 vs 2 discordant mazes gives p = 2·P(X ≤ 2 | 12, ½) = 2·79/4096; equal counts give 1.
    @Test func mcnemarKnownAnswers() {
        #expect(abs(PairedComparison.mcnemarExact(10, 2) - 2 * 79 / 4096) < 1e-12)
        #expect(PairedComparison.mcnemarExact(5, 5) == 1 && PairedComparison.mcnemarExact(0, 0) == 1)
        #expect(abs(PairedComparison.mcnemarExact(0, 6) - 2 / 64) < 1e-12)
    }
}
