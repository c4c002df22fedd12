/*
 * trees_app - runs a generated tree model (tree_model.h / tree_model.c,
 * written by emml.convert(...).save(dir, "tree_model")) on rows of features
 * streamed over the console UART; tests/firmware/test_trees_firmware.py
 * compares its answers with Model.predict on the host and scikit-learn.
 *
 * Input, one line per row: TREE_MODEL_N_FEATURES float32 values, each as the
 * 8 lower-case hex digits of its IEEE-754 bits, separated by one space
 * (exact, and no float parsing needed: RV32E builds have no libc).
 * A line "end" (or the end of input) stops.
 *
 * Output (console newline "\r\n"):
 *   ready features=<n> classes=<n>
 *   row <i> class <k> proba <8 hex digits: bits of the float32 probability of k>
 * or, for a multi-output classifier (TREE_MODEL_N_TARGETS defined):
 *   ready features=<n> targets=<n> outputs=<n>
 *   row <i> class <k0> ... <k(targets-1)> proba <8 hex digits per probability, all outputs>
 *   row <i> error <reason>                 a malformed line
 *   done rows=<n>
 * then main returns 0 (QEMU's exit status).
 */
#include "../common/hex_words.h"
#include "board.h"
#include "console.h"
#include "tree_model.h"

#define LINE_MAX (TREE_MODEL_N_FEATURES * 9 + 16)

static char line[LINE_MAX];
static float features[TREE_MODEL_N_FEATURES];
static float proba[TREE_MODEL_N_OUTPUTS];
#ifdef TREE_MODEL_N_TARGETS
static int32_t classes[TREE_MODEL_N_TARGETS];
#endif

static int is_end(const char *s)
{
    return s[0] == 'e' && s[1] == 'n' && s[2] == 'd' && s[3] == '\0';
}

int main(void)
{
    int32_t rows = 0;
    board_init();
    console_puts("ready features=");
    console_put_int(TREE_MODEL_N_FEATURES);
#ifdef TREE_MODEL_N_TARGETS
    console_puts(" targets=");
    console_put_int(TREE_MODEL_N_TARGETS);
    console_puts(" outputs=");
    console_put_int(TREE_MODEL_N_OUTPUTS);
#else
    console_puts(" classes=");
    console_put_int(TREE_MODEL_N_CLASSES);
#endif
    console_newline();
    for (;;) {
        int32_t k;
        int32_t n = console_read_line(line, sizeof line);
        if (n < 0 || is_end(line))
            break;
        console_puts("row ");
        console_put_int(rows++);
        if (n >= (int32_t)sizeof line || parse_hex_row(line, features, TREE_MODEL_N_FEATURES) != 0) {
            console_puts(" error malformed");
            console_newline();
            continue;
        }
#ifdef TREE_MODEL_N_TARGETS
        k = (int32_t)tree_model_predict(features, TREE_MODEL_N_FEATURES, classes, TREE_MODEL_N_TARGETS);
#else
        k = tree_model_predict(features, TREE_MODEL_N_FEATURES);
#endif
        if (k < 0 || tree_model_predict_proba(features, TREE_MODEL_N_FEATURES, proba, TREE_MODEL_N_OUTPUTS) != EMML_OK) {
            console_puts(" error status ");
            console_put_int(k);
            console_newline();
            continue;
        }
#ifdef TREE_MODEL_N_TARGETS
        console_puts(" class");
        for (k = 0; k < TREE_MODEL_N_TARGETS; k++) {
            console_puts(" ");
            console_put_int(classes[k]);
        }
        console_puts(" proba");
        for (k = 0; k < TREE_MODEL_N_OUTPUTS; k++) {
            console_puts(" ");
            console_put_hex(bits_of(proba[k]), 8);
        }
#else
        console_puts(" class ");
        console_put_int(k);
        console_puts(" proba ");
        console_put_hex(bits_of(proba[k]), 8);
#endif
        console_newline();
    }
    console_puts("done rows=");
    console_put_int(rows);
    console_newline();
    return 0;
}
