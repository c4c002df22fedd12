/* C functions for the profiler tests: soft-float and division through libgcc
 * (__aeabi_* on Cortex-M0+, __mulsf3 etc. on RV32EC), a global the test
 * preloads, arguments on the stack, a runaway loop and a fault. */
#include <stdint.h>

float weights[4];

float weighted_sum(const float *x)
{
    float acc = 0.0f;
    int i;
    for (i = 0; i < 4; i++) {
        acc += weights[i] * x[i];
    }
    return acc;
}

float mean_f32(const float *x, int32_t n)
{
    float acc = 0.0f;
    int32_t i;
    for (i = 0; i < n; i++) {
        acc += x[i];
    }
    return acc / (float)n;
}

int32_t divide_all(int32_t *values, int32_t n, int32_t divisor)
{
    int32_t i, sum = 0;
    for (i = 0; i < n; i++) {
        values[i] = values[i] / divisor;
        sum += values[i];
    }
    return sum;
}

int32_t sum8(int32_t a, int32_t b, int32_t c, int32_t d,
             int32_t e, int32_t f, int32_t g, int32_t h)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}

int64_t widen(int32_t a)
{
    return (int64_t)a * 1000000;
}

void spin_forever(void)
{
    for (;;) {
        __asm__ volatile("");
    }
}

uint32_t read_address(const volatile uint32_t *p)
{
    return *p;
}
