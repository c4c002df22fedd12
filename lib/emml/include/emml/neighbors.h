/*
 * emml/neighbors.h - k-nearest-neighbour classification and regression
 * (scikit-learn KNeighborsClassifier / KNeighborsRegressor, and
 * NearestCentroid as 1-NN over the centroids), in float32, with examples in
 * flash (from training) plus examples added at run time into a fixed-capacity
 * buffer the caller owns.
 *
 *     static float ex[8 * N_FEATURES];        // room for 8 new examples
 *     static uint16_t lab[8];
 *     emml_neighbors_t nn;
 *     emml_neighbors_init(&nn, &mymodel_model, ex, lab, 0, 8, EMML_NEIGHBORS_RING);
 *     emml_neighbors_add(&nn, x_new, label, 0);          // learn on the device
 *     int32_t cls = emml_neighbors_predict(&nn, x);
 *
 * RAM: the caller's buffers (capacity * (4 n_features + 2) bytes for a
 * classifier, capacity * 4 (n_features + n_outputs) for a regressor), the
 * emml_neighbors_t (about 32 bytes) and, on the stack of a query,
 * 8 * EMML_NEIGHBORS_MAX_K bytes of neighbour list plus 4 * n_outputs.
 *
 * Search: exact, brute force over every stored example (flash first, then
 * the buffer in insertion order); distance squared Euclidean (or Manhattan),
 * float32, summed in feature order. The k nearest are kept in a sorted list;
 * an example replaces a listed one only when strictly nearer, so among equal
 * distances the earlier example wins (scikit-learn leaves that order
 * unspecified). Votes: uniform 1, or 1 / distance ("distance" weights; if any
 * neighbour is at distance 0, only those count, as scikit-learn does). The
 * predicted class is the first of equal maxima.
 */
#ifndef EMML_NEIGHBORS_H
#define EMML_NEIGHBORS_H

#include <stdint.h>

#include "emml/config.h"
#include "emml/status.h"

/* EMML_NEIGHBORS_MAX_K: largest k a model may use (stack: 8 bytes each). */
#ifndef EMML_NEIGHBORS_MAX_K
#define EMML_NEIGHBORS_MAX_K 32
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum {
    EMML_NEIGHBORS_CLASSIFY = 0,
    EMML_NEIGHBORS_REGRESS = 1
};
enum {
    EMML_NEIGHBORS_UNIFORM = 0,
    EMML_NEIGHBORS_DISTANCE = 1
};
enum {
    EMML_NEIGHBORS_EUCLIDEAN = 0,
    EMML_NEIGHBORS_MANHATTAN = 1
};
/* init flags */
#define EMML_NEIGHBORS_RING 1u /* when full, a new example overwrites the oldest added one */

#if EMML_FLOAT_ENABLE
/* The const part, written by the generator (lives in flash). */
typedef struct {
    uint32_t n_features;
    uint32_t n_outputs;      /* classes (classifier) or targets (regressor) */
    uint32_t k;
    uint32_t task;           /* EMML_NEIGHBORS_CLASSIFY / _REGRESS */
    uint32_t weights;        /* EMML_NEIGHBORS_UNIFORM / _DISTANCE */
    uint32_t metric;         /* EMML_NEIGHBORS_EUCLIDEAN / _MANHATTAN */
    uint32_t n_base;         /* examples in flash (may be 0) */
    const float *base_x;     /* n_base x n_features */
    const uint16_t *base_label;  /* n_base class indices (classifier) */
    const float *base_target;    /* n_base x n_outputs (regressor) */
} emml_neighbors_model_t;

/* A model plus the caller-owned buffer of examples added at run time. */
typedef struct {
    const emml_neighbors_model_t *model;
    float *x;           /* capacity x n_features */
    uint16_t *label;    /* capacity (classifier), else NULL */
    float *target;      /* capacity x n_outputs (regressor), else NULL */
    uint32_t capacity;
    uint32_t count;     /* examples in the buffer */
    uint32_t next;      /* ring mode: slot the next example goes to */
    uint32_t flags;
} emml_neighbors_t;

/* Checks the model and buffers once. capacity may be 0 (flash examples only;
 * the buffers may then be NULL). Errors: EMML_ERR_NULL, EMML_ERR_ARGUMENT
 * (k == 0 or k > EMML_NEIGHBORS_MAX_K, unknown task/weights/metric),
 * EMML_ERR_SHAPE (n_features or n_outputs == 0). */
emml_status_t emml_neighbors_init(emml_neighbors_t *nn, const emml_neighbors_model_t *model, float *x_buffer,
                                  uint16_t *label_buffer, float *target_buffer, uint32_t capacity,
                                  uint32_t flags);

/* Copy one example into the buffer: label for a classifier (< n_outputs),
 * target (n_outputs values) for a regressor. Full: EMML_ERR_BUFFER_TOO_SMALL,
 * unless the ring flag is set (then the oldest added example is replaced). */
emml_status_t emml_neighbors_add(emml_neighbors_t *nn, const float *x, uint16_t label, const float *target);

/* Forget every added example (flash examples stay). */
void emml_neighbors_clear(emml_neighbors_t *nn);

/* Classifier: out = n_outputs class probabilities (vote weights normalised);
 * regressor: out = the n_outputs predicted values. With fewer stored examples
 * than k, all of them are used; with none, EMML_ERR_ARGUMENT. */
emml_status_t emml_neighbors_scores(const emml_neighbors_t *nn, const float *x, float *out);

