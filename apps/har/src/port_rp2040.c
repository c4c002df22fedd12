/*
 * port_rp2040.c - HAR port hooks of the Raspberry Pi Pico (RP2040).
 *
 * I2C: bit-banged on GP5 = SCL, GP4 = SDA (the Pico's default I2C0 pins)
 * through SIO: a line is driven low by enabling its output (the output
 * value stays 0) and released by disabling it; pads with pull-ups.
 * Sleep: WFI; SysTick's wrap interrupt (the cycle counter) wakes the core.
 *
 * Registers from the RP2040 datasheet (2.3.1.7 SIO, 2.19.6 IO_BANK0,
 * 2.19.6.3 PADS_BANK0). NOT RUN ON A CHIP: verify on hardware.
 */
#include "har_port.h"

#if defined(EMML_BOARD_RP2040)

#include "arm/cortex_m.h"
#include "board.h"

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define SIO_GPIO_IN REG32(0xD0000004u)
#define SIO_GPIO_OUT_CLR REG32(0xD0000018u)
#define SIO_GPIO_OE_SET REG32(0xD0000024u)
#define SIO_GPIO_OE_CLR REG32(0xD0000028u)
#define IO_BANK0_CTRL(pin) REG32(0x40014004u + 8u * (pin))
#define PADS_BANK0_GPIO(pin) REG32(0x4001C004u + 4u * (pin))
#define FUNCSEL_SIO 5u
#define PAD_IE_PUE_SCHMITT 0x4Au          /* IE | PUE | SCHMITT */
#define SCL_PIN 5u
#define SDA_PIN 4u
#define HAR_I2C_DELAY_LOOPS 160u          /* ~5 us at 125 MHz (verify on hardware) */

static void pin_level(uint32_t pin, int level)
{
    if (level) {
        SIO_GPIO_OE_CLR = 1u << pin;
    } else {
        SIO_GPIO_OE_SET = 1u << pin;
    }
}

void har_port_i2c_init(void)
{
    SIO_GPIO_OE_CLR = (1u << SCL_PIN) | (1u << SDA_PIN);
    SIO_GPIO_OUT_CLR = (1u << SCL_PIN) | (1u << SDA_PIN);
    PADS_BANK0_GPIO(SCL_PIN) = PAD_IE_PUE_SCHMITT;
    PADS_BANK0_GPIO(SDA_PIN) = PAD_IE_PUE_SCHMITT;
    IO_BANK0_CTRL(SCL_PIN) = FUNCSEL_SIO;
    IO_BANK0_CTRL(SDA_PIN) = FUNCSEL_SIO;
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
    return (SIO_GPIO_IN >> SDA_PIN) & 1u ? 1 : 0;
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
    cortex_m_tick_bits(har_port_tick_bits(board_cycles_hz(), period_us));
}

void har_port_sleep(void)
{
    __asm__ volatile ("wfi" ::: "memory");
}

/* Streaming over the UART on this board (-DHAR_SENSOR_UART=1) polls. */
void har_port_wait_rx(void)
{
}

#endif /* EMML_BOARD_RP2040 */
