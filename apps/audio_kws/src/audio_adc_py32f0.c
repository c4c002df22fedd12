/*
 * audio_adc_py32f0.c - analog MEMS microphone on the PY32F003 / PY32F002A
 * ADC: TIM1 update events at KWS_SAMPLE_RATE trigger one conversion each,
 * the end-of-conversion interrupt stores the sample in one half of a
 * double buffer, and audio_next() hands a full half to the app while the
 * other half fills (interrupt double buffering: the PY32F002A has no DMA,
 * so both parts use the same code).
 *
 * Hardware: the microphone module's output (an analog MEMS microphone with
 * its amplifier, biased at VDD/2, e.g. a MAX4466 or MAX9814 breakout) on
 * PA0 = ADC_IN0, full scale 0..VDD. The DC bias is removed in software
 * (emml_dcblock, pole 0.995), 12-bit samples become q15 by << 4.
 *
 * Written from the PY32F003 / PY32F002A reference manuals (RCC, GPIO, TIM1
 * and ADC chapters) and never run on a chip. Register facts marked
 * "verify on hardware" are the ones to check first:
 *   RCC    0x40021000  APBENR2 0x40: TIM1EN bit 11, ADCEN bit 20 (verify on hardware)
 *   GPIOA  0x50000000  MODER 0x00: 0b11 = analog
 *   TIM1   0x40012C00  CR1 0x00, CR2 0x04 (MMS bits 6:4 = 010: update -> TRGO),
 *                      EGR 0x14, PSC 0x28, ARR 0x2C
 *   ADC    0x40012400  ISR 0x00 (EOC bit 2, OVR bit 4), IER 0x04 (EOCIE bit 2),
 *                      CR 0x08 (ADEN bit 0, ADSTART bit 2, ADCAL bit 31),
 *                      CFGR1 0x0C (RES bits 4:3 = 00 12-bit, EXTSEL bits 8:6 =
 *                      000 TIM1_TRGO, EXTEN bits 11:10 = 01 rising edge,
 *                      OVRMOD bit 12), SMPR 0x14, CHSELR 0x28, DR 0x40
 *                      (the STM32F0-style layout; verify on hardware,
 *                      including the calibration sequence)
 *   NVIC   ADC_COMP interrupt = IRQ 12 (verify on hardware)
 */
#include "audio.h"

#if defined(KWS_AUDIO_ADC_PY32F0)

#include "arm/cortex_m.h"
#include "arm/py32f0.h"
#include "emml/iir.h"
#include "kws_config.h"

#define RCC_APBENR2 CORTEX_M_REG(0x40021000u + 0x40u)
#define RCC_IOPENR CORTEX_M_REG(0x40021000u + 0x34u)
#define RCC_APBENR2_TIM1EN (1u << 11)  /* verify on hardware */
#define RCC_APBENR2_ADCEN (1u << 20)   /* verify on hardware */
#define RCC_IOPENR_GPIOAEN (1u << 0)

#define GPIOA_MODER CORTEX_M_REG(0x50000000u + 0x00u)
#define MIC_PIN 0u      /* PA0 = ADC_IN0 */
#define MIC_CHANNEL 0u

#define TIM1_BASE 0x40012C00u
#define TIM1_CR1 CORTEX_M_REG(TIM1_BASE + 0x00u)
#define TIM1_CR2 CORTEX_M_REG(TIM1_BASE + 0x04u)
#define TIM1_EGR CORTEX_M_REG(TIM1_BASE + 0x14u)
#define TIM1_PSC CORTEX_M_REG(TIM1_BASE + 0x28u)
#define TIM1_ARR CORTEX_M_REG(TIM1_BASE + 0x2Cu)
#define TIM_CR1_CEN (1u << 0)
#define TIM_CR2_MMS_UPDATE (2u << 4)
#define TIM_EGR_UG (1u << 0)

#define ADC_BASE 0x40012400u
#define ADC_ISR CORTEX_M_REG(ADC_BASE + 0x00u)
#define ADC_IER CORTEX_M_REG(ADC_BASE + 0x04u)
#define ADC_CR CORTEX_M_REG(ADC_BASE + 0x08u)
#define ADC_CFGR1 CORTEX_M_REG(ADC_BASE + 0x0Cu)
#define ADC_SMPR CORTEX_M_REG(ADC_BASE + 0x14u)
#define ADC_CHSELR CORTEX_M_REG(ADC_BASE + 0x28u)
#define ADC_DR CORTEX_M_REG(ADC_BASE + 0x40u)
#define ADC_ISR_EOC (1u << 2)
#define ADC_ISR_OVR (1u << 4)
#define ADC_IER_EOCIE (1u << 2)
#define ADC_CR_ADEN (1u << 0)
#define ADC_CR_ADSTART (1u << 2)
#define ADC_CR_ADCAL (1u << 31)
#define ADC_CFGR1_EXTSEL_TIM1_TRGO (0u << 6) /* verify on hardware */
#define ADC_CFGR1_EXTEN_RISING (1u << 10)
#define ADC_CFGR1_OVRMOD (1u << 12)          /* keep the newest sample on overrun */
#define ADC_SMPR_13_5_CYCLES 2u              /* verify on hardware */

