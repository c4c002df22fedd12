/*
 * audio_adc_ch32v003.c - analog MEMS microphone on the CH32V003 ADC: TIM1
 * update events at KWS_SAMPLE_RATE trigger one conversion each and DMA1
 * channel 1 (the ADC's request line) writes the samples into a circular
 * buffer of two hops. audio_next() polls the DMA's half-transfer and
 * transfer-complete flags and hands the finished half to the app while the
 * DMA fills the other (DMA double buffering without an interrupt handler:
 * the shared RISC-V trap entry of boards/common/riscv treats interrupts as
 * faults).
 *
 * Hardware: the microphone module's output (biased at VDD/2) on PA2 = A0
 * (PA1/PA2 are free when the chip runs from its HSI, as board.c sets it).
 * DC removed in software (emml_dcblock, pole 0.995), 10-bit samples become
 * q15 by << 6.
 *
 * Written from the CH32V003 reference manual (RCC, GPIO, TIM1, ADC, DMA
 * chapters) and never run on a chip:
 *   RCC   0x40021000  AHBPCENR 0x14: DMA1EN bit 0; APB2PCENR 0x18: IOPAEN bit 2,
 *                     ADC1EN bit 9, TIM1EN bit 11; CFGR0 0x04: ADCPRE bits 15:11
 *   GPIOA 0x40010800  CFGLR 0x00: 4 bits per pin, 0000 = analog input
 *   TIM1  0x40012C00  CR1 0x00, CR2 0x04 (MMS bits 6:4 = 010 update -> TRGO),
 *                     SWEVGR 0x14, PSC 0x28, ATRLR 0x2C
 *   ADC1  0x40012400  CTLR2 0x08 (ADON bit 0, CAL bit 2, RSTCAL bit 3, DMA bit 8,
 *                     EXTSEL bits 19:17 = 000 TIM1_TRGO, EXTTRIG bit 20),
 *                     SAMPTR2 0x10, RSQR1 0x2C, RSQR3 0x34, RDATAR 0x4C
 *   DMA1  0x40020000  INTFR 0x00 (TCIF1 bit 1, HTIF1 bit 2), INTFCR 0x04,
 *                     CFGR1 0x08, CNTR1 0x0C, PADDR1 0x10, MADDR1 0x14
 * verify on hardware: EXTSEL = 000 selecting TIM1_TRGO, and ADC1 on DMA1
 * channel 1.
 */
#include "audio.h"

#if defined(KWS_AUDIO_ADC_CH32V003)

#include "emml/iir.h"
#include "kws_config.h"

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define CORE_CLOCK_HZ 48000000u /* board.c: HSI 24 MHz x PLL 2 */

#define RCC_CFGR0 REG32(0x40021004u)
#define RCC_AHBPCENR REG32(0x40021014u)
#define RCC_APB2PCENR REG32(0x40021018u)
#define RCC_AHB_DMA1EN (1u << 0)
#define RCC_APB2_IOPAEN (1u << 2)
#define RCC_APB2_ADC1EN (1u << 9)
#define RCC_APB2_TIM1EN (1u << 11)
#define RCC_CFGR0_ADCPRE_MASK (0x1Fu << 11)
#define RCC_CFGR0_ADCPRE_DIV8 (0x13u << 11) /* ADCCLK = 6 MHz: verify on hardware */

#define GPIOA_CFGLR REG32(0x40010800u)
#define MIC_PIN 2u     /* PA2 = A0 */
#define MIC_CHANNEL 0u

#define TIM1_BASE 0x40012C00u
#define TIM1_CR1 REG32(TIM1_BASE + 0x00u)
#define TIM1_CR2 REG32(TIM1_BASE + 0x04u)
#define TIM1_SWEVGR REG32(TIM1_BASE + 0x14u)
#define TIM1_PSC REG32(TIM1_BASE + 0x28u)
#define TIM1_ATRLR REG32(TIM1_BASE + 0x2Cu)

#define ADC_BASE 0x40012400u
#define ADC_CTLR2 REG32(ADC_BASE + 0x08u)
#define ADC_SAMPTR2 REG32(ADC_BASE + 0x10u)
#define ADC_RSQR1 REG32(ADC_BASE + 0x2Cu)
#define ADC_RSQR3 REG32(ADC_BASE + 0x34u)
#define ADC_RDATAR_ADDR (ADC_BASE + 0x4Cu)
#define ADC_ADON (1u << 0)
#define ADC_CAL (1u << 2)
#define ADC_RSTCAL (1u << 3)
#define ADC_DMA (1u << 8)
#define ADC_EXTSEL_TIM1_TRGO (0u << 17) /* verify on hardware */
#define ADC_EXTTRIG (1u << 20)

