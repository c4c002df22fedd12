/*
 * nn_f32.c - float32 neural-network kernels (see emml/nn.h).
 *
 * Accumulation order: bias first, then the kernel window in memory order of
 * the weights. No libm: sigmoid/softmax come from emml/mathf.h, tanh from
 * emml_nn_tanhf below.
 */
#include "emml/nn.h"

#if EMML_FLOAT_ENABLE

#include "emml/mathf.h"

float emml_nn_tanhf(float x)
{
    float ax = x < 0.0f ? -x : x;
    float e, t;
    if (ax < 2.44140625e-4f) { /* 2^-12: tanh x = x (1 - x^2/3) rounds to x */
        return x;
    }
    if (ax > 9.1f) { /* tanh(9.1) rounds to 1 in float32 */
        return x < 0.0f ? -1.0f : 1.0f;
    }
    /* tanh |x| = (1 - e) / (1 + e), e = e^(-2|x|) in (0, 1): no overflow;
     * absolute error <= 3e-7 (2 ulp expf, one rounding per operation). */
    e = emml_expf(-2.0f * ax);
    t = (1.0f - e) / (1.0f + e);
    return x < 0.0f ? -t : t;
}

float emml_nn_act_f32(float v, uint8_t act, float alpha)
{
    switch (act) {
    case EMML_NN_ACT_RELU:
        return v > 0.0f ? v : 0.0f;
    case EMML_NN_ACT_RELU6:
        return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
    case EMML_NN_ACT_LEAKY:
        return v >= 0.0f ? v : alpha * v;
    case EMML_NN_ACT_SIGMOID:
        return emml_sigmoidf(v);
    case EMML_NN_ACT_TANH:
        return emml_nn_tanhf(v);
    default:
        return v;
    }
}

void emml_nn_dense_f32(const emml_nn_dense_f32_t *p, const float *x, float *y)
{
    uint32_t o, i;
    const float *w = p->w;
    for (o = 0u; o < p->n_out; o++) {
        float acc = p->b != 0 ? p->b[o] : 0.0f;
        for (i = 0u; i < p->n_in; i++) {
            acc += x[i] * w[i];
        }
        w += p->n_in;
        y[o] = emml_nn_act_f32(acc, p->act, p->alpha);
    }
}

void emml_nn_conv2d_f32(const emml_nn_conv_f32_t *p, const float *x, float *y)
{
    const emml_nn_window_t *g = &p->g;
    uint32_t oy, ox, oc, ky, kx, ic;
    for (oy = 0u; oy < g->out_h; oy++) {
        for (ox = 0u; ox < g->out_w; ox++) {
            int32_t y0 = (int32_t)(oy * g->stride_h) - (int32_t)g->pad_top;
            int32_t x0 = (int32_t)(ox * g->stride_w) - (int32_t)g->pad_left;
            for (oc = 0u; oc < g->out_c; oc++) {
                const float *w = p->w + (uint32_t)oc * g->k_h * g->k_w * g->in_c;
                float acc = p->b != 0 ? p->b[oc] : 0.0f;
                for (ky = 0u; ky < g->k_h; ky++) {
                    int32_t iy = y0 + (int32_t)(ky * g->dil_h);
                    if (iy < 0 || iy >= (int32_t)g->in_h) {
                        continue;
                    }
                    for (kx = 0u; kx < g->k_w; kx++) {
                        int32_t ix = x0 + (int32_t)(kx * g->dil_w);
                        const float *xp;
                        const float *wp;
                        if (ix < 0 || ix >= (int32_t)g->in_w) {
                            continue;
                        }
                        xp = x + ((uint32_t)iy * g->in_w + (uint32_t)ix) * g->in_c;
                        wp = w + (ky * g->k_w + kx) * g->in_c;
                        for (ic = 0u; ic < g->in_c; ic++) {
                            acc += xp[ic] * wp[ic];
                        }
                    }
                }
                *y++ = emml_nn_act_f32(acc, p->act, p->alpha);
            }
        }
    }
}

