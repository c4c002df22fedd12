/*
 * emml/trees.h - decision tree ensembles (random forests, extra trees,
 * gradient boosting, isolation forests) as compact tables.
 *
 * The generator (emml.convert) writes one const emml_trees_t per model plus
 * its arrays; this runtime walks them. Nothing here allocates or prints.
 * That is the "packed" layout. By default (layout="bytes") the generator
 * instead stores each node in whole bytes and emits a walker specialised to
 * the model into the generated .c (format: src/emml/trees/fast.py); such
 * models use only emml_trees_skey() and emml_trees_isnan() from here.
 *
 * Data format (every integer array is a bit stream: bit k of the stream is
 * bit k % 32 of word k / 32 of a uint32_t array; fields may straddle words):
 *
 *   nodes       decision nodes only, each tree in preorder, trees one after
 *               another. A node is node_bits wide, fields from bit 0 up:
 *                 kind      2 bits  EMML_TREES_NN / _NL / _LN / _LL: which
 *                                   children are leaves
 *                 nan_left  1 bit   only if flags has EMML_TREES_NAN: a NaN
 *                                   input goes left
 *                 feature   feature_bits
 *                 threshold threshold_bits, index into thresholds[]
 *                 child     child_bits, meaning depends on kind:
 *                   NN: offset of the right child (left child is the next node)
 *                   NL: leaf reference of the right child (left is next node)
 *                   LN: leaf reference of the left child (right is next node)
 *                   LL: index p of a leaf pair: pairs[2p] left, pairs[2p+1] right
 *   roots       root_bits per tree: index of the tree's first node
 *   pairs       leaf_bits per entry, two entries per LL node (deduplicated)
 *   thresholds  uint32 order keys (emml_trees_key) of float32 thresholds,
 *               rounded down so that key(x) <= key(t) equals x <= t_float64
 *   leaves      a leaf reference r selects a row of values:
 *                 r < n_outputs with EMML_TREES_ONEHOT: probability 1 for
 *                   class r (pure classification leaves, no storage);
 *                 otherwise row j = r - (n_outputs if ONEHOT else 0).
 *               Classifiers (kind EMML_TREES_PROBA): row j holds the sparse
 *               entries offsets[j] .. offsets[j+1]-1 (offset_bits each);
 *               entry e is (class: class_bits, value: value_bits) at bit
 *               e * (class_bits + value_bits) of entries; values are
 *               probabilities in unsigned fixed point with frac_bits
 *               fractional bits (round to nearest), so sums over trees are
 *               exact integers and do not depend on summation order.
 *               Regressors (EMML_TREES_SUM): row j is values[j*row_width ..]
 *               as float32.
 *
 * Widths are chosen per model by the generator (the narrowest that fit);
 * every field is at most 31 bits (EMML_TREES_MAX_FIELD_BITS). The fast
 * walkers need node_bits <= 32 and no NaN bit; emml_trees_walk_any takes
 * every model (float input).
 */
#ifndef EMML_TREES_H
#define EMML_TREES_H

#include <stdint.h>

#include "emml/config.h"
#include "emml/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Node kinds: which children are leaves (N = node, L = leaf), left first. */
#define EMML_TREES_NN 0u
#define EMML_TREES_NL 1u
#define EMML_TREES_LN 2u
#define EMML_TREES_LL 3u

/* emml_trees_t.flags */
#define EMML_TREES_ONEHOT 0x01u /* leaf refs < n_outputs are one-hot classes */
#define EMML_TREES_NAN 0x02u    /* nodes carry a nan_left bit (NaN inputs allowed) */

/* emml_trees_t.kind: how leaf rows are stored and summed. */
#define EMML_TREES_PROBA 1u /* fixed-point sparse probability rows */
#define EMML_TREES_SUM 2u   /* float32 rows */

#define EMML_TREES_MAX_FIELD_BITS 31u

typedef struct {
    uint32_t n_features; /* length of the input vector */
    uint32_t n_outputs;  /* classes (PROBA) or accumulator width (SUM) */
    uint32_t n_trees;
    uint32_t n_nodes;      /* decision nodes in nodes[] (0 for inline code) */
    uint32_t n_thresholds; /* entries in thresholds[] */
    uint32_t n_pairs;      /* leaf pairs in pairs[] */
    uint32_t n_leaves;     /* valid leaf references: [0, n_leaves) */
    uint32_t n_entries;    /* PROBA: entries in entries[] */
    uint8_t kind;          /* EMML_TREES_PROBA or EMML_TREES_SUM */
    uint8_t flags;         /* EMML_TREES_ONEHOT | EMML_TREES_NAN */
    uint8_t node_bits;     /* 2 + nan bit + feature + threshold + child */
    uint8_t feature_bits;
    uint8_t threshold_bits;
    uint8_t child_bits;
    uint8_t root_bits;
    uint8_t leaf_bits;   /* width of a leaf reference in pairs[] */
    uint8_t offset_bits; /* PROBA: width of offsets[] */
    uint8_t class_bits;  /* PROBA: width of an entry's class */
    uint8_t value_bits;  /* PROBA: width of an entry's value */
    uint8_t frac_bits;   /* PROBA: fixed-point fraction bits (1.0 == 1 << frac_bits) */
    uint16_t row_width;  /* SUM: floats per leaf row */
    const uint32_t *nodes;
    const uint32_t *roots;
    const uint32_t *pairs;
    const uint32_t *thresholds;
    const uint32_t *offsets; /* PROBA */
    const uint32_t *entries; /* PROBA */
    const float *values;    /* SUM */
} emml_trees_t;

