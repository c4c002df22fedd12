/*
 * nn_app - runs a generated int8 network on every test vector compiled in
 * and prints its raw int8 outputs, so the host can compare them byte for
 * byte with the same generated C run on the host.
 *
 * The test writes nn_model.h/.c (emml.convert of a .tflite, name nn_model)
 * and nn_vectors.h (NN_N_VECTORS rows of nn_model_N_FEATURES int8 values).
 *
 * Output: "nn <n_features> <n_outputs>", then per vector
 * "out <i> <hex bytes>" and "class <i> <k>", then "cycles <per inference>",
 * "stack used=<bytes>", "done"; main returns 0.
 */
#include <stdint.h>

#include "board.h"
#include "console.h"
#include "nn_model.h"
#include "nn_vectors.h"

int main(void)
{
    int8_t out[NN_MODEL_N_RAW_OUTPUTS];
    uint32_t i, k, start, cycles = 0u;
    board_init();
    console_puts("nn ");
    console_put_uint(NN_MODEL_N_FEATURES);
    console_putc(' ');
    console_put_uint(NN_MODEL_N_RAW_OUTPUTS);
    console_newline();
    for (i = 0u; i < NN_N_VECTORS; i++) {
        const int8_t *x = nn_vectors[i];
        start = board_cycles();
        if (nn_model_forward_i8(x, NN_MODEL_N_FEATURES, out, NN_MODEL_N_RAW_OUTPUTS) != EMML_OK) {
            console_puts("error");
            console_newline();
            return 1;
        }
        cycles = board_cycles() - start;
        console_puts("out ");
        console_put_uint(i);
        console_putc(' ');
        for (k = 0u; k < NN_MODEL_N_RAW_OUTPUTS; k++) {
            console_put_hex((uint32_t)(uint8_t)out[k], 2u);
        }
        console_newline();
        console_puts("class ");
        console_put_uint(i);
        console_putc(' ');
        console_put_int(nn_model_predict_i8(x, NN_MODEL_N_FEATURES));
        console_newline();
    }
    console_puts("cycles ");
    console_put_uint(cycles);
    console_newline();
    console_puts("stack used=");
    console_put_uint((uint32_t)board_stack_used());
    console_newline();
    console_puts("done");
    console_newline();
    return 0;
}
