#include "emml/linear.h"

void emml_linear_q7(const int8_t *w, const int32_t *b, const int8_t *x, uint32_t n_in, uint32_t n_out,
                    int32_t *out)
{
    uint32_t k, i;
    for (k = 0u; k < n_out; k++) {
        int32_t acc = b != 0 ? b[k] : 0;
        for (i = 0u; i < n_in; i++) {
            acc += (int32_t)w[i] * (int32_t)x[i];
        }
        out[k] = acc;
        w += n_in;
    }
}

void emml_linear_q15(const int16_t *w, const int32_t *b, const int16_t *x, uint32_t n_in, uint32_t n_out,
                     int32_t *out)
{
    uint32_t k, i;
    for (k = 0u; k < n_out; k++) {
        int32_t acc = b != 0 ? b[k] : 0;
        for (i = 0u; i < n_in; i++) {
            acc += (int32_t)w[i] * (int32_t)x[i];
        }
        out[k] = acc;
        w += n_in;
    }
}

#if EMML_FLOAT_ENABLE

void emml_linear_f32(const float *w, const float *b, const float *x, uint32_t n_in, uint32_t n_out, float *out)
{
    uint32_t k, i;
    for (k = 0u; k < n_out; k++) {
        float acc = b != 0 ? b[k] : 0.0f;
        for (i = 0u; i < n_in; i++) {
            acc += w[i] * x[i];
        }
        out[k] = acc;
        w += n_in;
    }
}

static int32_t linear_round_sat(float v, float lo, float hi)
{
    if (v != v) {
        return 0;
    }
    if (v <= lo) {
        return (int32_t)lo;
    }
    if (v >= hi) {
        return (int32_t)hi;
    }
    return v >= 0.0f ? (int32_t)(v + 0.5f) : -(int32_t)(-v + 0.5f);
}

int8_t emml_quantize_q7(float x, float inv_scale)
{
    return (int8_t)linear_round_sat(x * inv_scale, -128.0f, 127.0f);
}

int16_t emml_quantize_q15(float x, float inv_scale)
{
    return (int16_t)linear_round_sat(x * inv_scale, -32768.0f, 32767.0f);
}

#endif /* EMML_FLOAT_ENABLE */
