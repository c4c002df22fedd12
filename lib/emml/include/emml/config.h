/*
 * emml/config.h - every compile-time option of the emml runtime, in one place.
 *
 * Each option has a default here; override it with -D on the command line
 * (PlatformIO: build_flags, Zephyr: Kconfig) rather than editing this file.
 */
#ifndef EMML_CONFIG_H
#define EMML_CONFIG_H

/* Runtime version. Generated model files check these against the version of
 * the generator that wrote them and refuse to compile on a mismatch. */
#define EMML_VERSION_MAJOR 0
#define EMML_VERSION_MINOR 1
#define EMML_VERSION_PATCH 0

/* Encoded version, comparable with < and >: 0x00MMmmpp. */
#define EMML_VERSION \
    ((EMML_VERSION_MAJOR << 16) | (EMML_VERSION_MINOR << 8) | EMML_VERSION_PATCH)

/* EMML_LOG_ENABLE: 1 routes emml_log() to the port's emml_port_log() hook;
 * 0 compiles every log call away (no strings in flash). */
#ifndef EMML_LOG_ENABLE
#define EMML_LOG_ENABLE 0
#endif

/* EMML_STATUS_STRINGS: 1 keeps a human-readable string per status code for
 * emml_status_str(); 0 returns "" to save the ~300 bytes of text. */
#ifndef EMML_STATUS_STRINGS
#define EMML_STATUS_STRINGS 1
#endif

/* EMML_FLOAT_ENABLE: 1 builds the float32 paths. Chips without an FPU can set
 * 0 to make sure nothing pulls in the soft-float library by accident. */
#ifndef EMML_FLOAT_ENABLE
#define EMML_FLOAT_ENABLE 1
#endif

/* EMML_ASM_ENABLE: 1 lets the DSP use its hand-allocated Cortex-M0/M0+
 * (ARMv6-M) loops (FFT, log-mel window), which compute the same integers as
 * the C; 0 builds the portable C on every target. See emml/fixed.h. */
#ifndef EMML_ASM_ENABLE
#define EMML_ASM_ENABLE 1
#endif

#endif /* EMML_CONFIG_H */
