/* Host C tests of the HAR features (emml/features.h) under ASan/UBSan:
 * scratch and output buffers are heap blocks of exactly the documented
 * sizes, so any overrun is reported; invariants on edge cases (constant,
 * full-scale, length 1, alternating +-full scale) for every gravity mode
 * and lengths 1..1024. Bit-exactness against the Python reference is in
 * tests/test_dsp_har.py. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "emml/features.h"
#include "emml_test.h"

#define PI 3.14159265358979323846

static int16_t twiddle[1024];

static void make_twiddles(uint32_t n)
{
    uint32_t k;
    for (k = 0; k < n / 2u; k++) {
        double c = floor(cos(2.0 * PI * k / n) * 32768.0 + 0.5), s = floor(-sin(2.0 * PI * k / n) * 32768.0 + 0.5);
        twiddle[2 * k] = (int16_t)(c > 32767.0 ? 32767.0 : c);
        twiddle[2 * k + 1] = (int16_t)(s > 32767.0 ? 32767.0 : s);
    }
}

static uint32_t next_pow2(uint32_t n)
{
    uint32_t p = 32u;
    while (p < n) p *= 2u;
    return p;
}

static const uint16_t bands[6] = {0, 3, 3, 9, 9, 17};

static emml_har_config_t config(uint32_t n, uint8_t gravity)
{
    emml_har_config_t c;
    uint32_t nf = next_pow2(n);
    make_twiddles(nf);
    c.n = (uint16_t)n;
    c.stats = EMML_HAR_ALL_STATS;
    c.channels = 0xFu;
    c.gravity = gravity;
    c.energy_frac = 3u;
    c.n_bands = 3u;
    c.gravity_alpha = 1200;
    c.bands = bands;
    c.fft.n = (uint16_t)nf;
    c.fft.stride = 1u;
    c.fft.twiddle = twiddle;
    return c;
}

/* run once with exact-size heap buffers; returns the features (caller frees) */
static int32_t *run(const emml_har_config_t *c, const int16_t *xyz_src)
{
    uint32_t nfeat = emml_har_n_features(c);
    int16_t *xyz = (int16_t *)malloc(3u * c->n * sizeof(int16_t));
    int16_t *scratch = (int16_t *)malloc(EMML_HAR_SCRATCH_LEN(c->n, c->fft.n, c->gravity) * sizeof(int16_t));
    int32_t *out = (int32_t *)malloc(nfeat * sizeof(int32_t));
    uint32_t i;
    for (i = 0; i < 3u * c->n; i++) xyz[i] = xyz_src[i];
    emml_har_compute(c, xyz, scratch, out);
    for (i = 0; i < 3u * c->n; i++) CHECK(xyz[i] == xyz_src[i]); /* input untouched */
    free(xyz);
    free(scratch);
    return out;
}

/* feature index of stat bit `bit` on channel ch with all stats + 3 bands */
static uint32_t idx(uint32_t ch, uint32_t stat_index)
{
    return ch * (EMML_HAR_N_STATS + 3u) + stat_index;
}

static void test_check(void)
{
    emml_har_config_t c = config(52, EMML_HAR_GRAVITY_NONE);
    static const uint16_t bad_bands[2] = {5, 5};
    CHECK_EQ_INT(emml_har_check(&c), EMML_OK);
    CHECK_EQ_INT(emml_har_check(NULL), EMML_ERR_NULL);
    c.n = 0;
    CHECK_EQ_INT(emml_har_check(&c), EMML_ERR_ARGUMENT);
    c.n = 65;
    CHECK_EQ_INT(emml_har_check(&c), EMML_ERR_SHAPE); /* n_fft 64 < n */
    c = config(52, EMML_HAR_GRAVITY_FILTER);
    c.gravity_alpha = 0;
    CHECK_EQ_INT(emml_har_check(&c), EMML_ERR_ARGUMENT);
    c = config(52, EMML_HAR_GRAVITY_NONE);
    c.bands = bad_bands;
    c.n_bands = 1;
    CHECK_EQ_INT(emml_har_check(&c), EMML_ERR_FORMAT);
    c = config(52, EMML_HAR_GRAVITY_NONE);
    c.stats = 0x400u;
    CHECK_EQ_INT(emml_har_check(&c), EMML_ERR_ARGUMENT);
    c.stats = EMML_HAR_ALL_STATS;
    CHECK_EQ_INT(emml_har_n_features(&c), 4 * 13);
}

