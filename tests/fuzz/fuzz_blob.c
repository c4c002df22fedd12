/*
 * fuzz_blob - libFuzzer harness for the model blob loader (emml/blob.h).
 *
 * Each input is tried twice: as it is (so the CRC check is exercised) and
 * with its CRC recomputed (so the structural checks behind it are, which a
 * random mutation would otherwise almost never reach). A blob the loader
 * accepts is then evaluated on a few feature vectors, including NaN and
 * +-Inf: every accepted blob must be safe to walk. The blob is copied into
 * a buffer of exactly its size so ASan reports any read past its end.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emml/blob.h"

static void evaluate(const emml_blob_t *b, const uint8_t *data, size_t size)
{
    static float x[EMML_BLOB_MAX_FEATURES];
    static float out[EMML_BLOB_MAX_OUTPUTS];
    static const float special[] = {0.0f, -0.0f, 1.0f, -1.0f, INFINITY, -INFINITY, NAN, 1e30f};
    uint32_t n = b->n_features, i, pattern;
    int32_t label;
    for (pattern = 0u; pattern < 4u; pattern++) {
        for (i = 0u; i < n; i++) {
            if (pattern == 0u) {
                x[i] = special[(i + size) % 8u];
            } else if (pattern == 1u) {
                x[i] = (float)data[i % size] - 128.0f;
            } else if (pattern == 2u) {
                x[i] = INFINITY;
            } else {
                x[i] = -INFINITY;
            }
        }
        (void)emml_blob_predict(b, x, n, &label);
        (void)emml_blob_predict_proba(b, x, n, out, EMML_BLOB_MAX_OUTPUTS);
        (void)emml_blob_regress(b, x, n, out, EMML_BLOB_MAX_OUTPUTS);
        if (b->task == EMML_BLOB_CLASSIFIER && emml_blob_predict(b, x, n, &label) == EMML_OK &&
            (label < 0 || (uint32_t)label >= emml_blob_n_classes(b))) {
            abort(); /* a class index outside the model's classes */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emml_blob_t b;
    uint8_t *copy;
    if (size == 0u) {
        return 0;
    }
    copy = (uint8_t *)malloc(size);
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);
    if (emml_blob_open(copy, size, &b) == EMML_OK) {
        evaluate(&b, copy, size);
    }
    if (size >= 16u) { /* again with a valid CRC over whatever total size it claims */
        uint32_t total = (uint32_t)copy[8] | ((uint32_t)copy[9] << 8) | ((uint32_t)copy[10] << 16) |
                         ((uint32_t)copy[11] << 24);
        if (total >= 16u && total <= size) {
            uint32_t crc = emml_blob_crc32(0u, copy + 16, total - 16u);
            copy[12] = (uint8_t)crc;
            copy[13] = (uint8_t)(crc >> 8);
            copy[14] = (uint8_t)(crc >> 16);
            copy[15] = (uint8_t)(crc >> 24);
            if (emml_blob_open(copy, size, &b) == EMML_OK) {
                evaluate(&b, copy, size);
            }
        }
    }
    free(copy);
    return 0;
}
