/*
 * audio_adc_zephyr.c - the KWS app's audio from an analog MEMS microphone
 * through Zephyr's ADC API: the Zephyr counterpart of src/audio_adc_*.c.
 * The channel is the first io-channels entry of the devicetree's zephyr,user
 * node (boards/<board>.overlay); the microphone module's output is biased
 * at mid-scale.
 *
 * A sampler thread reads KWS_HOP samples at a time, one every
 * 1/KWS_SAMPLE_RATE s (adc_sequence_options.interval_us), alternately into
 * the two halves of a double buffer, and starts the next read as soon as
 * one completes; audio_next() hands the app a full half while the other
 * fills, as the bare-metal sources do. The drivers pace samples with the
 * kernel timer, so a tick must divide the sample period (checked below),
 * and consecutive reads join within a thread switch, not to the sample.
 * Samples become q15 like the bare-metal sources: 12-bit unsigned around
 * mid-scale, << 4, then the DC blocker.
 * NOT RUN ON HARDWARE.
 */
#include <errno.h>

#include <zephyr/device.h>
#include <zephyr/devicetree.h>
#include <zephyr/drivers/adc.h>
#include <zephyr/kernel.h>
#include <zephyr/sys/atomic.h>

#include "audio.h"
#include "console.h"
#include "emml/iir.h"
#include "kws_config.h"

#if !DT_NODE_HAS_PROP(DT_PATH(zephyr_user), io_channels)
#error "no microphone channel: give the zephyr,user node io-channels (see apps/audio_kws/boards/rpi_pico.overlay) or stream audio over the UART (CONFIG_KWS_AUDIO_UART=y)"
#endif

BUILD_ASSERT(CONFIG_SYS_CLOCK_TICKS_PER_SEC % KWS_SAMPLE_RATE == 0,
             "the ADC paces samples with the kernel timer: set CONFIG_SYS_CLOCK_TICKS_PER_SEC to a multiple of the sample rate");

#define SAMPLER_STACK_BYTES 512
#define SAMPLER_PRIORITY K_PRIO_COOP(CONFIG_NUM_COOP_PRIORITIES - 1) /* runs as soon as a read completes */
#define MIC_MID_SCALE 2048  /* 12-bit samples */

static const struct adc_dt_spec mic = ADC_DT_SPEC_GET(DT_PATH(zephyr_user));
static int16_t halves[2][KWS_HOP];
static atomic_t ready;     /* bit h: half h is full and not yet taken */
static atomic_t overruns;  /* a half completed while the app still held the other */
static atomic_t read_errors;
static emml_dcblock_q15_t dc;
K_SEM_DEFINE(hop_done, 0, 2);
K_THREAD_STACK_DEFINE(sampler_stack, SAMPLER_STACK_BYTES);
static struct k_thread sampler_thread;
static int adc_status;     /* non-zero: the ADC could not be set up */

static void sampler(void *p1, void *p2, void *p3)
{
    struct adc_sequence_options options = {
        .interval_us = 1000000u / KWS_SAMPLE_RATE,
        .extra_samplings = KWS_HOP - 1u,
    };
    struct adc_sequence sequence = {0};
    uint32_t half = 0u;

    ARG_UNUSED(p1);
    ARG_UNUSED(p2);
    ARG_UNUSED(p3);
    (void)adc_sequence_init_dt(&mic, &sequence);
    sequence.options = &options;
    sequence.buffer_size = sizeof(halves[0]);
    for (;;) {
        sequence.buffer = halves[half];
        if (adc_read(mic.dev, &sequence) != 0) {
            atomic_inc(&read_errors);
            k_msleep(1);
            continue;
        }
        if (atomic_test_bit(&ready, (int)(half ^ 1u))) {
            atomic_inc(&overruns); /* the next read overwrites the half the app holds */
        }
        atomic_set_bit(&ready, (int)half);
        k_sem_give(&hop_done);
        half ^= 1u;
    }
}

void audio_start(void)
{
    (void)emml_dcblock_init_q15(&dc, 32604); /* pole 0.995, as the bare-metal sources */
    adc_status = adc_is_ready_dt(&mic) ? adc_channel_setup_dt(&mic) : -ENODEV;
    if (adc_status != 0) {
        console_puts("error adc ");
        console_put_int(adc_status);
        console_newline();
        return;
    }
    (void)k_thread_create(&sampler_thread, sampler_stack, K_THREAD_STACK_SIZEOF(sampler_stack), sampler, NULL,
                          NULL, NULL, SAMPLER_PRIORITY, 0, K_NO_WAIT);
}

audio_event_t audio_next(int16_t **block)
{
    static uint32_t take_half;
    static atomic_val_t seen_overruns;
    int16_t *x;
    uint32_t i;

    if (adc_status != 0) {
        return AUDIO_END;
    }
    if (atomic_get(&overruns) != seen_overruns) { /* reported once; the halves carry on */
        seen_overruns = atomic_get(&overruns);
        return AUDIO_OVERRUN;
    }
    while (!atomic_test_bit(&ready, (int)take_half)) {
        (void)k_sem_take(&hop_done, K_FOREVER);
    }
    x = halves[take_half];
    for (i = 0u; i < KWS_HOP; i++) {
        x[i] = (int16_t)((x[i] - MIC_MID_SCALE) * 16); /* 12-bit unsigned -> q15 */
    }
    emml_dcblock_process_q15(&dc, x, x, KWS_HOP);
    atomic_clear_bit(&ready, (int)take_half);
    take_half ^= 1u;
    *block = x;
    return AUDIO_BLOCK;
}
