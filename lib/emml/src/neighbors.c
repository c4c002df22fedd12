#include "emml/neighbors.h"

#include "emml/fixed.h"
#include "emml/mathf.h"

#if EMML_FLOAT_ENABLE

emml_status_t emml_neighbors_init(emml_neighbors_t *nn, const emml_neighbors_model_t *model, float *x_buffer,
                                  uint16_t *label_buffer, float *target_buffer, uint32_t capacity,
                                  uint32_t flags)
{
    if (nn == 0 || model == 0) {
        return EMML_ERR_NULL;
    }
    if (model->n_features == 0u || model->n_outputs == 0u) {
        return EMML_ERR_SHAPE;
    }
    if (model->k == 0u || model->k > (uint32_t)EMML_NEIGHBORS_MAX_K || model->task > 1u || model->weights > 1u ||
        model->metric > 1u) {
        return EMML_ERR_ARGUMENT;
    }
    if (model->n_base > 0u &&
        (model->base_x == 0 || (model->task == (uint32_t)EMML_NEIGHBORS_CLASSIFY ? model->base_label == 0
                                                                               : model->base_target == 0))) {
        return EMML_ERR_NULL;
    }
    if (capacity > 0u &&
        (x_buffer == 0 ||
         (model->task == (uint32_t)EMML_NEIGHBORS_CLASSIFY ? label_buffer == 0 : target_buffer == 0))) {
        return EMML_ERR_NULL;
    }
    nn->model = model;
    nn->x = x_buffer;
    nn->label = label_buffer;
    nn->target = target_buffer;
    nn->capacity = capacity;
    nn->count = 0u;
    nn->next = 0u;
    nn->flags = flags;
    return EMML_OK;
}

void emml_neighbors_clear(emml_neighbors_t *nn)
{
    nn->count = 0u;
    nn->next = 0u;
}

emml_status_t emml_neighbors_add(emml_neighbors_t *nn, const float *x, uint16_t label, const float *target)
{
    const emml_neighbors_model_t *m;
    uint32_t slot, i;
    if (nn == 0 || x == 0) {
        return EMML_ERR_NULL;
    }
    m = nn->model;
    if (m->task == (uint32_t)EMML_NEIGHBORS_CLASSIFY) {
        if ((uint32_t)label >= m->n_outputs) {
            return EMML_ERR_ARGUMENT;
        }
    } else if (target == 0) {
        return EMML_ERR_NULL;
    }
    if (nn->count < nn->capacity) {
        slot = nn->count++;
    } else if ((nn->flags & EMML_NEIGHBORS_RING) != 0u && nn->capacity > 0u) {
        slot = nn->next;
    } else {
        return EMML_ERR_BUFFER_TOO_SMALL;
    }
    nn->next = slot + 1u == nn->capacity ? 0u : slot + 1u;
    for (i = 0u; i < m->n_features; i++) {
        nn->x[slot * m->n_features + i] = x[i];
    }
    if (m->task == (uint32_t)EMML_NEIGHBORS_CLASSIFY) {
        nn->label[slot] = label;
    } else {
        for (i = 0u; i < m->n_outputs; i++) {
            nn->target[slot * m->n_outputs + i] = target[i];
        }
    }
    return EMML_OK;
}

static float neighbors_distance(const float *a, const float *b, uint32_t n, uint32_t metric)
{
    uint32_t i;
    float acc = 0.0f;
    if (metric == (uint32_t)EMML_NEIGHBORS_MANHATTAN) {
        for (i = 0u; i < n; i++) {
            float d = a[i] - b[i];
            acc += d < 0.0f ? -d : d;
        }
    } else {
        for (i = 0u; i < n; i++) {
            float d = a[i] - b[i];
            acc += d * d;
        }
    }
    return acc;
}

/* Insert (d, idx) into the sorted list of the n_kept nearest (capacity k). */
static uint32_t neighbors_insert(float *dist, uint32_t *index, uint32_t n_kept, uint32_t k, float d, uint32_t idx)
{
    uint32_t pos;
    if (n_kept == k) {
        if (!(d < dist[k - 1u])) {
            return n_kept;
        }
        n_kept--;
    }
    pos = n_kept;
    while (pos > 0u && d < dist[pos - 1u]) {
        dist[pos] = dist[pos - 1u];
        index[pos] = index[pos - 1u];
        pos--;
    }
    dist[pos] = d;
    index[pos] = idx;
    return n_kept + 1u;
}

