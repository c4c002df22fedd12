/*
 * py32f0.h - clock and console UART for the Puya PY32F0 family (PY32F003,
 * PY32F002A), shared by boards/py32f003 and boards/py32f002a.
 *
 * Written from the PY32F003 / PY32F002A reference manuals (Puya, RCC,
 * FLASH, GPIO and USART chapters). These parts run nowhere here: the
 * register values are checked by review, not by execution. Every fact not
 * yet confirmed on a real chip is marked "verify on hardware" in py32f0.c.
 */
#ifndef EMML_PY32F0_H
#define EMML_PY32F0_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"

#ifdef __cplusplus
extern "C" {
#endif

/* HCLK = PCLK = HSI at 24 MHz, the SysTick (cycle counter) rate. */
#define PY32F0_CORE_CLOCK_HZ 24000000u
#define PY32F0_UART_BAUD 115200u

/* HSI to 24 MHz with its factory trim, flash latency for 24 MHz, USART1 on
 * PA2 (TX) / PA3 (RX), alternate function 1, 115200 8N1, SysTick started. */
void py32f0_init(void);

/* Blocking USART1 write / read (see board.h). */
void py32f0_write(const char *data, size_t length);
int py32f0_read_byte(void);

/* Print "exit <status>" and sleep forever: a real chip has nowhere to
 * return to. */
BOARD_NORETURN void py32f0_halt(int status);

#ifdef __cplusplus
}
#endif

#endif /* EMML_PY32F0_H */
