/*
 * port_ch32v003.c - HAR port hooks of the WCH CH32V003.
 *
 * I2C: bit-banged on PC2 = SCL, PC1 = SDA (the pins of the chip's I2C
 * peripheral, so a board wired for hardware I2C works) in open-drain output
 * mode; the bus needs external pull-ups.
 * Sleep: WFI executed as WFE (PFIC_SCTLR.WFITOWFE) with SEVONPEND, woken by
 * the SysTick (STK) compare flag every 0.5 s. The STK interrupt is never
 * enabled in the PFIC, so no trap is taken; its pending bit is cleared after
 * each wake-up.
 *
 * Register facts from the CH32V003 reference manual (GPIO, RCC) and the
 * QingKe V2 processor manual (PFIC, STK). NOT RUN ON A CHIP: verify on
 * hardware, in particular the sleep sequence.
 */
#include "har_port.h"

#if defined(EMML_BOARD_CH32V003)

#include "board.h"

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define RCC_APB2PCENR REG32(0x40021018u)
#define RCC_APB2_IOPCEN (1u << 4)
#define GPIOC_CFGLR REG32(0x40011000u)    /* 4 bits per pin: CNF[1:0] MODE[1:0] */
#define GPIOC_INDR REG32(0x40011008u)
#define GPIOC_BSHR REG32(0x40011010u)     /* low half sets, high half resets */
#define GPIO_CFG_OD_10MHZ 0x5u            /* CNF = 01 open drain, MODE = 01 */
#define SCL_PIN 2u
#define SDA_PIN 1u
#define HAR_I2C_DELAY_LOOPS 60u           /* ~5 us at 48 MHz (verify on hardware) */

#define PFIC_IPRR0 REG32(0xE000E280u)     /* pending clear, interrupts 0-31 */
#define PFIC_SCTLR REG32(0xE000ED10u)
#define PFIC_SCTLR_WFITOWFE (1u << 3)
#define PFIC_SCTLR_SEVONPEND (1u << 4)
#define STK_IRQ 12u
#define STK_CTLR REG32(0xE000F000u)
#define STK_SR REG32(0xE000F004u)
#define STK_CNTL REG32(0xE000F008u)
#define STK_CMPLR REG32(0xE000F010u)
#define STK_CTLR_STIE (1u << 1)

static uint32_t wake_period_cycles = 24000000u;  /* 0.5 s at 48 MHz until the sensor driver sets it */

static void pin_level(uint32_t pin, int level)
{
    GPIOC_BSHR = level ? (1u << pin) : (1u << (pin + 16u));
}

void har_port_i2c_init(void)
{
    uint32_t cfg;
    RCC_APB2PCENR |= RCC_APB2_IOPCEN;
    GPIOC_BSHR = (1u << SCL_PIN) | (1u << SDA_PIN);
    cfg = GPIOC_CFGLR & ~((0xFu << (4u * SCL_PIN)) | (0xFu << (4u * SDA_PIN)));
    GPIOC_CFGLR = cfg | (GPIO_CFG_OD_10MHZ << (4u * SCL_PIN)) | (GPIO_CFG_OD_10MHZ << (4u * SDA_PIN));
}

void har_port_i2c_scl(int level)
{
    pin_level(SCL_PIN, level);
}

void har_port_i2c_sda(int level)
{
    pin_level(SDA_PIN, level);
}

int har_port_i2c_sda_read(void)
{
    return (GPIOC_INDR >> SDA_PIN) & 1u ? 1 : 0;
}

void har_port_i2c_delay(void)
{
    volatile uint32_t n = HAR_I2C_DELAY_LOOPS;
    while (n != 0u) {
        n--;
    }
}

void har_port_wake_every_us(uint32_t period_us)
{
    wake_period_cycles = (board_cycles_hz() / 1000000u) * period_us;
}

void har_port_sleep(void)
{
    PFIC_SCTLR |= PFIC_SCTLR_WFITOWFE | PFIC_SCTLR_SEVONPEND;
    STK_SR = 0u;
    STK_CMPLR = STK_CNTL + wake_period_cycles;
    STK_CTLR |= STK_CTLR_STIE;
    __asm__ volatile ("wfi" ::: "memory");
    STK_CTLR &= ~STK_CTLR_STIE;
    STK_SR = 0u;
    PFIC_IPRR0 = 1u << STK_IRQ;
}

/* Streaming over the UART on this board (-DHAR_SENSOR_UART=1) polls. */
void har_port_wait_rx(void)
{
}

#endif /* EMML_BOARD_CH32V003 */
