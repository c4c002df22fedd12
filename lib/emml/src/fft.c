#include "emml/fft.h"

#include "emml/fixed.h"

static int is_pow2(uint32_t n)
{
    return n != 0u && (n & (n - 1u)) == 0u;
}

static emml_status_t check_sizes(uint32_t table_n, uint32_t n)
{
    if (!is_pow2(n) || n < EMML_FFT_MIN_SIZE || n > EMML_FFT_MAX_SIZE) {
        return EMML_ERR_ARGUMENT;
    }
    if (!is_pow2(table_n) || table_n < n || table_n > EMML_FFT_MAX_SIZE) {
        return EMML_ERR_SHAPE;
    }
    return EMML_OK;
}

/* Bit-reversal permutation of m complex values stored as pairs. */
#define BITREV_PAIRS(T, z, m)                                   \
    do {                                                        \
        uint32_t i_, j_ = 0u, k_;                               \
        for (i_ = 0u; i_ + 1u < (m); i_++) {                    \
            if (i_ < j_) {                                      \
                T r_ = (z)[2u * i_], q_ = (z)[2u * i_ + 1u];    \
                (z)[2u * i_] = (z)[2u * j_];                    \
                (z)[2u * i_ + 1u] = (z)[2u * j_ + 1u];          \
                (z)[2u * j_] = r_;                              \
                (z)[2u * j_ + 1u] = q_;                         \
            }                                                   \
            k_ = (m) >> 1;                                      \
            while (k_ <= j_) {                                  \
                j_ -= k_;                                       \
                k_ >>= 1;                                       \
            }                                                   \
            j_ += k_;                                           \
        }                                                       \
    } while (0)

emml_status_t emml_fft_init_q15(emml_fft_q15_t *fft, const emml_fft_table_q15_t *table, uint32_t n)
{
    emml_status_t st;
    if (fft == NULL || table == NULL || table->twiddle == NULL) {
        return EMML_ERR_NULL;
    }
    st = check_sizes(table->n, n);
    if (st != EMML_OK) {
        return st;
    }
    fft->n = (uint16_t)n;
    fft->stride = (uint16_t)(table->n / n);
    fft->twiddle = table->twiddle;
    return EMML_OK;
}

/* (x + 1) >> 1 saturated: the halving of the radix-2 and split passes. */
EMML_INLINE int16_t half_sat(int32_t x)
{
    return emml_sat_q15((x + 1) >> 1);
}

/* Nonzero when any of the (already shifted) results is outside int16:
 * one add and one OR per value instead of two compares and branches;
 * the rare overflow then takes the saturating store. */
#define OUT_OF_Q15(v) ((uint32_t)((v) + 0x8000))

/* Stores a radix-4 butterfly's four results (y0 at p[0], y1 at p[q1], ...). */
#define STORE4(p, q1, q2, q3, y0r, y0i, y1r, y1i, y2r, y2i, y3r, y3i)                              \
    do {                                                                                        \
        if ((OUT_OF_Q15(y0r) | OUT_OF_Q15(y0i) | OUT_OF_Q15(y1r) | OUT_OF_Q15(y1i) |            \
             OUT_OF_Q15(y2r) | OUT_OF_Q15(y2i) | OUT_OF_Q15(y3r) | OUT_OF_Q15(y3i)) > 0xFFFFu) { \
            y0r = emml_sat_q15(y0r); y0i = emml_sat_q15(y0i);                                   \
            y1r = emml_sat_q15(y1r); y1i = emml_sat_q15(y1i);                                   \
            y2r = emml_sat_q15(y2r); y2i = emml_sat_q15(y2i);                                   \
            y3r = emml_sat_q15(y3r); y3i = emml_sat_q15(y3i);                                   \
        }                                                                                       \
        (p)[0] = (int16_t)(y0r); (p)[1] = (int16_t)(y0i);                                       \
        (p)[q1] = (int16_t)(y1r); (p)[(q1) + 1u] = (int16_t)(y1i);                              \
        (p)[q2] = (int16_t)(y2r); (p)[(q2) + 1u] = (int16_t)(y2i);                              \
        (p)[q3] = (int16_t)(y3r); (p)[(q3) + 1u] = (int16_t)(y3i);                              \
    } while (0)


