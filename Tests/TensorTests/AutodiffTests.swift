import Foundation
import Testing
@testable import Tensor

@Suite("Autodiff graph")
struct AutodiffTests {
    @Test func closedFormGradient() {
        let x = Tensor([0.1, 0.2, 0.3], requiresGrad: true)
        (x * x).sum().backward()
        expectClose(x.grad!, Tensor([0.2, 0.4, 0.6]))
    }

    @Test func fanOutAccumulates() {
        let x = Tensor([1, 2], requiresGrad: true)
        let y = x + x * x + x.exp()
        y.sum().backward()
        expectClose(x.grad!, Tensor([1 + 2 + 2.718_281_8, 1 + 4 + 7.389_056]))
    }

    @Test func broadcastGradientReducesToShape() {
        let a = Tensor.ones([3, 1], requiresGrad: true), b = Tensor.ones([1, 4], requiresGrad: true)
        (a + b).sum().backward()
        expectClose(a.grad!, Tensor(repeating: 4, shape: [3, 1]))
        expectClose(b.grad!, Tensor(repeating: 3, shape: [1, 4]))
    }

    @Test func noGradRecordsNothing() {
        let x = Tensor([1, 2], requiresGrad: true)
        let y = noGrad { x * 2 }
        #expect(!y.requiresGrad && y.isLeaf)
    }

    /// A 100,000-op chain: backward must not overflow the stack, and every intermediate must be freed.
    @Test func deepChainNeitherLeaksNorOverflows() {
        weak var early: Tensor?
        weak var late: Tensor?
        let x = Tensor([1], requiresGrad: true)
        do {
            var y = x
            for i in 0..<100_000 {
                y = y * 1.000001
                if i == 10 { early = y }
                if i == 90_000 { late = y }
            }
            #expect(early != nil && late != nil)
            y.backward()
        }
        #expect(early == nil, "intermediate tensors leaked after backward")
        #expect(late == nil)
        #expect(abs(x.grad!.item - Float(Foundation.pow(Double(Float(1.000001)), 100_000))) < 1e-3)
    }

    /// Dropping a deep graph without calling backward must not recurse either.
    @Test func deepChainFreedWithoutBackward() {
        weak var early: Tensor?
        let x = Tensor([1], requiresGrad: true)
        do {
            var y = x
            for i in 0..<100_000 { y = y + 1; if i == 5 { early = y } }
            #expect(y.item == 100_001)
        }
        #expect(early == nil)
    }

    @Test func secondBackwardThroughFreedGraphIsRejected() async {
        await #expect(processExitsWith: .failure) {
            let x = Tensor([1], requiresGrad: true)
            let y = x * 2, z = y * 3
            z.backward()
            (y * 1).backward()
        }
    }

    @Test func shapeMismatchNamesBothShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("[2, 3]") && stderr.contains("[4, 5]"), "message was: \(stderr)")
    }

    @Test func seededRandomIsReproducible() {
        var a = RandomGenerator(seed: 7), b = RandomGenerator(seed: 7)
        #expect(Tensor.randn([5], rng: &a).scalars == Tensor.randn([5], rng: &b).scalars)
        var c = RandomGenerator(seed: 8)
        #expect(Tensor.randn([5], rng: &a).scalars != Tensor.randn([5], rng: &c).scalars)
        let p = c.permutation(10)
        #expect(p.sorted() == Array(0..<10))
    }

    @Test func linalgKnownAnswers() throws {
        let a = Tensor([4, 2, 2, 3], shape: [2, 2])
        let x = try Linalg.solve(a, Tensor([2, 1], shape: [2]))
        expectClose(x, Tensor([0.5, 0]), atol: 1e-5)
        let l = try Linalg.cholesky(a)
        expectClose(l.matmul(l.transposed()), a, atol: 1e-5)
        let (values, vectors) = try Linalg.symmetricEigen(a)
        expectClose(vectors.matmul(values.unsqueezed(1) * vectors.transposed()) * 1, a, atol: 1e-4) // V Λ Vᵀ
        let (u, s, vt) = try Linalg.svd(Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2]))
        expectClose((u * s).matmul(vt), Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2]), atol: 1e-4)
        #expect(throws: TensorError.self) { try Linalg.cholesky(Tensor([1, 2, 2, 1], shape: [2, 2])) }
    }
}

@Suite("Parallel LSTM recurrence")
struct ParallelLSTMTests {
    /// With two cores the LSTM runs batch halves on two threads (16 rows), or, for a small batch (5 rows), unit
    /// halves that meet every step; either way results must match one thread. (The cores are given through
    /// `LSTMParallelism`, never by changing BLAS's process-wide thread count under other tests.)
    @Test(arguments: [(16, 64), (5, 128)]) func chunkedRecurrenceMatchesSingleThread(batch: Int, hidden: Int) {
        func run(threads: Int) -> [Float] { LSTMParallelism.$threads.withValue(threads) { compute() } }
        func compute() -> [Float] {
            let x = randn([batch, 8, 5], seed: 1), h0 = randn([batch, hidden], seed: 2), c0 = randn([batch, hidden], seed: 3)
            let wih = randn([4 * hidden, 5], seed: 4) * 0.2, whh = randn([4 * hidden, hidden], seed: 5) * 0.1
            let bih = randn([4 * hidden], seed: 6), bhh = randn([4 * hidden], seed: 7)
            for t in [x, h0, c0, wih, whh, bih, bhh] { t.requiresGrad = true }
            let r = Tensor.lstm(x, h0: h0, c0: c0, weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh)
            (r.output.square().sum() + r.h.sum() + r.c.sum()).backward()
            return r.output.scalars + x.grad!.scalars + h0.grad!.scalars + c0.grad!.scalars + whh.grad!.scalars
        }
        let one = run(threads: 1), two = run(threads: 2)
        #expect(one.count == two.count)
        let worst = zip(one, two).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
        #expect(worst < 1e-4, "largest relative difference \(worst)")
    }
}
