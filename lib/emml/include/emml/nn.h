/*
 * emml/nn.h - neural-network layer kernels, float32 and int8.
 *
 * The generated model file (emml.nn) calls these kernels one layer after the
 * other on buffers it planned at conversion time; nothing here allocates.
 *
 * Tensor layout: channels last (NHWC without N). A 1-D layer (Conv1D,
 * pooling 1D) is a 2-D one with height 1; a dense layer sees a flat vector.
 *
 * float32 kernels (emml_nn_*_f32): straightforward loops, accumulation in
 * float32 in the order bias + sum over the kernel window; sigmoid, tanh and
 * softmax use emml/mathf.h (no libm), see emml_nn_tanhf for its error bound.
 *
 * int8 kernels (emml_nn_*_i8): the integer arithmetic of TensorFlow Lite
 * (Micro)'s reference kernels, so the outputs are bit-exact with its
 * interpreter on the same .tflite file:
 *   - asymmetric int8 activations (value = scale * (q - zero_point)),
 *     symmetric int8 weights, per-channel or per-tensor, int32 bias with
 *     scale = input_scale * weight_scale and zero point 0;
 *   - int32 accumulators; requantization acc -> out by a Q31 multiplier and a
 *     power-of-two shift (emml_nn_requantize: rounding doubling high multiply,
 *     then rounding divide by a power of two, each with gemmlowp's tie rule);
 *   - clamp to [act_min, act_max] (the fused ReLU/ReLU6 range) after adding
 *     the output zero point.
 * No kernel here overflows its int32 accumulator for layers with fewer than
 * 2^31 / (255 * 128) = 65793 products per output (checked by the generator).
 */
#ifndef EMML_NN_H
#define EMML_NN_H

#include <stdint.h>

#include "emml/config.h"
#include "emml/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Layout version of the kernel structures below; generated model files
 * refuse to compile against another one (regenerate them with emml). */
#define EMML_NN_ABI 2

/* 4-byte alignment of the generated int8 weight arrays and arenas: the dense
 * and convolution kernels read aligned data a word (4 values) at a time and
 * fall back to a byte loop otherwise (other compilers: always bytes). */
#if defined(__GNUC__)
#define EMML_NN_ALIGN __attribute__((aligned(4)))
#else
#define EMML_NN_ALIGN
#endif

/* Element-wise activation fused into a float layer's output loop. */
typedef enum {
    EMML_NN_ACT_NONE = 0,
    EMML_NN_ACT_RELU = 1,    /* max(x, 0) */
    EMML_NN_ACT_RELU6 = 2,   /* min(max(x, 0), 6) */
    EMML_NN_ACT_LEAKY = 3,   /* x >= 0 ? x : alpha * x */
    EMML_NN_ACT_SIGMOID = 4, /* 1 / (1 + e^-x) */
    EMML_NN_ACT_TANH = 5
} emml_nn_act_t;

/* Window geometry of a convolution or pooling layer (2-D; 1-D has in_h ==
 * out_h == k_h == 1). pad_top/pad_left are the zero (or ignored) rows and
 * columns before the input, as TensorFlow's SAME/VALID padding gives them. */
typedef struct {
    uint16_t in_h, in_w, in_c;
    uint16_t out_h, out_w, out_c;
    uint8_t k_h, k_w;
    uint8_t stride_h, stride_w;
    uint8_t dil_h, dil_w;
    uint8_t pad_top, pad_left;
    uint16_t depth_mult; /* depthwise: out_c == in_c * depth_mult; else 1 */
} emml_nn_window_t;

/* ------------------------------------------------------------------ int8 */

/* Requantization of one layer (TFLite conventions). mult/shift hold one
 * entry per output channel when per_channel is 1, else one entry. */
typedef struct {
    int32_t in_zero;  /* input zero point (subtracted from every input) */
    int32_t out_zero; /* output zero point (added after requantization) */
    int32_t act_min;  /* clamp range after adding out_zero */
    int32_t act_max;
    const int32_t *mult; /* Q31 multipliers in [2^30, 2^31) (or 0) */
    const int8_t *shift; /* power-of-two exponents: > 0 left, < 0 right */
    uint8_t per_channel;
} emml_nn_requant_t;

