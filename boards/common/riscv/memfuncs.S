/*
 * memfuncs.S - memcpy, memmove, memset, memcmp and strlen for the RISC-V
 * boards.
 *
 * The RISC-V boards link with -nostdlib: Debian's riscv64-unknown-elf-gcc
 * ships libgcc for rv32e/ilp32e but no C library for it. GCC still emits
 * calls to memcpy/memset/memmove/memcmp for struct copies and array
 * initialisers, so these are provided here. They are written in assembly
 * so the compiler cannot turn their loops back into calls to themselves.
 * Only RV32E registers (x0-x15) are used. Each function has its own
 * section so --gc-sections drops the unused ones.
 */

/* void *memcpy(void *dst, const void *src, size_t n)
 * Word copy when dst and src are both 4-byte aligned, byte copy otherwise
 * and for the tail. Copying forwards also makes it a valid memmove when
 * dst < src. */
    .section .text.memcpy, "ax", %progbits
    .globl memcpy
    .type memcpy, %function
memcpy:
    mv      t0, a0
    or      t1, a0, a1
    andi    t1, t1, 3
    bnez    t1, 2f
    li      t2, 4
1:  bltu    a2, t2, 2f
    lw      t1, 0(a1)
    sw      t1, 0(t0)
    addi    a1, a1, 4
    addi    t0, t0, 4
    addi    a2, a2, -4
    j       1b
2:  beqz    a2, 3f
    lbu     t1, 0(a1)
    sb      t1, 0(t0)
    addi    a1, a1, 1
    addi    t0, t0, 1
    addi    a2, a2, -1
    j       2b
3:  ret
    .size memcpy, . - memcpy

/* void *memmove(void *dst, const void *src, size_t n)
 * Forwards (memcpy) unless dst lies inside [src, src + n); then a
 * backwards byte copy. */
    .section .text.memmove, "ax", %progbits
    .globl memmove
    .type memmove, %function
memmove:
    bltu    a1, a0, 1f
    j       memcpy
1:  add     t1, a1, a2          /* t1 = src end */
    bltu    a0, t1, 2f
    j       memcpy
2:  add     t0, a0, a2          /* t0 = dst end */
3:  beqz    a2, 4f
    addi    t1, t1, -1
    addi    t0, t0, -1
    lbu     t2, 0(t1)
    sb      t2, 0(t0)
    addi    a2, a2, -1
    j       3b
4:  ret
    .size memmove, . - memmove

/* void *memset(void *dst, int c, size_t n)
 * Aligns dst, stores whole words of the replicated byte, then the tail. */
    .section .text.memset, "ax", %progbits
    .globl memset
    .type memset, %function
memset:
    mv      t0, a0
    andi    a1, a1, 0xff
    li      t1, 8
    bltu    a2, t1, 3f          /* short: bytes only */
1:  andi    t2, t0, 3
    beqz    t2, 2f
    sb      a1, 0(t0)
    addi    t0, t0, 1
    addi    a2, a2, -1
    j       1b
2:  slli    t1, a1, 8
    or      a1, a1, t1
    slli    t1, a1, 16
    or      a1, a1, t1          /* a1 = c in all four bytes */
    li      t2, 4
21: bltu    a2, t2, 3f
    sw      a1, 0(t0)
    addi    t0, t0, 4
    addi    a2, a2, -4
    j       21b
3:  beqz    a2, 4f
    sb      a1, 0(t0)
    addi    t0, t0, 1
    addi    a2, a2, -1
    j       3b
4:  ret
    .size memset, . - memset

/* int memcmp(const void *a, const void *b, size_t n) */
    .section .text.memcmp, "ax", %progbits
    .globl memcmp
    .type memcmp, %function
memcmp:
1:  beqz    a2, 2f
    lbu     t0, 0(a0)
    lbu     t1, 0(a1)
    bne     t0, t1, 3f
    addi    a0, a0, 1
    addi    a1, a1, 1
    addi    a2, a2, -1
    j       1b
2:  li      a0, 0
    ret
3:  sub     a0, t0, t1
    ret
    .size memcmp, . - memcmp

/* size_t strlen(const char *s) */
    .section .text.strlen, "ax", %progbits
    .globl strlen
    .type strlen, %function
strlen:
    mv      t0, a0
1:  lbu     t1, 0(t0)
    beqz    t1, 2f
    addi    t0, t0, 1
    j       1b
2:  sub     a0, t0, a0
    ret
    .size strlen, . - strlen
