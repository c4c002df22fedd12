/*
 * dsp_app - test firmware for the DSP front end: computes one q15 log-mel
 * frame, its MFCC and a biquad cascade on compiled-in vectors, prints them
 * as hex and exits. tests/firmware/test_dsp_firmware.py generates the
 * tables and vectors (dsp_vectors.h / .c, fwlm.h / .c) and compares the
 * printout with the host's result.
 *
 * Output lines:
 *   logmel <n_mels x 4 hex digits>       Q8 dB, int16 as 16-bit two's complement
 *   mfcc <n_mfcc x 4 hex digits>
 *   iir <n x 4 hex digits>
 *   har <n_features x 8 hex digits>      int32 HAR features of one window
 *   status <init statuses, decimal>
 *   cycles logmel=<count> har=<count>
 *   done
 */
#include "board.h"
#include "console.h"
#include "dsp_vectors.h"
#include "emml/iir.h"
#include "emml/features.h"
#include "emml/mel.h"
#include "fwhar.h"
#include "fwlm.h"

static int16_t work[FWLM_N_FFT];
static int16_t mel_out[FWLM_N_MELS];
static int16_t mfcc_out[FWLM_N_MFCC];
static int16_t iir_out[FW_IIR_N];
static int16_t iir_state[4 * FW_IIR_SECTIONS];
static int16_t har_scratch[FWHAR_SCRATCH_LEN];
static int32_t har_out[FWHAR_N_FEATURES];

static void put_row(const char *label, const int16_t *v, uint32_t n)
{
    uint32_t i;
    console_puts(label);
    console_putc(' ');
    for (i = 0; i < n; i++) {
        console_put_hex((uint32_t)(uint16_t)v[i], 4u);
    }
    console_newline();
}

int main(void)
{
    emml_logmel_q15_t lm;
    emml_iir_q15_t iir;
    emml_status_t st1, st2, st3, st4;
    uint32_t start, cycles, har_cycles, i;

    board_init();
    st1 = emml_logmel_init_q15(&lm, &fwlm_fft_q15, &fwlm_window_q15, &fwlm_mel_q15, FWLM_FLOOR_DB_Q8);
    st2 = emml_mfcc_check_q15(&fwlm_mfcc_q15, FWLM_N_MELS);
    st3 = emml_iir_init_q15(&iir, &fw_iir, iir_state, 4u * FW_IIR_SECTIONS);
    st4 = fwhar_check();

    start = board_cycles();
    emml_logmel_frame_q15(&lm, fw_frame, work, mel_out);
    cycles = board_cycles() - start;
    emml_mfcc_q15(&fwlm_mfcc_q15, mel_out, mfcc_out);
    emml_iir_process_q15(&iir, fw_iir_in, iir_out, FW_IIR_N / 2u);
    emml_iir_process_q15(&iir, fw_iir_in + FW_IIR_N / 2u, iir_out + FW_IIR_N / 2u, FW_IIR_N / 2u);

    put_row("logmel", mel_out, FWLM_N_MELS);
    put_row("mfcc", mfcc_out, FWLM_N_MFCC);
    put_row("iir", iir_out, FW_IIR_N);

    start = board_cycles();
    fwhar_features(fw_har_xyz, har_scratch, har_out);
    har_cycles = board_cycles() - start;
    console_puts("har ");
    for (i = 0; i < FWHAR_N_FEATURES; i++) {
        console_put_hex((uint32_t)har_out[i], 8u);
    }
    console_newline();
    console_puts("status ");
    console_put_int((int32_t)st1);
    console_putc(' ');
    console_put_int((int32_t)st2);
    console_putc(' ');
    console_put_int((int32_t)st3);
    console_putc(' ');
    console_put_int((int32_t)st4);
    console_newline();
    console_puts("cycles logmel=");
    console_put_uint(cycles);
    console_puts(" har=");
    console_put_uint(har_cycles);
    console_newline();
    console_puts("done");
    console_newline();
    return 0;
}
