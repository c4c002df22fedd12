#include "emml/blob.h"

#include "emml/mathf.h"

/* Offsets of the header fields (see emml/blob.h). */
#define HDR_VERSION 4u
#define HDR_HEADER_SIZE 6u
#define HDR_TOTAL_SIZE 8u
#define HDR_CRC 12u
#define HDR_TASK 16u
#define HDR_POST 17u
#define HDR_FLAGS 18u
#define HDR_FRAC_BITS 19u
#define HDR_N_FEATURES 20u
#define HDR_N_OUTPUTS 22u
#define HDR_ROW_WIDTH 24u
#define HDR_N_TREES 26u
#define HDR_N_NODES 28u
#define HDR_N_ROWS 32u
#define HDR_PARAM0 36u
#define HDR_PARAM1 40u
#define HDR_RESERVED 44u

#define TREE_BYTES 8u
#define NODE_BYTES 8u
#define ONEHOT_BIT 0x80000000u
#define NAN_LEFT_BIT 0x8000u
#define FEATURE_MASK 0x7FFFu
#define KNOWN_FLAGS (EMML_BLOB_FLAG_NAN | EMML_BLOB_FLAG_LOGISTIC_GE | EMML_BLOB_FLAG_ALL_OUTLIERS)

/* Little-endian loads, byte by byte: any alignment, any host byte order. */
static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* A float32 is finite when its exponent is not all ones. */
static int finite_bits(uint32_t u)
{
    return (u & 0x7F800000u) != 0x7F800000u;
}

static int nan_bits(uint32_t u)
{
    return (u & 0x7FFFFFFFu) > 0x7F800000u;
}

/* The float with these bits (a copy of the bits, no float arithmetic: fine
 * with EMML_FLOAT_ENABLE 0). */
static float f32_of(uint32_t u)
{
    union {
        uint32_t u;
        float f;
    } v;
    v.u = u;
    return v.f;
}

