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
