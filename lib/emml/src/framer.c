#include "emml/framer.h"

emml_status_t emml_framer_init_q15(emml_framer_q15_t *fr, int16_t *ring, uint32_t ring_len,
                                   uint32_t frame_len, uint32_t hop)
{
    if (fr == NULL || ring == NULL) {
        return EMML_ERR_NULL;
    }
    if (frame_len == 0u || hop == 0u) {
        return EMML_ERR_ARGUMENT;
    }
    if (ring_len < frame_len) {
        return EMML_ERR_BUFFER_TOO_SMALL;
    }
    fr->ring = ring;
    fr->frame_len = frame_len;
    fr->hop = hop;
    fr->pos = 0u;
    fr->need = frame_len;
    fr->ready = 0u;
    return EMML_OK;
}

uint32_t emml_framer_push_q15(emml_framer_q15_t *fr, const int16_t *in, uint32_t n)
{
    uint32_t i = 0u;
    if (fr->ready) {
        return 0u;
    }
    while (i < n && fr->need > 0u) {
        fr->ring[fr->pos] = in[i++];
        fr->pos = fr->pos + 1u == fr->frame_len ? 0u : fr->pos + 1u;
        fr->need--;
    }
    if (fr->need == 0u) {
        fr->ready = 1u;
    }
    return i;
}

int emml_framer_ready(const emml_framer_q15_t *fr)
{
    return fr->ready != 0u;
}

void emml_framer_frame_q15(emml_framer_q15_t *fr, int16_t *out)
{
    uint32_t i, j = fr->pos; /* pos is the oldest sample once the ring is full */
    for (i = 0u; i < fr->frame_len; i++) {
        out[i] = fr->ring[j];
        j = j + 1u == fr->frame_len ? 0u : j + 1u;
    }
    fr->ready = 0u;
    fr->need = fr->hop;
}
