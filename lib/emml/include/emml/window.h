/*
 * emml/window.h - analysis windows (Hann, Hamming, rectangular) from tables.
 *
 * emml.dsp.window_table_c() writes a const emml_window_*_t. A window is
 * symmetric, so only w[0 .. n/2] (n/2 + 1 values) is stored; sample i > n/2
 * uses w[mirror - i] with mirror = n for a periodic window (the DFT-even
 * form that scipy.signal.get_window(..., fftbins=True) and librosa use) and
 * n - 1 for a symmetric one. coeffs == NULL is the rectangular window.
 *
 * q15: coefficients round(32768 w) clamped to 32767;
 * out[i] = (in[i] * w + 2^14) >> 15 (round to nearest, ties up). |w| < 1, so
 * no saturation is needed and the int32 product cannot overflow.
 */
#ifndef EMML_WINDOW_H
#define EMML_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "emml/config.h"
#include "emml/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint16_t n;             /* window length */
    uint16_t mirror;        /* n (periodic) or n - 1 (symmetric) */
    const int16_t *coeffs;  /* n/2 + 1 values, q15; NULL: rectangular */
} emml_window_q15_t;

typedef struct {
    uint16_t n;
    uint16_t mirror;
    const float *coeffs;    /* n/2 + 1 values; NULL: rectangular */
} emml_window_f32_t;

/* EMML_OK if the table is usable for frames of n samples (n >= 2, mirror
 * n or n - 1); EMML_ERR_NULL / EMML_ERR_SHAPE / EMML_ERR_ARGUMENT. */
emml_status_t emml_window_check_q15(const emml_window_q15_t *window, uint32_t n);

/* out[i] = in[i] * w[i] for i < window->n; out may equal in. */
void emml_window_apply_q15(const emml_window_q15_t *window, const int16_t *in, int16_t *out);

#if EMML_FLOAT_ENABLE
emml_status_t emml_window_check_f32(const emml_window_f32_t *window, uint32_t n);
void emml_window_apply_f32(const emml_window_f32_t *window, const float *in, float *out);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_WINDOW_H */
