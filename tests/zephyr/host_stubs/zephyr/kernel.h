/* Host stand-in (not Zephyr): the kernel calls emml's glue makes, with
 * Zephyr's documented signatures. */
#ifndef HOST_STUB_ZEPHYR_KERNEL_H
#define HOST_STUB_ZEPHYR_KERNEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARG_UNUSED(x) (void)(x)

typedef struct {
    int64_t ticks;
} k_timeout_t;
#define K_FOREVER ((k_timeout_t){-1})
#define K_NO_WAIT ((k_timeout_t){0})
#define K_MSEC(ms) ((k_timeout_t){(ms)})
#define K_USEC(us) ((k_timeout_t){(us)})
#define BUILD_ASSERT(cond, msg) _Static_assert(cond, msg)
#define K_PRIO_COOP(x) (-(CONFIG_NUM_COOP_PRIORITIES - (x)))

int32_t k_msleep(int32_t ms);
int32_t k_sleep(k_timeout_t timeout);
uint32_t k_cycle_get_32(void);
int sys_clock_hw_cycles_per_sec(void);

struct k_thread {
    struct {
        size_t size;
    } stack_info;
};
typedef struct k_thread *k_tid_t;
k_tid_t k_current_get(void);
int k_thread_stack_space_get(const struct k_thread *thread, size_t *unused_ptr);

struct k_msgq {
    size_t msg_size;
    uint32_t max_msgs;
    char *buffer;
    uint32_t head;
    uint32_t used_msgs;
};
#define K_MSGQ_DEFINE(q_name, q_msg_size, q_max_msgs, q_align) \
    static char q_name##_buffer[(q_msg_size) * (q_max_msgs)]; \
    struct k_msgq q_name = {(q_msg_size), (q_max_msgs), q_name##_buffer, 0, 0}
int k_msgq_put(struct k_msgq *msgq, const void *data, k_timeout_t timeout);
int k_msgq_get(struct k_msgq *msgq, void *data, k_timeout_t timeout);
uint32_t k_msgq_num_free_get(struct k_msgq *msgq);

/* Declared only (the compile-only checks of the sensor and ADC sources). */
struct k_timer {
    int unused;
};
#define K_TIMER_DEFINE(name, expiry_fn, stop_fn) struct k_timer name
void k_timer_start(struct k_timer *timer, k_timeout_t duration, k_timeout_t period);
uint32_t k_timer_status_sync(struct k_timer *timer);
struct k_sem {
    unsigned int count, limit;
};
#define K_SEM_DEFINE(name, initial_count, count_limit) struct k_sem name = {(initial_count), (count_limit)}
int k_sem_take(struct k_sem *sem, k_timeout_t timeout);
void k_sem_give(struct k_sem *sem);
typedef char k_thread_stack_t;
#define K_THREAD_STACK_DEFINE(sym, size) k_thread_stack_t sym[size]
#define K_THREAD_STACK_SIZEOF(sym) sizeof(sym)
typedef void (*k_thread_entry_t)(void *p1, void *p2, void *p3);
k_tid_t k_thread_create(struct k_thread *new_thread, k_thread_stack_t *stack, size_t stack_size,
                        k_thread_entry_t entry, void *p1, void *p2, void *p3, int prio, uint32_t options,
                        k_timeout_t delay);
#endif
