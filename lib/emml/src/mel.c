#include "emml/mel.h"

#include "emml/fixed.h"

#define DB_PER_LOG2_Q12 12330 /* round(10 log10(2) * 4096) */

static emml_status_t check_bands(uint32_t n_fft, uint32_t n_mels, const uint16_t *start,
                                 const uint16_t *offset)
{
    uint32_t m;
    if (n_mels == 0u || offset[0] != 0u) {
        return EMML_ERR_FORMAT;
    }
    for (m = 0u; m < n_mels; m++) {
        uint32_t len;
        if (offset[m + 1u] < offset[m]) {
            return EMML_ERR_FORMAT;
        }
        len = (uint32_t)offset[m + 1u] - offset[m];
        if ((uint32_t)start[m] + len > n_fft / 2u + 1u) {
            return EMML_ERR_FORMAT;
        }
    }
    return EMML_OK;
}

emml_status_t emml_logmel_init_q15(emml_logmel_q15_t *lm, const emml_fft_table_q15_t *fft_table,
                                   const emml_window_q15_t *window, const emml_mel_q15_t *mel,
                                   int16_t floor_db_q8)
{
    emml_status_t st;
    if (lm == NULL || fft_table == NULL || window == NULL || mel == NULL || mel->band_start == NULL ||
        mel->band_offset == NULL || mel->weights == NULL || mel->log2_offset == NULL) {
        return EMML_ERR_NULL;
    }
    st = emml_fft_init_q15(&lm->fft, fft_table, mel->n_fft);
    if (st != EMML_OK) {
        return st;
    }
    st = emml_window_check_q15(window, mel->n_fft);
    if (st != EMML_OK) {
        return st;
    }
    st = check_bands(mel->n_fft, mel->n_mels, mel->band_start, mel->band_offset);
    if (st != EMML_OK) {
        return st;
    }
    lm->window = window;
    lm->mel = mel;
    lm->floor_db_q8 = floor_db_q8;
    return EMML_OK;
}

/* Q16.16 log2 -> Q8 dB, rounded (see mel.h step 6). */
static int32_t log2_to_db_q8(int32_t l)
{
    int32_t hi = l >> 16;
    uint32_t lo = (uint32_t)l & 0xFFFFu;
    int32_t t = hi * DB_PER_LOG2_Q12 + (int32_t)((lo * (uint32_t)DB_PER_LOG2_Q12) >> 16);
    return (t + 8) >> 4;
}

void emml_logmel_frame_q15(const emml_logmel_q15_t *lm, const int16_t *frame, int16_t *work,
                           int16_t *out)
{
    const emml_mel_q15_t *mel = lm->mel;
    const uint32_t n = mel->n_fft, half = n / 2u;
    uint32_t i, m, maxabs = 0u;
    unsigned s;

    for (i = 0u; i < n; i++) {
        int32_t v = frame[i];
        uint32_t a = (uint32_t)(v < 0 ? -v : v);
        maxabs |= a; /* same top bit as the max: enough for the shift */
    }
    if (maxabs == 0u) {
        for (m = 0u; m < mel->n_mels; m++) {
            out[m] = lm->floor_db_q8;
        }
        return;
    }
    s = emml_clz32(maxabs);
    s = s > 17u ? s - 17u : 0u;
    {
        /* shift, then window (emml_window_apply_q15's rounding) in one pass */
        const emml_window_q15_t *win = lm->window;
        const int16_t *w = win->coeffs;
        const uint32_t h = n / 2u, mirror = win->mirror;
        if (w == NULL) {
            for (i = 0u; i < n; i++) {
                work[i] = (int16_t)(frame[i] * (1 << s));
            }
        } else {
            for (i = 0u; i <= h; i++) {
                work[i] = (int16_t)((frame[i] * (1 << s) * w[i] + 0x4000) >> 15);
            }
            for (; i < n; i++) {
                work[i] = (int16_t)((frame[i] * (1 << s) * w[mirror - i] + 0x4000) >> 15);
            }
        }
    }
    emml_fft_rfft_q15(&lm->fft, work);

    for (m = 0u; m < mel->n_mels; m++) {
        const uint16_t *w = mel->weights + mel->band_offset[m];
        const uint32_t len = (uint32_t)mel->band_offset[m + 1u] - mel->band_offset[m];
        uint32_t k = mel->band_start[m], j;
        uint32_t e = 0u;
        int32_t db;
        for (j = 0u; j < len; j++, k++) {
            uint32_t p;
            if (k == 0u) {
                p = (uint32_t)((int32_t)work[0] * work[0]);
            } else if (k == half) {
                p = (uint32_t)((int32_t)work[1] * work[1]);
            } else {
                int32_t re = work[2u * k], im = work[2u * k + 1u];
                p = (uint32_t)(re * re) + (uint32_t)(im * im);
            }
            e += w[j] * (p >> 15) + ((w[j] * (p & 0x7FFFu)) >> 15);
        }
        if (e == 0u) {
            out[m] = lm->floor_db_q8;
            continue;
        }
        db = log2_to_db_q8(emml_log2_q16(e) - (int32_t)(2u * s) * 65536 + mel->log2_offset[m]);
        out[m] = emml_sat_q15(db < lm->floor_db_q8 ? lm->floor_db_q8 : db);
    }
}

