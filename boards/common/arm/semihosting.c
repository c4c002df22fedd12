/*
 * semihosting.c - the one Arm semihosting call the boards need: exit with a
 * status, so QEMU (-semihosting-config enable=on,target=native) ends with
 * the program's exit code.
 *
 * Semihosting for Armv6-M/Armv7-M ("Semihosting for AArch32 and AArch64",
 * Arm, version 2.0): operation number in r0, parameter in r1, `bkpt 0xAB`,
 * result in r0. SYS_EXIT_EXTENDED (0x20) takes a pointer to two words:
 * the reason (ADP_Stopped_ApplicationExit = 0x20026) and the exit code.
 * Plain SYS_EXIT (0x18) on AArch32 passes only the reason, so it cannot
 * carry a status; it is the fallback for a host without the extension.
 */
#include "arm/cortex_m.h"

#define SYS_EXIT 0x18u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define ADP_STOPPED_RUNTIME_ERROR_UNKNOWN 0x20023u

static uint32_t semihosting_call(uint32_t operation, uintptr_t parameter)
{
    register uint32_t r0 __asm__("r0") = operation;
    register uintptr_t r1 __asm__("r1") = parameter;
    __asm__ volatile ("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void semihosting_exit(int status)
{
    uint32_t block[2];
    block[0] = ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)status;
    (void)semihosting_call(SYS_EXIT_EXTENDED, (uintptr_t)block);
    /* Still here: the host lacks SYS_EXIT_EXTENDED. Report success or
     * failure at least. */
    (void)semihosting_call(SYS_EXIT, status == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                                 : ADP_STOPPED_RUNTIME_ERROR_UNKNOWN);
    for (;;) {
        cortex_m_wait_for_interrupt();
    }
}