/* Order key of a float32: unsigned keys compare like the floats do
 * (-0.0 sorts just below +0.0; NaN sorts outside [-inf, +inf]). */
static inline uint32_t emml_trees_key(float x)
{
    union {
        float f;
        uint32_t u;
    } v;
    v.f = x;
    return v.u ^ ((0u - (v.u >> 31)) | 0x80000000u);
}

/* Signed order key of a float32: its bits as int32_t with the low 31 bits
 * flipped for negative numbers, so signed integer order is float order
 * (-0.0 sorts just below +0.0; NaN sorts outside [-inf, +inf]). Equals
 * emml_trees_key(x) ^ 0x80000000. Generated byte-layout walkers use it. */
static inline int32_t emml_trees_skey(float x)
{
    union {
        float f;
        uint32_t u;
        int32_t i;
    } v;
    v.f = x;
    v.u ^= (0u - (v.u >> 31)) >> 1;
    return v.i;
}

/* Order key of a signed integer (quantized features). */
static inline uint32_t emml_trees_key_int(int32_t x)
{
    return (uint32_t)x ^ 0x80000000u;
}

/* 1 if the float32 with these bits is a NaN. */
static inline int emml_trees_isnan_bits(uint32_t u)
{
    return (u & 0x7fffffffu) > 0x7f800000u;
}

/* The bits of a float32 as a signed integer. For t >= +0.0 (never -0.0),
 * x <= t equals bits(x) <= bits(t); for t < 0, x <= t equals
 * (uint32_t)bits(x) >= (uint32_t)bits(t). Inline code uses this. */
static inline int32_t emml_trees_sbits(float x)
{
    union {
        float f;
        int32_t i;
    } v;
    v.f = x;
    return v.i;
}

static inline uint32_t emml_trees_ubits(float x)
{
    union {
        float f;
        uint32_t u;
    } v;
    v.f = x;
    return v.u;
}

/* 1 if x is a NaN, without a floating-point compare. */
static inline int emml_trees_isnan(float x)
{
    union {
        float f;
        uint32_t u;
    } v;
    v.f = x;
    return emml_trees_isnan_bits(v.u);
}

/* Check that a model's arrays are consistent: every node, pair, root and
 * leaf reference in range, every tree terminating. Call once (tests, or at
 * start-up for data loaded at run time); the per-sample functions trust it.
 * Generated models are checked by the generator already. */
emml_status_t emml_trees_check(const emml_trees_t *model);

/* Leaf reference reached by tree `tree` for input x. The fast walkers need
 * node_bits <= 32 and no EMML_TREES_NAN; emml_trees_walk_any takes any
 * model. The _i16/_i8/_u8 variants take quantized features; their
 * thresholds are integer keys. */
uint32_t emml_trees_walk(const emml_trees_t *model, uint32_t tree, const float *x);
uint32_t emml_trees_walk_any(const emml_trees_t *model, uint32_t tree, const float *x);
uint32_t emml_trees_walk_i16(const emml_trees_t *model, uint32_t tree, const int16_t *x);
uint32_t emml_trees_walk_i8(const emml_trees_t *model, uint32_t tree, const int8_t *x);
uint32_t emml_trees_walk_u8(const emml_trees_t *model, uint32_t tree, const uint8_t *x);

/* PROBA models: acc[class] += fixed-point probability of leaf `leaf`. */
void emml_trees_add_proba(const emml_trees_t *model, uint32_t leaf, uint32_t *acc);

/* SUM models: acc[0 .. row_width) += the float row of leaf `leaf`. */
void emml_trees_add_values(const emml_trees_t *model, uint32_t leaf, float *acc);

/* Index of the first largest element (numpy.argmax semantics). n >= 1. */
int32_t emml_trees_argmax_u32(const uint32_t *v, uint32_t n);
#if EMML_FLOAT_ENABLE
int32_t emml_trees_argmax_f32(const float *v, uint32_t n);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_TREES_H */
