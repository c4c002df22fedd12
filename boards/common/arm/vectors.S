/*
 * vectors.S - the Cortex-M vector table and the default exception entry,
 * shared by every Cortex-M board.
 *
 * Vector table layout: Armv6-M ARM B1.5.2 / Armv7-M ARM B1.5.2 and B1.5.3
 * ("The vector table"): word 0 is the initial main stack pointer, word n
 * the address (with bit 0 set for Thumb) of the handler for exception n.
 * Exceptions 1-15 are the core's; 16 + k is external interrupt k. 32
 * external interrupts cover the nRF51822, the PY32F0 family and the
 * CMSDK peripherals of MPS2 AN385 that the boards here use.
 *
 * Every handler except Reset_Handler is a weak alias of
 * cortex_m_default_handler: a board or app overrides one by defining a
 * function of that name (SysTick_Handler lives in systick.c; external
 * interrupt k is IRQ<k>_Handler). Armv6-M reserves entries 4-6 and 12;
 * filling them is harmless there.
 */
    .syntax unified
    .thumb

    .section .isr_vector, "a", %progbits
    .align 2
    .global __isr_vector
    .type __isr_vector, %object
__isr_vector:
    .word __stack_end           /* 0: initial SP, top of the .stack region */
    .word Reset_Handler         /* 1 */
    .word NMI_Handler           /* 2 */
    .word HardFault_Handler     /* 3 */
    .word MemManage_Handler     /* 4  (Armv7-M) */
    .word BusFault_Handler      /* 5  (Armv7-M) */
    .word UsageFault_Handler    /* 6  (Armv7-M) */
    .word 0                     /* 7  reserved */
    .word 0                     /* 8  reserved */
    .word 0                     /* 9  reserved */
    .word 0                     /* 10 reserved */
    .word SVC_Handler           /* 11 */
    .word DebugMon_Handler      /* 12 (Armv7-M) */
    .word 0                     /* 13 reserved */
    .word PendSV_Handler        /* 14 */
    .word SysTick_Handler       /* 15 */
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .word IRQ\n\()_Handler      /* 16 + n */
    .endr
    .size __isr_vector, . - __isr_vector

    .irp name, NMI,HardFault,MemManage,BusFault,UsageFault,SVC,DebugMon,PendSV,SysTick
    .weak \name\()_Handler
    .thumb_set \name\()_Handler, cortex_m_default_handler
    .endr
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .weak IRQ\n\()_Handler
    .thumb_set IRQ\n\()_Handler, cortex_m_default_handler
    .endr

/*
 * Default handler. On exception entry the core stacks r0-r3, r12, lr, pc,
 * xpsr on the stack in use and sets lr to EXC_RETURN, whose bit 2 says
 * which stack that was (0 = MSP, 1 = PSP): Armv6-M ARM B1.5.6 "Exception
 * entry behavior". The frame address and EXC_RETURN go to
 * cortex_m_fault_report() (fault.c), which prints them and exits. SP is
 * reset to the top of the stack first, so the report still works after a
 * stack overflow (the handler never returns).
 * Armv6-M Thumb only, so it assembles for the M0, M0+ and M3 alike.
 */
    .section .text.cortex_m_default_handler, "ax", %progbits
    .global cortex_m_default_handler
    .type cortex_m_default_handler, %function
    .thumb_func
cortex_m_default_handler:
    mov r1, lr              /* r1 = EXC_RETURN (second argument) */
    movs r2, #4
    tst r1, r2              /* bit 2: frame on the process stack? */
    bne 1f
    mrs r0, msp
    b 2f
1:  mrs r0, psp
2:  ldr r2, =__stack_end   /* fresh stack for the report: the old one */
    mov sp, r2              /* may have overflowed (and is not needed) */
    ldr r2, =cortex_m_fault_report
    bx r2                   /* does not return */
    .size cortex_m_default_handler, . - cortex_m_default_handler
    .ltorg
