/* emml port hooks (emml/port.h) for Zephyr: printk and the kernel's
 * hardware cycle counter. */
#include <zephyr/kernel.h>
#include <zephyr/sys/printk.h>

#include "emml/port.h"

void emml_port_log(const char *message)
{
    printk("emml: %s\n", message);
}

uint32_t emml_port_cycles(void)
{
    return k_cycle_get_32();
}

uint32_t emml_port_cycles_hz(void)
{
    return (uint32_t)sys_clock_hw_cycles_per_sec();
}
