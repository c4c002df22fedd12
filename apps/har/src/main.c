/*
 * har - activity recognition: accelerometer -> window -> HAR features ->
 * tree model -> one line per window on the console UART.
 *
 * The model comes from `emml har train` (see apps/har/README.md): the
 * generated har_app.h (window, hop, rate, class names, sensor settings),
 * har_dsp.h (the feature extractor) and har_model.h (the classifier).
 *
 * Output (console newline "\r\n"):
 *   har ready board=<name> rate_millihz=<mHz> window=<frames> hop=<frames> features=<n> classes=<n>
 *   class=<name> window=<k> sample=<i>      one per window; k counts windows from 0,
 *                                           i is the number of samples since the last reset
 *   error line=<n> malformed                (UART source: a line that is not "x y z")
 *   error sensor                            (LIS3DH source: the sensor did not answer)
 *   done windows=<n> stack=<used> of <reserved>
 * With the UART source, the input is one sample per line ("x y z" in mg,
 * separated by spaces, commas or tabs), "reset" before each new recording
 * (so no window spans two recordings) and "end" to finish; main then
 * returns 0, QEMU's exit status.
 *
 * Windows start at samples 0, hop, 2 hop, ... after each reset: the same
 * windows emml.har cuts in Python, so the two can be compared one to one.
 */
#include <stdint.h>

#include "board.h"
#include "console.h"
#include "har_app.h"
#include "har_dsp.h"
#include "har_model.h"
#include "har_sensor.h"

#if HAR_DSP_WINDOW != HAR_APP_WINDOW
#error "har_dsp.h and har_app.h come from different trainings: regenerate both (emml har train)"
#endif

/* The window being filled, x y z interleaved, oldest first. */
static int16_t window_xyz[3u * HAR_APP_WINDOW];
static int16_t scratch[HAR_DSP_SCRATCH_LEN];
/* The int32 features, converted in place to the float32 the model takes. */
static union {
    int32_t q[HAR_DSP_N_FEATURES];
    float f[HAR_DSP_N_FEATURES];
} features;

/* Features and model for one window (xyz[3 * HAR_APP_WINDOW]); returns the
 * class index. Not static: emml.har profiles it (cycles per window). */
int32_t har_classify_window(const int16_t *xyz);

int32_t har_classify_window(const int16_t *xyz)
{
    uint32_t i;
    har_dsp_features(xyz, scratch, features.q);
    for (i = 0u; i < HAR_DSP_N_FEATURES; i++) {
        int32_t v = features.q[i];
        features.f[i] = (float)v;
    }
    return har_model_predict(features.f, (int32_t)HAR_DSP_N_FEATURES);
}

static void put_ready(void)
{
    console_puts("har ready board=");
    console_puts(board_name);
    console_puts(" rate_millihz=");
    console_put_uint(HAR_APP_RATE_MILLIHZ);
    console_puts(" window=");
    console_put_uint(HAR_APP_WINDOW);
    console_puts(" hop=");
    console_put_uint(HAR_APP_HOP);
    console_puts(" features=");
    console_put_uint(HAR_DSP_N_FEATURES);
    console_puts(" classes=");
    console_put_uint(HAR_APP_N_CLASSES);
    console_newline();
}

int main(void)
{
    uint32_t filled = 0u;     /* frames in window_xyz */
    uint32_t skip = 0u;       /* frames to drop before the next window (hop > window) */
    uint32_t since_reset = 0u;
    uint32_t windows = 0u;
    int16_t xyz[3];
    int status;

    board_init();
    if (har_dsp_check() != EMML_OK) {
        console_puts("error features config");
        console_newline();
        return 1;
    }
    put_ready();
    if (har_sensor_init() != HAR_SAMPLE) {
        console_puts("error sensor");
        console_newline();
        return 2;
    }
    for (;;) {
        status = har_sensor_read(xyz);
        if (status == HAR_END) {
            break;
        }
        if (status == HAR_RESET) {
            filled = 0u;
            skip = 0u;
            since_reset = 0u;
            continue;
        }
        if (status != HAR_SAMPLE) {
            continue;
        }
        since_reset++;
        if (skip != 0u) {
            skip--;
            continue;
        }
        window_xyz[3u * filled] = xyz[0];
        window_xyz[3u * filled + 1u] = xyz[1];
        window_xyz[3u * filled + 2u] = xyz[2];
        if (++filled < HAR_APP_WINDOW) {
            continue;
        }
        {
            int32_t k = har_classify_window(window_xyz);
            console_puts("class=");
            console_puts(k >= 0 && (uint32_t)k < HAR_APP_N_CLASSES ? har_app_class_names[k] : "?");
            console_puts(" window=");
            console_put_uint(windows);
            console_puts(" sample=");
            console_put_uint(since_reset);
            console_newline();
            windows++;
        }
        /* Keep the last (window - hop) frames: the next window starts hop later. */
#if HAR_APP_HOP < HAR_APP_WINDOW
        {
            uint32_t i; /* a plain loop: the RV32E boards have no libc */
            for (i = 0u; i < 3u * (HAR_APP_WINDOW - HAR_APP_HOP); i++) {
                window_xyz[i] = window_xyz[i + 3u * HAR_APP_HOP];
            }
        }
        filled = HAR_APP_WINDOW - HAR_APP_HOP;
#else
        filled = 0u;
        skip = HAR_APP_HOP - HAR_APP_WINDOW;
#endif
    }
    console_puts("done windows=");
    console_put_uint(windows);
    console_puts(" stack=");
    console_put_uint((uint32_t)board_stack_used());
    console_puts(" of ");
    console_put_uint((uint32_t)board_stack_size());
    console_newline();
    return 0;
}
