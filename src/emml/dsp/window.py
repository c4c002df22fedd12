"""Analysis windows as emml stores them (emml/window.h)."""

from __future__ import annotations

import numpy as np

KINDS = ("hann", "hamming", "rect")


def window_f64(kind: str, n: int, periodic: bool = True) -> np.ndarray:
    """The full window, as scipy.signal.get_window(kind, n, fftbins=periodic)."""
    if kind in ("rect", "rectangular", "boxcar"):
        return np.ones(n)
    m = n if periodic else n - 1
    c = np.cos(2 * np.pi * np.arange(n) / m)
    if kind == "hann":
        return 0.5 - 0.5 * c
    if kind == "hamming":
        return 0.54 - 0.46 * c
    raise ValueError(f"unknown window {kind!r}; emml has {', '.join(KINDS)}")


def window_half(kind: str, n: int, periodic: bool = True, dtype: str = "q15") -> np.ndarray:
    """w[0 .. n/2]: what the C table stores."""
    w = window_f64(kind, n, periodic)[: n // 2 + 1]
    if dtype == "q15":
        return np.clip(np.round(w * 32768), -32768, 32767).astype(np.int16)
    return w.astype(np.float32)


def window_q15_full(kind: str, n: int, periodic: bool = True) -> np.ndarray:
    """The q15 window the C applies, all n values (mirrored from the table)."""
    if kind in ("rect", "rectangular", "boxcar"):
        return None
    h = window_half(kind, n, periodic, "q15").astype(np.int64)
    mirror = n if periodic else n - 1
    i = np.arange(n)
    return np.where(i <= n // 2, h[np.minimum(i, n // 2)], h[np.clip(mirror - i, 0, n // 2)])


def apply_q15(x, kind: str, periodic: bool = True) -> np.ndarray:
    """Bit-exact model of emml_window_apply_q15."""
    x = np.asarray(x, dtype=np.int64)
    w = window_q15_full(kind, x.shape[-1], periodic)
    if w is None:
        return x.astype(np.int16)
    return ((x * w + 0x4000) >> 15).astype(np.int16)
