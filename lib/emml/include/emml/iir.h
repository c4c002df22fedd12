/*
 * emml/iir.h - IIR filters: biquad cascades (second-order sections, as
 * scipy.signal designs them with output='sos'), a DC blocker and a
 * one-pole gravity separator for accelerometers. Streaming: the caller owns
 * the state, and successive calls continue where the last one stopped.
 *
 * Biquad cascade, q15 (emml_iir_process_q15), direct form I per section:
 *     acc = b0 x[n] + b1 x[n-1] + b2 x[n-2] + c3 y[n-1] + c4 y[n-2]   (int32)
 *     y[n] = sat16((acc + 2^(F-1)) >> F)                                (F >= 1)
 * with c3 = -a1, c4 = -a2 and the five coefficients stored as round(c 2^F),
 * F (0..14) chosen per section by the generator (emml.dsp.iir_c) as the
 * largest for which every coefficient fits int16 and sum |c_q| <= 65535, so
 * |acc| < 2^31 always (no accumulator overflow, by construction; F == 0
 * means y = sat16(acc)). Each section's output is saturated and is the next
 * section's input. State: 4 int16 per section (x1, x2, y1, y2).
 * The generator also spreads the overall gain over the sections (each
 * section scaled to a peak gain of 1, the rest of the gain on the last) so
 * that intermediate signals stay in range and small b coefficients keep
 * their precision. emml.dsp.sosfilt_q15 is the bit-exact Python reference.
 *
 * Biquad cascade, f32: transposed direct form II per section, the same
 * recurrence as scipy.signal.sosfilt. State: 2 floats per section.
 */
#ifndef EMML_IIR_H
#define EMML_IIR_H

#include <stddef.h>
#include <stdint.h>

#include "emml/config.h"
#include "emml/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EMML_IIR_MAX_SHIFT 14u

/* Generated, const: n_sections x (b0, b1, b2, -a1, -a2) and one F per section. */
typedef struct {
    uint16_t n_sections;
    const int16_t *coeffs;  /* 5 per section, section i's coefficients * 2^shift[i] */
    const uint8_t *shift;   /* F per section, 0..14 */
} emml_iir_coeffs_q15_t;

typedef struct {
    const emml_iir_coeffs_q15_t *coeffs;
    int16_t *state;         /* 4 per section: x1, x2, y1, y2 */
} emml_iir_q15_t;

/* Check the coefficients (shifts <= 14, n_sections >= 1) and the state size
 * (state_len >= 4 * n_sections), zero the state. */
emml_status_t emml_iir_init_q15(emml_iir_q15_t *iir, const emml_iir_coeffs_q15_t *coeffs,
                                int16_t *state, uint32_t state_len);

/* Filter n samples; out may equal in. */
void emml_iir_process_q15(emml_iir_q15_t *iir, const int16_t *in, int16_t *out, uint32_t n);

/* DC blocker y[n] = x[n] - x[n-1] + R y[n-1], R in q15 (e.g. 0.995 -> 32604).
 * y is kept as y * 2^15 in int32 (the update saturates at +-2^31), so there is
 * no limit cycle from rounding y; out = sat16(round(y)). The product R * y is
 * computed exactly in two 16-bit halves: (R * (y >> 16) << 1) + ((R * (y & 0xFFFF)) >> 15). */
typedef struct {
    int16_t r;      /* pole, q15, 0 < r < 1 */
    int16_t x1;     /* previous input */
    int32_t y;      /* previous output * 2^15 */
} emml_dcblock_q15_t;

emml_status_t emml_dcblock_init_q15(emml_dcblock_q15_t *dc, int16_t r_q15);
void emml_dcblock_process_q15(emml_dcblock_q15_t *dc, const int16_t *in, int16_t *out, uint32_t n);

/* Gravity separation for a 3-axis accelerometer: per axis a one-pole
 * low-pass g += alpha (x - g) (alpha in q15, e.g. 1 - exp(-2 pi fc / fs)),
 * with g kept as g * 2^15 in int32 (same exact product as the DC blocker).
 * Input xyz interleaved (n frames of 3 int16). body = x - round(g)
 * (saturated) and gravity = round(g) per axis; either output pointer may be
 * NULL, body may equal in. The first frame after init seeds g with itself
 * (no start-up transient). */
typedef struct {
    int16_t alpha;
    uint8_t primed;
    int32_t g[3];
} emml_gravity_q15_t;

emml_status_t emml_gravity_init_q15(emml_gravity_q15_t *gr, int16_t alpha_q15);
void emml_gravity_process_q15(emml_gravity_q15_t *gr, const int16_t *xyz, int16_t *body,
                              int16_t *gravity, uint32_t n_frames);

#if EMML_FLOAT_ENABLE
typedef struct {
    uint16_t n_sections;
    const float *coeffs;    /* 5 per section: b0, b1, b2, a1, a2 (a0 = 1), as in scipy's sos */
} emml_iir_coeffs_f32_t;

typedef struct {
    const emml_iir_coeffs_f32_t *coeffs;
    float *state;           /* 2 per section */
} emml_iir_f32_t;

emml_status_t emml_iir_init_f32(emml_iir_f32_t *iir, const emml_iir_coeffs_f32_t *coeffs,
                                float *state, uint32_t state_len);
void emml_iir_process_f32(emml_iir_f32_t *iir, const float *in, float *out, uint32_t n);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_IIR_H */
