/* Host stand-in (not Zephyr): a devicetree whose only node is the console. */
#ifndef HOST_STUB_ZEPHYR_DEVICETREE_H
#define HOST_STUB_ZEPHYR_DEVICETREE_H
#define DT_HAS_CHOSEN(prop) DT_HAS_CHOSEN_##prop
#define DT_HAS_CHOSEN_zephyr_console 1
#define DT_CHOSEN(prop) prop

/* Compile-only checks of the sensor and ADC sources: one accelerometer
 * (alias accel0, compatible st,lis2dh) and a zephyr,user node with
 * io-channels. */
#define HOST_CAT(a, b) HOST_CAT_(a, b)
#define HOST_CAT_(a, b) a##b
#define DT_ALIAS(alias) host_alias_##alias
#define host_alias_accel0 host_accel
#define DT_COMPAT_GET_ANY_STATUS_OKAY(compat) host_accel
#define DT_PATH(name) host_##name
#define DT_NODE_EXISTS(node_id) HOST_CAT(node_id, _EXISTS)
#define host_accel_EXISTS 1
#define DT_NODE_HAS_PROP(node_id, prop) HOST_CAT(HOST_CAT(node_id, _HAS_), prop)
#define host_zephyr_user_HAS_io_channels 1
#endif
