#include "emml/bayes.h"

#if EMML_FLOAT_ENABLE

void emml_bayes_gaussian_jll_f32(const emml_bayes_gaussian_t *m, const float *x, float *jll)
{
    uint32_t k, i;
    const float *mean = m->mean;
    const float *h = m->half_inv_var;
    for (k = 0u; k < m->n_classes; k++) {
        float acc = 0.0f;
        for (i = 0u; i < m->n_features; i++) {
            float d = x[i] - mean[i];
            acc += d * d * h[i];
        }
        jll[k] = m->log_const[k] - acc;
        mean += m->n_features;
        h += m->n_features;
    }
}

#else
typedef int emml_bayes_empty_unit_t; /* ISO C forbids an empty translation unit */
#endif
