#include "emml/svm.h"

#include "emml/mathf.h"

static uint32_t svm_pair(uint32_t i, uint32_t j, uint32_t n_classes)
{
    return i * (2u * n_classes - i - 1u) / 2u + (j - i - 1u);
}

uint32_t emml_svm_vote(const uint8_t *positive, uint32_t n_classes)
{
    uint32_t c, j, best = 0u, best_votes = 0u;
    for (c = 0u; c < n_classes; c++) {
        uint32_t votes = 0u;
        for (j = 0u; j < n_classes; j++) {
            if (j < c) {
                votes += positive[svm_pair(j, c, n_classes)] ? 0u : 1u;
            } else if (j > c) {
                votes += positive[svm_pair(c, j, n_classes)] ? 1u : 0u;
            }
        }
        if (votes > best_votes) {
            best_votes = votes;
            best = c;
        }
    }
    return best;
}

uint32_t emml_svm_vote_i32(const int32_t *dec, uint32_t n_classes)
{
    uint32_t c, j, best = 0u, best_votes = 0u;
    for (c = 0u; c < n_classes; c++) {
        uint32_t votes = 0u;
        for (j = 0u; j < n_classes; j++) {
            if (j < c) {
                votes += dec[svm_pair(j, c, n_classes)] > 0 ? 0u : 1u;
            } else if (j > c) {
                votes += dec[svm_pair(c, j, n_classes)] > 0 ? 1u : 0u;
            }
        }
        if (votes > best_votes) {
            best_votes = votes;
            best = c;
        }
    }
    return best;
}

#if EMML_FLOAT_ENABLE

uint32_t emml_svm_vote_f32(const float *dec, uint32_t n_classes)
{
    uint32_t c, j, best = 0u, best_votes = 0u;
    for (c = 0u; c < n_classes; c++) {
        uint32_t votes = 0u;
        for (j = 0u; j < n_classes; j++) {
            if (j < c) {
                votes += dec[svm_pair(j, c, n_classes)] > 0.0f ? 0u : 1u;
            } else if (j > c) {
                votes += dec[svm_pair(c, j, n_classes)] > 0.0f ? 1u : 0u;
            }
        }
        if (votes > best_votes) {
            best_votes = votes;
            best = c;
        }
    }
    return best;
}

/* Platt's sigmoid 1 / (1 + e^f), f = a dec + b, written so that the
 * exponential never overflows. */
static float svm_platt(float dec, float a, float b)
{
    float f = a * dec + b;
    float e;
    if (f >= 0.0f) {
        e = emml_expf(-f);
        return e / (1.0f + e);
    }
    return 1.0f / (1.0f + emml_expf(f));
}

/* r_ij = P(class i | i or j) from the pairwise array (i != j). */
static float svm_pairwise(const float *r, uint32_t i, uint32_t j, uint32_t n_classes)
{
    return i < j ? r[svm_pair(i, j, n_classes)] : 1.0f - r[svm_pair(j, i, n_classes)];
}

/* Q[t][j] of the coupling problem: sum_{s != t} r_st^2 on the diagonal,
 * -r_jt r_tj elsewhere. Recomputed from r instead of stored (C^2 floats). */
static float svm_q(const float *r, uint32_t t, uint32_t j, uint32_t n_classes)
{
    uint32_t s;
    float acc = 0.0f;
    if (t != j) {
        return -svm_pairwise(r, j, t, n_classes) * svm_pairwise(r, t, j, n_classes);
    }
    for (s = 0u; s < n_classes; s++) {
        if (s != t) {
            float v = svm_pairwise(r, s, t, n_classes);
            acc += v * v;
        }
    }
    return acc;
}

