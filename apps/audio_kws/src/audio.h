/*
 * audio.h - where the samples come from.
 *
 * Default (every board, and the only source on the emulated ones):
 * audio_uart.c, samples streamed by the host over the console UART.
 * Real boards with a microphone build one ADC source instead, chosen by a
 * define, or by the board define that emml's PlatformIO pre-build script
 * sets (EMML_BOARD_<BOARD>); -DKWS_AUDIO_UART keeps the UART source:
 *   KWS_AUDIO_ADC_PY32F0    audio_adc_py32f0.c (PY32F003, PY32F002A)
 *   KWS_AUDIO_ADC_CH32V003  audio_adc_ch32v003.c
 * Both sample an analog MEMS microphone (with its amplifier, biased at
 * VDD/2) at KWS_SAMPLE_RATE on a timer trigger, into two halves of a
 * buffer: the app transforms one half while the other fills.
 */
#ifndef KWS_AUDIO_H
#define KWS_AUDIO_H

#include <stdint.h>

#if !defined(KWS_AUDIO_UART)
#if defined(EMML_BOARD_PY32F003) || defined(EMML_BOARD_PY32F002A)
#define KWS_AUDIO_ADC_PY32F0 1
#elif defined(EMML_BOARD_CH32V003)
#define KWS_AUDIO_ADC_CH32V003 1
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    AUDIO_BLOCK = 0,  /* KWS_HOP new samples (q15) in *block */
    AUDIO_RESET,      /* host: forget all audio (kws_reset) */
    AUDIO_DECIDE,     /* host: run the network now, gate or not */
    AUDIO_TRACE_ON,   /* host: print every feature frame */
    AUDIO_TRACE_OFF,
    AUDIO_END,        /* host: end of the session */
    AUDIO_OVERRUN     /* ADC: a block was overwritten before it was taken */
} audio_event_t;

/* Start sampling (ADC) or listening (UART). */
void audio_start(void);

/* Wait for the next event. For AUDIO_BLOCK, *block points at KWS_HOP int16
 * samples that the caller may overwrite; they stay valid until the next call
 * (for the ADC, until that half of the buffer is refilled: one hop later). */
audio_event_t audio_next(int16_t **block);

#ifdef __cplusplus
}
#endif

#endif /* KWS_AUDIO_H */
