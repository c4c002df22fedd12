/*
 * nn_i8.c - int8 neural-network kernels with TensorFlow Lite's integer
 * arithmetic (see emml/nn.h for the number formats and rounding).
 *
 * Every kernel accumulates in int32, requantizes with emml_nn_requantize
 * (Q31 multiplier, power-of-two shift, two roundings with gemmlowp's tie
 * rules, as TFLite's MultiplyByQuantizedMultiplier), adds the output zero point and
 * saturates to [act_min, act_max].
 */
#include "emml/nn.h"

static int8_t nn_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

static int32_t nn_out(const emml_nn_requant_t *q, int32_t acc, uint32_t ch)
{
    uint32_t k = q->per_channel ? ch : 0u;
    acc = emml_nn_requantize(acc, q->mult[k], (int32_t)q->shift[k]);
    return acc + q->out_zero;
}

void emml_nn_fc_i8(const emml_nn_fc_i8_t *p, const int8_t *x, int8_t *y)
{
    uint32_t o, i;
    const uint32_t n_in = p->n_in, n_out = p->n_out; /* locals: y may alias nothing, but the compiler cannot know */
    const int8_t *w = p->w;
    for (o = 0u; o < n_out; o++) {
        /* b already holds bias - in_zero * sum(w[o]) (folded by the generator) */
        int32_t acc = p->b[o];
        for (i = 0u; i < n_in; i++) {
            acc += (int32_t)x[i] * (int32_t)w[i];
        }
        w += n_in;
        y[o] = nn_clamp(nn_out(&p->q, acc, o), p->q.act_min, p->q.act_max);
    }
}

void emml_nn_conv2d_i8(const emml_nn_conv_i8_t *p, const int8_t *x, int8_t *y)
{
    const emml_nn_window_t *g = &p->g;
    const int32_t zin = p->q.in_zero;
    uint32_t oy, ox, oc, ky, kx, ic;
    for (oy = 0u; oy < g->out_h; oy++) {
        for (ox = 0u; ox < g->out_w; ox++) {
            int32_t y0 = (int32_t)(oy * g->stride_h) - (int32_t)g->pad_top;
            int32_t x0 = (int32_t)(ox * g->stride_w) - (int32_t)g->pad_left;
            for (oc = 0u; oc < g->out_c; oc++) {
                const int8_t *w = p->w + (uint32_t)oc * g->k_h * g->k_w * g->in_c;
                int32_t acc = p->b != 0 ? p->b[oc] : 0;
                for (ky = 0u; ky < g->k_h; ky++) {
                    int32_t iy = y0 + (int32_t)(ky * g->dil_h);
                    if (iy < 0 || iy >= (int32_t)g->in_h) {
                        continue; /* zero padding is in_zero: contributes 0 */
                    }
                    for (kx = 0u; kx < g->k_w; kx++) {
                        int32_t ix = x0 + (int32_t)(kx * g->dil_w);
                        const int8_t *xp;
                        const int8_t *wp;
                        if (ix < 0 || ix >= (int32_t)g->in_w) {
                            continue;
                        }
                        xp = x + ((uint32_t)iy * g->in_w + (uint32_t)ix) * g->in_c;
                        wp = w + (ky * g->k_w + kx) * g->in_c;
                        for (ic = 0u; ic < g->in_c; ic++) {
                            acc += ((int32_t)xp[ic] - zin) * (int32_t)wp[ic];
                        }
                    }
                }
                *y++ = nn_clamp(nn_out(&p->q, acc, oc), p->q.act_min, p->q.act_max);
            }
        }
    }
}

