/*
 * sensor_lis3dh.c - a LIS3DH-compatible accelerometer (ST LIS3DH, Silan
 * SC7A20 and other register-compatible parts) on a bit-banged I2C bus,
 * read through its 32-sample FIFO in stream mode.
 *
 * The core sleeps (har_port_sleep: WFI until the periodic wake-up) and
 * drains the FIFO when it wakes, so it is awake for a few I2C transfers per
 * wake-up plus one window's features and model every hop.
 *
 * Register facts are from the LIS3DH datasheet (DocID17530, section 8
 * "Register mapping" and 8.x register descriptions); the SC7A20 is sold as
 * register-compatible. THIS DRIVER HAS NOT RUN ON A CHIP: every register
 * value below is "verify on hardware".
 *
 * Rate: the sensor runs at HAR_APP_LIS3DH_ODR, the output data rate closest
 * to the training rate (emml har train warns when they differ).
 */
#include "har_port.h"

#if defined(HAR_SENSOR_LIS3DH) && HAR_SENSOR_LIS3DH

#include "board.h"
#include "har_app.h"
#include "har_sensor.h"

#ifndef HAR_LIS3DH_ADDRESS
#define HAR_LIS3DH_ADDRESS 0x19u  /* SA0/SDO high; 0x18 when tied low (verify on hardware) */
#endif

/* Registers (LIS3DH datasheet section 8; verify on hardware) */
#define REG_WHO_AM_I 0x0Fu        /* 0x33 on the LIS3DH, 0x11 on the SC7A20 */
#define REG_CTRL1 0x20u           /* ODR[7:4] LPen Zen Yen Xen */
#define REG_CTRL4 0x23u           /* BDU BLE FS[5:4] HR ST */
#define REG_CTRL5 0x24u           /* BOOT FIFO_EN ... */
#define REG_OUT_X_L 0x28u         /* X, Y, Z as little-endian int16, left-justified */
#define REG_FIFO_CTRL 0x2Eu       /* FM[7:6] TR FTH[4:0] */
#define REG_FIFO_SRC 0x2Fu        /* WTM OVRN EMPTY FSS[4:0] */
#define AUTO_INCREMENT 0x80u      /* sub-address MSB: read consecutive registers */
#define CTRL1_XYZ_EN 0x07u
#define CTRL4_BDU 0x80u
#define CTRL4_HR 0x08u            /* high resolution: 12-bit samples */
#define CTRL5_FIFO_EN 0x40u
#define FIFO_MODE_STREAM 0x80u
#define FIFO_SRC_FSS 0x1Fu
#define FIFO_SRC_EMPTY 0x20u

/* ---- bit-banged I2C master (open drain: 1 releases the line) ---------- */
static void i2c_start(void)
{
    har_port_i2c_sda(1);
    har_port_i2c_scl(1);
    har_port_i2c_delay();
    har_port_i2c_sda(0);
    har_port_i2c_delay();
    har_port_i2c_scl(0);
}

static void i2c_stop(void)
{
    har_port_i2c_sda(0);
    har_port_i2c_delay();
    har_port_i2c_scl(1);
    har_port_i2c_delay();
    har_port_i2c_sda(1);
    har_port_i2c_delay();
}

/* Send a byte; returns 1 if the device acknowledged it. */
static int i2c_write_byte(uint8_t byte)
{
    int bit, ack;
    for (bit = 7; bit >= 0; bit--) {
        har_port_i2c_sda((byte >> bit) & 1u);
        har_port_i2c_delay();
        har_port_i2c_scl(1);
        har_port_i2c_delay();
        har_port_i2c_scl(0);
    }
    har_port_i2c_sda(1);
    har_port_i2c_delay();
    har_port_i2c_scl(1);
    har_port_i2c_delay();
    ack = !har_port_i2c_sda_read();
    har_port_i2c_scl(0);
    return ack;
}

