/*
 * semihost.S - RISC-V semihosting call (RISC-V semihosting spec v0.2,
 * which reuses the Arm semihosting operations).
 *
 *   int32_t riscv_semihost(uint32_t op, const void *arg);
 *
 * op goes in a0, the parameter (block pointer) in a1, the result comes
 * back in a0. The debugger (or QEMU with -semihosting-config enable=on)
 * recognises the three-instruction sequence
 *     slli x0, x0, 0x1f ; ebreak ; srai x0, x0, 7
 * only when all three are 32-bit instructions that sit in the same page,
 * so compressed encodings are switched off here and the sequence is
 * 16-byte aligned (it can never straddle a page boundary).
 *
 * On a chip without a debugger attached, ebreak raises a breakpoint
 * exception: only call this on boards that run under QEMU or a debugger.
 */
    .section .text.riscv_semihost, "ax", %progbits
    .globl riscv_semihost
    .type riscv_semihost, %function
    .balign 16
riscv_semihost:
    .option push
    .option norvc
    slli    x0, x0, 0x1f
    ebreak
    srai    x0, x0, 7
    .option pop
    ret
    .size riscv_semihost, . - riscv_semihost
