/*
 * fuzz_input.h - read typed values off a libFuzzer input, in order. Past
 * the end every read returns 0, so any byte string is a valid input.
 */
#ifndef EMML_FUZZ_INPUT_H
#define EMML_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
} fuzz_input_t;

static inline uint8_t fuzz_u8(fuzz_input_t *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0u;
}

static inline uint16_t fuzz_u16(fuzz_input_t *in)
{
    uint16_t lo = fuzz_u8(in);
    return (uint16_t)(lo | (uint16_t)(fuzz_u8(in) << 8));
}

static inline uint32_t fuzz_u32(fuzz_input_t *in)
{
    uint32_t lo = fuzz_u16(in);
    return lo | ((uint32_t)fuzz_u16(in) << 16);
}

static inline size_t fuzz_left(const fuzz_input_t *in)
{
    return in->size - in->pos;
}

#endif /* EMML_FUZZ_INPUT_H */
