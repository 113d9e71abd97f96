// Vector kernels in C for the hot loops whose instruction set is chosen at run time (AVX-512, AVX2 or baseline
// x86-64; Swift code is compiled for the baseline only). The elementwise kernels (LSTM cell, optimisers) compute the
// same IEEE operations per element whatever the instruction set (no fused multiply-adds, no reassociation), so their
// results do not depend on the CPU; the small-product kernel, like any BLAS, sums with fused multiply-adds.
#ifndef SSM_KERNELS_H
#define SSM_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// `C = A·B + beta·C` for row-major A (m×k) and B (k×n, rows contiguous), beta 0 or 1, with register-resident
/// tiles of C and no packing: for products with few rows against a matrix reused from call to call (an LSTM's
/// recurrent step), where OpenBLAS's per-call packing dominates. Returns 0 when done, -1 when the case is not
/// covered (no AVX-512, n not a multiple of 16, beta other than 0 or 1); the caller then uses `cblas_sgemm`.
int ssm_sgemm_small(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/// `n` units of one row of an LSTM cell (PyTorch's gate order i, f, g, o; gate q of unit j at `gate[q·stride + j]`):
/// activates the pre-activations in place and writes c' = σ(f)·c + σ(i)·tanh(g), tanh c' and h' = σ(o)·tanh c'.
void ssm_lstm_cell_forward(float *gate, const float *c_prev, float *c, float *tanh_c, float *h, int n, int stride);

/// Backpropagation through `n` units of one row of the cell: from the activated gates, c_{t−1}, tanh c_t, the
/// gradient reaching h_t (`dh`, plus `d_out` when not NULL) and c_t (`dc`, updated in place to the gradient
/// reaching c_{t−1}), writes the gate pre-activation gradients `d_gates` (same layout as `gate`).
void ssm_lstm_cell_backward(const float *gate, const float *c_prev, const float *tanh_c, const float *dh,
                            const float *d_out, float *dc, float *d_gates, int n, int stride);

/// One Adam step over `n` values (PyTorch's Adam, or AdamW when `decoupled`: the weight first scaled by `shrink`
/// = 1 − lr·decay), with the bias corrections folded into `step_size` = lr / (1 − β1ᵗ) and `bc2_root` = √(1 − β2ᵗ).
void ssm_adam_update(float *p, const float *g, float *m, float *v, long n, float beta1, float beta2, float step_size,
                     float bc2_root, float eps, float weight_decay, float shrink, int decoupled);

/// One RMSprop step with momentum, not centred (PyTorch's RMSprop), over `n` values.
void ssm_rmsprop_momentum_update(float *p, const float *g, float *square_avg, float *momentum_buffer, long n,
                                 float alpha, float eps, float weight_decay, float momentum, float learning_rate);

#ifdef __cplusplus
}
#endif
#endif
