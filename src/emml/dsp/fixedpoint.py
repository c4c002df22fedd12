"""Integer reference of lib/emml/src/fixed.c: the same formulas, vectorized
with numpy int64, so tests can compare the C bit for bit."""

from __future__ import annotations

import numpy as np

LOG2_ZERO_Q16 = -(2**31)  # EMML_LOG2_ZERO_Q16
LN2_Q16 = 45426  # round(ln 2 * 2^16)


def log2_table() -> list[int]:
    """log2(1 + i/32) in Q16, round to nearest, i = 0..32 (the table in fixed.c)."""
    return [int(np.floor(np.log2(1.0 + i / 32.0) * 65536.0 + 0.5)) for i in range(33)]


_LOG2_TABLE = np.array(log2_table(), dtype=np.int64)


def sat16(x):
    """Clamp to int16 (emml_sat_q15)."""
    return np.clip(x, -32768, 32767)


def half_sat(x):
    """(x + 1) >> 1 saturated to int16: the FFT butterfly halving."""
    return sat16((np.asarray(x, dtype=np.int64) + 1) >> 1)


def rshift_round(x, shift: int):
    """emml_rshift_round: (x + 2^(shift-1)) >> shift."""
    return (np.asarray(x, dtype=np.int64) + (1 << (shift - 1))) >> shift


def mul_q15(a, b):
    """emml_mul_q15: q15 product rounded (ties up) and saturated."""
    return sat16((np.asarray(a, dtype=np.int64) * np.asarray(b, dtype=np.int64) + 0x4000) >> 15)


def isqrt(x):
    """floor(sqrt(x)) for non-negative integers (emml_isqrt_u32 / _u64), exact."""
    x = np.asarray(x, dtype=np.uint64)
    r = np.floor(np.sqrt(x.astype(np.float64))).astype(np.uint64)
    # fix the float estimate by at most a couple of steps either way
    for _ in range(3):
        r = np.where(r * r > x, r - 1, r)
        r = np.where((r + 1) * (r + 1) <= x, r + 1, r)
    return r.astype(np.int64)


def bit_length(x):
    """Number of significant bits of non-negative int64 values (0 for 0)."""
    x = np.asarray(x, dtype=np.int64).copy()
    n = np.zeros(x.shape, dtype=np.int64)
    for s in (32, 16, 8, 4, 2, 1):
        big = x >= (np.int64(1) << s)
        n += np.where(big, s, 0)
        x = np.where(big, x >> s, x)
    return n + (x > 0)


def clz32(x):
    """emml_clz32."""
    return 32 - bit_length(x)


def log2_q16(x):
    """emml_log2_q16: log2(x) in Q16.16 for uint32 x (x == 0 -> LOG2_ZERO_Q16)."""
    x = np.asarray(x, dtype=np.int64)
    lz = clz32(x)
    m = (x << np.where(x > 0, lz, 0)) & 0x7FFFFFFF
    idx = m >> 26
    w = (m >> 10) & 0xFFFF
    a = _LOG2_TABLE[np.minimum(idx, 31)]
    b = _LOG2_TABLE[np.minimum(idx, 31) + 1]
    r = ((31 - lz) << 16) + a + (((b - a) * w + 0x8000) >> 16)
    return np.where(x == 0, LOG2_ZERO_Q16, r)


def ln_q16(x):
    """emml_ln_q16."""
    l2 = log2_q16(x)
    hi, lo = l2 >> 16, l2 & 0xFFFF
    r = hi * LN2_Q16 + ((lo * LN2_Q16 + 0x8000) >> 16)
    return np.where(np.asarray(x) == 0, LOG2_ZERO_Q16, r)
