/*
 * systick.c - SysTick extended to a 32-bit cycle counter.
 *
 * SysTick registers (Armv6-M ARM, B3.3 "The System timer, SysTick"; same
 * in Armv7-M B3.3):
 *   SYST_CSR 0xE000E010  bit0 ENABLE, bit1 TICKINT, bit2 CLKSOURCE
 *                        (1 = processor clock), bit16 COUNTFLAG
 *   SYST_RVR 0xE000E014  reload value, 24 bits
 *   SYST_CVR 0xE000E018  current value; any write clears it to 0
 * The counter counts down from 2^bits - 1 to 0 and reloads; the interrupt on
 * each wrap adds 2^bits to the upper part (bits = 24 unless an app that
 * sleeps until the wrap asks for shorter wake-ups, cortex_m_tick_bits). The Cortex-M0/M0+ has no DWT cycle
 * counter, so this is the cycle counter on every Cortex-M board here.
 */
#include "arm/cortex_m.h"

#define SYST_CSR CORTEX_M_REG(0xE000E010u)
#define SYST_RVR CORTEX_M_REG(0xE000E014u)
#define SYST_CVR CORTEX_M_REG(0xE000E018u)

#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)

#define SYSTICK_MAX_BITS 24u

static volatile uint32_t systick_wraps;
static uint32_t systick_bits = SYSTICK_MAX_BITS;  /* the counter wraps every 2^bits cycles */

void SysTick_Handler(void);

void SysTick_Handler(void)
{
    systick_wraps++;
}

void cortex_m_cycles_start(void)
{
    cortex_m_tick_bits(SYSTICK_MAX_BITS);
}

void cortex_m_tick_bits(uint32_t bits)
{
    if (bits > SYSTICK_MAX_BITS) {
        bits = SYSTICK_MAX_BITS;
    }
    if (bits < 8u) {
        bits = 8u;
    }
    SYST_CSR = 0u;
    systick_bits = bits;
    SYST_RVR = (1u << bits) - 1u;
    SYST_CVR = 0u;
    systick_wraps = 0u;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
}

uint32_t cortex_m_cycles(void)
{
    uint32_t wraps;
    uint32_t current;
    /* Re-read if the wrap interrupt ran between the two reads, so the low
     * 24 bits and the wrap count belong together. */
    do {
        wraps = systick_wraps;
        current = SYST_CVR;
    } while (wraps != systick_wraps);
    return (wraps << systick_bits) + (((1u << systick_bits) - 1u) - current);
}