/* ---------------------------------------------------------------------------
 * ARMv6-M (Cortex-M0/M0+) radix-4 butterfly loop in assembly.
 *
 * gcc's Thumb-1 code for radix4_q15 below spills most of its values (8 low
 * registers for 8 data values, 6 twiddles, 3 pointers); this hand-allocated
 * version computes exactly the same integers (same products, roundings,
 * order of additions and saturation) in about 60% of the cycles. It is
 * used when EMML_ARMV6M_ASM (emml/fixed.h); tests/test_dsp_fft.py runs it
 * in the emulator against the Python reference for every size.
 *
 * emml_fft_radix4_armv6m(p, end, qbytes, w): for p, p + 4q, ... < end
 * (q = qbytes / 2 int16), one butterfly on A0 = p[0..1], A2 = p[q..],
 * A1 = p[2q..], A3 = p[3q..] with w = {W^j, W^2j, W^3j} as int32 (re, im).
 * Saturation: every result is checked with sxth/cmp and the rare
 * out-of-range one is clamped out of line (branch not taken: 3 cycles).
 * ------------------------------------------------------------------------- */
#if EMML_ARMV6M_ASM
void emml_fft_radix4_armv6m(int16_t *p, const int16_t *end, uint32_t qbytes, const int32_t *w);

/* t = y out of int16? then clamp it (out of line, label .Lsat<id>) */
#define R4_CHECK(y, t, id) "sxth " t ", " y "\n\tcmp " t ", " y "\n\tbne .Lr4sat" id "\n.Lr4back" id ":\n\t"
#define R4_CLAMP(y, t, id)                                                                      \
    ".Lr4sat" id ":\n\tasrs " y ", " y ", #31\n\tmovs " t ", #0x80\n\tlsls " t ", " t ", #8\n\t" \
    "subs " t ", " t ", #1\n\teors " y ", " t "\n\tb .Lr4back" id "\n\t"
/* complex product (x in rx, ry; w from [r7, #off]) rounded to q15:
 * re -> ra, im -> rb; clobbers rw, r7 */
#define R4_CMUL(xr, xi, wr, wi_off, wr_off, ra, rb) \
    "ldr " wr ", [r7, #" wr_off "]\n\tldr r7, [r7, #" wi_off "]\n\t"                            \
    "movs " ra ", " xr "\n\tmuls " ra ", " wr "\n\tmuls " wr ", " xi "\n\tmuls " xi ", r7\n\t"   \
    "subs " ra ", " ra ", " xi "\n\tmuls r7, " xr "\n\tadds " rb ", " wr ", r7\n\t"             \
    "add " ra ", r11\n\tadd " rb ", r11\n\tasrs " ra ", " ra ", #15\n\tasrs " rb ", " rb ", #15\n\t"

