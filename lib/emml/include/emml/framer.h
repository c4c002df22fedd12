/*
 * emml/framer.h - frames of frame_len samples every hop samples from an
 * incoming stream, in constant memory (a ring buffer of frame_len samples
 * the caller owns). Each sample is stored once; a frame is copied out, in
 * time order, only when the caller asks for it (into the buffer it will
 * window and transform in place anyway, e.g. the log-mel work buffer).
 *
 *     while (n > 0) {
 *         uint32_t used = emml_framer_push_q15(&fr, in, n);
 *         in += used; n -= used;
 *         if (emml_framer_ready(&fr)) {
 *             emml_framer_frame_q15(&fr, work);     // frame, oldest first
 *             emml_logmel_frame_q15(&lm, work, work, mel);
 *         }
 *     }
 *
 * Frame i holds stream samples i*hop .. i*hop + frame_len - 1 (as
 * LogMelConfig.frames()). hop may exceed frame_len (samples in between are
 * skipped).
 */
#ifndef EMML_FRAMER_H
#define EMML_FRAMER_H

#include <stddef.h>
#include <stdint.h>

#include "emml/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int16_t *ring;      /* frame_len samples */
    uint32_t frame_len;
    uint32_t hop;
    uint32_t pos;       /* next write position in ring */
    uint32_t need;      /* samples still needed before the next frame */
    uint8_t ready;
} emml_framer_q15_t;

/* ring_len >= frame_len >= 1, hop >= 1. */
emml_status_t emml_framer_init_q15(emml_framer_q15_t *fr, int16_t *ring, uint32_t ring_len,
                                   uint32_t frame_len, uint32_t hop);

/* Take samples until a frame is ready (or all n are taken); returns how many
 * were taken. Takes nothing while a frame is ready and not yet read. */
uint32_t emml_framer_push_q15(emml_framer_q15_t *fr, const int16_t *in, uint32_t n);

/* Nonzero when a frame can be read. */
int emml_framer_ready(const emml_framer_q15_t *fr);

/* Copy the ready frame (oldest sample first) to out[frame_len] and start
 * waiting for the next one. */
void emml_framer_frame_q15(emml_framer_q15_t *fr, int16_t *out);

#ifdef __cplusplus
}
#endif

#endif /* EMML_FRAMER_H */