/* Fully connected: y[o] = requant(b[o] + sum_i x[i] * w[o][i]), where the
 * generator folds the input zero point into the bias:
 * b[o] = bias[o] - in_zero * sum_i w[o][i] (exact in int32), so the inner
 * loop is a plain int8 dot product. q.in_zero is informational. */
typedef struct {
    uint16_t n_in, n_out;
    const int8_t *w;  /* [n_out][n_in] */
    const int32_t *b; /* [n_out], never NULL */
    emml_nn_requant_t q;
} emml_nn_fc_i8_t;

/* Convolution (w: [out_c][k_h][k_w][in_c]) or depthwise convolution
 * (w: [k_h][k_w][out_c], out channel = in channel * depth_mult + m).
 * b[oc] = bias[oc] - in_zero * (sum of the weights of channel oc), folded by
 * the generator as for emml_nn_fc_i8_t: the kernels sum x * w over every tap
 * of a window, reading padding as in_zero (TFLite's padding value).
 * conv2d: scratch holds k_h * k_w * in_c bytes (4-byte aligned) where the
 * kernel gathers a window that is not contiguous in x (rows of a 2-D
 * kernel, padding, dilation); NULL when k_h == 1 and the layer has no
 * padding and no dilation. dwconv2d: the same gather buffer when
 * depth_mult == 1, else NULL. */
typedef struct {
    emml_nn_window_t g;
    const int8_t *w;
    const int32_t *b; /* [out_c] */
    emml_nn_requant_t q;
    int8_t *scratch;
} emml_nn_conv_i8_t;

/* Average pooling: in and out quantization are the same (TFLite requires it);
 * act_min/act_max clamp the rounded mean. */
typedef struct {
    emml_nn_window_t g;
    int32_t act_min, act_max;
} emml_nn_pool_i8_t;

/* Mean over the spatial positions of each channel (GlobalAveragePooling):
 * TFLite's MEAN with its 1/count folded into the multiplier. */
typedef struct {
    uint16_t n_pos, depth;
    int32_t in_zero, out_zero;
    int32_t mult; /* input_scale / output_scale / n_pos as Q31 * 2^shift */
    int32_t shift;
} emml_nn_mean_i8_t;

/* Logistic and tanh: input rescaled to Q4.27, gemmlowp fixed-point
 * function, rounded to int8. Inputs beyond +-radius saturate. */
typedef struct {
    int32_t in_zero;
    int32_t radius;
    int32_t mult;
    int32_t shift; /* left shift, >= 0 */
} emml_nn_sigmoid_i8_t;

/* Softmax over the last axis (output scale 1/256, zero point -128). */
typedef struct {
    uint16_t rows, depth;
    int32_t mult;  /* beta * input_scale in Q5.26, as Q31 multiplier */
    int32_t shift; /* left shift, >= 0 */
    int32_t diff_min;
} emml_nn_softmax_i8_t;

/* Leaky ReLU: separate multipliers for x >= zero and x < zero. */
typedef struct {
    int32_t in_zero, out_zero;
    int32_t mult_pos, shift_pos;
    int32_t mult_neg, shift_neg;
} emml_nn_leaky_i8_t;

/* Rounding doubling high multiply: a * b / 2^31 rounded to nearest (ties:
 * +0.5 rounds up, -0.5 rounds toward zero, from the +-2^30 nudge and the
 * truncating division), saturating the single overflow case a == b == INT32_MIN (gemmlowp's
 * SaturatingRoundingDoublingHighMul). 64-bit product. */
static inline int32_t emml_nn_srdhm(int32_t a, int32_t b)
{
    int64_t ab;
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    /* (ab + nudge) / 2^31 truncated toward zero, as the reference divides;
     * done with unsigned shifts so no 64-bit division routine is pulled in */
    if (ab >= 0) {
        return (int32_t)(((uint64_t)ab + ((uint64_t)1 << 30)) >> 31);
    }
    return -(int32_t)(((uint64_t)(-ab) + ((uint64_t)1 << 30) - 1u) >> 31);
}

