import ArgumentParser
import Foundation
import Tensor

/// `ssm bench <suite>`: timings against a reference in the same run (GUIDE §2).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a benchmark suite; one JSON line per case, then a summary line.",
        subcommands: [TensorSuite.self, MazeSuite.self])
}

/// Median wall time of `body` in milliseconds after `warmup` runs.
func medianMilliseconds(repetitions: Int, warmup: Int = 2, _ body: () -> Void) -> Double {
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    for _ in 0..<repetitions {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    return times.sorted()[times.count / 2]
}

/// Peak resident memory of this process (VmHWM), in MiB.
func peakResidentMiB() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return nil
}

/// Runs a PyTorch reference script from `Benchmarks/reference/`; nil when python3 with torch is unavailable.
func runReference(_ script: String, threads: Int, python: String) -> Double? {
    let url = URL(fileURLWithPath: "Benchmarks/reference/\(script)")
    guard FileManager.default.fileExists(atPath: url.path) else {
        FileHandle.standardError.write(Data("reference: \(url.path) not found (run from the repository root)\n".utf8))
        return nil
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [python, url.path, "--threads", "\(threads)"]
    let pipe = Pipe()
    p.standardOutput = pipe
    do { try p.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0,
          let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
          let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
          let ms = obj["ms"] as? Double else {
        FileHandle.standardError.write(Data("reference: \(script) did not run (is torch importable by \(python)?)\n".utf8))
        return nil
    }
    return ms
}

struct TensorSuite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensor",
        abstract: "matmul against raw cblas_sgemm; the grid-cell training step and BEV encoder step against PyTorch.")

    @Flag(help: "Print JSON lines (the contract); otherwise a table.") var json = false
    @Flag(help: "Also run the PyTorch reference scripts (needs python3 with torch).") var reference = false
    @Option(help: "Python interpreter for --reference.") var python = "python3"
    @Option(help: "BLAS (and torch) threads; 0 keeps OpenBLAS's default.") var threads = 0
    @Option(help: "Timed repetitions per case (median reported).") var repetitions = 15
    @Option(help: "Comma-separated cases to run (default: all).") var cases: String?

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
        guard threads >= 0 else { throw ValidationError("--threads must be ≥ 0") }
    }

    func run() throws {
        if threads > 0 { BLAS.setThreadCount(threads) }
        let nThreads = BLAS.threadCount
        let selected = cases.map { Set($0.split(separator: ",").map(String.init)) }
        var results: [[String: Any]] = []
        func emit(_ row: [String: Any]) {
            var r = row
            r["suite"] = "tensor"; r["threads"] = nThreads
            results.append(r)
            if json { printJSON(r) } else {
                let ratio = (r["ratio"] as? Double).map { String(format: "%.2f", $0) } ?? "-"
                let ref = (r["reference_ms"] as? Double).map { String(format: "%.3f", $0) } ?? "null"
                print(String(format: "%-22@ %10.3f ms   ref %@ ms   ratio %@", r["case"] as! String, r["ms"] as! Double, ref, ratio))
            }
        }
        for n in [64, 256, 1024] where selected?.contains("matmul_\(n)") ?? true {
            emit(matmulCase(n))
        }
        if selected?.contains("gridcell_train_step") ?? true {
            let ms = GridCellStepBenchmark().run(repetitions: repetitions)
            let ref = reference ? runReference("gridcell_train_step.py", threads: nThreads, python: python) : nil
            emit(["case": "gridcell_train_step", "ms": ms, "reference": "pytorch", "reference_ms": ref as Any? ?? NSNull(),
                  "ratio": ref.map { ms / $0 } as Any? ?? NSNull(), "peak_rss_mib": peakResidentMiB() ?? NSNull()])
        }
        if selected?.contains("lstm_step") ?? true {
            // No reference: a component of gridcell_train_step, kept to measure the recurrent kernel alone.
            var rng = RandomGenerator(seed: 9)
            let lstm = LSTM(inputSize: 3, hiddenSize: 128, rng: &rng)
            let x = Tensor.randn([32, 100, 3], rng: &rng)
            let ms = medianMilliseconds(repetitions: repetitions) { lstm.zeroGrad(); lstm(x).0.sum().backward() }
            emit(["case": "lstm_step", "ms": ms, "reference": NSNull(), "reference_ms": NSNull(), "ratio": NSNull()])
        }
        if selected?.contains("bev_encoder_step") ?? true {
            let ms = BEVEncoderBenchmark().run(repetitions: max(3, repetitions / 3))
            let ref = reference ? runReference("bev_encoder_step.py", threads: nThreads, python: python) : nil
            emit(["case": "bev_encoder_step", "ms": ms, "reference": "pytorch", "reference_ms": ref as Any? ?? NSNull(),
                  "ratio": ref.map { ms / $0 } as Any? ?? NSNull(), "peak_rss_mib": peakResidentMiB() ?? NSNull()])
        }
        let summary: [String: Any] = ["suite": "tensor", "summary": true, "cases": results.count, "threads": nThreads]
        if json { printJSON(summary) }
    }

    /// Tensor.matmul (allocation included) against raw cblas_sgemm on the same buffers.
    func matmulCase(_ n: Int) -> [String: Any] {
        var rng = RandomGenerator(seed: 1)
        let a = Tensor.randn([n, n], rng: &rng), b = Tensor.randn([n, n], rng: &rng)
        let c = TensorStorage(uninitializedCount: n * n)
        let reps = n >= 1024 ? max(5, repetitions / 2) : repetitions * 4
        // Interleave to share any drift in machine load between the two.
        var ours: [Double] = [], raw: [Double] = []
        for _ in 0..<3 {
            ours.append(medianMilliseconds(repetitions: reps) { _ = noGrad { a.matmul(b) } })
            raw.append(medianMilliseconds(repetitions: reps) {
                BLAS.sgemm(m: n, n: n, k: n, a: a.storage.pointer, b: b.storage.pointer, c: c.pointer)
            })
        }
        let ms = ours.sorted()[1], ref = raw.sorted()[1]
        return ["case": "matmul_\(n)", "ms": ms, "reference": "cblas_sgemm", "reference_ms": ref, "ratio": ms / ref,
                "gflops": 2 * Double(n * n * n) / (ms * 1e6)]
    }
}
