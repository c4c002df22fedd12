/* Host stand-in (not Zephyr), declarations only: the ADC API calls of
 * apps/audio_kws/zephyr/src/audio_adc_zephyr.c, with Zephyr's documented
 * signatures and struct fields. */
#ifndef HOST_STUB_ZEPHYR_ADC_H
#define HOST_STUB_ZEPHYR_ADC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zephyr/device.h>
struct adc_dt_spec {
    const struct device *dev;
    uint8_t channel_id;
};
#define ADC_DT_SPEC_GET(node_id) {.dev = &host_device_adc, .channel_id = 0}
struct adc_sequence_options {
    uint32_t interval_us;
    void *callback;
    void *user_data;
    uint16_t extra_samplings;
};
struct adc_sequence {
    const struct adc_sequence_options *options;
    uint32_t channels;
    void *buffer;
    size_t buffer_size;
    uint8_t resolution;
    uint8_t oversampling;
    bool calibrate;
};
int adc_read(const struct device *dev, const struct adc_sequence *sequence);
bool adc_is_ready_dt(const struct adc_dt_spec *spec);
int adc_channel_setup_dt(const struct adc_dt_spec *spec);
int adc_sequence_init_dt(const struct adc_dt_spec *spec, struct adc_sequence *seq);
#endif
