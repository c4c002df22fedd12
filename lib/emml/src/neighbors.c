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

#endif /* EMML_FLOAT_ENABLE */

/* ---- integer examples ------------------------------------------------------ */

/* Common checks of emml_neighbors_q7_init / _q15_init; q7: the type asked for. */
static emml_status_t neighbors_q_init(emml_neighbors_q_t *nn, const emml_neighbors_q_model_t *model, int q7,
                                      int8_t *x_q7, int16_t *x_q15, uint16_t *label_buffer, uint32_t capacity,
                                      uint32_t flags)
{
    if (nn == 0 || model == 0) {
        return EMML_ERR_NULL;
    }
    if (model->n_features == 0u || model->n_outputs == 0u) {
        return EMML_ERR_SHAPE;
    }
    if (model->k == 0u || model->k > (uint32_t)EMML_NEIGHBORS_MAX_K || model->weights > 1u || model->metric > 1u) {
        return EMML_ERR_ARGUMENT;
    }
#if !EMML_FLOAT_ENABLE
    if (model->weights == (uint32_t)EMML_NEIGHBORS_DISTANCE) {
        return EMML_ERR_UNSUPPORTED;
    }
#endif
    if (model->n_base > 0u) {
        if (model->base_label == 0 || (model->base_q7 == 0 && model->base_q15 == 0)) {
            return EMML_ERR_NULL;
        }
        if (q7 ? model->base_q7 == 0 : model->base_q15 == 0) {
            return EMML_ERR_ARGUMENT; /* the model's examples are of the other type */
        }
    }
    if (capacity > 0u && ((q7 ? x_q7 == 0 : x_q15 == 0) || label_buffer == 0)) {
        return EMML_ERR_NULL;
    }
    nn->model = model;
    nn->x_q7 = capacity > 0u ? x_q7 : 0;
    nn->x_q15 = capacity > 0u ? x_q15 : 0;
    nn->label = label_buffer;
    nn->capacity = capacity;
    nn->count = 0u;
    nn->next = 0u;
    nn->flags = flags;
    return EMML_OK;
}

emml_status_t emml_neighbors_q7_init(emml_neighbors_q_t *nn, const emml_neighbors_q_model_t *model,
                                     int8_t *x_buffer, uint16_t *label_buffer, uint32_t capacity, uint32_t flags)
{
    return neighbors_q_init(nn, model, 1, x_buffer, 0, label_buffer, capacity, flags);
}

emml_status_t emml_neighbors_q15_init(emml_neighbors_q_t *nn, const emml_neighbors_q_model_t *model,
                                      int16_t *x_buffer, uint16_t *label_buffer, uint32_t capacity, uint32_t flags)
{
    return neighbors_q_init(nn, model, 0, 0, x_buffer, label_buffer, capacity, flags);
}

/* The slot for a new example, or a negative status. */
static int32_t neighbors_q_slot(emml_neighbors_q_t *nn, uint16_t label)
{
    uint32_t slot;
    if ((uint32_t)label >= nn->model->n_outputs) {
        return (int32_t)EMML_ERR_ARGUMENT;
    }
    if (nn->count < nn->capacity) {
        slot = nn->count++;
    } else if ((nn->flags & EMML_NEIGHBORS_RING) != 0u && nn->capacity > 0u) {
        slot = nn->next;
    } else {
        return (int32_t)EMML_ERR_BUFFER_TOO_SMALL;
    }
    nn->next = slot + 1u == nn->capacity ? 0u : slot + 1u;
    nn->label[slot] = label;
    return (int32_t)slot;
}

emml_status_t emml_neighbors_q7_add(emml_neighbors_q_t *nn, const int8_t *x, uint16_t label)
{
    int32_t slot;
    uint32_t i, F;
    if (nn == 0 || x == 0) {
        return EMML_ERR_NULL;
    }
    if (nn->x_q7 == 0 && nn->capacity > 0u) {
        return EMML_ERR_ARGUMENT; /* initialised for q15 */
    }
    slot = neighbors_q_slot(nn, label);
    if (slot < 0) {
        return (emml_status_t)slot;
    }
    F = nn->model->n_features;
    for (i = 0u; i < F; i++) {
        nn->x_q7[(uint32_t)slot * F + i] = x[i];
    }
    return EMML_OK;
}

