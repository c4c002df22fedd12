/*
 * sensor_zephyr.c - the HAR app's samples from a LIS3DH-compatible
 * accelerometer through Zephyr's sensor API: the "st,lis2dh" driver, which
 * serves the LIS2DH, LIS2DH12 and LIS3DH. The board's devicetree overlay
 * (apps/har/boards/<board>.overlay) adds the node; alias accel0 picks one
 * when there are several.
 *
 * The sensor runs at the output data rate closest to the training rate and
 * at the training full scale (HAR_APP_LIS3DH_ODR / _FS from the generated
 * har_app.h); a kernel timer at that rate wakes the thread for each sample,
 * so the core sleeps in between. The driver returns m/s^2; the model was
 * trained on milli-g.
 *
 * Zephyr's lis2dh driver checks WHO_AM_I against the LIS2DH/LIS3DH value
 * (0x33), so register-compatible parts with another ID (the SC7A20 answers
 * 0x11) need the bare-metal build (src/sensor_lis3dh.c) or a driver patch.
 * NOT RUN ON HARDWARE.
 */
#include <errno.h>

#include <zephyr/device.h>
#include <zephyr/devicetree.h>
#include <zephyr/drivers/sensor.h>
#include <zephyr/kernel.h>

#include "har_app.h"
#include "har_sensor.h"

#if DT_NODE_EXISTS(DT_ALIAS(accel0))
#define HAR_ACCEL_NODE DT_ALIAS(accel0)
#else
#define HAR_ACCEL_NODE DT_COMPAT_GET_ANY_STATUS_OKAY(st_lis2dh)
#endif
#if !DT_NODE_EXISTS(HAR_ACCEL_NODE)
#error "no accelerometer in the devicetree: add an st,lis2dh node (see apps/har/boards/rpi_pico.overlay) or stream samples over the UART (CONFIG_HAR_INPUT_UART=y)"
#endif

/* CTRL_REG1 ODR code -> Hz (the codes har_app.h uses; LIS3DH datasheet). */
static const uint16_t odr_hz[] = {0u, 1u, 10u, 25u, 50u, 100u, 200u, 400u};
BUILD_ASSERT(HAR_APP_LIS3DH_ODR >= 1u && HAR_APP_LIS3DH_ODR <= 7u, "har_app.h: unknown sensor data rate code");

/* A fetch that finds no new sample (the timer ran ahead of the sensor's
 * clock) is retried this often, 1 ms apart, before the sample is skipped. */
#define NEW_SAMPLE_TRIES 4

static const struct device *const accel = DEVICE_DT_GET(HAR_ACCEL_NODE);
K_TIMER_DEFINE(sample_timer, NULL, NULL);

int har_sensor_init(void)
{
    struct sensor_value value;
    const uint32_t rate_hz = odr_hz[HAR_APP_LIS3DH_ODR];

    if (!device_is_ready(accel)) {
        return HAR_NO_SENSOR;
    }
    /* Both fail with -ENOTSUP when Kconfig fixes range or rate
     * (CONFIG_LIS2DH_ACCEL_RANGE_* / CONFIG_LIS2DH_ODR_*): then the
     * driver's values stand; the conversion to mg stays right either way. */
    sensor_g_to_ms2((int32_t)(2 << HAR_APP_LIS3DH_FS), &value);
    (void)sensor_attr_set(accel, SENSOR_CHAN_ACCEL_XYZ, SENSOR_ATTR_FULL_SCALE, &value);
    value.val1 = (int32_t)rate_hz;
    value.val2 = 0;
    (void)sensor_attr_set(accel, SENSOR_CHAN_ACCEL_XYZ, SENSOR_ATTR_SAMPLING_FREQUENCY, &value);

    k_timer_start(&sample_timer, K_USEC(1000000u / rate_hz), K_USEC(1000000u / rate_hz));
    return HAR_SAMPLE;
}

static int16_t saturate_int16(int32_t v)
{
    return (int16_t)(v > INT16_MAX ? INT16_MAX : (v < INT16_MIN ? INT16_MIN : v));
}

int har_sensor_read(int16_t xyz[3])
{
    struct sensor_value accel_ms2[3];
    int status;
    int tries = 0;
    int axis;

    (void)k_timer_status_sync(&sample_timer);
    status = sensor_sample_fetch_chan(accel, SENSOR_CHAN_ACCEL_XYZ);
    while (status == -ENODATA && ++tries < NEW_SAMPLE_TRIES) {
        k_msleep(1);
        status = sensor_sample_fetch_chan(accel, SENSOR_CHAN_ACCEL_XYZ);
    }
    if (status != 0 || sensor_channel_get(accel, SENSOR_CHAN_ACCEL_XYZ, accel_ms2) != 0) {
        return HAR_SKIP;
    }
    for (axis = 0; axis < 3; axis++) {
        xyz[axis] = saturate_int16(sensor_ms2_to_mg(&accel_ms2[axis]));
    }
    return HAR_SAMPLE;
}
