/*
 * startup.c - reset handler shared by every Cortex-M board.
 *
 * The core loads SP from word 0 of the vector table (vectors.S) and jumps
 * to Reset_Handler. Before main can run, C needs initialised data copied
 * from flash and zero-filled .bss; the linker script (boards/<b>/<b>.ld)
 * names these regions. The stack region is painted for board_stack_used().
 * main() calls board_init() itself; its return value becomes the exit
 * status through board_exit().
 */
#include "arm/cortex_m.h"

/* Linker script symbols: addresses only, never read as objects. */
extern uint32_t __data_load[];
extern uint32_t _sdata[];
extern uint32_t _edata[];
extern uint32_t _sbss[];
extern uint32_t _ebss[];
extern uint32_t __stack_start[];
typedef void (*init_function_t)(void);
extern init_function_t __preinit_array_start[];
extern init_function_t __preinit_array_end[];
extern init_function_t __init_array_start[];
extern init_function_t __init_array_end[];

int main(void);
BOARD_NORETURN void Reset_Handler(void);

void Reset_Handler(void)
{
    const uint32_t *source = __data_load;
    volatile uint32_t *destination = _sdata;
    volatile uint32_t *paint = __stack_start;
    uint32_t *stack_pointer;
    init_function_t *init;

    /* Paint the unused part of the stack, bottom up to the current SP.
     * Volatile so the compiler cannot turn it into a memset() call, whose
     * own frame would sit inside the area being painted. */
    __asm__ volatile ("mov %0, sp" : "=r"(stack_pointer));
    while (paint < stack_pointer) {
        *paint++ = BOARD_STACK_PAINT;
    }

    /* Volatile here too: -Os would otherwise turn these loops into
     * memcpy()/memset() calls and link 240 bytes of newlib for them. */
    while (destination < _edata) {
        *destination++ = *source++;
    }
    for (destination = _sbss; destination < _ebss; destination++) {
        *destination = 0u;
    }

    /* Static constructors: none in C, but C++ code (a benchmark peer) may
     * have them. */
    for (init = __preinit_array_start; init < __preinit_array_end; init++) {
        (*init)();
    }
    for (init = __init_array_start; init < __init_array_end; init++) {
        (*init)();
    }

    board_exit(main());
}
