"""Python integer reference of an int8 :class:`Net`: the same arithmetic as the
C kernels (lib/emml/src/nn_i8.c), written independently with numpy, so a test
can check the generated C and TFLite Micro against it bit for bit."""

from __future__ import annotations

import numpy as np

from emml.nn import qmath
from emml.nn.ir import Layer, Net, hwc


def _clamp(v: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return np.clip(v, lo, hi).astype(np.int8)


def _patches(x: np.ndarray, g: dict, pad_value: int) -> tuple[np.ndarray, np.ndarray]:
    """(out_h, out_w, k_h, k_w, c) windows of x (h, w, c) and an in-bounds mask."""
    h, w, c = x.shape
    oy = np.arange(g["out_h"])[:, None] * g["stride_h"] - g["pad_top"]
    ox = np.arange(g["out_w"])[:, None] * g["stride_w"] - g["pad_left"]
    iy = oy + np.arange(g["k_h"])[None, :] * g["dil_h"]  # (out_h, k_h)
    ix = ox + np.arange(g["k_w"])[None, :] * g["dil_w"]
    vy = (iy >= 0) & (iy < h)
    vx = (ix >= 0) & (ix < w)
    pat = x[np.clip(iy, 0, h - 1)[:, None, :, None], np.clip(ix, 0, w - 1)[None, :, None, :]]
    mask = vy[:, None, :, None] & vx[None, :, None, :]  # (out_h, out_w, k_h, k_w)
    pat = np.where(mask[..., None], pat, pad_value)
    return pat, mask


def _requant(l: Layer, acc: np.ndarray) -> np.ndarray:
    p, a = l.params, l.arrays
    mult = a["mult"].astype(np.int64)
    shift = a["shift"].astype(np.int64)
    v = qmath.requantize_v(acc, mult, shift) + p["out_zero"]
    return _clamp(v, p["act_min"], p["act_max"])


def run_layer(l: Layer, x: np.ndarray) -> np.ndarray:
    p, a = l.params, l.arrays
    op = l.op
    if op == "fc":
        acc = a["w"].astype(np.int64) @ (x.reshape(-1).astype(np.int64) - p["in_zero"]) + a["bias"].astype(np.int64)
        return _requant(l, acc)
    if op in ("conv2d", "dwconv2d"):
        g = p["g"]
        xi = x.reshape(g["in_h"], g["in_w"], g["in_c"]).astype(np.int64) - p["in_zero"]
        pat, _ = _patches(xi, g, 0)
        if op == "conv2d":
            acc = np.einsum("yxhwc,ohwc->yxo", pat, a["w"].astype(np.int64))
        else:
            pat = np.repeat(pat, g["depth_mult"], axis=-1)  # out channel = ic * mult + m
            acc = np.einsum("yxhwc,hwc->yxc", pat, a["w"].astype(np.int64))
        return _requant(l, acc + a["bias"].astype(np.int64))
    if op in ("maxpool", "avgpool"):
        g = p["g"]
        xi = x.reshape(g["in_h"], g["in_w"], g["in_c"]).astype(np.int64)
        pat, mask = _patches(xi, g, -128 if op == "maxpool" else 0)
        if op == "maxpool":
            out = pat.max(axis=(2, 3))
        else:
            s = pat.sum(axis=(2, 3))
            n = mask.sum(axis=(2, 3))[..., None].astype(np.int64)
            out = np.where(s > 0, (s + n // 2) // n, -((-s + n // 2) // n))  # C division truncates toward 0
        return _clamp(out, p["act_min"], p["act_max"])
    if op == "mean":
        xi = x.reshape(p["n_pos"], p["depth"]).astype(np.int64)
        acc = xi.sum(axis=0) - p["in_zero"] * p["n_pos"]
        return _clamp(qmath.requantize_v(acc, p["mult"], p["shift"]) + p["out_zero"], -128, 127)
    if op == "logistic":
        return qmath.logistic_i8(x, p)
    if op == "tanh":
        return qmath.tanh_i8(x, p)
    if op == "softmax":
        return qmath.softmax_i8(x.reshape(p["rows"], p["depth"]), p)
    if op == "leaky":
        v = x.astype(np.int64) - p["in_zero"]
        pos = qmath.requantize_v(v, p["mult_pos"], p["shift_pos"])
        neg = qmath.requantize_v(v, p["mult_neg"], p["shift_neg"])
        return _clamp(np.where(v >= 0, pos, neg) + p["out_zero"], -128, 127)
    if op == "requant":
        v = qmath.requantize_v(x.astype(np.int64) - p["in_zero"], a["mult"][0], a["shift"][0]) + p["out_zero"]
        return _clamp(v, p["act_min"], p["act_max"])
    if op == "reshape":
        return x
    raise ValueError(f"no int8 reference for op {op!r}")


def forward_i8(net: Net, X: np.ndarray) -> np.ndarray:
    """Raw int8 outputs for already-quantized rows X (n_samples, n_in)."""
    X = np.asarray(X, np.int8).reshape(-1, net.n_in)
    out = np.empty((X.shape[0], net.n_out), np.int8)
    for i, row in enumerate(X):
        v = row
        for l in net.layers:
            v = run_layer(l, v).reshape(-1)
        out[i] = v
    return out


def quantize_input(net: Net, X: np.ndarray) -> np.ndarray:
    """float rows -> int8 as TFLite's QUANTIZE (float32 division, ties away from 0)."""
    scale, zero = net.in_q
    v = (np.asarray(X, np.float32) / np.float32(scale)).astype(np.float64)  # float32 division, exact rounding
    r = np.where(v >= 0, np.floor(np.abs(v) + 0.5), -np.floor(np.abs(v) + 0.5))
    r = np.nan_to_num(np.clip(r, -1024, 1024), nan=0.0)
    return np.clip(r.astype(np.int64) + zero, -128, 127).astype(np.int8)


def float_keys(x: np.ndarray) -> np.ndarray:
    """float32 -> int64 keys that order as the floats (sign and magnitude; -0 == +0)."""
    bits = np.asarray(x, np.float32).view(np.uint32).astype(np.int64)
    mag = bits & 0x7FFFFFFF
    return np.where(bits >= 1 << 31, -mag, mag)


def _from_keys(keys: np.ndarray) -> np.ndarray:
    keys = np.asarray(keys, np.int64)
    bits = np.where(keys < 0, (-keys) | (1 << 31), keys).astype(np.uint32)
    return bits.view(np.float32)


def quantize_thresholds(net: Net) -> np.ndarray:
    """The table of emml_nn_quantize_table_f32: for output v = -127..127 the key
    of the smallest float32 x with quantize_input(x) >= v (quantize_input is
    non-decreasing in x), found by bisection over the keys of all floats."""
    lo = np.full(255, -0x7F800000, np.int64)  # -inf: quantizes to -128, below every threshold
    hi = np.full(255, 0x7F800000, np.int64)  # +inf: 127, at or above every threshold
    want = np.arange(-127, 128)
    one = Net(net.dtype, net.source, (255,), (255,), [], in_q=net.in_q)
    while (hi - lo > 1).any():
        mid = (lo + hi) // 2
        ok = quantize_input(one, _from_keys(mid)[None, :])[0].astype(np.int64) >= want
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    return hi.astype(np.int32)


__all__ = ["float_keys", "forward_i8", "quantize_input", "quantize_thresholds", "run_layer", "hwc"]
