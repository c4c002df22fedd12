/*
 * emml/blob.h - tree ensembles loaded at run time from a byte blob (for
 * over-the-air model updates), validated completely before first use.
 *
 * A blob is written by emml.blob.write() in Python. emml_blob_open() checks
 * the whole blob once: magic, format version, sizes, CRC-32, and then every
 * index and length in it. A truncated, corrupted or hostile blob is rejected
 * with a status code; one that passes can be evaluated with no further
 * checks and can never make the walker read outside the blob or loop: every
 * child index points forward inside its own tree, so a walk ends after at
 * most as many steps as the tree has nodes.
 *
 *     emml_blob_t model;
 *     emml_status_t st = emml_blob_open(rx_buffer, rx_len, &model);
 *     if (st < 0) { keep the old model; report emml_status_str(st); }
 *     st = emml_blob_predict(&model, x, n_features, &label);
 *
 * The blob is read in place (flash or RAM, any alignment, byte by byte, so
 * the result does not depend on the CPU's endianness); it must stay
 * unchanged while the emml_blob_t refers to it.
 *
 * Format version 1, every integer little-endian, floats IEEE-754 binary32:
 *
 *   header (48 bytes)
 *     0  u8[4] magic "EMLB"
 *     4  u16   format version (EMML_BLOB_VERSION)
 *     6  u16   header size (48)
 *     8  u32   total size: header + every section below
 *    12  u32   CRC-32 (IEEE 802.3, zlib.crc32) of bytes 16 .. total size
 *    16  u8    task: EMML_BLOB_CLASSIFIER / _REGRESSOR / _OUTLIER
 *    17  u8    post: how accumulators become outputs (EMML_BLOB_POST_*)
 *    18  u8    flags: EMML_BLOB_FLAG_*
 *    19  u8    frac_bits: PROBA rows' fixed-point fraction bits (else 0)
 *    20  u16   n_features (1 .. EMML_BLOB_MAX_FEATURES)
 *    22  u16   n_outputs: accumulator width (1 .. EMML_BLOB_MAX_OUTPUTS)
 *    24  u16   row_width: values per leaf row (1 .. n_outputs)
 *    26  u16   n_trees (>= 1)
 *    28  u32   n_nodes: decision and leaf nodes of all trees
 *    32  u32   n_rows: leaf rows
 *    36  f32   param0: MEAN_PROBA 1 / (n_trees 2^frac_bits); MEAN the divisor
 *              (n_trees); ISOLATION ln(2) / c(max_samples) (0: score -1)
 *    40  f32   param1: ISOLATION depth-sum limit (sum < limit: outlier)
 *    44  u32   reserved, 0
 *   base   n_outputs x f32: the accumulators' start values (0 for PROBA)
 *   trees  n_trees x 8 bytes: u32 first node, u16 first accumulator it adds
 *          to, u16 reserved 0. Tree t owns nodes first[t] .. first[t+1] - 1
 *          (the last tree up to n_nodes); first[0] = 0, strictly increasing.
 *   nodes  n_nodes x 8 bytes, each tree in preorder:
 *          decision: u16 feature (bits 0-14; bit 15: a NaN goes left),
 *                    u16 right skip s >= 2, f32 threshold t (not NaN, never
 *                    -0.0): x <= t goes left to the next node, otherwise
 *                    right to this node + s, which must lie in the same tree
 *          leaf:     u16 0, u16 0 (skip 0 marks a leaf), u32 leaf reference:
 *                    PROBA with bit 31 set: probability 1 for class
 *                    (ref & 0x7FFFFFFF) < n_outputs; otherwise a row < n_rows
 *   rows   PROBA (post MEAN_PROBA): n_rows x n_outputs x u32 fixed-point
 *          probabilities, each <= 2^frac_bits, and n_trees 2^frac_bits
 *          <= 2^32 - 1 so the sums cannot overflow.
 *          Otherwise: n_rows x row_width x f32 (finite), added to the
 *          accumulators first .. first + row_width - 1 of the tree.
 *
 * Outputs, as the code emml.convert generates for the same model (so the
 * two give bit-identical results):
 *   MEAN_PROBA  class = first largest sum; proba = sum * param0
 *   LOGISTIC    class = acc >= 0 (flag LOGISTIC_GE) or acc > 0;
 *               proba = {1 - s, s}, s = emml_sigmoidf(acc)
 *   SOFTMAX     class = first largest acc; proba = softmax(acc)
 *   MEAN / SUM  regress: acc / param0, or acc as it is
 *   ISOLATION   predict 0 (outlier) if acc < param1 (always with flag
 *               ALL_OUTLIERS), else 1; regress = -emml_expf(-acc param0),
 *               scikit-learn's score_samples
 *
 * Numeric edge cases: a NaN feature follows its node's NaN bit when the
 * blob has EMML_BLOB_FLAG_NAN and is rejected with EMML_ERR_NUMERIC
 * otherwise; +-Inf features compare like any other value.
 *
 * RAM: emml_blob_t (48 bytes on 32-bit targets); the predict functions keep
 * EMML_BLOB_MAX_OUTPUTS accumulators (4 bytes each) on the stack.
 * Time: emml_blob_open is linear in the blob size (CRC and one pass over the
 * nodes); a prediction visits one root-to-leaf path per tree.
 */
