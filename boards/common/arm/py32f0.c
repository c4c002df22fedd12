/*
 * py32f0.c - clock and console UART for the Puya PY32F0 family.
 *
 * Register map (PY32F003 reference manual, "Memory map" and the register
 * chapters; the PY32F002A manual has the same map for these blocks):
 *   RCC    0x40021000   CR 0x00, ICSCR 0x04, IOPENR 0x34, APBENR2 0x40
 *   FLASH  0x40022000   ACR 0x00
 *   GPIOA  0x50000000   MODER 0x00, PUPDR 0x0C, AFRL 0x20
 *   USART1 0x40013800   SR 0x00, DR 0x04, BRR 0x08, CR1 0x0C, CR2 0x10,
 *                       CR3 0x14 (the STM32F1-style USART, not the
 *                       ISR/TDR/RDR layout of STM32F0/G0)
 *
 * Clock: after reset the core runs from HSI (HSISYS, HSIDIV = 1, AHB and
 * APB prescalers 1) at the HSI_FS frequency selected in RCC_ICSCR. HSI_FS
 * (ICSCR bits 15:13) = 0b100 selects 24 MHz; HSI_TRIM (bits 12:0) must then
 * be loaded with the factory calibration for that frequency, which the
 * manual places in the low 13 bits of the word at 0x1FFF0F10 (the words for
 * 4/8/16/22.12/24 MHz sit at 0x1FFF0F00 + 4 * HSI_FS). Flash needs no wait
 * state up to 24 MHz (FLASH_ACR.LATENCY = 0; 1 above 24 MHz).
 * Verify on hardware: the reset value of HSI_FS (8 MHz expected) and that
 * HSIRDY (RCC_CR bit 10) rises again after the frequency change.
 *
 * The flash erase/program timing registers (FLASH_TS0...) also depend on
 * the HSI frequency; they matter only to code that writes flash, and
 * nothing here does.
 */
#include "arm/py32f0.h"

#include "arm/cortex_m.h"
#include "console.h"

#define RCC_BASE 0x40021000u
#define RCC_CR CORTEX_M_REG(RCC_BASE + 0x00u)
#define RCC_ICSCR CORTEX_M_REG(RCC_BASE + 0x04u)
#define RCC_IOPENR CORTEX_M_REG(RCC_BASE + 0x34u)
#define RCC_APBENR2 CORTEX_M_REG(RCC_BASE + 0x40u)

#define RCC_CR_HSIRDY (1u << 10)               /* verify on hardware */
#define RCC_ICSCR_HSI_FS_SHIFT 13u
#define RCC_ICSCR_HSI_FS_MASK (7u << RCC_ICSCR_HSI_FS_SHIFT)
#define RCC_ICSCR_HSI_FS_24MHZ (4u << RCC_ICSCR_HSI_FS_SHIFT)
#define RCC_ICSCR_HSI_TRIM_MASK 0x1FFFu
#define RCC_IOPENR_GPIOAEN (1u << 0)
#define RCC_APBENR2_USART1EN (1u << 14)

/* Factory HSI trim for 24 MHz (in the system memory's config area). */
#define HSI_TRIM_24MHZ_WORD CORTEX_M_REG(0x1FFF0F10u)

#define FLASH_ACR CORTEX_M_REG(0x40022000u)
#define FLASH_ACR_LATENCY (1u << 0)

#define GPIOA_BASE 0x50000000u
#define GPIOA_MODER CORTEX_M_REG(GPIOA_BASE + 0x00u)
#define GPIOA_PUPDR CORTEX_M_REG(GPIOA_BASE + 0x0Cu)
#define GPIOA_AFRL CORTEX_M_REG(GPIOA_BASE + 0x20u)

/* USART1 pins: PA2 = USART1_TX, PA3 = USART1_RX, both alternate function 1
 * (datasheet pin/alternate-function table). Verify on hardware for the
 * PY32F002A package in use: its AF table is shorter than the PY32F003's. */
#define UART_TX_PIN 2u
#define UART_RX_PIN 3u
#define UART_PIN_AF 1u
#define GPIO_MODER_AF 2u
#define GPIO_PUPDR_PULL_UP 1u

