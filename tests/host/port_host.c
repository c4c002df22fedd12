/*
 * The emml port for host test programs: log to stdout, count time with the
 * C library clock. Linked into every tests/host/test_*.c program.
 */
#include <stdio.h>
#include <time.h>

#include "emml/port.h"

void emml_port_log(const char *message)
{
    printf("emml: %s\n", message);
}

uint32_t emml_port_cycles(void)
{
    return (uint32_t)clock();
}

uint32_t emml_port_cycles_hz(void)
{
    return (uint32_t)CLOCKS_PER_SEC;
}