#ifndef EMML_BLOB_H
#define EMML_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "emml/config.h"
#include "emml/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EMML_BLOB_VERSION 1u
#define EMML_BLOB_HEADER_SIZE 48u

/* Largest accumulator width a blob may have: it sets the predict functions'
 * stack use (4 bytes per output). Override with -D; blobs with more outputs
 * are rejected with EMML_ERR_UNSUPPORTED. */
#ifndef EMML_BLOB_MAX_OUTPUTS
#define EMML_BLOB_MAX_OUTPUTS 16u
#endif

/* Feature indices are 15 bits in a node. */
#define EMML_BLOB_MAX_FEATURES 0x7FFFu

/* task */
#define EMML_BLOB_CLASSIFIER 1u
#define EMML_BLOB_REGRESSOR 2u
#define EMML_BLOB_OUTLIER 3u

/* post */
#define EMML_BLOB_POST_MEAN_PROBA 1u
#define EMML_BLOB_POST_LOGISTIC 2u
#define EMML_BLOB_POST_SOFTMAX 3u
#define EMML_BLOB_POST_MEAN 4u
#define EMML_BLOB_POST_SUM 5u
#define EMML_BLOB_POST_ISOLATION 6u

/* flags */
#define EMML_BLOB_FLAG_NAN 0x01u          /* NaN features allowed: nodes route them */
#define EMML_BLOB_FLAG_LOGISTIC_GE 0x02u  /* LOGISTIC: acc == 0 is class 1 */
#define EMML_BLOB_FLAG_ALL_OUTLIERS 0x04u /* ISOLATION: offset >= 0, every sample an outlier */

/* A validated blob: sizes copied out of the header and where each section
 * starts. Filled by emml_blob_open; treat it as read-only. */
typedef struct {
    const uint8_t *base;  /* n_outputs x f32 */
    const uint8_t *trees; /* n_trees x 8 bytes */
    const uint8_t *nodes; /* n_nodes x 8 bytes */
    const uint8_t *rows;  /* leaf rows */
    uint32_t size;        /* total size of the blob in bytes */
    uint32_t n_nodes;
    uint32_t n_rows;
    float param0;
    float param1;
    uint16_t n_features;
    uint16_t n_outputs;
    uint16_t row_width;
    uint16_t n_trees;
    uint8_t task;
    uint8_t post;
    uint8_t flags;
    uint8_t frac_bits;
} emml_blob_t;

/* CRC-32 (IEEE 802.3, reflected, as zlib.crc32) of data[0 .. len), continuing
 * from crc (0 to start). Bitwise: no table in flash. */
uint32_t emml_blob_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* Validate the blob in data[0 .. len) (len may exceed its total size, e.g. a
 * flash slot) and fill *out. Returns EMML_OK, or without touching *out:
 *   EMML_ERR_NULL             data or out is NULL
 *   EMML_ERR_FORMAT           bad magic, truncated, sizes that do not add up,
 *                             an index out of range, a backward or foreign
 *                             child, a non-finite value, reserved bits set
 *   EMML_ERR_VERSION          another format version
 *   EMML_ERR_CHECKSUM         CRC mismatch (corrupted in transit or in flash)
 *   EMML_ERR_UNSUPPORTED      more outputs than EMML_BLOB_MAX_OUTPUTS
 * Never reads data[len] or beyond. */
emml_status_t emml_blob_open(const uint8_t *data, size_t len, emml_blob_t *out);

/* Classifiers: *label = class index (0 .. n_classes - 1); outlier models:
 * 0 = outlier (-1), 1 = inlier (+1). x[n_features] float32 features.
 * EMML_ERR_SHAPE if n_features differs from the blob's, EMML_ERR_NUMERIC for
 * a NaN feature when the blob has no NaN routing, EMML_ERR_UNSUPPORTED for
 * regressors. */
emml_status_t emml_blob_predict(const emml_blob_t *blob, const float *x, uint32_t n_features, int32_t *label);

/* Classifiers: class probabilities into out[0 .. n_classes) (n_out >= n_classes,
 * else EMML_ERR_BUFFER_TOO_SMALL); n_classes = emml_blob_n_classes(). */
emml_status_t emml_blob_predict_proba(const emml_blob_t *blob, const float *x, uint32_t n_features, float *out,
                                      uint32_t n_out);

/* Regressors: the n_outputs values; outlier models: the anomaly score
 * (scikit-learn's score_samples) into out[0]. */
emml_status_t emml_blob_regress(const emml_blob_t *blob, const float *x, uint32_t n_features, float *out,
                                uint32_t n_out);

/* Classes of a classifier (n_outputs; 2 for LOGISTIC), 2 for outlier models, 0 for regressors. */
uint32_t emml_blob_n_classes(const emml_blob_t *blob);

#ifdef __cplusplus
}
#endif

#endif /* EMML_BLOB_H */
