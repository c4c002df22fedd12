/* Host tests for the integer classical paths and SVM probabilities: the q7 /
 * q15 nearest-neighbour search (run-time buffer, ring, wrong types, distance
 * saturation, distance-weight zero rule), the int32 one-vs-one vote, and the
 * Platt + pairwise-coupling probabilities on hand-checked cases. Parity of
 * generated models with the Python references is in tests/test_neighbors.py
 * and tests/test_svm.py. */
#include <math.h>

#include "emml/neighbors.h"
#include "emml/svm.h"
#include "emml_test.h"

static void test_q7_buffer(void)
{
    static const int8_t base_x[4] = {0, 0, 100, 100};
    static const uint16_t base_label[2] = {0u, 1u};
    const emml_neighbors_q_model_t model = {2u, 3u, 1u, EMML_NEIGHBORS_UNIFORM, EMML_NEIGHBORS_EUCLIDEAN,
                                            2u, base_x, 0, base_label};
    emml_neighbors_q_model_t bad = model;
    int8_t xs[2 * 2];
    int16_t xs16[2 * 2];
    uint16_t labels[2];
    const int8_t probe[2] = {120, 120};
    const int8_t near_probe[2] = {121, 121};
    const int8_t far[2] = {-128, 5};
    const int16_t probe16[2] = {120, 120};
    float proba[3];
    emml_neighbors_q_t nn;
    CHECK_EQ_INT(emml_neighbors_q7_init(&nn, &model, xs, labels, 2u, 0u), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_q7_predict(&nn, probe), 1);
    CHECK_EQ_INT(emml_neighbors_q7_add(&nn, near_probe, 2u), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_q7_predict(&nn, probe), 2);
    CHECK_EQ_INT(emml_neighbors_q7_add(&nn, far, 3u), EMML_ERR_ARGUMENT); /* label out of range */
    CHECK_EQ_INT(emml_neighbors_q7_add(&nn, far, 0u), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_q7_add(&nn, far, 0u), EMML_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(emml_neighbors_q7_scores(&nn, probe, proba), EMML_OK);
    CHECK(proba[2] == 1.0f && proba[0] == 0.0f && proba[1] == 0.0f);
    /* the wrong integer type is refused, not misread */
    CHECK_EQ_INT(emml_neighbors_q15_predict(&nn, probe16), EMML_ERR_ARGUMENT);
    CHECK_EQ_INT(emml_neighbors_q15_add(&nn, probe16, 0u), EMML_ERR_ARGUMENT);
    CHECK_EQ_INT(emml_neighbors_q15_init(&nn, &model, xs16, labels, 2u, 0u), EMML_ERR_ARGUMENT);
    /* ring: the third example overwrites the first added one */
    CHECK_EQ_INT(emml_neighbors_q7_init(&nn, &model, xs, labels, 2u, EMML_NEIGHBORS_RING), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_q7_add(&nn, near_probe, 2u), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_q7_add(&nn, far, 0u), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_q7_add(&nn, far, 0u), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_q7_predict(&nn, probe), 1);
    /* bad arguments */
    CHECK_EQ_INT(emml_neighbors_q7_init(0, &model, xs, labels, 2u, 0u), EMML_ERR_NULL);
    CHECK_EQ_INT(emml_neighbors_q7_init(&nn, &model, 0, labels, 2u, 0u), EMML_ERR_NULL);
    CHECK_EQ_INT(emml_neighbors_q7_init(&nn, &model, xs, 0, 2u, 0u), EMML_ERR_NULL);
    bad.k = 0u;
    CHECK_EQ_INT(emml_neighbors_q7_init(&nn, &bad, xs, labels, 2u, 0u), EMML_ERR_ARGUMENT);
    bad = model;
    bad.n_base = 0u;
    CHECK_EQ_INT(emml_neighbors_q7_init(&nn, &bad, 0, 0, 0u, 0u), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_q7_predict(&nn, probe), EMML_ERR_ARGUMENT); /* nothing stored */
    CHECK_EQ_INT(emml_neighbors_q7_add(&nn, probe, 0u), EMML_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(emml_neighbors_q7_predict(&nn, 0), EMML_ERR_NULL);
}

static void test_q15_distances(void)
{
    /* 3 features at opposite ends of int16: each square is 65535^2, the sum
     * saturates at 0xFFFFFFFF; the nearer example must still win */
    static const int16_t base_x[9] = {32767, 32767, 32767, -32768, -32768, -32768, 0, 0, 0};
    static const uint16_t base_label[3] = {0u, 1u, 2u};
    emml_neighbors_q_model_t model = {3u, 3u, 1u, EMML_NEIGHBORS_UNIFORM, EMML_NEIGHBORS_EUCLIDEAN,
                                      3u, 0, base_x, base_label};
    const int16_t q_low[3] = {-32768, -32768, -32767};
    const int16_t q_mid[3] = {1, -1, 2};
    float proba[3];
    emml_neighbors_q_t nn;
    CHECK_EQ_INT(emml_neighbors_q15_init(&nn, &model, 0, 0, 0u, 0u), EMML_OK);
    CHECK_EQ_INT(emml_neighbors_q15_predict(&nn, q_low), 1);
    CHECK_EQ_INT(emml_neighbors_q15_predict(&nn, q_mid), 2);
    model.metric = EMML_NEIGHBORS_MANHATTAN;
    CHECK_EQ_INT(emml_neighbors_q15_predict(&nn, q_low), 1);
    CHECK_EQ_INT(emml_neighbors_q15_predict(&nn, q_mid), 2);
    /* distance weights, k = 3: an exact match takes every vote */
    model.k = 3u;
    model.weights = EMML_NEIGHBORS_DISTANCE;
    CHECK_EQ_INT(emml_neighbors_q15_scores(&nn, base_x + 3, proba), EMML_OK);
    CHECK(proba[1] == 1.0f && proba[0] == 0.0f && proba[2] == 0.0f);
    /* Manhattan distances 1 + 1 + 2 = 4 to class 2 and 98303 + ... to the others */
    CHECK_EQ_INT(emml_neighbors_q15_predict(&nn, q_mid), 2);
    CHECK_EQ_INT(emml_neighbors_q15_scores(&nn, q_mid, proba), EMML_OK);
    CHECK(proba[2] > 0.999f && fabsf(proba[0] + proba[1] + proba[2] - 1.0f) < 1e-6f);
}

static void test_vote_i32(void)
{
    /* 3 classes, pairs (0,1) (0,2) (1,2) */
    const int32_t dec[3] = {-5, -1, 7};  /* 1 beats 0, 2 beats 0, 1 beats 2 */
    const int32_t zero[3] = {0, 0, 0};   /* 0 is not positive: every pair goes to the higher class */
    CHECK_EQ_INT(emml_svm_vote_i32(dec, 3u), 1);
    CHECK_EQ_INT(emml_svm_vote_i32(zero, 3u), 2);
}

static void test_svm_proba(void)
{
    /* two classes, A = -1, B = 0: r_01 = 1 / (1 + e^-dec); the coupling
     * iteration stops within 0.005 / 2 of the exact answer p0 = r_01 */
    const float a2[1] = {-1.0f}, b2[1] = {0.0f};
    const float a3[3] = {-2.0f, -2.0f, -2.0f}, b3[3] = {0.0f, 0.0f, 0.0f};
    float dec[3], p[3], work[6];
    dec[0] = 1.5f;
    emml_svm_proba_f32(dec, a2, b2, 2u, p, work);
    CHECK(fabsf(dec[0] - 1.0f / (1.0f + expf(-1.5f))) < 1e-6f); /* dec now holds r_01 */
    CHECK(fabsf(p[0] - dec[0]) < 0.0025f && fabsf(p[0] + p[1] - 1.0f) < 1e-6f);
    /* three classes, all pairs undecided: uniform */
    dec[0] = dec[1] = dec[2] = 0.0f;
    emml_svm_proba_f32(dec, a3, b3, 3u, p, work);
    CHECK(fabsf(p[0] - 1.0f / 3.0f) < 1e-6f && fabsf(p[1] - 1.0f / 3.0f) < 1e-6f);
    /* class 2 wins both its pairs by far: it takes most of the mass; the
     * clipping to [1e-7, 1 - 1e-7] keeps every probability positive */
    dec[0] = 0.0f;
    dec[1] = -40.0f;
    dec[2] = -40.0f;
    emml_svm_proba_f32(dec, a3, b3, 3u, p, work);
    CHECK(p[2] > 0.99f && p[0] > 0.0f && p[1] > 0.0f && fabsf(p[0] - p[1]) < 1e-6f);
    CHECK(fabsf(p[0] + p[1] + p[2] - 1.0f) < 1e-5f);
}

int main(void)
{
    test_q7_buffer();
    test_q15_distances();
    test_vote_i32();
    test_svm_proba();
    return EMML_TEST_SUMMARY();
}
