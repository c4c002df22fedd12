#include "emml/features.h"

#include "emml/fixed.h"
#include "emml/iir.h"

static uint32_t popcount(uint32_t x)
{
    uint32_t c = 0u;
    while (x != 0u) {
        x &= x - 1u;
        c++;
    }
    return c;
}

static int is_pow2(uint32_t n)
{
    return n != 0u && (n & (n - 1u)) == 0u;
}

emml_status_t emml_har_check(const emml_har_config_t *cfg)
{
    uint32_t b, nf, table_n;
    if (cfg == NULL || cfg->fft.twiddle == NULL || (cfg->n_bands != 0u && cfg->bands == NULL)) {
        return EMML_ERR_NULL;
    }
    if (cfg->n == 0u || cfg->n > EMML_HAR_MAX_LEN || cfg->channels == 0u || cfg->channels > 0xFu ||
        (cfg->stats & ~EMML_HAR_ALL_STATS) != 0u || cfg->gravity > EMML_HAR_GRAVITY_FILTER ||
        cfg->energy_frac > 8u || cfg->n_bands > EMML_HAR_MAX_BANDS ||
        (cfg->gravity == EMML_HAR_GRAVITY_FILTER && cfg->gravity_alpha <= 0)) {
        return EMML_ERR_ARGUMENT;
    }
    nf = cfg->fft.n;
    table_n = nf * (uint32_t)cfg->fft.stride;
    if (!is_pow2(nf) || nf < EMML_FFT_MIN_SIZE || nf < cfg->n || !is_pow2(table_n) ||
        table_n > EMML_FFT_MAX_SIZE) {
        return EMML_ERR_SHAPE;
    }
    for (b = 0u; b < cfg->n_bands; b++) {
        uint32_t k0 = cfg->bands[2u * b], k1 = cfg->bands[2u * b + 1u];
        if (k0 >= k1 || k1 > nf / 2u + 1u) {
            return EMML_ERR_FORMAT;
        }
    }
    return EMML_OK;
}

uint32_t emml_har_n_features(const emml_har_config_t *cfg)
{
    return popcount(cfg->channels) * (popcount(cfg->stats) + cfg->n_bands);
}

/* Hoare quickselect: afterwards a[k] holds the k-th smallest of a[lo..hi]
 * (inclusive), everything before it is <= a[k], everything after >= a[k]. */
static void select_kth(uint16_t *a, int32_t lo, int32_t hi, int32_t k)
{
    while (lo < hi) {
        int32_t i = lo, j = hi, mid = lo + (hi - lo) / 2;
        uint16_t pivot, t;
        /* median of three as the pivot (sorted into a[lo], a[mid], a[hi]) */
        if (a[mid] < a[lo]) {
            t = a[mid]; a[mid] = a[lo]; a[lo] = t;
        }
        if (a[hi] < a[lo]) {
            t = a[hi]; a[hi] = a[lo]; a[lo] = t;
        }
        if (a[hi] < a[mid]) {
            t = a[hi]; a[hi] = a[mid]; a[mid] = t;
        }
        pivot = a[mid];
        while (i <= j) {
            while (a[i] < pivot) {
                i++;
            }
            while (a[j] > pivot) {
                j--;
            }
            if (i <= j) {
                t = a[i]; a[i] = a[j]; a[j] = t;
                i++;
                j--;
            }
        }
        if (k <= j) {
            hi = j;
        } else if (k >= i) {
            lo = i;
        } else {
            return;
        }
    }
}

/* One channel's samples: u[i] = (uint16)p[i * stride] ^ flip, the value
 * plus `bias` as an order-preserving unsigned number (axes: v + 32768,
 * magnitude: v). */
typedef struct {
    const int16_t *p;
    uint32_t stride;
    uint32_t flip;
    int32_t bias16; /* 16 * bias */
} channel_t;

#define U_AT(ch, i) ((uint32_t)(uint16_t)(ch)->p[(i) * (ch)->stride] ^ (ch)->flip)

static int32_t sat_i32(uint64_t v)
{
    return v > 0x7FFFFFFFu ? INT32_MAX : (int32_t)v;
}

