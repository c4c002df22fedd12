#include "emml/trees.h"

/* Read `width` (0..31) bits at bit position `pos` of a word stream. */
static inline uint32_t bits_at(const uint32_t *p, uint32_t pos, uint32_t width)
{
    uint32_t sh = pos & 31u, w;
    if (width == 0u)
        return 0u;
    w = p[pos >> 5] >> sh;
    if (sh + width > 32u)
        w |= p[(pos >> 5) + 1u] << (32u - sh);
    return w & ((1u << width) - 1u);
}

/* Leaf reference of pair p, left or right side. */
static inline uint32_t pair_leaf(const emml_trees_t *m, uint32_t p, uint32_t left)
{
    return bits_at(m->pairs, (2u * p + (left ? 0u : 1u)) * m->leaf_bits, m->leaf_bits);
}

/* Fast walk for node_bits <= 32 and no NaN bit. KEY(f) is the order key of
 * feature f. Locals keep the layout in registers; one node is one or two
 * word loads, a few shifts and one threshold load. */
#define FAST_WALK(KEY)                                                      \
    const uint32_t *nodes = m->nodes;                                       \
    const uint32_t nb = m->node_bits;                                       \
    const uint32_t fshift = 2u, tshift = 2u + m->feature_bits;              \
    const uint32_t cshift = tshift + m->threshold_bits;                     \
    const uint32_t fmask = (1u << m->feature_bits) - 1u;                    \
    const uint32_t tmask = (1u << m->threshold_bits) - 1u;                  \
    const uint32_t cmask = (1u << m->child_bits) - 1u;                      \
    uint32_t i = bits_at(m->roots, tree * m->root_bits, m->root_bits);      \
    for (;;) {                                                              \
        uint32_t pos = i * nb, sh = pos & 31u, w, kind, left, child;        \
        w = nodes[pos >> 5] >> sh;                                          \
        if (sh + nb > 32u)                                                  \
            w |= nodes[(pos >> 5) + 1u] << (32u - sh);                      \
        left = KEY((w >> fshift) & fmask) <= m->thresholds[(w >> tshift) & tmask]; \
        kind = w & 3u;                                                      \
        child = (w >> cshift) & cmask;                                      \
        if (kind == EMML_TREES_NN) {                                        \
            i += left ? 1u : child;                                         \
        } else if (kind == EMML_TREES_LL) {                                 \
            return pair_leaf(m, child, left);                               \
        } else if ((kind == EMML_TREES_NL) == (left != 0u)) {               \
            i += 1u;                                                        \
        } else {                                                            \
            return child;                                                   \
        }                                                                   \
    }

#define KEY_F32(f) emml_trees_key(x[f])
#define KEY_INT(f) emml_trees_key_int((int32_t)x[f])

uint32_t emml_trees_walk(const emml_trees_t *m, uint32_t tree, const float *x)
{
    FAST_WALK(KEY_F32)
}

uint32_t emml_trees_walk_i16(const emml_trees_t *m, uint32_t tree, const int16_t *x)
{
    FAST_WALK(KEY_INT)
}

uint32_t emml_trees_walk_i8(const emml_trees_t *m, uint32_t tree, const int8_t *x)
{
    FAST_WALK(KEY_INT)
}

uint32_t emml_trees_walk_u8(const emml_trees_t *m, uint32_t tree, const uint8_t *x)
{
    FAST_WALK(KEY_INT)
}

/* The decoded fields of one decision node (general layout). */
typedef struct {
    uint32_t kind;
    uint32_t nan_left;
    uint32_t feature;
    uint32_t threshold;
    uint32_t child;
} node_t;

static void read_node(const emml_trees_t *m, uint32_t i, node_t *n)
{
    uint32_t nan_bits = (m->flags & EMML_TREES_NAN) ? 1u : 0u;
    uint32_t pos = i * m->node_bits;
    n->kind = bits_at(m->nodes, pos, 2u);
    n->nan_left = bits_at(m->nodes, pos + 2u, nan_bits);
    pos += 2u + nan_bits;
    n->feature = bits_at(m->nodes, pos, m->feature_bits);
    pos += m->feature_bits;
    n->threshold = bits_at(m->nodes, pos, m->threshold_bits);
    pos += m->threshold_bits;
    n->child = bits_at(m->nodes, pos, m->child_bits);
}

uint32_t emml_trees_walk_any(const emml_trees_t *m, uint32_t tree, const float *x)
{
    uint32_t i = bits_at(m->roots, tree * m->root_bits, m->root_bits);
    node_t n;
    for (;;) {
        uint32_t left;
        read_node(m, i, &n);
        if ((m->flags & EMML_TREES_NAN) && emml_trees_isnan(x[n.feature]))
            left = n.nan_left;
        else
            left = emml_trees_key(x[n.feature]) <= m->thresholds[n.threshold];
        if (n.kind == EMML_TREES_NN)
            i += left ? 1u : n.child;
        else if (n.kind == EMML_TREES_LL)
            return pair_leaf(m, n.child, left);
        else if ((n.kind == EMML_TREES_NL) == (left != 0u))
            i += 1u;
        else
            return n.child;
    }
}

void emml_trees_add_proba(const emml_trees_t *m, uint32_t leaf, uint32_t *acc)
{
    uint32_t e, end, pos, entry_bits;
    if (m->flags & EMML_TREES_ONEHOT) {
        if (leaf < m->n_outputs) {
            acc[leaf] += 1u << m->frac_bits;
            return;
        }
        leaf -= m->n_outputs;
    }
    e = bits_at(m->offsets, leaf * m->offset_bits, m->offset_bits);
    end = bits_at(m->offsets, (leaf + 1u) * m->offset_bits, m->offset_bits);
    entry_bits = (uint32_t)m->class_bits + m->value_bits;
    for (pos = e * entry_bits; e < end; e++, pos += entry_bits) {
        uint32_t c = bits_at(m->entries, pos, m->class_bits);
        acc[c] += bits_at(m->entries, pos + m->class_bits, m->value_bits);
    }
}

