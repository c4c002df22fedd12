/*
 * board.c - QEMU `virt` with a strict RV32E hart (stand-in for CH32V003).
 *
 * Console: the ns16550a UART at 0x10000000 (byte-wide registers, no
 * register shift). QEMU needs no baud rate or FIFO set-up, so board_init()
 * only sets the line to 8N1. It must not touch FCR: enabling the FIFOs
 * resets the receiver, which drops host input that arrived before main().
 *
 * Counter: the CLINT's mtime (0x0200BFF8), which QEMU's virt machine runs
 * at 10 MHz of virtual time. The hart's mcycle CSR exists in QEMU 7.2, but
 * it returns host clock ticks (or nanoseconds with -icount), not a count
 * at a fixed rate, so it cannot honour board_cycles_hz().
 *
 * Exit: semihosting SYS_EXIT_EXTENDED, so QEMU's exit code is the status.
 */
#include <stdint.h>

#include "board.h"
#include "riscv/semihost.h"

#define UART_BASE 0x10000000u
#define UART_RBR  0x0u              /* receive buffer (read) */
#define UART_THR  0x0u              /* transmit holding (write) */
#define UART_LCR  0x3u              /* line control */
#define UART_LSR  0x5u              /* line status */
#define UART_LSR_DR   0x01u         /* a received byte is waiting */
#define UART_LSR_THRE 0x20u         /* transmit holding register empty */

#define CLINT_MTIME_LO 0x0200BFF8u
#define CLINT_MTIME_HZ 10000000u

#define REG8(addr) (*(volatile uint8_t *)(uintptr_t)(addr))
#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

const char board_name[] = "qemu_rv32e";

void board_init(void)
{
    REG8(UART_BASE + UART_LCR) = 0x03u;     /* 8 data bits, no parity, 1 stop */
}

void board_write(const char *data, size_t length)
{
    size_t i;

    for (i = 0u; i < length; i++) {
        while ((REG8(UART_BASE + UART_LSR) & UART_LSR_THRE) == 0u) {
        }
        REG8(UART_BASE + UART_THR) = (uint8_t)data[i];
    }
}

int board_read_byte(void)
{
    /* Blocks until the host sends a byte: QEMU forwards its stdin (or the
     * test's pipe) to this UART. After the host closes its end, no more
     * bytes arrive and this waits forever, so input protocols need their
     * own end marker. */
    while ((REG8(UART_BASE + UART_LSR) & UART_LSR_DR) == 0u) {
    }
    return (int)REG8(UART_BASE + UART_RBR);
}

uint32_t board_cycles(void)
{
    return REG32(CLINT_MTIME_LO);
}

uint32_t board_cycles_hz(void)
{
    return CLINT_MTIME_HZ;
}

void board_exit(int status)
{
    riscv_semihost_exit(status);
    for (;;) {                      /* no semihosting host: stop here */
    }
}
