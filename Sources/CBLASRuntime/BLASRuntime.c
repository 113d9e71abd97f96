// Loads OpenBLAS and LAPACKE on first use. OpenBLAS picks its kernel set once, in its load-time constructor, from
// OPENBLAS_CORETYPE or its own CPU table; a program that links it has no say (the constructor runs before main).
// Loading it here, after setting OPENBLAS_CORETYPE for this CPU unless the user set it, gives every program that
// links Tensor the best kernel without anyone setting anything.
#define _GNU_SOURCE
#include "BLASRuntime.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ssm_cpu_kernel_choice(void);

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef int (*int_fn)(void);
typedef void (*set_threads_fn)(int);
typedef char *(*corename_fn)(void);
typedef int (*sgesv_fn)(int, int, int, float *, int, int *, float *, int);
typedef int (*spotrf_fn)(int, char, int, float *, int);
typedef int (*ssyevd_fn)(int, char, char, int, float *, int, float *);
typedef int (*sgesdd_fn)(int, char, int, int, float *, int, float *, float *, int, float *, int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char error[1024];
static const char *source = "";
#define SSM_BLAS_THREAD_TIMEOUT "16"
static char threadTimeout[32];
static sgemm_fn p_sgemm;
static int_fn p_get_threads;
static set_threads_fn p_set_threads;
static corename_fn p_corename;
static sgesv_fn p_sgesv;
static spotrf_fn p_spotrf;
static ssyevd_fn p_ssyevd;
static sgesdd_fn p_sgesdd;

#if defined(__APPLE__)
static const char *blasNames[] = {"libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
                                  "/usr/local/opt/openblas/lib/libopenblas.dylib", NULL};
static const char *lapackeNames[] = {"liblapacke.dylib", NULL};
#else
static const char *blasNames[] = {"libopenblas.so.0", "libopenblas.so", NULL};
static const char *lapackeNames[] = {"liblapacke.so.3", "liblapacke.so", NULL};
#endif

static void *openFirst(const char **names, int flags) {
    for (int i = 0; names[i]; i++) {
        void *h = dlopen(names[i], flags);
        if (h) return h;
    }
    return NULL;
}

static void load(void) {
    void *blas = openFirst(blasNames, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    if (blas) {
        source = "preloaded";
    } else {
        const char *user = getenv("OPENBLAS_CORETYPE");
        const char *choice = ssm_cpu_kernel_choice();
        if (user && *user) source = "OPENBLAS_CORETYPE";
        else if (*choice) { setenv("OPENBLAS_CORETYPE", choice, 1); source = "cpu"; }
        else source = "openblas";
        // An idle OpenBLAS worker spins (sched_yield) for 2^28 cycles, about 0.1 s, after each threaded call before
        // it sleeps. Between the products of a training step that spinning takes a core from everything else the
        // step runs; 2^16 cycles (tens of microseconds) still bridges back-to-back products. The user's value wins.
        setenv("OPENBLAS_THREAD_TIMEOUT", SSM_BLAS_THREAD_TIMEOUT, 0);
        snprintf(threadTimeout, sizeof threadTimeout, "%s", getenv("OPENBLAS_THREAD_TIMEOUT"));
        blas = openFirst(blasNames, RTLD_NOW | RTLD_GLOBAL);
    }
    if (!blas) {
        snprintf(error, sizeof error, "OpenBLAS could not be loaded (%s): install it with `apt-get install "
                 "libopenblas-dev liblapacke-dev` (or `bash scripts/ensure-deps.sh`), or put the folder holding "
                 "libopenblas.so.0 on LD_LIBRARY_PATH", dlerror());
        return;
    }
    p_sgemm = (sgemm_fn)dlsym(blas, "cblas_sgemm");
    p_get_threads = (int_fn)dlsym(blas, "openblas_get_num_threads");
    p_set_threads = (set_threads_fn)dlsym(blas, "openblas_set_num_threads");
    p_corename = (corename_fn)dlsym(blas, "openblas_get_corename");
    if (!p_sgemm || !p_get_threads || !p_set_threads || !p_corename) {
        snprintf(error, sizeof error, "the loaded libopenblas lacks cblas_sgemm or the openblas_* controls: is it OpenBLAS?");
        return;
    }
    // Some builds (Homebrew, conda) carry LAPACKE inside libopenblas; Debian's is separate.
    void *lapacke = dlsym(blas, "LAPACKE_sgesv") ? blas : openFirst(lapackeNames, RTLD_NOW | RTLD_GLOBAL);
    if (!lapacke) {
        snprintf(error, sizeof error, "LAPACKE could not be loaded (%s): install it with `apt-get install liblapacke-dev`",
                 dlerror());
        return;
    }
    p_sgesv = (sgesv_fn)dlsym(lapacke, "LAPACKE_sgesv");
    p_spotrf = (spotrf_fn)dlsym(lapacke, "LAPACKE_spotrf");
    p_ssyevd = (ssyevd_fn)dlsym(lapacke, "LAPACKE_ssyevd");
    p_sgesdd = (sgesdd_fn)dlsym(lapacke, "LAPACKE_sgesdd");
    if (!p_sgesv || !p_spotrf || !p_ssyevd || !p_sgesdd) {
        snprintf(error, sizeof error, "the loaded LAPACKE lacks one of sgesv, spotrf, ssyevd, sgesdd");
        return;
    }
    __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
}

int ssm_blas_load(void) {
    pthread_once(&once, load);
    return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE) ? 0 : -1;
}

const char *ssm_blas_error(void) {
    return ssm_blas_load() == 0 ? NULL : error;
}

// Every entry point loads first; a missing library is a clear message and an exit, never a crash in a null call.
static inline void ready(void) {
    if (__builtin_expect(!__atomic_load_n(&loaded, __ATOMIC_ACQUIRE), 0) && ssm_blas_load() != 0) {
        fprintf(stderr, "error: %s\n", error);
        exit(1);
    }
}

const char *ssm_blas_core(void) { ready(); return p_corename(); }
const char *ssm_blas_core_source(void) { ready(); return source; }
const char *ssm_blas_thread_timeout(void) { ready(); return threadTimeout; }
int ssm_blas_threads(void) { ready(); return p_get_threads(); }
void ssm_blas_set_threads(int n) { ready(); p_set_threads(n); }

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };

void ssm_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc) {
    ready();
    p_sgemm(RowMajor, trans_a ? Trans : NoTrans, trans_b ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int ssm_sgesv(int n, int nrhs, float *a, int lda, int *ipiv, float *b, int ldb) {
    ready(); return p_sgesv(RowMajor, n, nrhs, a, lda, ipiv, b, ldb);
}
int ssm_spotrf(char uplo, int n, float *a, int lda) { ready(); return p_spotrf(RowMajor, uplo, n, a, lda); }
int ssm_ssyevd(char jobz, char uplo, int n, float *a, int lda, float *w) {
    ready(); return p_ssyevd(RowMajor, jobz, uplo, n, a, lda, w);
}
int ssm_sgesdd(char jobz, int m, int n, float *a, int lda, float *s, float *u, int ldu, float *vt, int ldvt) {
    ready(); return p_sgesdd(RowMajor, jobz, m, n, a, lda, s, u, ldu, vt, ldvt);
}