void emml_trees_add_values(const emml_trees_t *m, uint32_t leaf, float *acc)
{
#if EMML_FLOAT_ENABLE
    const float *row = m->values + (uint32_t)leaf * m->row_width;
    uint32_t k;
    for (k = 0; k < m->row_width; k++)
        acc[k] += row[k];
#else
    (void)m;
    (void)leaf;
    (void)acc;
#endif
}

int32_t emml_trees_argmax_u32(const uint32_t *v, uint32_t n)
{
    uint32_t k, best = 0;
    for (k = 1; k < n; k++)
        if (v[k] > v[best])
            best = k;
    return (int32_t)best;
}

#if EMML_FLOAT_ENABLE
int32_t emml_trees_argmax_f32(const float *v, uint32_t n)
{
    uint32_t k, best = 0;
    for (k = 1; k < n; k++)
        if (v[k] > v[best])
            best = k;
    return (int32_t)best;
}
#endif

/* ---- validation (not on the per-sample path) ---- */

static int width_ok(uint32_t bits)
{
    return bits <= EMML_TREES_MAX_FIELD_BITS;
}

static emml_status_t check_leaf(const emml_trees_t *m, uint32_t leaf)
{
    return leaf < m->n_leaves ? EMML_OK : EMML_ERR_FORMAT;
}

emml_status_t emml_trees_check(const emml_trees_t *m)
{
    uint32_t t, i, nan_bits;
    if (m == 0)
        return EMML_ERR_NULL;
    if (m->n_features == 0 || m->n_outputs == 0 || m->n_trees == 0 || m->n_leaves == 0)
        return EMML_ERR_FORMAT;
    if (!width_ok(m->feature_bits) || !width_ok(m->threshold_bits) || !width_ok(m->child_bits) ||
        !width_ok(m->root_bits) || !width_ok(m->leaf_bits) || !width_ok(m->offset_bits) ||
        !width_ok(m->class_bits) || !width_ok(m->value_bits) || m->child_bits == 0)
        return EMML_ERR_FORMAT;
    nan_bits = (m->flags & EMML_TREES_NAN) ? 1u : 0u;
    if (m->node_bits != 2u + nan_bits + m->feature_bits + m->threshold_bits + m->child_bits)
        return EMML_ERR_FORMAT;
    if (m->kind == EMML_TREES_PROBA) {
        uint32_t rows = m->n_leaves - ((m->flags & EMML_TREES_ONEHOT) ? m->n_outputs : 0u);
        uint32_t prev = 0, entry_bits = (uint32_t)m->class_bits + m->value_bits;
        if (m->frac_bits > 31u || (m->flags & EMML_TREES_ONEHOT && m->n_leaves < m->n_outputs))
            return EMML_ERR_FORMAT;
        if (rows > 0 && (m->offsets == 0 || m->entries == 0))
            return EMML_ERR_NULL;
        for (i = 0; rows > 0 && i <= rows; i++) {
            uint32_t off = bits_at(m->offsets, i * m->offset_bits, m->offset_bits);
            if (off < prev || off > m->n_entries)
                return EMML_ERR_FORMAT;
            prev = off;
        }
        for (i = 0; i < m->n_entries; i++)
            if (bits_at(m->entries, i * entry_bits, m->class_bits) >= m->n_outputs)
                return EMML_ERR_FORMAT;
    } else if (m->kind == EMML_TREES_SUM) {
        if (m->values == 0)
            return EMML_ERR_NULL;
        if (m->row_width == 0 || m->row_width > m->n_outputs)
            return EMML_ERR_FORMAT;
    } else {
        return EMML_ERR_FORMAT;
    }
    for (i = 0; i < 2u * m->n_pairs; i++)
        if (check_leaf(m, bits_at(m->pairs, i * m->leaf_bits, m->leaf_bits)) != EMML_OK)
            return EMML_ERR_FORMAT;
    if (m->n_nodes == 0)
        return EMML_OK; /* inline code: no tables to walk */
    if (m->nodes == 0 || m->roots == 0 || m->thresholds == 0)
        return EMML_ERR_NULL;
    for (t = 0; t < m->n_trees; t++)
        if (bits_at(m->roots, t * m->root_bits, m->root_bits) >= m->n_nodes)
            return EMML_ERR_FORMAT;
    /* Every jump goes forward and stays inside nodes[], so walks terminate. */
    for (i = 0; i < m->n_nodes; i++) {
        node_t n;
        read_node(m, i, &n);
        if (n.feature >= m->n_features || n.threshold >= m->n_thresholds)
            return EMML_ERR_FORMAT;
        switch (n.kind) {
        case EMML_TREES_NN:
            if (n.child < 2u || n.child >= m->n_nodes - i || i + 1u >= m->n_nodes)
                return EMML_ERR_FORMAT;
            break;
        case EMML_TREES_NL:
        case EMML_TREES_LN:
            if (check_leaf(m, n.child) != EMML_OK || i + 1u >= m->n_nodes)
                return EMML_ERR_FORMAT;
            break;
        default:
            if (n.child >= m->n_pairs)
                return EMML_ERR_FORMAT;
            break;
        }
    }
    return EMML_OK;
}
