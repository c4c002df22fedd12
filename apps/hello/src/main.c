/*
 * hello - the smallest emml app: proves a board boots, talks over its
 * console UART, streams host input and times code.
 *
 * Output, one line each (console newline is "\r\n"):
 *   hello from <board_name> (emml <major>.<minor>.<patch>)
 *   line <n> len=<bytes> sum=0x<8 hex> <text>     one per input line
 *                                  (" <text>" left out for an empty line)
 *   work result=0x<8 hex> cycles=<count> hz=<rate>
 *   stack used=<bytes> of <bytes>
 *   done
 * then main returns HELLO_EXIT_STATUS (default 0), which becomes the
 * program's exit status (QEMU's, on the emulated boards).
 *
 * Input: newline-terminated lines ('\r' ignored) until a line "end" or the
 * end of input. <text> is the line as stored (at most HELLO_LINE_MAX - 1
 * bytes); len counts every byte of the line. sum is a running 32-bit
 * FNV-1a hash over the stored bytes of every line so far, each line
 * followed by one '\n'. In Python:
 *     h = 0x811C9DC5
 *     for line in lines:
 *         for b in line.encode()[:HELLO_LINE_MAX - 1] + b"\n":
 *             h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
 *
 * The workload is fixed (HELLO_WORK_ROUNDS rounds of xorshift32 from a
 * fixed seed), so result is the same on every board; cycles is what
 * board_cycles() measured for it, an estimate on emulated boards.
 */
#include "board.h"
#include "console.h"
#include "emml/emml.h"

#ifndef HELLO_EXIT_STATUS
#define HELLO_EXIT_STATUS 0
#endif

#define HELLO_LINE_MAX 64
#define HELLO_WORK_ROUNDS 1000u

#define HELLO_STR_(x) #x
#define HELLO_STR(x) HELLO_STR_(x)
#define HELLO_EMML_VERSION \
    HELLO_STR(EMML_VERSION_MAJOR) "." HELLO_STR(EMML_VERSION_MINOR) "." HELLO_STR(EMML_VERSION_PATCH)

#define FNV_OFFSET 0x811C9DC5u
#define FNV_PRIME 0x01000193u

static uint32_t fnv1a(uint32_t hash, const char *data, size_t length)
{
    size_t i;
    for (i = 0; i < length; i++) {
        hash = (hash ^ (uint8_t)data[i]) * FNV_PRIME;
    }
    return hash;
}

static uint32_t workload(uint32_t state, uint32_t rounds)
{
    uint32_t i;
    for (i = 0; i < rounds; i++) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
    }
    return state;
}

static int is_end(const char *line)
{
    return line[0] == 'e' && line[1] == 'n' && line[2] == 'd' && line[3] == '\0';
}

int main(void)
{
    char line[HELLO_LINE_MAX];
    uint32_t sum = FNV_OFFSET;
    uint32_t count = 0;
    uint32_t start;
    uint32_t cycles;
    uint32_t result;
    /* Volatile so the workload is computed at run time, not folded. */
    volatile uint32_t seed = 2463534242u;

    board_init();
    console_puts("hello from ");
    console_puts(board_name);
    console_puts(" (emml " HELLO_EMML_VERSION ")");
    console_newline();

    for (;;) {
        int32_t length = console_read_line(line, sizeof(line));
        size_t stored;
        if (length < 0 || is_end(line)) {
            break;
        }
        stored = (size_t)length < sizeof(line) ? (size_t)length : sizeof(line) - 1u;
        sum = fnv1a(sum, line, stored);
        sum = fnv1a(sum, "\n", 1);
        count++;
        console_puts("line ");
        console_put_uint(count);
        console_puts(" len=");
        console_put_int(length);
        console_puts(" sum=0x");
        console_put_hex(sum, 8u);
        if (line[0] != '\0') {
            console_putc(' ');
            console_puts(line);
        }
        console_newline();
    }

    start = board_cycles();
    result = workload(seed, HELLO_WORK_ROUNDS);
    cycles = board_cycles() - start;
    console_puts("work result=0x");
    console_put_hex(result, 8u);
    console_puts(" cycles=");
    console_put_uint(cycles);
    console_puts(" hz=");
    console_put_uint(board_cycles_hz());
    console_newline();

    console_puts("stack used=");
    console_put_uint((uint32_t)board_stack_used());
    console_puts(" of ");
    console_put_uint((uint32_t)board_stack_size());
    console_newline();

    console_puts("done");
    console_newline();
    return HELLO_EXIT_STATUS;
}