static int32_t *channel_features(const emml_har_config_t *cfg, const channel_t *ch, int16_t *work,
                                 int32_t *out)
{
    const uint32_t n = cfg->n, nf = cfg->fft.n, stats = cfg->stats;
    const unsigned ef = cfg->energy_frac;
    uint32_t i, s1 = 0u, umin = 0xFFFFu, umax = 0u, mq;
    uint64_t s2 = 0u;
    int32_t mean_q4, d;

    for (i = 0u; i < n; i++) {
        uint32_t u = U_AT(ch, i);
        s1 += u;
        s2 += u * u; /* u <= 65535: the square fits uint32 */
        umin = u < umin ? u : umin;
        umax = u > umax ? u : umax;
    }
    mq = (32u * s1 + n) / (2u * n); /* mean of u in Q4, rounded half up (n <= 1024: no overflow) */
    mean_q4 = (int32_t)mq - ch->bias16;
    d = cfg->gravity == EMML_HAR_GRAVITY_MEAN ? (int32_t)mq : ch->bias16; /* centre C + 16 bias */

    if (stats & EMML_HAR_MEAN) {
        *out++ = mean_q4;
    }
    if (stats & EMML_HAR_STD) {
        uint64_t v = (uint64_t)n * s2 - (uint64_t)s1 * s1; /* n^2 variance, exact, >= 0 */
        *out++ = (int32_t)(emml_isqrt_u64(v << 8) / n);
    }
    if (stats & EMML_HAR_MIN) {
        *out++ = (int32_t)(16u * umin) - d;
    }
    if (stats & EMML_HAR_MAX) {
        *out++ = (int32_t)(16u * umax) - d;
    }
    if (stats & (EMML_HAR_RMS | EMML_HAR_ENERGY)) {
        /* A = sum (16 u - d)^2 = 256 s2 - 32 d s1 + n d^2, exact modulo 2^64
         * and A < 2^64, so the wrap-around arithmetic gives it exactly */
        uint64_t du = (uint64_t)(uint32_t)d;
        uint64_t a = (s2 << 8) - ((du * s1) << 5) + (uint64_t)n * du * du;
        uint64_t ms = a / n; /* mean square, Q8 */
        if (stats & EMML_HAR_RMS) {
            *out++ = (int32_t)emml_isqrt_u64(ms);
        }
        if (stats & EMML_HAR_ENERGY) {
            *out++ = sat_i32(ms >> (8u - ef));
        }
    }
    if (stats & EMML_HAR_CROSSINGS) {
        int32_t count = 0;
        uint32_t prev = 16u * U_AT(ch, 0u) >= mq;
        for (i = 1u; i < n; i++) {
            uint32_t cur = 16u * U_AT(ch, i) >= mq;
            count += (int32_t)(cur ^ prev);
            prev = cur;
        }
        *out++ = count;
    }
    if (stats & (EMML_HAR_Q25 | EMML_HAR_MEDIAN | EMML_HAR_Q75)) {
        /* quartiles: quickselect on a copy (as uint16) in the FFT buffer;
         * each search starts where the previous one left its element, the
         * suffix from there holds exactly the larger order statistics */
        uint16_t *a = (uint16_t *)work;
        int32_t start = 0;
        uint32_t k;
        for (i = 0u; i < n; i++) {
            a[i] = (uint16_t)U_AT(ch, i);
        }
        for (k = 1u; k <= 3u; k++) {
            uint32_t p = k * (n - 1u), lo = p >> 2, r = p & 3u;
            uint32_t s_lo, s_hi;
            if (!(stats & (EMML_HAR_Q25 << (k - 1u)))) {
                continue;
            }
            select_kth(a, start, (int32_t)n - 1, (int32_t)lo);
            start = (int32_t)lo;
            s_lo = a[lo];
            s_hi = s_lo;
            if (r != 0u) { /* the next order statistic: the minimum after lo */
                s_hi = 0xFFFFu;
                for (i = lo + 1u; i < n; i++) {
                    s_hi = a[i] < s_hi ? a[i] : s_hi;
                }
            }
            *out++ = (int32_t)(16u * s_lo + 4u * r * (s_hi - s_lo)) - d;
        }
    }
    if (cfg->n_bands != 0u) {
        uint32_t maxabs = 0u, b;
        int32_t sh;
        int e;
        for (i = 0u; i < n; i++) {
            int32_t c = (int32_t)(16u * U_AT(ch, i)) - (int32_t)mq;
            uint32_t m = (uint32_t)(c < 0 ? -c : c);
            maxabs = m > maxabs ? m : maxabs;
        }
        if (maxabs == 0u) {
            for (b = 0u; b < cfg->n_bands; b++) {
                *out++ = 0;
            }
            return out;
        }
        sh = (int32_t)emml_clz32(maxabs) - 18; /* largest |c| 2^sh in [2^13, 2^14) */
        for (i = 0u; i < n; i++) {
            int32_t c = (int32_t)(16u * U_AT(ch, i)) - (int32_t)mq;
            work[i] = (int16_t)(sh >= 0 ? c * (1 << sh) : (c + (1 << (-sh - 1))) >> -sh);
        }
        for (; i < nf; i++) {
            work[i] = 0;
        }
        emml_fft_rfft_q15(&cfg->fft, work);
        e = (int)ef - 2 * (int)sh - 8 + (int)(31u - emml_clz32(nf));
        for (b = 0u; b < cfg->n_bands; b++) {
            uint32_t k = cfg->bands[2u * b], k1 = cfg->bands[2u * b + 1u];
            uint64_t p = 0u, q;
            for (; k < k1; k++) {
                if (k == 0u) {
                    p += (uint32_t)((int32_t)work[0] * work[0]);
                } else if (k == nf / 2u) {
                    p += (uint32_t)((int32_t)work[1] * work[1]);
                } else {
                    int32_t re = work[2u * k], im = work[2u * k + 1u];
                    p += (uint64_t)((uint32_t)(re * re) + (uint32_t)(im * im)) << 1;
                }
            }
            if (e >= 0) {
                q = (p << e) / n;
            } else {
                q = e <= -64 ? 0u : (p / n) >> -e;
            }
            *out++ = sat_i32(q);
        }
    }
    return out;
}

