"""Real FFT twiddle tables and the integer reference of emml_fft_rfft_q15.

The q15 reference follows lib/emml/src/fft.c operation for operation (same
roundings, same saturation, same order of the split pass), so its output is
identical to the C, bit for bit. See emml/fft.h for the packed output layout
and the scaling (output = X / n in q15)."""

from __future__ import annotations

import numpy as np

from .fixedpoint import half_sat

MIN_SIZE, MAX_SIZE = 32, 1024


def check_size(n: int) -> int:
    n = int(n)
    if n < MIN_SIZE or n > MAX_SIZE or n & (n - 1):
        raise ValueError(f"FFT size must be a power of two in {MIN_SIZE}..{MAX_SIZE}, not {n}")
    return n


def twiddle_f64(n: int) -> np.ndarray:
    """(cos, -sin)(2 pi k / n) for k < n/2, shape (n/2, 2), float64."""
    k = np.arange(n // 2)
    a = 2.0 * np.pi * k / n
    return np.stack([np.cos(a), -np.sin(a)], axis=1)


def twiddle_q15(n: int) -> np.ndarray:
    """The q15 table emml writes: round(32768 * (cos, -sin)), clamped to +-32767."""
    return np.clip(np.round(twiddle_f64(check_size(n)) * 32768.0), -32767, 32767).astype(np.int16)


def twiddle_f32(n: int) -> np.ndarray:
    return twiddle_f64(check_size(n)).astype(np.float32)


def _bitrev(m: int) -> np.ndarray:
    bits = m.bit_length() - 1
    i = np.arange(m)
    r = np.zeros(m, dtype=np.int64)
    for b in range(bits):
        r |= ((i >> b) & 1) << (bits - 1 - b)
    return r


def rfft_q15(x, table_n: int | None = None) -> np.ndarray:
    """Bit-exact model of emml_fft_rfft_q15: int16[n] in, packed int16[n] out
    (X/n in q15). table_n: size of the twiddle table the C uses (default n)."""
    x = np.asarray(x)
    n = check_size(x.shape[-1])
    table_n = check_size(table_n or n)
    if table_n < n:
        raise ValueError("the table must be at least as large as the FFT")
    tw = twiddle_q15(table_n).astype(np.int64)[:: table_n // n]  # W_n^k, k < n/2
    m = n // 2
    z = x.astype(np.int64).reshape(x.shape[:-1] + (m, 2))[..., _bitrev(m), :]
    re, im = z[..., 0].copy(), z[..., 1].copy()

    # stage 1 (W = 1)
    ar, ai, br, bi = re[..., 0::2], im[..., 0::2], re[..., 1::2], im[..., 1::2]
    re = np.stack([half_sat(ar + br), half_sat(ar - br)], axis=-1).reshape(re.shape)
    im = np.stack([half_sat(ai + bi), half_sat(ai - bi)], axis=-1).reshape(im.shape)

    half = 2
    while half < m:
        shape = re.shape[:-1] + (m // (2 * half), 2, half)
        r3, i3 = re.reshape(shape), im.reshape(shape)
        w = tw[np.arange(half) * (n // (2 * half))]
        wr, wi = w[:, 0], w[:, 1]
        ar, ai, br, bi = r3[..., 0, :], i3[..., 0, :], r3[..., 1, :], i3[..., 1, :]
        tr = (wr * br - wi * bi + 0x4000) >> 15
        ti = (wr * bi + wi * br + 0x4000) >> 15
        re = np.stack([half_sat(ar + tr), half_sat(ar - tr)], axis=-2).reshape(re.shape)
        im = np.stack([half_sat(ai + ti), half_sat(ai - ti)], axis=-2).reshape(im.shape)
        half *= 2

    # split pass: sequential in the C (k and m-k written in that order); the
    # pairs are disjoint except k = m/2, where the second write wins.
    out_re, out_im = re.copy(), im.copy()
    r0, i0 = re[..., 0], im[..., 0]
    out_re[..., 0] = half_sat(r0 + i0)
    out_im[..., 0] = half_sat(r0 - i0)
    k = np.arange(1, m // 2 + 1)
    wr, wi = tw[k, 0], tw[k, 1]
    ar, ai, br, bi = re[..., k], im[..., k], re[..., m - k], im[..., m - k]
    er, ei = (ar + br + 1) >> 1, (ai - bi + 1) >> 1
    or_, oi = (ai + bi + 1) >> 1, (br - ar + 1) >> 1
    tr = (wr * or_ - wi * oi + 0x4000) >> 15
    ti = (wr * oi + wi * or_ + 0x4000) >> 15
    out_re[..., k] = half_sat(er + tr)
    out_im[..., k] = half_sat(ei + ti)
    out_re[..., m - k] = half_sat(er - tr)  # k = m/2: overwrites, as in C
    out_im[..., m - k] = half_sat(ti - ei)
    return np.stack([out_re, out_im], axis=-1).reshape(x.shape).astype(np.int16)


def unpack(packed) -> np.ndarray:
    """Packed real-FFT output (q15 ints or floats) -> complex bins 0..n/2."""
    p = np.asarray(packed)
    n = p.shape[-1]
    out = np.zeros(p.shape[:-1] + (n // 2 + 1,), dtype=np.complex128)
    out[..., 0] = p[..., 0]
    out[..., n // 2] = p[..., 1]
    out[..., 1 : n // 2] = p[..., 2::2] + 1j * p[..., 3::2]
    return out


def pack(spectrum) -> np.ndarray:
    """Complex bins 0..n/2 -> packed float layout (the inverse of unpack)."""
    s = np.asarray(spectrum)
    n = 2 * (s.shape[-1] - 1)
    out = np.zeros(s.shape[:-1] + (n,), dtype=np.float64)
    out[..., 0] = s[..., 0].real
    out[..., 1] = s[..., n // 2].real
    out[..., 2::2] = s[..., 1 : n // 2].real
    out[..., 3::2] = s[..., 1 : n // 2].imag
    return out


def power_q15(packed) -> np.ndarray:
    """emml_fft_power_q15: |X/n|^2 in q30, exact, n/2 + 1 values (int64)."""
    p = np.asarray(packed, dtype=np.int64)
    n = p.shape[-1]
    out = np.zeros(p.shape[:-1] + (n // 2 + 1,), dtype=np.int64)
    out[..., 0] = p[..., 0] ** 2
    out[..., n // 2] = p[..., 1] ** 2
    out[..., 1 : n // 2] = p[..., 2::2] ** 2 + p[..., 3::2] ** 2
    return out
