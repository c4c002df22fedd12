/*
 * emml/fixed.h - fixed-point helpers shared by the DSP modules: saturation,
 * rounding shifts, integer square roots and a base-2 logarithm, all without
 * a C library (RV32E builds have none) and with their rounding specified,
 * so the Python reference (emml.dsp.fixedpoint) can match them bit for bit.
 *
 * Formats: qN means a signed integer read as value / 2^N (q15: int16,
 * -1 .. 1 - 2^-15; q31: int32). "Q16.16" is an int32 read as value / 65536.
 *
 * Signed right shifts: every supported compiler (gcc, clang, arm-none-eabi,
 * riscv64-unknown-elf) shifts negative values arithmetically (rounds toward
 * minus infinity); C99 leaves this implementation-defined and emml relies on
 * it, as CMSIS-DSP does.
 */
#ifndef EMML_FIXED_H
#define EMML_FIXED_H

#include <stddef.h>
#include <stdint.h>

#include "emml/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* EMML_INLINE: static inline, forced with gcc/clang. Firmware builds with
 * -Os, where gcc otherwise turns the tiny helpers below into calls inside
 * the DSP inner loops (several times slower on a Cortex-M0+). */
#if defined(__GNUC__) || defined(__clang__)
#define EMML_INLINE static inline __attribute__((always_inline))
#else
#define EMML_INLINE static inline
#endif

/* EMML_ARMV6M_ASM: 1 when the hand-allocated Cortex-M0/M0+ loops of the FFT
 * and the log-mel window (fft.c, mel.c) replace their C versions: ARMv6-M
 * code from gcc or clang, unless built with -DEMML_ASM_ENABLE=0 (see
 * emml/config.h). They compute the same integers as the C, which
 * tests/test_dsp_fft.py and the firmware tests check in the emulator. */
#if (!defined(EMML_ASM_ENABLE) || EMML_ASM_ENABLE) && defined(__ARM_ARCH_6M__) && \
    (defined(__GNUC__) || defined(__clang__))
#define EMML_ARMV6M_ASM 1
#else
#define EMML_ARMV6M_ASM 0
#endif

/* Clamp a 32-bit value to int16 (-32768 .. 32767). */
EMML_INLINE int16_t emml_sat_q15(int32_t x)
{
    if (x > 32767) {
        return (int16_t)32767;
    }
    if (x < -32768) {
        return (int16_t)-32768;
    }
    return (int16_t)x;
}

/* a + b saturated to int16. */
EMML_INLINE int16_t emml_add_sat_q15(int16_t a, int16_t b)
{
    return emml_sat_q15((int32_t)a + (int32_t)b);
}

/* a - b saturated to int16. */
EMML_INLINE int16_t emml_sub_sat_q15(int16_t a, int16_t b)
{
    return emml_sat_q15((int32_t)a - (int32_t)b);
}

/* a + b saturated to int32 (no 64-bit arithmetic). */
EMML_INLINE int32_t emml_add_sat_q31(int32_t a, int32_t b)
{
    uint32_t s = (uint32_t)a + (uint32_t)b;
    /* overflow iff a and b have the same sign and s has the other one */
    if (((~((uint32_t)a ^ (uint32_t)b)) & ((uint32_t)a ^ s)) & 0x80000000u) {
        return a < 0 ? INT32_MIN : INT32_MAX;
    }
    return (int32_t)s;
}

/* x / 2^shift rounded to nearest, ties toward +infinity: (x + 2^(shift-1)) >> shift.
 * shift 1..31; x + 2^(shift-1) must not overflow (|x| < 2^31 - 2^(shift-1)). */
EMML_INLINE int32_t emml_rshift_round(int32_t x, unsigned shift)
{
    return (x + (int32_t)(1u << (shift - 1u))) >> shift;
}

/* q15 x q15 -> q15, rounded to nearest (ties up), saturated: only
 * -1 x -1 saturates (to 32767). */
EMML_INLINE int16_t emml_mul_q15(int16_t a, int16_t b)
{
    return emml_sat_q15(((int32_t)a * (int32_t)b + 0x4000) >> 15);
}

/* Number of leading zero bits of x (32 for x == 0). Portable binary search;
 * a few cycles more than a CLZ instruction, which ARMv6-M and RV32EC lack. */
unsigned emml_clz32(uint32_t x);

/* floor(sqrt(x)), exact for every x (bit-by-bit method, 16 iterations). */
uint32_t emml_isqrt_u32(uint32_t x);

/* floor(sqrt(x)), exact for every x (32 iterations on 64-bit values). */
uint32_t emml_isqrt_u64(uint64_t x);

/* log2(x) in Q16.16 for x >= 1; x == 0 returns EMML_LOG2_ZERO_Q16.
 * Method: e = position of the top bit, mantissa m = x normalized to
 * [1, 2), log2(m) by linear interpolation in a 33-entry table of log2(1 + i/32)
 * (Q16, round to nearest) indexed by the mantissa's top 5 fraction bits, with the
 * next 16 bits as the interpolation weight; result = e * 65536 + log2(m),
 * interpolation rounded to nearest. Max abs error 2.0e-4 in log2 units
 * (= 6.0e-4 dB, 1.4e-4 in ln), tested over every exponent. Exact (e << 16)
 * for powers of two. */
#define EMML_LOG2_ZERO_Q16 INT32_MIN
int32_t emml_log2_q16(uint32_t x);

/* ln(x) in Q16.16 for x >= 1: emml_log2_q16(x) * ln(2), the product rounded
 * to nearest (ties up); x == 0 returns EMML_LOG2_ZERO_Q16. Max abs error
 * 2.0e-4 (log2 error times ln 2, the Q16 rounding of ln 2 (up to 4.4e-5 at
 * x near 2^32) and half an LSB). */
int32_t emml_ln_q16(uint32_t x);

#if EMML_FLOAT_ENABLE
/* log2(x) for finite x > 0 without libm: exponent from the bits, mantissa
 * m in [sqrt(1/2), sqrt(2)) through log2(m) = 2/ln2 * atanh((m-1)/(m+1)) as an
 * odd polynomial (degree 9). Max relative error about 2e-7 (a few float32 ulp).
 * x <= 0 returns -FLT_MAX. Subnormal inputs are handled. */
float emml_log2_f32(float x);

/* sqrt(x) for x >= 0 without libm: exponent halving + 3 Newton steps; error
 * at most 1 ulp. x <= 0 returns 0. */
float emml_sqrt_f32(float x);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_FIXED_H */
