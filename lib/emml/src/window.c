#include "emml/window.h"

#include <stddef.h>

static emml_status_t check(const void *window, uint32_t wn, uint32_t mirror, uint32_t n)
{
    if (window == NULL) {
        return EMML_ERR_NULL;
    }
    if (wn != n) {
        return EMML_ERR_SHAPE;
    }
    if (n < 2u || (mirror != n && mirror + 1u != n)) {
        return EMML_ERR_ARGUMENT;
    }
    return EMML_OK;
}

emml_status_t emml_window_check_q15(const emml_window_q15_t *window, uint32_t n)
{
    if (window == NULL) {
        return EMML_ERR_NULL;
    }
    return check(window, window->n, window->mirror, n);
}

void emml_window_apply_q15(const emml_window_q15_t *window, const int16_t *in, int16_t *out)
{
    const uint32_t n = window->n, h = n / 2u, mirror = window->mirror;
    const int16_t *w = window->coeffs;
    uint32_t i;
    if (w == NULL) {
        for (i = 0u; i < n; i++) {
            out[i] = in[i];
        }
        return;
    }
    for (i = 0u; i <= h; i++) {
        out[i] = (int16_t)(((int32_t)in[i] * w[i] + 0x4000) >> 15);
    }
    for (; i < n; i++) {
        out[i] = (int16_t)(((int32_t)in[i] * w[mirror - i] + 0x4000) >> 15);
    }
}

#if EMML_FLOAT_ENABLE
emml_status_t emml_window_check_f32(const emml_window_f32_t *window, uint32_t n)
{
    if (window == NULL) {
        return EMML_ERR_NULL;
    }
    return check(window, window->n, window->mirror, n);
}

void emml_window_apply_f32(const emml_window_f32_t *window, const float *in, float *out)
{
    const uint32_t n = window->n, h = n / 2u, mirror = window->mirror;
    const float *w = window->coeffs;
    uint32_t i;
    if (w == NULL) {
        for (i = 0u; i < n; i++) {
            out[i] = in[i];
        }
        return;
    }
    for (i = 0u; i <= h; i++) {
        out[i] = in[i] * w[i];
    }
    for (; i < n; i++) {
        out[i] = in[i] * w[mirror - i];
    }
}
#endif
