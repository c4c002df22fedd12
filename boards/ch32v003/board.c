/*
 * board.c - WCH CH32V003F4 (QingKe V2A, RV32EC, 16 kB flash, 2 kB SRAM).
 *
 * Clock: HSI 24 MHz -> PLL (fixed x2) -> SYSCLK = HCLK = 48 MHz, with one
 *        flash wait state (FLASH_ACTLR.LATENCY = 1 for 24 < SYSCLK <= 48 MHz).
 * UART:  USART1, default pin mapping: TX = PD5, RX = PD6, 115200 8N1.
 * Count: the QingKe SysTick (STK) as a 32-bit up-counter at HCLK.
 * Exit:  prints "exit <n>" and halts (no emulator, no semihosting).
 *
 * Register addresses and bits are from the CH32V003 reference manual
 * (RCC, FLASH, GPIO, USART chapters) and the QingKe V2 processor manual
 * (STK). Lines marked "verify on hardware" are ones this port could not
 * check on a chip.
 */
#include <stdint.h>

#include "board.h"
#include "console.h"

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* RCC */
#define RCC_CTLR        REG32(0x40021000u)
#define RCC_CFGR0       REG32(0x40021004u)
#define RCC_APB2PCENR   REG32(0x40021018u)
#define RCC_CTLR_HSION      (1u << 0)
#define RCC_CTLR_HSIRDY     (1u << 1)
#define RCC_CTLR_PLLON      (1u << 24)
#define RCC_CTLR_PLLRDY     (1u << 25)
#define RCC_CFGR0_SW_MASK   (3u << 0)
#define RCC_CFGR0_SW_PLL    (2u << 0)
#define RCC_CFGR0_SWS_MASK  (3u << 2)
#define RCC_CFGR0_SWS_PLL   (2u << 2)
#define RCC_CFGR0_HPRE_MASK (0xFu << 4)     /* 0000 = SYSCLK not divided */
#define RCC_CFGR0_PLLSRC    (1u << 16)      /* 0 = HSI feeds the PLL */
#define RCC_APB2_IOPDEN     (1u << 5)
#define RCC_APB2_USART1EN   (1u << 14)

/* FLASH */
#define FLASH_ACTLR         REG32(0x40022000u)
#define FLASH_ACTLR_LATENCY_MASK 3u
#define FLASH_ACTLR_LATENCY_1WS  1u

/* GPIO port D: CFGLR holds 4 bits per pin 0..7, CNF[1:0] MODE[1:0] */
#define GPIOD_CFGLR     REG32(0x40011400u)
#define GPIOD_OUTDR     REG32(0x4001140Cu)
#define GPIO_CFG_AF_PP_10MHZ 0x9u           /* CNF = 10 (AF push-pull), MODE = 01 */
#define GPIO_CFG_IN_PULL     0x8u           /* CNF = 10 (pull-up/down), MODE = 00 */

/* USART1 */
#define USART1_STATR    REG32(0x40013800u)
#define USART1_DATAR    REG32(0x40013804u)
#define USART1_BRR      REG32(0x40013808u)
#define USART1_CTLR1    REG32(0x4001380Cu)
#define USART1_CTLR2    REG32(0x40013810u)
#define USART1_CTLR3    REG32(0x40013814u)
#define USART_STATR_RXNE    (1u << 5)
#define USART_STATR_TXE     (1u << 7)
#define USART_CTLR1_RE      (1u << 2)
#define USART_CTLR1_TE      (1u << 3)
#define USART_CTLR1_UE      (1u << 13)

/* QingKe V2 SysTick: 32-bit counter counting up (verify on hardware:
 * offsets CNT = 0x08, CMP = 0x10 as in the V2 manual; with STRE = 0 the
 * counter keeps counting past the compare value and wraps at 2^32). */
#define STK_CTLR        REG32(0xE000F000u)
#define STK_CNTL        REG32(0xE000F008u)
#define STK_CTLR_STE        (1u << 0)       /* counter enable */
#define STK_CTLR_STCLK      (1u << 2)       /* 1 = HCLK, 0 = HCLK / 8 */

