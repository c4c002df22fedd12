/*
 * py32f002a - Puya PY32F002Ax5: Cortex-M0+, 20 kB flash, 3 kB SRAM,
 * HSI at 24 MHz.
 *
 * Build and size only: no emulator models this chip. Console: USART1 on
 * PA2 (TX) / PA3 (RX), 115200 8N1. Cycle counter: SysTick at the 24 MHz
 * core clock. board_exit prints "exit <status>" and sleeps. The family
 * code, with the reference-manual citations, is boards/common/arm/py32f0.c.
 */
#include "board.h"

#include "arm/cortex_m.h"
#include "arm/py32f0.h"

const char board_name[] = "py32f002a";

void board_init(void)
{
    py32f0_init();
}

void board_write(const char *data, size_t length)
{
    py32f0_write(data, length);
}

int board_read_byte(void)
{
    return py32f0_read_byte();
}

uint32_t board_cycles(void)
{
    return cortex_m_cycles();
}

uint32_t board_cycles_hz(void)
{
    return PY32F0_CORE_CLOCK_HZ;
}

void board_exit(int status)
{
    py32f0_halt(status);
}
