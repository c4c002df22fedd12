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
