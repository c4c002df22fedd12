/*
 * emml/mixture.h - Gaussian mixtures (scikit-learn GaussianMixture, every
 * covariance type) and the Mahalanobis distance of EllipticEnvelope, float32.
 *
 * Component k's weighted log density is
 *     lp[k] = log_norm[k] - 0.5 * |P_k^T (x - mean_k)|^2
 * with P_k the Cholesky factor of the precision matrix (scikit-learn's
 * precisions_cholesky_) and log_norm[k] = log weight_k + log det P_k
 * - d/2 log(2 pi), precomputed in float64 by the generator. P_k is stored by
 * covariance type:
 *   FULL       n_components upper-triangular d x d factors, packed by column
 *              (column j holds rows 0..j: d (d + 1) / 2 floats each)
 *   TIED       one packed factor shared by every component
 *   DIAG       n_components x d diagonal entries
 *   SPHERICAL  n_components scalars
 * score_samples (log-likelihood) = logsumexp(lp) via emml_expf / emml_logf;
 * responsibilities = softmax(lp); predict = the first maximum of lp.
 * The triangular product recomputes x_i - mean_i per column instead of
 * keeping a d-float work buffer: no RAM beyond n_components floats.
 */
#ifndef EMML_MIXTURE_H
#define EMML_MIXTURE_H

#include <stdint.h>

#include "emml/config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    EMML_MIXTURE_FULL = 0,
    EMML_MIXTURE_TIED = 1,
    EMML_MIXTURE_DIAG = 2,
    EMML_MIXTURE_SPHERICAL = 3
} emml_mixture_covariance_t;

#if EMML_FLOAT_ENABLE
typedef struct {
    uint32_t n_components;
    uint32_t n_features;
    uint32_t covariance;   /* emml_mixture_covariance_t */
    const float *means;    /* n_components x n_features */
    const float *prec;     /* precision Cholesky factors, layout above */
    const float *log_norm; /* n_components */
} emml_mixture_t;

/* |P_k^T (x - mean_k)|^2: the squared Mahalanobis distance to component k. */
float emml_mixture_mahalanobis_f32(const emml_mixture_t *m, uint32_t k, const float *x);

/* lp[k] for every component (n_components floats). */
void emml_mixture_log_prob_f32(const emml_mixture_t *m, const float *x, float *lp);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_MIXTURE_H */
