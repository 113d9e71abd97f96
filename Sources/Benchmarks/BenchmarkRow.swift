import Basics
import Tensor
import Foundation

/// One benchmark case as `ssm bench … --json` prints it: our time, the reference's from the same run (nil
/// when it was not run), their ratio, case-specific figures (`gflops`, …), the process's peak memory so far, and
/// the machine it ran on (CPU, BLAS kernel and threads), so that no figure travels without its context.
public struct BenchmarkRow: Encodable, Sendable {
    public var suite: String
    public var name: String
    public var ms: Double
    /// What the case is measured against ("cblas_sgemm", "pytorch", …); nil when it has no reference.
    public var reference: String?
    public var referenceMs: Double?
    public var threads: Int
    public var extra: [String: Double] = [:]
    /// Peak resident memory of the process when the row was made (VmHWM, decimal megabytes); nil off Linux.
    public var peakRSSMB: Double?
    /// ms / reference_ms.
    public var ratio: Double? { referenceMs.map { ms / $0 } }

    public init(suite: String, name: String, ms: Double, reference: String? = nil, referenceMs: Double? = nil, threads: Int,
                extra: [String: Double] = [:]) {
        self.suite = suite; self.name = name; self.ms = ms; self.reference = reference; self.referenceMs = referenceMs
        self.threads = threads; self.extra = extra
        peakRSSMB = peakResidentMiB().map { $0 * 1.048576 }
    }


    /// The contract's keys are always present (null when there is no reference).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        try c.encode(suite, forKey: AnyCodingKey("suite")); try c.encode(name, forKey: AnyCodingKey("case")); try c.encode(ms, forKey: AnyCodingKey("ms"))
        try c.encode(reference, forKey: AnyCodingKey("reference")); try c.encode(referenceMs, forKey: AnyCodingKey("reference_ms"))
        try c.encode(ratio, forKey: AnyCodingKey("ratio")); try c.encode(threads, forKey: AnyCodingKey("threads"))
        for (k, v) in extra { try c.encode(v, forKey: AnyCodingKey(k)) }
        try c.encode(peakRSSMB, forKey: AnyCodingKey("peak_rss_mb"))
        let machine = BenchmarkMachine.current
        try c.encode(machine.blasCore, forKey: AnyCodingKey("blas_core"))
        try c.encode(machine.blasCoreSource, forKey: AnyCodingKey("blas_core_source"))
        try c.encode(machine.blasThreads, forKey: AnyCodingKey("blas_threads"))
        try c.encode(machine.blasThreadTimeout, forKey: AnyCodingKey("blas_thread_timeout"))
        try c.encode(machine.cpu, forKey: AnyCodingKey("cpu"))
        try c.encode(machine.cpuFamily, forKey: AnyCodingKey("cpu_family"))
        try c.encode(machine.cpuModel, forKey: AnyCodingKey("cpu_model"))
    }

    /// The case as a line of a table.
    public var tableLine: String {
        let ref = referenceMs.map { String(format: "%.4f", $0) } ?? "-", r = ratio.map { String(format: "%.3f", $0) } ?? "-"
        return name.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: "%11.4f ms   ref %@ ms   ratio %@", ms, ref, r)
    }
}

/// What a figure depends on besides our code: the CPU, the OpenBLAS kernel set and who chose it, its threads.
public struct BenchmarkMachine: Sendable {
    public var cpu: String, cpuFamily: Int, cpuModel: Int
    public var blasCore: String, blasCoreSource: String, blasThreads: Int
    /// `OPENBLAS_THREAD_TIMEOUT` as OpenBLAS read it ("" when it was preloaded with its default).
    public var blasThreadTimeout: String

    /// The machine now (loads OpenBLAS if it is not yet loaded).
    public static var current: BenchmarkMachine {
        let cpu = BLAS.cpu
        return BenchmarkMachine(cpu: cpu.name, cpuFamily: cpu.family, cpuModel: cpu.model, blasCore: BLAS.core,
                                blasCoreSource: BLAS.coreSource, blasThreads: BLAS.threadCount,
                                blasThreadTimeout: BLAS.threadTimeout)
    }

    /// One line for a log or a table caption.
    public var summary: String {
        "\(cpu.isEmpty ? "unknown CPU" : cpu) (family \(cpuFamily), model \(cpuModel)); OpenBLAS \(blasCore) kernels "
            + "(chosen by \(blasCoreSource)), \(blasThreads) thread\(blasThreads == 1 ? "" : "s")"
    }
}

/// The last line of a suite: how many cases ran, on how many threads.
public struct BenchmarkSummary: Encodable, Sendable {
    public var suite: String
    public var summary = true
    public var cases, threads: Int
    public init(suite: String, cases: Int, threads: Int) { self.suite = suite; self.cases = cases; self.threads = threads }
}
