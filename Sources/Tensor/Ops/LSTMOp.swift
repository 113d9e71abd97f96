import Foundation
import Dispatch
import Synchronization
internal import CKernels

extension Tensor {
    /// A whole LSTM layer over a batch-first sequence, as one differentiable op.
    ///
    /// PyTorch's equations and gate order (i, f, g, o) with two bias vectors:
    /// `gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh`, `c' = σ(f)⊙c + σ(i)⊙tanh(g)`, `h' = σ(o)⊙tanh(c')`.
    ///
    /// The input projection of all steps is one GEMM; each step adds `h·W_hhᵀ` with one small-product kernel
    /// (register tiles, no per-step packing, on AVX-512 CPUs; OpenBLAS elsewhere) that writes straight into the
    /// strided step rows, then applies the gate nonlinearities in one fused pass (a C kernel vectorised for the CPU's
    /// widest instruction set, bit-identical on every one).
    /// The backward pass runs through time with one GEMM per step and computes every weight gradient with
    /// a single GEMM over all steps.
    ///
    /// - Parameters: `x [B, T, I]`, `h0, c0 [B, H]`, `weightIH [4H, I]`, `weightHH [4H, H]`, biases `[4H]`.
    /// - Returns: the hidden states `[B, T, H]` and the final `h`, `c` (`[B, H]` each).
    public static func lstm(_ x: Tensor, h0: Tensor, c0: Tensor, weightIH: Tensor, weightHH: Tensor,
                            biasIH: Tensor, biasHH: Tensor) -> (output: Tensor, h: Tensor, c: Tensor) {
        guard x.rank == 3 else { shapeFailure("lstm", "input must be [B, T, I], got \(x.shape)") }
        let b = x.shape[0], t = x.shape[1], inF = x.shape[2], h = weightHH.shape[1], g4 = 4 * h
        guard weightIH.shape == [g4, inF], weightHH.shape == [g4, h], biasIH.shape == [g4], biasHH.shape == [g4],
              h0.shape == [b, h], c0.shape == [b, h] else {
            shapeFailure("lstm", "shapes do not fit: x \(x.shape), h0 \(h0.shape), c0 \(c0.shape), W_ih \(weightIH.shape), W_hh \(weightHH.shape), b_ih \(biasIH.shape), b_hh \(biasHH.shape)")
        }
        let rows = b * t
        let acts = TensorStorage(uninitializedCount: rows * g4) // pre-activations, then activated gates
        let cells = TensorStorage(uninitializedCount: rows * h)
        let tanhCells = TensorStorage(uninitializedCount: rows * h)
        let out = TensorStorage(uninitializedCount: rows * h)
        let pa = acts.pointer, pc = cells.pointer, ptc = tanhCells.pointer, po = out.pointer
        // Both biases, then the input projection of every step in one GEMM.
        for i in 0..<g4 { pa[i] = biasIH.storage.pointer[i] + biasHH.storage.pointer[i] }
        for r in 1..<Swift.max(rows, 1) { (pa + r * g4).update(from: pa, count: g4) }
        gemm(transB: true, m: rows, n: g4, k: inF, a: x.storage.pointer, lda: inF, b: weightIH.storage.pointer,
             ldb: inF, beta: 1, c: pa, ldc: g4)
        // W_hhᵀ once, so that every step's product reads its rows contiguously.
        let whhT = TensorStorage(uninitializedCount: h * g4)
        for r in 0..<g4 { for k in 0..<h { whhT.pointer[k * g4 + r] = weightHH.storage.pointer[r * h + k] } }
        let whhTp = UnsafePointer(whhT.pointer), h0p = UnsafePointer(h0.storage.pointer)
        let c0p = UnsafePointer(c0.storage.pointer)
        inRecurrenceChunks(batch: b, units: h, steps: t, work: b * g4 * h) { rows, units, meet in
            let n0 = rows.lowerBound, u0 = units.lowerBound, width = units.count
            for step in 0..<t {
                let hPrev = step == 0 ? h0p + n0 * h : UnsafePointer(po + (n0 * t + step - 1) * h)
                let gates = pa + (n0 * t + step) * g4, lda = step == 0 ? h : t * h
                if width == h {
                    smallGemm(m: rows.count, n: g4, k: h, a: hPrev, lda: lda, b: whhTp, ldb: g4, beta: 1, c: gates, ldc: t * g4)
                } else { // this chunk's units of each of the four gates
                    for q in 0..<4 {
                        smallGemm(m: rows.count, n: width, k: h, a: hPrev, lda: lda, b: whhTp + q * h + u0, ldb: g4, beta: 1,
                                  c: gates + q * h + u0, ldc: t * g4)
                    }
                }
                for n in rows {
                    let r = n * t + step
                    let cPrev = step == 0 ? c0p + n * h : UnsafePointer(pc + (r - 1) * h)
                    lstmCellForward(gate: pa + r * g4 + u0, cPrev: cPrev + u0, c: pc + r * h + u0, tanhC: ptc + r * h + u0,
                                    h: po + r * h + u0, size: width, stride: h)
                }
                meet()
            }
        }
        let hN = TensorStorage(uninitializedCount: b * h), cN = TensorStorage(uninitializedCount: b * h)
        for n in 0..<b {
            (hN.pointer + n * h).update(from: po + (n * t + t - 1) * h, count: h)
            (cN.pointer + n * h).update(from: pc + (n * t + t - 1) * h, count: h)
        }
        let output = Tensor(shape: [b, t, h], storage: out)
        let hLast = Tensor(shape: [b, h], storage: hN), cLast = Tensor(shape: [b, h], storage: cN)
        let xs = x.storage, h0s = h0.storage, c0s = c0.storage, wih = weightIH.storage, whh = weightHH.storage
        let needX = x.requiresGrad
        record("lstm", outputs: [output, hLast, cLast], inputs: [x, h0, c0, weightIH, weightHH, biasIH, biasHH]) { grads in
            // Capture the forward storages themselves, not just their pointers, so they outlive the forward pass.
            let pa = acts.pointer, pc = cells.pointer, ptc = tanhCells.pointer, po = out.pointer
            let dPre = TensorStorage(uninitializedCount: rows * g4)
            let dh = TensorStorage(repeating: 0, count: b * h), dc = TensorStorage(repeating: 0, count: b * h)
            if let g = grads[1] { dh.pointer.update(from: g.storage.pointer, count: b * h) }
            if let g = grads[2] { dc.pointer.update(from: g.storage.pointer, count: b * h) }
            let gOut = grads[0]?.storage.pointer
            let pd = dPre.pointer, pdh = dh.pointer, pdc = dc.pointer
            let c0p = UnsafePointer(c0s.pointer), whhF = UnsafePointer(whh.pointer)
            inRecurrenceChunks(batch: b, units: h, steps: t, work: b * g4 * h) { rows, units, meet in
                let n0 = rows.lowerBound, u0 = units.lowerBound
                for step in stride(from: t - 1, through: 0, by: -1) {
                    for n in rows {
                        let r = n * t + step
                        let cPrev = step == 0 ? c0p + n * h : UnsafePointer(pc + (r - 1) * h)
                        lstmCellBackward(gate: pa + r * g4 + u0, cPrev: cPrev + u0, tanhC: ptc + r * h + u0, dh: pdh + n * h + u0,
                                         dOut: gOut.map { $0 + r * h + u0 }, dc: pdc + n * h + u0, dGates: pd + r * g4 + u0,
                                         size: units.count, stride: h)
                    }
                    meet() // every unit's gate gradients of this step are in place
                    // dh_{t−1} = dGates_t · W_hh for this chunk's rows and units.
                    smallGemm(m: rows.count, n: units.count, k: g4, a: pd + (n0 * t + step) * g4, lda: t * g4, b: whhF + u0,
                              ldb: h, c: pdh + n0 * h + u0, ldc: h)
                }
            }
            // Previous hidden state of every step: h0 for step 0, the output of the step before otherwise.
            let hPrev = TensorStorage(uninitializedCount: rows * h)
            for n in 0..<b {
                (hPrev.pointer + n * t * h).update(from: h0s.pointer + n * h, count: h)
                if t > 1 { (hPrev.pointer + (n * t + 1) * h).update(from: po + n * t * h, count: (t - 1) * h) }
            }
            // The input's gradient only when something upstream wants it (a trajectory's velocities do not).
            var dx: Tensor?
            if needX {
                let s = TensorStorage(uninitializedCount: rows * inF)
                gemm(m: rows, n: inF, k: g4, a: pd, lda: g4, b: wih.pointer, ldb: inF, c: s.pointer, ldc: inF)
                dx = Tensor(shape: [b, t, inF], storage: s)
            }
            let dWih = TensorStorage(uninitializedCount: g4 * inF), dWhh = TensorStorage(uninitializedCount: g4 * h)
            gemm(transA: true, m: g4, n: inF, k: rows, a: pd, lda: g4, b: xs.pointer, ldb: inF, c: dWih.pointer, ldc: inF)
            gemm(transA: true, m: g4, n: h, k: rows, a: pd, lda: g4, b: hPrev.pointer, ldb: h, c: dWhh.pointer, ldc: h)
            let dBias = Tensor(shape: [rows, g4], storage: dPre).sum(axis: 0)
            return [dx, Tensor(shape: [b, h], storage: dh),
                    Tensor(shape: [b, h], storage: dc), Tensor(shape: [g4, inF], storage: dWih),
                    Tensor(shape: [g4, h], storage: dWhh), dBias, dBias]
        }
        return (output, hLast, cLast)
    }
}

