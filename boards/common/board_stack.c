/*
 * board_stack.c - stack high-water measurement, shared by all boards.
 *
 * The linker script reserves the stack as [__stack_start, __stack_end) and
 * the startup code fills it with BOARD_STACK_PAINT before main. The stack
 * grows down from __stack_end, so the lowest word that no longer holds the
 * pattern marks the deepest point it reached. (A word the program happened
 * to write with the pattern value itself is counted as unused: the figure
 * can be off by a few words, never by a frame.)
 *
 * The symbols are weak: a board whose linker script lacks them links, and
 * both functions return 0 there.
 */
#include "board.h"

extern uint32_t __stack_start[] __attribute__((weak));
extern uint32_t __stack_end[] __attribute__((weak));

size_t board_stack_size(void)
{
    if (__stack_start == NULL || __stack_end == NULL) {
        return 0;
    }
    return (size_t)((uintptr_t)__stack_end - (uintptr_t)__stack_start);
}

size_t board_stack_used(void)
{
    const volatile uint32_t *word = __stack_start;
    if (board_stack_size() == 0) {
        return 0;
    }
    while (word < __stack_end && *word == BOARD_STACK_PAINT) {
        word++;
    }
    return (size_t)((uintptr_t)__stack_end - (uintptr_t)word);
}
