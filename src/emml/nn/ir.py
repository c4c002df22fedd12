"""The network IR every reader produces and the code generator consumes.

A :class:`Net` is a single-path chain of :class:`Layer` s. Shapes exclude the
batch axis and are channels-last, as Keras and TFLite give them. Float nets
hold float32 weights; int8 nets hold int8 weights, int32 biases and the
requantization constants the C kernels use, computed once here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: ops that compute out of place (need their own output buffer)
FLOAT_OPS = ("dense", "conv2d", "dwconv2d", "maxpool", "avgpool", "gap", "gmp", "act", "affine", "softmax", "reshape")
INT8_OPS = ("fc", "conv2d", "dwconv2d", "maxpool", "avgpool", "mean", "logistic", "tanh", "softmax", "leaky",
            "requant", "reshape")
#: element-wise ops that may run in place (output buffer == input buffer)
IN_PLACE = ("act", "affine", "softmax", "logistic", "tanh", "leaky", "requant")
ACTS = {"linear": 0, "relu": 1, "relu6": 2, "leaky_relu": 3, "sigmoid": 4, "tanh": 5}


def hwc(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(h, w, c) of a channels-last shape: (n,) -> (1, 1, n); (w, c) -> (1, w, c)."""
    if len(shape) == 1:
        return 1, 1, int(shape[0])
    if len(shape) == 2:
        return 1, int(shape[0]), int(shape[1])
    if len(shape) == 3:
        return int(shape[0]), int(shape[1]), int(shape[2])
    raise ValueError(f"tensors of rank {len(shape)} (shape {shape}) are not supported; use at most 3 axes")


def out_size(n: int, k: int, stride: int, dil: int, padding: str) -> tuple[int, int]:
    """TensorFlow's output size and leading padding for one axis."""
    eff = (k - 1) * dil + 1
    if padding == "same":
        out = -(-n // stride)
        total = max((out - 1) * stride + eff - n, 0)
        return out, total // 2
    if padding == "valid":
        out = -(-(n - eff + 1) // stride)
        if out <= 0:
            raise ValueError(f"window {eff} larger than the input ({n}) with padding='valid'")
        return out, 0
    raise ValueError(f"padding={padding!r} is not supported; use 'valid' or 'same'")


def window(in_shape: tuple[int, ...], k: tuple[int, int], stride: tuple[int, int], dil: tuple[int, int],
           padding: str, out_c: int | None = None, depth_mult: int = 1) -> tuple[dict[str, int], tuple[int, ...]]:
    """The emml_nn_window_t fields and the output shape (same rank as in_shape)."""
    h, w, c = hwc(in_shape)
    oh, pt = out_size(h, k[0], stride[0], dil[0], padding)
    ow, pl = out_size(w, k[1], stride[1], dil[1], padding)
    oc = c * depth_mult if out_c is None else out_c
    g = {"in_h": h, "in_w": w, "in_c": c, "out_h": oh, "out_w": ow, "out_c": oc, "k_h": k[0], "k_w": k[1],
         "stride_h": stride[0], "stride_w": stride[1], "dil_h": dil[0], "dil_w": dil[1], "pad_top": pt,
         "pad_left": pl, "depth_mult": depth_mult}
    for key, lim in (("in_h", 65535), ("in_w", 65535), ("in_c", 65535), ("out_c", 65535), ("k_h", 255), ("k_w", 255),
                     ("stride_h", 255), ("stride_w", 255), ("dil_h", 255), ("dil_w", 255), ("pad_top", 255),
                     ("pad_left", 255)):
        if g[key] > lim:
            raise ValueError(f"{key}={g[key]} exceeds the kernel limit {lim}")
    out_shape = (oc,) if len(in_shape) == 1 else (ow, oc) if len(in_shape) == 2 else (oh, ow, oc)
    return g, out_shape


@dataclass
class Layer:
    op: str
    name: str  # the source layer/operator this came from
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    params: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def in_size(self) -> int:
        return int(math.prod(self.in_shape))

    @property
    def out_size(self) -> int:
        return int(math.prod(self.out_shape))

    @property
    def in_place(self) -> bool:
        return self.op in IN_PLACE or self.op == "reshape"


@dataclass
class Net:
    dtype: str  # "float32" or "int8"
    source: str  # e.g. "keras.Sequential 'mlp'", "MLPClassifier", "model.tflite"
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    layers: list[Layer]
    task: str = "regressor"  # "classifier" or "regressor"
    output: str = "identity"  # how outputs map to probabilities: "softmax", "sigmoid", "identity"
    classes: np.ndarray | None = None
    in_q: tuple[float, int] | None = None  # int8: (scale, zero_point) of the input
    out_q: tuple[float, int] | None = None
    digest: str = ""

    @property
    def n_in(self) -> int:
        return int(math.prod(self.in_shape))

    @property
    def n_out(self) -> int:
        return int(math.prod(self.out_shape))


def finish_task(net: Net, task: str | None) -> Net:
    """Infer classifier/regressor from the output activation unless given."""
    last = next((l for l in reversed(net.layers) if l.op != "reshape"), None)
    out = "identity"
    if last is not None:
        if last.op == "softmax":
            out = "softmax"
        elif last.op in ("logistic",) or (last.op in ("act", "dense", "conv2d", "dwconv2d")
                                           and last.params.get("act") == "sigmoid"):
            out = "sigmoid"
    net.output = out
    if task is None:
        task = "classifier" if out == "softmax" or (out == "sigmoid" and net.n_out == 1) else "regressor"
    if task not in ("classifier", "regressor"):
        raise ValueError(f"task={task!r}: use 'classifier' or 'regressor'")
    if task == "classifier" and out == "sigmoid" and net.n_out != 1:
        raise ValueError("a sigmoid output with several units is multi-label; convert it with task='regressor' "
                         "and threshold the outputs yourself")
    net.task = task
    if task == "classifier" and net.classes is None:
        net.classes = np.arange(2 if net.n_out == 1 else net.n_out)
    return net
