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

/* The hot loops live in small functions of their own so that gcc -Os gives
 * each all the low registers of a Cortex-M0+ instead of inlining them into
 * loops that then spill to the stack. */
#if defined(__GNUC__)
#define NN_NOINLINE __attribute__((noinline))
#else
#define NN_NOINLINE
#endif

static int8_t nn_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

/* The output stage of a dense or convolution layer, once per output value
 * (channel ch): emml_nn_requantize(acc, mult, shift) (mult >= 0, as every
 * scale ratio is) + out_zero, clamped to [act_min, act_max]; the rounding
 * right shift written out. One function the kernels call, so their loops
 * keep few live registers. */
static NN_NOINLINE int8_t nn_out(const emml_nn_requant_t *q, int32_t acc, uint32_t ch)
{
    const uint32_t k = q->per_channel ? ch : 0u;
    const int32_t shift = q->shift[k];
    int32_t v;
    if (shift > 0) {
        acc = (int32_t)((uint32_t)acc << shift);
    }
    v = emml_nn_srdhm_pos(acc, q->mult[k]);
    if (shift < 0) {
        /* rounding divide by 2^-shift, ties away from zero (emml_nn_rdivpot) */
        uint32_t mask = ((uint32_t)1 << -shift) - 1u;
        uint32_t rem = (uint32_t)v & mask;
        uint32_t threshold = (mask >> 1) + (v < 0 ? 1u : 0u);
        v = (v >> -shift) + (rem > threshold ? 1 : 0);
    }
    return nn_clamp(v + q->out_zero, q->act_min, q->act_max);
}

/* Word loads of 4 int8 lanes. With GCC/clang the word type may alias the
 * int8 data (no strict-aliasing assumption); other compilers assemble the
 * word from bytes, which is correct and slower. */
#if defined(__GNUC__)
typedef uint32_t nn_word_t __attribute__((may_alias));
#define NN_WORD(p) (*(const nn_word_t *)(const void *)(p))
#else
#define NN_WORD(p)                                                                                             \
    ((uint32_t)(uint8_t)(p)[0] | ((uint32_t)(uint8_t)(p)[1] << 8) | ((uint32_t)(uint8_t)(p)[2] << 16) |        \
     ((uint32_t)(uint8_t)(p)[3] << 24))
#endif

/* Signed lane k (0..3, little-endian) of a word: shifting the lane to the
 * top and arithmetically back. Needs two's complement conversions and an
 * arithmetic right shift of negative values (every compiler emml supports; the
 * typedef below refuses to compile otherwise). */
typedef char nn_arithmetic_shift_check[((-8 >> 1) == -4 && (int8_t)0xF0u == -16) ? 1 : -1];
#define NN_LANE0(v) ((int32_t)(int8_t)(v))
#define NN_LANE1(v) ((int32_t)((v) << 16) >> 24)
#define NN_LANE2(v) ((int32_t)((v) << 8) >> 24)
#define NN_LANE3(v) ((int32_t)(v) >> 24)

/* acc + sum over n4 words of the 4 lane products; x and w 4-byte aligned
 * (Cortex-M0+, gcc -Os: 2 loads, 12 lane extractions, 4 multiplies and 4
 * additions per word, about 6.5 cycles per product). */
static NN_NOINLINE int32_t nn_dot_words(const int8_t *x, const int8_t *w, uint32_t n4, int32_t acc)
{
    const int8_t *x_end = x + 4u * n4; /* n4 >= 1 */
    do {
        uint32_t xa = NN_WORD(x), wa = NN_WORD(w);
        x += 4;
        w += 4;
        acc += NN_LANE0(xa) * NN_LANE0(wa);
        acc += NN_LANE1(xa) * NN_LANE1(wa);
        acc += NN_LANE2(xa) * NN_LANE2(wa);
        acc += NN_LANE3(xa) * NN_LANE3(wa);
    } while (x != x_end);
    return acc;
}

/* acc + sum_{i<n} x[i] * w[i] for any alignment: a count-up loop on a
 * negative index keeps the pointers and the counter in registers (about 9
 * cycles per product on Cortex-M0+). */
static NN_NOINLINE int32_t nn_dot_bytes(const int8_t *x, const int8_t *w, uint32_t n, int32_t acc)
{
    int32_t i;
    x += n;
    w += n;
    for (i = -(int32_t)n; i != 0; i++) {
        acc += (int32_t)x[i] * (int32_t)w[i];
    }
    return acc;
}

/* n_out outputs of dot products with the same x: y[o] = out(b[o] + x . w_o),
 * w_o = w + o * w_stride, n products each (int32: the generator checks that
 * no layer can overflow it). Dense layers, and every window position of a
 * convolution. The hot loop: when x, every w_o and n are word-aligned (the
 * generator aligns arrays and buffers) all of it runs in nn_dot_words. */