emml_status_t emml_neighbors_q15_add(emml_neighbors_q_t *nn, const int16_t *x, uint16_t label)
{
    int32_t slot;
    uint32_t i, F;
    if (nn == 0 || x == 0) {
        return EMML_ERR_NULL;
    }
    if (nn->x_q15 == 0 && nn->capacity > 0u) {
        return EMML_ERR_ARGUMENT; /* initialised for q7 */
    }
    slot = neighbors_q_slot(nn, label);
    if (slot < 0) {
        return (emml_status_t)slot;
    }
    F = nn->model->n_features;
    for (i = 0u; i < F; i++) {
        nn->x_q15[(uint32_t)slot * F + i] = x[i];
    }
    return EMML_OK;
}

/* a + b saturated at 0xFFFFFFFF (unsigned wrap-around means overflow) */
static uint32_t neighbors_add_sat(uint32_t a, uint32_t b)
{
    uint32_t s = a + b;
    return s < b ? 0xFFFFFFFFu : s;
}

static uint32_t neighbors_distance_q7(const int8_t *a, const int8_t *b, uint32_t n, uint32_t metric)
{
    uint32_t i, acc = 0u;
    if (metric == (uint32_t)EMML_NEIGHBORS_MANHATTAN) {
        for (i = 0u; i < n; i++) {
            int32_t d = (int32_t)a[i] - (int32_t)b[i];
            acc += (uint32_t)(d < 0 ? -d : d);
        }
    } else {
        for (i = 0u; i < n; i++) {
            int32_t d = (int32_t)a[i] - (int32_t)b[i];
            acc = neighbors_add_sat(acc, (uint32_t)(d * d));
        }
    }
    return acc;
}

static uint32_t neighbors_distance_q15(const int16_t *a, const int16_t *b, uint32_t n, uint32_t metric)
{
    uint32_t i, acc = 0u;
    if (metric == (uint32_t)EMML_NEIGHBORS_MANHATTAN) {
        for (i = 0u; i < n; i++) {
            int32_t d = (int32_t)a[i] - (int32_t)b[i];
            acc = neighbors_add_sat(acc, (uint32_t)(d < 0 ? -d : d));
        }
    } else {
        for (i = 0u; i < n; i++) {
            int32_t d = (int32_t)a[i] - (int32_t)b[i];
            uint32_t ad = (uint32_t)(d < 0 ? -d : d);
            acc = neighbors_add_sat(acc, ad * ad); /* ad <= 65535: the square fits */
        }
    }
    return acc;
}

/* Insert (d, idx) into the sorted list (see neighbors_insert). */
static uint32_t neighbors_insert_u32(uint32_t *dist, uint32_t *index, uint32_t n_kept, uint32_t k, uint32_t d,
                                     uint32_t idx)
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

/* The k nearest (dist, index) of a q7 or q15 query; returns how many, or 0
 * with *status set. */
static uint32_t neighbors_q_search(const emml_neighbors_q_t *nn, const int8_t *x7, const int16_t *x15,
                                   uint32_t *dist, uint32_t *index, emml_status_t *status)
{
    const emml_neighbors_q_model_t *m = nn->model;
    uint32_t F = m->n_features, n_total = m->n_base + nn->count, n_kept = 0u, i;
    *status = EMML_OK;
    if (n_total == 0u) {
        *status = EMML_ERR_ARGUMENT;
        return 0u;
    }
    for (i = 0u; i < n_total; i++) {
        uint32_t d;
        if (x7 != 0) {
            const int8_t *e = i < m->n_base ? m->base_q7 + i * F : nn->x_q7 + (i - m->n_base) * F;
            d = neighbors_distance_q7(x7, e, F, m->metric);
        } else {
            const int16_t *e = i < m->n_base ? m->base_q15 + i * F : nn->x_q15 + (i - m->n_base) * F;
            d = neighbors_distance_q15(x15, e, F, m->metric);
        }
        n_kept = neighbors_insert_u32(dist, index, n_kept, m->k, d, i);
    }
    return n_kept;
}

static uint32_t neighbors_q_label(const emml_neighbors_q_t *nn, uint32_t e)
{
    const emml_neighbors_q_model_t *m = nn->model;
    return e < m->n_base ? m->base_label[e] : nn->label[e - m->n_base];
}

#if EMML_FLOAT_ENABLE
/* Vote weight of list entry i (distance weights); zeros: only exact matches count. */
static float neighbors_q_weight(const emml_neighbors_q_model_t *m, const uint32_t *dist, uint32_t i, uint32_t zeros)
{
    float d;
    if (zeros > 0u) {
        return dist[i] == 0u ? 1.0f : 0.0f;
    }
    d = (float)dist[i];
    return 1.0f / (m->metric == (uint32_t)EMML_NEIGHBORS_EUCLIDEAN ? emml_sqrt_f32(d) : d);
}
#endif