#define USART1_BASE 0x40013800u
#define USART1_SR CORTEX_M_REG(USART1_BASE + 0x00u)
#define USART1_DR CORTEX_M_REG(USART1_BASE + 0x04u)
#define USART1_BRR CORTEX_M_REG(USART1_BASE + 0x08u)
#define USART1_CR1 CORTEX_M_REG(USART1_BASE + 0x0Cu)
#define USART1_CR2 CORTEX_M_REG(USART1_BASE + 0x10u)
#define USART1_CR3 CORTEX_M_REG(USART1_BASE + 0x14u)

#define USART_SR_RXNE (1u << 5)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_UE (1u << 13)

static int uart_ready;

static void clock_init(void)
{
    uint32_t trim = HSI_TRIM_24MHZ_WORD & RCC_ICSCR_HSI_TRIM_MASK;
    uint32_t icscr = RCC_ICSCR;

    /* Latency first when speeding up; 0 wait states is right for 24 MHz. */
    FLASH_ACR &= ~FLASH_ACR_LATENCY;

    icscr &= ~(RCC_ICSCR_HSI_FS_MASK | RCC_ICSCR_HSI_TRIM_MASK);
    icscr |= RCC_ICSCR_HSI_FS_24MHZ | trim;
    RCC_ICSCR = icscr;
    while ((RCC_CR & RCC_CR_HSIRDY) == 0u) {
    }
}

static void uart_init(void)
{
    RCC_IOPENR |= RCC_IOPENR_GPIOAEN;
    RCC_APBENR2 |= RCC_APBENR2_USART1EN;

    /* Two bits per pin in MODER/PUPDR, four per pin in AFRL (pins 0-7). */
    GPIOA_AFRL = (GPIOA_AFRL & ~((0xFu << (UART_TX_PIN * 4u)) | (0xFu << (UART_RX_PIN * 4u))))
                 | (UART_PIN_AF << (UART_TX_PIN * 4u)) | (UART_PIN_AF << (UART_RX_PIN * 4u));
    GPIOA_PUPDR = (GPIOA_PUPDR & ~(3u << (UART_RX_PIN * 2u)))
                  | (GPIO_PUPDR_PULL_UP << (UART_RX_PIN * 2u)); /* idle-high RX */
    GPIOA_MODER = (GPIOA_MODER & ~((3u << (UART_TX_PIN * 2u)) | (3u << (UART_RX_PIN * 2u))))
                  | (GPIO_MODER_AF << (UART_TX_PIN * 2u)) | (GPIO_MODER_AF << (UART_RX_PIN * 2u));

    /* 8N1, 16x oversampling: BRR = PCLK / baud, rounded (the mantissa and
     * 4-bit fraction of USARTDIV read as one number). 24 MHz / 115200 =
     * 208.3 -> 208, 0.16 % fast. */
    USART1_CR1 = 0u;
    USART1_CR2 = 0u;
    USART1_CR3 = 0u;
    USART1_BRR = (PY32F0_CORE_CLOCK_HZ + PY32F0_UART_BAUD / 2u) / PY32F0_UART_BAUD;
    USART1_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

void py32f0_init(void)
{
    clock_init();
    uart_init();
    uart_ready = 1;
    cortex_m_cycles_start();
}

void py32f0_write(const char *data, size_t length)
{
    size_t i;
    if (!uart_ready) {
        return;
    }
    for (i = 0; i < length; i++) {
        while ((USART1_SR & USART_SR_TXE) == 0u) {
        }
        USART1_DR = (uint8_t)data[i];
    }
}

int py32f0_read_byte(void)
{
    if (!uart_ready) {
        return -1;
    }
    /* Reading SR then DR also clears an overrun (ORE), so a byte lost while
     * the app was busy does not block reception. */
    while ((USART1_SR & USART_SR_RXNE) == 0u) {
    }
    return (int)(USART1_DR & 0xFFu);
}

void py32f0_halt(int status)
{
    console_puts("exit ");
    console_put_int((int32_t)status);
    console_newline();
    for (;;) {
        cortex_m_wait_for_interrupt();
    }
}
