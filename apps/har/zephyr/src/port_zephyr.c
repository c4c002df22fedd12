/*
 * port_zephyr.c - the HAR port hooks (src/har_port.h) under Zephyr. The
 * kernel does the sleeping: board_read_byte() blocks on the UART's receive
 * queue and the sensor source on a timer, and the idle thread waits for
 * interrupts meanwhile, so both hooks return at once. The bit-banged I2C
 * hooks have no Zephyr version: Zephyr's I2C driver carries the sensor
 * (zephyr/src/sensor_zephyr.c).
 */
#include "har_port.h"

void har_port_wait_rx(void)
{
}

void har_port_wake_every_us(uint32_t period_us)
{
    (void)period_us;
}

void har_port_sleep(void)
{
}
