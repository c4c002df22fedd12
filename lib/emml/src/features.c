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

/* Hoare quickselect: afterwards *k holds the k-th smallest of lo..hi
 * (inclusive), everything before it is <= *k, everything after >= *k.
 * Pointers instead of indices: one load per scan step on Cortex-M0+. The
 * median-of-three pivot puts sentinels at both ends, so the scans stay
 * within lo..hi (j never goes below lo, i at most one past hi). */
static void select_kth(uint16_t *lo, uint16_t *hi, const uint16_t *k)
{
    while (lo < hi) {
        uint16_t *i = lo, *j = hi, *mid = lo + (hi - lo) / 2;
        uint16_t pivot, t;
        if (*mid < *lo) {
            t = *mid; *mid = *lo; *lo = t;
        }
        if (*hi < *lo) {
            t = *hi; *hi = *lo; *lo = t;
        }
        if (*hi < *mid) {
            t = *hi; *hi = *mid; *mid = t;
        }
        pivot = *mid;
        while (i <= j) {
            while (*i < pivot) {
                i++;
            }
            while (*j > pivot) {
                j--;
            }
            if (i <= j) {
                t = *i; *i = *j; *j = t;
                i++;
                if (j == lo) { /* j would leave the range: the partition is done */
                    break;
                }
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

/* Minimum of a[0 .. len-1], len >= 1. */
static uint32_t min_u16(const uint16_t *a, uint32_t len)
{
    const uint16_t *end = a + len;
    uint32_t m = *a++;
    for (; a < end; a++) {
        m = *a < m ? *a : m;
    }
    return m;
}

/* The k-th and (k+1)-th smallest (0-based, k + 1 < n when want_next) of
 * a[0 .. n-1], already partitioned at `split` (a[split] is the split-th
 * smallest, the values before it <= it, after it >= it): the search stays on
 * one side of the split. Sets *next to the (k+1)-th when want_next. */
static uint32_t order_stat(uint16_t *a, uint32_t n, uint32_t split, uint32_t k, int want_next, uint32_t *next)
{
    uint32_t first, last; /* the side of the split holding k */
    if (k == split) {
        first = split;
        last = split;
    } else if (k < split) {
        first = 0u;
        last = split - 1u;
    } else {
        first = split + 1u;
        last = n - 1u;
    }
    select_kth(a + first, a + last, a + k);
    if (want_next) {
        if (k == split) { /* the smallest of the upper side */
            *next = min_u16(a + k + 1u, n - 1u - k);
        } else if (k < last) { /* a[k+1 .. last] are all >= the k-th */
            *next = min_u16(a + k + 1u, last - k);
        } else { /* k == last on the lower side: next is the split itself */
            *next = a[last + 1u];
        }
    }
    return a[k];
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

static int32_t sat_i32(uint64_t v)
{
    return v > 0x7FFFFFFFu ? INT32_MAX : (int32_t)v;
}

/* v / n; a 32-bit division when v fits in 32 bits (the usual case here:
 * libgcc's 64-bit division is several times slower on a Cortex-M0+). */
static uint64_t div_u64(uint64_t v, uint32_t n)
{
    return (v >> 32) == 0u ? (uint64_t)((uint32_t)v / n) : v / n;
}

/* FFT band energies of one channel (see emml/features.h, "bands"): the
 * centred, block-scaled samples go straight to their bit-reversed places
 * (zero padded), so the FFT needs no permutation pass. */
static int32_t *band_features(const emml_har_config_t *cfg, const channel_t *ch, uint32_t mq, uint32_t umin,
                              uint32_t umax, int16_t *work, int32_t *out)
{
    const uint32_t n = cfg->n, nf = cfg->fft.n, half = nf / 2u, stride = ch->stride, flip = ch->flip;
    const int16_t *p;
    /* max |16 u - mq| is at the smallest or the largest u (mq lies between) */
    const uint32_t maxabs = 16u * umax - mq > mq - 16u * umin ? 16u * umax - mq : mq - 16u * umin;
    uint32_t i, r, b;
    int32_t sh, mult, rnd;
    unsigned rsh;
    int e;

    if (maxabs == 0u) {
        for (b = 0u; b < cfg->n_bands; b++) {
            *out++ = 0;
        }
        return out;
    }
    sh = (int32_t)emml_clz32(maxabs) - 18; /* largest |c| 2^sh in [2^13, 2^14) */
    /* c 2^sh, or (c + 2^(-sh-1)) >> -sh when sh < 0: (c mult + rnd) >> rsh */
    mult = sh >= 0 ? (int32_t)1 << sh : 1;
    rsh = sh >= 0 ? 0u : (unsigned)-sh;
    rnd = sh >= 0 ? 0 : (int32_t)1 << (rsh - 1u);
    p = ch->p;
    for (i = 0u, r = 0u; i < half; i++) {
        int16_t *o = work + 2u * r;
        uint32_t bit = half >> 1;
        uint32_t t;
        for (t = 0u; t < 2u; t++) {
            int32_t v = 0;
            if (2u * i + t < n) {
                int32_t c = (int32_t)(16u * ((uint32_t)(uint16_t)*p ^ flip)) - (int32_t)mq;
                v = (c * mult + rnd) >> rsh;
                p += stride;
            }
            o[t] = (int16_t)v;
        }
        while (r & bit) { /* r = next bit-reversed pair index */
            r ^= bit;
            bit >>= 1;
        }
        r |= bit;
    }
    emml_fft_rfft_bitrev_q15(&cfg->fft, work);
    e = (int)cfg->energy_frac - 2 * (int)sh - 8 + (int)(31u - emml_clz32(nf));
    for (b = 0u; b < cfg->n_bands; b++) {
        uint32_t k = cfg->bands[2u * b], k1 = cfg->bands[2u * b + 1u];
        const uint32_t kmid = k1 < half ? k1 : half;
        uint64_t mid = 0u, pw;
        uint32_t ends = 0u; /* bins 0 and n_fft/2 count once, the others twice */
        if (k == 0u) {
            ends += (uint32_t)((int32_t)work[0] * work[0]);
            k = 1u;
        }
        for (; k < kmid; k++) {
            int32_t re = work[2u * k], im = work[2u * k + 1u];
            mid += (uint32_t)(re * re) + (uint32_t)(im * im);
        }
        if (k1 > half) {
            ends += (uint32_t)((int32_t)work[1] * work[1]);
        }
        pw = 2u * mid + ends;
        if (e >= 0) {
            *out++ = sat_i32(div_u64(pw << e, n));
        } else {
            *out++ = sat_i32(e <= -64 ? 0u : div_u64(pw, n) >> -e);
        }
    }
    return out;
}

static int32_t *channel_features(const emml_har_config_t *cfg, const channel_t *ch, int16_t *work,
                                 int32_t *out)
{
    const uint32_t n = cfg->n, stats = cfg->stats, stride = ch->stride, flip = ch->flip;
    const unsigned ef = cfg->energy_frac;
    const int16_t *p = ch->p;
    uint32_t i, s1 = 0u, umin = 0xFFFFu, umax = 0u, mq;
    uint64_t s2 = 0u;
    int32_t mean_q4, d;

    for (i = 0u; i < n; i++, p += stride) {
        uint32_t u = (uint32_t)(uint16_t)*p ^ flip;
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
        uint64_t ms = div_u64(a, n); /* mean square, Q8 */
        if (stats & EMML_HAR_RMS) {
            *out++ = (int32_t)emml_isqrt_u64(ms);
        }
        if (stats & EMML_HAR_ENERGY) {
            *out++ = sat_i32(ms >> (8u - ef));
        }
    }
    if (stats & EMML_HAR_CROSSINGS) {
        int32_t count = 0;
        uint32_t prev;
        p = ch->p;
        prev = 16u * ((uint32_t)(uint16_t)*p ^ flip) >= mq;
        for (i = 1u, p += stride; i < n; i++, p += stride) {
            uint32_t cur = 16u * ((uint32_t)(uint16_t)*p ^ flip) >= mq;
            count += (int32_t)(cur ^ prev);
            prev = cur;
        }
        *out++ = count;
    }
    if (stats & (EMML_HAR_Q25 | EMML_HAR_MEDIAN | EMML_HAR_Q75)) {
        /* quartiles: quickselect on a copy (as uint16) in the FFT buffer.
         * The median's position is selected first; the other quartiles then
         * search only their side of it. */
        uint16_t *a = (uint16_t *)work;
        const uint32_t split = (2u * (n - 1u)) >> 2;
        uint32_t k;
        for (i = 0u, p = ch->p; i < n; i++, p += stride) {
            a[i] = (uint16_t)((uint32_t)(uint16_t)*p ^ flip);
        }
        select_kth(a, a + n - 1u, a + split);
        for (k = 1u; k <= 3u; k++) {
            uint32_t pk = k * (n - 1u), lo = pk >> 2, r = pk & 3u;
            uint32_t s_lo, s_hi = 0u;
            if (!(stats & (EMML_HAR_Q25 << (k - 1u)))) {
                continue;
            }
            s_lo = order_stat(a, n, split, lo, r != 0u, &s_hi);
            if (r == 0u) {
                s_hi = s_lo;
            }
            *out++ = (int32_t)(16u * s_lo + 4u * r * (s_hi - s_lo)) - d;
        }
    }
    if (cfg->n_bands != 0u) {
        out = band_features(cfg, ch, mq, umin, umax, work, out);
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
