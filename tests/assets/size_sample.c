/* Known data sizes for the size tests: 64 bytes .data, 256 bytes .bss,
 * BIG_TABLE bytes of constants. */
#include <stdint.h>

#ifndef BIG_TABLE
#define BIG_TABLE 16
#endif

uint32_t initialised[16] = {1, 2, 3};
uint8_t zeroed[256];
const uint8_t table[BIG_TABLE] = {1};

int main(void)
{
    zeroed[initialised[1]] = table[initialised[2]];
    return zeroed[2];
}
