#include "emml/fft.h"

#include "emml/fixed.h"

static int is_pow2(uint32_t n)
{
    return n != 0u && (n & (n - 1u)) == 0u;
}

static emml_status_t check_sizes(uint32_t table_n, uint32_t n)
{
    if (!is_pow2(n) || n < EMML_FFT_MIN_SIZE || n > EMML_FFT_MAX_SIZE) {
        return EMML_ERR_ARGUMENT;
    }
    if (!is_pow2(table_n) || table_n < n || table_n > EMML_FFT_MAX_SIZE) {
        return EMML_ERR_SHAPE;
    }
    return EMML_OK;
}

/* Bit-reversal permutation of m complex values stored as pairs. */
#define BITREV_PAIRS(T, z, m)                                   \
    do {                                                        \
        uint32_t i_, j_ = 0u, k_;                               \
        for (i_ = 0u; i_ + 1u < (m); i_++) {                    \
            if (i_ < j_) {                                      \
                T r_ = (z)[2u * i_], q_ = (z)[2u * i_ + 1u];    \
                (z)[2u * i_] = (z)[2u * j_];                    \
                (z)[2u * i_ + 1u] = (z)[2u * j_ + 1u];          \
                (z)[2u * j_] = r_;                              \
                (z)[2u * j_ + 1u] = q_;                         \
            }                                                   \
            k_ = (m) >> 1;                                      \
            while (k_ <= j_) {                                  \
                j_ -= k_;                                       \
                k_ >>= 1;                                       \
            }                                                   \
            j_ += k_;                                           \
        }                                                       \
    } while (0)

emml_status_t emml_fft_init_q15(emml_fft_q15_t *fft, const emml_fft_table_q15_t *table, uint32_t n)
{
    emml_status_t st;
    if (fft == NULL || table == NULL || table->twiddle == NULL) {
        return EMML_ERR_NULL;
    }
    st = check_sizes(table->n, n);
    if (st != EMML_OK) {
        return st;
    }
    fft->n = (uint16_t)n;
    fft->stride = (uint16_t)(table->n / n);
    fft->twiddle = table->twiddle;
    return EMML_OK;
}

/* (x + 1) >> 1 saturated: the halving used by every butterfly. */
EMML_INLINE int16_t half_sat(int32_t x)
{
    return emml_sat_q15((x + 1) >> 1);
}

void emml_fft_rfft_q15(const emml_fft_q15_t *fft, int16_t *data)
{
    const uint32_t n = fft->n;
    const uint32_t m = n >> 1; /* complex points */
    const int16_t *tw = fft->twiddle;
    uint32_t half, j, k;

    BITREV_PAIRS(int16_t, data, m);

    /* stage 1: W = 1 */
    for (k = 0u; k < n; k += 4u) {
        int32_t ar = data[k], ai = data[k + 1u], br = data[k + 2u], bi = data[k + 3u];
        data[k] = half_sat(ar + br);
        data[k + 1u] = half_sat(ai + bi);
        data[k + 2u] = half_sat(ar - br);
        data[k + 3u] = half_sat(ai - bi);
    }

    /* stages 2 .. log2(m): butterflies of span `half` (complex values) */
    for (half = 2u; half < m; half <<= 1) {
        /* W_{2 half}^j = W_n^{j * n / (2 half)}: table step in int16 units */
        const uint32_t step = 2u * (uint32_t)fft->stride * (n / (2u * half));
        const uint32_t span = 2u * half; /* int16 offset from a to b */
        const int16_t *w = tw;
        for (j = 0u; j < half; j++, w += step) {
            const int32_t wr = w[0], wi = w[1];
            int16_t *p = data + 2u * j;
            int16_t *end = data + 2u * m;
            for (; p < end; p += 2u * span) {
                int16_t *q = p + span;
                int32_t br = q[0], bi = q[1];
                int32_t tr = (wr * br - wi * bi + 0x4000) >> 15;
                int32_t ti = (wr * bi + wi * br + 0x4000) >> 15;
                int32_t ar = p[0], ai = p[1];
                p[0] = half_sat(ar + tr);
                p[1] = half_sat(ai + ti);
                q[0] = half_sat(ar - tr);
                q[1] = half_sat(ai - ti);
            }
        }
    }

    /* split: spectrum of the real signal from the half-size complex one */
    {
        int32_t r0 = data[0], i0 = data[1];
        data[0] = half_sat(r0 + i0);
        data[1] = half_sat(r0 - i0);
    }
    for (k = 1u; k <= m / 2u; k++) {
        const int16_t *w = tw + 2u * (uint32_t)fft->stride * k;
        const int32_t wr = w[0], wi = w[1];
        int16_t *a = data + 2u * k;
        int16_t *b = data + 2u * (m - k);
        int32_t ar = a[0], ai = a[1], br = b[0], bi = b[1];
        int32_t er = (ar + br + 1) >> 1, ei = (ai - bi + 1) >> 1;
        int32_t or_ = (ai + bi + 1) >> 1, oi = (br - ar + 1) >> 1;
        int32_t tr = (wr * or_ - wi * oi + 0x4000) >> 15;
        int32_t ti = (wr * oi + wi * or_ + 0x4000) >> 15;
        a[0] = half_sat(er + tr);
        a[1] = half_sat(ei + ti);
        b[0] = half_sat(er - tr);
        b[1] = half_sat(ti - ei);
    }
}

