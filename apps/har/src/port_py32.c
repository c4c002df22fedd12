/*
 * port_py32.c - HAR port hooks of the Puya PY32F003 / PY32F002A boards.
 *
 * I2C: bit-banged on two port A pins in open-drain mode with the internal
 * pull-ups (add 4.7 kOhm external pull-ups for a reliable bus). Default
 * PA0 = SCL, PA1 = SDA (both exist on every package; PA2/PA3 carry the
 * console USART); override with -DHAR_I2C_SCL_PIN=n -DHAR_I2C_SDA_PIN=n.
 * Sleep: WFI; SysTick's wrap interrupt (the cycle counter) wakes the core
 * to drain the sensor FIFO: every 2^24 cycles (0.70 s at 24 MHz), or the
 * largest power of two of cycles within the period the sensor driver asks for.
 *
 * GPIO and RCC registers as in the PY32F0 reference manual (GPIO and RCC
 * chapters; STM32F0-style layout). NOT RUN ON A CHIP: verify on hardware.
 */
#include "har_port.h"

#if defined(EMML_BOARD_PY32F003) || defined(EMML_BOARD_PY32F002A)

#include "har_app.h"

#ifndef HAR_I2C_SCL_PIN
#define HAR_I2C_SCL_PIN 0u
#endif
#ifndef HAR_I2C_SDA_PIN
#define HAR_I2C_SDA_PIN 1u
#endif
#define HAR_I2C_DELAY_LOOPS 30u   /* ~5 us at 24 MHz (verify on hardware) */

#include "arm/cortex_m.h"
#include "board.h"

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define RCC_IOPENR REG32(0x40021034u)     /* bit 0: GPIOA clock (verify on hardware) */
#define GPIOA_MODER REG32(0x50000000u)    /* 2 bits per pin: 01 = output */
#define GPIOA_OTYPER REG32(0x50000004u)   /* 1 = open drain */
#define GPIOA_PUPDR REG32(0x5000000Cu)    /* 2 bits per pin: 01 = pull-up */
#define GPIOA_IDR REG32(0x50000010u)
#define GPIOA_BSRR REG32(0x50000018u)     /* low half sets, high half resets */

static void pin_level(uint32_t pin, int level)
{
    GPIOA_BSRR = level ? (1u << pin) : (1u << (pin + 16u));
}

void har_port_i2c_init(void)
{
    const uint32_t pins = (1u << HAR_I2C_SCL_PIN) | (1u << HAR_I2C_SDA_PIN);
    const uint32_t two = (3u << (2u * HAR_I2C_SCL_PIN)) | (3u << (2u * HAR_I2C_SDA_PIN));
    const uint32_t one = (1u << (2u * HAR_I2C_SCL_PIN)) | (1u << (2u * HAR_I2C_SDA_PIN));
    RCC_IOPENR |= 1u;
    GPIOA_BSRR = pins;                    /* released (high) before switching to output */
    GPIOA_OTYPER |= pins;
    GPIOA_PUPDR = (GPIOA_PUPDR & ~two) | one;
    GPIOA_MODER = (GPIOA_MODER & ~two) | one;
}

void har_port_i2c_scl(int level)
{
    pin_level(HAR_I2C_SCL_PIN, level);
}

void har_port_i2c_sda(int level)
{
    pin_level(HAR_I2C_SDA_PIN, level);
}

int har_port_i2c_sda_read(void)
{
    return (GPIOA_IDR >> HAR_I2C_SDA_PIN) & 1u ? 1 : 0;
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

#endif /* EMML_BOARD_PY32F003 || EMML_BOARD_PY32F002A */
