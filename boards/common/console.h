/*
 * console.h - text output and line input on top of board_write() and
 * board_read_byte(), without printf.
 *
 * newlib's printf costs several kB of flash and a heap; on a 16-32 kB part
 * that is a large share of the budget. These helpers cost a few hundred
 * bytes together and allocate nothing. Every function writes through
 * board_write(), so output goes wherever the board sends its console.
 */
#ifndef EMML_CONSOLE_H
#define EMML_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Line ending written by console_newline(). "\r\n" suits serial terminals;
 * host-side tests split lines with str.splitlines(), which accepts both. */
#ifndef CONSOLE_NEWLINE
#define CONSOLE_NEWLINE "\r\n"
#endif

void console_write(const char *data, size_t length);
void console_putc(char c);
void console_puts(const char *text);          /* no newline added */
void console_newline(void);

/* Decimal, no padding: "-42", "4294967295". */
void console_put_int(int32_t value);
void console_put_uint(uint32_t value);

/* Lower-case hex without prefix, zero-padded to at least min_digits
 * (0..8; 0 prints as few digits as needed, at least one). */
void console_put_hex(uint32_t value, unsigned min_digits);

/* Fixed-point value / 2^frac_bits in decimal with `decimals` digits after
 * the point (frac_bits 0..31, decimals 0..9; larger values are clamped).
 * Rounds half away from zero: console_put_fixed(-96, 6, 2) prints "-1.50",
 * console_put_fixed(1, 8, 2) prints "0.00" (never "-0.00"). */
void console_put_fixed(int32_t value, unsigned frac_bits, unsigned decimals);

/* Read one line of host input. Stores at most size-1 bytes and a NUL in
 * buffer (size >= 1); '\r' is dropped, '\n' ends the line and is not stored.
 * Returns the full length of the line (which can exceed size-1: the rest was
 * read and discarded), or -1 if input ended before any byte of a line. */
int32_t console_read_line(char *buffer, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* EMML_CONSOLE_H */
