/*
 * audio_uart.c - audio streamed by the host over the console UART (the
 * source on emulated boards; any board without KWS_AUDIO_ADC_* uses it).
 *
 * Host -> board, binary, one command byte each:
 *   'A' n_lo n_hi, then n samples as int16 little-endian   audio
 *   'Z' n_lo n_hi                                          n zero samples (silence)
 *   'R'  reset         'D'  decide now
 *   'T'  trace on      't'  trace off      'Q'  end
 * Other bytes are answered with a line "error byte <value>" and ignored.
 * Samples accumulate into one hop; a command between two 'A' packets
 * leaves a partly filled hop as it is (except 'R', which drops it).
 * Two bytes per sample: 16 kB/s for 8 kHz audio, which QEMU's UART takes as
 * fast as the firmware reads; a real 115200-baud UART carries 5.7 kB/s,
 * so on a chip this source replays recordings slower than real time.
 */
#include "audio.h"

#if !defined(KWS_AUDIO_ADC_PY32F0) && !defined(KWS_AUDIO_ADC_CH32V003)

#include "board.h"
#include "console.h"
#include "kws_config.h"

static int16_t hop_buf[KWS_HOP];
static uint32_t filled;  /* samples of hop_buf received */
static uint32_t pending; /* samples still to come in the current 'A' packet */
static uint32_t zeros;   /* zero samples still to add from a 'Z' packet */

static int read_byte(void)
{
    int b = board_read_byte();
    return b < 0 ? 'Q' : b;
}

void audio_start(void)
{
    filled = 0u;
    pending = 0u;
    zeros = 0u;
}

static uint32_t read_count(void)
{
    uint32_t lo = (uint32_t)read_byte();
    return lo | ((uint32_t)read_byte() << 8);
}

audio_event_t audio_next(int16_t **block)
{
    for (;;) {
        int c;
        while (zeros > 0u) {
            hop_buf[filled++] = 0;
            zeros--;
            if (filled == KWS_HOP) {
                filled = 0u;
                *block = hop_buf;
                return AUDIO_BLOCK;
            }
        }
        while (pending > 0u) {
            uint32_t lo = (uint32_t)read_byte();
            uint32_t hi = (uint32_t)read_byte();
            hop_buf[filled++] = (int16_t)(uint16_t)(lo | (hi << 8));
            pending--;
            if (filled == KWS_HOP) {
                filled = 0u;
                *block = hop_buf;
                return AUDIO_BLOCK;
            }
        }
        c = read_byte();
        switch (c) {
        case 'A':
            pending = read_count();
            break;
        case 'Z':
            zeros = read_count();
            break;
        case 'R':
            filled = 0u;
            zeros = 0u;
            return AUDIO_RESET;
        case 'D':
            return AUDIO_DECIDE;
        case 'T':
            return AUDIO_TRACE_ON;
        case 't':
            return AUDIO_TRACE_OFF;
        case 'Q':
            return AUDIO_END;
        default:
            console_puts("error byte ");
            console_put_uint((uint32_t)c);
            console_newline();
            break;
        }
    }
}

#else
typedef int audio_uart_unused; /* ISO C: a translation unit needs a declaration */
#endif
