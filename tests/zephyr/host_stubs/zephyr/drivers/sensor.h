/* Host stand-in (not Zephyr), declarations only: the sensor API calls of
 * apps/har/zephyr/src/sensor_zephyr.c, with Zephyr's documented signatures. */
#ifndef HOST_STUB_ZEPHYR_SENSOR_H
#define HOST_STUB_ZEPHYR_SENSOR_H
#include <stdint.h>
#include <zephyr/device.h>
struct sensor_value {
    int32_t val1;
    int32_t val2;
};
enum sensor_channel { SENSOR_CHAN_ACCEL_X, SENSOR_CHAN_ACCEL_Y, SENSOR_CHAN_ACCEL_Z, SENSOR_CHAN_ACCEL_XYZ };
enum sensor_attribute { SENSOR_ATTR_SAMPLING_FREQUENCY, SENSOR_ATTR_FULL_SCALE };
int sensor_attr_set(const struct device *dev, enum sensor_channel chan, enum sensor_attribute attr,
                    const struct sensor_value *val);
int sensor_sample_fetch_chan(const struct device *dev, enum sensor_channel type);
int sensor_channel_get(const struct device *dev, enum sensor_channel chan, struct sensor_value *val);
void sensor_g_to_ms2(int32_t g, struct sensor_value *ms2);
int32_t sensor_ms2_to_mg(const struct sensor_value *ms2);
#endif
