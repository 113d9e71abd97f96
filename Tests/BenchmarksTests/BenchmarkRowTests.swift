import Foundation
import Testing
@testable import Benchmarks

@Suite("Benchmark rows")
struct BenchmarkRowTests {
    /// The JSON contract: every row carries suite, case, ms, reference, reference_ms, ratio and threads, with
    /// null where there is no reference, the machine (CPU, BLAS kernel, its threads and their idle spin) and the
    /// peak memory, plus its own figures; the ratio is ours over the reference's.
    @Test func rowsKeepTheContractKeys() throws {
        func object(_ row: BenchmarkRow) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(row)) as! [String: Any]
        }
        let bare = try object(BenchmarkRow(suite: "tensor", name: "lstm_step", ms: 2, threads: 1))
        #expect(Set(bare.keys) == ["suite", "case", "ms", "reference", "reference_ms", "ratio", "threads", "peak_rss_mb",
                                   "blas_core", "blas_core_source", "blas_threads", "blas_thread_timeout", "cpu", "cpu_family",
                                   "cpu_model"])
        #expect((bare["blas_core"] as? String)?.isEmpty == false && (bare["blas_threads"] as? Int ?? 0) >= 1)
        #expect(bare["reference"] is NSNull && bare["reference_ms"] is NSNull && bare["ratio"] is NSNull)
        let full = try object(BenchmarkRow(suite: "tensor", name: "matmul_64", ms: 3, reference: "cblas_sgemm", referenceMs: 2,
                                           threads: 2, extra: ["gflops": 1.5]))
        #expect(full["ratio"] as? Double == 1.5 && full["gflops"] as? Double == 1.5 && full["case"] as? String == "matmul_64")
    }

    @Test func medianIgnoresOutliers() {
        var calls = 0
        let ms = medianMilliseconds(repetitions: 5, warmup: 1) { calls += 1; if calls == 3 { usleep(50_000) } }
        #expect(calls == 6 && ms < 40)
    }
}
