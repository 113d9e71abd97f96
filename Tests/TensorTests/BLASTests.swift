import Foundation
import Testing
@testable import Tensor

@Suite("BLAS loading and kernel choice")
struct BLASTests {
    /// OpenBLAS loads, says which kernel set it runs, and when the choice was ours (no OPENBLAS_CORETYPE set) it
    /// runs exactly that set: a name OpenBLAS did not accept, or a CPU it refused it on, would show as another core.
    @Test func theChosenKernelIsTheOneInUse() throws {
        try BLAS.load()
        let core = BLAS.core, source = BLAS.coreSource
        #expect(!core.isEmpty)
        #expect(["cpu", "OPENBLAS_CORETYPE", "openblas", "preloaded"].contains(source))
        if source == "cpu" { #expect(core.lowercased() == BLAS.coreForCPU.lowercased()) }
        #if arch(x86_64)
        // Every x86-64 CPU this library targets has AVX: never the generic SSE kernels unless the user asked.
        if source == "cpu" { #expect(!["prescott", "core2", "nehalem", "katmai"].contains(core.lowercased())) }
        #endif
    }

    #if os(Linux)
    /// LAPACKE reaches OpenBLAS through liblapack; that must be the instance we configured, not a second copy that
    /// chose its own kernel when it loaded.
    @Test func lapackShareTheOneOpenBLAS() throws {
        _ = try Linalg.solve(Tensor([2, 1, 1, 3], shape: [2, 2]), Tensor([1, 2], shape: [2]))
        // procfs files report size 0: read to the end rather than trusting the size.
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/self/maps"))
        let maps = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        let libraries = Set(maps.split(separator: "\n").compactMap { line -> Substring? in
            guard let path = line.split(separator: " ", omittingEmptySubsequences: true).last,
                  path.split(separator: "/").last?.hasPrefix("libopenblas") == true else { return nil }
            return path
        })
        #expect(libraries.count == 1, "OpenBLAS mapped from \(libraries.sorted())")
    }
    #endif

    /// The kernel chosen is numerically a GEMM (against a naive triple loop) on shapes that reach the packed paths.
    @Test func chosenKernelMultipliesCorrectly() {
        var rng = RandomGenerator(seed: 3)
        for (m, n, k) in [(1, 1, 1), (7, 5, 3), (65, 33, 130), (128, 96, 257)] {
            let a = Tensor.randn([m, k], rng: &rng), b = Tensor.randn([k, n], rng: &rng)
            let c = a.matmul(b)
            var worst: Float = 0
            for i in 0..<m { for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a.storage.pointer[i * k + p] * b.storage.pointer[p * n + j] }
                worst = max(worst, abs(s - c.storage.pointer[i * n + j]))
            } }
            #expect(worst < 1e-3 * Float(k).squareRoot(), "m \(m) n \(n) k \(k): max error \(worst)")
        }
    }
}

@Suite("Small products (the LSTM's recurrent step)")
struct SmallProductTests {
    /// The register-tile kernel against the definition: every row remainder of its 8/4/2/1-row tiles, 32- and
    /// 16-column strips, rows further apart than they are long, both betas. It must run on every AVX-512 CPU;
    /// elsewhere it declines and OpenBLAS answers instead.
    @Test func tilesComputeTheProduct() {
        let avx512 = ["SkylakeX", "Cooperlake"].contains(BLAS.coreForCPU)
        var rng = RandomGenerator(seed: 11)
        for m in [1, 2, 3, 5, 8, 13, 16, 17] {
            for n in [16, 48, 64] {
                for k in [1, 7, 130] {
                    for beta: Float in [0, 1] {
                        let lda = k + 3, ldb = n + 16, ldc = n + 5
                        let a = Tensor.randn([m * lda], rng: &rng), b = Tensor.randn([k * ldb], rng: &rng)
                        let c0 = Tensor.randn([m * ldc], rng: &rng), c = c0.copy()
                        let ran = smallGemmKernel(m: m, n: n, k: k, a: a.storage.pointer, lda: lda, b: b.storage.pointer,
                                                  ldb: ldb, beta: beta, c: c.storage.pointer, ldc: ldc)
                        if avx512 { #expect(ran, "m \(m) n \(n) k \(k)") }
                        guard ran else { continue }
                        var worst: Float = 0
                        for i in 0..<m { for j in 0..<n {
                            var s: Float = beta * c0.storage.pointer[i * ldc + j]
                            for p in 0..<k { s += a.storage.pointer[i * lda + p] * b.storage.pointer[p * ldb + j] }
                            worst = max(worst, abs(s - c.storage.pointer[i * ldc + j]))
                        } }
                        // The padding between rows of C is never written.
                        for i in 0..<m { for j in n..<ldc where i * ldc + j < m * ldc {
                            #expect(c.storage.pointer[i * ldc + j] == c0.storage.pointer[i * ldc + j])
                        } }
                        #expect(worst < 1e-4 * Float(k).squareRoot() * 4, "m \(m) n \(n) k \(k) beta \(beta): \(worst)")
                    }
                }
            }
        }
    }

    /// Where the register-tile kernel runs (AVX-512), a row's result does not depend on the rows that share its
    /// call (so the LSTM's batch halves on two threads give the bits one thread gives); elsewhere OpenBLAS picks
    /// different kernels for one row and for thirteen, and the rows agree to rounding only. Shapes the kernel
    /// does not cover fall back to OpenBLAS.
    @Test func rowsAreIndependentOfTheirNeighbours() {
        var rng = RandomGenerator(seed: 12)
        let m = 13, n = 96, k = 128
        let a = Tensor.randn([m, k], rng: &rng), b = Tensor.randn([k, n], rng: &rng)
        let whole = Tensor.zeros([m, n]), probe = Tensor.zeros([n])
        let kernel = smallGemmKernel(m: 1, n: n, k: k, a: a.storage.pointer, lda: k, b: b.storage.pointer, ldb: n, beta: 0,
                                     c: probe.storage.pointer, ldc: n)
        smallGemm(m: m, n: n, k: k, a: a.storage.pointer, lda: k, b: b.storage.pointer, ldb: n, c: whole.storage.pointer, ldc: n)
        for i in 0..<m {
            let row = Tensor.zeros([n])
            smallGemm(m: 1, n: n, k: k, a: a.storage.pointer + i * k, lda: k, b: b.storage.pointer, ldb: n,
                      c: row.storage.pointer, ldc: n)
            let tolerance: Float = kernel ? 0 : 1e-4 * Float(k).squareRoot()
            #expect((0..<n).allSatisfy { abs(row.storage.pointer[$0] - whole.storage.pointer[i * n + $0]) <= tolerance },
                    "row \(i) (register-tile kernel: \(kernel))")
        }
        let odd = Tensor.zeros([m, 12]), bOdd = Tensor.randn([k, 12], rng: &rng)
        smallGemm(m: m, n: 12, k: k, a: a.storage.pointer, lda: k, b: bOdd.storage.pointer, ldb: 12, c: odd.storage.pointer, ldc: 12)
        let reference = a.matmul(bOdd)
        #expect((0..<(m * 12)).allSatisfy { abs(odd.storage.pointer[$0] - reference.storage.pointer[$0]) < 1e-4 })
    }
}
