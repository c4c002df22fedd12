/*
 * emml/svm.h - kernel support vector machines (SVC, NuSVC, SVR, NuSVR,
 * OneClassSVM) evaluated like libsvm, in float32, support vectors in flash.
 *
 * Classification (n_classes >= 2) is one-vs-one: pair (i, j), i < j, has the
 * decision value
 *     dec[p] = intercept[p] + sum_{s in class i} dual[s][j-1] K(sv_s, x)
 *                           + sum_{s in class j} dual[s][i]   K(sv_s, x)
 * at index p = i (2C - i - 1) / 2 + (j - i - 1) (libsvm's pair order), and
 * the predicted class gets the most votes (dec[p] > 0 votes for i, else j),
 * the lowest class index winning ties, as libsvm does. These are libsvm's
 * internal signs: for two classes scikit-learn's decision_function is -dec[0].
 * Regression and one-class (n_classes == 1): dec[0] = intercept[0] +
 * sum_s dual[s][0] K(sv_s, x).
 *
 * Kernels: linear <x, sv>; RBF exp(-gamma |x - sv|^2) through emml_expf
 * (<= 2 ulp); polynomial (gamma <x, sv> + coef0)^degree, degree 0..255 by
 * repeated multiplication. Each SV costs n_features multiply-adds plus the
 * kernel's exp or power; no work buffer is needed.
 */
#ifndef EMML_SVM_H
#define EMML_SVM_H

#include <stdint.h>

#include "emml/config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { EMML_SVM_LINEAR = 0, EMML_SVM_RBF = 1, EMML_SVM_POLY = 2 } emml_svm_kernel_t;

#if EMML_FLOAT_ENABLE
typedef struct {
    uint32_t n_features;
    uint32_t n_sv;
    uint32_t n_classes;        /* >= 2: classifier; 1: regression / one-class */
    uint32_t kernel;           /* emml_svm_kernel_t */
    uint32_t degree;           /* polynomial kernel */
    float gamma;
    float coef0;
    const float *sv;           /* n_sv x n_features, row-major, grouped by class */
    const float *dual;         /* n_sv x max(1, n_classes - 1), row-major */
    const uint16_t *n_support; /* n_classes SV counts (classifiers), else NULL */
    const float *intercept;    /* n_classes (n_classes - 1) / 2 values, or 1 */
} emml_svm_t;

/* K(sv, x) for one support vector (n_features values each). */
float emml_svm_kernel_f32(const emml_svm_t *m, const float *sv, const float *x);

/* The decision values: n_classes (n_classes - 1) / 2 of them for a
 * classifier, 1 otherwise. */
void emml_svm_decision_f32(const emml_svm_t *m, const float *x, float *dec);
#endif

/* One-vs-one voting over n_classes (n_classes - 1) / 2 pairwise results:
 * pair p votes for its lower class when positive[p] is true. Returns the class
 * with the most votes (lowest index on ties). Stack use: none. */
uint32_t emml_svm_vote(const uint8_t *positive, uint32_t n_classes);

/* emml_svm_vote on the signs of int32 decision values (dec[p] > 0): the
 * quantized linear-kernel SVC (see emml/linear.h for its scores). */
uint32_t emml_svm_vote_i32(const int32_t *dec, uint32_t n_classes);

#if EMML_FLOAT_ENABLE
/* emml_svm_vote on the signs of float decision values (dec[p] > 0). */
uint32_t emml_svm_vote_f32(const float *dec, uint32_t n_classes);

/* Class probabilities of a classifier trained with probability=True, as
 * libsvm (and scikit-learn's SVC.predict_proba) computes them:
 *   1. Platt scaling of each pair's decision value (libsvm signs):
 *        r_ij = 1 / (1 + exp(prob_a[p] dec[p] + prob_b[p])), clipped to
 *        [1e-7, 1 - 1e-7]; r_ji = 1 - r_ij.
 *   2. Pairwise coupling (Wu, Lin and Weng, JMLR 5, 2004, their second
 *        method): the p minimising sum_i sum_{j != i} (r_ji p_i - r_ij p_j)^2
 *        with sum p = 1, found by the same fixed-point iteration libsvm runs
 *        (start at 1/C, stop when max_t |(Qp)_t - p'Qp| < 0.005 / C or after
 *        max(100, C) sweeps), so the answer matches libsvm's to float32
 *        rounding, not just to the stopping tolerance. Two classes go through
 *        the same iteration, as in scikit-learn.
 * dec (n_classes (n_classes - 1) / 2 values) is overwritten with r_ij; proba
 * gets n_classes values; work must hold 2 * n_classes floats. All float32,
 * exp through emml_expf. */
void emml_svm_proba_f32(float *dec, const float *prob_a, const float *prob_b, uint32_t n_classes, float *proba,
                        float *work);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_SVM_H */