static NN_NOINLINE int8_t *nn_rows(const emml_nn_requant_t *q, const int8_t *x, const int8_t *w, uint32_t w_stride,
                                   uint32_t n, uint32_t n_out, const int32_t *b, int8_t *y)
{
    const int words = n != 0u && (((uintptr_t)x | (uintptr_t)w | w_stride | n) & 3u) == 0u;
    uint32_t o;
    for (o = 0u; o < n_out; o++, w += w_stride) {
        int32_t acc = words ? nn_dot_words(x, w, n >> 2, b[o]) : nn_dot_bytes(x, w, n, b[o]);
        y[o] = nn_out(q, acc, o);
    }
    return y + n_out;
}

void emml_nn_fc_i8(const emml_nn_fc_i8_t *p, const int8_t *x, int8_t *y)
{
    /* b already holds bias - in_zero * sum(w[o]) (folded by the generator) */
    (void)nn_rows(&p->q, x, p->w, p->n_in, p->n_in, p->n_out, p->b, y);
}

/* dst[0..n) = src[0..n), or the byte fill when src is NULL: words when
 * both are word-aligned, then bytes. */
static void nn_copy(int8_t *dst, const int8_t *src, uint32_t n, int8_t fill)
{
    if (src == 0) {
        for (; n != 0u; n--) {
            *dst++ = fill;
        }
        return;
    }
#if defined(__GNUC__)
    if ((((uintptr_t)dst | (uintptr_t)src) & 3u) == 0u) {
        for (; n >= 4u; n -= 4u, dst += 4, src += 4) {
            *(nn_word_t *)(void *)dst = NN_WORD(src);
        }
    }
#endif
    for (; n != 0u; n--) {
        *dst++ = *src++;
    }
}

/* Gather the window of output position (oy, ox) into buf as
 * [k_h][k_w][in_c], padding taps set to in_zero (the value TFLite pads with;
 * the folded bias then makes them contribute nothing). A kernel row's taps
 * that are in the input are one block copy when dil_w == 1. */
static NN_NOINLINE void nn_im2col(const emml_nn_window_t *g, int32_t zin, const int8_t *x, uint32_t oy, uint32_t ox,
                                  int8_t *buf)
{
    const uint32_t in_c = g->in_c, k_w = g->k_w, row_bytes = (uint32_t)g->in_w * in_c;
    const int32_t x0 = (int32_t)(ox * g->stride_w) - (int32_t)g->pad_left;
    int32_t iy = (int32_t)(oy * g->stride_h) - (int32_t)g->pad_top;
    uint32_t ky, kx, lo, hi;
    /* taps [lo, hi) of a kernel row are inside the input (a contiguous range) */
    for (lo = 0u; lo < k_w && x0 + (int32_t)(lo * g->dil_w) < 0; lo++) {
    }
    for (hi = k_w; hi > lo && x0 + (int32_t)((hi - 1u) * g->dil_w) >= (int32_t)g->in_w; hi--) {
    }
    for (ky = 0u; ky < g->k_h; ky++, iy += g->dil_h, buf += k_w * in_c) {
        const int8_t *row;
        if (iy < 0 || iy >= (int32_t)g->in_h || lo == hi) {
            nn_copy(buf, 0, k_w * in_c, (int8_t)zin);
            continue;
        }
        row = x + (uint32_t)iy * row_bytes;
        nn_copy(buf, 0, lo * in_c, (int8_t)zin);
        if (g->dil_w == 1u) {
            nn_copy(buf + lo * in_c, row + (uint32_t)(x0 + (int32_t)lo) * in_c, (hi - lo) * in_c, 0);
        } else {
            for (kx = lo; kx < hi; kx++) {
                nn_copy(buf + kx * in_c, row + (uint32_t)(x0 + (int32_t)(kx * g->dil_w)) * in_c, in_c, 0);
            }
        }
        nn_copy(buf + hi * in_c, 0, (k_w - hi) * in_c, (int8_t)zin);
    }
}

/* Convolution: per output position one nn_rows over the out_c channels,
 * reading the window straight from x when it is contiguous there (k_h == 1,
 * no padding, no dilation), else from the gathered copy in p->scratch. */
void emml_nn_conv2d_i8(const emml_nn_conv_i8_t *p, const int8_t *x, int8_t *y)
{
    const emml_nn_window_t *g = &p->g;
    const uint32_t n = (uint32_t)g->k_h * g->k_w * g->in_c;
    uint32_t oy, ox;
    for (oy = 0u; oy < g->out_h; oy++) {
        for (ox = 0u; ox < g->out_w; ox++) {
            const int8_t *window;
            if (p->scratch == 0) {
                window = x + (oy * g->stride_h * (uint32_t)g->in_w + ox * g->stride_w) * g->in_c;
            } else {
                nn_im2col(g, p->q.in_zero, x, oy, ox, p->scratch);
                window = p->scratch;
            }
            y = nn_rows(&p->q, window, p->w, n, n, g->out_c, p->b, y);
        }
    }
}

/* Input value of channel c at tap (ky, kx) of a window at (y0, x0): x, or
 * in_zero for a padding tap (what TFLite pads with). */
