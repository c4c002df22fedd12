"""Random int8 layers with TFLite-style quantization, without TensorFlow.

For kernel tests (the generated C against :mod:`emml.nn.reference`, many
shapes, paddings and alignments in seconds) and for the per-kernel cycle
table of bench/bench_nn.py. The numbers are random, not trained; the
arithmetic and the constants' ranges are those of a converted model.
"""

from __future__ import annotations

import numpy as np

from emml.nn import qmath
from emml.nn.ir import Layer, Net, window
from emml.nn.model import NNModel


def _requant(rs: np.random.RandomState, n: int, products: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel multipliers (input x weight / output scale) that map a sum of
    `products` random int8 products to a spread of about +-40 output steps."""
    typical = 40.0 / (np.sqrt(products) * 73.0 * 74.0)
    pairs = [qmath.quantize_multiplier(float(typical * np.exp(rs.uniform(-0.7, 0.7)))) for _ in range(n)]
    return np.array([m for m, _ in pairs], np.int32), np.array([s for _, s in pairs], np.int8)


def _out_q(rs: np.random.RandomState, act: str) -> tuple[int, int, int]:
    zout = int(rs.randint(-128, -90)) if act == "relu" else int(rs.randint(-20, 20))
    return zout, (zout if act == "relu" else -128), 127


def dense(rs: np.random.RandomState, n_in: int, n_out: int, in_zero: int, act: str = "relu") -> Layer:
    w = rs.randint(-127, 128, size=(n_out, n_in)).astype(np.int8)
    bias = rs.randint(-3000, 3000, size=n_out).astype(np.int64)
    mult, shift = _requant(rs, n_out, n_in)
    zout, lo, hi = _out_q(rs, act)
    return Layer("fc", f"dense_{n_in}x{n_out}", (n_in,), (n_out,),
                 {"in_zero": in_zero, "out_zero": zout, "act_min": lo, "act_max": hi, "per_channel": True,
                  "act": act},
                 {"w": w, "bias": bias.astype(np.int32),
                  "b": (bias - in_zero * w.astype(np.int64).sum(1)).astype(np.int32), "mult": mult, "shift": shift})


def conv(rs: np.random.RandomState, in_shape: tuple[int, ...], out_c: int, k: tuple[int, int],
         stride: tuple[int, int] = (1, 1), padding: str = "valid", in_zero: int = 0, depthwise: bool = False,
         dil: tuple[int, int] = (1, 1), act: str = "relu") -> Layer:
    """A Conv2D (out_c filters) or DepthwiseConv2D (out_c = depth multiplier)."""
    if depthwise:
        g, out = window(in_shape, k, stride, dil, padding, depth_mult=out_c)
        w = rs.randint(-127, 128, size=(k[0], k[1], g["out_c"])).astype(np.int8)
        sums = w.astype(np.int64).reshape(-1, g["out_c"]).sum(0)
    else:
        g, out = window(in_shape, k, stride, dil, padding, out_c=out_c)
        w = rs.randint(-127, 128, size=(out_c, k[0], k[1], g["in_c"])).astype(np.int8)
        sums = w.astype(np.int64).reshape(out_c, -1).sum(1)
    n = g["out_c"]
    bias = rs.randint(-3000, 3000, size=n).astype(np.int64)
    mult, shift = _requant(rs, n, w[..., 0].size if depthwise else w[0].size)
    zout, lo, hi = _out_q(rs, act)
    return Layer("dwconv2d" if depthwise else "conv2d", f"{'dw' if depthwise else 'conv'}_{k[0]}x{k[1]}",
                 tuple(in_shape), tuple(out),
                 {"g": g, "in_zero": in_zero, "out_zero": zout, "act_min": lo, "act_max": hi, "per_channel": True,
                  "act": act},
                 {"w": w, "bias": bias.astype(np.int32), "b": (bias - in_zero * sums).astype(np.int32),
                  "mult": mult, "shift": shift})


def chain(layers_spec: list[tuple], in_shape: tuple[int, ...], seed: int = 0, in_zero: int = 5) -> NNModel:
    """An int8 regressor of chained layers (ReLU, the last one linear): ("dense", n_out) or
    ("conv" | "dw", out_c, (k_h, k_w), (stride_h, stride_w), padding[, (dil_h, dil_w)])."""
    rs = np.random.RandomState(seed)
    layers: list[Layer] = []
    shape = tuple(in_shape)
    zin = in_zero
    for i, spec in enumerate(layers_spec):
        act = "linear" if i == len(layers_spec) - 1 else "relu"
        if spec[0] == "dense":
            l = dense(rs, int(np.prod(shape)), spec[1], zin, act)
        else:
            dil = spec[5] if len(spec) > 5 else (1, 1)
            l = conv(rs, shape, spec[1], spec[2], spec[3], spec[4], zin, depthwise=spec[0] == "dw", dil=dil, act=act)
        layers.append(l)
        shape = l.out_shape
        zin = l.params["out_zero"]
    net = Net("int8", f"synthetic seed {seed}", tuple(in_shape), shape, layers, in_q=(0.05, in_zero),
              out_q=(0.1, zin), task="regressor")
    return NNModel(net)
