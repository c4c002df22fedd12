/* Host tests for the classical-model runtime: mathf accuracy against libm,
 * the integer linear kernels, SVM voting, and the nearest-neighbour run-time
 * example buffer (add, full, ring, clear, bad arguments). */
#include <math.h>
#include <string.h>

#include "emml/linear.h"
#include "emml/mathf.h"
#include "emml/neighbors.h"
#include "emml/svm.h"
#include "emml_test.h"

static double ulp_of(float v)
{
    float a = fabsf(v);
    return (double)(nextafterf(a, INFINITY) - a);
}

static void test_mathf(void)
{
    uint32_t u;
    double worst_exp = 0.0, worst_log = 0.0;
    for (u = 0u; u < 0xFFFFF000u; u += 65537u) {
        float x;
        memcpy(&x, &u, sizeof x);
        if (x != x) {
            continue;
        }
        if (x >= -87.3f && x <= 88.7f) {
            double r = exp((double)x);
            double e = fabs((double)emml_expf(x) - r) / ulp_of((float)r);
            worst_exp = e > worst_exp ? e : worst_exp;
        }
        if (x > 0.0f && x < INFINITY && (x < 0.5f || x > 2.0f)) {
            double r = log((double)x);
            double e = fabs((double)emml_logf(x) - r) / ulp_of((float)r);
            worst_log = e > worst_log ? e : worst_log;
        }
    }
    CHECK(worst_exp <= 2.0);
    CHECK(worst_log <= 2.0);
    CHECK(emml_expf(-200.0f) == 0.0f);
    CHECK(isinf(emml_expf(100.0f)));
    CHECK(emml_expf(0.0f) == 1.0f);
    CHECK(isinf(emml_logf(0.0f)) && emml_logf(0.0f) < 0.0f);
    CHECK(isnan(emml_logf(-1.0f)));
    CHECK(fabs((double)emml_logf(1e-40f) - log(1e-40)) < 1e-5);
    CHECK(fabs((double)emml_sigmoidf(-30.0f) - 1.0 / (1.0 + exp(30.0))) < 1e-18);
    {
        float v[3] = {1000.0f, 999.0f, -5.0f};
        float out[3];
        emml_softmax_f32(v, out, 3u);
        CHECK(fabs((double)out[0] - 1.0 / (1.0 + exp(-1.0) + exp(-1005.0))) < 1e-6);
        CHECK(fabs((double)emml_logsumexp_f32(v, 3u) - (1000.0 + log(1.0 + exp(-1.0)))) < 1e-3);
        CHECK_EQ_INT(emml_argmax_f32(v, 3u), 0);
    }
    {
        float v[3] = {NAN, 2.0f, 2.0f};
        CHECK_EQ_INT(emml_argmax_f32(v, 3u), 1); /* NaN never wins; first of equal maxima */
    }
}

static void test_linear_kernels(void)
{
    const int16_t w[4] = {32767, -32768, 1, 2};
    const int32_t b[2] = {5, -5};
    const int16_t x[2] = {-32768, -32768};
    int32_t out[2];
    emml_linear_q15(w, b, x, 2u, 2u, out);
    CHECK_EQ_INT(out[0], 5 + 32767 * -32768 + 32768 * 32768);
    CHECK_EQ_INT(out[1], -5 - 32768 - 65536);
    CHECK_EQ_INT(emml_quantize_q15(1e9f, 1.0f), 32767);
    CHECK_EQ_INT(emml_quantize_q7(-2.5f, 1.0f), -3);
    CHECK_EQ_INT(emml_quantize_q7(2.5f, 1.0f), 3);
    CHECK_EQ_INT(emml_quantize_q7(NAN, 1.0f), 0);
}

static void test_svm_vote(void)
{
    /* 3 classes, pairs (0,1) (0,2) (1,2): 1 beats 0, 2 beats 0, 1 beats 2 */
    const uint8_t pos[3] = {0u, 0u, 1u};
    const uint8_t tie[3] = {1u, 0u, 1u}; /* one vote each: lowest index wins */
    CHECK_EQ_INT(emml_svm_vote(pos, 3u), 1);
    CHECK_EQ_INT(emml_svm_vote(tie, 3u), 0);
}

static void test_neighbors_buffer(void)
{
    static const float base_x[4] = {0.0f, 0.0f, 10.0f, 10.0f};
    static const uint16_t base_label[2] = {0u, 1u};
    const emml_neighbors_model_t model = {2u, 3u, 1u, EMML_NEIGHBORS_CLASSIFY, EMML_NEIGHBORS_UNIFORM,
                                          EMML_NEIGHBORS_EUCLIDEAN, 2u, base_x, base_label, 0};
    emml_neighbors_model_t bad = model;
    float xs[2 * 2];
    uint16_t labels[2];
    float probe[2] = {20.0f, 20.0f};
    float far1[2] = {21.0f, 21.0f};
    float far2[2] = {-30.0f, 5.0f};
    float proba[3];
    emml_neighbors_t nn;
    CHECK_EQ_INT(emml_neighbors_init(&nn, &model, xs, labels, 0, 2u, 0u), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_predict(&nn, probe), 1);
    CHECK_EQ_INT(emml_neighbors_add(&nn, far1, 2u, 0), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_predict(&nn, probe), 2);
    CHECK_EQ_INT(emml_neighbors_add(&nn, far2, 3u, 0), EMML_ERR_ARGUMENT); /* label out of range */
    CHECK_EQ_INT(emml_neighbors_add(&nn, far2, 0u, 0), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_add(&nn, far2, 0u, 0), EMML_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(emml_neighbors_scores(&nn, probe, proba), EMML_OK);
    CHECK(proba[2] == 1.0f && proba[0] == 0.0f);
    emml_neighbors_clear(&nn);
    CHECK_EQ_INT(emml_neighbors_predict(&nn, probe), 1);
    /* ring: the third example overwrites the first added */
    CHECK_EQ_INT(emml_neighbors_init(&nn, &model, xs, labels, 0, 2u, EMML_NEIGHBORS_RING), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_add(&nn, far1, 2u, 0), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_add(&nn, far2, 0u, 0), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_add(&nn, far2, 0u, 0), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_predict(&nn, probe), 1);
    /* bad arguments */
    CHECK_EQ_INT(emml_neighbors_init(0, &model, xs, labels, 0, 2u, 0u), EMML_ERR_NULL);
    CHECK_EQ_INT(emml_neighbors_init(&nn, &model, 0, labels, 0, 2u, 0u), EMML_ERR_NULL);
    bad.k = EMML_NEIGHBORS_MAX_K + 1u;
    CHECK_EQ_INT(emml_neighbors_init(&nn, &bad, xs, labels, 0, 2u, 0u), EMML_ERR_ARGUMENT);
    bad = model;
    bad.n_base = 0u;
    CHECK_EQ_INT(emml_neighbors_init(&nn, &bad, 0, 0, 0, 0u, 0u), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_predict(&nn, probe), EMML_ERR_ARGUMENT); /* nothing stored */
    CHECK_EQ_INT(emml_neighbors_add(&nn, probe, 0u, 0), EMML_ERR_BUFFER_TOO_SMALL);
}

int main(void)
{
    test_mathf();
    test_linear_kernels();
    test_svm_vote();
    test_neighbors_buffer();
    return EMML_TEST_SUMMARY();
}
