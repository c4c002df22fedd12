/*
 * classical_app - runs one converted classical model (generated files
 * model.h / model.c) on the test rows in vectors.h, both written by
 * tests/firmware/test_classical_firmware.py, and prints per row:
 *   row <i> p=<class index or -> o=<hex float bits>,...
 * then "done", and exits with 0 (1 if any entry point returned an error).
 *
 * vectors.h defines VEC_N_ROWS, vec_x[VEC_N_ROWS * MODEL_N_FEATURES],
 * APP_HAS_PREDICT (0/1), and APP_ROWS / APP_N_OUT: the float-output entry
 * point to call (predict_proba, regress) and its output count.
 */
#include "board.h"
#include "console.h"
#include "model.h"
#include "vectors.h"

typedef union {
    float f;
    uint32_t u;
} app_bits_t;

int main(void)
{
    uint32_t i, k;
    int status = 0;
    board_init();
    console_puts("classical_app");
    console_newline();
    for (i = 0u; i < (uint32_t)VEC_N_ROWS; i++) {
        const float *x = &vec_x[i * (uint32_t)MODEL_N_FEATURES];
        float out[APP_N_OUT];
        console_puts("row ");
        console_put_uint(i);
        console_puts(" p=");
#if APP_HAS_PREDICT
        {
            int32_t p = model_predict(x, MODEL_N_FEATURES);
            status |= p < 0 ? 1 : 0;
            console_put_int(p);
        }
#else
        console_putc('-');
#endif
        console_puts(" o=");
        status |= APP_ROWS(x, MODEL_N_FEATURES, out, APP_N_OUT) != EMML_OK ? 1 : 0;
        for (k = 0u; k < (uint32_t)APP_N_OUT; k++) {
            app_bits_t b;
            b.f = out[k];
            if (k > 0u) {
                console_putc(',');
            }
            console_put_hex(b.u, 8u);
        }
        console_newline();
    }
    console_puts("done");
    console_newline();
    return status;
}
