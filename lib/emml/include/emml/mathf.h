/*
 * emml/mathf.h - float32 exp and log without a C library, and the small
 * vector helpers built on them (argmax, sigmoid, softmax, log-sum-exp).
 *
 * RV32E builds have no libm, and generated model code must not call expf or
 * logf, so the classical model families (linear, svm, bayes, neighbors,
 * mixture) use these instead.
 *
 * Accuracy against double-precision exp/log, measured on every 257th float32
 * bit pattern (16.7 million values) and re-checked on a sparser grid by
 * tests/host/test_mathf.c:
 *
 *   emml_expf   relative error <= 2 ulp (measured 1.13 ulp) for
 *               -87.3 <= x <= 88.7; results in the subnormal range
 *               (-103.9 < x < -87.3) are within 2^-148 absolute;
 *               x < -103.97 gives 0, x > 88.72 gives +inf, NaN gives NaN.
 *   emml_logf   absolute error <= 1e-7 for x in [0.5, 2] (measured 5.3e-8),
 *               relative error <= 2 ulp elsewhere (measured 1.28 ulp);
 *               0 gives -inf, x < 0 gives NaN, +inf gives +inf.
 *               Subnormal inputs are handled.
 *
 * Method: expf reduces x = n ln2 + r (|r| <= ln2/2, two-constant Cody-Waite
 * reduction), evaluates exp(r) as a degree-7 Taylor polynomial (Horner)
 * and scales by 2^n through the exponent bits. logf splits x = 2^e m with
 * m in [sqrt(1/2), sqrt(2)), and evaluates ln(m) = 2 atanh(s), s = (m-1)/(m+1),
 * as an odd polynomial up to s^11.
 */
#ifndef EMML_MATHF_H
#define EMML_MATHF_H

#include <stdint.h>

#include "emml/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Index of the largest of v[0..n-1]; the first one on ties (as numpy.argmax);
 * NaN entries never win. n == 0 returns 0. */
uint32_t emml_argmax_i32(const int32_t *v, uint32_t n);

#if EMML_FLOAT_ENABLE
uint32_t emml_argmax_f32(const float *v, uint32_t n);

/* e^x, see the accuracy table above. */
float emml_expf(float x);

/* natural logarithm, see the accuracy table above. */
float emml_logf(float x);

/* 1 / (1 + e^-x), computed as e^x / (1 + e^x) for x < 0 so that neither
 * side loses relative accuracy. Error <= 4 ulp. */
float emml_sigmoidf(float x);

/* out[k] = e^(v[k] - max v) / sum_j e^(v[j] - max v); out may equal v.
 * n >= 1. Each output within 1e-6 of the exact softmax (absolute). */
void emml_softmax_f32(const float *v, float *out, uint32_t n);

/* log(sum_k e^v[k]), computed as max v + log(sum e^(v[k] - max v)) so it
 * never overflows. n >= 1. Absolute error <= 1e-6 * (1 + |max v|). */
float emml_logsumexp_f32(const float *v, uint32_t n);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_MATHF_H */
