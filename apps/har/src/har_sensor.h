/*
 * har_sensor.h - where the HAR app's accelerometer samples come from.
 *
 * Two sources, chosen at build time by har_port.h:
 *   HAR_SENSOR_UART    samples streamed from the host over the console UART
 *                      (the emulated boards; any board with -DHAR_SENSOR_UART=1)
 *   HAR_SENSOR_LIS3DH  a LIS3DH-compatible accelerometer (ST LIS3DH, Silan
 *                      SC7A20, ...) on a bit-banged I2C bus, FIFO driven
 * Both deliver int16 milli-g, the unit the model was trained in.
 */
#ifndef HAR_SENSOR_H
#define HAR_SENSOR_H

#include <stdint.h>

/* har_sensor_read() results */
#define HAR_SAMPLE 0     /* xyz holds one sample */
#define HAR_RESET 1      /* a new recording starts: drop the partial window */
#define HAR_END 2        /* no more input: finish and exit */
#define HAR_SKIP 3       /* nothing usable (a malformed line was reported) */
#define HAR_NO_SENSOR 4  /* the sensor did not answer (reported once) */

/* Prepare the source; returns HAR_SAMPLE on success, HAR_NO_SENSOR if the
 * sensor did not answer. */
int har_sensor_init(void);

/* Wait (asleep where the board can) for the next sample: x, y, z in mg. */
int har_sensor_read(int16_t xyz[3]);

#endif /* HAR_SENSOR_H */
