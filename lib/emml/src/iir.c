#include "emml/iir.h"

#include "emml/fixed.h"

emml_status_t emml_iir_init_q15(emml_iir_q15_t *iir, const emml_iir_coeffs_q15_t *coeffs,
                                int16_t *state, uint32_t state_len)
{
    uint32_t i;
    if (iir == NULL || coeffs == NULL || state == NULL || coeffs->coeffs == NULL ||
        coeffs->shift == NULL) {
        return EMML_ERR_NULL;
    }
    if (coeffs->n_sections == 0u) {
        return EMML_ERR_ARGUMENT;
    }
    for (i = 0u; i < coeffs->n_sections; i++) {
        if (coeffs->shift[i] > EMML_IIR_MAX_SHIFT) {
            return EMML_ERR_FORMAT;
        }
    }
    if (state_len < 4u * (uint32_t)coeffs->n_sections) {
        return EMML_ERR_BUFFER_TOO_SMALL;
    }
    for (i = 0u; i < 4u * (uint32_t)coeffs->n_sections; i++) {
        state[i] = 0;
    }
    iir->coeffs = coeffs;
    iir->state = state;
    return EMML_OK;
}

void emml_iir_process_q15(emml_iir_q15_t *iir, const int16_t *in, int16_t *out, uint32_t n)
{
    const uint32_t ns = iir->coeffs->n_sections;
    uint32_t t, s;
    for (t = 0u; t < n; t++) {
        int32_t x = in[t];
        const int16_t *c = iir->coeffs->coeffs;
        int16_t *st = iir->state;
        for (s = 0u; s < ns; s++, c += 5, st += 4) {
            const unsigned f = iir->coeffs->shift[s];
            int32_t acc = c[0] * x + c[1] * st[0] + c[2] * st[1] + c[3] * st[2] + c[4] * st[3];
            int16_t y = emml_sat_q15(f != 0u ? (acc + (int32_t)(1u << (f - 1u))) >> f : acc);
            st[1] = st[0];
            st[0] = (int16_t)x;
            st[3] = st[2];
            st[2] = y;
            x = y;
        }
        out[t] = (int16_t)x;
    }
}

/* r (q15, >= 0) * y (int32) / 2^15, exact floor of the product:
 * y = h * 2^16 + l with l in 0..65535, so r y / 2^15 = 2 r h + (r l) / 2^15,
 * and 2 r h is an integer; floor applies to the second term only. */
EMML_INLINE int32_t mul_q15_q31(int32_t r, int32_t y)
{
    int32_t h = y >> 16;
    uint32_t l = (uint32_t)y & 0xFFFFu;
    return 2 * r * h + (int32_t)(((uint32_t)r * l) >> 15);
}

emml_status_t emml_dcblock_init_q15(emml_dcblock_q15_t *dc, int16_t r_q15)
{
    if (dc == NULL) {
        return EMML_ERR_NULL;
    }
    if (r_q15 <= 0) {
        return EMML_ERR_ARGUMENT;
    }
    dc->r = r_q15;
    dc->x1 = 0;
    dc->y = 0;
    return EMML_OK;
}

void emml_dcblock_process_q15(emml_dcblock_q15_t *dc, const int16_t *in, int16_t *out, uint32_t n)
{
    uint32_t t;
    int32_t y = dc->y, x1 = dc->x1;
    for (t = 0u; t < n; t++) {
        int32_t x = in[t];
        /* (x - x1) * 2^15 is within +-2^31 - 2^15: no overflow */
        y = emml_add_sat_q31((x - x1) * 32768, mul_q15_q31(dc->r, y));
        x1 = x;
        out[t] = emml_sat_q15((int32_t)((y >> 15) + ((y >> 14) & 1)));
    }
    dc->y = y;
    dc->x1 = (int16_t)x1;
}

emml_status_t emml_gravity_init_q15(emml_gravity_q15_t *gr, int16_t alpha_q15)
{
    if (gr == NULL) {
        return EMML_ERR_NULL;
    }
    if (alpha_q15 <= 0) {
        return EMML_ERR_ARGUMENT;
    }
    gr->alpha = alpha_q15;
    gr->primed = 0u;
    gr->g[0] = gr->g[1] = gr->g[2] = 0;
    return EMML_OK;
}

void emml_gravity_process_q15(emml_gravity_q15_t *gr, const int16_t *xyz, int16_t *body,
                              int16_t *gravity, uint32_t n_frames)
{
    uint32_t t, a;
    if (n_frames != 0u && !gr->primed) {
        for (a = 0u; a < 3u; a++) {
            gr->g[a] = (int32_t)xyz[a] * 32768;
        }
        gr->primed = 1u;
    }
    for (t = 0u; t < n_frames; t++) {
        for (a = 0u; a < 3u; a++) {
            int32_t x = xyz[3u * t + a];
            /* g and x * 2^15 are both within +-2^30: the difference fits */
            int32_t g = gr->g[a] + mul_q15_q31(gr->alpha, x * 32768 - gr->g[a]);
            int32_t gi = (g >> 15) + ((g >> 14) & 1); /* round to nearest, ties up */
            gr->g[a] = g;
            if (gravity != NULL) {
                gravity[3u * t + a] = (int16_t)gi;
            }
            if (body != NULL) {
                body[3u * t + a] = emml_sat_q15(x - gi);
            }
        }
    }
}

#if EMML_FLOAT_ENABLE
emml_status_t emml_iir_init_f32(emml_iir_f32_t *iir, const emml_iir_coeffs_f32_t *coeffs,
                                float *state, uint32_t state_len)
{
    uint32_t i;
    if (iir == NULL || coeffs == NULL || state == NULL || coeffs->coeffs == NULL) {
        return EMML_ERR_NULL;
    }
    if (coeffs->n_sections == 0u) {
        return EMML_ERR_ARGUMENT;
    }
    if (state_len < 2u * (uint32_t)coeffs->n_sections) {
        return EMML_ERR_BUFFER_TOO_SMALL;
    }
    for (i = 0u; i < 2u * (uint32_t)coeffs->n_sections; i++) {
        state[i] = 0.0f;
    }
    iir->coeffs = coeffs;
    iir->state = state;
    return EMML_OK;
}

void emml_iir_process_f32(emml_iir_f32_t *iir, const float *in, float *out, uint32_t n)
{
    const uint32_t ns = iir->coeffs->n_sections;
    uint32_t t, s;
    for (t = 0u; t < n; t++) {
        float x = in[t];
        const float *c = iir->coeffs->coeffs;
        float *z = iir->state;
        for (s = 0u; s < ns; s++, c += 5, z += 2) {
            float y = c[0] * x + z[0];
            z[0] = c[1] * x - c[3] * y + z[1];
            z[1] = c[2] * x - c[4] * y;
            x = y;
        }
        out[t] = x;
    }
}
#endif
