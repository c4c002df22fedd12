/*
 * port_qemu.c - HAR port hooks of the emulated boards (qemu_m0, qemu_m3,
 * qemu_rv32e) and the fallback for boards without a port of their own.
 *
 * Samples come over the console UART; between bytes the core sleeps in WFI
 * with the UART's receive interrupt as the wake-up. Interrupts stay masked
 * (PRIMASK on Cortex-M, mstatus.MIE on RISC-V): WFI still wakes on a pending
 * enabled interrupt, and the code clears it itself, so no handler runs.
 */
#include "har_port.h"

#if !defined(EMML_BOARD_PY32F003) && !defined(EMML_BOARD_PY32F002A) && !defined(EMML_BOARD_CH32V003) && \
    !defined(EMML_BOARD_RP2040)

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define REG8(addr) (*(volatile uint8_t *)(uintptr_t)(addr))

#if defined(EMML_BOARD_QEMU_M0) || defined(EMML_BOARD_QEMU_M3)
/* Armv6-M / Armv7-M NVIC (ARM DDI 0419 B3.4): set/clear enable, clear pending. */
#define NVIC_ISER REG32(0xE000E100u)
#define NVIC_ICER REG32(0xE000E180u)
#define NVIC_ICPR REG32(0xE000E280u)

#if defined(EMML_BOARD_QEMU_M0)
/* nRF51 UART0 (nRF51 Series Reference Manual v3.0, section 29), IRQ 2. */
#define UART_IRQ 2u
#define UART0_EVENTS_RXDRDY REG32(0x40002108u)
#define UART0_INTENSET REG32(0x40002304u)
#define UART0_INTENCLR REG32(0x40002308u)
#define UART_INT_RXDRDY (1u << 2)
static int rx_ready(void) { return UART0_EVENTS_RXDRDY != 0u; }
static void rx_irq(int on)
{
    if (on) {
        UART0_INTENSET = UART_INT_RXDRDY;
    } else {
        UART0_INTENCLR = UART_INT_RXDRDY;
    }
}
#else
/* CMSDK APB UART0 of MPS2 AN385 (ARM DDI 0479 4.3): RX interrupt is IRQ 0. */
#define UART_IRQ 0u
#define UART0_STATE REG32(0x40004004u)
#define UART0_CTRL REG32(0x40004008u)
#define UART0_INTCLEAR REG32(0x4000400Cu)
#define UART_STATE_RX_FULL (1u << 1)
#define UART_CTRL_RX_INT (1u << 3)
#define UART_INT_RX (1u << 1)
static int rx_ready(void) { return (UART0_STATE & UART_STATE_RX_FULL) != 0u; }
static void rx_irq(int on)
{
    if (on) {
        UART0_CTRL |= UART_CTRL_RX_INT;
    } else {
        UART0_CTRL &= ~UART_CTRL_RX_INT;
        UART0_INTCLEAR = UART_INT_RX;
    }
}
#endif

void har_port_wait_rx(void)
{
    __asm__ volatile ("cpsid i" ::: "memory");
    while (!rx_ready()) {
        rx_irq(1);
        NVIC_ISER = 1u << UART_IRQ;
        __asm__ volatile ("wfi" ::: "memory");
        rx_irq(0);
        NVIC_ICER = 1u << UART_IRQ;
        NVIC_ICPR = 1u << UART_IRQ;
        /* let a pending SysTick wrap (the cycle counter's top bits) run */
        __asm__ volatile ("cpsie i\n\tcpsid i" ::: "memory");
    }
    __asm__ volatile ("cpsie i" ::: "memory");
}

#elif defined(EMML_BOARD_QEMU_RV32E)
/* QEMU virt: ns16550 UART at 0x10000000 (IER bit 0: received-data
 * interrupt) wired to PLIC source 10; hart 0 machine mode is PLIC context 0
 * (QEMU hw/riscv/virt.c). WFI resumes when mip & mie is non-zero whatever
 * mstatus.MIE says (RISC-V privileged spec 3.3.3), so MIE stays 0. */
#define UART_LSR REG8(0x10000005u)
#define UART_IER REG8(0x10000001u)
#define UART_LSR_DR 0x01u
#define UART_IER_RX 0x01u
#define UART_PLIC_SOURCE 10u
#define PLIC_PRIORITY(src) REG32(0x0C000000u + 4u * (src))
#define PLIC_ENABLE_CTX0 REG32(0x0C002000u)
#define PLIC_THRESHOLD_CTX0 REG32(0x0C200000u)
#define PLIC_CLAIM_CTX0 REG32(0x0C200004u)
#define MIE_MEIE (1u << 11)

void har_port_wait_rx(void)
{
    static int ready;
    if (!ready) {
        PLIC_PRIORITY(UART_PLIC_SOURCE) = 1u;
        PLIC_THRESHOLD_CTX0 = 0u;
        PLIC_ENABLE_CTX0 |= 1u << UART_PLIC_SOURCE;
        __asm__ volatile ("csrs mie, %0" :: "r"(MIE_MEIE) : "memory");
        ready = 1;
    }
    while ((UART_LSR & UART_LSR_DR) == 0u) {
        uint32_t source;
        UART_IER = UART_IER_RX;
        __asm__ volatile ("wfi" ::: "memory");
        UART_IER = 0u;
        source = PLIC_CLAIM_CTX0;      /* claim and complete: drops mip.MEIP */
        if (source != 0u) {
            PLIC_CLAIM_CTX0 = source;
        }
    }
}

#else
/* A board without a port: board_read_byte() polls. */
void har_port_wait_rx(void)
{
}
#endif

void har_port_wake_every_us(uint32_t period_us)
{
    (void)period_us;
}

void har_port_sleep(void)
{
}

#endif /* not a real board with its own port */