static void test_edge_cases(void)
{
    static const uint32_t lengths[] = {1, 2, 3, 31, 52, 64, 100, 1024};
    static int16_t xyz[3 * 1024];
    uint32_t li, g, kind, i;
    for (li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++) {
        uint32_t n = lengths[li];
        for (g = 0; g <= EMML_HAR_GRAVITY_FILTER; g++) {
            emml_har_config_t c = config(n, (uint8_t)g);
            CHECK_EQ_INT(emml_har_check(&c), EMML_OK);
            for (kind = 0; kind < 5; kind++) {
                int32_t *f;
                for (i = 0; i < 3u * n; i++) {
                    switch (kind) {
                    case 0: xyz[i] = 0; break;
                    case 1: xyz[i] = 32767; break;
                    case 2: xyz[i] = -32768; break;
                    case 3: xyz[i] = (int16_t)((i / 3u) % 2u ? 32767 : -32768); break;
                    default: xyz[i] = (int16_t)(((i * 2654435761u) >> 16) & 0xFFFFu); break;
                    }
                }
                f = run(&c, xyz);
                if (kind <= 2) { /* constant window */
                    int32_t v = kind == 0 ? 0 : kind == 1 ? 32767 : -32768;
                    if (g != EMML_HAR_GRAVITY_FILTER) {
                        CHECK_EQ_INT(f[idx(0, 0)], 16 * v);        /* mean */
                        CHECK_EQ_INT(f[idx(0, 8)], g == EMML_HAR_GRAVITY_MEAN ? 0 : 16 * v); /* median */
                    }
                    CHECK_EQ_INT(f[idx(0, 1)], 0);                 /* std */
                    CHECK_EQ_INT(f[idx(0, 6)], 0);                 /* crossings */
                    CHECK_EQ_INT(f[idx(3, 10)], 0);                /* mag band 0 */
                }
                if (kind == 3 && n >= 2 && g == EMML_HAR_GRAVITY_NONE) {
                    CHECK_EQ_INT(f[idx(1, 6)], (int32_t)n - 1);     /* crossings */
                    CHECK_EQ_INT(f[idx(1, 2)], -32768 * 16);        /* min */
                    CHECK_EQ_INT(f[idx(1, 3)], 32767 * 16);         /* max */
                }
                for (i = 0; i < emml_har_n_features(&c); i++) {
                    uint32_t s = i % 13u;
                    if (s == 1u || s == 4u || s == 5u || s == 6u || s >= 10u) {
                        CHECK(f[i] >= 0); /* std, rms, energy, crossings, bands */
                    }
                }
                free(f);
            }
        }
    }
}

static void test_sine_band(void)
{
    /* 3 Hz sine at 26 Hz, 64 frames, amplitude 1000 on x: the energy sits in
     * the band holding bins 7..8 (2.84, 3.25 Hz): bands 3..9 */
    static int16_t xyz[3 * 64];
    emml_har_config_t c = config(64, EMML_HAR_GRAVITY_NONE);
    int32_t *f;
    uint32_t i;
    for (i = 0; i < 64; i++) {
        xyz[3 * i] = (int16_t)floor(1000.0 * sin(2.0 * PI * 3.0 * i / 26.0) + 0.5);
        xyz[3 * i + 1] = 0;
        xyz[3 * i + 2] = 1000;
    }
    f = run(&c, xyz);
    /* mean square 500000 * 2^3, most of it in band 1 */
    CHECK(fabs(f[idx(0, 5)] / 8.0 - 500000.0) < 5000.0);
    CHECK(f[idx(0, 11)] > 9 * (f[idx(0, 10)] + f[idx(0, 12)]));
    CHECK(fabs((f[idx(0, 10)] + f[idx(0, 11)] + f[idx(0, 12)]) / 8.0 - 500000.0) < 10000.0);
    free(f);
}

int main(void)
{
    test_check();
    test_edge_cases();
    test_sine_band();
    return EMML_TEST_SUMMARY();
}
