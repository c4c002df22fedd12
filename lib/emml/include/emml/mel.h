/*
 * emml/mel.h - mel filterbank, log-mel frame and MFCC, in q15 and float32.
 *
 * Tables come from emml.dsp.LogMelConfig(...).write_c(): the filterbank is
 * stored sparse, band by band (HTK or Slaney mel scale, optional Slaney area
 * normalization, exactly the filters librosa.filters.mel builds), with the
 * FFT twiddles and the window for the configured size.
 *
 * q15 log-mel frame (emml_logmel_frame_q15), all integer:
 *   1. block floating point: s = max(0, clz32(OR of |frame[i]|) - 17), so
 *      the largest sample shifted left by s is in [2^14, 2^15) (s = 0..15;
 *      an all-zero frame gives the floor in every band). Shifting before
 *      the window keeps quiet frames precise.
 *   2. work[i] = ((frame[i] << s) * w[i] + 2^14) >> 15  (the window, as
 *      emml_window_apply_q15 rounds it; rectangular: frame[i] << s),
 *      written straight into the FFT's bit-reversed input order when work
 *      is not the frame (emml_fft_rfft_bitrev_q15: no permutation pass)
 *   3. in-place q15 real FFT (X/n, see emml/fft.h)
 *   4. per band m, over its bins k: p = re^2 + im^2 (q30, uint32, recomputed
 *      per band so no power buffer is needed: RAM is the frame only) and
 *      E += floor(wq * p / 2^15)  (exact in 32 bits, see band_energy in mel.c)
 *      with wq the band's weights in q15 scaled to a peak of 32767
 *      (uint32; E <= 2^30 by Parseval, no overflow)
 *   5. L = emml_log2_q16(E) - 2 s * 65536 + log2_offset[m] (Q16.16 log2 of the
 *      power |X|^2 of the float frame frame/32768, filtered as librosa does:
 *      the offset folds in 2 log2 n - 15 and the band's weight scale)
 *   6. dB in Q8 (int16, value / 256 dB) = round(L * 10 log10(2)) computed as
 *      t = (L >> 16) * 12330 + (((L & 0xFFFF) * 12330) >> 16)   (Q12 dB)
 *      out = max((t + 8) >> 4, floor_db_q8), saturated to int16
 *      E == 0 gives floor_db_q8.
 * The result is 10 log10(mel power) = librosa.power_to_db(mel, ref=1,
 * amin=10^(floor/10), top_db=None) of the same float frame, in Q8 dB.
 * emml.dsp.logmel_q15 is the bit-exact Python reference; the error against
 * the float path is stated in tests/test_dsp_mel.py.
 *
 * MFCC (emml_mfcc_q15): c[j] = sum_m D[j][m] L[m], D the orthonormal DCT-II
 * (scipy.fft.dct(norm='ortho'), what librosa.feature.mfcc uses) in Q(dct_frac),
 * L the Q8 dB log-mel; int32 accumulator (the generator checks
 * sum_m |D_q[j][m]| <= 65535, so no overflow); out[j] =
 * sat16((acc + 2^(sh-1)) >> sh), sh = 8 + dct_frac - out_frac: output in
 * Q(out_frac) dB (out_frac chosen so that any output fits int16).
 *
 * f32: the same steps in float (no block scaling), log via emml_log2_f32:
 * out = 10 log10(max(E, amin)).
 */
#ifndef EMML_MEL_H
#define EMML_MEL_H

#include <stddef.h>
#include <stdint.h>

#include "emml/config.h"
#include "emml/fft.h"
#include "emml/status.h"
#include "emml/window.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sparse mel filterbank (generated, const). Band m covers FFT bins
 * band_start[m] .. band_start[m] + (band_offset[m+1] - band_offset[m]) - 1,
 * with weights weights[band_offset[m] ..]. */
typedef struct {
    uint16_t n_fft;
    uint16_t n_mels;
    const uint16_t *band_start;     /* n_mels */
    const uint16_t *band_offset;    /* n_mels + 1 */
    const uint16_t *weights;        /* q15, each band scaled to a peak of 32767 */
    const int32_t *log2_offset;     /* n_mels, Q16.16 (see step 5 above) */
} emml_mel_q15_t;

typedef struct {
    emml_fft_q15_t fft;
    const emml_window_q15_t *window;
    const emml_mel_q15_t *mel;
    int16_t floor_db_q8;
} emml_logmel_q15_t;

/* Check that the FFT table, window and filterbank agree (same n_fft, bins
 * within n_fft/2 + 1, offsets increasing) and fill lm. */
emml_status_t emml_logmel_init_q15(emml_logmel_q15_t *lm, const emml_fft_table_q15_t *fft_table,
                                   const emml_window_q15_t *window, const emml_mel_q15_t *mel,
                                   int16_t floor_db_q8);

/* One frame: frame[n_fft] q15 samples -> out[n_mels] Q8 dB. work[n_fft] is
 * scratch (it may be the frame itself, which is then overwritten). */
void emml_logmel_frame_q15(const emml_logmel_q15_t *lm, const int16_t *frame, int16_t *work,
                           int16_t *out);

typedef struct {
    uint16_t n_mels;
    uint16_t n_mfcc;
    uint8_t shift;          /* 8 + dct_frac - out_frac, 1..30 */
    const int16_t *dct;     /* n_mfcc x n_mels, Q(dct_frac) */
} emml_mfcc_q15_t;

emml_status_t emml_mfcc_check_q15(const emml_mfcc_q15_t *mfcc, uint32_t n_mels);

/* logmel[n_mels] (Q8 dB) -> out[n_mfcc] (Q(out_frac) dB). */
void emml_mfcc_q15(const emml_mfcc_q15_t *mfcc, const int16_t *logmel, int16_t *out);

#if EMML_FLOAT_ENABLE
typedef struct {
    uint16_t n_fft;
    uint16_t n_mels;
    const uint16_t *band_start;
    const uint16_t *band_offset;
    const float *weights;           /* the filterbank's own values */
} emml_mel_f32_t;

typedef struct {
    emml_fft_f32_t fft;
    const emml_window_f32_t *window;
    const emml_mel_f32_t *mel;
    float amin;                     /* power floor before the log (librosa: 1e-10) */
} emml_logmel_f32_t;

emml_status_t emml_logmel_init_f32(emml_logmel_f32_t *lm, const emml_fft_table_f32_t *fft_table,
                                   const emml_window_f32_t *window, const emml_mel_f32_t *mel,
                                   float amin);

/* frame[n_fft] (float, e.g. int16 / 32768) -> out[n_mels] dB; work[n_fft] scratch (may be frame). */
void emml_logmel_frame_f32(const emml_logmel_f32_t *lm, const float *frame, float *work, float *out);

/* Mel power only (no log): out[n_mels] = sum_k w p_k of a packed spectrum. */
void emml_mel_power_f32(const emml_mel_f32_t *mel, const float *spectrum, float *out);

typedef struct {
    uint16_t n_mels;
    uint16_t n_mfcc;
    const float *dct;       /* n_mfcc x n_mels */
} emml_mfcc_f32_t;

void emml_mfcc_f32(const emml_mfcc_f32_t *mfcc, const float *logmel, float *out);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_MEL_H */
