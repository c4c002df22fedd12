/*
 * kws_stream.h - the streaming keyword spotter: audio hops in, log-mel
 * frames, a window of recent int8 frames, int8 network decisions out.
 *
 * Generated from the model artifact (emml kws generate, run by the
 * PlatformIO pre-build script): kws_config.h (pipeline constants), kws_fe.h/.c
 * (log-mel tables), kws_net.h/.c (the int8 network). src/emml/kws/pipeline.py
 * is the bit-exact Python model of this file.
 *
 * RAM (static): the window of KWS_N_FRAMES x KWS_N_MELS int8 features, the
 * mel row, and for hop < n_fft one frame of audio history plus a frame
 * buffer; the network's arena lives in kws_net.c.
 */
#ifndef KWS_STREAM_H
#define KWS_STREAM_H

#include <stdint.h>

#include "kws_config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint32_t frame;  /* frames since the last reset, counting from 1 */
    int32_t cls;     /* class index, 0 .. KWS_N_CLASSES - 1 */
    int8_t score;    /* the class's int8 softmax output (-128 .. 127 ~ 0 .. 1) */
} kws_decision_t;

/* kws_push_hop result bits */
#define KWS_FRAME_DONE 1u   /* a new feature frame entered the window */
#define KWS_DECISION_DUE 2u /* ... and a decision is due (gate open) */

/* Check the generated tables (EMML_OK expected), then kws_reset(). */
emml_status_t kws_init(void);

/* Forget all audio: the window holds silence, the frame count restarts. */
void kws_reset(void);

/* Take the next KWS_HOP samples (q15; the buffer is used as scratch and
 * overwritten). Returns KWS_FRAME_DONE / KWS_DECISION_DUE bits. */
uint32_t kws_push_hop(int16_t *hop);

/* One frame of KWS_N_FFT samples (overwritten) -> its int8 features appended
 * to the window, oldest frame dropped. kws_push_hop calls it. */
void kws_process_frame(int16_t *frame);

/* Nonzero when some feature in the window reaches KWS_GATE_Q (not silence). */
int kws_gate_open(void);

/* Run the network on the window. */
void kws_decide(kws_decision_t *decision);

/* The window, KWS_N_FRAMES rows of KWS_N_MELS int8, oldest first. */
const int8_t *kws_window(void);

/* Frames since the last reset. */
uint32_t kws_frames(void);

/* Printable name of class k ("?" when out of range). */
const char *kws_class_name(int32_t k);

#ifdef __cplusplus
}
#endif

#endif /* KWS_STREAM_H */
