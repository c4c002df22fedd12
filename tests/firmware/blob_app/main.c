/*
 * blob_app - a tree model loaded at run time (emml/blob.h): first the blob
 * linked into flash (blob_flash.c, written by emml.blob.c_array), then any
 * blob sent over the UART, the way an over-the-air update would arrive.
 * A blob the loader rejects leaves the running model in place.
 * tests/firmware/test_blob_firmware.py drives it.
 *
 * Input lines:
 *   load <n>          then ceil(n / 64) lines of up to 128 hex digits: the
 *                     blob's n bytes, into a RAM buffer of BLOB_RAM_SIZE
 *   <features>        N_FEATURES float32 as 8 hex digits each (IEEE-754
 *                     bits), space separated: one prediction
 *   end               stop
 * Output lines (newline "\r\n"):
 *   ready flash=<status> size=<bytes> features=<n> classes=<n>
 *   load <status> size=<bytes> features=<n> classes=<n>   status 0: now in use
 *   row <i> class <k> proba <8 hex digits: bits of the float32 probability of k>
 *   row <i> value <8 hex digits>          (regressors: first output)
 *   row <i> error <status>
 *   done rows=<n>
 */
#include <stdint.h>

#include "../common/hex_words.h"
#include "blob_flash.h"
#include "board.h"
#include "console.h"
#include "emml/blob.h"

#ifndef BLOB_RAM_SIZE
#define BLOB_RAM_SIZE 4096u
#endif
#define MAX_FEATURES 64u
#define LINE_MAX (MAX_FEATURES * 9u + 16u)

static char line[LINE_MAX];
static uint8_t ram_blob[BLOB_RAM_SIZE];
static float features[MAX_FEATURES];
static float outputs[EMML_BLOB_MAX_OUTPUTS];

static int starts_with(const char *s, const char *prefix)
{
    while (*prefix != '\0') {
        if (*s++ != *prefix++)
            return 0;
    }
    return 1;
}

static uint32_t parse_uint(const char *s, int *ok)
{
    uint32_t v = 0u;
    *ok = *s != '\0';
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > 100000u) {
            *ok = 0;
            return 0u;
        }
        v = v * 10u + (uint32_t)(*s - '0');
    }
    return v;
}

/* Receive n bytes as hex lines into ram_blob; 0 on success. */
static int receive(uint32_t n)
{
    uint32_t got = 0u;
    while (got < n) {
        const char *s = line;
        if (console_read_line(line, sizeof line) < 0)
            return -1;
        while (*s != '\0') {
            int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);
            if (lo < 0 || got >= n)
                return -1;
            ram_blob[got++] = (uint8_t)((hi << 4) | lo);
            s += 2;
        }
    }
    return 0;
}

static void describe(emml_status_t st, uint32_t size, const emml_blob_t *model)
{
    console_put_int((int32_t)st);
    console_puts(" size=");
    console_put_uint(size);
    console_puts(" features=");
    console_put_uint(st == EMML_OK ? model->n_features : 0u);
    console_puts(" classes=");
    console_put_uint(st == EMML_OK ? emml_blob_n_classes(model) : 0u);
    console_newline();
}

int main(void)
{
    emml_blob_t model, candidate;
    int32_t rows = 0;
    emml_status_t st;
    board_init();
    st = emml_blob_open(blob_flash, blob_flash_len, &model);
    console_puts("ready flash=");
    describe(st, (uint32_t)blob_flash_len, &model);
    for (;;) {
        int32_t n = console_read_line(line, sizeof line);
        if (n < 0 || (line[0] == 'e' && line[1] == 'n' && line[2] == 'd' && line[3] == '\0'))
            break;
        if (starts_with(line, "load ")) {
            int ok;
            uint32_t size = parse_uint(line + 5, &ok);
            if (!ok || size > BLOB_RAM_SIZE || receive(size) != 0) {
                console_puts("load error malformed");
                console_newline();
                continue;
            }
            /* open into a candidate: a rejected update keeps the old model */
            st = emml_blob_open(ram_blob, size, &candidate);
            if (st == EMML_OK)
                model = candidate;
            console_puts("load ");
            describe(st, size, &candidate);
            continue;
        }
        console_puts("row ");
        console_put_int(rows++);
        if (n >= (int32_t)sizeof line || model.n_features > MAX_FEATURES ||
            parse_hex_row(line, features, model.n_features) != 0) {
            console_puts(" error malformed");
            console_newline();
            continue;
        }
        if (model.task == EMML_BLOB_REGRESSOR) {
            st = emml_blob_regress(&model, features, model.n_features, outputs, EMML_BLOB_MAX_OUTPUTS);
            if (st == EMML_OK) {
                console_puts(" value ");
                console_put_hex(bits_of(outputs[0]), 8);
            }
        } else {
            int32_t k = 0;
            st = emml_blob_predict(&model, features, model.n_features, &k);
            if (st == EMML_OK && model.task == EMML_BLOB_CLASSIFIER)
                st = emml_blob_predict_proba(&model, features, model.n_features, outputs, EMML_BLOB_MAX_OUTPUTS);
            if (st == EMML_OK) {
                console_puts(" class ");
                console_put_int(k);
                console_puts(" proba ");
                console_put_hex(model.task == EMML_BLOB_CLASSIFIER ? bits_of(outputs[k]) : 0u, 8);
            }
        }
        if (st != EMML_OK) {
            console_puts(" error ");
            console_put_int((int32_t)st);
        }
        console_newline();
    }
    console_puts("done rows=");
    console_put_int(rows);
    console_newline();
    return 0;
}
