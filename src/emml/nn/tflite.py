"""Read a fully int8-quantized .tflite flatbuffer into an int8 :class:`Net`.

The flatbuffer is parsed with the schema module that ships with the
``tflite-micro`` (or ``tensorflow``) package. Requantization constants are
computed here the way TFLite Micro's Prepare() computes them, so the C
kernels and :mod:`emml.nn.reference` reproduce its outputs bit for bit.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from emml.model import UnsupportedError
from emml.nn import qmath
from emml.nn.ir import Layer, Net, finish_task, hwc, window

_INT8 = 9  # TensorType.INT8
_INT32 = 2
_FLOAT32 = 0
_ACT = {0: "linear", 1: "relu", 3: "relu6"}
_OPS_HINT = ("FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, MAX_POOL_2D, AVERAGE_POOL_2D, MEAN, RESHAPE, "
             "EXPAND_DIMS, SQUEEZE, LOGISTIC, TANH, SOFTMAX, LEAKY_RELU, RELU, RELU6, QUANTIZE (first), "
             "DEQUANTIZE (last)")


def _schema() -> Any:
    try:
        from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as s
        return s
    except ImportError:
        pass
    try:
        from tensorflow.lite.python import schema_py_generated as s  # type: ignore[no-redef]
        return s
    except ImportError:
        from emml.extras import MissingExtraError

        raise MissingExtraError("reading .tflite files needs the flatbuffer schema from tflite-micro or "
                                "tensorflow; install it with: pip install 'emml[nn]'") from None


def _op_names(s: Any) -> dict[int, str]:
    return {v: k for k, v in vars(s.BuiltinOperator).items() if isinstance(v, int)}


class _Graph:
    def __init__(self, data: bytes) -> None:
        s = _schema()
        self.s = s
        m = s.ModelT.InitFromObj(s.Model.GetRootAsModel(bytearray(data), 0))
        if len(m.subgraphs) != 1:
            raise UnsupportedError(f"the .tflite model has {len(m.subgraphs)} subgraphs; emml supports one")
        self.m = m
        self.g = m.subgraphs[0]
        names = _op_names(s)
        self.codes = []
        for oc in m.operatorCodes:
            code = max(int(oc.builtinCode), int(oc.deprecatedBuiltinCode))
            self.codes.append(names.get(code, f"builtin {code}") if not oc.customCode else
                              f"custom {oc.customCode!r}")

    def tensor(self, i: int) -> Any:
        return self.g.tensors[i]

    def name(self, i: int) -> str:
        n = self.tensor(i).name
        return n.decode() if isinstance(n, bytes) else str(n)

    def shape(self, i: int) -> tuple[int, ...]:
        return tuple(int(d) for d in self.tensor(i).shape)

    def data(self, i: int, dtype: Any) -> np.ndarray:
        t = self.tensor(i)
        buf = self.m.buffers[t.buffer].data
        if buf is None:
            raise UnsupportedError(f"tensor {self.name(i)!r} should be a constant but has no data")
        return np.frombuffer(bytes(bytearray(buf)), dtype=dtype).reshape(self.shape(i))

    def quant(self, i: int) -> tuple[np.ndarray, np.ndarray, int]:
        q = self.tensor(i).quantization
        if q is None or q.scale is None or len(q.scale) == 0:
            raise UnsupportedError(f"tensor {self.name(i)!r} is not quantized; convert with a representative "
                                   "dataset and full int8 quantization (emml.nn.quantize does)")
        return (np.asarray(q.scale, np.float32), np.asarray(q.zeroPoint, np.int64), int(q.quantizedDimension))

    def qparams(self, i: int) -> tuple[float, int]:
        sc, zp, _ = self.quant(i)
        return float(sc[0]), int(zp[0])

    def type(self, i: int) -> int:
        return int(self.tensor(i).type)


def _act_range(act: str, scale: float, zero: int) -> tuple[int, int]:
    """TFLite's CalculateActivationRangeQuantized for int8."""
    def q(f: float) -> int:
        return zero + qmath.round_away(float(np.float32(f) / np.float32(scale)))
    lo, hi = -128, 127
    if act == "relu":
        lo = max(lo, q(0.0))
    elif act == "relu6":
        lo, hi = max(lo, q(0.0)), min(hi, q(6.0))
    return lo, hi


