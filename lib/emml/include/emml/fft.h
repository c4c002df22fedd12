/*
 * emml/fft.h - real FFT of power-of-two sizes 32..1024 in q15 and float32.
 *
 * Method (both types): the n real samples are read as n/2 complex values
 * z[m] = x[2m] + j x[2m+1], transformed by an in-place radix-2
 * decimation-in-time complex FFT (bit-reversed input order, log2(n/2)
 * stages), then split into the spectrum of x (one more pass). The output
 * overwrites the input, packed in n values:
 *
 *     data[0] = Re X[0]   data[1] = Re X[n/2]   (both bins are real)
 *     data[2k] = Re X[k], data[2k+1] = Im X[k]  for k = 1 .. n/2 - 1
 *
 * with X[k] = sum_t x[t] exp(-2 pi i k t / n), as numpy.fft.rfft.
 *
 * Tables: emml.dsp.fft_table_c(n, "q15"|"f32") writes a const
 * emml_fft_table_*_t with the twiddles W[k] = exp(-2 pi i k / n),
 * k = 0 .. n/2 - 1, interleaved (cos, -sin) (2n values: 1 kB per 256 points
 * in q15). A table made for n serves every smaller power of two too
 * (emml_fft_init_* picks every (table n / n)-th entry), so a firmware keeps
 * one table, for its largest size.
 *
 * q15 scaling and rounding (emml_fft_rfft_q15): every complex stage computes
 *     t = W * b             products in int32, rounded to q15: (p + 2^14) >> 15
 *     a' = (a + t + 1) >> 1, b' = (a - t + 1) >> 1, saturated to int16
 * (the first stage, W = 1, uses t = b exactly), and the split pass halves
 * once more the same way, so the output is X[k] / n in q15: a full-scale
 * sine (amplitude 1) gives |X[k]/n| = 1/2 in its bin. Twiddles are
 * round(32768 cos), round(-32768 sin) clamped to +-32767, so |W| <= 1 and
 * the int32 products cannot overflow. Saturation can only act on inputs
 * whose complex pairs exceed magnitude 1 (both samples near full scale with
 * the worst phase); it is part of the spec and of the Python reference
 * (emml.dsp.rfft_q15), which this code matches bit for bit.
 * Noise: about 0.5 LSB per stage; tests/test_dsp_fft.py states the SNR
 * against numpy.fft (at least 60 dB for full-scale white noise at 512).
 */
#ifndef EMML_FFT_H
#define EMML_FFT_H

#include <stddef.h>
#include <stdint.h>

#include "emml/config.h"
#include "emml/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EMML_FFT_MIN_SIZE 32u
#define EMML_FFT_MAX_SIZE 1024u

/* A twiddle table (generated; const, lives in flash). */
typedef struct {
    uint16_t n;              /* real FFT size the table was made for */
    const int16_t *twiddle;  /* n values: (cos, -sin) pairs for k < n/2, q15 */
} emml_fft_table_q15_t;

typedef struct {
    uint16_t n;
    const float *twiddle;    /* n values: (cos, -sin) pairs for k < n/2 */
} emml_fft_table_f32_t;

/* An FFT instance: which size, and how to step through the table. */
typedef struct {
    uint16_t n;
    uint16_t stride;         /* table n / n */
    const int16_t *twiddle;
} emml_fft_q15_t;

typedef struct {
    uint16_t n;
    uint16_t stride;
    const float *twiddle;
} emml_fft_f32_t;

/* Check n (power of two, 32..1024, <= table->n) and the table; fill fft.
 * EMML_ERR_NULL, EMML_ERR_ARGUMENT (bad n), EMML_ERR_SHAPE (table too
 * small or not a power of two). */
emml_status_t emml_fft_init_q15(emml_fft_q15_t *fft, const emml_fft_table_q15_t *table, uint32_t n);

/* In-place real FFT of data[n] (q15 in, packed X/n q15 out, see above). */
void emml_fft_rfft_q15(const emml_fft_q15_t *fft, int16_t *data);

/* Power spectrum of a packed q15 spectrum: power[k] = Re^2 + Im^2 for
 * k = 0 .. n/2 (n/2 + 1 values), exact, q30 (|X/n|^2 * 2^30, at most 2^31). */
void emml_fft_power_q15(const int16_t *spectrum, uint32_t n, uint32_t *power);

/* Magnitude spectrum: mag[k] = floor(sqrt(power[k])), q15 of |X/n|
 * (n/2 + 1 values, at most 46341, hence unsigned). */
void emml_fft_magnitude_q15(const int16_t *spectrum, uint32_t n, uint16_t *magnitude);

#if EMML_FLOAT_ENABLE
emml_status_t emml_fft_init_f32(emml_fft_f32_t *fft, const emml_fft_table_f32_t *table, uint32_t n);

/* In-place real FFT of data[n], not scaled (X[k] as numpy.fft.rfft), packed. */
void emml_fft_rfft_f32(const emml_fft_f32_t *fft, float *data);

/* power[k] = |X[k]|^2, k = 0 .. n/2. */
void emml_fft_power_f32(const float *spectrum, uint32_t n, float *power);

/* magnitude[k] = |X[k]|, k = 0 .. n/2 (emml_sqrt_f32, no libm). */
void emml_fft_magnitude_f32(const float *spectrum, uint32_t n, float *magnitude);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_FFT_H */