__asm__(
    "\t.pushsection .text.emml_fft_radix4_armv6m,\"ax\",%progbits\n"
    "\t.syntax unified\n\t.thumb\n\t.p2align 1\n"
    "\t.global emml_fft_radix4_armv6m\n\t.hidden emml_fft_radix4_armv6m\n"
    "\t.type emml_fft_radix4_armv6m, %function\n\t.thumb_func\n"
    "emml_fft_radix4_armv6m:\n\t"
    "push {r4, r5, r6, r7, lr}\n\t"
    "mov r4, r8\n\tmov r5, r9\n\tmov r6, r10\n\tmov r7, r11\n\t"
    "push {r4, r5, r6, r7}\n\t"
    "mov r8, r1\n\t"            /* end */
    "mov r9, r2\n\t"            /* q in bytes */
    "mov r10, r3\n\t"           /* twiddles */
    "movs r4, #1\n\tlsls r4, r4, #14\n\tmov r11, r4\n" /* 0x4000: product rounding */
    ".Lr4loop:\n\t"
    /* t1 = W^j A1, A1 at p + 2q -> r2, r3 */
    "mov r1, r9\n\tlsls r4, r1, #1\n\tadds r4, r4, r0\n\t"
    "ldrh r5, [r4, #0]\n\tldrh r6, [r4, #2]\n\tsxth r5, r5\n\tsxth r6, r6\n\t"
    "mov r7, r10\n\t"
    "ldr r3, [r7, #0]\n\tldr r4, [r7, #4]\n\t"
    "movs r2, r5\n\tmuls r2, r3\n\tmuls r3, r6\n\tmuls r6, r4\n\tsubs r2, r2, r6\n\t"
    "muls r4, r5\n\tadds r3, r3, r4\n\t"
    "add r2, r11\n\tadd r3, r11\n\tasrs r2, r2, #15\n\tasrs r3, r3, #15\n\t"
    /* t3 = W^3j A3, A3 at p + 3q -> r4, r5 (r1 = q, r7 = w) */
    "lsls r4, r1, #1\n\tadds r4, r4, r1\n\tadds r4, r4, r0\n\t"
    "ldrh r5, [r4, #0]\n\tldrh r6, [r4, #2]\n\tsxth r5, r5\n\tsxth r6, r6\n\t"
    R4_CMUL("r5", "r6", "r1", "20", "16", "r4", "r5")
    /* u = t1 + t3 -> r2, r3; v = t1 - t3 -> lr, r12 */
    "subs r6, r2, r4\n\tadds r2, r2, r4\n\tsubs r7, r3, r5\n\tadds r3, r3, r5\n\t"
    "mov lr, r6\n\tmov r12, r7\n\t"
    /* t2 = W^2j A2, A2 at p + q -> r4, r5 */
    "mov r1, r9\n\tadds r4, r0, r1\n\t"
    "ldrh r5, [r4, #0]\n\tldrh r6, [r4, #2]\n\tsxth r5, r5\n\tsxth r6, r6\n\t"
    "mov r7, r10\n\t"
    R4_CMUL("r5", "r6", "r1", "12", "8", "r4", "r5")
    /* A0 + 2 (the 2 rounds the final >> 2) -> r6, r7 */
    "ldrh r6, [r0, #0]\n\tldrh r7, [r0, #2]\n\tsxth r6, r6\n\tsxth r7, r7\n\t"
    "adds r6, r6, #2\n\tadds r7, r7, #2\n\t"
    /* d02 = A0 - t2 -> r1, r4; s02 = A0 + t2 -> r6, r7 */
    "subs r1, r6, r4\n\tadds r6, r6, r4\n\tsubs r4, r7, r5\n\tadds r7, r7, r5\n\t"
    /* y0 = (s02 + u) >> 2 -> r6, r7; y2 = (s02 - u) >> 2 -> r5, r2 */
    "subs r5, r6, r2\n\tadds r6, r6, r2\n\tsubs r2, r7, r3\n\tadds r7, r7, r3\n\t"
    "asrs r5, r5, #2\n\tasrs r6, r6, #2\n\tasrs r2, r2, #2\n\tasrs r7, r7, #2\n\t"
    R4_CHECK("r6", "r3", "0") R4_CHECK("r7", "r3", "1") R4_CHECK("r5", "r3", "2") R4_CHECK("r2", "r3", "3")
    "strh r6, [r0, #0]\n\tstrh r7, [r0, #2]\n\t"
    "mov r3, r9\n\tlsls r3, r3, #1\n\tadds r3, r3, r0\n\t"
    "strh r5, [r3, #0]\n\tstrh r2, [r3, #2]\n\t"
    /* y1 = (d02 - i v) >> 2 = (d02r + vi, d02i - vr) -> r1, r3;
     * y3 = (d02 + i v) >> 2 = (d02r - vi, d02i + vr) -> r5, r4 */
    "mov r2, lr\n\tmov r3, r12\n\t"
    "subs r5, r1, r3\n\tadds r1, r1, r3\n\tsubs r3, r4, r2\n\tadds r4, r4, r2\n\t"
    "asrs r5, r5, #2\n\tasrs r1, r1, #2\n\tasrs r3, r3, #2\n\tasrs r4, r4, #2\n\t"
    R4_CHECK("r1", "r2", "4") R4_CHECK("r3", "r2", "5") R4_CHECK("r5", "r2", "6") R4_CHECK("r4", "r2", "7")
    "mov r6, r9\n\tadds r2, r0, r6\n\t"
    "strh r1, [r2, #0]\n\tstrh r3, [r2, #2]\n\t"
    "adds r2, r2, r6\n\tadds r2, r2, r6\n\t"
    "strh r5, [r2, #0]\n\tstrh r4, [r2, #2]\n\t"
    "lsls r6, r6, #2\n\tadds r0, r0, r6\n\t"
    "cmp r0, r8\n\tbhs .Lr4done\n\tb .Lr4loop\n" /* the loop is too long for a conditional branch */
    ".Lr4done:\n\t"
    "pop {r4, r5, r6, r7}\n\t"
    "mov r8, r4\n\tmov r9, r5\n\tmov r10, r6\n\tmov r11, r7\n\t"
    "pop {r4, r5, r6, r7, pc}\n\t"
    R4_CLAMP("r6", "r3", "0") R4_CLAMP("r7", "r3", "1") R4_CLAMP("r5", "r3", "2") R4_CLAMP("r2", "r3", "3")
    R4_CLAMP("r1", "r2", "4") R4_CLAMP("r3", "r2", "5") R4_CLAMP("r5", "r2", "6") R4_CLAMP("r4", "r2", "7")
    "\n\t.size emml_fft_radix4_armv6m, .-emml_fft_radix4_armv6m\n"
    "\t.popsection\n");
#endif /* EMML_ARMV6M_ASM */

