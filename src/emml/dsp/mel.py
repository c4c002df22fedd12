"""Mel filterbanks (HTK and Slaney scales, librosa-compatible), their q15
tables, the orthonormal DCT-II for MFCC, and the bit-exact integer reference
of emml_logmel_frame_q15 / emml_mfcc_q15 (lib/emml/src/mel.c)."""

from __future__ import annotations

import numpy as np

from . import fft as _fft
from . import fixedpoint as fx
from . import window as _window

DB_PER_LOG2_Q12 = 12330


def hz_to_mel(f, htk: bool = False):
    f = np.asarray(f, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    lin = f / f_sp
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-30) / min_log_hz) / logstep, lin)


def mel_to_hz(m, htk: bool = False):
    m = np.asarray(m, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filterbank(sr: float, n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float | None = None,
                   htk: bool = False, norm: str | None = "slaney") -> np.ndarray:
    """Triangular mel filters, shape (n_mels, n_fft/2 + 1), float64: the same
    construction as librosa.filters.mel (written from the published formulas)."""
    fmax = sr / 2.0 if fmax is None else float(fmax)
    bins = np.arange(n_fft // 2 + 1) * sr / n_fft
    pts = mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels + 2), htk)
    fdiff = np.diff(pts)
    ramps = pts[:, None] - bins[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    w = np.maximum(0.0, np.minimum(lower, upper))
    if norm == "slaney":
        w *= (2.0 / (pts[2 : n_mels + 2] - pts[:n_mels]))[:, None]
    elif norm is not None:
        raise ValueError("norm must be 'slaney' or None")
    return w


def sparse_bands(fb: np.ndarray):
    """Per band the first and last non-zero bin: (start, offset, values list)."""
    start, offset, values = [], [0], []
    for row in fb:
        nz = np.nonzero(row > 0)[0]
        if len(nz) == 0:
            start.append(0)
            offset.append(offset[-1])
            values.append(np.zeros(0))
            continue
        lo, hi = int(nz[0]), int(nz[-1]) + 1
        start.append(lo)
        offset.append(offset[-1] + hi - lo)
        values.append(row[lo:hi])
    return np.array(start, np.uint16), np.array(offset, np.uint16), values


def quantize_filterbank(fb: np.ndarray, n_fft: int):
    """q15 tables: (start, offset, weights uint16, log2_offset int32 Q16)."""
    start, offset, values = sparse_bands(fb)
    wq, l2 = [], []
    for v in values:
        if len(v) == 0:
            l2.append(0)
            continue
        g = 32767.0 / v.max()
        wq.append(np.round(v * g))
        l2.append(int(np.round((2 * np.log2(n_fft) - 15 - np.log2(g)) * 65536)))
    weights = np.concatenate(wq).astype(np.uint16) if wq else np.zeros(0, np.uint16)
    return start, offset, weights, np.array(l2, np.int32)


def dct_matrix(n_mfcc: int, n_mels: int) -> np.ndarray:
    """Orthonormal DCT-II rows 0..n_mfcc-1 (scipy.fft.dct(type=2, norm='ortho'))."""
    j = np.arange(n_mfcc)[:, None]
    m = np.arange(n_mels)[None, :]
    d = np.sqrt(2.0 / n_mels) * np.cos(np.pi * j * (2 * m + 1) / (2 * n_mels))
    d[0] /= np.sqrt(2.0)
    return d


def quantize_dct(d: np.ndarray):
    """(dct int16, dct_frac, out_frac, shift): sum |D_q| per row <= 65535 and
    every output fits int16 for inputs in int16 Q8 dB."""
    rowsum = np.abs(d).sum(axis=1).max()
    frac = int(np.floor(np.log2(65535 / rowsum)))
    frac = min(frac, 15)
    while np.abs(np.round(d * 2**frac)).sum(axis=1).max() > 65535 or np.abs(np.round(d * 2**frac)).max() > 32767:
        frac -= 1
    dq = np.round(d * 2**frac).astype(np.int16)
    # worst output magnitude in dB: rowsum * 128 dB -> need out_frac bits below 2^15
    out_frac = 15 - int(np.ceil(np.log2(rowsum * 128.0)))
    shift = 8 + frac - out_frac
    return dq, frac, out_frac, shift


def _db_q8(l):
    l = np.asarray(l, dtype=np.int64)
    t = (l >> 16) * DB_PER_LOG2_Q12 + (((l & 0xFFFF) * DB_PER_LOG2_Q12) >> 16)
    return (t + 8) >> 4


def logmel_q15(frames, n_fft: int, window: str, periodic: bool, start, offset, weights, log2_offset,
               floor_db_q8: int, table_n: int | None = None) -> np.ndarray:
    """Bit-exact model of emml_logmel_frame_q15 for frames (..., n_fft) int16."""
    frames = np.asarray(frames, dtype=np.int16).reshape(-1, n_fft)
    n_mels = len(start)
    x = frames.astype(np.int64)
    ormask = np.bitwise_or.reduce(np.abs(x), axis=1)
    s = np.maximum(fx.clz32(ormask) - 17, 0)
    s = np.where(ormask == 0, 0, s)
    w = _window.apply_q15(x << s[:, None], window, periodic).astype(np.int64)
    spec = _fft.rfft_q15(w.astype(np.int16), table_n=table_n)
    p = _fft.power_q15(spec)  # (F, n/2+1) int64
    out = np.empty((len(frames), n_mels), dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64)
    for m in range(n_mels):
        lo, hi = int(offset[m]), int(offset[m + 1])
        k0 = int(start[m])
        wm = weights[lo:hi]
        pm = p[:, k0 : k0 + hi - lo]
        e = (wm * (pm >> 15) + ((wm * (pm & 0x7FFF)) >> 15)).sum(axis=1)
        l = fx.log2_q16(e) - 2 * s * 65536 + int(log2_offset[m])
        db = np.maximum(_db_q8(l), floor_db_q8)
        out[:, m] = np.where(e == 0, floor_db_q8, np.clip(db, -32768, 32767))
    out[ormask == 0] = floor_db_q8
    return out.astype(np.int16)


def mfcc_q15(logmel_q8, dct_q, shift: int) -> np.ndarray:
    """Bit-exact model of emml_mfcc_q15."""
    acc = np.asarray(logmel_q8, dtype=np.int64) @ np.asarray(dct_q, dtype=np.int64).T
    return np.clip((acc + (1 << (shift - 1))) >> shift, -32768, 32767).astype(np.int16)
