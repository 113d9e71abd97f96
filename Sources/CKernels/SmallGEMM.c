// Products with few rows against a matrix that stays the same from call to call: the recurrent step of an LSTM
// (a batch of 16-32 hidden states times W_hh, once per time step, forward and backward).
//
// OpenBLAS packs both operands into its blocked layout on every call; for these shapes that packing and its call
// overhead leave its kernel at about half of the core's peak. Here B is read straight from its row-major rows
// (L1/L2-resident: W_hh is 256 KB at hidden size 128) and each tile of C stays in registers for the whole sum, which
// runs these shapes close to peak. Every element of C is one FMA chain over k in order, whatever the tiling, so a
// row's result does not depend on which other rows share its call.
//
// AVX-512 only: an AVX2 version (6×16 tiles) measured no faster than OpenBLAS's own AVX2 kernels, so CPUs without
// AVX-512 keep OpenBLAS for these products too.
#include "Kernels.h"
#include <stddef.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define TILE_AVX512(R, W)                                                                                              \
    __attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void                           \
    tile512_##R##x##W(int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc, int accumulate) {   \
        __m512 acc[R][W];                                                                                              \
        for (int r = 0; r < R; r++)                                                                                    \
            for (int w = 0; w < W; w++)                                                                                \
                acc[r][w] = accumulate ? _mm512_loadu_ps(c + (size_t)r * ldc + 16 * w) : _mm512_setzero_ps();      \
        for (int p = 0; p < k; p++) {                                                                                  \
            __m512 bv[W];                                                                                              \
            for (int w = 0; w < W; w++) bv[w] = _mm512_loadu_ps(b + (size_t)p * ldb + 16 * w);                      \
            for (int r = 0; r < R; r++) {                                                                              \
                __m512 av = _mm512_set1_ps(a[(size_t)r * lda + p]);                                                   \
                for (int w = 0; w < W; w++) acc[r][w] = _mm512_fmadd_ps(av, bv[w], acc[r][w]);                       \
            }                                                                                                          \
        }                                                                                                              \
        for (int r = 0; r < R; r++)                                                                                    \
            for (int w = 0; w < W; w++) _mm512_storeu_ps(c + (size_t)r * ldc + 16 * w, acc[r][w]);                   \
    }
TILE_AVX512(8, 2) TILE_AVX512(4, 2) TILE_AVX512(2, 2) TILE_AVX512(1, 2)
TILE_AVX512(8, 1) TILE_AVX512(4, 1) TILE_AVX512(2, 1) TILE_AVX512(1, 1)

// Row blocks of 8 (4, 2, 1 for the rest) down each 32-column strip, then a 16-column strip if n is an odd number of 16s.
#define STRIP512(W, col)                                                                                               \
    do {                                                                                                               \
        const float *bj = b + (col);                                                                                   \
        float *cj = c + (col);                                                                                         \
        int i = 0;                                                                                                     \
        for (; i + 8 <= m; i += 8) tile512_8x##W(k, a + (size_t)i * lda, lda, bj, ldb, cj + (size_t)i * ldc, ldc, acc); \
        for (; i + 4 <= m; i += 4) tile512_4x##W(k, a + (size_t)i * lda, lda, bj, ldb, cj + (size_t)i * ldc, ldc, acc); \
        for (; i + 2 <= m; i += 2) tile512_2x##W(k, a + (size_t)i * lda, lda, bj, ldb, cj + (size_t)i * ldc, ldc, acc); \
        for (; i < m; i++) tile512_1x##W(k, a + (size_t)i * lda, lda, bj, ldb, cj + (size_t)i * ldc, ldc, acc);       \
    } while (0)

__attribute__((target("avx512f"))) static void gemm512(int m, int n, int k, const float *a, int lda, const float *b,
                                                      int ldb, float *c, int ldc, int acc) {
    int j = 0;
    for (; j + 32 <= n; j += 32) STRIP512(2, j);
    if (j < n) STRIP512(1, j);
}

#endif

int ssm_sgemm_small(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
#if defined(__x86_64__)
    // The CPU and the OS (it must save ZMM state) both support AVX-512F.
    if (!__builtin_cpu_supports("avx512f") || m <= 0 || n <= 0 || k <= 0 || n % 16 != 0 || (beta != 0 && beta != 1)) return -1;
    gemm512(m, n, k, a, lda, b, ldb, c, ldc, beta == 1);
    return 0;
#else
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return -1;
#endif
}