static int32_t nn_tap(const emml_nn_window_t *g, const int8_t *x, int32_t iy, int32_t ix, uint32_t c, int32_t zin)
{
    if (iy < 0 || iy >= (int32_t)g->in_h || ix < 0 || ix >= (int32_t)g->in_w) {
        return zin;
    }
    return x[((uint32_t)iy * g->in_w + (uint32_t)ix) * g->in_c + c];
}

/* One output channel of a depthwise window, any depth multiplier or
 * alignment: b[oc] + sum over every tap of x * w, padding reading in_zero. */
static NN_NOINLINE int32_t nn_dw_channel(const emml_nn_window_t *g, const int8_t *x, const int8_t *w, int32_t y0,
                                         int32_t x0, uint32_t oc, int32_t acc, int32_t zin)
{
    uint32_t ky, kx;
    const uint32_t c = oc / g->depth_mult;
    for (ky = 0u; ky < g->k_h; ky++) {
        int32_t iy = y0 + (int32_t)(ky * g->dil_h);
        for (kx = 0u; kx < g->k_w; kx++, w += g->out_c) {
            acc += nn_tap(g, x, iy, x0 + (int32_t)(kx * g->dil_w), c, zin) * (int32_t)w[oc];
        }
    }
    return acc;
}

/* acc + sum_{t<n} x[t * step] * w[t * step]: one channel of a depthwise
 * window gathered as [tap][in_c] against weights [tap][out_c] (depth
 * multiplier 1: the same stride). One offset register serves both loads
 * (about 10 cycles per product on Cortex-M0+). */
static NN_NOINLINE int32_t nn_dot_strided(const int8_t *x, const int8_t *w, uint32_t n, uint32_t step, int32_t acc)
{
    const uint32_t end = n * step;
    uint32_t off;
    for (off = 0u; off != end; off += step) {
        acc += (int32_t)x[off] * (int32_t)w[off];
    }
    return acc;
}

/* Depthwise convolution. As for emml_nn_conv2d_i8 the generator folds the
 * input zero point into the bias, b[oc] = bias[oc] - in_zero * sum of
 * w[.][.][oc], so each channel is a plain sum of products over its window's
 * taps with padding read as in_zero. Depth multiplier 1: each window is
 * gathered into p->scratch once, then one strided dot product per channel;
 * other multipliers read x tap by tap. */
void emml_nn_dwconv2d_i8(const emml_nn_conv_i8_t *p, const int8_t *x, int8_t *y)
{
    const emml_nn_window_t *g = &p->g;
    const uint32_t out_c = g->out_c, n_taps = (uint32_t)g->k_h * g->k_w;
    uint32_t oy, ox, oc;
    for (oy = 0u; oy < g->out_h; oy++) {
        int32_t y0 = (int32_t)(oy * g->stride_h) - (int32_t)g->pad_top;
        for (ox = 0u; ox < g->out_w; ox++) {
            int32_t x0 = (int32_t)(ox * g->stride_w) - (int32_t)g->pad_left;
            if (g->depth_mult == 1u && p->scratch != 0) {
                nn_im2col(g, p->q.in_zero, x, oy, ox, p->scratch);
                for (oc = 0u; oc < out_c; oc++) {
                    *y++ = nn_out(&p->q, nn_dot_strided(p->scratch + oc, p->w + oc, n_taps, out_c, p->b[oc]), oc);
                }
            } else {
                for (oc = 0u; oc < out_c; oc++) {
                    *y++ = nn_out(&p->q, nn_dw_channel(g, x, p->w, y0, x0, oc, p->b[oc], p->q.in_zero), oc);
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

void emml_nn_quantize_table_f32(const float *x, int8_t *y, uint32_t n, const int32_t *thresholds, int8_t nan_value)
{
    uint32_t i;
    for (i = 0u; i < n; i++) {
        union {
            float f;
            uint32_t u;
        } v;
        uint32_t lo = 0u;
        int32_t key;
        v.f = x[i];
        if ((v.u & 0x7fffffffu) > 0x7f800000u) {
            y[i] = nan_value;
            continue;
        }
        /* sign and magnitude -> an int32 that orders as the floats do (-0 == +0) */
        key = (v.u & 0x80000000u) != 0u ? -(int32_t)(v.u & 0x7fffffffu) : (int32_t)v.u;
        /* lo = number of the 255 = 2^8 - 1 sorted thresholds <= key: 8 halvings, unrolled */
#define NN_HALVE(step)                                                                                         \
    if (thresholds[lo + (step)-1u] <= key) {                                                                   \
        lo += (step);                                                                                          \
    }
        NN_HALVE(128u)
        NN_HALVE(64u)
        NN_HALVE(32u)
        NN_HALVE(16u)
        NN_HALVE(8u)
        NN_HALVE(4u)
        NN_HALVE(2u)
        NN_HALVE(1u)
#undef NN_HALVE
        y[i] = (int8_t)((int32_t)lo - 128);
    }
}

void emml_nn_dequantize_f32(const int8_t *x, float *y, uint32_t n, float scale, int32_t zero)
{
    uint32_t i;
    for (i = 0u; i < n; i++) {
        y[i] = scale * (float)((int32_t)x[i] - zero);
    }
}
