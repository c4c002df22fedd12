/*
 * audio_kws - keyword spotting on a 4 kB-RAM microcontroller.
 *
 * Audio (host stream over the UART, or the ADC on a real board, audio.h)
 * -> q15 log-mel frame per hop -> window of int8 frames -> int8 network
 * every KWS_DECISION_HOPS hops, skipped while the window is silent
 * (kws_stream.h). One line per decision:
 *
 *   kws ready <board> classes=<n> frames=<n> mels=<n> hop=<n>   at start
 *   r                                                            reset done
 *   d <frame> <class> <score> <name>                             a decision
 *   f <frame> <hex int8 features of the newest frame>            with trace on
 *   overrun <frame>                                              ADC fell behind
 *   status <emml status>                                         bad tables
 *   stack <bytes used> <bytes reserved>, then "bye"              at the end
 */
#include "audio.h"
#include "board.h"
#include "console.h"
#include "kws_stream.h"

static void put_decision(const kws_decision_t *d)
{
    console_puts("d ");
    console_put_uint(d->frame);
    console_putc(' ');
    console_put_int(d->cls);
    console_putc(' ');
    console_put_int(d->score);
    console_putc(' ');
    console_puts(kws_class_name(d->cls));
    console_newline();
}

static void put_frame(void)
{
    const int8_t *newest = kws_window() + (KWS_N_FEATURES - KWS_N_MELS);
    uint32_t i;
    console_puts("f ");
    console_put_uint(kws_frames());
    console_putc(' ');
    for (i = 0u; i < KWS_N_MELS; i++) {
        console_put_hex((uint32_t)(uint8_t)newest[i], 2u);
    }
    console_newline();
}

int main(void)
{
    int trace = 0;
    kws_decision_t d;
    emml_status_t st;

    board_init();
    st = kws_init();
    if (st != EMML_OK) {
        console_puts("status ");
        console_put_int((int32_t)st);
        console_newline();
        return 1;
    }
    console_puts("kws ready ");
    console_puts(board_name);
    console_puts(" classes=");
    console_put_uint(KWS_N_CLASSES);
    console_puts(" frames=");
    console_put_uint(KWS_N_FRAMES);
    console_puts(" mels=");
    console_put_uint(KWS_N_MELS);
    console_puts(" hop=");
    console_put_uint(KWS_HOP);
    console_newline();
    audio_start();

    for (;;) {
        int16_t *block = 0;
        uint32_t r;
        switch (audio_next(&block)) {
        case AUDIO_BLOCK:
            r = kws_push_hop(block);
            if ((r & KWS_FRAME_DONE) && trace) {
                put_frame();
            }
            if (r & KWS_DECISION_DUE) {
                kws_decide(&d);
                put_decision(&d);
            }
            break;
        case AUDIO_RESET:
            kws_reset();
            console_puts("r");
            console_newline();
            break;
        case AUDIO_DECIDE:
            kws_decide(&d);
            put_decision(&d);
            break;
        case AUDIO_TRACE_ON:
            trace = 1;
            break;
        case AUDIO_TRACE_OFF:
            trace = 0;
            break;
        case AUDIO_OVERRUN:
            console_puts("overrun ");
            console_put_uint(kws_frames());
            console_newline();
            break;
        case AUDIO_END:
        default:
            console_puts("stack ");
            console_put_uint((uint32_t)board_stack_used());
            console_putc(' ');
            console_put_uint((uint32_t)board_stack_size());
            console_newline();
            console_puts("bye");
            console_newline();
            return 0;
        }
    }
}