#define DMA1_INTFR REG32(0x40020000u)
#define DMA1_INTFCR REG32(0x40020004u)
#define DMA1_CFGR1 REG32(0x40020008u)
#define DMA1_CNTR1 REG32(0x4002000Cu)
#define DMA1_PADDR1 REG32(0x40020010u)
#define DMA1_MADDR1 REG32(0x40020014u)
#define DMA_TCIF1 (1u << 1)
#define DMA_HTIF1 (1u << 2)
#define DMA_CFG_EN (1u << 0)
#define DMA_CFG_CIRC (1u << 5)
#define DMA_CFG_MINC (1u << 7)
#define DMA_CFG_PSIZE_16 (1u << 8)
#define DMA_CFG_MSIZE_16 (1u << 10)
#define DMA_CFG_PL_HIGH (2u << 12)

static int16_t ring[2 * KWS_HOP]; /* DMA: first half, then second, forever */
static emml_dcblock_q15_t dc;

void audio_start(void)
{
    uint32_t i;
    (void)emml_dcblock_init_q15(&dc, 32604); /* pole 0.995 */
    RCC_AHBPCENR |= RCC_AHB_DMA1EN;
    RCC_APB2PCENR |= RCC_APB2_IOPAEN | RCC_APB2_ADC1EN | RCC_APB2_TIM1EN;
    RCC_CFGR0 = (RCC_CFGR0 & ~RCC_CFGR0_ADCPRE_MASK) | RCC_CFGR0_ADCPRE_DIV8;
    GPIOA_CFGLR &= ~(0xFu << (MIC_PIN * 4u)); /* analog input */

    ADC_RSQR1 = 0u;                  /* one conversion per trigger */
    ADC_RSQR3 = MIC_CHANNEL;
    ADC_SAMPTR2 = 7u << (MIC_CHANNEL * 3u); /* longest sample time: the mic amplifier's output impedance */
    ADC_CTLR2 = ADC_ADON;
    for (i = 0u; i < 1000u; i++) {   /* t_stab after power-on (microseconds) */
        __asm__ volatile ("nop");
    }
    ADC_CTLR2 = ADC_ADON | ADC_RSTCAL;
    while (ADC_CTLR2 & ADC_RSTCAL) {
    }
    ADC_CTLR2 = ADC_ADON | ADC_CAL;
    while (ADC_CTLR2 & ADC_CAL) {
    }

    DMA1_PADDR1 = ADC_RDATAR_ADDR;
    DMA1_MADDR1 = (uint32_t)(uintptr_t)ring;
    DMA1_CNTR1 = 2u * KWS_HOP;
    DMA1_INTFCR = 0xFu;
    DMA1_CFGR1 = DMA_CFG_CIRC | DMA_CFG_MINC | DMA_CFG_PSIZE_16 | DMA_CFG_MSIZE_16 | DMA_CFG_PL_HIGH | DMA_CFG_EN;
    ADC_CTLR2 = ADC_ADON | ADC_DMA | ADC_EXTSEL_TIM1_TRGO | ADC_EXTTRIG;

    TIM1_PSC = 0u;
    TIM1_ATRLR = CORE_CLOCK_HZ / KWS_SAMPLE_RATE - 1u;
    TIM1_CR2 = 2u << 4;   /* MMS = update -> TRGO */
    TIM1_SWEVGR = 1u;     /* UG: load PSC/ATRLR */
    TIM1_CR1 = 1u;        /* CEN */
}

audio_event_t audio_next(int16_t **block)
{
    uint32_t flags, i;
    int16_t *x;
    do {
        flags = DMA1_INTFR & (DMA_HTIF1 | DMA_TCIF1);
    } while (flags == 0u);
    DMA1_INTFCR = flags | 1u; /* clear them (and the global flag) */
    if (flags == (DMA_HTIF1 | DMA_TCIF1)) {
        return AUDIO_OVERRUN; /* both halves completed since the last look */
    }
    x = (flags & DMA_HTIF1) ? ring : ring + KWS_HOP;
    for (i = 0u; i < KWS_HOP; i++) {
        x[i] = (int16_t)((x[i] - 512) * 64); /* 10-bit unsigned -> q15 */
    }
    emml_dcblock_process_q15(&dc, x, x, KWS_HOP);
    *block = x;
    return AUDIO_BLOCK;
}

#else
typedef int audio_adc_ch32v003_unused;
#endif
