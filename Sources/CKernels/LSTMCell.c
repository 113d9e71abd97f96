// The LSTM cell's elementwise work, vectorised for the widest instruction set the CPU has (one clone per set,
// picked when the library loads). The arithmetic is Tensor's FastMath.swift step for step (Cephes' exp polynomial,
// tanh through e^{−2|x|}), with contraction into fused multiply-adds switched off, so every clone gives the same
// bits as the Swift SIMD code and as each other.
#include "Kernels.h"
#include <stdint.h>
#include <string.h>

#include "Clones.h"

static inline float exp_f(float v) {
    float x = v < -87.3f ? -87.3f : v;
    x = x > 88.3f ? 88.3f : x;
    // n = round(x / ln 2) by the 1.5·2²³ trick: its low mantissa bits then hold n as an integer.
    float shifted = x * 1.44269504088896341f + 12582912.0f;
    float n = shifted - 12582912.0f;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * r * r + r + 1.0f;
    uint32_t bits;
    memcpy(&bits, &shifted, 4);
    bits = (bits - 0x4B400000u + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return y * scale;
}

static inline float sigmoid_f(float x) { return 1.0f / (1.0f + exp_f(-x)); }

static inline float tanh_f(float x) {
    float negAbs = x > 0 ? -x : x;
    float e = exp_f(2.0f * negAbs);
    float t = (1.0f - e) / (1.0f + e);
    return x < 0 ? -t : t;
}

CLONES void ssm_lstm_cell_forward(float *gate, const float *restrict c_prev, float *restrict c, float *restrict tanh_c,
                                  float *restrict h, int n, int stride) {
    float *restrict gi = gate, *restrict gf = gate + stride, *restrict gg = gate + 2 * stride, *restrict go = gate + 3 * stride;
    for (int j = 0; j < n; j++) {
        float i = sigmoid_f(gi[j]), f = sigmoid_f(gf[j]), g = tanh_f(gg[j]), o = sigmoid_f(go[j]);
        float cNew = f * c_prev[j] + i * g;
        float tc = tanh_f(cNew);
        gi[j] = i; gf[j] = f; gg[j] = g; go[j] = o;
        c[j] = cNew; tanh_c[j] = tc; h[j] = o * tc;
    }
}

CLONES void ssm_lstm_cell_backward(const float *gate, const float *restrict c_prev, const float *restrict tanh_c,
                                   const float *restrict dh, const float *restrict d_out, float *restrict dc,
                                   float *d_gates, int n, int stride) {
    const float *restrict gi = gate, *restrict gf = gate + stride, *restrict gg = gate + 2 * stride,
                *restrict go = gate + 3 * stride;
    float *restrict di = d_gates, *restrict df = d_gates + stride, *restrict dg = d_gates + 2 * stride,
          *restrict dO = d_gates + 3 * stride;
    for (int j = 0; j < n; j++) {
        float i = gi[j], f = gf[j], g = gg[j], o = go[j], tc = tanh_c[j];
        float dhj = d_out ? dh[j] + d_out[j] : dh[j];
        float dcj = dc[j] + dhj * o * (1.0f - tc * tc);
        di[j] = dcj * g * i * (1.0f - i);
        df[j] = dcj * c_prev[j] * f * (1.0f - f);
        dg[j] = dcj * i * (1.0f - g * g);
        dO[j] = dhj * tc * o * (1.0f - o);
        dc[j] = dcj * f;
    }
}