#if EMML_ARMV6M_ASM
/* First radix-4 stage (W = 1, no products) in ARMv6-M assembly:
 * emml_fft_radix4_first_armv6m(p, end), 8 int16 per butterfly (A0, A2, A1,
 * A3), same integers as the C loop in cfft_bitrev_q15. */
void emml_fft_radix4_first_armv6m(int16_t *p, const int16_t *end);

__asm__(
    "\t.pushsection .text.emml_fft_radix4_first_armv6m,\"ax\",%progbits\n"
    "\t.syntax unified\n\t.thumb\n\t.p2align 1\n"
    "\t.global emml_fft_radix4_first_armv6m\n\t.hidden emml_fft_radix4_first_armv6m\n"
    "\t.type emml_fft_radix4_first_armv6m, %function\n\t.thumb_func\n"
    "emml_fft_radix4_first_armv6m:\n\t"
    "push {r4, r5, r6, r7, lr}\n"
    ".Lr1loop:\n\t"
    /* real parts: A0 + 2 -> r2, A2 -> r3, A1 -> r4, A3 -> r5 */
    "ldrh r2, [r0, #0]\n\tldrh r3, [r0, #4]\n\tldrh r4, [r0, #8]\n\tldrh r5, [r0, #12]\n\t"
    "sxth r2, r2\n\tsxth r3, r3\n\tsxth r4, r4\n\tsxth r5, r5\n\tadds r2, r2, #2\n\t"
    /* d02r -> r6, s02r -> r2, d13r -> r7, s13r -> r4 */
    "subs r6, r2, r3\n\tadds r2, r2, r3\n\tsubs r7, r4, r5\n\tadds r4, r4, r5\n\t"
    /* y0r = (s02r + s13r) >> 2 -> r3, y2r = (s02r - s13r) >> 2 -> r5 */
    "adds r3, r2, r4\n\tsubs r5, r2, r4\n\tasrs r3, r3, #2\n\tasrs r5, r5, #2\n\t"
    R4_CHECK("r3", "r2", "10") R4_CHECK("r5", "r2", "11")
    "strh r3, [r0, #0]\n\tstrh r5, [r0, #8]\n\t"
    "mov lr, r6\n\tmov r12, r7\n\t"
    /* imaginary parts, the same way: d02i -> r6, d13i -> r7 */
    "ldrh r2, [r0, #2]\n\tldrh r3, [r0, #6]\n\tldrh r4, [r0, #10]\n\tldrh r5, [r0, #14]\n\t"
    "sxth r2, r2\n\tsxth r3, r3\n\tsxth r4, r4\n\tsxth r5, r5\n\tadds r2, r2, #2\n\t"
    "subs r6, r2, r3\n\tadds r2, r2, r3\n\tsubs r7, r4, r5\n\tadds r4, r4, r5\n\t"
    "adds r3, r2, r4\n\tsubs r5, r2, r4\n\tasrs r3, r3, #2\n\tasrs r5, r5, #2\n\t"
    R4_CHECK("r3", "r2", "12") R4_CHECK("r5", "r2", "13")
    "strh r3, [r0, #2]\n\tstrh r5, [r0, #10]\n\t"
    /* y1 = (d02r + d13i, d02i - d13r) >> 2 -> r3, r2; y3 = (d02r - d13i, d02i + d13r) >> 2 -> r5, r6 */
    "mov r2, lr\n\tmov r4, r12\n\t"
    "adds r3, r2, r7\n\tsubs r5, r2, r7\n\tsubs r2, r6, r4\n\tadds r6, r6, r4\n\t"
    "asrs r3, r3, #2\n\tasrs r5, r5, #2\n\tasrs r2, r2, #2\n\tasrs r6, r6, #2\n\t"
    R4_CHECK("r3", "r4", "14") R4_CHECK("r2", "r4", "15") R4_CHECK("r5", "r4", "16") R4_CHECK("r6", "r4", "17")
    "strh r3, [r0, #4]\n\tstrh r2, [r0, #6]\n\tstrh r5, [r0, #12]\n\tstrh r6, [r0, #14]\n\t"
    "adds r0, r0, #16\n\tcmp r0, r1\n\tbhs .Lr1done\n\tb .Lr1loop\n"
    ".Lr1done:\n\t"
    "pop {r4, r5, r6, r7, pc}\n\t"
    R4_CLAMP("r3", "r2", "10") R4_CLAMP("r5", "r2", "11") R4_CLAMP("r3", "r2", "12") R4_CLAMP("r5", "r2", "13")
    R4_CLAMP("r3", "r4", "14") R4_CLAMP("r2", "r4", "15") R4_CLAMP("r5", "r4", "16") R4_CLAMP("r6", "r4", "17")
    "\n\t.size emml_fft_radix4_first_armv6m, .-emml_fft_radix4_first_armv6m\n"
    "\t.popsection\n");
