/* Host C tests of the DSP modules under ASan/UBSan: framer, FFT (tables
 * computed here with libm, which the host has), window, IIR, log2. The
 * bit-exact comparisons against the Python references live in
 * tests/test_dsp_*.py; these check memory safety and invariants. */
#include <math.h>
#include <stdlib.h>
#include <stdint.h>

#include "emml/fft.h"
#include "emml/fixed.h"
#include "emml/framer.h"
#include "emml/iir.h"
#include "emml/mel.h"
#include "emml/window.h"
#include "emml_test.h"

#define PI 3.14159265358979323846

static int16_t tw_q15[1024];
static float tw_f32[1024];

static int16_t q15(double v)
{
    double r = floor(v * 32768.0 + 0.5);
    if (r > 32767.0) r = 32767.0;
    if (r < -32767.0) r = -32767.0;
    return (int16_t)r;
}

static void make_tables(uint32_t n)
{
    uint32_t k;
    for (k = 0; k < n / 2u; k++) {
        double a = 2.0 * PI * (double)k / (double)n;
        tw_q15[2 * k] = q15(cos(a));
        tw_q15[2 * k + 1] = q15(-sin(a));
        tw_f32[2 * k] = (float)cos(a);
        tw_f32[2 * k + 1] = (float)-sin(a);
    }
}

static void test_framer(void)
{
    int16_t ring[10], stream[57], frame[10];
    emml_framer_q15_t fr;
    uint32_t i, pos = 0, frames = 0, chunk = 1;
    for (i = 0; i < 57; i++) stream[i] = (int16_t)(i * 3 - 50);
    CHECK_EQ_INT(emml_framer_init_q15(&fr, ring, 9, 10, 4), EMML_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(emml_framer_init_q15(&fr, ring, 10, 10, 0), EMML_ERR_ARGUMENT);
    CHECK_EQ_INT(emml_framer_init_q15(&fr, ring, 10, 10, 4), EMML_OK);
    while (pos < 57) {
        uint32_t n = chunk < 57 - pos ? chunk : 57 - pos;
        uint32_t used = emml_framer_push_q15(&fr, stream + pos, n);
        pos += used;
        chunk = chunk * 2 + 1 > 13 ? 1 : chunk * 2 + 1;
        if (emml_framer_ready(&fr)) {
            int ok = 1;
            emml_framer_frame_q15(&fr, frame);
            for (i = 0; i < 10; i++) ok &= frame[i] == stream[frames * 4 + i];
            CHECK(ok);
            frames++;
        }
    }
    CHECK_EQ_INT(frames, 1 + (57 - 10) / 4);
}

static void test_fft_parseval_and_impulse(void)
{
    static int16_t x[1024];
    static float xf[1024];
    uint32_t n;
    for (n = 32; n <= 1024; n *= 2) {
        emml_fft_table_q15_t tq = {0, tw_q15};
        emml_fft_table_f32_t tf = {0, tw_f32};
        emml_fft_q15_t fq;
        emml_fft_f32_t ff;
        uint32_t k;
        double ein = 0.0, eout = 0.0;
        make_tables(n);
        tq.n = (uint16_t)n;
        tf.n = (uint16_t)n;
        CHECK_EQ_INT(emml_fft_init_q15(&fq, &tq, n), EMML_OK);
        CHECK_EQ_INT(emml_fft_init_f32(&ff, &tf, n), EMML_OK);
        /* impulse at 0 of height 16384: every bin is 16384 / n */
        for (k = 0; k < n; k++) x[k] = 0;
        x[0] = 16384;
        emml_fft_rfft_q15(&fq, x);
        {
            int ok = 1;
            int32_t expect = (int32_t)(16384u / n);
            for (k = 0; k < n; k += 2) ok &= abs(x[k] - expect) <= 1 && abs(x[k + 1] - (k == 0 ? expect : 0)) <= 1;
            CHECK(ok);
        }
        /* Parseval in float */
        for (k = 0; k < n; k++) {
            xf[k] = (float)sin(0.37 * (double)k * (double)k) * 0.5f;
            ein += (double)xf[k] * xf[k];
        }
        emml_fft_rfft_f32(&ff, xf);
        eout = (double)xf[0] * xf[0] + (double)xf[1] * xf[1];
        for (k = 2; k < n; k++) eout += 2.0 * (double)xf[k] * xf[k];
        CHECK(fabs(eout / n - ein) < 1e-4 * ein);
    }
}

static void test_iir_and_window(void)
{
    /* one section y = 0.5 x + 0.5 y[n-1] in q14: DC gain 1 */
    static const int16_t c[5] = {8192, 0, 0, 8192, 0};
    static const uint8_t sh[1] = {14};
    emml_iir_coeffs_q15_t coeffs = {1, c, sh};
    emml_iir_q15_t f;
    int16_t state[4], x[200], y[200];
    uint32_t i;
    static const int16_t half[5] = {0, 9598, 32767, 9598, 0}; /* not a real window, shape only */
    emml_window_q15_t w = {8, 8, half};
    int16_t in[8] = {100, 100, 100, 100, 100, 100, 100, 100}, out[8];
    CHECK_EQ_INT(emml_iir_init_q15(&f, &coeffs, state, 4), EMML_OK);
    for (i = 0; i < 200; i++) x[i] = 10000;
    emml_iir_process_q15(&f, x, y, 200);
    CHECK(abs(y[199] - 10000) <= 1);
    CHECK_EQ_INT(emml_window_check_q15(&w, 8), EMML_OK);
    CHECK_EQ_INT(emml_window_check_q15(&w, 9), EMML_ERR_SHAPE);
    emml_window_apply_q15(&w, in, out);
    CHECK_EQ_INT(out[0], 0);
    CHECK_EQ_INT(out[2], 100);
    CHECK_EQ_INT(out[6], 100); /* mirror: w[8 - 6] */
    CHECK_EQ_INT(out[7], 29);
}

static void test_log2(void)
{
    uint32_t x;
    int ok = 1;
    for (x = 1; x < 100000; x += 7) {
        double err = emml_log2_q16(x) / 65536.0 - log2((double)x);
        ok &= fabs(err) <= 2.0e-4;
    }
    CHECK(ok);
    CHECK_EQ_INT(emml_log2_q16(0), EMML_LOG2_ZERO_Q16);
}

int main(void)
{
    test_framer();
    test_fft_parseval_and_impulse();
    test_iir_and_window();
    test_log2();
    return EMML_TEST_SUMMARY();
}