/* Unnormalised vote weights (or weighted target sums) into out; *total gets
 * the sum of the weights. */
static emml_status_t neighbors_sums(const emml_neighbors_t *nn, const float *x, float *out, float *total_out)
{
    const emml_neighbors_model_t *m;
    float dist[EMML_NEIGHBORS_MAX_K];
    uint32_t index[EMML_NEIGHBORS_MAX_K];
    uint32_t n_kept = 0u, i, j, F, n_total, zeros = 0u;
    float total = 0.0f;
    if (nn == 0 || x == 0 || out == 0) {
        return EMML_ERR_NULL;
    }
    m = nn->model;
    F = m->n_features;
    n_total = m->n_base + nn->count;
    if (n_total == 0u) {
        return EMML_ERR_ARGUMENT;
    }
    for (i = 0u; i < n_total; i++) {
        const float *e = i < m->n_base ? m->base_x + i * F : nn->x + (i - m->n_base) * F;
        n_kept = neighbors_insert(dist, index, n_kept, m->k, neighbors_distance(x, e, F, m->metric), i);
    }
    for (j = 0u; j < m->n_outputs; j++) {
        out[j] = 0.0f;
    }
    if (m->weights == (uint32_t)EMML_NEIGHBORS_DISTANCE) {
        for (i = 0u; i < n_kept; i++) {
            zeros += dist[i] == 0.0f ? 1u : 0u;
        }
    }
    for (i = 0u; i < n_kept; i++) {
        uint32_t e = index[i];
        float w = 1.0f;
        if (m->weights == (uint32_t)EMML_NEIGHBORS_DISTANCE) {
            if (zeros > 0u) {
                w = dist[i] == 0.0f ? 1.0f : 0.0f;
            } else {
                float d = m->metric == (uint32_t)EMML_NEIGHBORS_EUCLIDEAN ? emml_sqrt_f32(dist[i]) : dist[i];
                w = 1.0f / d;
            }
        }
        total += w;
        if (m->task == (uint32_t)EMML_NEIGHBORS_CLASSIFY) {
            uint32_t c = e < m->n_base ? m->base_label[e] : nn->label[e - m->n_base];
            out[c] += w;
        } else {
            const float *t = e < m->n_base ? m->base_target + e * m->n_outputs
                                           : nn->target + (e - m->n_base) * m->n_outputs;
            for (j = 0u; j < m->n_outputs; j++) {
                out[j] += w * t[j];
            }
        }
    }
    *total_out = total;
    return EMML_OK;
}

emml_status_t emml_neighbors_scores(const emml_neighbors_t *nn, const float *x, float *out)
{
    float total;
    uint32_t j;
    emml_status_t st = neighbors_sums(nn, x, out, &total);
    if (st != EMML_OK) {
        return st;
    }
    total = 1.0f / total;
    for (j = 0u; j < nn->model->n_outputs; j++) {
        out[j] *= total;
    }
    return EMML_OK;
}

int32_t emml_neighbors_predict(const emml_neighbors_t *nn, const float *x)
{
    float votes[EMML_NEIGHBORS_MAX_CLASSES];
    float total;
    emml_status_t st;
    if (nn == 0) {
        return (int32_t)EMML_ERR_NULL;
    }
    if (nn->model->task != (uint32_t)EMML_NEIGHBORS_CLASSIFY ||
        nn->model->n_outputs > (uint32_t)EMML_NEIGHBORS_MAX_CLASSES) {
        return (int32_t)EMML_ERR_UNSUPPORTED;
    }
    st = neighbors_sums(nn, x, votes, &total);
    if (st != EMML_OK) {
        return (int32_t)st;
    }
    return (int32_t)emml_argmax_f32(votes, nn->model->n_outputs);
}

#else
typedef int emml_neighbors_empty_unit_t; /* ISO C forbids an empty translation unit */
#endif
