/*
 * board_zephyr.c - boards/common/board.h on Zephyr, so emml's apps
 * (apps/har, apps/audio_kws) build as Zephyr applications from the same
 * sources as their bare-metal builds: the console UART through Zephyr's
 * UART API, the kernel's cycle counter, the main thread's stack.
 *
 * Host input (board_read_byte) is interrupt driven where the UART driver
 * supports it (CONFIG_UART_INTERRUPT_DRIVEN): the interrupt moves received
 * bytes into a queue and the reading thread sleeps on it (the idle thread
 * waits for interrupts meanwhile). When the queue is full the interrupt
 * turns reception off and leaves the bytes in the UART, which holds the
 * sender off (QEMU stops reading its stdin), so a host streaming faster
 * than the app computes loses nothing; the reader turns reception back on
 * after taking a byte. Without interrupt support it polls, sleeping a
 * millisecond between tries.
 */
#include <zephyr/device.h>
#include <zephyr/devicetree.h>
#include <zephyr/drivers/uart.h>
#include <zephyr/kernel.h>
#include <zephyr/sys/atomic.h>
#include <zephyr/sys/printk.h>

#include "board.h"

#if !DT_HAS_CHOSEN(zephyr_console)
#error "emml's apps talk over the zephyr,console UART: choose one in the devicetree (chosen { zephyr,console = &uart0; })"
#endif

static const struct device *const console_uart = DEVICE_DT_GET(DT_CHOSEN(zephyr_console));
static bool console_ready;

const char board_name[] = CONFIG_BOARD;

#ifdef CONFIG_UART_INTERRUPT_DRIVEN
#define RX_QUEUE_BYTES 64
K_MSGQ_DEFINE(rx_queue, 1, RX_QUEUE_BYTES, 1);
static atomic_t rx_paused;
static bool rx_interrupts;

static void console_uart_isr(const struct device *dev, void *user_data)
{
    uint8_t byte;

    ARG_UNUSED(user_data);
    if (!uart_irq_update(dev) || !uart_irq_rx_ready(dev)) {
        return;
    }
    while (k_msgq_num_free_get(&rx_queue) > 0u) {
        if (uart_fifo_read(dev, &byte, 1) != 1) {
            return;
        }
        (void)k_msgq_put(&rx_queue, &byte, K_NO_WAIT);
    }
    /* Full: the rest waits in the UART until the reader has taken a byte. */
    atomic_set(&rx_paused, 1);
    uart_irq_rx_disable(dev);
}
#endif

void board_init(void)
{
    console_ready = device_is_ready(console_uart);
    if (!console_ready) {
        printk("emml: console UART %s is not ready\n", console_uart->name);
        return;
    }
#ifdef CONFIG_UART_INTERRUPT_DRIVEN
    rx_interrupts = uart_irq_callback_user_data_set(console_uart, console_uart_isr, NULL) == 0;
    if (rx_interrupts) {
        uart_irq_rx_enable(console_uart);
    }
#endif
}

void board_write(const char *data, size_t length)
{
    size_t i;

    if (!console_ready) {
        return;
    }
    for (i = 0; i < length; i++) {
        uart_poll_out(console_uart, (unsigned char)data[i]);
    }
}

int board_read_byte(void)
{
    unsigned char byte;

    if (!console_ready) {
        return -1;
    }
#ifdef CONFIG_UART_INTERRUPT_DRIVEN
    if (rx_interrupts) {
        uint8_t queued;
        (void)k_msgq_get(&rx_queue, &queued, K_FOREVER);
        if (atomic_cas(&rx_paused, 1, 0)) {
            uart_irq_rx_enable(console_uart);
        }
        return queued;
    }
#endif
    while (uart_poll_in(console_uart, &byte) != 0) {
        k_msleep(1);
    }
    return byte;
}

uint32_t board_cycles(void)
{
    return k_cycle_get_32();
}

uint32_t board_cycles_hz(void)
{
    return (uint32_t)sys_clock_hw_cycles_per_sec();
}

/* Zephyr has no portable way to leave QEMU or stop a board: report the
 * status and sleep; a test reads the report and ends the emulator. */
void board_exit(int status)
{
    printk("emml: exit status=%d\n", status);
    for (;;) {
        k_sleep(K_FOREVER);
    }
}

/* The calling thread's stack (main's, for the apps): its size, and the
 * high-water mark the kernel measures when CONFIG_INIT_STACKS paints it. */
size_t board_stack_size(void)
{
#ifdef CONFIG_THREAD_STACK_INFO
    return k_current_get()->stack_info.size;
#else
    return 0;
#endif
}

size_t board_stack_used(void)
{
#if defined(CONFIG_THREAD_STACK_INFO) && defined(CONFIG_INIT_STACKS)
    size_t unused = 0;
    if (k_thread_stack_space_get(k_current_get(), &unused) == 0) {
        return board_stack_size() - unused;
    }
#endif
    return 0;
}
