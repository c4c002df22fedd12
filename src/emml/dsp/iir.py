"""IIR filters: quantization of scipy second-order sections for
emml_iir_process_q15, and bit-exact integer references of the q15 filters
in lib/emml/src/iir.c (biquad cascade, DC blocker, gravity separator)."""

from __future__ import annotations

import numpy as np

MAX_SHIFT = 14


def normalize_sos(sos, n_grid: int = 4096) -> np.ndarray:
    """Scale each section to a peak gain of 1 over frequency and put the
    remaining overall gain on the last section (same overall response).
    Keeps intermediate signals in range and small b coefficients precise."""
    from scipy.signal import sosfreqz

    sos = np.array(sos, dtype=np.float64)
    if sos.ndim != 2 or sos.shape[1] != 6:
        raise ValueError("sos must have shape (n_sections, 6)")
    if not np.allclose(sos[:, 3], 1.0):
        sos[:, :3] /= sos[:, 3:4]
        sos[:, 3:] /= sos[:, 3:4]
    total = 1.0
    for i in range(len(sos)):
        _, h = sosfreqz(sos[i : i + 1], worN=n_grid)
        g = float(np.max(np.abs(h)))
        if g > 0:
            sos[i, :3] /= g
            total *= g
    sos[-1, :3] *= total
    return sos


def quantize_sos(sos, normalize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """sos (scipy layout) -> (coeffs int16 (n, 5) = b0, b1, b2, -a1, -a2 scaled
    by 2^F, shifts uint8 (n,)). F per section: the largest <= 14 with every
    coefficient within int16 and sum |c_q| <= 65535 (no int32 overflow)."""
    sos = normalize_sos(sos) if normalize else np.asarray(sos, dtype=np.float64)
    coeffs, shifts = [], []
    for b0, b1, b2, a0, a1, a2 in sos:
        c = np.array([b0, b1, b2, -a1, -a2]) / a0
        for f in range(MAX_SHIFT, -1, -1):
            q = np.round(c * (1 << f))
            if np.all(np.abs(q) <= 32767) and np.sum(np.abs(q)) <= 65535:
                break
        else:
            raise ValueError(f"section {c} cannot be represented in q15 (coefficients too large)")
        coeffs.append(q.astype(np.int16))
        shifts.append(f)
    return np.array(coeffs, dtype=np.int16), np.array(shifts, dtype=np.uint8)


def sosfilt_q15(coeffs, shifts, x, state=None):
    """Bit-exact model of emml_iir_process_q15. state: int array (n, 4)
    (x1, x2, y1, y2), updated in place when given. Returns int16 output."""
    coeffs = np.asarray(coeffs, dtype=np.int64)
    ns = len(coeffs)
    st = np.zeros((ns, 4), dtype=np.int64) if state is None else state
    c = [[int(v) for v in row] for row in coeffs]
    sh = [int(v) for v in shifts]
    s = [[int(v) for v in row] for row in st]
    out = np.empty(len(x), dtype=np.int16)
    for t, xv in enumerate(np.asarray(x, dtype=np.int64).tolist()):
        for i in range(ns):
            ci, si, f = c[i], s[i], sh[i]
            acc = ci[0] * xv + ci[1] * si[0] + ci[2] * si[1] + ci[3] * si[2] + ci[4] * si[3]
            y = (acc + (1 << (f - 1))) >> f if f else acc
            y = max(-32768, min(32767, y))
            si[1], si[0], si[3], si[2] = si[0], xv, si[2], y
            xv = y
        out[t] = xv
    if state is not None:
        state[:] = s
    return out


def _mul_q15_q31(r: int, y: int) -> int:
    return 2 * r * (y >> 16) + ((r * (y & 0xFFFF)) >> 15)


def dcblock_q15(x, r_q15: int, state=None):
    """Bit-exact model of emml_dcblock_process_q15. state: dict(x1, y) or None."""
    st = state if state is not None else {"x1": 0, "y": 0}
    x1, y = st["x1"], st["y"]
    out = np.empty(len(x), dtype=np.int16)
    for t, xv in enumerate(np.asarray(x, dtype=np.int64).tolist()):
        y = (xv - x1) * 32768 + _mul_q15_q31(r_q15, y)
        y = max(-(2**31), min(2**31 - 1, y))
        x1 = xv
        out[t] = max(-32768, min(32767, (y >> 15) + ((y >> 14) & 1)))
    st["x1"], st["y"] = x1, y
    return out


def gravity_q15(xyz, alpha_q15: int, state=None):
    """Bit-exact model of emml_gravity_process_q15: (n, 3) int16 ->
    (body, gravity), both (n, 3) int16. state: dict(g=[...], primed=bool)."""
    xyz = np.asarray(xyz, dtype=np.int64).reshape(-1, 3)
    st = state if state is not None else {"g": [0, 0, 0], "primed": False}
    g = list(st["g"])
    if len(xyz) and not st["primed"]:
        g = [int(v) * 32768 for v in xyz[0]]
        st["primed"] = True
    body = np.empty(xyz.shape, dtype=np.int16)
    grav = np.empty(xyz.shape, dtype=np.int16)
    for t, row in enumerate(xyz.tolist()):
        for a in range(3):
            g[a] = g[a] + _mul_q15_q31(alpha_q15, row[a] * 32768 - g[a])
            gi = (g[a] >> 15) + ((g[a] >> 14) & 1)
            grav[t, a] = gi
            body[t, a] = max(-32768, min(32767, row[a] - gi))
    st["g"] = g
    return body, grav


def gravity_alpha_q15(cutoff_hz: float, fs: float) -> int:
    """alpha = 1 - exp(-2 pi fc / fs) in q15 (the one-pole low-pass of the
    gravity separator)."""
    return int(np.clip(np.round((1.0 - np.exp(-2 * np.pi * cutoff_hz / fs)) * 32768), 1, 32767))


def dcblock_r_q15(cutoff_hz: float, fs: float) -> int:
    """Pole R of the DC blocker for a -3 dB corner near cutoff_hz, in q15."""
    return int(np.clip(np.round(np.exp(-2 * np.pi * cutoff_hz / fs) * 32768), 1, 32767))