#endif /* EMML_ARMV6M_ASM */

/* One radix-4 butterfly: A0 at p, A2 at p + q, A1 at p + 2q, A3 at p + 3q
 * (int16 offsets; bit-reversed order), twiddles w = (W^j, W^2j, W^3j). */
EMML_INLINE void radix4_q15(int16_t *p, uint32_t q, const int32_t *w)
{
    int16_t *p1 = p + q, *p2 = p1 + q, *p3 = p2 + q;
    int32_t xr, xi, ur, ui, vr, vi, y0r, y0i, y1r, y1i, y2r, y2i, y3r, y3i;
    /* u = W^j A1 + W^3j A3, v = W^j A1 - W^3j A3 */
    xr = p2[0];
    xi = p2[1];
    ur = (w[0] * xr - w[1] * xi + 0x4000) >> 15;
    ui = (w[0] * xi + w[1] * xr + 0x4000) >> 15;
    xr = p3[0];
    xi = p3[1];
    vr = (w[4] * xr - w[5] * xi + 0x4000) >> 15;
    vi = (w[4] * xi + w[5] * xr + 0x4000) >> 15;
    xr = ur - vr;
    xi = ui - vi;
    ur += vr;
    ui += vi;
    vr = xr;
    vi = xi;
    /* x = W^2j A2; then A0 + 2 (+ 2 rounds the >> 2) plus or minus x */
    xr = p1[0];
    xi = p1[1];
    y0r = (w[2] * xr - w[3] * xi + 0x4000) >> 15;
    y0i = (w[2] * xi + w[3] * xr + 0x4000) >> 15;
    xr = p[0] + 2;
    xi = p[1] + 2;
    y1r = xr - y0r; /* d02 */
    y1i = xi - y0i;
    y0r += xr;      /* s02 */
    y0i += xi;
    y2r = (y0r - ur) >> 2;
    y2i = (y0i - ui) >> 2;
    y0r = (y0r + ur) >> 2;
    y0i = (y0i + ui) >> 2;
    y3r = (y1r - vi) >> 2;
    y3i = (y1i + vr) >> 2;
    y1r = (y1r + vi) >> 2;
    y1i = (y1i - vr) >> 2;
    STORE4(p, q, 2u * q, 3u * q, y0r, y0i, y1r, y1i, y2r, y2i, y3r, y3i);
}

/* Complex FFT of m = n/2 points on bit-reversed data (see emml/fft.h for
 * the stages and their scaling). */
static void cfft_bitrev_q15(const emml_fft_q15_t *fft, int16_t *data)
{
    const uint32_t m = (uint32_t)fft->n >> 1;
    const uint32_t half_table = (uint32_t)fft->n >> 1; /* W_n^k for k < n/2 */
    int16_t *const end = data + 2u * m;
    int16_t *p;
    uint32_t h, j;

    if ((31u - emml_clz32(m)) & 1u) {
        /* odd log2(m): one radix-2 stage first, W = 1 */
        for (p = data; p < end; p += 4) {
            int32_t ar = p[0], ai = p[1], br = p[2], bi = p[3];
            p[0] = half_sat(ar + br);
            p[1] = half_sat(ai + bi);
            p[2] = half_sat(ar - br);
            p[3] = half_sat(ai - bi);
        }
        h = 2u;
    } else {
        /* radix-4 with W = 1: p[0] A0, p[2] A2, p[4] A1, p[6] A3 */
#if EMML_ARMV6M_ASM
        emml_fft_radix4_first_armv6m(data, end);
#else
        for (p = data; p < end; p += 8) {
            int32_t a0r = p[0] + 2, a0i = p[1] + 2; /* + 2: rounds the >> 2 */
            int32_t s02r = a0r + p[2], s02i = a0i + p[3], d02r = a0r - p[2], d02i = a0i - p[3];
            int32_t s13r = p[4] + p[6], s13i = p[5] + p[7], d13r = p[4] - p[6], d13i = p[5] - p[7];
            int32_t y0r = (s02r + s13r) >> 2, y0i = (s02i + s13i) >> 2;
            int32_t y2r = (s02r - s13r) >> 2, y2i = (s02i - s13i) >> 2;
            int32_t y1r = (d02r + d13i) >> 2, y1i = (d02i - d13r) >> 2;
            int32_t y3r = (d02r - d13i) >> 2, y3i = (d02i + d13r) >> 2;
            STORE4(p, 2u, 4u, 6u, y0r, y0i, y1r, y1i, y2r, y2i, y3r, y3i);
        }
#endif
        h = 4u;
    }

    /* radix-4 stages: 4 transforms of h points -> one of 4h points */
    for (; h < m; h <<= 2) {
        const uint32_t q = 2u * h;                          /* int16 offset between quarters */
        const uint32_t step = (m / (2u * h)) * fft->stride; /* W_4h^j = table[j step] */
        uint32_t k3 = 0u;
        for (j = 0u; j < h; j++) {
            int32_t w[6];
            const int16_t *w1 = fft->twiddle + 2u * j * step;
            const int16_t *w2 = w1 + 2u * j * step;
            w[0] = w1[0];
            w[1] = w1[1];
            w[2] = w2[0];
            w[3] = w2[1];
            /* W^3j runs past the table (3j step >= n/2 entries): W^(k + n/2) = -W^k */
            if (k3 < half_table * fft->stride) {
                w[4] = fft->twiddle[2u * k3];
                w[5] = fft->twiddle[2u * k3 + 1u];
            } else {
                w[4] = -fft->twiddle[2u * (k3 - half_table * fft->stride)];
                w[5] = -fft->twiddle[2u * (k3 - half_table * fft->stride) + 1u];
            }
            k3 += 3u * step;
#if EMML_ARMV6M_ASM
            emml_fft_radix4_armv6m(data + 2u * j, end, 2u * q, w);
#else
            for (p = data + 2u * j; p < end; p += 4u * q) {
                radix4_q15(p, q, w);
            }
#endif
        }
    }
}

