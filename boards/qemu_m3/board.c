/*
 * qemu_m3 - QEMU `-M mps2-an385`: Arm MPS2 FPGA board with the AN385
 * Cortex-M3 design at 25 MHz.
 *
 * Console: CMSDK APB UART0 at 0x40004000 (AN385 section 3.3 memory map).
 * Registers, Cortex-M System Design Kit Technical Reference Manual
 * (ARM DDI 0479), section 4.3 "UART":
 *   DATA 0x00     write: byte to send; read: byte received
 *   STATE 0x04    bit0 TX buffer full, bit1 RX buffer full
 *   CTRL 0x08     bit0 TX enable, bit1 RX enable
 *   BAUDDIV 0x10  PCLK / baud rate, at least 16
 * Exit: semihosting.
 */
#include "board.h"

#include "arm/cortex_m.h"

#define UART0_BASE 0x40004000u
#define UART0_DATA CORTEX_M_REG(UART0_BASE + 0x00u)
#define UART0_STATE CORTEX_M_REG(UART0_BASE + 0x04u)
#define UART0_CTRL CORTEX_M_REG(UART0_BASE + 0x08u)
#define UART0_BAUDDIV CORTEX_M_REG(UART0_BASE + 0x10u)

#define UART_STATE_TX_FULL (1u << 0)
#define UART_STATE_RX_FULL (1u << 1)
#define UART_CTRL_TX_ENABLE (1u << 0)
#define UART_CTRL_RX_ENABLE (1u << 1)

/* AN385 clocks the core and the APB peripherals at 25 MHz; QEMU's
 * mps2-an385 clocks SysTick at the same 25 MHz. */
#define CORE_CLOCK_HZ 25000000u
#define UART_BAUD 115200u

const char board_name[] = "qemu_m3";

static int uart_ready;

void board_init(void)
{
    UART0_BAUDDIV = CORE_CLOCK_HZ / UART_BAUD;
    UART0_CTRL = UART_CTRL_TX_ENABLE | UART_CTRL_RX_ENABLE;
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
        while ((UART0_STATE & UART_STATE_TX_FULL) != 0u) {
        }
        UART0_DATA = (uint8_t)data[i];
    }
}

int board_read_byte(void)
{
    if (!uart_ready) {
        return -1;
    }
    while ((UART0_STATE & UART_STATE_RX_FULL) == 0u) {
    }
    return (int)(UART0_DATA & 0xFFu);
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