void emml_fft_power_q15(const int16_t *spectrum, uint32_t n, uint32_t *power)
{
    uint32_t k;
    int32_t v = spectrum[0];
    power[0] = (uint32_t)(v * v);
    v = spectrum[1];
    power[n / 2u] = (uint32_t)(v * v);
    for (k = 1u; k < n / 2u; k++) {
        int32_t re = spectrum[2u * k], im = spectrum[2u * k + 1u];
        power[k] = (uint32_t)(re * re) + (uint32_t)(im * im);
    }
}

void emml_fft_magnitude_q15(const int16_t *spectrum, uint32_t n, uint16_t *magnitude)
{
    uint32_t k;
    int32_t v = spectrum[0];
    magnitude[0] = (uint16_t)(v < 0 ? -v : v);
    v = spectrum[1];
    magnitude[n / 2u] = (uint16_t)(v < 0 ? -v : v);
    for (k = 1u; k < n / 2u; k++) {
        int32_t re = spectrum[2u * k], im = spectrum[2u * k + 1u];
        magnitude[k] = (uint16_t)emml_isqrt_u32((uint32_t)(re * re) + (uint32_t)(im * im));
    }
}

#if EMML_FLOAT_ENABLE

emml_status_t emml_fft_init_f32(emml_fft_f32_t *fft, const emml_fft_table_f32_t *table, uint32_t n)
{
    emml_status_t st;
    if (fft == NULL || table == NULL || table->twiddle == NULL) {
        return EMML_ERR_NULL;
    }
    st = check_sizes(table->n, n);
    if (st != EMML_OK) {
        return st;
    }
    fft->n = (uint16_t)n;
    fft->stride = (uint16_t)(table->n / n);
    fft->twiddle = table->twiddle;
    return EMML_OK;
}

void emml_fft_rfft_f32(const emml_fft_f32_t *fft, float *data)
{
    const uint32_t n = fft->n;
    const uint32_t m = n >> 1;
    const float *tw = fft->twiddle;
    uint32_t half, j, k;

    BITREV_PAIRS(float, data, m);

    for (half = 1u; half < m; half <<= 1) {
        const uint32_t step = 2u * (uint32_t)fft->stride * (n / (2u * half));
        const uint32_t span = 2u * half;
        const float *w = tw;
        for (j = 0u; j < half; j++, w += step) {
            const float wr = w[0], wi = w[1];
            float *p = data + 2u * j;
            float *end = data + 2u * m;
            for (; p < end; p += 2u * span) {
                float *q = p + span;
                float tr = wr * q[0] - wi * q[1];
                float ti = wr * q[1] + wi * q[0];
                float ar = p[0], ai = p[1];
                p[0] = ar + tr;
                p[1] = ai + ti;
                q[0] = ar - tr;
                q[1] = ai - ti;
            }
        }
    }

    {
        float r0 = data[0], i0 = data[1];
        data[0] = r0 + i0;
        data[1] = r0 - i0;
    }
    for (k = 1u; k <= m / 2u; k++) {
        const float *w = tw + 2u * (uint32_t)fft->stride * k;
        const float wr = w[0], wi = w[1];
        float *a = data + 2u * k;
        float *b = data + 2u * (m - k);
        float er = 0.5f * (a[0] + b[0]), ei = 0.5f * (a[1] - b[1]);
        float or_ = 0.5f * (a[1] + b[1]), oi = 0.5f * (b[0] - a[0]);
        float tr = wr * or_ - wi * oi;
        float ti = wr * oi + wi * or_;
        a[0] = er + tr;
        a[1] = ei + ti;
        b[0] = er - tr;
        b[1] = ti - ei;
    }
}

void emml_fft_power_f32(const float *spectrum, uint32_t n, float *power)
{
    uint32_t k;
    power[0] = spectrum[0] * spectrum[0];
    power[n / 2u] = spectrum[1] * spectrum[1];
    for (k = 1u; k < n / 2u; k++) {
        float re = spectrum[2u * k], im = spectrum[2u * k + 1u];
        power[k] = re * re + im * im;
    }
}

void emml_fft_magnitude_f32(const float *spectrum, uint32_t n, float *magnitude)
{
    uint32_t k;
    emml_fft_power_f32(spectrum, n, magnitude);
    for (k = 0u; k <= n / 2u; k++) {
        magnitude[k] = emml_sqrt_f32(magnitude[k]);
    }
}

#endif /* EMML_FLOAT_ENABLE */