void emml_svm_proba_f32(float *dec, const float *prob_a, const float *prob_b, uint32_t n_classes, float *proba,
                        float *work)
{
    const float min_prob = 1e-7f;
    uint32_t C = n_classes;
    uint32_t n_pairs = C * (C - 1u) / 2u;
    uint32_t max_sweeps = C > 100u ? C : 100u;
    float *qp = work;      /* (Q p)_t */
    float *q_diag = work + C;
    float eps = 0.005f / (float)C;
    uint32_t p, t, j, sweep;
    for (p = 0u; p < n_pairs; p++) {
        float r = svm_platt(dec[p], prob_a[p], prob_b[p]);
        dec[p] = r < min_prob ? min_prob : r > 1.0f - min_prob ? 1.0f - min_prob : r;
    }
    for (t = 0u; t < C; t++) {
        proba[t] = 1.0f / (float)C;
        q_diag[t] = svm_q(dec, t, t, C);
    }
    for (sweep = 0u; sweep < max_sweeps; sweep++) {
        float pqp = 0.0f, max_err = 0.0f;
        for (t = 0u; t < C; t++) { /* recomputed each sweep, for accuracy */
            qp[t] = 0.0f;
            for (j = 0u; j < C; j++) {
                qp[t] += (j == t ? q_diag[t] : svm_q(dec, t, j, C)) * proba[j];
            }
            pqp += proba[t] * qp[t];
        }
        for (t = 0u; t < C; t++) {
            float err = qp[t] - pqp;
            err = err < 0.0f ? -err : err;
            max_err = err > max_err ? err : max_err;
        }
        if (max_err < eps) {
            break;
        }
        for (t = 0u; t < C; t++) { /* move p_t to its optimum, renormalise */
            float diff = (pqp - qp[t]) / q_diag[t];
            float scale = 1.0f / (1.0f + diff);
            proba[t] += diff;
            pqp = (pqp + diff * (diff * q_diag[t] + 2.0f * qp[t])) * scale * scale;
            for (j = 0u; j < C; j++) {
                qp[j] = (qp[j] + diff * (j == t ? q_diag[t] : svm_q(dec, t, j, C))) * scale;
                proba[j] *= scale;
            }
        }
    }
}

float emml_svm_kernel_f32(const emml_svm_t *m, const float *sv, const float *x)
{
    uint32_t i;
    float acc = 0.0f;
    if (m->kernel == (uint32_t)EMML_SVM_RBF) {
        for (i = 0u; i < m->n_features; i++) {
            float d = x[i] - sv[i];
            acc += d * d;
        }
        return emml_expf(-m->gamma * acc);
    }
    for (i = 0u; i < m->n_features; i++) {
        acc += x[i] * sv[i];
    }
    if (m->kernel == (uint32_t)EMML_SVM_POLY) {
        float base = m->gamma * acc + m->coef0;
        float p = 1.0f;
        for (i = 0u; i < m->degree; i++) {
            p *= base;
        }
        return p;
    }
    return acc;
}

void emml_svm_decision_f32(const emml_svm_t *m, const float *x, float *dec)
{
    uint32_t C = m->n_classes;
    uint32_t n_pairs = C >= 2u ? C * (C - 1u) / 2u : 1u;
    uint32_t width = C >= 2u ? C - 1u : 1u;
    uint32_t p, s = 0u, c = 0u, left;
    const float *sv = m->sv;
    const float *dual = m->dual;
    for (p = 0u; p < n_pairs; p++) {
        dec[p] = m->intercept != 0 ? m->intercept[p] : 0.0f;
    }
    left = C >= 2u ? m->n_support[0] : m->n_sv;
    for (s = 0u; s < m->n_sv; s++) {
        float k;
        uint32_t r;
        while (left == 0u && c + 1u < C) { /* next class's support vectors */
            c++;
            left = m->n_support[c];
        }
        left--;
        k = emml_svm_kernel_f32(m, sv, x);
        if (C < 2u) {
            dec[0] += dual[0] * k;
        } else {
            for (r = 0u; r < width; r++) {
                uint32_t j = r < c ? r : r + 1u;
                p = j > c ? svm_pair(c, j, C) : svm_pair(j, c, C);
                dec[p] += dual[r] * k;
            }
        }
        sv += m->n_features;
        dual += width;
    }
}

#endif /* EMML_FLOAT_ENABLE */
