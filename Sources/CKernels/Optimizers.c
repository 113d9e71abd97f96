// The optimisers' per-element updates (Adam, RMSprop with momentum), vectorised per instruction set like the LSTM
// cell. Swift's version of these loops stayed scalar (its square root keeps an errno path and the buffers may alias);
// here `restrict`, a square root without errno (`__builtin_elementwise_sqrt`) and one clone per instruction set make
// them vector loops. The arithmetic is PyTorch's update, operation for operation, without fused multiply-adds, so
// every clone updates to the same bits.
#include "Kernels.h"
#include "Clones.h"

CLONES void ssm_adam_update(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
                            float beta1, float beta2, float step_size, float bc2_root, float eps, float weight_decay,
                            float shrink, int decoupled) {
    const float c1 = 1.0f - beta1, c2 = 1.0f - beta2;
    if (decoupled) {
        for (long i = 0; i < n; i++) {
            float w = p[i] * shrink, grad = g[i];
            float mi = beta1 * m[i] + c1 * grad, vi = beta2 * v[i] + c2 * grad * grad;
            m[i] = mi; v[i] = vi;
            p[i] = w - step_size * mi / (__builtin_elementwise_sqrt(vi) / bc2_root + eps);
        }
    } else {
        for (long i = 0; i < n; i++) {
            float grad = g[i] + weight_decay * p[i];
            float mi = beta1 * m[i] + c1 * grad, vi = beta2 * v[i] + c2 * grad * grad;
            m[i] = mi; v[i] = vi;
            p[i] = p[i] - step_size * mi / (__builtin_elementwise_sqrt(vi) / bc2_root + eps);
        }
    }
}

CLONES void ssm_rmsprop_momentum_update(float *restrict p, const float *restrict g, float *restrict square_avg,
                                        float *restrict momentum_buffer, long n, float alpha, float eps,
                                        float weight_decay, float momentum, float learning_rate) {
    const float ca = 1.0f - alpha;
    for (long i = 0; i < n; i++) {
        float grad = g[i] + weight_decay * p[i];
        float s = alpha * square_avg[i] + ca * grad * grad;
        float b = momentum * momentum_buffer[i] + grad / (__builtin_elementwise_sqrt(s) + eps);
        square_avg[i] = s; momentum_buffer[i] = b;
        p[i] = p[i] - learning_rate * b;
    }
}