#define NVIC_ISER CORTEX_M_REG(0xE000E100u)
#define ADC_IRQ 12u /* verify on hardware */

static int16_t halves[2][KWS_HOP]; /* the ISR fills one while the app uses the other */
static volatile uint32_t fill_half, fill_index;
static volatile uint32_t ready;    /* bit h: half h is full and not yet taken */
static volatile uint32_t overruns;
static emml_dcblock_q15_t dc;

void IRQ12_Handler(void); /* the vector table's weak name for IRQ 12 */

void IRQ12_Handler(void)
{
    uint32_t isr = ADC_ISR;
    if (isr & ADC_ISR_EOC) {
        uint32_t h = fill_half;
        halves[h][fill_index] = (int16_t)(uint16_t)ADC_DR; /* 0..4095; converted in audio_next */
        if (++fill_index == KWS_HOP) {
            fill_index = 0u;
            if (ready & (1u << (h ^ 1u))) {
                overruns++; /* the app still holds the other half: overwrite it anyway */
            }
            ready |= 1u << h;
            fill_half = h ^ 1u;
        }
    }
    ADC_ISR = isr & (ADC_ISR_EOC | ADC_ISR_OVR); /* write 1 to clear */
}

void audio_start(void)
{
    (void)emml_dcblock_init_q15(&dc, 32604); /* pole 0.995: about 6 Hz at 8 kHz */
    RCC_IOPENR |= RCC_IOPENR_GPIOAEN;
    RCC_APBENR2 |= RCC_APBENR2_TIM1EN | RCC_APBENR2_ADCEN;
    GPIOA_MODER |= 3u << (MIC_PIN * 2u);

    /* calibrate with the ADC disabled, then enable it */
    ADC_CR = ADC_CR_ADCAL;
    while (ADC_CR & ADC_CR_ADCAL) {
    }
    ADC_CFGR1 = ADC_CFGR1_EXTSEL_TIM1_TRGO | ADC_CFGR1_EXTEN_RISING | ADC_CFGR1_OVRMOD; /* 12-bit, right */
    ADC_SMPR = ADC_SMPR_13_5_CYCLES;
    ADC_CHSELR = 1u << MIC_CHANNEL;
    ADC_IER = ADC_IER_EOCIE;
    ADC_CR = ADC_CR_ADEN;
    NVIC_ISER = 1u << ADC_IRQ;
    ADC_CR = ADC_CR_ADEN | ADC_CR_ADSTART; /* waits for the trigger */

    /* TIM1: update at HCLK / (ARR + 1) = KWS_SAMPLE_RATE */
    TIM1_PSC = 0u;
    TIM1_ARR = PY32F0_CORE_CLOCK_HZ / KWS_SAMPLE_RATE - 1u;
    TIM1_CR2 = TIM_CR2_MMS_UPDATE;
    TIM1_EGR = TIM_EGR_UG;
    TIM1_CR1 = TIM_CR1_CEN;
}

audio_event_t audio_next(int16_t **block)
{
    static uint32_t take_half, seen_overruns;
    int16_t *x;
    uint32_t i;
    if (overruns != seen_overruns) { /* reported once; the halves carry on */
        seen_overruns = overruns;
        return AUDIO_OVERRUN;
    }
    while ((ready & (1u << take_half)) == 0u) {
        cortex_m_wait_for_interrupt(); /* the next EOC (every sample) wakes us */
    }
    x = halves[take_half];
    for (i = 0u; i < KWS_HOP; i++) {
        x[i] = (int16_t)((x[i] - 2048) * 16); /* 12-bit unsigned -> q15 */
    }
    emml_dcblock_process_q15(&dc, x, x, KWS_HOP);
    __asm__ volatile ("cpsid i" ::: "memory");
    ready &= ~(1u << take_half);
    __asm__ volatile ("cpsie i" ::: "memory");
    take_half ^= 1u;
    *block = x;
    return AUDIO_BLOCK;
}

#else
typedef int audio_adc_py32f0_unused;
#endif
