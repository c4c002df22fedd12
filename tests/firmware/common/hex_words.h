/*
 * hex_words.h - the exact float32 line format of the test firmware: each
 * value is the 8 lower-case hex digits of its IEEE-754 bits, words separated
 * by one space. Exact both ways, and no float parsing or printing: RV32E
 * builds have no libc. Included by the test apps (static: one copy each).
 */
#ifndef TEST_HEX_WORDS_H
#define TEST_HEX_WORDS_H

#include <stdint.h>

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The bits of a float (for console_put_hex(bits_of(f), 8)). */
static uint32_t bits_of(float f)
{
    union {
        float f;
        uint32_t u;
    } v;
    v.f = f;
    return v.u;
}

/* Parse exactly n hex words of float32 bits from s into x; 0 on success,
 * -1 on a malformed line (wrong digit, separator, count or trailing text). */
static int parse_hex_row(const char *s, float *x, uint32_t n)
{
    uint32_t i, k;
    for (i = 0u; i < n; i++) {
        union {
            uint32_t u;
            float f;
        } v;
        v.u = 0u;
        if (i > 0u && *s++ != ' ')
            return -1;
        for (k = 0u; k < 8u; k++) {
            int d = hex_digit(*s++);
            if (d < 0)
                return -1;
            v.u = (v.u << 4) | (uint32_t)d;
        }
        x[i] = v.f;
    }
    return *s == '\0' ? 0 : -1;
}

#endif /* TEST_HEX_WORDS_H */
