import Foundation
import Tensor

/// The tensor suite: matmul against raw `cblas_sgemm` on the same buffers, the original grid-cell training
/// step and the BEV encoder step against their PyTorch scripts, and the LSTM alone.
public struct TensorBenchmarks: Sendable {
    public static let cases = ["matmul_64", "matmul_256", "matmul_1024", "gridcell_train_step", "gridcell_train_step_b10",
                               "lstm_step", "bev_encoder_step",
                               "bev_train_step", "bev_infer_1", "bev_infer_32"]
    /// Timed repetitions per case (median reported).
    public var repetitions = 15
    /// Cases to run (nil: all).
    public var selected: Set<String>?
    /// The interpreter of the PyTorch references; nil: references are not run.
    public var referencePython: String?
    public init() {}

    /// Runs the selected cases on BLAS's current thread count, handing each row to `emit` as it is measured.
    public func run(log: (String) -> Void = { _ in }, emit: (BenchmarkRow) -> Void) -> BenchmarkSummary {
        let threads = BLAS.threadCount
        var count = 0
        func want(_ name: String) -> Bool { selected?.contains(name) ?? true }
        func row(_ name: String, _ ms: Double, reference: String? = nil, script: String? = nil, arguments: [String] = [],
                 extra: [String: Double] = [:]) {
            let refMs = script.flatMap { s in
                referencePython.flatMap { ReferenceScript(s, arguments: arguments).milliseconds(threads: threads, python: $0, log: log) }
            }
            emit(BenchmarkRow(suite: "tensor", name: name, ms: ms, reference: reference, referenceMs: refMs, threads: threads, extra: extra))
            count += 1
        }
        for n in [64, 256, 1024] where want("matmul_\(n)") {
            let (ms, ref) = matmul(n)
            emit(BenchmarkRow(suite: "tensor", name: "matmul_\(n)", ms: ms, reference: "cblas_sgemm", referenceMs: ref, threads: threads,
                              extra: ["gflops": 2 * Double(n * n * n) / (ms * 1e6)]))
            count += 1
        }
        for (name, b) in [("gridcell_train_step", 32), ("gridcell_train_step_b10", 10)] where want(name) {
            let ms = GridCellStepBenchmark(batch: b).run(repetitions: repetitions)
            row(name, ms, reference: "pytorch", script: "gridcell_train_step.py", arguments: ["--batch", "\(b)"])
        }
        if want("lstm_step") {
            // No reference: a component of gridcell_train_step, kept to measure the recurrent kernel alone.
            var rng = RandomGenerator(seed: 9)
            let lstm = LSTM(inputSize: 3, hiddenSize: 128, rng: &rng)
            let x = Tensor.randn([32, 100, 3], rng: &rng)
            row("lstm_step", medianMilliseconds(repetitions: repetitions) { lstm.zeroGrad(); lstm(x).0.sum().backward() })
        }
        if want("bev_encoder_step") {
            let ms = BEVEncoderBenchmark().run(repetitions: max(3, repetitions / 3))
            row("bev_encoder_step", ms, reference: "pytorch", script: "bev_encoder_step.py")
        }
        if want("bev_train_step") {
            let ms = BEVStepBenchmark(batch: 32).train(repetitions: max(3, repetitions / 3))
            row("bev_train_step", ms, reference: "pytorch", script: "bev_step.py", arguments: ["--case", "train", "--batch", "32"])
        }
        for b in [1, 32] where want("bev_infer_\(b)") {
            let ms = BEVStepBenchmark(batch: b).infer(repetitions: b == 1 ? repetitions * 4 : max(3, repetitions / 3))
            row("bev_infer_\(b)", ms, reference: "pytorch", script: "bev_step.py", arguments: ["--case", "infer", "--batch", "\(b)"])
        }
        return BenchmarkSummary(suite: "tensor", cases: count, threads: threads)
    }

    /// Tensor.matmul (allocation included) and raw cblas_sgemm on the same buffers, interleaved so that both
    /// share any drift in machine load.
    func matmul(_ n: Int) -> (ours: Double, sgemm: Double) {
        var rng = RandomGenerator(seed: 1)
        let a = Tensor.randn([n, n], rng: &rng), b = Tensor.randn([n, n], rng: &rng)
        let c = TensorStorage(uninitializedCount: n * n)
        let reps = n >= 1024 ? max(5, repetitions / 2) : repetitions * 4
        var ours: [Double] = [], raw: [Double] = []
        for _ in 0..<3 {
            ours.append(medianMilliseconds(repetitions: reps) { _ = noGrad { a.matmul(b) } })
            raw.append(medianMilliseconds(repetitions: reps) {
                BLAS.sgemm(m: n, n: n, k: n, a: a.storage.pointer, b: b.storage.pointer, c: c.pointer)
            })
        }
        return (ours.sorted()[1], raw.sorted()[1])
    }
}
