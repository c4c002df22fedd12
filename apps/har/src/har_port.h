/*
 * har_port.h - the few board hooks the HAR app needs beyond board.h:
 * sleeping until the next byte or sample, and two GPIO lines for a
 * bit-banged I2C bus. One port_<board>.c implements them per board; the
 * build names the board with -DEMML_BOARD_<NAME> (scripts/pio_regen_model.py
 * under PlatformIO, emml.har.firmware otherwise).
 *
 * A board without a port still builds: it streams samples from its console
 * UART and polls instead of sleeping.
 */
#ifndef HAR_PORT_H
#define HAR_PORT_H

#include <stdint.h>

#if !defined(HAR_SENSOR_UART) && !defined(HAR_SENSOR_LIS3DH)
#if defined(EMML_BOARD_PY32F003) || defined(EMML_BOARD_PY32F002A) || defined(EMML_BOARD_CH32V003) || \
    defined(EMML_BOARD_RP2040)
#define HAR_SENSOR_LIS3DH 1
#else
#define HAR_SENSOR_UART 1
#endif
#endif

/* Sleep (WFI) until the console UART may hold a received byte. Returns at
 * once if one is waiting; may also return early (another interrupt). */
void har_port_wait_rx(void);

/* Sleep until the next periodic wake-up (the sensor FIFO is drained after
 * each). har_port_wake_every_us() sets the longest time between two
 * wake-ups (the sensor driver passes half its FIFO's fill time at the
 * model's rate); a port may wake more often. */
void har_port_wake_every_us(uint32_t period_us);
void har_port_sleep(void);

/* For ports that wake on a SysTick wrap: the largest power of two of
 * cycles (2^8..2^24) within period_us at a clock of hz. */
static inline uint32_t har_port_tick_bits(uint32_t hz, uint32_t period_us)
{
    uint32_t cycles = (hz / 1000000u) * period_us;  /* < 2^32 for hz <= 4 GHz, period <= 1 s */
    uint32_t bits = 24u;
    while (bits > 8u && (1u << bits) > cycles) {
        bits--;
    }
    return bits;
}

/* Bit-banged I2C: open-drain lines (1 = released, pulled up externally). */
void har_port_i2c_init(void);
void har_port_i2c_scl(int level);
void har_port_i2c_sda(int level);
int har_port_i2c_sda_read(void);
void har_port_i2c_delay(void);   /* half an SCL period, >= 5 us (100 kHz) */

#endif /* HAR_PORT_H */
