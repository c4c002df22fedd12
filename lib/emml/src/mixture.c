#include "emml/mixture.h"

#if EMML_FLOAT_ENABLE

float emml_mixture_mahalanobis_f32(const emml_mixture_t *m, uint32_t k, const float *x)
{
    uint32_t d = m->n_features;
    const float *mean = m->means + k * d;
    float acc = 0.0f;
    uint32_t i, j;
    if (m->covariance == (uint32_t)EMML_MIXTURE_FULL || m->covariance == (uint32_t)EMML_MIXTURE_TIED) {
        const float *p = m->prec;
        if (m->covariance == (uint32_t)EMML_MIXTURE_FULL) {
            p += k * (d * (d + 1u) / 2u);
        }
        for (j = 0u; j < d; j++) {
            float y = 0.0f;
            for (i = 0u; i <= j; i++) {
                y += (x[i] - mean[i]) * p[i];
            }
            acc += y * y;
            p += j + 1u;
        }
    } else if (m->covariance == (uint32_t)EMML_MIXTURE_DIAG) {
        const float *p = m->prec + k * d;
        for (i = 0u; i < d; i++) {
            float y = (x[i] - mean[i]) * p[i];
            acc += y * y;
        }
    } else {
        float s = m->prec[k];
        for (i = 0u; i < d; i++) {
            float y = (x[i] - mean[i]) * s;
            acc += y * y;
        }
    }
    return acc;
}

void emml_mixture_log_prob_f32(const emml_mixture_t *m, const float *x, float *lp)
{
    uint32_t k;
    for (k = 0u; k < m->n_components; k++) {
        lp[k] = m->log_norm[k] - 0.5f * emml_mixture_mahalanobis_f32(m, k, x);
    }
}

#else
typedef int emml_mixture_empty_unit_t; /* ISO C forbids an empty translation unit */
#endif
