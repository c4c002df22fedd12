/*
 * Known-loop asset for the profiler tests (RV32EC). known_loop(n, x, out)
 * with n >= 1:
 *     acc = 0; for i in 0..n-1: acc += 2*x[i]; out[i] = acc
 *     return acc + 7            (the +7 happens in a called helper)
 *
 * Executed instructions: 8*n + 10
 *   li 1; per iteration: lw, slli, add, sw, addi, addi, addi, bnez = 8;
 *   mv, addi sp, sw ra, jal, addi, ret, lw ra, addi sp, ret = 9
 *
 * The same file is a bootable image for qemu-system-riscv32 -M virt
 * -bios none with a strict RV32E CPU: _start calls
 * known_loop(KNOWN_LOOP_N, table, out), checks the result and exits through
 * semihosting (status 0 when it matches).
 */
#ifndef KNOWN_LOOP_N
#define KNOWN_LOOP_N 10
#endif

    .section .text.start, "ax"
    .global _start
_start:
    la   sp, _stack_top
    li   a0, KNOWN_LOOP_N
    la   a1, table
    la   a2, out
    jal  ra, known_loop
    .global known_loop_return
known_loop_return:
    li   a1, (KNOWN_LOOP_N * (KNOWN_LOOP_N + 1) + 7)
    li   a2, 1                 /* status 1: wrong result */
    bne  a0, a1, 1f
    li   a2, 0
1:  j    semihosting_exit

    .text
    .global known_loop
    .type known_loop, %function
known_loop:
    li   a3, 0
2:  lw   a4, 0(a1)
    slli a4, a4, 1
    add  a3, a3, a4
    sw   a3, 0(a2)
    addi a1, a1, 4
    addi a2, a2, 4
    addi a0, a0, -1
    bnez a0, 2b
    mv   a0, a3
    addi sp, sp, -4
    sw   ra, 0(sp)
    jal  ra, add_seven
    lw   ra, 0(sp)
    addi sp, sp, 4
    ret
    .size known_loop, . - known_loop

    .type add_seven, %function
add_seven:
    addi a0, a0, 7
    ret
    .size add_seven, . - add_seven

    /* semihosting_exit(status in a2): SYS_EXIT_EXTENDED with the block
     * {ADP_Stopped_ApplicationExit, status} built on the stack. The
     * three-instruction semihosting sequence must not be compressed. */
    .type semihosting_exit, %function
semihosting_exit:
    addi sp, sp, -8
    li   a1, 0x20026
    sw   a1, 0(sp)
    sw   a2, 4(sp)
    mv   a1, sp
    li   a0, 0x20
    .balign 16
    .option push
    .option norvc
    slli zero, zero, 0x1f
    ebreak
    srai zero, zero, 7
    .option pop
3:  j    3b

    .section .rodata
    .balign 4
table:                           /* 1, 2, ..., KNOWN_LOOP_N */
    .set i, 1
    .rept KNOWN_LOOP_N
    .word i
    .set i, i + 1
    .endr

    .bss
    .balign 4
out:
    .space 4 * KNOWN_LOOP_N
