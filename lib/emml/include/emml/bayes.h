/*
 * emml/bayes.h - Gaussian naive Bayes (scikit-learn GaussianNB) in float32.
 *
 * The joint log-likelihood of class k is
 *     jll[k] = log_const[k] - sum_i (x_i - mean[k][i])^2 * half_inv_var[k][i]
 * with log_const[k] = log prior_k - 0.5 sum_i log(2 pi var[k][i]) and
 * half_inv_var = 0.5 / var, both precomputed in float64 by the generator, so
 * no logarithm runs on the device. Summation in feature order, float32.
 * The predicted class is the first maximum of jll; probabilities are
 * softmax(jll) through emml_expf.
 */
#ifndef EMML_BAYES_H
#define EMML_BAYES_H

#include <stdint.h>

#include "emml/config.h"

#ifdef __cplusplus
extern "C" {
#endif

#if EMML_FLOAT_ENABLE
typedef struct {
    uint32_t n_classes;
    uint32_t n_features;
    const float *mean;         /* n_classes x n_features, row-major */
    const float *half_inv_var; /* n_classes x n_features: 0.5 / var */
    const float *log_const;    /* n_classes */
} emml_bayes_gaussian_t;

/* jll[k] for every class (n_classes floats). */
void emml_bayes_gaussian_jll_f32(const emml_bayes_gaussian_t *m, const float *x, float *jll);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_BAYES_H */
