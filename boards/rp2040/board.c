/*
 * rp2040 - Raspberry Pi Pico: RP2040, Cortex-M0+ (core 0 only), 125 MHz.
 *
 * Boot: boot2_image.S (see boot2/boot2_03h.S) sets up XIP and enters the
 * common Cortex-M reset handler through the vector table at 0x10000100.
 * Clock: 12 MHz crystal (XOSC) -> clk_ref; PLL_SYS 12 MHz / 1 * 125 =
 *        1500 MHz VCO, / 6 / 2 = 125 MHz -> clk_sys; clk_peri = clk_sys.
 * UART:  UART0 (PL011) on GP0 (TX) / GP1 (RX), 115200 8N1, as on the
 *        Pico's debug-probe pins.
 * Count: SysTick on clk_sys, extended to 32 bits (boards/common/arm).
 * Exit:  prints "exit <n>" and halts.
 *
 * Registers from the RP2040 datasheet: 2.14 Subsystem resets, 2.15 Clocks,
 * 2.16 XOSC, 2.18 PLL, 2.19 GPIO, 4.2 UART (ARM PL011). Every peripheral
 * register block has atomic aliases: +0x2000 sets bits, +0x3000 clears.
 */
#include "board.h"

#include "arm/cortex_m.h"
#include "console.h"

#define REG CORTEX_M_REG
#define ALIAS_SET 0x2000u
#define ALIAS_CLR 0x3000u

/* RESETS (2.14.3): a block is held in reset while its bit is 1. */
#define RESETS_BASE 0x4000C000u
#define RESETS_RESET (RESETS_BASE + 0x0u)
#define RESETS_RESET_DONE (RESETS_BASE + 0x8u)
#define RESET_IO_BANK0 (1u << 5)
#define RESET_PADS_BANK0 (1u << 8)
#define RESET_PLL_SYS (1u << 12)
#define RESET_UART0 (1u << 22)

/* XOSC (2.16.7) */
#define XOSC_BASE 0x40024000u
#define XOSC_CTRL REG(XOSC_BASE + 0x00u)
#define XOSC_STATUS REG(XOSC_BASE + 0x04u)
#define XOSC_STARTUP REG(XOSC_BASE + 0x0Cu)
#define XOSC_CTRL_FREQ_RANGE_1_15MHZ 0xAA0u
#define XOSC_CTRL_ENABLE (0xFABu << 12)
#define XOSC_STATUS_STABLE (1u << 31)
#define XOSC_HZ 12000000u
/* Startup delay in units of 256 crystal cycles: about 1 ms. */
#define XOSC_STARTUP_DELAY ((XOSC_HZ / 1000u + 255u) / 256u)

/* CLOCKS (2.15.7): each generator has CTRL, DIV, SELECTED. */
#define CLOCKS_BASE 0x40008000u
#define CLK_REF_CTRL REG(CLOCKS_BASE + 0x30u)
#define CLK_REF_SELECTED REG(CLOCKS_BASE + 0x38u)
#define CLK_SYS_CTRL REG(CLOCKS_BASE + 0x3Cu)
#define CLK_SYS_DIV REG(CLOCKS_BASE + 0x40u)
#define CLK_SYS_SELECTED REG(CLOCKS_BASE + 0x44u)
#define CLK_PERI_CTRL REG(CLOCKS_BASE + 0x48u)
#define CLK_REF_CTRL_SRC_MASK 0x3u
#define CLK_REF_CTRL_SRC_XOSC 0x2u          /* SELECTED reads 1 << 2 */
#define CLK_SYS_CTRL_SRC_AUX 0x1u           /* 0 = clk_ref, 1 = aux mux */
#define CLK_SYS_CTRL_AUXSRC_MASK (0x7u << 5)
#define CLK_SYS_CTRL_AUXSRC_PLL_SYS (0x0u << 5)
#define CLK_SYS_DIV_1 (1u << 8)             /* INT = 1, FRAC = 0 */
#define CLK_PERI_CTRL_ENABLE (1u << 11)
#define CLK_PERI_CTRL_AUXSRC_CLK_SYS (0x0u << 5)