/// Runs the recurrence `body(rows, units, meet)` on disjoint parts, in parallel when BLAS has more than one thread
/// to give.
///
/// The rows of an LSTM batch recur independently, so with enough rows (8 or more per core) each core runs the whole
/// time loop for its rows with single-threaded products and no hand-off between threads (`meet` does nothing).
/// A smaller batch is split by hidden units instead: each core computes its units' gates and cells, and the cores
/// meet once per step, since the next step's product reads every unit. BLAS runs single-threaded meanwhile and gets
/// its thread count back after. Either way every element is computed by the same arithmetic as on one core.
private func inRecurrenceChunks(batch: Int, units: Int, steps: Int, work: Int,
                                _ body: (_ rows: Range<Int>, _ units: Range<Int>, _ meet: () -> Void) -> Void) {
    let threads = LSTMParallelism.threads ?? BLAS.threadCount
    guard threads > 1, work >= 1 << 18 else { body(0..<batch, 0..<units, {}); return }
    let rowChunks = min(threads, batch / 8)
    if rowChunks > 1 {
        SingleThreadedBLAS.enter()
        defer { SingleThreadedBLAS.exit() }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: rowChunks) { i in
                box.value(batch * i / rowChunks ..< batch * (i + 1) / rowChunks, 0..<units, {})
            }
        }
        return
    }
    // Two halves of the units, each a whole number of 16-column strips for the small-product kernel, over enough
    // steps to repay starting a thread (tens of microseconds; a step-by-step caller, T = 1, stays on one core).
    guard units % 32 == 0, units >= 64, steps >= 8 else { body(0..<batch, 0..<units, {}); return }
    SingleThreadedBLAS.enter()
    defer { SingleThreadedBLAS.exit() }
    let barrier = StepBarrier(parties: 2), done = DispatchSemaphore(value: 0)
    withoutActuallyEscaping(body) { body in
        let box = UncheckedSendable(body)
        // A thread of its own, not a dispatch worker: the halves wait for each other every step, so both must run
        // at once, which a busy dispatch pool does not promise. The thread object outlives this call, so it holds
        // the work through a slot that is emptied before `body` stops being valid.
        let slot = WorkSlot({ box.value(0..<batch, units / 2 ..< units, barrier.wait) })
        let helper = Thread { slot.run(); done.signal() }
        helper.stackSize = 1 << 20
        helper.start()
        box.value(0..<batch, 0 ..< units / 2, barrier.wait)
        done.wait()
        slot.clear()
    }
}