#if EMML_ARMV6M_ASM
/* Split pass loop (split_q15 below, k = 1 .. m/2) in ARMv6-M assembly:
 * emml_fft_split_armv6m(a, b, w, step_bytes) with a = data + 2, b = data +
 * 2 (m - 1), w = the twiddle of k = 1; runs while a <= b. Same integers as
 * the C loop. */
void emml_fft_split_armv6m(int16_t *a, int16_t *b, const int16_t *w, uint32_t step_bytes);

#define SPLIT_CHECK(y, id) "sxth r6, " y "\n\tcmp r6, " y "\n\tbne .Lspsat" id "\n.Lspback" id ":\n\t"
#define SPLIT_CLAMP(y, id)                                                                  \
    ".Lspsat" id ":\n\tasrs " y ", " y ", #31\n\tmovs r6, #0x80\n\tlsls r6, r6, #8\n\t" \
    "subs r6, r6, #1\n\teors " y ", r6\n\tb .Lspback" id "\n\t"

__asm__(
    "\t.pushsection .text.emml_fft_split_armv6m,\"ax\",%progbits\n"
    "\t.syntax unified\n\t.thumb\n\t.p2align 1\n"
    "\t.global emml_fft_split_armv6m\n\t.hidden emml_fft_split_armv6m\n"
    "\t.type emml_fft_split_armv6m, %function\n\t.thumb_func\n"
    "emml_fft_split_armv6m:\n\t"
    "push {r4, r5, r6, r7, lr}\n\t"
    "mov r4, r8\n\tmov r5, r9\n\tmov r6, r10\n\t"
    "push {r4, r5, r6}\n\t"
    "mov r8, r2\n\tmov r9, r3\n\t"
    "movs r4, #1\n\tlsls r4, r4, #14\n\tmov r10, r4\n" /* 0x4000: product rounding */
    ".Lsploop:\n\t"
    /* er = (ar + br + 1) >> 1 -> r4, oi = (br - ar + 1) >> 1 -> r5 */
    "ldrh r2, [r0, #0]\n\tldrh r3, [r1, #0]\n\tsxth r2, r2\n\tsxth r3, r3\n\t"
    "adds r4, r2, r3\n\tsubs r5, r3, r2\n\tadds r4, r4, #1\n\tadds r5, r5, #1\n\t"
    "asrs r4, r4, #1\n\tasrs r5, r5, #1\n\t"
    /* or = (ai + bi + 1) >> 1 -> r6, ei = (ai - bi + 1) >> 1 -> r7 */
    "ldrh r2, [r0, #2]\n\tldrh r3, [r1, #2]\n\tsxth r2, r2\n\tsxth r3, r3\n\t"
    "adds r6, r2, r3\n\tsubs r7, r2, r3\n\tadds r6, r6, #1\n\tadds r7, r7, #1\n\t"
    "asrs r6, r6, #1\n\tasrs r7, r7, #1\n\t"
    /* W: wr -> r2, wi -> r3; er parked in r12 */
    "mov r2, r8\n\tldrh r3, [r2, #2]\n\tldrh r2, [r2, #0]\n\tsxth r3, r3\n\tsxth r2, r2\n\t"
    "mov r12, r4\n\t"
    /* tr = (wr or - wi oi + 2^14) >> 15 -> r4, ti = (wr oi + wi or + 2^14) >> 15 -> r3 */
    "movs r4, r6\n\tmuls r4, r2\n\tmuls r2, r5\n\tmuls r5, r3\n\tsubs r4, r4, r5\n\t"
    "muls r3, r6\n\tadds r3, r3, r2\n\t"
    "add r4, r10\n\tadd r3, r10\n\tasrs r4, r4, #15\n\tasrs r3, r3, #15\n\t"
    /* a = ((er + tr + 1) >> 1, (ei + ti + 1) >> 1) -> r5, r4;
     * b = ((er - tr + 1) >> 1, (ti - ei + 1) >> 1) -> r2, r3 */
    "mov r2, r12\n\tadds r2, r2, #1\n\tadds r5, r2, r4\n\tsubs r2, r2, r4\n\t"
    "adds r3, r3, #1\n\tadds r4, r3, r7\n\tsubs r3, r3, r7\n\t"
    "asrs r5, r5, #1\n\tasrs r2, r2, #1\n\tasrs r4, r4, #1\n\tasrs r3, r3, #1\n\t"
    SPLIT_CHECK("r5", "0") SPLIT_CHECK("r4", "1") SPLIT_CHECK("r2", "2") SPLIT_CHECK("r3", "3")
    "strh r5, [r0, #0]\n\tstrh r4, [r0, #2]\n\t"
    "strh r2, [r1, #0]\n\tstrh r3, [r1, #2]\n\t" /* a == b (k = m/2): this write wins, as in C */
    "adds r0, r0, #4\n\tsubs r1, r1, #4\n\tadd r8, r9\n\t"
    "cmp r0, r1\n\tbls .Lsploop\n\t"
    "pop {r4, r5, r6}\n\t"
    "mov r8, r4\n\tmov r9, r5\n\tmov r10, r6\n\t"
    "pop {r4, r5, r6, r7, pc}\n\t"
    SPLIT_CLAMP("r5", "0") SPLIT_CLAMP("r4", "1") SPLIT_CLAMP("r2", "2") SPLIT_CLAMP("r3", "3")
    "\n\t.size emml_fft_split_armv6m, .-emml_fft_split_armv6m\n"
    "\t.popsection\n");
