#include "console.h"

#include "board.h"

void console_write(const char *data, size_t length)
{
    board_write(data, length);
}

void console_putc(char c)
{
    board_write(&c, 1);
}

void console_puts(const char *text)
{
    size_t length = 0;
    while (text[length] != '\0') {
        length++;
    }
    board_write(text, length);
}

void console_newline(void)
{
    board_write(CONSOLE_NEWLINE, sizeof(CONSOLE_NEWLINE) - 1);
}

void console_put_uint(uint32_t value)
{
    char digits[10]; /* 4294967295 */
    size_t n = sizeof(digits);
    do {
        digits[--n] = (char)('0' + (char)(value % 10u));
        value /= 10u;
    } while (value != 0u);
    board_write(&digits[n], sizeof(digits) - n);
}

void console_put_int(int32_t value)
{
    /* Negate in unsigned arithmetic so INT32_MIN works. */
    uint32_t magnitude = (uint32_t)value;
    if (value < 0) {
        console_putc('-');
        magnitude = 0u - magnitude;
    }
    console_put_uint(magnitude);
}

void console_put_hex(uint32_t value, unsigned min_digits)
{
    static const char hex[] = "0123456789abcdef";
    char digits[8];
    size_t n = sizeof(digits);
    if (min_digits > 8u) {
        min_digits = 8u;
    }
    do {
        digits[--n] = hex[value & 0xFu];
        value >>= 4;
    } while (value != 0u || sizeof(digits) - n < min_digits);
    board_write(&digits[n], sizeof(digits) - n);
}

void console_put_fixed(int32_t value, unsigned frac_bits, unsigned decimals)
{
    static const uint32_t pow10[10] = {
        1u, 10u, 100u, 1000u, 10000u, 100000u,
        1000000u, 10000000u, 100000000u, 1000000000u
    };
    uint32_t magnitude = (uint32_t)value;
    uint32_t integer;
    uint32_t fraction;
    uint32_t scaled;
    unsigned i;

    if (frac_bits > 31u) {
        frac_bits = 31u;
    }
    if (decimals > 9u) {
        decimals = 9u;
    }
    if (value < 0) {
        magnitude = 0u - magnitude;
    }
    integer = magnitude >> frac_bits;
    fraction = magnitude & ((1u << frac_bits) - 1u);

    /* fraction / 2^frac_bits * 10^decimals, rounded half up on the magnitude
     * (= half away from zero on the signed value). fraction < 2^31 and
     * 10^decimals < 2^30, so the product fits in 61 bits. */
    {
        uint64_t product = (uint64_t)fraction * pow10[decimals];
        uint64_t half = frac_bits > 0u ? (uint64_t)1u << (frac_bits - 1u) : 0u;
        scaled = (uint32_t)((product + half) >> frac_bits);
    }
    if (scaled >= pow10[decimals]) {
        scaled -= pow10[decimals];
        integer++;
    }

    if (value < 0 && (integer != 0u || scaled != 0u)) {
        console_putc('-');
    }
    console_put_uint(integer);
    if (decimals > 0u) {
        char digits[9];
        console_putc('.');
        for (i = decimals; i > 0u; i--) {
            digits[i - 1u] = (char)('0' + (char)(scaled % 10u));
            scaled /= 10u;
        }
        board_write(digits, decimals);
    }
}

int32_t console_read_line(char *buffer, size_t size)
{
    int32_t length = 0;
    size_t stored = 0;
    for (;;) {
        int c = board_read_byte();
        if (c < 0) {
            if (length == 0) {
                buffer[0] = '\0';
                return -1;
            }
            break;
        }
        if (c == '\n') {
            break;
        }
        if (c == '\r') {
            continue;
        }
        if (stored + 1u < size) {
            buffer[stored++] = (char)c;
        }
        if (length < INT32_MAX) {
            length++;
        }
    }
    buffer[stored] = '\0';
    return length;
}