def _requant(in_scale: float, w_scales: np.ndarray, out_scale: float, n: int) -> tuple[np.ndarray, np.ndarray, bool]:
    per_channel = len(w_scales) > 1
    ms, ss = [], []
    for c in range(n if per_channel else 1):
        m, s = qmath.quantize_multiplier(float(in_scale) * float(w_scales[c]) / float(out_scale))
        ms.append(m)
        ss.append(s)
    return np.asarray(ms, np.int32), np.asarray(ss, np.int8), per_channel


def _fused(g: _Graph, opts: Any, op_name: str) -> str:
    f = int(getattr(opts, "fusedActivationFunction", 0) or 0)
    if f not in _ACT:
        raise UnsupportedError(f"{op_name} with fused activation {f}; use ReLU, ReLU6 or none")
    return _ACT[f]


def read_tflite(data: bytes, source: str = ".tflite", task: str | None = None) -> Net:
    g = _Graph(data)
    if len(g.g.inputs) != 1 or len(g.g.outputs) != 1:
        raise UnsupportedError("emml converts .tflite models with one input and one output")
    # the data path: walk back from the output through each operator's first input;
    # operators off that path only compute shapes (SHAPE/STRIDED_SLICE/PACK into RESHAPE)
    producer = {int(o): op for op in g.g.operators for o in op.outputs}
    ops = []
    t = int(g.g.outputs[0])
    while t != int(g.g.inputs[0]):
        if t not in producer:
            raise UnsupportedError(f"tensor {g.name(t)!r} is not computed from the model input; emml supports "
                                   "single-path graphs")
        ops.append(producer[t])
        t = int(producer[t].inputs[0])
    ops.reverse()
    in_float = False
    out_float = False
    if ops and g.codes[ops[0].opcodeIndex] == "QUANTIZE" and g.type(ops[0].inputs[0]) == _FLOAT32:
        in_float = True
        ops = ops[1:]
    if ops and g.codes[ops[-1].opcodeIndex] == "DEQUANTIZE":
        out_float = True
        ops = ops[:-1]
    if not ops:
        raise UnsupportedError("the .tflite model has no int8 operators")
    first_in = ops[0].inputs[0]
    last_out = ops[-1].outputs[0]
    if g.type(first_in) != _INT8 or g.type(last_out) != _INT8:
        raise UnsupportedError("emml reads fully int8-quantized .tflite files (int8 activations); convert with "
                               "optimizations=[tf.lite.Optimize.DEFAULT], a representative_dataset and "
                               "supported_ops=[tf.lite.OpsSet.TFLITE_BUILTINS_INT8] (emml.nn.quantize does)")
    in_shape = g.shape(first_in)[1:]
    layers: list[Layer] = []
    cur = first_in
    for op in ops:
        kind = g.codes[op.opcodeIndex]
        ins = [i for i in op.inputs]
        out = op.outputs[0]
        if ins[0] != cur:
            raise UnsupportedError(f"operator {kind} does not consume the previous operator's output; emml "
                                   "supports single-path graphs")
        for t in [ins[0], out]:
            if g.type(t) != _INT8:
                raise UnsupportedError(f"operator {kind} ({g.name(out)!r}) has a non-int8 activation; use full "
                                       "int8 quantization")
        ishape, oshape = g.shape(ins[0])[1:], g.shape(out)[1:]
        opts = op.builtinOptions
        nm = g.name(out)
        sin, zin = g.qparams(ins[0])
        sout, zout = g.qparams(out)
        if kind == "FULLY_CONNECTED":
            w = g.data(ins[1], np.int8)
            n_out, n_in = w.shape
            ws, wz, _ = g.quant(ins[1])
            if np.any(wz != 0):
                raise UnsupportedError(f"{kind} {nm!r}: weights with a non-zero zero point")
            bias = g.data(ins[2], np.int32).astype(np.int64) if len(ins) > 2 and ins[2] >= 0 else np.zeros(n_out)
            if getattr(opts, "keepNumDims", False):
                raise UnsupportedError(f"{kind} {nm!r} keeps dimensions; apply Dense to a flat input")
            act = _fused(g, opts, kind)
            mult, shift, pc = _requant(sin, ws, sout, n_out)
            lo, hi = _act_range(act, sout, zout)
            folded = bias - zin * w.astype(np.int64).sum(axis=1)
            if np.abs(folded).max(initial=0) >= 2**31:
                raise UnsupportedError(f"{kind} {nm!r}: folded bias overflows int32")
            layers.append(Layer("fc", nm, (n_in,), (n_out,),
                                {"in_zero": zin, "out_zero": zout, "act_min": lo, "act_max": hi, "per_channel": pc,
                                 "act": act, "in_q": (sin, zin), "out_q": (sout, zout)},
                                {"w": np.ascontiguousarray(w), "bias": bias.astype(np.int32),
                                 "b": folded.astype(np.int32), "mult": mult, "shift": shift}))
        elif kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            w = g.data(ins[1], np.int8)
            ws, wz, qdim = g.quant(ins[1])
            if np.any(wz != 0):
                raise UnsupportedError(f"{kind} {nm!r}: weights with a non-zero zero point")
            pad = "same" if int(opts.padding) == 0 else "valid"
            stride = (int(opts.strideH), int(opts.strideW))
            dil = (int(opts.dilationHFactor), int(opts.dilationWFactor))
            act = _fused(g, opts, kind)
            if kind == "CONV_2D":
                oc, kh, kw, ic = w.shape
                if ic != hwc(ishape)[2]:
                    raise UnsupportedError(f"{kind} {nm!r}: grouped convolution is not supported")
                geo, oshape2 = window(ishape, (kh, kw), stride, dil, pad, out_c=oc)
                op_name = "conv2d"
            else:
                _, kh, kw, oc = w.shape
                mult_d = int(opts.depthMultiplier) or oc // hwc(ishape)[2]
                geo, oshape2 = window(ishape, (kh, kw), stride, dil, pad, depth_mult=oc // hwc(ishape)[2])
                w = w.reshape(kh, kw, oc)
                op_name = "dwconv2d"
                del mult_d
            if tuple(oshape2) != tuple(oshape):
                raise UnsupportedError(f"{kind} {nm!r}: output shape {oshape} differs from the computed {oshape2}")
            bias = g.data(ins[2], np.int32) if len(ins) > 2 and ins[2] >= 0 else np.zeros(oc, np.int32)
            mult, shift, pc = _requant(sin, ws, sout, oc)
            lo, hi = _act_range(act, sout, zout)
            # the C kernels compute sum(x * w) with padding read as in_zero; fold the zero point into the bias
            w_sums = w.astype(np.int64).reshape(oc, -1).sum(axis=1) if op_name == "conv2d" else \
                w.astype(np.int64).reshape(-1, oc).sum(axis=0)
            b = bias.astype(np.int64) - zin * w_sums
            if np.abs(b).max(initial=0) >= 2**31:
                raise UnsupportedError(f"{kind} {nm!r}: folded bias overflows int32")
            layers.append(Layer(op_name, nm, ishape, oshape,
                                {"g": geo, "in_zero": zin, "out_zero": zout, "act_min": lo, "act_max": hi,
                                 "per_channel": pc, "act": act},
                                {"w": np.ascontiguousarray(w), "bias": bias.astype(np.int32),
                                 "b": b.astype(np.int32), "mult": mult, "shift": shift}))
        elif kind in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
            if (sin, zin) != (sout, zout):
                raise UnsupportedError(f"{kind} {nm!r}: input and output quantization differ")
            pad = "same" if int(opts.padding) == 0 else "valid"
            geo, _ = window(ishape, (int(opts.filterHeight), int(opts.filterWidth)),
                            (int(opts.strideH), int(opts.strideW)), (1, 1), pad)
            act = _fused(g, opts, kind)
            lo, hi = _act_range(act, sout, zout)
            layers.append(Layer("maxpool" if kind.startswith("MAX") else "avgpool", nm, ishape, oshape,
                                {"g": geo, "act_min": lo, "act_max": hi}))
        elif kind == "MEAN":
            axes = sorted(int(a) % (len(ishape) + 1) for a in np.ravel(g.data(ins[1], np.int32)))
            h, w_, c = hwc(ishape)
            spatial = list(range(1, len(ishape)))
            if axes != spatial:
                raise UnsupportedError(f"MEAN {nm!r} over axes {axes}; only the spatial mean "
                                       "(GlobalAveragePooling) is supported")
            n = h * w_
            mult, shift = qmath.quantize_multiplier(float(sin) / float(sout))
            s_ = n.bit_length() - 1
            s_ = min(s_, 32, 31 + shift)
            mult = (mult << s_) // n
            shift -= s_
            layers.append(Layer("mean", nm, ishape, oshape,
                                {"n_pos": n, "depth": c, "in_zero": zin, "out_zero": zout, "mult": int(mult),
                                 "shift": int(shift)}))
        elif kind in ("RESHAPE", "EXPAND_DIMS", "SQUEEZE"):
            if (sin, zin) != (sout, zout):
                raise UnsupportedError(f"{kind} {nm!r}: input and output quantization differ")
            layers.append(Layer("reshape", nm, ishape, oshape))
        elif kind in ("LOGISTIC", "TANH"):
            p = qmath.sigmoid_params(sin, zin)
            want = (1.0 / 256, -128) if kind == "LOGISTIC" else (1.0 / 128, 0)
            if zout != want[1] or abs(sout - want[0]) > 1e-9:
                raise UnsupportedError(f"{kind} {nm!r}: output quantization {(sout, zout)} is not TFLite's {want}")
            layers.append(Layer("logistic" if kind == "LOGISTIC" else "tanh", nm, ishape, oshape, p))
        elif kind == "SOFTMAX":
            if zout != -128 or abs(sout - 1.0 / 256) > 1e-9:
                raise UnsupportedError(f"SOFTMAX {nm!r}: output quantization must be scale 1/256, zero point -128")
            p = qmath.softmax_params(float(opts.beta), sin)
            depth = ishape[-1] if ishape else 1
            p.update({"rows": int(np.prod(ishape)) // depth, "depth": depth})
            layers.append(Layer("softmax", nm, ishape, oshape, p))
        elif kind == "LEAKY_RELU":
            alpha = float(opts.alpha)
            mp, sp = qmath.quantize_multiplier(float(np.float32(sin) / np.float32(sout)))
            mn, sn = qmath.quantize_multiplier(float(np.float32(np.float32(sin) * np.float32(alpha)) /
                                                     np.float32(sout)))
            layers.append(Layer("leaky", nm, ishape, oshape,
                                {"in_zero": zin, "out_zero": zout, "mult_pos": mp, "shift_pos": sp,
                                 "mult_neg": mn, "shift_neg": sn}))
        elif kind in ("RELU", "RELU6"):
            m, s = qmath.quantize_multiplier(float(sin) / float(sout))
            lo, hi = _act_range("relu" if kind == "RELU" else "relu6", sout, zout)
            layers.append(Layer("requant", nm, ishape, oshape,
                                {"in_zero": zin, "out_zero": zout, "act_min": lo, "act_max": hi, "per_channel": False},
                                {"mult": np.asarray([m], np.int32), "shift": np.asarray([s], np.int8)}))
        elif kind in ("SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"):
            raise UnsupportedError(f"TFLite operator {kind} ({nm!r}) is how TFLite lowers a dilated convolution; "
                                   "use dilation_rate=1 for int8 (float32 conversion of the Keras model supports "
                                   "dilation)")
        elif kind in ("MUL", "ADD", "SUB") and "batch_normalization" in nm.lower():
            raise UnsupportedError(f"TFLite operator {kind} ({nm!r}) is a BatchNormalization the converter could "
                                   "not fold; place BatchNormalization directly after a Conv/Dense layer with no "
                                   "activation (Conv2D -> BatchNormalization -> ReLU) so it folds into the weights")
        else:
            raise UnsupportedError(f"TFLite operator {kind} ({nm!r}) is not supported by emml.nn; supported: "
                                   f"{_OPS_HINT}")
        cur = out
    net = Net("int8", source, tuple(in_shape), tuple(g.shape(last_out)[1:]), layers,
              in_q=g.qparams(first_in), out_q=g.qparams(last_out),
              digest=hashlib.sha256(bytes(data)).hexdigest())
    net.source_float_io = (in_float, out_float)  # type: ignore[attr-defined]
    return finish_task(net, task)
