// OpenBLAS and LAPACKE, loaded on first use rather than linked, so that the kernel set for this CPU can be chosen
// before OpenBLAS reads it (once, when the library loads). See Docs/Performance.md.
#ifndef SSM_BLAS_RUNTIME_H
#define SSM_BLAS_RUNTIME_H

#ifdef __cplusplus
extern "C" {
#endif

/// Loads OpenBLAS (and LAPACKE) if not yet loaded. Returns 0 on success; otherwise a message is available from
/// `ssm_blas_error`. Safe to call from any thread, any number of times.
int ssm_blas_load(void);
/// Why loading failed (NULL when it did not).
const char *ssm_blas_error(void);

/// The kernel set OpenBLAS uses ("Cooperlake", "Haswell", "Prescott", …), as the library reports it.
const char *ssm_blas_core(void);
/// Who chose it: "cpu" (chosen here from the CPU's features), "OPENBLAS_CORETYPE" (the user's setting),
/// "openblas" (the library's own detection: a CPU without AVX or not x86-64), "preloaded" (OpenBLAS was already in
/// the process when we came to load it, so whoever loaded it decided).
const char *ssm_blas_core_source(void);
/// `OPENBLAS_THREAD_TIMEOUT` as OpenBLAS read it when it loaded (how long, 2^value cycles, an idle worker thread
/// spins before it sleeps): ours ("16") unless the user set it; "" when OpenBLAS was preloaded (its default, 28).
const char *ssm_blas_thread_timeout(void);
/// The kernel set this CPU supports best ("SkylakeX", …), or "" where the library's own detection is used.
const char *ssm_blas_core_for_cpu(void);
/// The CPU's brand string and its family/model (x86-64; "" and 0 elsewhere).
const char *ssm_cpu_model(void);
int ssm_cpu_family(void);
int ssm_cpu_model_number(void);

int ssm_blas_threads(void);
void ssm_blas_set_threads(int n);

/// Row-major `cblas_sgemm` (transpose flags are booleans).
void ssm_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc);

/// Row-major LAPACKE routines; they return LAPACK's `info`.
int ssm_sgesv(int n, int nrhs, float *a, int lda, int *ipiv, float *b, int ldb);
int ssm_spotrf(char uplo, int n, float *a, int lda);
int ssm_ssyevd(char jobz, char uplo, int n, float *a, int lda, float *w);
int ssm_sgesdd(char jobz, int m, int n, float *a, int lda, float *s, float *u, int ldu, float *vt, int ldvt);

#ifdef __cplusplus
}
#endif
#endif
