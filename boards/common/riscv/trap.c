/*
 * trap.c - report an unexpected trap on the RISC-V boards and stop.
 *
 * start.S points mtvec (direct mode) at riscv_trap_entry, which resets sp
 * and calls riscv_trap() with the three CSRs that describe the fault.
 * Nothing in emml enables interrupts, so every trap is a fault: the line
 *     trap <name> mcause=... mepc=... mtval=...
 * goes to the console and the program ends with BOARD_EXIT_FAULT.
 */
#include <stdint.h>

#include "board.h"
#include "console.h"

BOARD_NORETURN void riscv_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval);

static const char *cause_name(uint32_t mcause)
{
    if ((mcause & 0x80000000u) != 0u) {
        return "interrupt";
    }
    switch (mcause) {
    case 0u: return "instruction-misaligned";
    case 1u: return "instruction-access-fault";
    case 2u: return "illegal-instruction";
    case 3u: return "breakpoint";
    case 4u: return "load-misaligned";
    case 5u: return "load-access-fault";
    case 6u: return "store-misaligned";
    case 7u: return "store-access-fault";
    case 8u: return "ecall-from-u";
    case 11u: return "ecall-from-m";
    default: return "exception";
    }
}

static void put_field(const char *label, uint32_t value)
{
    console_puts(label);
    console_puts("0x");
    console_put_hex(value, 8u);
}

void riscv_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    console_newline();
    console_puts("trap ");
    console_puts(cause_name(mcause));
    put_field(" mcause=", mcause);
    put_field(" mepc=", mepc);
    put_field(" mtval=", mtval);
    console_newline();
    board_exit(BOARD_EXIT_FAULT);
}