/* x / 2^e rounded to nearest, ties away from zero; 0 <= e <= 31. Written
 * without right-shifting a negative value (implementation-defined in C99). */
static inline int32_t emml_nn_rdivpot(int32_t x, int32_t e)
{
    uint32_t mask = e >= 31 ? 0x7fffffffu : (((uint32_t)1 << e) - 1u);
    uint32_t rem = (uint32_t)x & mask;
    uint32_t threshold = (mask >> 1) + (x < 0 ? 1u : 0u);
    int32_t q = x >= 0 ? (int32_t)((uint32_t)x >> e) : (int32_t)~(~(uint32_t)x >> e);
    return q + (rem > threshold ? 1 : 0);
}

/* emml_nn_srdhm(a, b) for b >= 0, bit for bit, without a 64-bit multiply
 * (a library call on Cortex-M0+ and RV32): |a| * b as four 16 x 16-bit
 * products, the nudge added to the 64-bit magnitude, the quotient's sign
 * restored (truncation toward zero, as the reference divides). */
#if defined(__GNUC__)
__attribute__((always_inline)) /* the per-output hot path of every int8 layer */
#endif
static inline int32_t emml_nn_srdhm_pos(int32_t a, int32_t b)
{
    uint32_t neg = a < 0 ? 1u : 0u;
    uint32_t ua = neg ? 0u - (uint32_t)a : (uint32_t)a; /* <= 2^31 */
    uint32_t ub = (uint32_t)b;                          /* < 2^31 */
    uint32_t al = ua & 0xffffu, ah = ua >> 16, bl = ub & 0xffffu, bh = ub >> 16;
    uint32_t lo = al * bl, mid = ah * bl + al * bh, hi = ah * bh; /* mid < 2^32 */
    uint32_t t = lo + (mid << 16), q;
    hi += (mid >> 16) + (t < lo ? 1u : 0u);
    lo = t + ((1u << 30) - neg); /* |a b| + 2^30 (- 1 when negative) */
    hi += lo < t ? 1u : 0u;
    q = (hi << 1) | (lo >> 31); /* < 2^31 */
    return neg ? -(int32_t)q : (int32_t)q;
}

/* acc * mult * 2^shift with TFLite's double rounding: left shift first (for
 * shift > 0), rounding doubling high multiply, rounding right shift. */
static inline int32_t emml_nn_requantize(int32_t acc, int32_t mult, int32_t shift)
{
    int32_t left = shift > 0 ? shift : 0;
    int32_t right = shift > 0 ? 0 : -shift;
    int32_t a = (int32_t)((uint32_t)acc << left);
    return emml_nn_rdivpot(mult >= 0 ? emml_nn_srdhm_pos(a, mult) : emml_nn_srdhm(a, mult), right);
}

void emml_nn_fc_i8(const emml_nn_fc_i8_t *p, const int8_t *x, int8_t *y);
void emml_nn_conv2d_i8(const emml_nn_conv_i8_t *p, const int8_t *x, int8_t *y);
void emml_nn_dwconv2d_i8(const emml_nn_conv_i8_t *p, const int8_t *x, int8_t *y);
void emml_nn_maxpool_i8(const emml_nn_pool_i8_t *p, const int8_t *x, int8_t *y);
void emml_nn_avgpool_i8(const emml_nn_pool_i8_t *p, const int8_t *x, int8_t *y);
void emml_nn_mean_i8(const emml_nn_mean_i8_t *p, const int8_t *x, int8_t *y);
/* In place allowed (y == x) for the element-wise kernels below. */
void emml_nn_logistic_i8(const emml_nn_sigmoid_i8_t *p, const int8_t *x, int8_t *y, uint32_t n);
void emml_nn_tanh_i8(const emml_nn_sigmoid_i8_t *p, const int8_t *x, int8_t *y, uint32_t n);
void emml_nn_softmax_i8(const emml_nn_softmax_i8_t *p, const int8_t *x, int8_t *y);
void emml_nn_leaky_i8(const emml_nn_leaky_i8_t *p, const int8_t *x, int8_t *y, uint32_t n);
/* Requantize element-wise (RELU with different in/out quantization). */
void emml_nn_requant_i8(const emml_nn_requant_t *q, const int8_t *x, int8_t *y, uint32_t n);

