/*
 * start.S - reset code shared by the RISC-V boards (RV32E/RV32I, M-mode).
 *
 * _start must be the first thing in the image: each board's linker script
 * places the .text.start section at the reset address. It sets gp and sp,
 * points mtvec at the shared trap entry (direct mode: every exception and
 * interrupt lands there), copies .data from flash, zeroes .bss, calls
 * main() and hands its return value to board_exit().
 *
 * Symbols the linker script defines:
 *   __global_pointer$          gp-relative addressing base
 *   __stack_end                initial sp (top of the .stack region)
 *   __data_load, __data_start, __data_end   .data image in flash / in RAM
 *   __bss_start, __bss_end     zero-initialised RAM
 *   __stack_start              bottom of the .stack region
 * All of them are 4-byte aligned by the linker scripts. The stack region
 * is painted with BOARD_STACK_PAINT (board.h) so board_stack_used() can
 * find its high-water mark.
 */

    .section .text.start, "ax", %progbits
    .globl _start
    .type _start, %function
_start:
    .option push
    .option norelax             /* gp is not set yet: no gp-relative la */
    la      gp, __global_pointer$
    .option pop
    la      sp, __stack_end

    la      t0, riscv_trap_entry
    csrw    mtvec, t0           /* MODE = 0 (direct), entry 4-byte aligned */

    /* .data: word copy from its load address in flash */
    la      a0, __data_load
    la      a1, __data_start
    la      a2, __data_end
    bgeu    a1, a2, 2f
1:  lw      t0, 0(a0)
    sw      t0, 0(a1)
    addi    a0, a0, 4
    addi    a1, a1, 4
    bltu    a1, a2, 1b
2:
    /* .bss: word fill with zero */
    la      a1, __bss_start
    la      a2, __bss_end
    bgeu    a1, a2, 4f
3:  sw      zero, 0(a1)
    addi    a1, a1, 4
    bltu    a1, a2, 3b
4:
    /* stack: paint with BOARD_STACK_PAINT; nothing lives on it yet */
    la      a1, __stack_start
    la      a2, __stack_end
    li      t0, 0xA5A5A5A5
    bgeu    a1, a2, 6f
5:  sw      t0, 0(a1)
    addi    a1, a1, 4
    bltu    a1, a2, 5b
6:
    li      a0, 0               /* argc = 0, argv = NULL */
    li      a1, 0
    call    main
    call    board_exit          /* a0 = main's return value */
7:  j       7b                  /* board_exit does not return */
    .size _start, . - _start

/*
 * Trap entry. Nothing in emml enables interrupts, so any trap is a fault:
 * report it and stop. No registers are saved because it never returns;
 * sp is reset to the top of the stack so a trap caused by a stack overflow
 * can still print.
 */
    .section .text.riscv_trap_entry, "ax", %progbits
    .globl riscv_trap_entry
    .type riscv_trap_entry, %function
    .balign 4
riscv_trap_entry:
    la      sp, __stack_end
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    call    riscv_trap          /* does not return */
1:  j       1b
    .size riscv_trap_entry, . - riscv_trap_entry
