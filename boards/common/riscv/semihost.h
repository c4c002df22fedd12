/*
 * semihost.h - semihosting calls used by the emulated RISC-V boards.
 */
#ifndef EMML_RISCV_SEMIHOST_H
#define EMML_RISCV_SEMIHOST_H

#include <stdint.h>

/* Operation numbers (Arm semihosting, shared by RISC-V). */
#define SEMIHOST_SYS_WRITEC        0x03u
#define SEMIHOST_SYS_WRITE0        0x04u
#define SEMIHOST_SYS_EXIT          0x18u
#define SEMIHOST_SYS_EXIT_EXTENDED 0x20u

/* Reason code for SYS_EXIT / SYS_EXIT_EXTENDED: normal application exit. */
#define SEMIHOST_ADP_STOPPED_APPLICATION_EXIT 0x20026u

/* Raw call: op in a0, parameter in a1, result in a0 (semihost.S). */
int32_t riscv_semihost(uint32_t op, const void *arg);

/* Leave the emulator with `status` as its exit code (SYS_EXIT_EXTENDED).
 * Returns only if no semihosting host is listening. */
void riscv_semihost_exit(int status);

#endif /* EMML_RISCV_SEMIHOST_H */
