internal import CBLASRuntime

/// The BLAS library under every matrix product: OpenBLAS (and LAPACKE), loaded on first use.
///
/// OpenBLAS chooses its kernel set once, when it loads. Loading it here rather than linking it lets the kernel be
/// chosen for this CPU's instruction sets first (AVX-512 with BF16 → Cooperlake, AVX-512 → SkylakeX, AVX2 → Haswell
/// or Zen, AVX → Sandybridge), so that no program that links `Tensor` falls back to slow generic kernels on a CPU
/// newer than its OpenBLAS. A user's own `OPENBLAS_CORETYPE` always wins. See `Docs/Performance.md`.
public enum BLAS {
    /// Loads OpenBLAS and LAPACKE now (otherwise the first product does); throws with what to install when they are
    /// missing. Programs call it at start so that a missing library is a message, not an exit mid-run.
    public static func load() throws {
        if ssm_blas_load() != 0 { throw TensorError(String(cString: ssm_blas_error()!)) }
    }

    /// The kernel set in use, as OpenBLAS names it ("Cooperlake", "Haswell", "Zen", "Prescott", …).
    public static var core: String { String(cString: ssm_blas_core()) }

    /// Who chose `core`: `cpu` (chosen here from the CPU's instruction sets), `OPENBLAS_CORETYPE` (the user's
    /// setting), `openblas` (the library's own detection: a CPU without AVX, or not x86-64), or `preloaded` (OpenBLAS
    /// was already loaded by something else in the process, which decided).
    public static var coreSource: String { String(cString: ssm_blas_core_source()) }

    /// `OPENBLAS_THREAD_TIMEOUT` as OpenBLAS read it at load: an idle worker spins 2^value cycles before it sleeps.
    /// "16" unless the user set it (OpenBLAS's own default, 28, spins for about 0.1 s and takes a core from the
    /// rest of a training step); empty when OpenBLAS was preloaded.
    public static var threadTimeout: String { String(cString: ssm_blas_thread_timeout()) }

    /// The kernel set chosen for this CPU's instruction sets; empty where OpenBLAS's own detection is used.
    public static var coreForCPU: String { String(cString: ssm_blas_core_for_cpu()) }

    /// The CPU's brand string, family and model (x86-64; empty and 0 elsewhere).
    public static var cpu: (name: String, family: Int, model: Int) {
        (String(cString: ssm_cpu_model()), Int(ssm_cpu_family()), Int(ssm_cpu_model_number()))
    }

    /// Threads OpenBLAS uses for each call.
    public static var threadCount: Int { Int(ssm_blas_threads()) }
    /// Sets the OpenBLAS thread count for the whole process.
    public static func setThreadCount(_ n: Int) { ssm_blas_set_threads(Int32(n)) }

    /// Raw single-precision GEMM on caller-owned row-major buffers (for benchmarks against the library).
    public static func sgemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                             c: UnsafeMutablePointer<Float>) {
        ssm_sgemm(0, 0, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, c, Int32(n))
    }
}