void emml_nn_dwconv2d_i8(const emml_nn_conv_i8_t *p, const int8_t *x, int8_t *y)
{
    const emml_nn_window_t *g = &p->g;
    const int32_t zin = p->q.in_zero;
    uint32_t oy, ox, ky, kx;
    for (oy = 0u; oy < g->out_h; oy++) {
        for (ox = 0u; ox < g->out_w; ox++) {
            int32_t y0 = (int32_t)(oy * g->stride_h) - (int32_t)g->pad_top;
            int32_t x0 = (int32_t)(ox * g->stride_w) - (int32_t)g->pad_left;
            uint32_t ic, m, oc = 0u;
            for (ic = 0u; ic < g->in_c; ic++) {
                for (m = 0u; m < g->depth_mult; m++, oc++) {
                    int32_t acc = p->b != 0 ? p->b[oc] : 0;
                    for (ky = 0u; ky < g->k_h; ky++) {
                        int32_t iy = y0 + (int32_t)(ky * g->dil_h);
                        if (iy < 0 || iy >= (int32_t)g->in_h) {
                            continue;
                        }
                        for (kx = 0u; kx < g->k_w; kx++) {
                            int32_t ix = x0 + (int32_t)(kx * g->dil_w);
                            if (ix < 0 || ix >= (int32_t)g->in_w) {
                                continue;
                            }
                            acc += ((int32_t)x[((uint32_t)iy * g->in_w + (uint32_t)ix) * g->in_c + ic] - zin) *
                                   (int32_t)p->w[(ky * g->k_w + kx) * g->out_c + oc];
                        }
                    }
                    *y++ = nn_clamp(nn_out(&p->q, acc, oc), p->q.act_min, p->q.act_max);
                }
            }
        }
    }
}

/* Pooling window clipped to the input: [*lo, *hi) along one axis. */
static void nn_span(uint32_t o, uint32_t stride, uint32_t pad, uint32_t k, uint32_t n, uint32_t *lo, uint32_t *hi)
{
    int32_t a = (int32_t)(o * stride) - (int32_t)pad;
    int32_t b = a + (int32_t)k;
    *lo = a < 0 ? 0u : (uint32_t)a;
    *hi = b > (int32_t)n ? n : (uint32_t)b;
}

void emml_nn_maxpool_i8(const emml_nn_pool_i8_t *p, const int8_t *x, int8_t *y)
{
    const emml_nn_window_t *g = &p->g;
    uint32_t oy, ox, c, iy, ix, y_lo, y_hi, x_lo, x_hi;
    for (oy = 0u; oy < g->out_h; oy++) {
        nn_span(oy, g->stride_h, g->pad_top, g->k_h, g->in_h, &y_lo, &y_hi);
        for (ox = 0u; ox < g->out_w; ox++) {
            nn_span(ox, g->stride_w, g->pad_left, g->k_w, g->in_w, &x_lo, &x_hi);
            for (c = 0u; c < g->in_c; c++) {
                int32_t m = -128;
                for (iy = y_lo; iy < y_hi; iy++) {
                    for (ix = x_lo; ix < x_hi; ix++) {
                        int32_t v = x[(iy * g->in_w + ix) * g->in_c + c];
                        m = v > m ? v : m;
                    }
                }
                *y++ = nn_clamp(m, p->act_min, p->act_max);
            }
        }
    }
}

/* Rounded division, ties away from zero (TFLite's average pool rounding). */
static int32_t nn_div_round(int32_t a, int32_t n)
{
    return a > 0 ? (a + n / 2) / n : (a - n / 2) / n;
}

