/* Host stand-in (not Zephyr): struct device and device_is_ready(). */
#ifndef HOST_STUB_ZEPHYR_DEVICE_H
#define HOST_STUB_ZEPHYR_DEVICE_H
#include <stdbool.h>
#include <zephyr/devicetree.h>
struct device {
    const char *name;
};
bool device_is_ready(const struct device *dev);
#define DEVICE_DT_GET(node_id) HOST_DEVICE(node_id)
#define HOST_DEVICE(node_id) (&host_device_##node_id)
extern const struct device host_device_zephyr_console, host_device_host_accel, host_device_adc;
#endif
