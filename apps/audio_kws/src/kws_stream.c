/*
 * kws_stream.c - see kws_stream.h. Integer only; no libc calls, so it
 * builds for RV32E without a C library.
 */
#include "kws_stream.h"

#include "emml/nn.h"

#if KWS_N_FFT % KWS_HOP != 0
#error "kws_stream.c: KWS_HOP must divide KWS_N_FFT"
#endif

static int8_t window_q[KWS_N_FEATURES]; /* [KWS_N_FRAMES][KWS_N_MELS], oldest first */
static int16_t mel_db[KWS_N_MELS];       /* Q8 dB of the newest frame */
static uint32_t frame_count;

#if KWS_HOP < KWS_N_FFT
#define KWS_HISTORY (KWS_N_FFT - KWS_HOP)
static int16_t history[KWS_HISTORY]; /* the last n_fft - hop samples */
static int16_t frame_buf[KWS_N_FFT];
static uint32_t hops_seen;           /* until the first full frame */
#endif

static const char *const class_names[KWS_N_CLASSES] = KWS_CLASS_NAMES;

emml_status_t kws_init(void)
{
    emml_status_t st = kws_fe_check();
    kws_reset();
    return st;
}

void kws_reset(void)
{
    uint32_t i;
    for (i = 0u; i < KWS_N_FEATURES; i++) {
        window_q[i] = (int8_t)KWS_SILENCE_Q;
    }
    frame_count = 0u;
#if KWS_HOP < KWS_N_FFT
    for (i = 0u; i < KWS_HISTORY; i++) {
        history[i] = 0;
    }
    hops_seen = 0u;
#endif
}

/* Q8 dB -> int8: v = db - offset + (128 << shift); v < 0 -> -128, else
 * min(v >> shift, 255) - 128. Only non-negative values are shifted. */
static int8_t quantize_db(int16_t db_q8)
{
    int32_t v = (int32_t)db_q8 - (int32_t)(KWS_FEATURE_OFFSET_Q8) + (int32_t)(128L << KWS_FEATURE_SHIFT);
    if (v < 0) {
        return (int8_t)-128;
    }
    v >>= KWS_FEATURE_SHIFT;
    if (v > 255) {
        v = 255;
    }
    return (int8_t)(v - 128);
}

void kws_process_frame(int16_t *frame)
{
    uint32_t i;
    int8_t *newest = window_q + (KWS_N_FEATURES - KWS_N_MELS);
    kws_fe_logmel_frame(frame, frame, mel_db);
    /* drop the oldest frame: a forward byte copy (no memmove on RV32E) */
    for (i = 0u; i < KWS_N_FEATURES - KWS_N_MELS; i++) {
        window_q[i] = window_q[i + KWS_N_MELS];
    }
    for (i = 0u; i < KWS_N_MELS; i++) {
        newest[i] = quantize_db(mel_db[i]);
    }
}

uint32_t kws_push_hop(int16_t *hop)
{
#if KWS_HOP == KWS_N_FFT
    kws_process_frame(hop);
#else
    uint32_t i;
    for (i = 0u; i < KWS_HISTORY; i++) {
        frame_buf[i] = history[i];
    }
    for (i = 0u; i < KWS_HOP; i++) {
        frame_buf[KWS_HISTORY + i] = hop[i];
    }
    for (i = 0u; i < KWS_HISTORY; i++) {
        history[i] = frame_buf[KWS_HOP + i];
    }
    if (hops_seen < KWS_N_FFT / KWS_HOP - 1u) { /* the first frame needs n_fft samples */
        hops_seen++;
        return 0u;
    }
    kws_process_frame(frame_buf);
#endif
    frame_count++;
    if (frame_count % KWS_DECISION_HOPS == 0u && kws_gate_open()) {
        return KWS_FRAME_DONE | KWS_DECISION_DUE;
    }
    return KWS_FRAME_DONE;
}

int kws_gate_open(void)
{
    uint32_t i;
    for (i = 0u; i < KWS_N_FEATURES; i++) {
        if (window_q[i] >= KWS_GATE_Q) {
            return 1;
        }
    }
    return 0;
}

void kws_decide(kws_decision_t *decision)
{
    int8_t out[KWS_N_CLASSES];
    uint32_t k;
    (void)kws_net_forward_i8(window_q, KWS_N_FEATURES, out, KWS_N_CLASSES);
    k = emml_nn_argmax_i8(out, KWS_N_CLASSES);
    decision->frame = frame_count;
    decision->cls = (int32_t)k;
    decision->score = out[k];
}

const int8_t *kws_window(void)
{
    return window_q;
}

uint32_t kws_frames(void)
{
    return frame_count;
}

const char *kws_class_name(int32_t k)
{
    return (k >= 0 && k < KWS_N_CLASSES) ? class_names[k] : "?";
}
