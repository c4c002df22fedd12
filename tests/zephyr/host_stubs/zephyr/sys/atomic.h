/* Host stand-in (not Zephyr): atomic_t and the two calls the glue uses
 * (single-threaded on the host, so plain reads and writes). */
#ifndef HOST_STUB_ZEPHYR_ATOMIC_H
#define HOST_STUB_ZEPHYR_ATOMIC_H
#include <stdbool.h>
typedef long atomic_t;
typedef atomic_t atomic_val_t;
atomic_val_t atomic_set(atomic_t *target, atomic_val_t value);
bool atomic_cas(atomic_t *target, atomic_val_t old_value, atomic_val_t new_value);
/* Declared only (the compile-only check of the ADC source). */
atomic_val_t atomic_get(const atomic_t *target);
atomic_val_t atomic_inc(atomic_t *target);
bool atomic_test_bit(const atomic_t *target, int bit);
void atomic_set_bit(atomic_t *target, int bit);
void atomic_clear_bit(atomic_t *target, int bit);
#endif
