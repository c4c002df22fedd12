/*
 * emml/features.h - activity-recognition (HAR) features from a window of a
 * 3-axis int16 accelerometer, in integer arithmetic only.
 *
 * Input: xyz[3 n], n frames of (x, y, z) interleaved, int16 in any unit
 * (raw counts or milli-g), 1 <= n <= EMML_HAR_MAX_LEN.
 * Channels (bitmask, in this output order): x, y, z and the magnitude
 * mag[i] = round(sqrt(x^2 + y^2 + z^2)) (exact integer square root rounded to
 * nearest: r = floor(sqrt(s)), plus 1 if s - r^2 > r; 0..56756).
 *
 * Orientation (emml_har_config_t.gravity):
 *   EMML_HAR_GRAVITY_NONE    channels as they are.
 *   EMML_HAR_GRAVITY_MEAN    every channel (x, y, z and mag of the raw axes)
 *                            has its window mean removed before the amplitude
 *                            features (min, max, rms, energy, quartiles); the
 *                            mean feature still reports the removed mean.
 *   EMML_HAR_GRAVITY_FILTER  x, y, z replaced by the body acceleration of the
 *                            one-pole gravity filter (emml_gravity_q15, alpha =
 *                            gravity_alpha, a fresh filter primed with the
 *                            window's first frame, so windows are independent);
 *                            mag is the magnitude of the body acceleration.
 *
 * Features of each enabled channel, in this order (bitmask `stats`), then its
 * n_bands band energies. With v the channel's values, C its centre (the window
 * mean in Q4, mean_q4, for GRAVITY_MEAN, else 0), all exact integer formulas:
 *   MEAN      mean_q4 = floor((32 sum v + n) / (2 n))     (round half up), Q4
 *   STD       floor(16 sigma), sigma the population (ddof 0) standard deviation:
 *             floor(isqrt(256 (n sum v^2 - (sum v)^2)) / n), Q4
 *   MIN, MAX  16 min v - C, 16 max v - C, Q4
 *   RMS       floor(sqrt(A / n)), A = sum (16 v - C)^2, Q4
 *   ENERGY    floor(A 2^ef / (256 n)): mean square in units^2, Q(ef), ef =
 *             energy_frac (0..8); saturated to INT32_MAX (only when the rms
 *             exceeds 46340 / 2^(ef/2) units: full-scale magnitudes)
 *   CROSSINGS number of i in 1..n-1 where (16 v[i] >= mean_q4) differs from
 *             (16 v[i-1] >= mean_q4): mean crossings, whatever the gravity mode
 *   Q25, MEDIAN, Q75  exact quartiles, numpy.percentile(v, 25/50/75) with its
 *             default linear interpolation, which is exact in Q4: with
 *             p = k (n - 1) (k = 1, 2, 3), lo = p / 4, r = p % 4 and s the sorted
 *             values, q = 16 s[lo] + 4 r (s[lo+1] - s[lo]) - C. Found by
 *             quickselect on a copy in the scratch buffer (O(n) on average;
 *             the median's position first, then each quartile on its side).
 *   bands     FFT band energies: c[i] = 16 v[i] - mean_q4 (always mean-removed)
 *             is block-scaled to int16 (c 2^b, b = clz32(max |c|) - 18 so the
 *             largest value is in [2^13, 2^14): the q15 FFT never saturates;
 *             b < 0 rounds: (c + 2^(-b-1)) >> -b), zero-padded to n_fft,
 *             rectangular window, emml_fft_rfft_q15; P = sum over the band's bins
 *             k of g_k (re_k^2 + im_k^2), g_k = 1 for k = 0 and n_fft/2, else 2
 *             (one-sided spectrum; uint64); energy
 *               floor(P n_fft 2^(ef - 2 b - 8) / n)
 *             (computed as (P << e) / n for e >= 0, (P / n) >> -e otherwise),
 *             saturated to INT32_MAX: the band's share of the mean square
 *             (Parseval: bands covering bins 0..n_fft/2 sum to ENERGY of the
 *             mean-removed signal, up to the q15 FFT's rounding), units^2 Q(ef).
 * Float view (emml_har_to_f32): Q4 features / 16, energies / 2^ef, crossings
 * as counts. emml.dsp.HarConfig.features() is the bit-exact Python reference.
 *
 * Arithmetic: per-channel sums in uint32 (sum of u = v + 32768 for axes:
 * 32 sum u + n < 2^32 needs n <= 2048), sums of squares in uint64, the
 * variance and A in int64/uint64 (no overflow for n <= EMML_HAR_MAX_LEN), a few
 * 64-bit divisions per channel (libgcc), no floating point, no libc.
 *
 * RAM: the caller owns scratch[EMML_HAR_SCRATCH_LEN(n, n_fft, gravity)] int16:
 * the FFT buffer (n_fft, reused for the quartile selection), the magnitude
 * (n, stored as uint16) and, for GRAVITY_FILTER, the body signal (3 n).
 * 2 s at 26 Hz (n = 52, n_fft = 64): 116 int16 = 232 bytes (filter: 388 B).
 * Stack: about 300 bytes on Cortex-M0+ (bench/results/dsp.json); 98,000
 * estimated cycles for 2 s at 26 Hz with every feature (bench/bench_dsp.py).
 */
