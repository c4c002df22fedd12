/*
 * Known-loop asset for the profiler tests (ARMv6-M Thumb, runs on any
 * Cortex-M). known_loop(n, x, out) with n >= 1:
 *     acc = 0; for i in 0..n-1: acc += x[i]*x[i]; out[i] = acc
 *     return acc + 7            (the +7 happens in a called helper)
 *
 * Executed instructions: 8*n + 7
 * Cortex-M0+ cycle estimate (emml.profile table): 11*n + 14
 *   push {r4,lr} 3 + movs 1
 *   per iteration: ldr 2, muls 1, adds 1, str 2, adds 1, adds 1, subs 1 = 9,
 *                  bne taken 2 (n-1 times) / not taken 1 (once)
 *   movs 1, bl 3, adds 1, bx 2, pop {r4,pc} 3+1
 *
 * The same file is a bootable image for qemu-system-arm -M mps2-an385:
 * reset_handler calls known_loop(KNOWN_LOOP_N, table, out), checks the
 * result and exits through semihosting (status 0 when it matches).
 */
    .syntax unified
    .cpu cortex-m0plus
    .thumb

#ifndef KNOWN_LOOP_N
#define KNOWN_LOOP_N 10
#endif

    .section .vectors, "a"
    .word _stack_top
    .word reset_handler
    .rept 14
    .word fault_handler
    .endr

    .text
    .global known_loop
    .type known_loop, %function
    .thumb_func
known_loop:
    push {r4, lr}
    movs r3, #0
1:  ldr  r4, [r1]
    muls r4, r4, r4
    adds r3, r3, r4
    str  r3, [r2]
    adds r1, #4
    adds r2, #4
    subs r0, #1
    bne  1b
    movs r0, r3
    bl   add_seven
    pop  {r4, pc}
    .size known_loop, . - known_loop

    .type add_seven, %function
    .thumb_func
add_seven:
    adds r0, #7
    bx   lr
    .size add_seven, . - add_seven

    .global reset_handler
    .type reset_handler, %function
    .thumb_func
reset_handler:
    ldr  r0, =KNOWN_LOOP_N
    ldr  r1, =table
    ldr  r2, =out
    bl   known_loop
    .global known_loop_return
known_loop_return:
    /* expected: sum of i*i for i in 1..n, plus 7 */
    ldr  r1, =((KNOWN_LOOP_N * (KNOWN_LOOP_N + 1) * (2 * KNOWN_LOOP_N + 1)) / 6 + 7)
    movs r2, #1                 /* status 1: wrong result */
    cmp  r0, r1
    bne  2f
    movs r2, #0
2:  bl   semihosting_exit
    .size reset_handler, . - reset_handler

    /* semihosting_exit(status in r2): SYS_EXIT_EXTENDED with the block
     * {ADP_Stopped_ApplicationExit, status} built on the stack. */
    .type semihosting_exit, %function
    .thumb_func
semihosting_exit:
    ldr  r1, =0x20026
    push {r1, r2}
    mov  r1, sp
    movs r0, #0x20
    bkpt 0xAB
3:  b    3b

    .type fault_handler, %function
    .thumb_func
fault_handler:
    movs r2, #3
    bl   semihosting_exit

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