void emml_nn_avgpool_i8(const emml_nn_pool_i8_t *p, const int8_t *x, int8_t *y)
{
    const emml_nn_window_t *g = &p->g;
    uint32_t oy, ox, c, iy, ix, y_lo, y_hi, x_lo, x_hi;
    for (oy = 0u; oy < g->out_h; oy++) {
        nn_span(oy, g->stride_h, g->pad_top, g->k_h, g->in_h, &y_lo, &y_hi);
        for (ox = 0u; ox < g->out_w; ox++) {
            int32_t count;
            nn_span(ox, g->stride_w, g->pad_left, g->k_w, g->in_w, &x_lo, &x_hi);
            count = (int32_t)((y_hi - y_lo) * (x_hi - x_lo));
            for (c = 0u; c < g->in_c; c++) {
                int32_t acc = 0;
                for (iy = y_lo; iy < y_hi; iy++) {
                    for (ix = x_lo; ix < x_hi; ix++) {
                        acc += x[(iy * g->in_w + ix) * g->in_c + c];
                    }
                }
                *y++ = nn_clamp(count > 0 ? nn_div_round(acc, count) : 0, p->act_min, p->act_max);
            }
        }
    }
}

void emml_nn_mean_i8(const emml_nn_mean_i8_t *p, const int8_t *x, int8_t *y)
{
    uint32_t c, k;
    for (c = 0u; c < p->depth; c++) {
        int32_t acc = 0;
        for (k = 0u; k < p->n_pos; k++) {
            acc += x[k * p->depth + c];
        }
        acc -= p->in_zero * (int32_t)p->n_pos;
        acc = emml_nn_requantize(acc, p->mult, p->shift) + p->out_zero;
        y[c] = nn_clamp(acc, -128, 127);
    }
}

/* ---- gemmlowp-style fixed point (Q(m).(31-m) in int32) ----------------
 * Additions wrap (done in uint32_t); they never overflow for the ranges the
 * callers use. Multiplying Qa by Qb gives Q(a+b): emml_nn_srdhm. */