/// Work handed to a helper thread, released by the caller once the helper is done.
private final class WorkSlot: @unchecked Sendable {
    private var work: (() -> Void)?
    init(_ work: @escaping () -> Void) { self.work = work }
    func run() { work?() }
    func clear() { work = nil }
}

/// Where the halves of a recurrence meet once per step. They arrive microseconds apart, so a waiter spins, and
/// yields its core after a while in case the other was descheduled.
private final class StepBarrier: @unchecked Sendable {
    private let parties: Int
    private let arrived = Atomic<Int>(0), generation = Atomic<Int>(0)

    init(parties: Int) { self.parties = parties }

    func wait() {
        let current = generation.load(ordering: .acquiring)
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == parties {
            arrived.store(0, ordering: .relaxed)
            generation.store(current &+ 1, ordering: .releasing)
            return
        }
        var spins = 0
        while generation.load(ordering: .acquiring) == current {
            spins += 1
            if spins > 2000 { sched_yield() }
        }
    }
}

/// How many cores the LSTM recurrence may use; nil: as many as BLAS has threads. Tests set it to run the chunked
/// path without changing the process-wide BLAS thread count under other tests running at the same time.
enum LSTMParallelism {
    @TaskLocal static var threads: Int?
}

/// BLAS runs single-threaded while any chunked recurrence runs, and gets its thread count back when the last one
/// ends: a save-and-restore per call would race between concurrent calls and could leave the count changed.
private enum SingleThreadedBLAS {
    static let lock = NSLock()
    nonisolated(unsafe) static var users = 0, saved = 1

    static func enter() {
        lock.lock(); defer { lock.unlock() }
        if users == 0 { saved = BLAS.threadCount; if saved != 1 { BLAS.setThreadCount(1) } }
        users += 1
    }

    static func exit() {
        lock.lock(); defer { lock.unlock() }
        users -= 1
        if users == 0 && saved != 1 { BLAS.setThreadCount(saved) }
    }
}

/// Hands a closure over raw buffers to worker threads that touch disjoint rows only.
private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// `n` units of one row of the cell, gates `stride` apart: activates the gates in place and writes c', tanh c', h'
/// (`ssm_lstm_cell_forward`).
@inline(__always)
func lstmCellForward(gate: UnsafeMutablePointer<Float>, cPrev: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                     tanhC: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, size n: Int, stride: Int) {
    ssm_lstm_cell_forward(gate, cPrev, c, tanhC, h, Int32(n), Int32(stride))
}

/// Backpropagation through `n` units of one row of the cell: gate gradients, and dc carried to the previous step
/// (`ssm_lstm_cell_backward`).
@inline(__always)
func lstmCellBackward(gate: UnsafePointer<Float>, cPrev: UnsafePointer<Float>, tanhC: UnsafePointer<Float>,
                      dh: UnsafePointer<Float>, dOut: UnsafePointer<Float>?, dc: UnsafeMutablePointer<Float>,
                      dGates: UnsafeMutablePointer<Float>, size n: Int, stride: Int) {
    ssm_lstm_cell_backward(gate, cPrev, tanhC, dh, dOut, dc, dGates, Int32(n), Int32(stride))
}