/* Classifier: class index (first maximum of the votes), or a negative
 * emml_status_t. Stack: 4 * n_outputs bytes more than emml_neighbors_scores
 * (n_outputs <= EMML_NEIGHBORS_MAX_CLASSES). */
int32_t emml_neighbors_predict(const emml_neighbors_t *nn, const float *x);
#endif

/* EMML_NEIGHBORS_MAX_CLASSES: largest class count emml_neighbors_predict
 * supports (its vote array is on the stack). */
#ifndef EMML_NEIGHBORS_MAX_CLASSES
#define EMML_NEIGHBORS_MAX_CLASSES 64
#endif

/*
 * Integer examples (int8 "q7" or int16 "q15"), classification only, for
 * chips without an FPU: the same search with integer distances, and 4x (q7)
 * or 2x (q15) less flash for the examples than float32.
 *
 * Scaling: every feature uses ONE common scale s (a per-feature scale would
 * change which examples are nearest): q_i = round(z_i / s), saturated, z the
 * model-space feature. The generator picks s from the training examples (and
 * X_calibration) so that the largest |z| maps to 127 (q7), 32767 (q15
 * Manhattan) or floor(sqrt((2^32 - 1) / n_features) / 2) (q15 Euclidean, so
 * that in-range distances never saturate), and prints it in the generated
 * header; examples added at run time must use the same s (the generated
 * NAME_quantize does it).
 *
 * Distances are exact integers: Euclidean sum_i (a_i - b_i)^2 (each square
 * computed in uint32: at most 65535^2 < 2^32), Manhattan sum_i |a_i - b_i|,
 * accumulated in uint32 with saturation at 0xFFFFFFFF (q7 never reaches it
 * below 66051 features; q15 can when the query is far from an example, and
 * then such far examples tie at the maximum). The list of the k nearest,
 * the tie rule (earlier example first) and the vote are those of the float
 * search. Uniform weights vote with integer counts (no float at all);
 * distance weights use float32 1 / sqrt(d) (Euclidean, emml_sqrt_f32) or
 * 1 / d (Manhattan), summed per class in list order, only k of them per query.
 * The Python integer reference (emml.neighbors) replays all of it bit for bit.
 *
 * RAM: the caller's buffers (capacity * (n_features + 2) bytes for q7,
 * capacity * (2 n_features + 2) for q15), the emml_neighbors_q_t (about 32
 * bytes) and 8 * EMML_NEIGHBORS_MAX_K bytes of stack per query.
 */
typedef struct {
    uint32_t n_features;
    uint32_t n_outputs;         /* classes */
    uint32_t k;
    uint32_t weights;           /* EMML_NEIGHBORS_UNIFORM / _DISTANCE */
    uint32_t metric;            /* EMML_NEIGHBORS_EUCLIDEAN / _MANHATTAN */
    uint32_t n_base;            /* examples in flash (may be 0) */
    const int8_t *base_q7;      /* n_base x n_features, for a q7 model (else NULL) */
    const int16_t *base_q15;    /* n_base x n_features, for a q15 model (else NULL) */
    const uint16_t *base_label; /* n_base class indices */
} emml_neighbors_q_model_t;

typedef struct {
    const emml_neighbors_q_model_t *model;
    int8_t *x_q7;      /* capacity x n_features (q7 model) */
    int16_t *x_q15;    /* capacity x n_features (q15 model) */
    uint16_t *label;   /* capacity */
    uint32_t capacity;
    uint32_t count;
    uint32_t next;
    uint32_t flags;    /* EMML_NEIGHBORS_RING */
} emml_neighbors_q_t;

/* As emml_neighbors_init, for a q7 (int8) or q15 (int16) model; the model
 * must carry examples of that type (or none). EMML_ERR_UNSUPPORTED for
 * distance weights in a build without EMML_FLOAT_ENABLE. */
emml_status_t emml_neighbors_q7_init(emml_neighbors_q_t *nn, const emml_neighbors_q_model_t *model,
                                     int8_t *x_buffer, uint16_t *label_buffer, uint32_t capacity, uint32_t flags);
emml_status_t emml_neighbors_q15_init(emml_neighbors_q_t *nn, const emml_neighbors_q_model_t *model,
                                      int16_t *x_buffer, uint16_t *label_buffer, uint32_t capacity,
                                      uint32_t flags);

/* Copy one quantized example and its class into the buffer (see
 * emml_neighbors_add for full buffers and the ring flag). */
emml_status_t emml_neighbors_q7_add(emml_neighbors_q_t *nn, const int8_t *x, uint16_t label);
emml_status_t emml_neighbors_q15_add(emml_neighbors_q_t *nn, const int16_t *x, uint16_t label);

/* Class index of a quantized query (first maximum of the votes), or a
 * negative emml_status_t (EMML_ERR_ARGUMENT when nothing is stored). */
int32_t emml_neighbors_q7_predict(const emml_neighbors_q_t *nn, const int8_t *x);
int32_t emml_neighbors_q15_predict(const emml_neighbors_q_t *nn, const int16_t *x);

#if EMML_FLOAT_ENABLE
/* Class probabilities (vote weights / their sum) of a quantized query. */
emml_status_t emml_neighbors_q7_scores(const emml_neighbors_q_t *nn, const int8_t *x, float *out);
emml_status_t emml_neighbors_q15_scores(const emml_neighbors_q_t *nn, const int16_t *x, float *out);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_NEIGHBORS_H */
