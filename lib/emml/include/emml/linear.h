/*
 * emml/linear.h - dense linear layers for linear models (and the affine
 * preprocessing folded in front of other models): out = W x + b.
 *
 * W is row-major, n_out rows of n_in weights. Every kernel sums in feature
 * order i = 0 .. n_in-1 starting from the bias, so the Python references
 * replay it exactly.
 *
 * Integer kernels (no float anywhere, for chips without an FPU):
 *   q7:  int8 weights x int8 inputs, each product fits in 15 bits, summed in
 *        int32. No overflow while n_in * 2^14 + |b[k]| < 2^31; the emml
 *        generator checks this for every model it writes.
 *   q15: int16 weights x int16 inputs, 31-bit products summed in int32.
 *        Overflow is impossible when sum_i |W[k][i]| * 32768 + |b[k]| < 2^31;
 *        the emml generator chooses the weight scale so that this holds for
 *        every row (so no saturation logic is needed in the loop).
 *   Rounding: none (exact integer arithmetic).
 */
#ifndef EMML_LINEAR_H
#define EMML_LINEAR_H

#include <stdint.h>

#include "emml/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out[k] = b[k] + sum_i W[k][i] x[i] in int32 (b may be NULL: zero bias). */
void emml_linear_q7(const int8_t *w, const int32_t *b, const int8_t *x, uint32_t n_in, uint32_t n_out,
                    int32_t *out);
void emml_linear_q15(const int16_t *w, const int32_t *b, const int16_t *x, uint32_t n_in, uint32_t n_out,
                     int32_t *out);

#if EMML_FLOAT_ENABLE
/* out[k] = b[k] + sum_i W[k][i] x[i] in float32 (b may be NULL). out must not
 * alias x. */
void emml_linear_f32(const float *w, const float *b, const float *x, uint32_t n_in, uint32_t n_out, float *out);

/* q = round(x * inv_scale) saturated to int8 / int16. The product is a
 * float32 multiply; rounding is half away from zero, done as
 * (int32)(v + 0.5f) (or -(int32)(-v + 0.5f) for v < 0) with the addition in
 * float32; NaN gives 0. emml.linear.quantize_reference replays this bit for bit. */
int8_t emml_quantize_q7(float x, float inv_scale);
int16_t emml_quantize_q15(float x, float inv_scale);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_LINEAR_H */
