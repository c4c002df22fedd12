"""Integer arithmetic of int8 networks, in Python: the reference the C
kernels in lib/emml/src/nn_i8.c must match bit for bit.

It follows TensorFlow Lite's published quantization spec (int8 activations
with a zero point, symmetric int8 weights, int32 bias, Q31 multiplier and
power-of-two shift with round-half-away-from-zero) and gemmlowp's documented
fixed-point functions for exp, 1/(1+x), logistic and tanh. Scalar helpers work
on Python ints (with explicit int32 wrap-around); array helpers on int64 numpy
arrays.
"""

from __future__ import annotations

import math

import numpy as np

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


def round_away(x: float) -> int:
    """Round half away from zero (C's round(), TFLite's TfLiteRound)."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def quantize_multiplier(m: float) -> tuple[int, int]:
    """A positive real multiplier as (Q31 significand, power-of-two shift):
    m ~= significand / 2^31 * 2^shift, significand in [2^30, 2^31)."""
    if m == 0.0:
        return 0, 0
    q, shift = math.frexp(m)
    fixed = round_away(q * (1 << 31))
    if fixed == 1 << 31:
        fixed //= 2
        shift += 1
    if shift < -31:  # every bit would be shifted out: the product is 0
        return 0, 0
    return int(fixed), int(shift)


def quantize_multiplier_gt_one(m: float) -> tuple[int, int]:
    mult, shift = quantize_multiplier(m)
    if shift < 0:
        raise ValueError(f"multiplier {m} is below one")
    return mult, shift


def wrap32(x: int) -> int:
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


# ---- scalar gemmlowp-style fixed point ---------------------------------------
def srdhm(a: int, b: int) -> int:
    """a * b / 2^31 rounded (+0.5 up, -0.5 toward zero); saturates INT32_MIN^2."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    ab += (1 << 30) if ab >= 0 else 1 - (1 << 30)
    q = abs(ab) >> 31
    return q if ab >= 0 else -q


def rdivpot(x: int, e: int) -> int:
    """x / 2^e rounded to nearest, ties away from zero."""
    mask = (1 << e) - 1
    rem = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if rem > threshold else 0)


def requantize(acc: int, mult: int, shift: int) -> int:
    left = max(shift, 0)
    right = max(-shift, 0)
    return rdivpot(srdhm(wrap32(acc << left), mult), right)


