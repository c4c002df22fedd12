"""Real FFT twiddle tables and the integer reference of emml_fft_rfft_q15.

The q15 reference follows lib/emml/src/fft.c operation for operation (a
radix-2 stage with W = 1 when log2(n/2) is odd, then radix-4 stages; same
product roundings, same saturation, same order of the split pass), so its
output is identical to the C (and to the ARMv6-M assembly loops), bit for
bit. See emml/fft.h for the stage plan, the packed output layout and the
scaling (output = X / n in q15)."""

from __future__ import annotations

import numpy as np

from .fixedpoint import half_sat, sat16

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


def _twiddles_q15(n: int, table_n: int, k) -> tuple[np.ndarray, np.ndarray]:
    """W_n^k (cos, -sin) from the q15 table for 0 <= k < n, as the C reads
    it: k >= n/2 is -W_n^(k - n/2) (the table holds k < n/2 only)."""
    tw = twiddle_q15(table_n).astype(np.int64)[:: table_n // n]
    k = np.asarray(k)
    neg = k >= n // 2
    w = tw[np.where(neg, k - n // 2, k)]
    w = np.where(neg[..., None], -w, w)
    return w[..., 0], w[..., 1]


def _cmul_q15(wr, wi, xr, xi):
    """Rounded q15 complex product W * x (each part (p + 2^14) >> 15)."""
    return (wr * xr - wi * xi + 0x4000) >> 15, (wr * xi + wi * xr + 0x4000) >> 15


def cfft_bitrev_q15(re: np.ndarray, im: np.ndarray, n: int, table_n: int):
    """The complex stages of emml_fft_rfft_q15 on bit-reversed (re, im)
    int64 arrays of m = n/2 points (last axis): returns (re, im) of the
    m-point DFT / m. See emml/fft.h for the stage plan and rounding."""
    m = n // 2
    if (m.bit_length() - 1) & 1:  # odd log2(m): radix-2 stage with W = 1 first
        ar, ai, br, bi = re[..., 0::2], im[..., 0::2], re[..., 1::2], im[..., 1::2]
        re = np.stack([half_sat(ar + br), half_sat(ar - br)], axis=-1).reshape(re.shape)
        im = np.stack([half_sat(ai + bi), half_sat(ai - bi)], axis=-1).reshape(im.shape)
        h = 2
    else:
        h = 1
    while h < m:
        shape = re.shape[:-1] + (m // (4 * h), 4, h)
        r4, i4 = re.reshape(shape), im.reshape(shape)
        # memory order of the four h-point transforms: A0, A2, A1, A3
        a0r, a0i = r4[..., 0, :] + 2, i4[..., 0, :] + 2
        j = np.arange(h)
        step = m // (2 * h)  # W_4h^j = W_n^(j step)
        if h == 1:  # W = 1 exactly (the C skips the products)
            (t2r, t2i), (t1r, t1i), (t3r, t3i) = [(r4[..., i, :], i4[..., i, :]) for i in (1, 2, 3)]
        else:
            t2r, t2i = _cmul_q15(*_twiddles_q15(n, table_n, 2 * j * step), r4[..., 1, :], i4[..., 1, :])
            t1r, t1i = _cmul_q15(*_twiddles_q15(n, table_n, j * step), r4[..., 2, :], i4[..., 2, :])
            t3r, t3i = _cmul_q15(*_twiddles_q15(n, table_n, 3 * j * step), r4[..., 3, :], i4[..., 3, :])
        s02r, s02i, d02r, d02i = a0r + t2r, a0i + t2i, a0r - t2r, a0i - t2i
        s13r, s13i, d13r, d13i = t1r + t3r, t1i + t3i, t1r - t3r, t1i - t3i
        out_r = [s02r + s13r, d02r + d13i, s02r - s13r, d02r - d13i]
        out_i = [s02i + s13i, d02i - d13r, s02i - s13i, d02i + d13r]
        re = sat16(np.stack([v >> 2 for v in out_r], axis=-2)).reshape(re.shape)
        im = sat16(np.stack([v >> 2 for v in out_i], axis=-2)).reshape(im.shape)
        h *= 4
    return re, im


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
    re, im = cfft_bitrev_q15(z[..., 0].copy(), z[..., 1].copy(), n, table_n)

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
    tr, ti = _cmul_q15(wr, wi, or_, oi)
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
