/*
 * emml/fft.h - real FFT of power-of-two sizes 32..1024 in q15 and float32.
 *
 * Method: the n real samples are read as m = n/2 complex values
 * z[t] = x[2t] + j x[2t+1], transformed by an in-place complex FFT on
 * bit-reversed input (q15: radix-4 stages, see below; f32: radix-2), then
 * split into the spectrum of x (one more pass). The output overwrites the
 * input, packed in n values:
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
 * q15 stages, scaling and rounding (emml_fft_rfft_q15), all integer:
 *   - odd log2(m) (n = 64, 256, 1024): first a radix-2 stage with W = 1,
 *       a' = (a + b + 1) >> 1, b' = (a - b + 1) >> 1        (halves: / 2)
 *   - then radix-4 stages, each joining four transforms of h points into
 *     one of 4h (h = 1, 4, 16, ... or 2, 8, 32, ...). With A0, A2, A1, A3
 *     the inputs at p, p + h, p + 2h, p + 3h (bit-reversed order) and
 *     W = W_4h^j: t1 = W^j A1, t2 = W^2j A2, t3 = W^3j A3, each product
 *     rounded to q15, (w x + 2^14) >> 15 per real part (the first stage,
 *     W = 1, uses t = A exactly); then, with a = A0 + 2 (the rounding),
 *       y0 = (a + t2 + (t1 + t3)) >> 2      y2 = (a + t2 - (t1 + t3)) >> 2
 *       y1 = (a - t2 - i (t1 - t3)) >> 2    y3 = (a - t2 + i (t1 - t3)) >> 2
 *     to p, p + h, p + 2h, p + 3h                              (each / 4)
 *   - split: E = ((Z[k] + conj Z[m-k]) + 1) >> 1 and the odd part
 *     likewise (component by component), t = W_n^k O rounded as above,
 *     X[k] = (E + t + 1) >> 1, X[m-k] = conj of (E - t + 1) >> 1  (/ 2)
 *   Every stage saturates its results to int16 (only inputs whose complex
 *   pairs exceed magnitude 1, e.g. both samples near full scale with the
 *   worst phase, can reach it), so the output is X[k] / n in q15: a
 *   full-scale sine (amplitude 1) gives |X[k]/n| = 1/2 in its bin.
 *   Twiddles are round(32768 cos), round(-32768 sin) clamped to +-32767 (so
 *   |W| <= 1 and no int32 product or sum overflows); W^3j past the table
 *   is -W^(3j - n/2). emml.dsp.rfft_q15 is the Python reference, which this
 *   code matches bit for bit, on every target.
 *   Noise: tests/test_dsp_fft.py states the SNR against numpy.fft (measured
 *   for full-scale white noise 73.7 / 63.7 / 60.8 / 57.7 dB at 32 / 256 /
 *   512 / 1024 points; full-scale sines 76..83 dB).
 * Speed: on ARMv6-M (Cortex-M0/M0+) the radix-4 stages, the split pass and
 * the log-mel window run as hand-allocated assembly loops in fft.c / mel.c
 * (EMML_ARMV6M_ASM in emml/fixed.h), the same integers as the C; a 512-point
 * q15 FFT takes about 68,000 cycles (estimate, bench/bench_dsp.py).
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

/* The same on input already in bit-reversed order: sample pair i
 * (x[2i], x[2i+1]) stored at pair index bitrev(i) (log2(n/2) bits), for
 * callers that write every sample anyway (a window pass) and so save the
 * permutation. Same output, bit for bit. */
void emml_fft_rfft_bitrev_q15(const emml_fft_q15_t *fft, int16_t *data);

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
