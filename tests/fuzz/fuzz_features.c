/*
 * fuzz_features - libFuzzer harness for the feature extractors: HAR window
 * features (emml/features.h) and the q15 log-mel frame and MFCC
 * (emml/mel.h).
 *
 * The first byte picks the extractor. The configuration (sizes, masks,
 * bands, filterbank, DCT) comes from the input, hostile values included:
 * the check/init function must refuse anything the compute function cannot
 * take. A configuration it accepts is then run on a fuzzed signal with
 * every buffer allocated at exactly the size the header documents, so ASan
 * reports any access outside, and UBSan any signed overflow or bad shift.
 * The FFT twiddle table is the real one (cos, -sin in q15).
 */
#include <math.h>
#include <stdlib.h>

#include "emml/features.h"
#include "emml/mel.h"
#include "fuzz_input.h"

static int16_t twiddle[EMML_FFT_MAX_SIZE];
static const emml_fft_table_q15_t table = {EMML_FFT_MAX_SIZE, twiddle};

static void make_twiddle(void)
{
    uint32_t k;
    if (twiddle[0] != 0) {
        return;
    }
    for (k = 0u; k < EMML_FFT_MAX_SIZE / 2u; k++) {
        double a = 2.0 * 3.14159265358979323846 * (double)k / (double)EMML_FFT_MAX_SIZE;
        twiddle[2u * k] = (int16_t)lrint(fmin(32767.0, 32768.0 * cos(a)));
        twiddle[2u * k + 1u] = (int16_t)lrint(fmin(32767.0, -32768.0 * sin(a)));
    }
}

static void *alloc(size_t n)
{
    void *p = malloc(n ? n : 1u);
    if (p == NULL) {
        abort();
    }
    return p;
}

static void fuzz_har(fuzz_input_t *in)
{
    emml_har_config_t cfg;
    uint16_t *bands;
    int16_t *xyz, *scratch;
    int32_t *out;
    uint32_t i, n_fft, nb;
    cfg.n = (uint16_t)(fuzz_u16(in) % (EMML_HAR_MAX_LEN + 8u));
    cfg.stats = fuzz_u16(in);
    cfg.channels = fuzz_u8(in);
    cfg.gravity = fuzz_u8(in) % 4u;
    cfg.energy_frac = fuzz_u8(in) % 12u;
    nb = fuzz_u8(in) % (EMML_HAR_MAX_BANDS + 4u);
    cfg.n_bands = (uint8_t)nb;
    cfg.gravity_alpha = (int16_t)fuzz_u16(in);
    n_fft = 16u << (fuzz_u8(in) % 8u); /* 16 .. 2048: some invalid */
    cfg.fft.n = (uint16_t)n_fft;
    cfg.fft.stride = (uint16_t)(1u << (fuzz_u8(in) % 8u));
    cfg.fft.twiddle = twiddle;
    bands = (uint16_t *)alloc(2u * nb * sizeof(uint16_t));
    for (i = 0u; i < 2u * nb; i++) {
        bands[i] = (uint16_t)(fuzz_u8(in) % (n_fft / 2u + 3u));
    }
    cfg.bands = nb ? bands : NULL;
    if (emml_har_check(&cfg) == EMML_OK) {
        uint32_t n = cfg.n;
        xyz = (int16_t *)alloc(3u * n * sizeof(int16_t));
        scratch = (int16_t *)alloc(EMML_HAR_SCRATCH_LEN(n, cfg.fft.n, cfg.gravity) * sizeof(int16_t));
        out = (int32_t *)alloc(emml_har_n_features(&cfg) * sizeof(int32_t));
        for (i = 0u; i < 3u * n; i++) {
            /* the signal: fuzzed bytes, or full-scale extremes once they run out */
            xyz[i] = fuzz_left(in) >= 2u ? (int16_t)fuzz_u16(in) : (int16_t)((i & 1u) ? 32767 : -32768);
        }
        emml_har_compute(&cfg, xyz, scratch, out);
        free(xyz);
        free(scratch);
        free(out);
    }
    free(bands);
}

