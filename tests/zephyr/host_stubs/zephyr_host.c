/* Host stand-in (not Zephyr) implementations; see README.md. The console
 * UART reads stdin (unbuffered, so it also works interactively) and writes
 * stdout. Exit status 3: input ended while the app was still reading; 4:
 * the app waited for input with reception off (a lost wake-up in the glue). */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zephyr/device.h>
#include <zephyr/drivers/uart.h>
#include <zephyr/kernel.h>
#include <zephyr/sys/atomic.h>
#include <zephyr/sys/printk.h>

const struct device host_device_zephyr_console = {"host-console"};
static struct k_thread main_thread = {{2048u}};
static uart_irq_callback_user_data_t rx_callback;
static void *rx_user_data;
static int rx_enabled;
static uint32_t cycles;

bool device_is_ready(const struct device *dev) { return dev != NULL; }
int32_t k_msleep(int32_t ms) { (void)ms; return 0; }
int32_t k_sleep(k_timeout_t timeout) { (void)timeout; exit(0); }
uint32_t k_cycle_get_32(void) { return cycles += 1000u; }
int sys_clock_hw_cycles_per_sec(void) { return 1000000; }
k_tid_t k_current_get(void) { return &main_thread; }
int k_thread_stack_space_get(const struct k_thread *thread, size_t *unused_ptr)
{
    *unused_ptr = thread->stack_info.size;
    return 0;
}

void printk(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
}

atomic_val_t atomic_set(atomic_t *target, atomic_val_t value)
{
    atomic_val_t old = *target;
    *target = value;
    return old;
}

bool atomic_cas(atomic_t *target, atomic_val_t old_value, atomic_val_t new_value)
{
    if (*target != old_value) {
        return false;
    }
    *target = new_value;
    return true;
}

/* ---- console UART on stdin/stdout --------------------------------------- */
static int lookahead = -1; /* a byte read from stdin, not yet taken */
static int input_ended;

/* 1 if a byte is there (wait for one if `wait`), 0 if none (or input ended). */
static int input_available(int wait)
{
    struct pollfd in = {0, POLLIN, 0};
    unsigned char c;
    if (lookahead >= 0) {
        return 1;
    }
    if (input_ended || poll(&in, 1, wait ? -1 : 0) <= 0) {
        return 0;
    }
    if (read(0, &c, 1) != 1) {
        input_ended = 1;
        return 0;
    }
    lookahead = c;
    return 1;
}

static unsigned char take_byte(void)
{
    unsigned char c = (unsigned char)lookahead;
    lookahead = -1;
    return c;
}

/* Like the hardware: -1 when no byte has arrived yet (the glue then sleeps and tries again). */
int uart_poll_in(const struct device *dev, unsigned char *p_char)
{
    (void)dev;
    if (!input_available(0)) {
        if (!input_available(1)) {
            exit(3);
        }
        return -1;
    }
    *p_char = take_byte();
    return 0;
}

void uart_poll_out(const struct device *dev, unsigned char out_char)
{
    (void)dev;
    putchar(out_char);
    if (out_char == '\n') {
        fflush(stdout); /* a line at a time, like a UART, also on a pipe */
    }
}

int uart_irq_callback_user_data_set(const struct device *dev, uart_irq_callback_user_data_t cb, void *user_data)
{
    (void)dev;
    rx_callback = cb;
    rx_user_data = user_data;
    return 0;
}

void uart_irq_rx_enable(const struct device *dev) { (void)dev; rx_enabled = 1; }
void uart_irq_rx_disable(const struct device *dev) { (void)dev; rx_enabled = 0; }
int uart_irq_update(const struct device *dev) { (void)dev; return 1; }
int uart_irq_rx_ready(const struct device *dev) { (void)dev; return input_available(0); }

int uart_fifo_read(const struct device *dev, uint8_t *rx_data, const int size)
{
    int n = 0;
    (void)dev;
    while (n < size && input_available(0)) {
        rx_data[n++] = take_byte();
    }
    return n;
}

/* The receive interrupt, as the hardware would raise it: whenever
 * reception is on and a byte waits. */
static void raise_rx_interrupt(void)
{
    if (rx_enabled && rx_callback != NULL && input_available(0)) {
        rx_callback(&host_device_zephyr_console, rx_user_data);
    }
}

/* ---- message queue --------------------------------------------------------- */
int k_msgq_put(struct k_msgq *msgq, const void *data, k_timeout_t timeout)
{
    (void)timeout;
    if (msgq->used_msgs == msgq->max_msgs) {
        return -1;
    }
    memcpy(msgq->buffer + ((msgq->head + msgq->used_msgs) % msgq->max_msgs) * msgq->msg_size, data, msgq->msg_size);
    msgq->used_msgs++;
    return 0;
}

int k_msgq_get(struct k_msgq *msgq, void *data, k_timeout_t timeout)
{
    (void)timeout;
    while (msgq->used_msgs == 0u) {
        if (!rx_enabled) {
            fprintf(stderr, "host stub: waiting for input with UART reception off\n");
            exit(4);
        }
        if (!input_available(1)) {
            exit(3);
        }
        raise_rx_interrupt();
    }
    memcpy(data, msgq->buffer + msgq->head * msgq->msg_size, msgq->msg_size);
    msgq->head = (msgq->head + 1u) % msgq->max_msgs;
    msgq->used_msgs--;
    raise_rx_interrupt();  /* a pending interrupt runs as soon as it can */
    return 0;
}

uint32_t k_msgq_num_free_get(struct k_msgq *msgq)
{
    return msgq->max_msgs - msgq->used_msgs;
}
