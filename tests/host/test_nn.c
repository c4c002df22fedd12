/* Host tests of emml/nn.h: fixed-point primitives at their edges, the
 * float kernels on hand-computed cases, quantization rounding. */
#include <stdint.h>

#include "emml/nn.h"
#include "emml_test.h"

static int near(float a, float b, float tol)
{
    float d = a - b;
    return d <= tol && -d <= tol;
}

int main(void)
{
    /* rounding doubling high multiply: ties away from zero, saturation */
    CHECK_EQ_INT(emml_nn_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
    CHECK_EQ_INT(emml_nn_srdhm(1 << 30, 1 << 30), 1 << 29);
    CHECK_EQ_INT(emml_nn_srdhm(1, 1 << 30), 1);   /* 0.5 rounds up */
    CHECK_EQ_INT(emml_nn_srdhm(-1, 1 << 30), 0);  /* -0.5 rounds toward zero (gemmlowp nudge) */
    /* rounding divide by a power of two */
    CHECK_EQ_INT(emml_nn_rdivpot(5, 1), 3);
    CHECK_EQ_INT(emml_nn_rdivpot(-5, 1), -3);
    CHECK_EQ_INT(emml_nn_rdivpot(-4, 1), -2);
    CHECK_EQ_INT(emml_nn_rdivpot(7, 0), 7);
    CHECK_EQ_INT(emml_nn_rdivpot(INT32_MIN, 31), -1);
    /* requantize by 0.75 = (0.75 * 2^31) / 2^31 * 2^0 and by 3 = 0.75 * 2^2 */
    CHECK_EQ_INT(emml_nn_requantize(10, 1610612736, 0), 8); /* 7.5 -> 8 */
    CHECK_EQ_INT(emml_nn_requantize(-10, 1610612736, 0), -7); /* -7.5 -> -7 */
    CHECK_EQ_INT(emml_nn_requantize(10, 1610612736, 2), 30);
    /* exp(0) is one; 1 / (1 + 0) is one */
    CHECK_EQ_INT(emml_nn_fx_exp_neg(0, 5), INT32_MAX);
    CHECK(emml_nn_fx_one_over_one_plus(0) >= INT32_MAX - 2);
    {
        int8_t q[6];
        float x[6] = {0.25f, -0.25f, 0.75f, 1000.0f, -1000.0f, 0.0f};
        emml_nn_quantize_f32(x, q, 6u, 0.5f, 3); /* 0.5, -0.5, 1.5 round away */
        CHECK_EQ_INT(q[0], 4);
        CHECK_EQ_INT(q[1], 2);
        CHECK_EQ_INT(q[2], 5);
        CHECK_EQ_INT(q[3], 127);
        CHECK_EQ_INT(q[4], -128);
        CHECK_EQ_INT(q[5], 3);
    }
#if EMML_FLOAT_ENABLE
    {
        static const float w[6] = {1.0f, 2.0f, 3.0f, -1.0f, -1.0f, -1.0f};
        static const float b[2] = {0.5f, 1.0f};
        const emml_nn_dense_f32_t d = {3u, 2u, EMML_NN_ACT_LEAKY, 0.5f, w, b};
        const float x[3] = {1.0f, 1.0f, 1.0f};
        float y[2];
        emml_nn_dense_f32(&d, x, y);
        CHECK(near(y[0], 6.5f, 0.0f));
        CHECK(near(y[1], -1.0f, 0.0f)); /* -2 * 0.5 */
    }
    {
        /* 1-D conv, kernel 3, same padding, one channel: moving sum */
        static const float w[3] = {1.0f, 1.0f, 1.0f};
        const emml_nn_conv_f32_t c = {{1u, 4u, 1u, 1u, 4u, 1u, 1u, 3u, 1u, 1u, 1u, 1u, 0u, 1u, 1u},
                                      EMML_NN_ACT_NONE, 0.0f, w, 0};
        const float x[4] = {1.0f, 2.0f, 3.0f, 4.0f};
        float y[4];
        emml_nn_conv2d_f32(&c, x, y);
        CHECK(near(y[0], 3.0f, 0.0f) && near(y[1], 6.0f, 0.0f) && near(y[2], 9.0f, 0.0f) && near(y[3], 7.0f, 0.0f));
    }
    {
        float v[3] = {1.0f, 2.0f, 3.0f};
        emml_nn_softmax_f32(v, v, 1u, 3u);
        CHECK(near(v[0] + v[1] + v[2], 1.0f, 1e-6f));
        CHECK(near(v[2], 0.665240943f, 1e-6f));
        CHECK(near(emml_nn_tanhf(0.5f), 0.462117157f, 3e-7f));
        CHECK(near(emml_nn_tanhf(-3.0f), -0.995054754f, 3e-7f));
        CHECK(near(emml_nn_tanhf(20.0f), 1.0f, 0.0f));
    }
#endif
    return EMML_TEST_SUMMARY();
}
