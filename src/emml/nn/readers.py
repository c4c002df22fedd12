"""Float readers: scikit-learn MLPs and Keras models to a float32 :class:`Net`.

Keras is never imported here: a Keras model is recognised and read through
its own attributes, so emml works without TensorFlow installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from emml.model import UnsupportedError
from emml.provenance import model_digest
from emml.nn.ir import Layer, Net, finish_task, hwc, window

SKLEARN = ("MLPClassifier", "MLPRegressor")
KERAS_LAYERS = (
    "InputLayer", "Dense", "Conv1D", "Conv2D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
    "SeparableConv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Flatten",
    "Reshape", "BatchNormalization", "Dropout", "Activation", "ReLU", "LeakyReLU", "Softmax",
)
_REMOVED = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianDropout", "GaussianNoise", "AlphaDropout",
            "ActivityRegularization")
_INSTEAD = {
    "LSTM": "a Conv1D (or DepthwiseConv1D) stack over the time window, ending in GlobalAveragePooling1D + Dense",
    "GRU": "a Conv1D stack over the time window, ending in GlobalAveragePooling1D + Dense",
    "SimpleRNN": "a Conv1D stack over the time window",
    "Bidirectional": "a Conv1D stack over the time window",
    "Conv2DTranspose": "UpSampling is not supported either; redesign as an encoder (Conv2D + pooling)",
    "Conv1DTranspose": "an encoder of Conv1D + pooling",
    "Embedding": "one-hot or numeric features in front of a Dense layer",
    "LayerNormalization": "BatchNormalization (folded into the previous layer)",
    "Add": "a single-path Sequential model", "Concatenate": "a single-path Sequential model",
    "Multiply": "a single-path Sequential model", "MultiHeadAttention": "Conv1D + GlobalAveragePooling1D",
    "UpSampling1D": "a single-path encoder", "UpSampling2D": "a single-path encoder",
    "ZeroPadding1D": "padding='same' on the next convolution", "ZeroPadding2D": "padding='same' on the next convolution",
    "Cropping1D": "a Reshape or crop the input before the model", "Cropping2D": "crop the input before the model",
    "PReLU": "LeakyReLU", "ELU": "ReLU or LeakyReLU", "Rescaling": "scale the input before the model",
    "Normalization": "emml.preprocess or scaling the input before the model",
}
_ACT_NAMES = {"linear": "linear", "relu": "relu", "relu6": "relu6", "sigmoid": "sigmoid", "tanh": "tanh",
              "softmax": "softmax", "leaky_relu": "leaky_relu"}
_SK_ACTS = {"identity": "linear", "relu": "relu", "tanh": "tanh", "logistic": "sigmoid", "softmax": "softmax"}


def is_keras(obj: Any) -> bool:
    mod = type(obj).__module__ or ""
    return (mod.startswith("keras") or mod.startswith("tf_keras")) and hasattr(obj, "layers")


def is_sklearn_mlp(obj: Any) -> bool:
    return type(obj).__name__ in SKLEARN and (type(obj).__module__ or "").startswith("sklearn")


def _digest(arrays: list[np.ndarray], meta: str) -> str:
    return model_digest("nn", arrays, meta)


def _act_layer(name: str, shape: tuple[int, ...], act: str, alpha: float = 0.0) -> Layer:
    if act == "softmax":
        return Layer("softmax", name, shape, shape)
    return Layer("act", name, shape, shape, {"act": act, "alpha": float(alpha)})


def fuse(layers: list[Layer]) -> list[Layer]:
    """Fold element-wise activations (not softmax) and affine layers into the
    dense/conv layer before them when that layer has no activation yet."""
    out: list[Layer] = []
    for l in layers:
        prev = out[-1] if out else None
        linear = prev is not None and prev.op in ("dense", "conv2d", "dwconv2d") and prev.params["act"] == "linear"
        if l.op == "act" and linear:
            prev.params["act"] = l.params["act"]
            prev.params["alpha"] = l.params["alpha"]
            prev.name += f"+{l.name}"
            continue
        if l.op == "act" and l.params["act"] == "linear":
            continue
        if l.op == "affine" and linear:
            scale, shift = l.arrays["scale"], l.arrays["shift"]
            w = prev.arrays["w"]
            if prev.op == "dwconv2d":  # w: [kh][kw][out_c]
                prev.arrays["w"] = (w * scale).astype(np.float32)
            else:  # [out][...]
                prev.arrays["w"] = (w * scale.reshape((-1,) + (1,) * (w.ndim - 1))).astype(np.float32)
            prev.arrays["b"] = (prev.arrays["b"] * scale + shift).astype(np.float32)
            prev.name += f"+{l.name}"
            continue
        if l.op == "reshape" and prev is not None and prev.op == "reshape":
            prev.out_shape = l.out_shape
            continue
        out.append(l)
    return out


# ---- scikit-learn ------------------------------------------------------------
def read_sklearn(est: Any) -> Net:
    if not hasattr(est, "coefs_"):
        raise UnsupportedError(f"{type(est).__name__} is not fitted; call fit() before emml.convert")
    name = type(est).__name__
    hidden = _SK_ACTS[est.activation]
    out_act = _SK_ACTS.get(est.out_activation_)
    if out_act is None:
        raise UnsupportedError(f"{name} output activation {est.out_activation_!r} is not supported")
    if name == "MLPClassifier" and est.out_activation_ == "logistic" and est.coefs_[-1].shape[1] > 1:
        raise UnsupportedError("multi-label MLPClassifier (several logistic outputs) is not supported; "
                               "train one MLPClassifier per label or use MLPRegressor on the indicator matrix")
    layers: list[Layer] = []
    n_layers = len(est.coefs_)
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        n_in, n_out = W.shape
        act = out_act if i == n_layers - 1 else hidden
        layers.append(Layer("dense", f"layer{i}", (n_in,), (n_out,), {"act": "linear", "alpha": 0.0},
                            {"w": np.ascontiguousarray(W.T, np.float32), "b": np.asarray(b, np.float32)}))
        layers.append(_act_layer(f"{act}{i}", (n_out,), act))
    net = Net("float32", name, (est.coefs_[0].shape[0],), (est.coefs_[-1].shape[1],), fuse(layers),
              digest=_digest(list(est.coefs_) + list(est.intercepts_), name))
    if name == "MLPClassifier":
        net.classes = np.asarray(est.classes_)
        return finish_task(net, "classifier")
    return finish_task(net, "regressor")


# ---- Keras -------------------------------------------------------------------
def _act_name(fn: Any, where: str) -> tuple[str, float]:
    name = getattr(fn, "__name__", None) or str(fn)
    if name in _ACT_NAMES:
        return _ACT_NAMES[name], 0.2 if name == "leaky_relu" else 0.0
    raise UnsupportedError(f"activation {name!r} in {where} is not supported; use one of relu, relu6, "
                           "leaky_relu, sigmoid, tanh, softmax or linear")


def _pair(v: Any, one_d: bool) -> tuple[int, int]:
    v = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    if one_d:
        return 1, int(v[0])
    return (int(v[0]), int(v[1])) if len(v) > 1 else (int(v[0]), int(v[0]))


def _single_path(model: Any) -> list[Any]:
    layers = list(model.layers)
    if type(model).__name__ != "Sequential":
        for l in layers:
            inb = getattr(l, "_inbound_nodes", [])
            if len(inb) > 1 or any(len(getattr(n, "input_tensors", ()) or ()) > 1 for n in inb):
                raise UnsupportedError(f"layer {l.name!r} ({type(l).__name__}) has several inputs; emml supports "
                                       "single-path models (Sequential or a functional chain)")
    return layers


def read_keras(model: Any, task: str | None = None) -> Net:
    try:
        in_shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    except (AttributeError, TypeError, ValueError, IndexError):
        raise UnsupportedError("the Keras model has no defined input shape; build it with keras.Input(shape=...) "
                               "or call it on data once before converting") from None
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise UnsupportedError("emml converts models with one input and one output")
    shape = in_shape
    layers: list[Layer] = []
    weights: list[np.ndarray] = []
    for kl in _single_path(model):
        kind = type(kl).__name__
        nm = kl.name
        if kind == "InputLayer" or kind in _REMOVED:
            continue
        if kind not in KERAS_LAYERS:
            hint = _INSTEAD.get(kind, "one of the supported layers: " + ", ".join(KERAS_LAYERS[1:]))
            raise UnsupportedError(f"layer {nm!r} ({kind}) is not supported by emml.nn; use {hint} instead")
        fmt = getattr(kl, "data_format", "channels_last")
        if fmt not in (None, "channels_last"):
            raise UnsupportedError(f"layer {nm!r} ({kind}) uses data_format={fmt!r}; use channels_last")
        ws = [np.asarray(w) for w in kl.get_weights()]
        weights += ws
        one_d = kind.endswith("1D")
        if kind == "Dense":
            if len(shape) != 1:
                raise UnsupportedError(f"layer {nm!r} (Dense) gets a {len(shape)}-D input {shape}; put Flatten or "
                                       "GlobalAveragePooling before it")
            W = ws[0]
            b = ws[1] if kl.use_bias else np.zeros(W.shape[1], np.float32)
            act, alpha = _act_name(kl.activation, nm)
            out = (W.shape[1],)
            layers.append(Layer("dense", nm, shape, out, {"act": "linear", "alpha": 0.0},
                                {"w": np.ascontiguousarray(W.T, np.float32), "b": b.astype(np.float32)}))
            layers.append(_act_layer(nm, out, act, alpha))
            shape = out
        elif kind in ("Conv1D", "Conv2D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
                      "SeparableConv2D"):
            if len(shape) != (2 if one_d else 3):
                raise UnsupportedError(f"layer {nm!r} ({kind}) got input shape {shape}")
            if getattr(kl, "groups", 1) != 1:
                raise UnsupportedError(f"layer {nm!r} ({kind}) uses groups={kl.groups}; use groups=1 or DepthwiseConv")
            padding = kl.padding
            if padding not in ("valid", "same"):
                raise UnsupportedError(f"layer {nm!r} ({kind}) uses padding={padding!r}; use 'valid' or 'same' "
                                       "(for causal padding, pad the input window yourself)")
            k = _pair(kl.kernel_size, one_d)
            stride = _pair(kl.strides, one_d)
            dil = _pair(kl.dilation_rate, one_d)
            if (stride[0] > 1 or stride[1] > 1) and (dil[0] > 1 or dil[1] > 1):
                raise UnsupportedError(f"layer {nm!r} ({kind}): strides > 1 together with dilation > 1")
            act, alpha = _act_name(kl.activation, nm)
            use_bias = kl.use_bias
            if kind.startswith("Conv"):
                W = ws[0]  # (k, in, out) or (kh, kw, in, out)
                W = W.reshape((1,) + W.shape) if one_d else W
                g, out = window(shape, k, stride, dil, padding, out_c=W.shape[3])
                b = ws[1] if use_bias else np.zeros(W.shape[3], np.float32)
                layers.append(Layer("conv2d", nm, shape, out, {"g": g, "act": "linear", "alpha": 0.0},
                                    {"w": np.ascontiguousarray(W.transpose(3, 0, 1, 2), np.float32),
                                     "b": b.astype(np.float32)}))
            else:
                D = ws[0]  # (k, in, mult) or (kh, kw, in, mult)
                D = D.reshape((1,) + D.shape) if one_d else D
                mult = D.shape[3]
                g, out = window(shape, k, stride, dil, padding, depth_mult=mult)
                dw = np.ascontiguousarray(D.reshape(D.shape[0], D.shape[1], -1), np.float32)
                if kind.startswith("Depthwise"):
                    b = ws[1] if use_bias else np.zeros(g["out_c"], np.float32)
                    layers.append(Layer("dwconv2d", nm, shape, out, {"g": g, "act": "linear", "alpha": 0.0},
                                        {"w": dw, "b": b.astype(np.float32)}))
                else:  # separable: depthwise (no bias) then pointwise 1x1
                    P = ws[1]  # (1, 1, in*mult, out) or (1, in*mult, out)
                    P = P.reshape(P.shape[-2], P.shape[-1])
                    layers.append(Layer("dwconv2d", nm + "/depthwise", shape, out,
                                        {"g": g, "act": "linear", "alpha": 0.0},
                                        {"w": dw, "b": np.zeros(g["out_c"], np.float32)}))
                    g2, out2 = window(out, (1, 1), (1, 1), (1, 1), "valid", out_c=P.shape[1])
                    b = ws[2] if use_bias else np.zeros(P.shape[1], np.float32)
                    layers.append(Layer("conv2d", nm + "/pointwise", out, out2,
                                        {"g": g2, "act": "linear", "alpha": 0.0},
                                        {"w": np.ascontiguousarray(P.T.reshape(P.shape[1], 1, 1, P.shape[0]),
                                                                   np.float32), "b": b.astype(np.float32)}))
                    out = out2
            layers.append(_act_layer(nm, out, act, alpha))
            shape = out
        elif kind in ("MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"):
            if len(shape) != (2 if one_d else 3):
                raise UnsupportedError(f"layer {nm!r} ({kind}) got input shape {shape}")
            k = _pair(kl.pool_size, one_d)
            stride = _pair(kl.strides if kl.strides is not None else kl.pool_size, one_d)
            g, out = window(shape, k, stride, (1, 1), kl.padding)
            layers.append(Layer("maxpool" if kind.startswith("Max") else "avgpool", nm, shape, out, {"g": g}))
            shape = out
        elif kind.startswith("Global"):
            h, w, c = hwc(shape)
            keep = getattr(kl, "keepdims", False)
            out = (c,) if not keep else ((1, c) if one_d else (1, 1, c))
            layers.append(Layer("gap" if "Average" in kind else "gmp", nm, shape, (c,), {"n_pos": h * w}))
            if keep:
                layers.append(Layer("reshape", nm, (c,), out))
            shape = out
        elif kind in ("Flatten", "Reshape"):
            out = (int(np.prod(shape)),) if kind == "Flatten" else tuple(int(d) for d in kl.target_shape)
            if int(np.prod(out)) != int(np.prod(shape)):
                raise UnsupportedError(f"layer {nm!r} (Reshape) changes the size {shape} -> {out}")
            hwc(out)
            layers.append(Layer("reshape", nm, shape, out))
            shape = out
        elif kind == "BatchNormalization":
            axis = kl.axis if isinstance(kl.axis, int) else kl.axis[0]
            if axis not in (-1, len(shape)):
                raise UnsupportedError(f"layer {nm!r} (BatchNormalization) normalizes axis {axis}; only the "
                                       "channel (last) axis is supported")
            c = shape[-1]
            gamma = np.asarray(kl.gamma) if kl.scale else np.ones(c)
            beta = np.asarray(kl.beta) if kl.center else np.zeros(c)
            mean, var = np.asarray(kl.moving_mean), np.asarray(kl.moving_variance)
            scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + kl.epsilon)
            shift = beta - mean * scale
            layers.append(Layer("affine", nm, shape, shape, {},
                                {"scale": scale.astype(np.float32), "shift": shift.astype(np.float32)}))
        elif kind == "Activation":
            act, alpha = _act_name(kl.activation, nm)
            layers.append(_act_layer(nm, shape, act, alpha))
        elif kind == "ReLU":
            mv = kl.max_value
            slope = float(kl.negative_slope)
            if float(kl.threshold) != 0.0:
                raise UnsupportedError(f"layer {nm!r} (ReLU) has threshold={kl.threshold}; use threshold=0")
            if mv is None and slope == 0.0:
                layers.append(_act_layer(nm, shape, "relu"))
            elif mv is None:
                layers.append(_act_layer(nm, shape, "leaky_relu", slope))
            elif float(mv) == 6.0 and slope == 0.0:
                layers.append(_act_layer(nm, shape, "relu6"))
            else:
                raise UnsupportedError(f"layer {nm!r} (ReLU) with max_value={mv}, negative_slope={slope}; use "
                                       "ReLU(), ReLU(max_value=6) or LeakyReLU")
        elif kind == "LeakyReLU":
            alpha = getattr(kl, "negative_slope", None)
            alpha = getattr(kl, "alpha", 0.3) if alpha is None else alpha
            layers.append(_act_layer(nm, shape, "leaky_relu", float(alpha)))
        elif kind == "Softmax":
            ax = kl.axis if isinstance(kl.axis, int) else kl.axis[0]
            if ax not in (-1, len(shape)):
                raise UnsupportedError(f"layer {nm!r} (Softmax) over axis {ax}; only the last axis is supported")
            layers.append(Layer("softmax", nm, shape, shape))
    net = Net("float32", f"keras {type(model).__name__} {model.name!r}", in_shape, shape, fuse(layers),
              digest=_digest(weights, repr(model.to_json() if hasattr(model, "to_json") else model.name)))
    return finish_task(net, task)