static uint8_t i2c_read_byte(int ack)
{
    uint8_t byte = 0u;
    int bit;
    har_port_i2c_sda(1);
    for (bit = 0; bit < 8; bit++) {
        har_port_i2c_delay();
        har_port_i2c_scl(1);
        har_port_i2c_delay();
        byte = (uint8_t)((byte << 1) | (har_port_i2c_sda_read() ? 1u : 0u));
        har_port_i2c_scl(0);
    }
    har_port_i2c_sda(ack ? 0 : 1);
    har_port_i2c_delay();
    har_port_i2c_scl(1);
    har_port_i2c_delay();
    har_port_i2c_scl(0);
    return byte;
}

static int write_reg(uint8_t reg, uint8_t value)
{
    int ok;
    i2c_start();
    ok = i2c_write_byte((uint8_t)(HAR_LIS3DH_ADDRESS << 1)) && i2c_write_byte(reg) && i2c_write_byte(value);
    i2c_stop();
    return ok;
}

static int read_regs(uint8_t reg, uint8_t *out, uint32_t n)
{
    uint32_t i;
    int ok;
    i2c_start();
    ok = i2c_write_byte((uint8_t)(HAR_LIS3DH_ADDRESS << 1)) && i2c_write_byte(n > 1u ? (uint8_t)(reg | AUTO_INCREMENT) : reg);
    if (ok) {
        i2c_start();  /* repeated start, then read */
        ok = i2c_write_byte((uint8_t)((HAR_LIS3DH_ADDRESS << 1) | 1u));
    }
    for (i = 0u; ok && i < n; i++) {
        out[i] = i2c_read_byte(i + 1u < n);
    }
    i2c_stop();
    return ok;
}

/* ---- the sensor ----------------------------------------------------------- */
static uint32_t fifo_left;  /* samples known to wait in the FIFO */

int har_sensor_init(void)
{
    uint8_t who = 0u;
    har_port_i2c_init();
    har_port_wake_every_us(HAR_APP_WAKE_PERIOD_US);
    fifo_left = 0u;
    if (!read_regs(REG_WHO_AM_I, &who, 1u)) {
        return HAR_NO_SENSOR;
    }
    /* Full scale and high resolution first, then the FIFO, then start
     * sampling at the training rate (verify on hardware). */
    if (!write_reg(REG_CTRL4, (uint8_t)(CTRL4_BDU | CTRL4_HR | (HAR_APP_LIS3DH_FS << 4))) ||
        !write_reg(REG_CTRL5, CTRL5_FIFO_EN) || !write_reg(REG_FIFO_CTRL, FIFO_MODE_STREAM) ||
        !write_reg(REG_CTRL1, (uint8_t)((HAR_APP_LIS3DH_ODR << 4) | CTRL1_XYZ_EN))) {
        return HAR_NO_SENSOR;
    }
    return HAR_SAMPLE;
}

/* 12-bit left-justified counts -> mg (high-resolution mode). */
static int16_t to_mg(uint8_t lo, uint8_t hi)
{
    int16_t raw = (int16_t)(uint16_t)((uint16_t)hi << 8 | lo);
    return (int16_t)((raw / 16) * HAR_APP_LIS3DH_MG_PER_DIGIT);
}

int har_sensor_read(int16_t xyz[3])
{
    uint8_t b[6];
    while (fifo_left == 0u) {
        uint8_t src = 0u;
        if (!read_regs(REG_FIFO_SRC, &src, 1u)) {
            return HAR_SKIP;
        }
        if ((src & FIFO_SRC_EMPTY) == 0u) {
            fifo_left = src & FIFO_SRC_FSS;
            if (fifo_left == 0u) {
                fifo_left = 1u;
            }
            break;
        }
        har_port_sleep();
    }
    if (!read_regs(REG_OUT_X_L, b, 6u)) {
        return HAR_SKIP;
    }
    fifo_left--;
    xyz[0] = to_mg(b[0], b[1]);
    xyz[1] = to_mg(b[2], b[3]);
    xyz[2] = to_mg(b[4], b[5]);
    return HAR_SAMPLE;
}

#endif /* HAR_SENSOR_LIS3DH */
