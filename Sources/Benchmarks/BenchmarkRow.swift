import Basics
import Foundation

/// One benchmark case as `ssm bench … --json` prints it: our time, the reference's from the same run (nil
/// when it was not run), their ratio, and case-specific figures (`gflops`, `peak_rss_mib`, …).
public struct BenchmarkRow: Encodable, Sendable {
    public var suite: String
    public var name: String
    public var ms: Double
    /// What the case is measured against ("cblas_sgemm", "pytorch", …); nil when it has no reference.
    public var reference: String?
    public var referenceMs: Double?
    public var threads: Int
    public var extra: [String: Double] = [:]
    /// ms / reference_ms.
    public var ratio: Double? { referenceMs.map { ms / $0 } }

    public init(suite: String, name: String, ms: Double, reference: String? = nil, referenceMs: Double? = nil, threads: Int,
                extra: [String: Double] = [:]) {
        self.suite = suite; self.name = name; self.ms = ms; self.reference = reference; self.referenceMs = referenceMs
        self.threads = threads; self.extra = extra
    }


    /// The contract's keys are always present (null when there is no reference).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        try c.encode(suite, forKey: AnyCodingKey("suite")); try c.encode(name, forKey: AnyCodingKey("case")); try c.encode(ms, forKey: AnyCodingKey("ms"))
        try c.encode(reference, forKey: AnyCodingKey("reference")); try c.encode(referenceMs, forKey: AnyCodingKey("reference_ms"))
        try c.encode(ratio, forKey: AnyCodingKey("ratio")); try c.encode(threads, forKey: AnyCodingKey("threads"))
        for (k, v) in extra { try c.encode(v, forKey: AnyCodingKey(k)) }
    }

    /// The case as a line of a table.
    public var tableLine: String {
        let ref = referenceMs.map { String(format: "%.4f", $0) } ?? "-", r = ratio.map { String(format: "%.3f", $0) } ?? "-"
        return name.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: "%11.4f ms   ref %@ ms   ratio %@", ms, ref, r)
    }
}

/// The last line of a suite: how many cases ran, on how many threads.
public struct BenchmarkSummary: Encodable, Sendable {
    public var suite: String
    public var summary = true
    public var cases, threads: Int
    public init(suite: String, cases: Int, threads: Int) { self.suite = suite; self.cases = cases; self.threads = threads }
}
