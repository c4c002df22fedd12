/*
 * semihost.c - semihosting exit for the emulated RISC-V boards.
 */
#include "semihost.h"

void riscv_semihost_exit(int status)
{
    /* SYS_EXIT_EXTENDED takes a two-word block: reason, exit code. QEMU
     * turns ADP_Stopped_ApplicationExit + code into its own exit status. */
    uint32_t block[2];

    block[0] = SEMIHOST_ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)status;
    (void)riscv_semihost(SEMIHOST_SYS_EXIT_EXTENDED, block);
}
