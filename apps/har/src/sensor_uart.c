/*
 * sensor_uart.c - samples streamed from the host over the console UART,
 * one "x y z" line per sample (integers in mg; spaces, commas or tabs
 * between them), "reset" before a new recording, "end" to finish.
 *
 * The core sleeps (har_port_wait_rx: WFI on the UART's receive interrupt)
 * until each byte arrives instead of spinning on the status register.
 */
#include "har_port.h"

#if defined(HAR_SENSOR_UART) && HAR_SENSOR_UART

#include "board.h"
#include "console.h"
#include "har_sensor.h"

#define LINE_MAX 40u

static uint32_t line_number;

int har_sensor_init(void)
{
    line_number = 0u;
    return HAR_SAMPLE;
}

/* One line into buf (NUL-terminated, '\r' dropped, truncated to LINE_MAX - 1). */
static void read_line(char *buf)
{
    uint32_t n = 0u;
    for (;;) {
        int c;
        har_port_wait_rx();
        c = board_read_byte();
        if (c < 0 || c == '\n') {
            break;
        }
        if (c != '\r' && n < LINE_MAX - 1u) {
            buf[n++] = (char)c;
        }
    }
    buf[n] = '\0';
}

static int is_word(const char *s, const char *word)
{
    while (*word != '\0' && *s == *word) {
        s++;
        word++;
    }
    return *word == '\0' && (*s == '\0' || *s == ' ');
}

/* Parse three int16 values; returns 1 on success. */
static int parse_xyz(const char *s, int16_t xyz[3])
{
    int axis;
    for (axis = 0; axis < 3; axis++) {
        int32_t v = 0;
        int negative = 0, digits = 0;
        while (*s == ' ' || *s == ',' || *s == '\t' || *s == ';') {
            s++;
        }
        if (*s == '-' || *s == '+') {
            negative = *s == '-';
            s++;
        }
        while (*s >= '0' && *s <= '9') {
            v = 10 * v + (*s - '0');
            if (v > 32768) {
                return 0;
            }
            s++;
            digits++;
        }
        if (digits == 0 || (!negative && v > 32767)) {
            return 0;
        }
        xyz[axis] = (int16_t)(negative ? -v : v);
    }
    while (*s == ' ' || *s == '\t' || *s == ',') {
        s++;
    }
    return *s == '\0';
}

int har_sensor_read(int16_t xyz[3])
{
    char line[LINE_MAX];
    read_line(line);
    line_number++;
    if (is_word(line, "end")) {
        return HAR_END;
    }
    if (is_word(line, "reset")) {
        return HAR_RESET;
    }
    if (parse_xyz(line, xyz)) {
        return HAR_SAMPLE;
    }
    console_puts("error line=");
    console_put_uint(line_number);
    console_puts(" malformed");
    console_newline();
    return HAR_SKIP;
}

#endif /* HAR_SENSOR_UART */
