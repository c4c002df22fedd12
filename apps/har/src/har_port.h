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
 * each); the period must be shorter than the FIFO's fill time. */
void har_port_sleep(void);

/* Bit-banged I2C: open-drain lines (1 = released, pulled up externally). */
void har_port_i2c_init(void);
void har_port_i2c_scl(int level);
void har_port_i2c_sda(int level);
int har_port_i2c_sda_read(void);
void har_port_i2c_delay(void);   /* half an SCL period, >= 5 us (100 kHz) */

#endif /* HAR_PORT_H */