/* PLL_SYS (2.18.4) */
#define PLL_SYS_BASE 0x40028000u
#define PLL_CS REG(PLL_SYS_BASE + 0x00u)
#define PLL_PWR REG(PLL_SYS_BASE + 0x04u)
#define PLL_FBDIV_INT REG(PLL_SYS_BASE + 0x08u)
#define PLL_PRIM REG(PLL_SYS_BASE + 0x0Cu)
#define PLL_CS_LOCK (1u << 31)
#define PLL_PWR_PD (1u << 0)
#define PLL_PWR_POSTDIVPD (1u << 3)
#define PLL_PWR_VCOPD (1u << 5)
#define PLL_REFDIV 1u
#define PLL_FBDIV 125u                      /* VCO = 12 MHz * 125 = 1500 MHz */
#define PLL_POSTDIV1 6u                     /* 1500 / 6 / 2 = 125 MHz */
#define PLL_POSTDIV2 2u
#define CLK_SYS_HZ 125000000u

/* IO_BANK0 / PADS_BANK0 (2.19.6) */
#define IO_BANK0_GPIO_CTRL(n) REG(0x40014000u + 8u * (n) + 4u)
#define GPIO_FUNC_UART 2u
#define PADS_BANK0_GPIO(n) REG(0x4001C000u + 4u * (n) + 4u)
#define PADS_IE (1u << 6)
#define PADS_DRIVE_4MA (1u << 4)
#define PADS_PUE (1u << 3)
#define PADS_SCHMITT (1u << 1)
#define UART_TX_PIN 0u
#define UART_RX_PIN 1u

/* UART0, ARM PL011 (4.2.8) */
#define UART0_BASE 0x40034000u
#define UART0_DR REG(UART0_BASE + 0x00u)
#define UART0_FR REG(UART0_BASE + 0x18u)
#define UART0_IBRD REG(UART0_BASE + 0x24u)
#define UART0_FBRD REG(UART0_BASE + 0x28u)
#define UART0_LCR_H REG(UART0_BASE + 0x2Cu)
#define UART0_CR REG(UART0_BASE + 0x30u)
#define UART_FR_BUSY (1u << 3)
#define UART_FR_RXFE (1u << 4)
#define UART_FR_TXFF (1u << 5)
#define UART_LCR_H_FEN (1u << 4)
#define UART_LCR_H_WLEN_8 (3u << 5)
#define UART_CR_UARTEN (1u << 0)
#define UART_CR_TXE (1u << 8)
#define UART_CR_RXE (1u << 9)
#define UART_BAUD 115200u
/* Baud divisor in 1/64ths: clk_peri / (16 * baud) * 64, rounded. */
#define UART_DIV64 ((4u * CLK_SYS_HZ + UART_BAUD / 2u) / UART_BAUD)

const char board_name[] = "rp2040";

static int uart_ready;

static void unreset(uint32_t mask)
{
    REG(RESETS_RESET + ALIAS_CLR) = mask;
    while ((REG(RESETS_RESET_DONE) & mask) != mask) {
    }
}