#define HCLK_HZ   48000000u
#define UART_BAUD 115200u

const char board_name[] = "ch32v003";

static uint8_t uart_ready;

static void clock_init(void)
{
    RCC_CTLR |= RCC_CTLR_HSION;
    while ((RCC_CTLR & RCC_CTLR_HSIRDY) == 0u) {
    }
    /* One wait state before SYSCLK goes above 24 MHz. */
    FLASH_ACTLR = (FLASH_ACTLR & ~FLASH_ACTLR_LATENCY_MASK) | FLASH_ACTLR_LATENCY_1WS;
    /* HCLK = SYSCLK (reset value divides by 3), PLL input = HSI. */
    RCC_CFGR0 &= ~(RCC_CFGR0_HPRE_MASK | RCC_CFGR0_PLLSRC);
    RCC_CTLR |= RCC_CTLR_PLLON;
    while ((RCC_CTLR & RCC_CTLR_PLLRDY) == 0u) {
    }
    RCC_CFGR0 = (RCC_CFGR0 & ~RCC_CFGR0_SW_MASK) | RCC_CFGR0_SW_PLL;
    while ((RCC_CFGR0 & RCC_CFGR0_SWS_MASK) != RCC_CFGR0_SWS_PLL) {
    }
}

static void uart_init(void)
{
    uint32_t cfg;

    RCC_APB2PCENR |= RCC_APB2_IOPDEN | RCC_APB2_USART1EN;

    /* PD5 = USART1_TX (alternate function push-pull), PD6 = USART1_RX
     * (input with pull-up, so an unconnected RX line reads idle). */
    cfg = GPIOD_CFGLR;
    cfg &= ~((0xFu << (5u * 4u)) | (0xFu << (6u * 4u)));
    cfg |= (GPIO_CFG_AF_PP_10MHZ << (5u * 4u)) | (GPIO_CFG_IN_PULL << (6u * 4u));
    GPIOD_CFGLR = cfg;
    GPIOD_OUTDR |= 1u << 6;             /* pull-up, not pull-down */

    /* USART1 is clocked by HCLK (APB2 is not divided on this part).
     * BRR = HCLK / baud, rounded: 48 MHz / 115200 = 416.7 -> 417, i.e.
     * mantissa 26, fraction 1/16 (0.03 % error). */
    USART1_CTLR1 = 0u;
    USART1_CTLR2 = 0u;                  /* 1 stop bit */
    USART1_CTLR3 = 0u;                  /* no flow control */
    USART1_BRR = (HCLK_HZ + UART_BAUD / 2u) / UART_BAUD;
    USART1_CTLR1 = USART_CTLR1_UE | USART_CTLR1_TE | USART_CTLR1_RE;   /* 8N1 */
    uart_ready = 1u;
}

void board_init(void)
{
    clock_init();
    uart_init();
    STK_CTLR = 0u;
    STK_CNTL = 0u;
    STK_CTLR = STK_CTLR_STCLK | STK_CTLR_STE;
}

void board_write(const char *data, size_t length)
{
    size_t i;

    if (uart_ready == 0u) {
        return;
    }
    for (i = 0u; i < length; i++) {
        while ((USART1_STATR & USART_STATR_TXE) == 0u) {
        }
        USART1_DATAR = (uint8_t)data[i];
    }
}

int board_read_byte(void)
{
    if (uart_ready == 0u) {
        return -1;
    }
    /* Reading STATR then DATAR also clears an overrun (ORE). */
    while ((USART1_STATR & USART_STATR_RXNE) == 0u) {
    }
    return (int)(USART1_DATAR & 0xFFu);
}

uint32_t board_cycles(void)
{
    return STK_CNTL;
}

uint32_t board_cycles_hz(void)
{
    return HCLK_HZ;
}

void board_exit(int status)
{
    console_puts("exit ");
    console_put_int((int32_t)status);
    console_newline();
    /* Spin rather than wfi: a core asleep can keep the single-wire debug
     * interface from attaching for the next flash (verify on hardware). */
    for (;;) {
    }
}
