/*
 * fault.c - report a fault or an unexpected interrupt and exit.
 *
 * Reached from cortex_m_default_handler (vectors.S) for every exception
 * nobody handles: HardFault (and on the M3 MemManage/BusFault/UsageFault),
 * NMI, SVC, PendSV and any enabled interrupt without a handler. Prints
 *   fault: exception <n> pc=0x... lr=0x... xpsr=0x...
 * where n is the exception number from IPSR (3 HardFault, 4 MemManage,
 * 5 BusFault, 6 UsageFault, 16+k external interrupt k) and pc is where it
 * happened, then board_exit(BOARD_EXIT_FAULT). If the stacked frame lies
 * outside the stack region it prints
 *   fault: exception <n> stack overflow sp=0x...
 * instead.
 */
#include "arm/cortex_m.h"
#include "console.h"

/* Exception frame word order: Armv6-M ARM B1.5.6. */
#define FRAME_LR 5
#define FRAME_PC 6
#define FRAME_XPSR 7
#define FRAME_WORDS 8

extern uint32_t __stack_start[];
extern uint32_t __stack_end[];

static volatile uint32_t fault_depth;

void cortex_m_fault_report(const uint32_t *frame, uint32_t exc_return)
{
    uint32_t ipsr;
    __asm__ volatile ("mrs %0, ipsr" : "=r"(ipsr));
    (void)exc_return;

    /* A second fault while reporting (say, board_exit's semihosting call on
     * a chip without a debugger) must not recurse: just stop. */
    fault_depth++;
    if (fault_depth > 1u) {
        for (;;) {
            cortex_m_wait_for_interrupt();
        }
    }

    console_newline();
    console_puts("fault: exception ");
    console_put_uint(ipsr & 0x1FFu);
    if ((uintptr_t)frame < (uintptr_t)__stack_start
        || (uintptr_t)(frame + FRAME_WORDS) > (uintptr_t)__stack_end) {
        /* The frame is not in the stack region: the stack overflowed (or
         * SP was corrupted), and reading the frame could fault again. */
        console_puts(" stack overflow sp=0x");
        console_put_hex((uint32_t)(uintptr_t)frame, 8u);
        console_newline();
        board_exit(BOARD_EXIT_FAULT);
    }
    console_puts(" pc=0x");
    console_put_hex(frame[FRAME_PC], 8u);
    console_puts(" lr=0x");
    console_put_hex(frame[FRAME_LR], 8u);
    console_puts(" xpsr=0x");
    console_put_hex(frame[FRAME_XPSR], 8u);
    console_newline();
    board_exit(BOARD_EXIT_FAULT);
}