static int32_t fx_add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static int32_t fx_sub(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

/* x * 2^e, e > 0, saturating (gemmlowp SaturatingRoundingMultiplyByPOT). */
static int32_t fx_shl_sat(int32_t x, int32_t e)
{
    int32_t threshold = (int32_t)(((uint32_t)1 << (31 - e)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << e);
}

/* exp(a) for a in [-1/4, 0), Q0.31 -> Q0.31: Taylor series around -1/8. */
static int32_t fx_exp_quarter(int32_t a)
{
    const int32_t exp_m1_8 = 1895147668; /* e^(-1/8) in Q0.31 */
    const int32_t one_third = 715827883; /* 1/3 in Q0.31 */
    int32_t x = fx_add(a, (int32_t)1 << 28);
    int32_t x2 = emml_nn_srdhm(x, x);
    int32_t x3 = emml_nn_srdhm(x2, x);
    int32_t x4 = emml_nn_srdhm(x2, x2);
    int32_t x4_4 = emml_nn_rdivpot(x4, 2);
    int32_t poly = emml_nn_rdivpot(fx_add(emml_nn_srdhm(fx_add(x4_4, x3), one_third), x2), 1);
    return fx_add(exp_m1_8, emml_nn_srdhm(exp_m1_8, fx_add(x, poly)));
}

int32_t emml_nn_fx_exp_neg(int32_t a, int32_t int_bits)
{
    /* e^(-2^k) in Q0.31 for k = -2..4 */
    static const int32_t barrel[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    const int32_t frac_bits = 31 - int_bits;
    const int32_t quarter = (int32_t)1 << (frac_bits - 2);
    int32_t a_mod = fx_sub(a & (quarter - 1), quarter);
    int32_t result = fx_exp_quarter(int_bits > 0 ? fx_shl_sat(a_mod, int_bits) : a_mod);
    int32_t rem = fx_sub(a_mod, a);
    int32_t k;
    for (k = -2; k <= 4; k++) {
        if (int_bits > k && (rem & ((int32_t)1 << (frac_bits + k))) != 0) {
            result = emml_nn_srdhm(result, barrel[k + 2]);
        }
    }
    if (int_bits > 5 && a < -((int32_t)1 << (36 - int_bits))) {
        result = 0; /* below -32: e^a is 0 in Q0.31 */
    }
    return a == 0 ? INT32_MAX : result;
}

/* Newton-Raphson: x ~= 2 / (1 + a) in Q2.29, three iterations from 48/17 - 32/17 d. */
static int32_t fx_two_over_one_plus(int32_t a)
{
    int64_t s = (int64_t)a + INT32_MAX;
    int32_t half_den = (int32_t)((s + (s >= 0 ? 1 : -1)) / 2); /* rounding half sum */
    int32_t x = fx_add(1515870810, emml_nn_srdhm(half_den, -1010580540));
    int i;
    for (i = 0; i < 3; i++) {
        int32_t hdx = emml_nn_srdhm(half_den, x);
        int32_t one_minus = fx_sub((int32_t)1 << 29, hdx);
        x = fx_add(x, fx_shl_sat(emml_nn_srdhm(x, one_minus), 2));
    }
    return x;
}

int32_t emml_nn_fx_one_over_one_plus(int32_t a)
{
    /* x / 2 in Q1.30 rescaled to Q0.31: the raw value shifted left once */
    return fx_shl_sat(fx_two_over_one_plus(a), 1);
}

/* logistic(a), a in Q4.27 -> Q0.31 */
static int32_t fx_logistic(int32_t a)
{
    int32_t pos;
    if (a == 0) {
        return (int32_t)1 << 30;
    }
    pos = emml_nn_fx_one_over_one_plus(emml_nn_fx_exp_neg(a > 0 ? -a : a, 4));
    return a > 0 ? pos : fx_sub(INT32_MAX, pos);
}

/* tanh(a), a in Q4.27 -> Q0.31 */
static int32_t fx_tanh(int32_t a)
{
    int32_t n, t;
    if (a == 0) {
        return 0;
    }
    n = a < 0 ? a : -a;
    /* (1 - e) / (1 + e) with e = exp(2n): 2n is n read as Q5.26 */
    t = fx_shl_sat(fx_sub(fx_two_over_one_plus(emml_nn_fx_exp_neg(n, 5)), (int32_t)1 << 29), 2);
    return a < 0 ? -t : t;
}

void emml_nn_logistic_i8(const emml_nn_sigmoid_i8_t *p, const int8_t *x, int8_t *y, uint32_t n)
{
    uint32_t i;
    for (i = 0u; i < n; i++) {
        int32_t v = (int32_t)x[i] - p->in_zero;
        if (v <= -p->radius) {
            y[i] = -128;
        } else if (v >= p->radius) {
            y[i] = 127;
        } else {
            int32_t q = fx_logistic(emml_nn_requantize(v, p->mult, p->shift));
            y[i] = nn_clamp(emml_nn_rdivpot(q, 23) - 128, -128, 127);
        }
    }
}

void emml_nn_tanh_i8(const emml_nn_sigmoid_i8_t *p, const int8_t *x, int8_t *y, uint32_t n)
{
    uint32_t i;
    for (i = 0u; i < n; i++) {
        int32_t v = (int32_t)x[i] - p->in_zero;
        if (v <= -p->radius) {
            y[i] = -128;
        } else if (v >= p->radius) {
            y[i] = 127;
        } else {
            int32_t q = fx_tanh(emml_nn_requantize(v, p->mult, p->shift));
            y[i] = nn_clamp(emml_nn_rdivpot(q, 24), -128, 127);
        }
    }
}

static uint32_t nn_clz(uint32_t v)
{
    uint32_t n = 0u;
    if (v == 0u) {
        return 32u;
    }
    while ((v & 0x80000000u) == 0u) {
        v <<= 1;
        n++;
    }
    return n;
}

void emml_nn_softmax_i8(const emml_nn_softmax_i8_t *p, const int8_t *x, int8_t *y)
{
    uint32_t r, c;
    for (r = 0u; r < p->rows; r++) {
        const int8_t *xr = x + r * p->depth;
        int8_t *yr = y + r * p->depth;
        int32_t top = -128, sum = 0, scale, bits_over;
        uint32_t head;
        for (c = 0u; c < p->depth; c++) {
            top = xr[c] > top ? xr[c] : top;
        }
        /* sum of exp(diff) in Q12.19 */
        for (c = 0u; c < p->depth; c++) {
            int32_t d = (int32_t)xr[c] - top;
            if (d >= p->diff_min) {
                int32_t e = emml_nn_fx_exp_neg(emml_nn_srdhm((int32_t)((uint32_t)d << p->shift), p->mult), 5);
                sum = fx_add(sum, emml_nn_rdivpot(e, 12));
            }
        }
        /* 1 / sum: normalize sum to [1, 2) and take 1 / (1 + frac) */
        head = nn_clz((uint32_t)sum);
        bits_over = 12 - (int32_t)head;
        scale = emml_nn_fx_one_over_one_plus((int32_t)(((uint32_t)sum << head) - 0x80000000u));
        for (c = 0u; c < p->depth; c++) {
            int32_t d = (int32_t)xr[c] - top;
            if (d >= p->diff_min) {
                int32_t e = emml_nn_fx_exp_neg(emml_nn_srdhm((int32_t)((uint32_t)d << p->shift), p->mult), 5);
                int32_t o = emml_nn_rdivpot(emml_nn_srdhm(scale, e), bits_over + 23 > 31 ? 31 : bits_over + 23) - 128;
                yr[c] = nn_clamp(o, -128, 127);
            } else {
                yr[c] = -128;
            }
        }
    }
}

void emml_nn_leaky_i8(const emml_nn_leaky_i8_t *p, const int8_t *x, int8_t *y, uint32_t n)
{
    uint32_t i;
    for (i = 0u; i < n; i++) {
        int32_t v = (int32_t)x[i] - p->in_zero;
        int32_t o = v >= 0 ? emml_nn_requantize(v, p->mult_pos, p->shift_pos)
                           : emml_nn_requantize(v, p->mult_neg, p->shift_neg);
        y[i] = nn_clamp(o + p->out_zero, -128, 127);
    }
}

void emml_nn_requant_i8(const emml_nn_requant_t *q, const int8_t *x, int8_t *y, uint32_t n)
{
    uint32_t i;
    for (i = 0u; i < n; i++) {
        int32_t o = emml_nn_requantize((int32_t)x[i] - q->in_zero, q->mult[0], (int32_t)q->shift[0]);
        y[i] = nn_clamp(o + q->out_zero, q->act_min, q->act_max);
    }
}

uint32_t emml_nn_argmax_i8(const int8_t *v, uint32_t n)
{
    uint32_t i, best = 0u;
    for (i = 1u; i < n; i++) {
        if (v[i] > v[best]) {
            best = i;
        }
    }
    return best;
}

/* round(v) ties away from zero without libm; |v| < 2^30 */
static int32_t nn_round(float v)
{
    int32_t t = (int32_t)v;
    float f = v - (float)t; /* exact */
    if (f >= 0.5f) {
        t++;
    } else if (f <= -0.5f) {
        t--;
    }
    return t;
}

void emml_nn_quantize_f32(const float *x, int8_t *y, uint32_t n, float scale, int32_t zero)
{
    uint32_t i;
    for (i = 0u; i < n; i++) {
        float v = x[i] / scale;
        int32_t q;
        if (!(v == v)) {
            q = 0;
        } else if (v > 1024.0f) {
            q = 1024;
        } else if (v < -1024.0f) {
            q = -1024;
        } else {
            q = nn_round(v);
        }
        y[i] = nn_clamp(q + zero, -128, 127);
    }
}

void emml_nn_dequantize_f32(const int8_t *x, float *y, uint32_t n, float scale, int32_t zero)
{
    uint32_t i;
    for (i = 0u; i < n; i++) {
        y[i] = scale * (float)((int32_t)x[i] - zero);
    }
}