emml_status_t emml_mfcc_check_q15(const emml_mfcc_q15_t *mfcc, uint32_t n_mels)
{
    if (mfcc == NULL || mfcc->dct == NULL) {
        return EMML_ERR_NULL;
    }
    if (mfcc->n_mels != n_mels) {
        return EMML_ERR_SHAPE;
    }
    if (mfcc->shift < 1u || mfcc->shift > 30u || mfcc->n_mfcc == 0u) {
        return EMML_ERR_FORMAT;
    }
    return EMML_OK;
}

void emml_mfcc_q15(const emml_mfcc_q15_t *mfcc, const int16_t *logmel, int16_t *out)
{
    const uint32_t nm = mfcc->n_mels;
    const int16_t *d = mfcc->dct;
    const int32_t round = (int32_t)(1u << (mfcc->shift - 1u));
    uint32_t j, m;
    for (j = 0u; j < mfcc->n_mfcc; j++, d += nm) {
        int32_t acc = 0;
        for (m = 0u; m < nm; m++) {
            acc += d[m] * logmel[m];
        }
        out[j] = emml_sat_q15((acc + round) >> mfcc->shift);
    }
}

#if EMML_FLOAT_ENABLE
emml_status_t emml_logmel_init_f32(emml_logmel_f32_t *lm, const emml_fft_table_f32_t *fft_table,
                                   const emml_window_f32_t *window, const emml_mel_f32_t *mel,
                                   float amin)
{
    emml_status_t st;
    if (lm == NULL || fft_table == NULL || window == NULL || mel == NULL || mel->band_start == NULL ||
        mel->band_offset == NULL || mel->weights == NULL) {
        return EMML_ERR_NULL;
    }
    if (!(amin > 0.0f)) {
        return EMML_ERR_ARGUMENT;
    }
    st = emml_fft_init_f32(&lm->fft, fft_table, mel->n_fft);
    if (st != EMML_OK) {
        return st;
    }
    st = emml_window_check_f32(window, mel->n_fft);
    if (st != EMML_OK) {
        return st;
    }
    st = check_bands(mel->n_fft, mel->n_mels, mel->band_start, mel->band_offset);
    if (st != EMML_OK) {
        return st;
    }
    lm->window = window;
    lm->mel = mel;
    lm->amin = amin;
    return EMML_OK;
}

void emml_mel_power_f32(const emml_mel_f32_t *mel, const float *spectrum, float *out)
{
    const uint32_t half = (uint32_t)mel->n_fft / 2u;
    uint32_t m;
    for (m = 0u; m < mel->n_mels; m++) {
        const float *w = mel->weights + mel->band_offset[m];
        const uint32_t len = (uint32_t)mel->band_offset[m + 1u] - mel->band_offset[m];
        uint32_t k = mel->band_start[m], j;
        float e = 0.0f;
        for (j = 0u; j < len; j++, k++) {
            float p;
            if (k == 0u) {
                p = spectrum[0] * spectrum[0];
            } else if (k == half) {
                p = spectrum[1] * spectrum[1];
            } else {
                p = spectrum[2u * k] * spectrum[2u * k] + spectrum[2u * k + 1u] * spectrum[2u * k + 1u];
            }
            e += w[j] * p;
        }
        out[m] = e;
    }
}

void emml_logmel_frame_f32(const emml_logmel_f32_t *lm, const float *frame, float *work, float *out)
{
    const float db_per_log2 = 3.01029995663981195f;
    uint32_t m;
    emml_window_apply_f32(lm->window, frame, work);
    emml_fft_rfft_f32(&lm->fft, work);
    emml_mel_power_f32(lm->mel, work, out);
    for (m = 0u; m < lm->mel->n_mels; m++) {
        float e = out[m] > lm->amin ? out[m] : lm->amin;
        out[m] = db_per_log2 * emml_log2_f32(e);
    }
}

void emml_mfcc_f32(const emml_mfcc_f32_t *mfcc, const float *logmel, float *out)
{
    const uint32_t nm = mfcc->n_mels;
    const float *d = mfcc->dct;
    uint32_t j, m;
    for (j = 0u; j < mfcc->n_mfcc; j++, d += nm) {
        float acc = 0.0f;
        for (m = 0u; m < nm; m++) {
            acc += d[m] * logmel[m];
        }
        out[j] = acc;
    }
}
#endif
