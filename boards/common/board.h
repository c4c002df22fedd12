/*
 * board.h - the small interface every board in boards/ implements.
 *
 * Apps and tests are written against this header only, so the same app
 * builds for a QEMU stand-in and for the real chip. Each board folder
 * provides startup code, a linker script with the chip's real memory sizes,
 * and board.c implementing these functions. boards/README.md lists the
 * boards and what each function does on each of them.
 */
#ifndef EMML_BOARD_H
#define EMML_BOARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __GNUC__
#define BOARD_NORETURN __attribute__((noreturn))
#else
#define BOARD_NORETURN
#endif

/* Exit status used by the default fault and unexpected-interrupt handlers,
 * so a test can tell a crash from an app that returned non-zero itself. */
#define BOARD_EXIT_FAULT 99

/* Clocks, UART and the cycle/tick counter. Call once, first thing in main().
 * Before it runs, board_write() discards its output. */
void board_init(void);

/* Blocking write of bytes to the console UART. */
void board_write(const char *data, size_t length);

/* Blocking read of one byte of host input (UART RX on every board).
 * Returns the byte (0..255), or -1 when the board has no input source. */
int board_read_byte(void);

/* Free-running counter (core cycles where the chip has a cycle counter,
 * otherwise a timer) and its rate in Hz. Wraps at 2^32. */
uint32_t board_cycles(void);
uint32_t board_cycles_hz(void);

/* End the program with a status. Emulated boards leave QEMU with this exit
 * code (semihosting SYS_EXIT_EXTENDED); real boards report and halt. */
BOARD_NORETURN void board_exit(int status);

/* Board name as in boards/<name>.json, for the app's banner line. */
extern const char board_name[];

/* Stack measurement (boards/common/board_stack.c). Startup code paints the
 * stack region [__stack_start, __stack_end) with BOARD_STACK_PAINT before
 * main; board_stack_used() scans for the deepest overwritten word and returns
 * the high-water mark in bytes. Both return 0 on a board whose linker script
 * does not define __stack_start/__stack_end. */
#define BOARD_STACK_PAINT 0xA5A5A5A5u
size_t board_stack_size(void);
size_t board_stack_used(void);

#ifdef __cplusplus
}
#endif

#endif /* EMML_BOARD_H */