def _shl_sat(x: int, e: int) -> int:
    threshold = (1 << (31 - e)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return wrap32(x << e)


def _exp_quarter(a: int) -> int:
    x = wrap32(a + (1 << 28))
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    poly = rdivpot(wrap32(srdhm(wrap32(rdivpot(x4, 2) + x3), 715827883) + x2), 1)
    return wrap32(1895147668 + srdhm(1895147668, wrap32(x + poly)))


_BARREL = (1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242)


def exp_neg(a: int, int_bits: int) -> int:
    """e^a for a <= 0 in Q(int_bits).(31-int_bits); result in Q0.31."""
    frac = 31 - int_bits
    quarter = 1 << (frac - 2)
    a_mod = wrap32((a & (quarter - 1)) - quarter)
    result = _exp_quarter(_shl_sat(a_mod, int_bits) if int_bits > 0 else a_mod)
    rem = wrap32(a_mod - a)
    for k in range(-2, 5):
        if int_bits > k and rem & (1 << (frac + k)):
            result = srdhm(result, _BARREL[k + 2])
    if int_bits > 5 and a < -(1 << (36 - int_bits)):
        result = 0
    return INT32_MAX if a == 0 else result


def _two_over_one_plus(a: int) -> int:
    t = a + INT32_MAX + (1 if a + INT32_MAX >= 0 else -1)
    half = abs(t) // 2 if t >= 0 else -(abs(t) // 2)  # int64 division truncates toward zero
    x = wrap32(1515870810 + srdhm(half, -1010580540))
    for _ in range(3):
        one_minus = wrap32((1 << 29) - srdhm(half, x))
        x = wrap32(x + _shl_sat(srdhm(x, one_minus), 2))
    return x


def one_over_one_plus(a: int) -> int:
    return _shl_sat(_two_over_one_plus(a), 1)


def logistic_q(a: int) -> int:
    """logistic(a), a in Q4.27, result Q0.31."""
    if a == 0:
        return 1 << 30
    pos = one_over_one_plus(exp_neg(-abs(a), 4))
    return pos if a > 0 else wrap32(INT32_MAX - pos)


def tanh_q(a: int) -> int:
    """tanh(a), a in Q4.27, result Q0.31."""
    if a == 0:
        return 0
    t = _shl_sat(wrap32(_two_over_one_plus(exp_neg(-abs(a), 5)) - (1 << 29)), 2)
    return -t if a < 0 else t


def input_radius(int_bits: int, left_shift: int, total_bits: int = 31) -> int:
    """Largest |x - zero_point| whose rescaled value still fits the fixed-point input."""
    return int(math.floor(((1 << int_bits) - 1) * (1 << (total_bits - int_bits)) / (1 << left_shift)))


def sigmoid_params(in_scale: float, in_zero: int) -> dict[str, int]:
    """Input rescaling of int8 logistic and tanh: to Q4.27."""
    real = float(in_scale) * (1 << 27)
    q, shift = math.frexp(real)
    mult = round_away(q * (1 << 31))
    return {"in_zero": int(in_zero), "mult": int(mult), "shift": int(shift), "radius": input_radius(4, shift)}


def softmax_params(beta: float, in_scale: float) -> dict[str, int]:
    real = min(float(beta) * float(in_scale) * (1 << 26), (1 << 31) - 1.0)
    mult, shift = quantize_multiplier_gt_one(real)
    return {"mult": mult, "shift": shift, "diff_min": -input_radius(5, shift)}


def _clamp8(v: int, lo: int = -128, hi: int = 127) -> int:
    return lo if v < lo else hi if v > hi else v


def logistic_i8(x: np.ndarray, p: dict[str, int]) -> np.ndarray:
    lut = np.empty(256, np.int8)
    for q in range(-128, 128):
        v = q - p["in_zero"]
        if v <= -p["radius"]:
            o = -128
        elif v >= p["radius"]:
            o = 127
        else:
            o = _clamp8(rdivpot(logistic_q(requantize(v, p["mult"], p["shift"])), 23) - 128)
        lut[q + 128] = o
    return lut[x.astype(np.int64) + 128]


def tanh_i8(x: np.ndarray, p: dict[str, int]) -> np.ndarray:
    lut = np.empty(256, np.int8)
    for q in range(-128, 128):
        v = q - p["in_zero"]
        if v <= -p["radius"]:
            o = -128
        elif v >= p["radius"]:
            o = 127
        else:
            o = _clamp8(rdivpot(tanh_q(requantize(v, p["mult"], p["shift"])), 24))
        lut[q + 128] = o
    return lut[x.astype(np.int64) + 128]


def softmax_i8(x: np.ndarray, p: dict[str, int]) -> np.ndarray:
    rows = x.reshape(-1, x.shape[-1]).astype(np.int64)
    out = np.empty(rows.shape, np.int8)
    for r, row in enumerate(rows):
        top = int(row.max())
        exps = []
        for v in row:
            d = int(v) - top
            exps.append(exp_neg(srdhm(wrap32(d << p["shift"]), p["mult"]), 5) if d >= p["diff_min"] else None)
        total = 0
        for e in exps:
            if e is not None:
                total = wrap32(total + rdivpot(e, 12))
        head = 32 - (total & 0xFFFFFFFF).bit_length()
        bits_over = 12 - head
        scale = one_over_one_plus(wrap32(((total << head) & 0xFFFFFFFF) - (1 << 31)))
        for c, e in enumerate(exps):
            if e is None:
                out[r, c] = -128
            else:
                out[r, c] = _clamp8(rdivpot(srdhm(scale, e), min(bits_over + 23, 31)) - 128)
    return out.reshape(x.shape)


# ---- vectorized requantization (int64 arrays) ----------------------------------
def srdhm_v(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    ab = a * b
    ab = ab + np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    q = np.where(ab >= 0, ab >> 31, -((-ab) >> 31))
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, q)


def rdivpot_v(x: np.ndarray, e: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.int64)
    e = np.asarray(e, np.int64)
    mask = (np.int64(1) << e) - 1
    rem = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + (rem > threshold)


def requantize_v(acc: np.ndarray, mult: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Element-wise acc * mult * 2^shift as TFLite's MultiplyByQuantizedMultiplier."""
    acc = np.asarray(acc, np.int64)
    shift = np.asarray(shift, np.int64)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    shifted = ((acc << left) + (1 << 31)) % (1 << 32) - (1 << 31)  # int32 wrap, as the C
    return rdivpot_v(srdhm_v(shifted, mult), right)
