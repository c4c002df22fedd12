"""Quantized integer features for tree ensembles (dtype int16/int8/uint8).

Each feature f gets an affine map, computed in float32 exactly as the
generated C does it:

    v = (x - lo[f]) * inv_scale[f] + qmin   (float32, no fused multiply-add)
    v = clamp(v, qmin, qmax)                (NaN -> qmin)
    q = (int32)(v - qmin + 0.5f) + qmin     (round half up)

The offset lo[f] (the calibration minimum) is subtracted first, so a feature
far from zero keeps its precision (x * inv_scale + zero would cancel), and
every step is monotonic in x: x <= y gives q(x) <= q(y).

Integer-valued inputs (no calibration data, or calibration data that is all
integers inside the type's range) use inv_scale 1 and zero 0: q == x, and a
threshold t becomes floor(t), so ``q <= floor(t)`` equals scikit-learn's
``x <= t`` exactly.

Real-valued inputs use an affine quantizer fitted on calibration data
(X_calibration: the training data): per feature, [min, max] is mapped onto
[qmin, qmax]. A threshold t becomes T = q(t32), t32 the largest float32 <= t
(as the float path): a sample with x <= t has q(x) <= T and goes left, like
scikit-learn; one that lies within one quantization step (1 / inv_scale)
above t may also go left. Values outside the calibration range saturate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from emml.model import UnsupportedError
from emml.trees.ir import Ensemble, float32_floor

RANGES = {"int16": (-32768, 32767), "int8": (-128, 127), "uint8": (0, 255)}


@dataclass
class Quantizer:
    dtype: str
    inv_scale: np.ndarray  # float32 (n_features,)
    lo: np.ndarray  # float32 (n_features,): the calibration minimum, subtracted first
    integer: bool  # identity map (integer-valued inputs)

    @property
    def qmin(self) -> int:
        return RANGES[self.dtype][0]

    @property
    def qmax(self) -> int:
        return RANGES[self.dtype][1]

    def describe(self) -> str:
        if self.integer:
            return f"{self.dtype}, integer-valued inputs (q = x, saturating)"
        return f"{self.dtype}, affine per feature from calibration data (q = round(x * inv_scale + zero))"

    def quantize(self, X: Any) -> np.ndarray:
        """The integer reference of the C float entries' quantization."""
        return self._map(np.asarray(X, dtype=np.float32), self.lo, self.inv_scale)

    def _map(self, x: np.ndarray, lo: np.ndarray, inv_scale: np.ndarray) -> np.ndarray:
        """x (float32) of features with these offsets and scales -> integers."""
        with np.errstate(invalid="ignore", over="ignore"):
            if self.integer:
                v = x.copy()
            else:  # float32 ops, rounded each
                v = ((x - lo).astype(np.float32) * inv_scale).astype(np.float32) + np.float32(self.qmin)
            lo_q, hi_q = np.float32(self.qmin), np.float32(self.qmax)
            v = np.where(np.isnan(v) | (v < lo_q), lo_q, v)
            v = np.where(v > hi_q, hi_q, v).astype(np.float32)
            r = (v - lo_q).astype(np.float32) + np.float32(0.5)
        return (np.floor(r.astype(np.float32)).astype(np.int64) + self.qmin).astype(np.int64)

    def threshold_ints(self, thresholds: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Integer threshold T per node: go left iff q <= T."""
        t = np.asarray(thresholds, dtype=np.float64)
        f = np.asarray(features, dtype=np.int64)
        if self.integer:
            T = np.floor(t)
        else:  # the largest float32 <= t, quantized as a sample of its feature is
            T = self._map(float32_floor(t), self.lo[f], self.inv_scale[f]).astype(np.float64)
        return np.clip(T, self.qmin - 1, self.qmax).astype(np.int64)

    def c_quantize_lines(self, ctype: str, name: str) -> list[str]:
        """C statements for one feature i: x[i] -> q[i]."""
        lo, hi = f"{self.qmin}.0f", f"{self.qmax}.0f"
        src = "x[i]" if self.integer else f"(x[i] - {name}_quant_lo[i]) * {name}_quant_inv_scale[i] + {lo}"
        return [
            f"float v = {src};",
            f"if (!(v >= {lo})) /* also NaN */",
            f"    v = {lo};",
            f"if (v > {hi})",
            f"    v = {hi};",
            f"q[i] = ({ctype})((int32_t)(v - ({lo}) + 0.5f) + ({self.qmin}));",
        ]


def make_quantizer(ens: Ensemble, dtype: str, X_calibration: Any = None) -> Quantizer:
    if dtype not in RANGES:
        raise UnsupportedError(f"dtype={dtype!r} is not supported; use float32, int16, int8 or uint8")
    n = ens.n_features
    qmin, qmax = RANGES[dtype]
    if X_calibration is None:
        return Quantizer(dtype, np.ones(n, np.float32), np.zeros(n, np.float32), integer=True)
    X = np.asarray(X_calibration, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != n:
        raise ValueError(f"X_calibration must have shape (n_samples, {n}), got {X.shape}")
    if np.isnan(X).any():
        raise ValueError("X_calibration contains NaN; quantized trees need complete data")
    if np.all(X == np.round(X)) and X.min() >= qmin and X.max() <= qmax:
        return Quantizer(dtype, np.ones(n, np.float32), np.zeros(n, np.float32), integer=True)
    lo = float32_floor(X.min(axis=0))
    hi = X.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    if not np.all(np.isfinite(span)):
        bad = int(np.flatnonzero(~np.isfinite(span))[0])
        raise UnsupportedError(f"X_calibration feature {bad} spans more than float64 can hold; rescale it")
    inv = ((qmax - qmin) / span).astype(np.float32)
    return Quantizer(dtype, inv, lo.astype(np.float32), integer=False)