void emml_nn_dwconv2d_f32(const emml_nn_conv_f32_t *p, const float *x, float *y)
{
    const emml_nn_window_t *g = &p->g;
    uint32_t oy, ox, ky, kx;
    for (oy = 0u; oy < g->out_h; oy++) {
        for (ox = 0u; ox < g->out_w; ox++) {
            int32_t y0 = (int32_t)(oy * g->stride_h) - (int32_t)g->pad_top;
            int32_t x0 = (int32_t)(ox * g->stride_w) - (int32_t)g->pad_left;
            uint32_t ic, m, oc = 0u;
            for (ic = 0u; ic < g->in_c; ic++) {
                for (m = 0u; m < g->depth_mult; m++, oc++) {
                    float acc = p->b != 0 ? p->b[oc] : 0.0f;
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
                            acc += x[((uint32_t)iy * g->in_w + (uint32_t)ix) * g->in_c + ic] *
                                   p->w[(ky * g->k_w + kx) * g->out_c + oc];
                        }
                    }
                    *y++ = emml_nn_act_f32(acc, p->act, p->alpha);
                }
            }
        }
    }
}

static void nn_span(uint32_t o, uint32_t stride, uint32_t pad, uint32_t k, uint32_t n, uint32_t *lo, uint32_t *hi)
{
    int32_t a = (int32_t)(o * stride) - (int32_t)pad;
    int32_t b = a + (int32_t)k;
    *lo = a < 0 ? 0u : (uint32_t)a;
    *hi = b > (int32_t)n ? n : (uint32_t)b;
}

static void nn_pool(const emml_nn_window_t *g, const float *x, float *y, int avg)
{
    uint32_t oy, ox, c, iy, ix, y_lo, y_hi, x_lo, x_hi;
    for (oy = 0u; oy < g->out_h; oy++) {
        nn_span(oy, g->stride_h, g->pad_top, g->k_h, g->in_h, &y_lo, &y_hi);
        for (ox = 0u; ox < g->out_w; ox++) {
            nn_span(ox, g->stride_w, g->pad_left, g->k_w, g->in_w, &x_lo, &x_hi);
            for (c = 0u; c < g->in_c; c++) {
                float acc = avg ? 0.0f : x[(y_lo * g->in_w + x_lo) * g->in_c + c];
                for (iy = y_lo; iy < y_hi; iy++) {
                    for (ix = x_lo; ix < x_hi; ix++) {
                        float v = x[(iy * g->in_w + ix) * g->in_c + c];
                        if (avg) {
                            acc += v;
                        } else if (v > acc) {
                            acc = v;
                        }
                    }
                }
                *y++ = avg ? acc / (float)((y_hi - y_lo) * (x_hi - x_lo)) : acc;
            }
        }
    }
}

void emml_nn_maxpool_f32(const emml_nn_window_t *g, const float *x, float *y)
{
    nn_pool(g, x, y, 0);
}

void emml_nn_avgpool_f32(const emml_nn_window_t *g, const float *x, float *y)
{
    nn_pool(g, x, y, 1);
}

void emml_nn_gap_f32(const float *x, float *y, uint32_t n_pos, uint32_t depth)
{
    uint32_t c, k;
    for (c = 0u; c < depth; c++) {
        float acc = 0.0f;
        for (k = 0u; k < n_pos; k++) {
            acc += x[k * depth + c];
        }
        y[c] = acc / (float)n_pos;
    }
}

void emml_nn_gmp_f32(const float *x, float *y, uint32_t n_pos, uint32_t depth)
{
    uint32_t c, k;
    for (c = 0u; c < depth; c++) {
        float m = x[c];
        for (k = 1u; k < n_pos; k++) {
            float v = x[k * depth + c];
            m = v > m ? v : m;
        }
        y[c] = m;
    }
}

void emml_nn_activate_f32(const float *x, float *y, uint32_t n, uint8_t act, float alpha)
{
    uint32_t i;
    for (i = 0u; i < n; i++) {
        y[i] = emml_nn_act_f32(x[i], act, alpha);
    }
}

void emml_nn_affine_f32(const float *x, float *y, uint32_t n_pos, uint32_t depth, const float *scale,
                        const float *shift)
{
    uint32_t k, c;
    for (k = 0u; k < n_pos; k++) {
        for (c = 0u; c < depth; c++) {
            y[k * depth + c] = x[k * depth + c] * scale[c] + shift[c];
        }
    }
}

void emml_nn_softmax_f32(const float *x, float *y, uint32_t rows, uint32_t depth)
{
    uint32_t r;
    for (r = 0u; r < rows; r++) {
        emml_softmax_f32(x + r * depth, y + r * depth, depth);
    }
}

#else
typedef int emml_nn_f32_disabled_t; /* ISO C: a translation unit is not empty */
#endif /* EMML_FLOAT_ENABLE */
