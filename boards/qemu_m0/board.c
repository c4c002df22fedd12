/*
 * qemu_m0 - QEMU `-M microbit`: nRF51822, Cortex-M0 at 16 MHz.
 *
 * The emulated stand-in for the Cortex-M0+ dollar parts (py32f003,
 * py32f002a): same instruction set (Armv6-M), same SysTick cycle counter
 * code, more memory. Console: UART0 at 115200 baud (the baud rate is
 * ignored by QEMU, which connects UART0 to -serial). Exit: semihosting.
 *
 * UART0 registers, nRF51 Series Reference Manual v3.0, section 29
 * "UART - Universal Asynchronous Receiver/Transmitter":
 *   TASKS_STARTRX 0x000, TASKS_STARTTX 0x008    write 1 to start
 *   EVENTS_RXDRDY 0x108  a byte is waiting in RXD
 *   EVENTS_TXDRDY 0x11C  the byte written to TXD has been sent
 *   ENABLE 0x500 (4 = UART enabled), PSELTXD 0x50C, PSELRXD 0x514,
 *   RXD 0x518, TXD 0x51C, BAUDRATE 0x524 (0x01D7E000 = 115200 baud)
 * Pins: micro:bit v1 routes its USB serial to P0.24 (TX) and P0.25 (RX).
 */
#include "board.h"

#include "arm/cortex_m.h"

#define UART0_BASE 0x40002000u
#define UART0_TASKS_STARTRX CORTEX_M_REG(UART0_BASE + 0x000u)
#define UART0_TASKS_STARTTX CORTEX_M_REG(UART0_BASE + 0x008u)
#define UART0_EVENTS_RXDRDY CORTEX_M_REG(UART0_BASE + 0x108u)
#define UART0_EVENTS_TXDRDY CORTEX_M_REG(UART0_BASE + 0x11Cu)
#define UART0_ENABLE CORTEX_M_REG(UART0_BASE + 0x500u)
#define UART0_PSELTXD CORTEX_M_REG(UART0_BASE + 0x50Cu)
#define UART0_PSELRXD CORTEX_M_REG(UART0_BASE + 0x514u)
#define UART0_RXD CORTEX_M_REG(UART0_BASE + 0x518u)
#define UART0_TXD CORTEX_M_REG(UART0_BASE + 0x51Cu)
#define UART0_BAUDRATE CORTEX_M_REG(UART0_BASE + 0x524u)

#define UART_ENABLE_ENABLED 4u
#define UART_BAUDRATE_115200 0x01D7E000u
#define MICROBIT_PIN_TX 24u
#define MICROBIT_PIN_RX 25u

/* The nRF51 runs its core from the 16 MHz HFCLK (RM section 13 "Clock
 * management"); QEMU clocks SysTick at the same 16 MHz. */
#define CORE_CLOCK_HZ 16000000u

const char board_name[] = "qemu_m0";

static int uart_ready;

void board_init(void)
{
    UART0_PSELTXD = MICROBIT_PIN_TX;
    UART0_PSELRXD = MICROBIT_PIN_RX;
    UART0_BAUDRATE = UART_BAUDRATE_115200;
    UART0_ENABLE = UART_ENABLE_ENABLED;
    UART0_EVENTS_TXDRDY = 0u;
    UART0_EVENTS_RXDRDY = 0u;
    UART0_TASKS_STARTTX = 1u;
    UART0_TASKS_STARTRX = 1u;
    uart_ready = 1;
    cortex_m_cycles_start();
}

void board_write(const char *data, size_t length)
{
    size_t i;
    if (!uart_ready) {
        return;
    }
    for (i = 0; i < length; i++) {
        UART0_TXD = (uint8_t)data[i];
        while (UART0_EVENTS_TXDRDY == 0u) {
        }
        UART0_EVENTS_TXDRDY = 0u;
    }
}

int board_read_byte(void)
{
    if (!uart_ready) {
        return -1;
    }
    while (UART0_EVENTS_RXDRDY == 0u) {
    }
    /* Clear the event before reading RXD: reading RXD lets the next byte
     * in, and its event must not be lost (RM 29.5 "Reception"). */
    UART0_EVENTS_RXDRDY = 0u;
    return (int)(UART0_RXD & 0xFFu);
}

uint32_t board_cycles(void)
{
    return cortex_m_cycles();
}

uint32_t board_cycles_hz(void)
{
    return CORE_CLOCK_HZ;
}

void board_exit(int status)
{
    semihosting_exit(status);
}