void emml_har_compute(const emml_har_config_t *cfg, const int16_t *xyz, int16_t *scratch, int32_t *out)
{
    const uint32_t n = cfg->n;
    int16_t *work = scratch;
    int16_t *mag = scratch + cfg->fft.n;
    const int16_t *src = xyz;
    channel_t ch;
    uint32_t a, i;

    if (cfg->gravity == EMML_HAR_GRAVITY_FILTER) {
        emml_gravity_q15_t gr;
        int16_t *body = mag + n;
        (void)emml_gravity_init_q15(&gr, cfg->gravity_alpha); /* checked by emml_har_check */
        emml_gravity_process_q15(&gr, xyz, body, NULL, n);
        src = body;
    }
    for (a = 0u; a < 3u; a++) {
        if (cfg->channels & (1u << a)) {
            ch.p = src + a;
            ch.stride = 3u;
            ch.flip = 0x8000u;
            ch.bias16 = 16 * 32768;
            out = channel_features(cfg, &ch, work, out);
        }
    }
    if (cfg->channels & EMML_HAR_CH_MAG) {
        for (i = 0u; i < n; i++) {
            int32_t x = src[3u * i], y = src[3u * i + 1u], z = src[3u * i + 2u];
            /* each square <= 2^30: the sum fits uint32 */
            uint32_t s = (uint32_t)(x * x) + (uint32_t)(y * y) + (uint32_t)(z * z);
            uint32_t r = emml_isqrt_u32(s);
            r += s - r * r > r; /* round to nearest: sqrt(s) > r + 1/2 */
            mag[i] = (int16_t)(uint16_t)r; /* 0..56756, stored as uint16 */
        }
        ch.p = mag;
        ch.stride = 1u;
        ch.flip = 0u;
        ch.bias16 = 0;
        (void)channel_features(cfg, &ch, work, out);
    }
}

#if EMML_FLOAT_ENABLE
void emml_har_to_f32(const emml_har_config_t *cfg, const int32_t *features, float *out)
{
    const float e_scale = 1.0f / (float)(1u << cfg->energy_frac);
    uint32_t c, s, b;
    for (c = 0u; c < 4u; c++) {
        if (!(cfg->channels & (1u << c))) {
            continue;
        }
        for (s = 0u; s < EMML_HAR_N_STATS; s++) {
            uint32_t bit = 1u << s;
            if (!(cfg->stats & bit)) {
                continue;
            }
            if (bit == EMML_HAR_ENERGY) {
                *out++ = (float)*features++ * e_scale;
            } else if (bit == EMML_HAR_CROSSINGS) {
                *out++ = (float)*features++;
            } else {
                *out++ = (float)*features++ * 0.0625f;
            }
        }
        for (b = 0u; b < cfg->n_bands; b++) {
            *out++ = (float)*features++ * e_scale;
        }
    }
}
#endif