/* Index of the largest value, the first one on ties. n >= 1. */
uint32_t emml_nn_argmax_i8(const int8_t *v, uint32_t n);

/* gemmlowp-compatible fixed-point helpers (exposed for tests):
 * exp(a) for a <= 0 given in Q(int_bits).(31-int_bits), result Q0.31;
 * 1/(1+a) for a in [0,1) in Q0.31, result Q0.31. */
int32_t emml_nn_fx_exp_neg(int32_t a, int32_t int_bits);
int32_t emml_nn_fx_one_over_one_plus(int32_t a);

/* float -> int8 as TFLite's QUANTIZE does: round(x / scale) (ties away from
 * zero) + zero_point, saturated; NaN gives zero_point. */
void emml_nn_quantize_f32(const float *x, int8_t *y, uint32_t n, float scale, int32_t zero);
/* The same quantization from a table, without float arithmetic (Cortex-M0+:
 * about 95 cycles per value against about 750 for the float division):
 * thresholds[k] (k = 0..254) is the order key of the smallest float whose
 * quantized value is at least k - 127, the key of a float being its bits
 * read as sign and magnitude (emml.nn.reference.quantize_thresholds makes the
 * table); y = -128 + the number of thresholds <= key(x); NaN gives
 * nan_value (the zero point). */
void emml_nn_quantize_table_f32(const float *x, int8_t *y, uint32_t n, const int32_t *thresholds, int8_t nan_value);
/* int8 -> float: scale * (q - zero_point). */
void emml_nn_dequantize_f32(const int8_t *x, float *y, uint32_t n, float scale, int32_t zero);

/* ---------------------------------------------------------------- float */
#if EMML_FLOAT_ENABLE

typedef struct {
    uint16_t n_in, n_out;
    uint8_t act;      /* emml_nn_act_t */
    float alpha;      /* LeakyReLU slope */
    const float *w;   /* [n_out][n_in] */
    const float *b;   /* [n_out] or NULL */
} emml_nn_dense_f32_t;

/* Convolution (w: [out_c][k_h][k_w][in_c]) or depthwise convolution
 * (w: [k_h][k_w][out_c]); zero padding. */
typedef struct {
    emml_nn_window_t g;
    uint8_t act;
    float alpha;
    const float *w;
    const float *b;
} emml_nn_conv_f32_t;

/* tanh(x) from emml_expf: absolute error <= 3e-7 (|x| < 2^-12 returns x). */
float emml_nn_tanhf(float x);
/* Apply an activation to one value. */
float emml_nn_act_f32(float v, uint8_t act, float alpha);

void emml_nn_dense_f32(const emml_nn_dense_f32_t *p, const float *x, float *y);
void emml_nn_conv2d_f32(const emml_nn_conv_f32_t *p, const float *x, float *y);
void emml_nn_dwconv2d_f32(const emml_nn_conv_f32_t *p, const float *x, float *y);
/* Pooling: max ignores padding; average divides by the in-bounds count. */
void emml_nn_maxpool_f32(const emml_nn_window_t *g, const float *x, float *y);
void emml_nn_avgpool_f32(const emml_nn_window_t *g, const float *x, float *y);
/* Global average / max over n_pos positions of depth channels. */
void emml_nn_gap_f32(const float *x, float *y, uint32_t n_pos, uint32_t depth);
void emml_nn_gmp_f32(const float *x, float *y, uint32_t n_pos, uint32_t depth);
/* In place (x may equal y): activation, per-channel affine (folded
 * BatchNormalization that had no layer to fold into), softmax per row. */
void emml_nn_activate_f32(const float *x, float *y, uint32_t n, uint8_t act, float alpha);
void emml_nn_affine_f32(const float *x, float *y, uint32_t n_pos, uint32_t depth, const float *scale,
                        const float *shift);
void emml_nn_softmax_f32(const float *x, float *y, uint32_t rows, uint32_t depth);

#endif /* EMML_FLOAT_ENABLE */

#ifdef __cplusplus
}
#endif

#endif /* EMML_NN_H */
