/*
 * emml/port.h - the hooks a port (board, RTOS or host) provides.
 *
 * The emml core never calls stdio, malloc or a hardware register directly.
 * When it needs the outside world it calls one of these, and each board in
 * boards/ (and the host test harness) defines them. A port that does not log
 * can build with EMML_LOG_ENABLE 0 and leave emml_port_log undefined.
 */
#ifndef EMML_PORT_H
#define EMML_PORT_H

#include <stdint.h>

#include "emml/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write one NUL-terminated line of diagnostic text (no newline needed). */
void emml_port_log(const char *message);

/* A free-running counter for profiling; wraps at 2^32. */
uint32_t emml_port_cycles(void);

/* Counts per second of emml_port_cycles() (the core clock where a real
 * cycle counter exists, otherwise the timer's rate). */
uint32_t emml_port_cycles_hz(void);

#if EMML_LOG_ENABLE
#define emml_log(message) emml_port_log(message)
#else
#define emml_log(message) ((void)0)
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMML_PORT_H */