#endif

/* Spectrum of the real signal from the m-point complex one. */
static void split_q15(const emml_fft_q15_t *fft, int16_t *data)
{
    const uint32_t m = (uint32_t)fft->n >> 1;
    const uint32_t step = 2u * (uint32_t)fft->stride;
    const int16_t *w = fft->twiddle + step;
    int16_t *a = data + 2u, *b = data + 2u * (m - 1u);
    {
        int32_t r0 = data[0], i0 = data[1];
        data[0] = half_sat(r0 + i0);
        data[1] = half_sat(r0 - i0);
    }
#if EMML_ARMV6M_ASM
    emml_fft_split_armv6m(a, b, w, 2u * step);
#else
    for (; a <= b; a += 2, b -= 2, w += step) {
        const int32_t wr = w[0], wi = w[1];
        int32_t ar = a[0], ai = a[1], br = b[0], bi = b[1];
        int32_t er = (ar + br + 1) >> 1, ei = (ai - bi + 1) >> 1;
        int32_t or_ = (ai + bi + 1) >> 1, oi = (br - ar + 1) >> 1;
        int32_t tr = (wr * or_ - wi * oi + 0x4000) >> 15;
        int32_t ti = (wr * oi + wi * or_ + 0x4000) >> 15;
        int32_t y0r = (er + tr + 1) >> 1, y0i = (ei + ti + 1) >> 1;
        int32_t y1r = (er - tr + 1) >> 1, y1i = (ti - ei + 1) >> 1;
        if ((OUT_OF_Q15(y0r) | OUT_OF_Q15(y0i) | OUT_OF_Q15(y1r) | OUT_OF_Q15(y1i)) > 0xFFFFu) {
            y0r = emml_sat_q15(y0r);
            y0i = emml_sat_q15(y0i);
            y1r = emml_sat_q15(y1r);
            y1i = emml_sat_q15(y1i);
        }
        a[0] = (int16_t)y0r;
        a[1] = (int16_t)y0i;
        /* k = m/2 (a == b): the second pair of writes wins */
        b[0] = (int16_t)y1r;
        b[1] = (int16_t)y1i;
    }
#endif
}

void emml_fft_rfft_bitrev_q15(const emml_fft_q15_t *fft, int16_t *data)
{
    cfft_bitrev_q15(fft, data);
    split_q15(fft, data);
}

