#include "emml/mathf.h"

uint32_t emml_argmax_i32(const int32_t *v, uint32_t n)
{
    uint32_t i, best = 0u;
    for (i = 1u; i < n; i++) {
        if (v[i] > v[best]) {
            best = i;
        }
    }
    return best;
}

#if EMML_FLOAT_ENABLE

typedef union {
    float f;
    uint32_t u;
} mathf_bits_t;

static float mathf_from_bits(uint32_t u)
{
    mathf_bits_t b;
    b.u = u;
    return b.f;
}

uint32_t emml_argmax_f32(const float *v, uint32_t n)
{
    uint32_t i, best = n;
    for (i = 0u; i < n; i++) {
        if (v[i] == v[i] && (best == n || v[i] > v[best])) {
            best = i;
        }
    }
    return best == n ? 0u : best;
}

#define MATHF_LOG2E 1.44269504f
#define MATHF_LN2_HI 0.693145752f    /* ln 2 rounded to 16 significant bits */
#define MATHF_LN2_LO 1.42860677e-06f /* ln 2 - MATHF_LN2_HI */

float emml_expf(float x)
{
    float t, r, p;
    int32_t n;
    if (x != x) {
        return x;
    }
    if (x > 88.7228394f) {
        return mathf_from_bits(0x7f800000u);
    }
    if (x < -103.972084f) {
        return 0.0f;
    }
    t = x * MATHF_LOG2E;
    n = (int32_t)(t >= 0.0f ? t + 0.5f : t - 0.5f);
    r = (x - (float)n * MATHF_LN2_HI) - (float)n * MATHF_LN2_LO;
    /* exp(r), |r| <= 0.3466: Taylor to r^7, truncation error < 5.3e-9 */
    p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    if (n > 127) { /* only when x rounds just below the overflow limit */
        p *= 2.0f;
        n -= 1;
    }
    if (n < -126) { /* subnormal result: scale in two steps */
        p *= mathf_from_bits(0x1f800000u); /* 2^-64 */
        n += 64;
    }
    return p * mathf_from_bits((uint32_t)(n + 127) << 23);
}

float emml_logf(float x)
{
    mathf_bits_t b;
    int32_t e = 0;
    float m, s, s2, p, ef;
    if (x != x) {
        return x;
    }
    if (x <= 0.0f) {
        return x == 0.0f ? mathf_from_bits(0xff800000u) : mathf_from_bits(0x7fc00000u);
    }
    b.f = x;
    if (b.u >= 0x7f800000u) {
        return x; /* +inf */
    }
    if (b.u < 0x00800000u) { /* subnormal: scale by 2^23 */
        b.f = x * 8388608.0f;
        e = -23;
    }
    e += (int32_t)(b.u >> 23) - 127;
    b.u = (b.u & 0x007fffffu) | 0x3f800000u; /* m in [1, 2) */
    m = b.f;
    if (m > 1.41421354f) {
        m *= 0.5f;
        e += 1;
    }
    s = (m - 1.0f) / (m + 1.0f); /* |s| <= 0.1716 */
    s2 = s * s;
    p = 1.0f / 11.0f;
    p = p * s2 + 1.0f / 9.0f;
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    p = 2.0f * s + 2.0f * s * s2 * p;
    ef = (float)e;
    return ef * MATHF_LN2_HI + (p + ef * MATHF_LN2_LO);
}

float emml_sigmoidf(float x)
{
    float e;
    if (x >= 0.0f) {
        return 1.0f / (1.0f + emml_expf(-x));
    }
    e = emml_expf(x);
    return e / (1.0f + e);
}

void emml_softmax_f32(const float *v, float *out, uint32_t n)
{
    uint32_t i;
    float top = v[emml_argmax_f32(v, n)];
    float total = 0.0f;
    for (i = 0u; i < n; i++) {
        out[i] = emml_expf(v[i] - top);
        total += out[i];
    }
    total = 1.0f / total;
    for (i = 0u; i < n; i++) {
        out[i] *= total;
    }
}

float emml_logsumexp_f32(const float *v, uint32_t n)
{
    uint32_t i;
    float top = v[emml_argmax_f32(v, n)];
    float total = 0.0f;
    if (top - top != 0.0f) {
        return top; /* +-inf or NaN */
    }
    for (i = 0u; i < n; i++) {
        total += emml_expf(v[i] - top);
    }
    return top + emml_logf(total);
}

#endif /* EMML_FLOAT_ENABLE */