static void clocks_init(void)
{
    /* Crystal on: range and enable code in one write, so a warm restart
     * that finds the XOSC already running never writes a disable code. */
    XOSC_STARTUP = XOSC_STARTUP_DELAY;
    XOSC_CTRL = XOSC_CTRL_FREQ_RANGE_1_15MHZ | XOSC_CTRL_ENABLE;
    while ((XOSC_STATUS & XOSC_STATUS_STABLE) == 0u) {
    }

    /* clk_sys back onto clk_ref (glitchless mux) so the PLL can be
     * reprogrammed even after a warm restart that left it running. */
    REG(CLOCKS_BASE + 0x3Cu + ALIAS_CLR) = CLK_SYS_CTRL_SRC_AUX;
    while ((CLK_SYS_SELECTED & 0x1u) == 0u) {
    }
    /* clk_ref = XOSC, divider 1. */
    CLK_REF_CTRL = (CLK_REF_CTRL & ~CLK_REF_CTRL_SRC_MASK) | CLK_REF_CTRL_SRC_XOSC;
    while ((CLK_REF_SELECTED & (1u << CLK_REF_CTRL_SRC_XOSC)) == 0u) {
    }

    /* PLL_SYS: reset, program dividers, power up, wait for lock, then the
     * post dividers (datasheet 2.18.2). */
    REG(RESETS_RESET + ALIAS_SET) = RESET_PLL_SYS;
    unreset(RESET_PLL_SYS);
    PLL_CS = PLL_REFDIV;
    PLL_FBDIV_INT = PLL_FBDIV;
    REG(PLL_SYS_BASE + 0x04u + ALIAS_CLR) = PLL_PWR_PD | PLL_PWR_VCOPD;
    while ((PLL_CS & PLL_CS_LOCK) == 0u) {
    }
    PLL_PRIM = (PLL_POSTDIV1 << 16) | (PLL_POSTDIV2 << 12);
    REG(PLL_SYS_BASE + 0x04u + ALIAS_CLR) = PLL_PWR_POSTDIVPD;

    /* clk_sys = PLL_SYS through the aux mux, divider 1. The aux source is
     * chosen while clk_sys still runs from clk_ref. */
    CLK_SYS_DIV = CLK_SYS_DIV_1;
    CLK_SYS_CTRL = (CLK_SYS_CTRL & ~CLK_SYS_CTRL_AUXSRC_MASK) | CLK_SYS_CTRL_AUXSRC_PLL_SYS;
    REG(CLOCKS_BASE + 0x3Cu + ALIAS_SET) = CLK_SYS_CTRL_SRC_AUX;
    while ((CLK_SYS_SELECTED & 0x2u) == 0u) {
    }

    /* clk_peri = clk_sys. Its aux mux is not glitchless: stop the clock,
     * give the stop a few cycles to take effect, switch, then enable. */
    CLK_PERI_CTRL = 0u;
    __asm__ volatile ("nop\n nop\n nop\n nop");
    CLK_PERI_CTRL = CLK_PERI_CTRL_AUXSRC_CLK_SYS;
    CLK_PERI_CTRL = CLK_PERI_CTRL_AUXSRC_CLK_SYS | CLK_PERI_CTRL_ENABLE;
}

static void uart_init(void)
{
    unreset(RESET_IO_BANK0 | RESET_PADS_BANK0);
    REG(RESETS_RESET + ALIAS_SET) = RESET_UART0;
    unreset(RESET_UART0);

    UART0_CR = 0u;
    UART0_IBRD = UART_DIV64 / 64u;          /* 67 */
    UART0_FBRD = UART_DIV64 % 64u;          /* 52: 115207 baud, +0.01 % */
    UART0_LCR_H = UART_LCR_H_WLEN_8 | UART_LCR_H_FEN;   /* also latches IBRD/FBRD */
    UART0_CR = UART_CR_UARTEN | UART_CR_TXE | UART_CR_RXE;

    /* RX pad: input, pull-up so an unconnected line reads idle. */
    PADS_BANK0_GPIO(UART_RX_PIN) = PADS_IE | PADS_DRIVE_4MA | PADS_PUE | PADS_SCHMITT;
    IO_BANK0_GPIO_CTRL(UART_TX_PIN) = GPIO_FUNC_UART;
    IO_BANK0_GPIO_CTRL(UART_RX_PIN) = GPIO_FUNC_UART;
    uart_ready = 1;
}

void board_init(void)
{
    clocks_init();
    uart_init();
    cortex_m_cycles_start();
}

void board_write(const char *data, size_t length)
{
    size_t i;
    if (!uart_ready) {
        return;
    }
    for (i = 0; i < length; i++) {
        while ((UART0_FR & UART_FR_TXFF) != 0u) {
        }
        UART0_DR = (uint8_t)data[i];
    }
}

int board_read_byte(void)
{
    if (!uart_ready) {
        return -1;
    }
    while ((UART0_FR & UART_FR_RXFE) != 0u) {
    }
    return (int)(UART0_DR & 0xFFu);
}

uint32_t board_cycles(void)
{
    return cortex_m_cycles();
}

uint32_t board_cycles_hz(void)
{
    return CLK_SYS_HZ;
}

void board_exit(int status)
{
    console_puts("exit ");
    console_put_int((int32_t)status);
    console_newline();
    if (uart_ready) {
        while ((UART0_FR & UART_FR_BUSY) != 0u) {
        }
    }
    for (;;) {
        cortex_m_wait_for_interrupt();
    }
}