void emml_fft_rfft_q15(const emml_fft_q15_t *fft, int16_t *data)
{
    const uint32_t m = (uint32_t)fft->n >> 1;
    BITREV_PAIRS(int16_t, data, m);
    cfft_bitrev_q15(fft, data);
    split_q15(fft, data);
}

void emml_fft_power_q15(const int16_t *spectrum, uint32_t n, uint32_t *power)
{
    uint32_t k;
    int32_t v = spectrum[0];
    power[0] = (uint32_t)(v * v);
    v = spectrum[1];
    power[n / 2u] = (uint32_t)(v * v);
    for (k = 1u; k < n / 2u; k++) {
        int32_t re = spectrum[2u * k], im = spectrum[2u * k + 1u];
        power[k] = (uint32_t)(re * re) + (uint32_t)(im * im);
    }
}

void emml_fft_magnitude_q15(const int16_t *spectrum, uint32_t n, uint16_t *magnitude)
{
    uint32_t k;
    int32_t v = spectrum[0];
    magnitude[0] = (uint16_t)(v < 0 ? -v : v);
    v = spectrum[1];
    magnitude[n / 2u] = (uint16_t)(v < 0 ? -v : v);
    for (k = 1u; k < n / 2u; k++) {
        int32_t re = spectrum[2u * k], im = spectrum[2u * k + 1u];
        magnitude[k] = (uint16_t)emml_isqrt_u32((uint32_t)(re * re) + (uint32_t)(im * im));
    }
}

#if EMML_FLOAT_ENABLE

emml_status_t emml_fft_init_f32(emml_fft_f32_t *fft, const emml_fft_table_f32_t *table, uint32_t n)
{
    emml_status_t st;
    if (fft == NULL || table == NULL || table->twiddle == NULL) {
        return EMML_ERR_NULL;
    }
    st = check_sizes(table->n, n);
    if (st != EMML_OK) {
        return st;
    }
    fft->n = (uint16_t)n;
    fft->stride = (uint16_t)(table->n / n);
    fft->twiddle = table->twiddle;
    return EMML_OK;
}

void emml_fft_rfft_f32(const emml_fft_f32_t *fft, float *data)
{
    const uint32_t n = fft->n;
    const uint32_t m = n >> 1;
    const float *tw = fft->twiddle;
    uint32_t half, j, k;

    BITREV_PAIRS(float, data, m);

    for (half = 1u; half < m; half <<= 1) {
        const uint32_t step = 2u * (uint32_t)fft->stride * (n / (2u * half));
        const uint32_t span = 2u * half;
        const float *w = tw;
        for (j = 0u; j < half; j++, w += step) {
            const float wr = w[0], wi = w[1];
            float *p = data + 2u * j;
            float *end = data + 2u * m;
            for (; p < end; p += 2u * span) {
                float *q = p + span;
                float tr = wr * q[0] - wi * q[1];
                float ti = wr * q[1] + wi * q[0];
                float ar = p[0], ai = p[1];
                p[0] = ar + tr;
                p[1] = ai + ti;
                q[0] = ar - tr;
                q[1] = ai - ti;
            }
        }
    }

    {
        float r0 = data[0], i0 = data[1];
        data[0] = r0 + i0;
        data[1] = r0 - i0;
    }
    for (k = 1u; k <= m / 2u; k++) {
        const float *w = tw + 2u * (uint32_t)fft->stride * k;
        const float wr = w[0], wi = w[1];
        float *a = data + 2u * k;
        float *b = data + 2u * (m - k);
        float er = 0.5f * (a[0] + b[0]), ei = 0.5f * (a[1] - b[1]);
        float or_ = 0.5f * (a[1] + b[1]), oi = 0.5f * (b[0] - a[0]);
        float tr = wr * or_ - wi * oi;
        float ti = wr * oi + wi * or_;
        a[0] = er + tr;
        a[1] = ei + ti;
        b[0] = er - tr;
        b[1] = ti - ei;
    }
}

void emml_fft_power_f32(const float *spectrum, uint32_t n, float *power)
{
    uint32_t k;
    power[0] = spectrum[0] * spectrum[0];
    power[n / 2u] = spectrum[1] * spectrum[1];
    for (k = 1u; k < n / 2u; k++) {
        float re = spectrum[2u * k], im = spectrum[2u * k + 1u];
        power[k] = re * re + im * im;
    }
}

void emml_fft_magnitude_f32(const float *spectrum, uint32_t n, float *magnitude)
{
    uint32_t k;
    emml_fft_power_f32(spectrum, n, magnitude);
    for (k = 0u; k <= n / 2u; k++) {
        magnitude[k] = emml_sqrt_f32(magnitude[k]);
    }
}

#endif /* EMML_FLOAT_ENABLE */
