/*
 * emml_port.c - the emml port hooks (lib/emml/include/emml/port.h) for every
 * board in boards/, built on board.h. Unused hooks are dropped by
 * --gc-sections, so a build with EMML_LOG_ENABLE 0 pays nothing for them.
 */
#include "emml/port.h"

#include "board.h"
#include "console.h"

void emml_port_log(const char *message)
{
    console_puts(message);
    console_newline();
}

uint32_t emml_port_cycles(void)
{
    return board_cycles();
}

uint32_t emml_port_cycles_hz(void)
{
    return board_cycles_hz();
}