/* Votes per class from the k-list, class by class (no per-class array). */
static int32_t neighbors_q_vote(const emml_neighbors_q_t *nn, const uint32_t *dist, const uint32_t *index,
                                uint32_t n_kept, float *proba)
{
    const emml_neighbors_q_model_t *m = nn->model;
    uint32_t c, i, zeros = 0u, best = 0u;
    for (i = 0u; i < n_kept; i++) {
        zeros += dist[i] == 0u ? 1u : 0u;
    }
    if (m->weights == (uint32_t)EMML_NEIGHBORS_UNIFORM) {
        uint32_t best_votes = 0u;
        for (c = 0u; c < m->n_outputs; c++) {
            uint32_t votes = 0u;
            for (i = 0u; i < n_kept; i++) {
                votes += neighbors_q_label(nn, index[i]) == c ? 1u : 0u;
            }
            if (votes > best_votes) {
                best_votes = votes;
                best = c;
            }
#if EMML_FLOAT_ENABLE
            if (proba != 0) {
                proba[c] = (float)votes / (float)n_kept;
            }
#endif
        }
        return (int32_t)best;
    }
#if EMML_FLOAT_ENABLE
    {
        float best_w = -1.0f, total = 0.0f;
        for (i = 0u; i < n_kept; i++) {
            total += neighbors_q_weight(m, dist, i, zeros);
        }
        total = 1.0f / total;
        for (c = 0u; c < m->n_outputs; c++) {
            float w = 0.0f;
            for (i = 0u; i < n_kept; i++) {
                if (neighbors_q_label(nn, index[i]) == c) {
                    w += neighbors_q_weight(m, dist, i, zeros);
                }
            }
            if (w > best_w) {
                best_w = w;
                best = c;
            }
            if (proba != 0) {
                proba[c] = w * total;
            }
        }
        return (int32_t)best;
    }
#else
    (void)proba;
    (void)zeros;
    return (int32_t)EMML_ERR_UNSUPPORTED;
#endif
}

static int32_t neighbors_q_run(const emml_neighbors_q_t *nn, const int8_t *x7, const int16_t *x15, float *proba)
{
    uint32_t dist[EMML_NEIGHBORS_MAX_K];
    uint32_t index[EMML_NEIGHBORS_MAX_K];
    uint32_t n_kept;
    emml_status_t st;
    if (nn == 0 || (x7 == 0 && x15 == 0)) {
        return (int32_t)EMML_ERR_NULL;
    }
    if (x7 != 0 ? (nn->model->n_base > 0u && nn->model->base_q7 == 0) || (nn->capacity > 0u && nn->x_q7 == 0)
                : (nn->model->n_base > 0u && nn->model->base_q15 == 0) || (nn->capacity > 0u && nn->x_q15 == 0)) {
        return (int32_t)EMML_ERR_ARGUMENT; /* q7 query on a q15 model or the reverse */
    }
    n_kept = neighbors_q_search(nn, x7, x15, dist, index, &st);
    if (n_kept == 0u) {
        return (int32_t)st;
    }
    return neighbors_q_vote(nn, dist, index, n_kept, proba);
}

int32_t emml_neighbors_q7_predict(const emml_neighbors_q_t *nn, const int8_t *x)
{
    return neighbors_q_run(nn, x, 0, 0);
}

int32_t emml_neighbors_q15_predict(const emml_neighbors_q_t *nn, const int16_t *x)
{
    return x == 0 ? (int32_t)EMML_ERR_NULL : neighbors_q_run(nn, 0, x, 0);
}

#if EMML_FLOAT_ENABLE
emml_status_t emml_neighbors_q7_scores(const emml_neighbors_q_t *nn, const int8_t *x, float *out)
{
    int32_t r;
    if (out == 0) {
        return EMML_ERR_NULL;
    }
    r = neighbors_q_run(nn, x, 0, out);
    return r < 0 ? (emml_status_t)r : EMML_OK;
}

emml_status_t emml_neighbors_q15_scores(const emml_neighbors_q_t *nn, const int16_t *x, float *out)
{
    int32_t r;
    if (out == 0) {
        return EMML_ERR_NULL;
    }
    r = x == 0 ? (int32_t)EMML_ERR_NULL : neighbors_q_run(nn, 0, x, out);
    return r < 0 ? (emml_status_t)r : EMML_OK;
}
#endif
