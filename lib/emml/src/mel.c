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
        /* start itself must be a real bin even for an empty band: the frame
         * loop computes half - start before it looks at len (fuzzer find) */
        if ((uint32_t)start[m] > n_fft / 2u || (uint32_t)start[m] + len > n_fft / 2u + 1u) {
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

/* Step 1: the block-floating-point shift of a frame (-1: all zero). */
static int32_t block_shift(const int16_t *frame, uint32_t n)
{
    const int16_t *end = frame + n;
    uint32_t maxabs = 0u;
    unsigned lz;
    /* OR of |x| has the same top bit as max |x|: enough for the shift
     * (n is a multiple of 32: four at a time) */
    for (; frame < end; frame += 4) {
        int32_t a = frame[0], b = frame[1], c = frame[2], d = frame[3];
        int32_t sa = a >> 31, sb = b >> 31, sc = c >> 31, sd = d >> 31;
        maxabs |= (uint32_t)(((a + sa) ^ sa) | ((b + sb) ^ sb) | ((c + sc) ^ sc) | ((d + sd) ^ sd));
    }
    if (maxabs == 0u) {
        return -1;
    }
    lz = emml_clz32(maxabs);
    return lz > 17u ? (int32_t)(lz - 17u) : 0;
}

/* Step 2 for half a frame, into bit-reversed pair order: sample pairs
 * (x[2i], x[2i+1]), i < m/2, go to out[2 r], out[2 r + 1] with r the
 * log2(m)-bit reversal of i (even: the high half's pairs i + m/2 land at
 * r + 1, so the caller passes out + 2 for them). Window value of x[2i + t]:
 * w[step (2i + t)] (step +1 for the low half, -1 walking down the mirrored
 * table for the high half). ((x << s) w + 2^14) >> 15 is computed as
 * (x w + 2^(14-s)) >> (15 - s), the same integer (s <= 14, x w < 2^30).
 * Separate and not inlined so the loop keeps its values in registers. */
#if !EMML_ARMV6M_ASM
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static void window_half_bitrev(const int16_t *x, const int16_t *w, int32_t step, int16_t *out, uint32_t m,
                               unsigned s)
{
    const int16_t *const end = x + m;
    const int32_t rnd = (int32_t)1 << (14u - s);
    const unsigned sh = 15u - s;
    uint32_t r = 0u;
    for (; x < end; x += 2, w += 2 * step) {
        int16_t *o = out + 2u * r;
        uint32_t bit = m >> 1;
        o[0] = (int16_t)((x[0] * w[0] + rnd) >> sh);
        o[1] = (int16_t)((x[1] * w[step] + rnd) >> sh);
        /* r = next bit-reversed index: reverse-carry add of m/2 */
        while (r & bit) {
            r ^= bit;
            bit >>= 1;
        }
        r |= bit;
    }
}
#endif

/* Rectangular window: out = x << s, same order as window_half_bitrev. */
static void shift_half_bitrev(const int16_t *x, int16_t *out, uint32_t m, unsigned s)
{
    const int16_t *const end = x + m;
    const int32_t scale = (int32_t)1 << s; /* x << s without shifting negative values */
    uint32_t r = 0u;
    for (; x < end; x += 2) {
        int16_t *o = out + 2u * r;
        uint32_t bit = m >> 1;
        o[0] = (int16_t)(x[0] * scale);
        o[1] = (int16_t)(x[1] * scale);
        while (r & bit) {
            r ^= bit;
            bit >>= 1;
        }
        r |= bit;
    }
}

#if EMML_ARMV6M_ASM
/* Both halves of window_bitrev's windowed loop in ARMv6-M assembly (gcc's
 * Thumb-1 code for the C keeps its pointers on the stack):
 * emml_window_bitrev_armv6m(lo, wa, wd, out, m, s) writes, for i < m/2 and
 * r = bitrev(i), out[2r + t] = (lo[2i + t] wa[2i + t] + rnd) >> sh and
 * out[2r + 2 + t] = (lo[m + 2i + t] wd[1 - t - 2i] + rnd) >> sh (t = 0, 1;
 * rnd = 2^(14-s), sh = 15 - s): the same integers as window_half_bitrev
 * on each half. */
void emml_window_bitrev_armv6m(const int16_t *lo, const int16_t *wa, const int16_t *wd, int16_t *out,
                               uint32_t m, uint32_t s);

/* one windowed sample: r4 = x at [xp, #xo], r5 = w at [wp, #wo] -> out [r3, #oo] */
#define WIN_SAMPLE(xp, xo, wp, wo, oo)                                                             \
    "ldrh r4, [" xp ", #" xo "]\n\tsxth r4, r4\n\tldrh r5, [" wp ", #" wo "]\n\tsxth r5, r5\n\t" \
    "muls r4, r5\n\tadd r4, r8\n\tasrs r4, r7\n\tstrh r4, [r3, #" oo "]\n\t"

__asm__(
    "\t.pushsection .text.emml_window_bitrev_armv6m,\"ax\",%progbits\n"
    "\t.syntax unified\n\t.thumb\n\t.p2align 1\n"
    "\t.global emml_window_bitrev_armv6m\n\t.hidden emml_window_bitrev_armv6m\n"
    "\t.type emml_window_bitrev_armv6m, %function\n\t.thumb_func\n"
    "emml_window_bitrev_armv6m:\n\t"
    "push {r4, r5, r6, r7, lr}\n\t"
    "mov r4, r8\n\tmov r5, r9\n\tmov r6, r10\n\tmov r7, r11\n\t"
    "push {r4, r5, r6, r7}\n\t"
    "ldr r4, [sp, #36]\n\t"   /* m */
    "ldr r7, [sp, #40]\n\t"   /* s */
    "lsls r5, r4, #1\n\tmov r10, r5\n\t"            /* 2m: bytes to the high half, top bit of 4r */
    "adds r6, r0, r5\n\tmov r12, r6\n\t"            /* end of the low half */
    "movs r4, #14\n\tsubs r4, r4, r7\n\tmovs r5, #1\n\tlsls r5, r4\n\tmov r8, r5\n\t" /* rnd */
    "movs r4, #15\n\tsubs r7, r4, r7\n\t"          /* sh */
    "mov lr, r3\n\tmovs r4, #0\n\tmov r9, r4\n"    /* out, 4r = 0 */
    ".Lwinloop:\n\t"
    "mov r3, lr\n\tmov r4, r9\n\tadds r3, r3, r4\n\t" /* out + 2r int16 */
    WIN_SAMPLE("r0", "0", "r1", "0", "0") WIN_SAMPLE("r0", "2", "r1", "2", "2")
    "mov r6, r10\n\tadds r6, r6, r0\n\t"            /* the high half's pair */
    WIN_SAMPLE("r6", "0", "r2", "2", "4") WIN_SAMPLE("r6", "2", "r2", "0", "6")
    "adds r0, r0, #4\n\tadds r1, r1, #4\n\tsubs r2, r2, #4\n\t"
    /* 4r = next bit-reversed index (reverse-carry add of the top bit) */
    "mov r4, r9\n\tmov r5, r10\n"
    ".Lwinbr:\n\t"
    "tst r4, r5\n\tbeq .Lwinbrdone\n\teors r4, r5\n\tlsrs r5, r5, #1\n\tb .Lwinbr\n"
    ".Lwinbrdone:\n\t"
    "orrs r4, r5\n\tmov r9, r4\n\t"
    "cmp r0, r12\n\tblo .Lwinloop\n\t"
    "pop {r4, r5, r6, r7}\n\t"
    "mov r8, r4\n\tmov r9, r5\n\tmov r10, r6\n\tmov r11, r7\n\t"
    "pop {r4, r5, r6, r7, pc}\n\t"
    "\n\t.size emml_window_bitrev_armv6m, .-emml_window_bitrev_armv6m\n"
    "\t.popsection\n");
#endif /* EMML_ARMV6M_ASM */

/* Step 2 for the whole frame, into work in bit-reversed pair order, so the
 * FFT needs no permutation pass. */
static void window_bitrev(const emml_window_q15_t *win, const int16_t *frame, unsigned s, int16_t *work,
                          uint32_t n)
{
    const uint32_t m = n / 2u, h = n / 2u;
    const int16_t *w = win->coeffs;
    if (w == NULL) {
        shift_half_bitrev(frame, work, m, s);
        shift_half_bitrev(frame + h, work + 2, m, s);
        return;
    }
    /* sample h + t uses w[mirror - h - t] */
#if EMML_ARMV6M_ASM
    emml_window_bitrev_armv6m(frame, w, w + (win->mirror - h) - 1, work, m, s);
#else
    window_half_bitrev(frame, w, 1, work, m, s);
    window_half_bitrev(frame + h, w + (win->mirror - h), -1, work + 2, m, s);
#endif
    /* sample h takes w[h] (w[mirror - h] only for periodic windows); its
     * pair m/2 sits at bit-reversed index 1 */
    work[2] = (int16_t)((frame[h] * w[h] + ((int32_t)1 << (14u - s))) >> (15u - s));
}

/* Step 4 for bins 1 .. n/2 - 1: sum of floor(w p / 2^15) over the band,
 * p = re^2 + im^2 of the bin at b. floor(w p / 2^15) is computed exactly
 * in 32 bits as 2 w (p >> 16) + ((w (p & 0xFFFF)) >> 15); the first terms
 * are summed apart and doubled once. A function of its own so its loop
 * gets the registers (Cortex-M0+ has 8 usable ones). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static uint32_t band_energy(const int16_t *b, const uint16_t *w, const uint16_t *stop)
{
    uint32_t hi = 0u, lo = 0u;
    for (; w < stop; w++, b += 2) {
        int32_t re = b[0], im = b[1];
        uint32_t p = (uint32_t)(re * re) + (uint32_t)(im * im);
        uint32_t wj = *w;
        hi += wj * (p >> 16);
        lo += (wj * (p & 0xFFFFu)) >> 15;
    }
    return 2u * hi + lo;
}

void emml_logmel_frame_q15(const emml_logmel_q15_t *lm, const int16_t *frame, int16_t *work,
                           int16_t *out)
{
    const emml_mel_q15_t *mel = lm->mel;
    const uint32_t n = mel->n_fft, half = n / 2u;
    const int32_t s = block_shift(frame, n);
    uint32_t m;

    if (s < 0) {
        for (m = 0u; m < mel->n_mels; m++) {
            out[m] = lm->floor_db_q8;
        }
        return;
    }
    if (work != frame) {
        window_bitrev(lm->window, frame, (unsigned)s, work, n);
        emml_fft_rfft_bitrev_q15(&lm->fft, work);
    } else {
        uint32_t i;
        for (i = 0u; i < n; i++) {
            work[i] = (int16_t)(work[i] * ((int32_t)1 << s));
        }
        emml_window_apply_q15(lm->window, work, work);
        emml_fft_rfft_q15(&lm->fft, work);
    }

    for (m = 0u; m < mel->n_mels; m++) {
        const uint16_t *w = mel->weights + mel->band_offset[m];
        const uint16_t *wend = mel->weights + mel->band_offset[m + 1u];
        uint32_t k = mel->band_start[m];
        uint32_t e = 0u;
        int32_t db;
        if (k == 0u && w < wend) { /* DC: packed at work[0] */
            uint32_t p = (uint32_t)((int32_t)work[0] * work[0]);
            e += *w * (p >> 15) + ((*w * (p & 0x7FFFu)) >> 15);
            w++;
            k++;
        }
        {
            /* bins k .. min(k + len, half) - 1: (re, im) at work[2k] */
            const int16_t *b = work + 2u * k;
            const uint16_t *stop = wend;
            if (k + (uint32_t)(wend - w) > half) {
                stop = w + (half - k);
            }
            e += band_energy(b, w, stop);
            w = stop;
        }
        if (w < wend) { /* Nyquist bin: packed at work[1] */
            uint32_t p = (uint32_t)((int32_t)work[1] * work[1]);
            e += *w * (p >> 15) + ((*w * (p & 0x7FFFu)) >> 15);
        }
        if (e == 0u) {
            out[m] = lm->floor_db_q8;
            continue;
        }
        db = log2_to_db_q8(emml_log2_q16(e) - 2 * s * 65536 + mel->log2_offset[m]);
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