uint32_t emml_blob_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
    size_t i;
    crc = ~crc;
    for (i = 0u; i < len; i++) {
        uint32_t k;
        crc ^= data[i];
        for (k = 0u; k < 8u; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

/* Check the header's counts against each other and the blob size; on
 * success b holds them and the section pointers. */
static emml_status_t check_header(const uint8_t *d, uint32_t size, emml_blob_t *b)
{
    uint32_t rest, need;
    b->task = d[HDR_TASK];
    b->post = d[HDR_POST];
    b->flags = d[HDR_FLAGS];
    b->frac_bits = d[HDR_FRAC_BITS];
    b->n_features = (uint16_t)rd16(d + HDR_N_FEATURES);
    b->n_outputs = (uint16_t)rd16(d + HDR_N_OUTPUTS);
    b->row_width = (uint16_t)rd16(d + HDR_ROW_WIDTH);
    b->n_trees = (uint16_t)rd16(d + HDR_N_TREES);
    b->n_nodes = rd32(d + HDR_N_NODES);
    b->n_rows = rd32(d + HDR_N_ROWS);
    b->size = size;
    if (rd32(d + HDR_RESERVED) != 0u || (b->flags & ~KNOWN_FLAGS) != 0u) {
        return EMML_ERR_FORMAT;
    }
    if (b->n_features == 0u || b->n_features > EMML_BLOB_MAX_FEATURES || b->n_outputs == 0u ||
        b->row_width == 0u || b->row_width > b->n_outputs || b->n_trees == 0u || b->n_nodes < b->n_trees) {
        return EMML_ERR_FORMAT;
    }
    if (b->n_outputs > EMML_BLOB_MAX_OUTPUTS) {
        return EMML_ERR_UNSUPPORTED; /* maybe well formed, but this build cannot hold its sums */
    }
    if (!finite_bits(rd32(d + HDR_PARAM0)) || !finite_bits(rd32(d + HDR_PARAM1))) {
        return EMML_ERR_FORMAT;
    }
    /* task, post-processing and accumulator width must go together */
    switch (b->post) {
    case EMML_BLOB_POST_MEAN_PROBA:
        /* the sums of n_trees values <= 2^frac_bits must fit in uint32 */
        if (b->task != EMML_BLOB_CLASSIFIER || b->row_width != b->n_outputs || b->frac_bits > 31u ||
            ((uint32_t)b->n_trees << b->frac_bits) >> b->frac_bits != b->n_trees ||
            (uint32_t)b->n_trees << b->frac_bits == 0u) {
            return EMML_ERR_FORMAT;
        }
        break;
    case EMML_BLOB_POST_LOGISTIC:
        if (b->task != EMML_BLOB_CLASSIFIER || b->n_outputs != 1u) {
            return EMML_ERR_FORMAT;
        }
        break;
    case EMML_BLOB_POST_SOFTMAX:
        if (b->task != EMML_BLOB_CLASSIFIER || b->n_outputs < 2u) {
            return EMML_ERR_FORMAT;
        }
        break;
    case EMML_BLOB_POST_MEAN:
    case EMML_BLOB_POST_SUM:
        if (b->task != EMML_BLOB_REGRESSOR) {
            return EMML_ERR_FORMAT;
        }
        break;
    case EMML_BLOB_POST_ISOLATION:
        if (b->task != EMML_BLOB_OUTLIER || b->n_outputs != 1u) {
            return EMML_ERR_FORMAT;
        }
        break;
    default:
        return EMML_ERR_FORMAT;
    }
    if (b->post != EMML_BLOB_POST_MEAN_PROBA && b->frac_bits != 0u) {
        return EMML_ERR_FORMAT;
    }
    /* Section sizes, each checked against what is left before multiplying
     * so no product can wrap around. */
    rest = size - EMML_BLOB_HEADER_SIZE;
    need = 4u * (uint32_t)b->n_outputs + TREE_BYTES * (uint32_t)b->n_trees; /* < 2^20: no overflow */
    if (need > rest) {
        return EMML_ERR_FORMAT;
    }
    rest -= need;
    if (b->n_nodes > rest / NODE_BYTES) {
        return EMML_ERR_FORMAT;
    }
    rest -= b->n_nodes * NODE_BYTES;
    if (b->n_rows > rest / (4u * (uint32_t)b->row_width) || b->n_rows * 4u * (uint32_t)b->row_width != rest) {
        return EMML_ERR_FORMAT; /* the sections must fill the blob exactly */
    }
    b->base = d + EMML_BLOB_HEADER_SIZE;
    b->trees = b->base + 4u * (uint32_t)b->n_outputs;
    b->nodes = b->trees + TREE_BYTES * (uint32_t)b->n_trees;
    b->rows = b->nodes + NODE_BYTES * b->n_nodes;
    return EMML_OK;
}

/* One leaf reference: a row, or (PROBA) a one-hot class. */
static emml_status_t check_leaf(const emml_blob_t *b, uint32_t ref)
{
    if (b->post == EMML_BLOB_POST_MEAN_PROBA && (ref & ONEHOT_BIT) != 0u) {
        return (ref & ~ONEHOT_BIT) < b->n_outputs ? EMML_OK : EMML_ERR_FORMAT;
    }
    return ref < b->n_rows ? EMML_OK : EMML_ERR_FORMAT;
}

/* Every node of tree [first, end): features in range, children forward and
 * inside the tree, leaves pointing at existing rows. */
static emml_status_t check_tree(const emml_blob_t *b, uint32_t first, uint32_t end)
{
    uint32_t i;
    for (i = first; i < end; i++) {
        const uint8_t *node = b->nodes + NODE_BYTES * i;
        uint32_t head = rd16(node), skip = rd16(node + 2u), value = rd32(node + 4u);
        if (skip == 0u) {
            if (head != 0u || check_leaf(b, value) != EMML_OK) {
                return EMML_ERR_FORMAT;
            }
        } else if (skip < 2u || skip >= end - i || i + 1u >= end || (head & FEATURE_MASK) >= b->n_features ||
                   nan_bits(value) || value == 0x80000000u) {
            /* skip >= 2: the right child is after the left one (i + 1);
             * -0.0 is stored as +0.0 so integer keys order like floats;
             * +-Inf thresholds are allowed (x <= +Inf: always left) */
            return EMML_ERR_FORMAT;
        }
    }
    return EMML_OK;
}

static emml_status_t check_sections(const emml_blob_t *b)
{
    uint32_t t, i, k;
    for (k = 0u; k < b->n_outputs; k++) {
        uint32_t u = rd32(b->base + 4u * k);
        if (!finite_bits(u) || (b->post == EMML_BLOB_POST_MEAN_PROBA && u != 0u)) {
            return EMML_ERR_FORMAT;
        }
    }
    for (t = 0u; t < b->n_trees; t++) {
        const uint8_t *tree = b->trees + TREE_BYTES * t;
        uint32_t first = rd32(tree), output = rd16(tree + 4u);
        uint32_t end = t + 1u < b->n_trees ? rd32(tree + TREE_BYTES) : b->n_nodes;
        if ((t == 0u && first != 0u) || first >= end || end > b->n_nodes || rd16(tree + 6u) != 0u ||
            output + b->row_width > b->n_outputs) {
            return EMML_ERR_FORMAT;
        }
        if (check_tree(b, first, end) != EMML_OK) {
            return EMML_ERR_FORMAT;
        }
    }
    for (i = 0u; i < b->n_rows * (uint32_t)b->row_width; i++) {
        uint32_t u = rd32(b->rows + 4u * i);
        if (b->post == EMML_BLOB_POST_MEAN_PROBA ? u > (1u << b->frac_bits) : !finite_bits(u)) {
            return EMML_ERR_FORMAT;
        }
    }
    return EMML_OK;
}

emml_status_t emml_blob_open(const uint8_t *data, size_t len, emml_blob_t *out)
{
    emml_blob_t b;
    uint32_t size;
    emml_status_t st;
    if (data == NULL || out == NULL) {
        return EMML_ERR_NULL;
    }
    if (len < 8u || data[0] != 'E' || data[1] != 'M' || data[2] != 'L' || data[3] != 'B') {
        return EMML_ERR_FORMAT;
    }
    if (rd16(data + HDR_VERSION) != EMML_BLOB_VERSION) {
        return EMML_ERR_VERSION;
    }
    if (len < EMML_BLOB_HEADER_SIZE || rd16(data + HDR_HEADER_SIZE) != EMML_BLOB_HEADER_SIZE) {
        return EMML_ERR_FORMAT;
    }
    size = rd32(data + HDR_TOTAL_SIZE);
    if (size < EMML_BLOB_HEADER_SIZE || size > len) {
        return EMML_ERR_FORMAT; /* truncated */
    }
    if (emml_blob_crc32(0u, data + 16u, size - 16u) != rd32(data + HDR_CRC)) {
        return EMML_ERR_CHECKSUM;
    }
    st = check_header(data, size, &b);
    if (st != EMML_OK) {
        return st;
    }
    st = check_sections(&b);
    if (st != EMML_OK) {
        return st;
    }
    b.param0 = f32_of(rd32(data + HDR_PARAM0));
    b.param1 = f32_of(rd32(data + HDR_PARAM1));
    *out = b;
    return EMML_OK;
}

uint32_t emml_blob_n_classes(const emml_blob_t *blob)
{
    if (blob->task == EMML_BLOB_REGRESSOR) {
        return 0u;
    }
    /* one accumulator stands for two classes in logistic and outlier models;
     * a forest trained on a single class has one */
    return blob->post == EMML_BLOB_POST_LOGISTIC || blob->task == EMML_BLOB_OUTLIER ? 2u : blob->n_outputs;
}

#if EMML_FLOAT_ENABLE

/* Signed order key: integer order equals float order for non-NaN values
 * (-0.0 just below +0.0; thresholds are never -0.0, so x = -0.0 and
 * x = +0.0 both go left of t = +0.0, as in float compares). */
static int32_t order_key(uint32_t u)
{
    u ^= (0u - (u >> 31)) >> 1;
    return (int32_t)u;
}

typedef union {
    uint32_t u[EMML_BLOB_MAX_OUTPUTS];
    float f[EMML_BLOB_MAX_OUTPUTS];
} accumulators_t;

/* Walk every tree and sum the leaves into acc. The walk only moves forward
 * inside the tree (checked by emml_blob_open), so it ends at a leaf. */
static emml_status_t accumulate(const emml_blob_t *b, const float *x, uint32_t n_features, accumulators_t *acc)
{
    uint32_t t, k;
    const int proba = b->post == EMML_BLOB_POST_MEAN_PROBA;
    if (x == NULL) {
        return EMML_ERR_NULL;
    }
    if (n_features != b->n_features) {
        return EMML_ERR_SHAPE;
    }
    if ((b->flags & EMML_BLOB_FLAG_NAN) == 0u) {
        for (k = 0u; k < n_features; k++) {
            union {
                float f;
                uint32_t u;
            } v;
            v.f = x[k];
            if (nan_bits(v.u)) {
                return EMML_ERR_NUMERIC;
            }
        }
    }
    for (k = 0u; k < b->n_outputs; k++) {
        acc->u[k] = proba ? 0u : rd32(b->base + 4u * k);
    }
    for (t = 0u; t < b->n_trees; t++) {
        const uint8_t *tree = b->trees + TREE_BYTES * t;
        const uint8_t *node = b->nodes + NODE_BYTES * rd32(tree);
        uint32_t skip, ref, first = rd16(tree + 4u);
        while ((skip = rd16(node + 2u)) != 0u) {
            uint32_t head = rd16(node);
            union {
                float f;
                uint32_t u;
            } v;
            int left;
            v.f = x[head & FEATURE_MASK];
            if (nan_bits(v.u)) {
                left = (head & NAN_LEFT_BIT) != 0u;
            } else {
                left = order_key(v.u) <= order_key(rd32(node + 4u));
            }
            node += left ? NODE_BYTES : NODE_BYTES * skip;
        }
        ref = rd32(node + 4u);
        if (proba) {
            if (ref & ONEHOT_BIT) {
                acc->u[ref & ~ONEHOT_BIT] += 1u << b->frac_bits;
            } else {
                const uint8_t *row = b->rows + 4u * (uint32_t)b->n_outputs * ref;
                for (k = 0u; k < b->n_outputs; k++) {
                    acc->u[k] += rd32(row + 4u * k);
                }
            }
        } else {
            const uint8_t *row = b->rows + 4u * (uint32_t)b->row_width * ref;
            for (k = 0u; k < b->row_width; k++) {
                acc->f[first + k] += f32_of(rd32(row + 4u * k));
            }
        }
    }
    return EMML_OK;
}

static uint32_t argmax_u32(const uint32_t *v, uint32_t n)
{
    uint32_t k, best = 0u;
    for (k = 1u; k < n; k++) {
        if (v[k] > v[best]) {
            best = k;
        }
    }
    return best;
}

emml_status_t emml_blob_predict(const emml_blob_t *blob, const float *x, uint32_t n_features, int32_t *label)
{
    accumulators_t acc;
    emml_status_t st;
    if (blob == NULL || label == NULL) {
        return EMML_ERR_NULL;
    }
    if (blob->task == EMML_BLOB_REGRESSOR) {
        return EMML_ERR_UNSUPPORTED;
    }
    st = accumulate(blob, x, n_features, &acc);
    if (st != EMML_OK) {
        return st;
    }
    switch (blob->post) {
    case EMML_BLOB_POST_MEAN_PROBA:
        *label = (int32_t)argmax_u32(acc.u, blob->n_outputs);
        break;
    case EMML_BLOB_POST_LOGISTIC:
        *label = (blob->flags & EMML_BLOB_FLAG_LOGISTIC_GE) ? acc.f[0] >= 0.0f : acc.f[0] > 0.0f;
        break;
    case EMML_BLOB_POST_SOFTMAX:
        *label = (int32_t)emml_argmax_f32(acc.f, blob->n_outputs);
        break;
    default: /* ISOLATION: a short average path is an outlier */
        *label = (blob->flags & EMML_BLOB_FLAG_ALL_OUTLIERS) ? 0 : !(acc.f[0] < blob->param1);
        break;
    }
    return EMML_OK;
}

emml_status_t emml_blob_predict_proba(const emml_blob_t *blob, const float *x, uint32_t n_features, float *out,
                                      uint32_t n_out)
{
    accumulators_t acc;
    emml_status_t st;
    uint32_t k;
    if (blob == NULL || out == NULL) {
        return EMML_ERR_NULL;
    }
    if (blob->task != EMML_BLOB_CLASSIFIER) {
        return EMML_ERR_UNSUPPORTED;
    }
    if (n_out < emml_blob_n_classes(blob)) {
        return EMML_ERR_BUFFER_TOO_SMALL;
    }
    st = accumulate(blob, x, n_features, &acc);
    if (st != EMML_OK) {
        return st;
    }
    if (blob->post == EMML_BLOB_POST_MEAN_PROBA) {
        for (k = 0u; k < blob->n_outputs; k++) {
            out[k] = (float)acc.u[k] * blob->param0;
        }
    } else if (blob->post == EMML_BLOB_POST_LOGISTIC) {
        out[1] = emml_sigmoidf(acc.f[0]);
        out[0] = 1.0f - out[1];
    } else { /* SOFTMAX, shifted by the largest value so expf cannot overflow */
        float top = acc.f[emml_argmax_f32(acc.f, blob->n_outputs)], total = 0.0f;
        for (k = 0u; k < blob->n_outputs; k++) {
            out[k] = emml_expf(acc.f[k] - top);
            total += out[k];
        }
        for (k = 0u; k < blob->n_outputs; k++) {
            out[k] /= total;
        }
    }
    return EMML_OK;
}

emml_status_t emml_blob_regress(const emml_blob_t *blob, const float *x, uint32_t n_features, float *out,
                                uint32_t n_out)
{
    accumulators_t acc;
    emml_status_t st;
    uint32_t k;
    if (blob == NULL || out == NULL) {
        return EMML_ERR_NULL;
    }
    if (blob->task == EMML_BLOB_CLASSIFIER) {
        return EMML_ERR_UNSUPPORTED;
    }
    if (n_out < blob->n_outputs) {
        return EMML_ERR_BUFFER_TOO_SMALL;
    }
    st = accumulate(blob, x, n_features, &acc);
    if (st != EMML_OK) {
        return st;
    }
    for (k = 0u; k < blob->n_outputs; k++) {
        if (blob->post == EMML_BLOB_POST_MEAN) {
            out[k] = acc.f[k] / blob->param0;
        } else if (blob->post == EMML_BLOB_POST_ISOLATION) {
            out[k] = -emml_expf(-acc.f[k] * blob->param0);
        } else {
            out[k] = acc.f[k];
        }
    }
    return EMML_OK;
}

#endif /* EMML_FLOAT_ENABLE */
