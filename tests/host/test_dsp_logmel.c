/* Host C tests of the q15 log-mel frame under ASan/UBSan (tables computed
 * here with libm): the windowing pass that writes bit-reversed order and
 * the in-place path (work == frame) give the same result for periodic,
 * symmetric and rectangular windows at every level; silence gives the
 * floor; a sine lands in its band. Bit-exactness against the Python
 * reference is in tests/test_dsp_mel.py. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emml/fft.h"
#include "emml/mel.h"
#include "emml/window.h"
#include "emml_test.h"

#define PI 3.14159265358979323846
#define N_MAX 512
#define N_MELS 8

static int16_t tw[N_MAX];
static int16_t win[N_MAX / 2 + 1];
static uint16_t band_start[N_MELS], band_offset[N_MELS + 1], weights[N_MAX];
static int32_t log2_offset[N_MELS];

static int16_t q15(double v)
{
    double r = floor(v * 32768.0 + 0.5);
    if (r > 32767.0) r = 32767.0;
    if (r < -32768.0) r = -32768.0;
    return (int16_t)r;
}

/* twiddles, a Hann window (periodic: mirror n) and N_MELS triangular bands */
static void make_tables(uint32_t n, int periodic)
{
    uint32_t k, m, off = 0;
    const uint32_t bins = n / 2u + 1u, width = bins / (N_MELS + 1u);
    for (k = 0; k < n / 2u; k++) {
        double a = 2.0 * PI * (double)k / (double)n;
        tw[2 * k] = q15(cos(a));
        if (tw[2 * k] == -32768) tw[2 * k] = -32767;
        tw[2 * k + 1] = q15(-sin(a));
        if (tw[2 * k + 1] == -32768) tw[2 * k + 1] = -32767;
    }
    for (k = 0; k <= n / 2u; k++) {
        win[k] = q15(0.5 - 0.5 * cos(2.0 * PI * (double)k / (double)(periodic ? n : n - 1u)));
    }
    for (m = 0; m < N_MELS; m++) {
        band_start[m] = (uint16_t)(m * width);
        band_offset[m] = (uint16_t)off;
        for (k = 0; k < 2u * width; k++) {
            weights[off++] = (uint16_t)(k < width ? 32767u * (k + 1u) / width : 32767u * (2u * width - k) / width);
        }
        log2_offset[m] = 0;
    }
    band_offset[N_MELS] = (uint16_t)off;
}

static void run(uint32_t n, int periodic, int rect)
{
    emml_fft_table_q15_t table = {0, tw};
    emml_window_q15_t window = {0, 0, NULL};
    emml_mel_q15_t mel = {0, N_MELS, band_start, band_offset, weights, log2_offset};
    emml_logmel_q15_t lm;
    static int16_t frame[N_MAX], work[N_MAX], inplace[N_MAX];
    int16_t out[N_MELS], out2[N_MELS];
    uint32_t level, k, m;
    int same = 1;

    make_tables(n, periodic);
    table.n = (uint16_t)n;
    window.n = (uint16_t)n;
    window.mirror = (uint16_t)(periodic ? n : n - 1u);
    window.coeffs = rect ? NULL : win;
    mel.n_fft = (uint16_t)n;
    CHECK_EQ_INT(emml_logmel_init_q15(&lm, &table, &window, &mel, -25600), EMML_OK);

    srand(7);
    for (level = 0; level < 16; level++) {
        for (k = 0; k < n; k++) {
            long v = (long)(rand() % 65536) - 32768;
            frame[k] = (int16_t)(level == 15 ? (k & 1 ? 32767 : -32768) : v >> level);
        }
        emml_logmel_frame_q15(&lm, frame, work, out);
        memcpy(inplace, frame, n * sizeof(int16_t));
        emml_logmel_frame_q15(&lm, inplace, inplace, out2);
        same &= memcmp(out, out2, sizeof out) == 0;
    }
    CHECK(same);

    memset(frame, 0, sizeof frame);
    emml_logmel_frame_q15(&lm, frame, work, out);
    for (m = 0; m < N_MELS; m++) {
        CHECK_EQ_INT(out[m], -25600);
    }

    /* a sine at the centre of band 3 is loudest there */
    {
        const uint32_t width = (n / 2u + 1u) / (N_MELS + 1u);
        const double bin = 3.0 * width + width;
        int best = 0;
        for (k = 0; k < n; k++) {
            frame[k] = q15(0.5 * sin(2.0 * PI * bin * (double)k / (double)n));
        }
        emml_logmel_frame_q15(&lm, frame, work, out);
        for (m = 1; m < N_MELS; m++) {
            if (out[m] > out[best]) best = (int)m;
        }
        CHECK_EQ_INT(best, 3);
    }
}

int main(void)
{
    run(64, 1, 0);
    run(128, 0, 0);
    run(256, 1, 1);
    run(512, 1, 0);
    run(512, 0, 0);
    return EMML_TEST_SUMMARY();
}
