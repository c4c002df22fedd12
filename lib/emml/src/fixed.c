#include "emml/fixed.h"

/* log2(1 + i/32) in Q16 (round to nearest), i = 0..32. Written by
 * emml.dsp.fixedpoint.log2_table(); tests/test_dsp_fixed.py checks it. */
static const uint32_t log2_table_q16[33] = {
    0u, 2909u, 5732u, 8473u, 11136u, 13727u, 16248u, 18704u, 21098u, 23433u, 25711u,
    27936u, 30109u, 32234u, 34312u, 36346u, 38336u, 40286u, 42196u, 44068u, 45904u,
    47705u, 49472u, 51207u, 52911u, 54584u, 56229u, 57845u, 59434u, 60997u, 62534u,
    64047u, 65536u,
};

#define LN2_Q16 45426 /* round(ln(2) * 65536) */

unsigned emml_clz32(uint32_t x)
{
    unsigned n = 0u;
    if (x == 0u) {
        return 32u;
    }
    if ((x & 0xFFFF0000u) == 0u) {
        n += 16u;
        x <<= 16;
    }
    if ((x & 0xFF000000u) == 0u) {
        n += 8u;
        x <<= 8;
    }
    if ((x & 0xF0000000u) == 0u) {
        n += 4u;
        x <<= 4;
    }
    if ((x & 0xC0000000u) == 0u) {
        n += 2u;
        x <<= 2;
    }
    if ((x & 0x80000000u) == 0u) {
        n += 1u;
    }
    return n;
}

uint32_t emml_isqrt_u32(uint32_t x)
{
    uint32_t res = 0u;
    uint32_t one = 1u << 30;
    while (one > x) {
        one >>= 2;
    }
    while (one != 0u) {
        if (x >= res + one) {
            x -= res + one;
            res = (res >> 1) + one;
        } else {
            res >>= 1;
        }
        one >>= 2;
    }
    return res;
}

uint32_t emml_isqrt_u64(uint64_t x)
{
    uint64_t res = 0u;
    uint64_t one = (uint64_t)1u << 62;
    if (x <= 0xFFFFFFFFu) {
        return emml_isqrt_u32((uint32_t)x);
    }
    while (one > x) {
        one >>= 2;
    }
    while (one != 0u) {
        if (x >= res + one) {
            x -= res + one;
            res = (res >> 1) + one;
        } else {
            res >>= 1;
        }
        one >>= 2;
    }
    return (uint32_t)res;
}

int32_t emml_log2_q16(uint32_t x)
{
    unsigned lz;
    uint32_t m, idx, w, a, b;
    if (x == 0u) {
        return EMML_LOG2_ZERO_Q16;
    }
    lz = emml_clz32(x);
    m = (x << lz) & 0x7FFFFFFFu; /* fraction bits of the mantissa, 31 of them */
    idx = m >> 26;
    w = (m >> 10) & 0xFFFFu;
    a = log2_table_q16[idx];
    b = log2_table_q16[idx + 1u];
    return (int32_t)((31u - lz) << 16) + (int32_t)(a + (((b - a) * w + 0x8000u) >> 16));
}

int32_t emml_ln_q16(uint32_t x)
{
    int32_t l2;
    if (x == 0u) {
        return EMML_LOG2_ZERO_Q16;
    }
    /* l2 is 0 .. 32 * 65536: l2 * ln2 needs more than 32 bits, so multiply
     * the integer and fraction parts separately (unsigned, no overflow) */
    l2 = emml_log2_q16(x);
    {
        uint32_t hi = (uint32_t)l2 >> 16;
        uint32_t lo = (uint32_t)l2 & 0xFFFFu;
        return (int32_t)(hi * (uint32_t)LN2_Q16 + ((lo * (uint32_t)LN2_Q16 + 0x8000u) >> 16));
    }
}

#if EMML_FLOAT_ENABLE

typedef union {
    float f;
    uint32_t u;
} f32_bits_t;

float emml_log2_f32(float x)
{
    /* 2/ln(2) and the atanh series 1, 1/3, 1/5, 1/7, 1/9 */
    const float k = 2.8853900817779268f;
    f32_bits_t v;
    int32_t e;
    float m, t, t2, p;
    if (!(x > 0.0f)) {
        return -3.40282347e+38f;
    }
    v.f = x;
    e = (int32_t)((v.u >> 23) & 0xFFu);
    if (e == 0) { /* subnormal: scale up by 2^23 */
        v.f = x * 8388608.0f;
        e = (int32_t)((v.u >> 23) & 0xFFu) - 23;
    }
    e -= 127;
    v.u = (v.u & 0x007FFFFFu) | 0x3F800000u; /* m in [1, 2) */
    m = v.f;
    if (m > 1.41421356f) {
        m *= 0.5f;
        e += 1;
    }
    t = (m - 1.0f) / (m + 1.0f);
    t2 = t * t;
    p = 1.0f + t2 * (0.33333333f + t2 * (0.2f + t2 * (0.14285714f + t2 * 0.11111111f)));
    return (float)e + k * t * p;
}

float emml_sqrt_f32(float x)
{
    f32_bits_t v;
    float y, scale = 1.0f;
    int i;
    if (!(x > 0.0f)) {
        return 0.0f;
    }
    if (x < 1.17549435e-38f) { /* subnormal: sqrt(x * 2^24) / 2^12 */
        x *= 16777216.0f;
        scale = 1.0f / 4096.0f;
    }
    v.f = x;
    v.u = (v.u >> 1) + 0x1FC00000u; /* about sqrt(x), within 4% */
    y = v.f;
    for (i = 0; i < 3; i++) {
        y = 0.5f * (y + x / y);
    }
    return y * scale;
}

#endif /* EMML_FLOAT_ENABLE */