#ifndef EMML_FEATURES_H
#define EMML_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "emml/config.h"
#include "emml/fft.h"
#include "emml/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EMML_HAR_MAX_LEN 1024u
#define EMML_HAR_MAX_BANDS 32u

/* gravity modes */
#define EMML_HAR_GRAVITY_NONE 0u
#define EMML_HAR_GRAVITY_MEAN 1u
#define EMML_HAR_GRAVITY_FILTER 2u

/* channels (bitmask; output order x, y, z, mag) */
#define EMML_HAR_CH_X 0x1u
#define EMML_HAR_CH_Y 0x2u
#define EMML_HAR_CH_Z 0x4u
#define EMML_HAR_CH_MAG 0x8u

/* per-channel statistics (bitmask; output order as listed) */
#define EMML_HAR_MEAN 0x001u
#define EMML_HAR_STD 0x002u
#define EMML_HAR_MIN 0x004u
#define EMML_HAR_MAX 0x008u
#define EMML_HAR_RMS 0x010u
#define EMML_HAR_ENERGY 0x020u
#define EMML_HAR_CROSSINGS 0x040u
#define EMML_HAR_Q25 0x080u
#define EMML_HAR_MEDIAN 0x100u
#define EMML_HAR_Q75 0x200u
#define EMML_HAR_ALL_STATS 0x3FFu
#define EMML_HAR_N_STATS 10u

/* int16 elements of scratch for a window of n frames and an n_fft-point FFT. */
#define EMML_HAR_SCRATCH_LEN(n, n_fft, gravity) \
    ((n_fft) + (n) + ((gravity) == EMML_HAR_GRAVITY_FILTER ? 3u * (n) : 0u))

/* A feature extractor (generated by emml.dsp.HarConfig; const, in flash). */
typedef struct {
    uint16_t n;                 /* window length in frames, 1..EMML_HAR_MAX_LEN */
    uint16_t stats;             /* EMML_HAR_MEAN | ... */
    uint8_t channels;           /* EMML_HAR_CH_X | ... (at least one) */
    uint8_t gravity;            /* EMML_HAR_GRAVITY_* */
    uint8_t energy_frac;        /* ef, 0..8 */
    uint8_t n_bands;            /* 0..EMML_HAR_MAX_BANDS */
    int16_t gravity_alpha;      /* q15, GRAVITY_FILTER only (emml.dsp.gravity_alpha_q15) */
    const uint16_t *bands;      /* n_bands x (first bin, end bin), end exclusive, <= n_fft/2 + 1 */
    emml_fft_q15_t fft;         /* n_fft (power of two, >= n, 32..1024), stride, twiddles */
} emml_har_config_t;

/* Check a configuration once (sizes, masks, bands, FFT table); returns
 * EMML_OK, EMML_ERR_NULL, EMML_ERR_ARGUMENT, EMML_ERR_SHAPE or EMML_ERR_FORMAT. */
emml_status_t emml_har_check(const emml_har_config_t *cfg);

/* Number of int32 features emml_har_compute writes:
 * popcount(channels) x (popcount(stats) + n_bands). */
uint32_t emml_har_n_features(const emml_har_config_t *cfg);

/* Features of one window (see above): xyz[3 n] in, out[emml_har_n_features]
 * int32 out; scratch[EMML_HAR_SCRATCH_LEN(n, n_fft, gravity)] is overwritten.
 * cfg must have passed emml_har_check. */
void emml_har_compute(const emml_har_config_t *cfg, const int16_t *xyz, int16_t *scratch, int32_t *out);

#if EMML_FLOAT_ENABLE
/* Float view: out[i] = features[i] in input units (Q4 / 16, energies / 2^ef,
 * counts as they are); out must not overlap features. */
void emml_har_to_f32(const emml_har_config_t *cfg, const int32_t *features, float *out);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_FEATURES_H */
