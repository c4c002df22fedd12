/*
 * cortex_m.h - helpers shared by the Cortex-M boards (boards/common/arm/).
 *
 * Register addresses and bits are those of the Armv6-M / Armv7-M
 * Architecture Reference Manuals (ARM DDI 0419, DDI 0403), which every
 * Cortex-M0/M0+/M3 implements identically for the parts used here.
 */
#ifndef EMML_CORTEX_M_H
#define EMML_CORTEX_M_H

#include <stdint.h>

#include "board.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Memory-mapped register access. */
#define CORTEX_M_REG(address) (*(volatile uint32_t *)(uintptr_t)(address))

/* SysTick as a 32-bit cycle counter (systick.c). The 24-bit down-counter
 * runs from the processor clock (CSR.CLKSOURCE = 1) with reload 0xFFFFFF;
 * its wrap interrupt counts the upper 8 bits. Needs interrupts enabled
 * (PRIMASK clear, as after reset) to count past 2^24 cycles. */
void cortex_m_cycles_start(void);
uint32_t cortex_m_cycles(void);
/* Wrap (and interrupt) every 2^bits cycles instead, bits 8..24, so that a
 * core sleeping in WFI wakes at least that often; restarts the counter. */
void cortex_m_tick_bits(uint32_t bits);

/* Semihosting (semihosting.c). Works only under a debugger or an emulator
 * with semihosting enabled: on a bare chip `bkpt` escalates to HardFault. */
BOARD_NORETURN void semihosting_exit(int status);

/* Sleep until the next interrupt. */
static inline void cortex_m_wait_for_interrupt(void)
{
    __asm__ volatile ("wfi" ::: "memory");
}

/* Called by the default exception entry (vectors.S) with the stacked
 * exception frame (r0-r3, r12, lr, pc, xpsr) and the EXC_RETURN value:
 * prints what happened and calls board_exit(BOARD_EXIT_FAULT). */
BOARD_NORETURN void cortex_m_fault_report(const uint32_t *frame, uint32_t exc_return);

#ifdef __cplusplus
}
#endif

#endif /* EMML_CORTEX_M_H */