static void fuzz_logmel(fuzz_input_t *in)
{
    emml_mel_q15_t mel;
    emml_window_q15_t window;
    emml_logmel_q15_t lm;
    emml_mfcc_q15_t mfcc;
    uint16_t *start, *offset, *weights;
    int32_t *log2_offset;
    int16_t *coeffs, *frame, *mels, *dct, *ceps;
    uint32_t i, n_fft = 16u << (fuzz_u8(in) % 8u), n_mels = fuzz_u8(in) % 48u, n_weights;
    uint32_t n_mfcc = fuzz_u8(in) % 24u;
    mel.n_fft = (uint16_t)n_fft;
    mel.n_mels = (uint16_t)n_mels;
    start = (uint16_t *)alloc(n_mels * sizeof(uint16_t));
    offset = (uint16_t *)alloc((n_mels + 1u) * sizeof(uint16_t));
    offset[0] = (uint16_t)(fuzz_u8(in) < 8u ? 1u : 0u); /* sometimes a bad first offset */
    for (i = 0u; i < n_mels; i++) {
        start[i] = (uint16_t)(fuzz_u16(in) % (n_fft / 2u + 4u));
        offset[i + 1u] = (uint16_t)(offset[i] + fuzz_u8(in) % 12u - (fuzz_u8(in) < 4u ? 13u : 0u));
    }
    n_weights = offset[n_mels] < 4096u ? offset[n_mels] : 0u;
    weights = (uint16_t *)alloc(n_weights * sizeof(uint16_t));
    for (i = 0u; i < n_weights; i++) {
        weights[i] = fuzz_u16(in);
    }
    log2_offset = (int32_t *)alloc(n_mels * sizeof(int32_t));
    for (i = 0u; i < n_mels; i++) {
        /* the generator's offsets: 2 log2 n - 15 and a weight scale, |.| < 64 in Q16.16 */
        log2_offset[i] = (int32_t)(fuzz_u32(in) % (128u << 16)) - (64 << 16);
    }
    window.n = (uint16_t)(fuzz_u8(in) < 16u ? n_fft / 2u : n_fft);
    window.mirror = (uint16_t)(fuzz_u8(in) & 1u ? window.n : window.n - 1u);
    coeffs = (int16_t *)alloc((window.n / 2u + 1u) * sizeof(int16_t));
    for (i = 0u; i < window.n / 2u + 1u; i++) {
        coeffs[i] = (int16_t)(fuzz_u16(in) & 0x7FFFu);
    }
    window.coeffs = fuzz_u8(in) & 1u ? coeffs : NULL;
    mel.band_start = start;
    mel.band_offset = offset;
    mel.weights = weights;
    mel.log2_offset = log2_offset;
    if (n_weights == offset[n_mels] &&
        emml_logmel_init_q15(&lm, &table, &window, &mel, (int16_t)fuzz_u16(in)) == EMML_OK) {
        frame = (int16_t *)alloc(n_fft * sizeof(int16_t));
        mels = (int16_t *)alloc(n_mels * sizeof(int16_t));
        for (i = 0u; i < n_fft; i++) {
            frame[i] = fuzz_left(in) >= 2u ? (int16_t)fuzz_u16(in) : (int16_t)((i & 1u) ? 32767 : -32768);
        }
        emml_logmel_frame_q15(&lm, frame, frame, mels);
        /* MFCC of that frame: a DCT whose rows' absolute sums are within
         * the documented limit (65535) and a fuzzed shift */
        mfcc.n_mels = (uint16_t)n_mels;
        mfcc.n_mfcc = (uint16_t)n_mfcc;
        mfcc.shift = fuzz_u8(in);
        dct = (int16_t *)alloc(n_mfcc * n_mels * sizeof(int16_t));
        ceps = (int16_t *)alloc(n_mfcc * sizeof(int16_t));
        for (i = 0u; i < n_mfcc * n_mels; i++) {
            dct[i] = (int16_t)((int32_t)(fuzz_u16(in) % 2731u) - 1365); /* 48 x 1365 <= 65535 */
        }
        mfcc.dct = dct;
        if (emml_mfcc_check_q15(&mfcc, n_mels) == EMML_OK) {
            emml_mfcc_q15(&mfcc, mels, ceps);
        }
        free(dct);
        free(ceps);
        free(frame);
        free(mels);
    }
    free(start);
    free(offset);
    free(weights);
    free(log2_offset);
    free(coeffs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input_t in = {data, size, 0u};
    make_twiddle();
    if (fuzz_u8(&in) & 1u) {
        fuzz_logmel(&in);
    } else {
        fuzz_har(&in);
    }
    return 0;
}
