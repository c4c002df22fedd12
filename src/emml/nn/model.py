"""NNModel: a converted network, its activation-memory plan and its C."""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

import emml
from emml.model import Model, UnsupportedError, c_float
from emml.nn.ir import ACTS, Layer, Net
from emml.runtime import runtime_version

#: the kernel-structure layout the generated C is written for (EMML_NN_ABI in emml/nn.h)
NN_ABI = 2

_CTYPES = {np.dtype(np.float32): "float", np.dtype(np.int8): "int8_t", np.dtype(np.int32): "int32_t"}


def _lines(values: np.ndarray, per_line: int) -> list[str]:
    flat = np.asarray(values).reshape(-1)
    if flat.dtype == np.float32:
        vals = [c_float(v) for v in flat]
    elif flat.dtype == np.int32:
        vals = [str(int(v)) if int(v) != -(1 << 31) else "INT32_MIN" for v in flat]
    else:
        vals = [str(int(v)) for v in flat]
    return [", ".join(vals[i : i + per_line]) + "," for i in range(0, len(vals), per_line)]


@dataclass
class Plan:
    """Activation memory: buffer index per layer input/output, each buffer's
    bytes and offset in one static arena (two-ended: even buffers at the
    bottom, odd at the top, so producer and consumer never overlap)."""
    sizes: list[int]
    offsets: list[int]
    layer_io: list[tuple[int, int]]
    arena_bytes: int
    input_in_arena: bool
    scratch_offset: int = -1  # gather buffer of the int8 convolutions (after the ping-pong buffers)
    scratch_bytes: int = 0


def _words(n_bytes: int) -> int:
    """Bytes rounded up to whole 4-byte words: every buffer starts word-aligned,
    which the int8 kernels' word loads need (float buffers are words anyway)."""
    return (n_bytes + 3) // 4 * 4


def plan_arena(net: Net) -> Plan:
    elem = 4 if net.dtype == "float32" else 1
    input_in_arena = net.dtype == "int8"  # the float entry of an int8 net quantizes x into buffer 0
    sizes = [_words(net.n_in * elem)]
    io: list[tuple[int, int]] = []
    cur = 0
    for l in net.layers:
        if l.op == "reshape" or (l.in_place and cur != 0):
            io.append((cur, cur))
            continue
        sizes.append(_words(l.out_size * elem))
        io.append((cur, len(sizes) - 1))
        cur = len(sizes) - 1
    first = 0 if input_in_arena else 1
    arena = max([sizes[k] for k in range(first, len(sizes))] +
                [sizes[k] + sizes[k + 1] for k in range(first, len(sizes) - 1)] + [elem])
    offsets = [0 if k % 2 == 0 else arena - sizes[k] for k in range(len(sizes))]
    if not input_in_arena:
        offsets[0] = -1
    scratch = max([_words(conv_window_bytes(l)) for l in net.layers if needs_scratch(l)] + [0])
    return Plan(sizes, offsets, io, arena + scratch, input_in_arena, arena if scratch else -1, scratch)


def conv_window_bytes(l: Layer) -> int:
    g = l.params["g"]
    return g["k_h"] * g["k_w"] * g["in_c"]


def needs_scratch(l: Layer) -> bool:
    """An int8 convolution whose windows are not contiguous in its input
    (2-D kernel, padding or dilation), or a depthwise one with depth
    multiplier 1, gathers each window into the arena's scratch."""
    if l.op not in ("conv2d", "dwconv2d") or "bias" not in l.arrays:  # float convolutions read x in place
        return False
    g = l.params["g"]
    if l.op == "dwconv2d":  # depth multiplier 1 gathers every window, others read x tap by tap
        return g["depth_mult"] == 1
    inside = (g["pad_top"] == 0 and g["pad_left"] == 0 and (g["out_w"] - 1) * g["stride_w"] + g["k_w"] <= g["in_w"]
              and (g["out_h"] - 1) * g["stride_h"] + 1 <= g["in_h"])
    return not (g["k_h"] == 1 and g["dil_w"] == 1 and inside)


#: bytes of each layer's const kernel structure on a 32-bit MCU (the int8 convolution's differs)
_STRUCT_BYTES = {"dense": 20, "conv2d": 40, "dwconv2d": 40, "fc": 40, "maxpool": 32, "avgpool": 32, "mean": 20,
                 "logistic": 16, "tanh": 16, "softmax": 16, "leaky": 24, "requant": 28, "affine": 0}
_CONV_I8_STRUCT_BYTES = 64


class NNModel(Model):
    """A neural network converted to emml's float32 or int8 C."""

    def __init__(self, net: Net, options: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.net = net
        self.task = net.task
        self.n_features = net.n_in
        self.dtype = net.dtype
        self.method = "layers"
        self.classes_ = net.classes
        self.options = dict(options or {})
        self.plan = plan_arena(net)
        if net.task == "classifier":
            self.n_outputs = len(net.classes)
            self.entry_points = ("predict", "predict_proba")
        else:
            self.n_outputs = net.n_out
            self.entry_points = ("regress",)
        if net.dtype == "int8":
            self.entry_points += ("forward_i8",) + (("predict_i8",) if net.task == "classifier" else ())
        for l in net.layers:
            if l.op in ("fc", "conv2d", "dwconv2d"):
                g = l.params.get("g")
                products = l.in_size if l.op == "fc" else g["k_h"] * g["k_w"] * (1 if l.op == "dwconv2d" else g["in_c"])
                if products * 255 * 128 >= 2**31:
                    raise UnsupportedError(f"layer {l.name!r}: {products} products per output may overflow the "
                                           "int32 accumulator; split the layer")

    # ---- reporting -------------------------------------------------------
    def layer_table(self) -> list[dict[str, Any]]:
        rows = []
        for i, (l, (bi, bo)) in enumerate(zip(self.net.layers, self.plan.layer_io)):
            arrays = {k: v for k, v in l.arrays.items() if not (self.net.dtype == "int8" and k == "bias")}
            data = sum(int(v.nbytes) for v in arrays.values())
            rows.append({"index": i, "name": l.name, "op": l.op, "act": l.params.get("act", ""),
                         "out_shape": l.out_shape, "flash_bytes": data + (
                             _CONV_I8_STRUCT_BYTES if self.net.dtype == "int8" and l.op in ("conv2d", "dwconv2d")
                             else _STRUCT_BYTES.get(l.op, 0)),
                         "buffer": bo, "buffer_bytes": self.plan.sizes[bo] if bo != bi else 0,
                         "in_place": bo == bi})
        return rows

    def summary(self) -> str:
        lines = [f"{'#':>2} {'layer':28} {'op':9} {'output':14} {'flash B':>8} {'RAM B':>7}"]
        for r in self.layer_table():
            ram = "in place" if r["in_place"] else str(r["buffer_bytes"])
            op = r["op"] + (f"+{r['act']}" if r["act"] not in ("", "linear") else "")
            lines.append(f"{r['index']:>2} {r['name'][:28]:28} {op[:9]:9} {str(r['out_shape']):14} "
                         f"{r['flash_bytes']:>8} {ram:>7}")
        total = sum(r["flash_bytes"] for r in self.layer_table())
        scratch = f" + {self.plan.scratch_bytes} window gather scratch" if self.plan.scratch_bytes else ""
        lines.append(f"   const model data: {total} bytes flash; activation arena: {self.plan.arena_bytes} bytes RAM "
                     f"(two-ended ping-pong, {len(self.plan.sizes)} buffers{scratch})")
        return "\n".join(lines)

    def flash_data_bytes(self) -> int:
        return sum(r["flash_bytes"] for r in self.layer_table())

    # ---- code generation ---------------------------------------------------
    def _provenance(self) -> str:
        opts = " ".join(f"{k}={v}" for k, v in sorted(self.options.items())) or "defaults"
        return ("/*\n"
                f" * Generated by emml {emml.__version__} (emml.convert, neural network); do not edit.\n"
                f" * Source: {self.net.source}, sha256 {self.net.digest}\n"
                f" * Options: dtype={self.net.dtype} {opts}\n"
                " */")

    def _array(self, name: str, key: str, arr: np.ndarray, comment: str) -> dict[str, Any]:
        arr = np.ascontiguousarray(arr)
        per = 6 if arr.dtype == np.float32 else 16 if arr.dtype == np.int8 else 8
        return {"name": f"{name}_{key}", "ctype": _CTYPES[arr.dtype], "length": max(arr.size, 1),
                "comment": comment, "lines": _lines(arr, per) if arr.size else ["0,"]}

    def _layer_c(self, name: str, i: int, l: Layer) -> tuple[list[dict[str, Any]], list[str]]:
        """Const arrays and struct definitions of one layer."""
        p, a = l.params, l.arrays
        pre = f"{name}_l{i}"
        arrays: list[dict[str, Any]] = []
        structs: list[str] = []
        q8 = self.net.dtype == "int8"

        def geo(g: dict[str, int]) -> str:
            return ("{" + f"{g['in_h']}u, {g['in_w']}u, {g['in_c']}u, {g['out_h']}u, {g['out_w']}u, {g['out_c']}u, "
                    f"{g['k_h']}u, {g['k_w']}u, {g['stride_h']}u, {g['stride_w']}u, {g['dil_h']}u, {g['dil_w']}u, "
                    f"{g['pad_top']}u, {g['pad_left']}u, {g['depth_mult']}u" + "}")

        def requant() -> str:
            return ("{" + f"{p['in_zero']}, {p['out_zero']}, {p['act_min']}, {p['act_max']}, {pre}_mult, "
                    f"{pre}_shift, {1 if p['per_channel'] else 0}u" + "}")

        def quant_arrays(n: int) -> None:
            arrays.append(self._array(pre, "mult", a["mult"], f"{len(a['mult'])} Q31 requantization multipliers"))
            arrays.append(self._array(pre, "shift", a["shift"], f"{len(a['shift'])} requantization shifts"))
            del n

        act = f"{ACTS[p.get('act', 'linear')]}u"
        alpha = c_float(p.get("alpha", 0.0))
        if l.op == "dense":
            w = a["w"]
            arrays.append(self._array(pre, "w", w, f"{l.name}: dense weights [{w.shape[0]}][{w.shape[1]}] float32"))
            arrays.append(self._array(pre, "b", a["b"], f"{l.name}: bias [{w.shape[0]}]"))
            structs.append(f"static const emml_nn_dense_f32_t {pre} = {{{w.shape[1]}u, {w.shape[0]}u, {act}, {alpha}, "
                           f"{pre}_w, {pre}_b}};")
        elif l.op in ("conv2d", "dwconv2d") and not q8:
            w = a["w"]
            shape = "[out_c][k_h][k_w][in_c]" if l.op == "conv2d" else "[k_h][k_w][out_c]"
            arrays.append(self._array(pre, "w", w, f"{l.name}: {l.op} weights {shape} = {list(w.shape)} float32"))
            arrays.append(self._array(pre, "b", a["b"], f"{l.name}: bias [{len(a['b'])}]"))
            structs.append(f"static const emml_nn_conv_f32_t {pre} = {{{geo(p['g'])}, {act}, {alpha}, "
                           f"{pre}_w, {pre}_b}};")
        elif l.op == "affine":
            arrays.append(self._array(pre, "scale", a["scale"], f"{l.name}: folded BatchNormalization scale"))
            arrays.append(self._array(pre, "shift", a["shift"], f"{l.name}: folded BatchNormalization shift"))
        elif l.op in ("maxpool", "avgpool") and not q8:
            structs.append(f"static const emml_nn_window_t {pre} = {geo(p['g'])};")
        elif l.op == "fc":
            w = a["w"]
            arrays.append(self._array(pre, "w", w, f"{l.name}: int8 weights [{w.shape[0]}][{w.shape[1]}], "
                                                   f"zero point 0"))
            arrays.append(self._array(pre, "b", a["b"], f"{l.name}: int32 bias - input zero point ({p['in_zero']}) "
                                                        "x row sums of w"))
            quant_arrays(w.shape[0])
            structs.append(f"static const emml_nn_fc_i8_t {pre} = {{{w.shape[1]}u, {w.shape[0]}u, {pre}_w, {pre}_b, "
                           f"{requant()}}};")
        elif l.op in ("conv2d", "dwconv2d"):
            w = a["w"]
            shape = "[out_c][k_h][k_w][in_c]" if l.op == "conv2d" else "[k_h][k_w][out_c]"
            arrays.append(self._array(pre, "w", w, f"{l.name}: int8 {l.op} weights {shape} = {list(w.shape)}, "
                                                   f"{'per-channel' if p['per_channel'] else 'per-tensor'}"))
            arrays.append(self._array(pre, "b", a["b"], f"{l.name}: int32 bias - input zero point "
                                                        f"({p['in_zero']}) x sums of w per output channel"))
            quant_arrays(len(a["b"]))
            scratch = f"{name}_arena + {self.plan.scratch_offset}" if needs_scratch(l) else "0"
            structs.append(f"static const emml_nn_conv_i8_t {pre} = {{{geo(p['g'])}, {pre}_w, {pre}_b, {requant()}, "
                           f"{scratch}}};")
        elif l.op in ("maxpool", "avgpool"):
            structs.append(f"static const emml_nn_pool_i8_t {pre} = {{{geo(p['g'])}, {p['act_min']}, {p['act_max']}}};")
        elif l.op == "mean":
            structs.append(f"static const emml_nn_mean_i8_t {pre} = {{{p['n_pos']}u, {p['depth']}u, {p['in_zero']}, "
                           f"{p['out_zero']}, {p['mult']}, {p['shift']}}};")
        elif l.op in ("logistic", "tanh"):
            structs.append(f"static const emml_nn_sigmoid_i8_t {pre} = {{{p['in_zero']}, {p['radius']}, "
                           f"{p['mult']}, {p['shift']}}};")
        elif l.op == "softmax" and q8:
            structs.append(f"static const emml_nn_softmax_i8_t {pre} = {{{p['rows']}u, {p['depth']}u, {p['mult']}, "
                           f"{p['shift']}, {p['diff_min']}}};")
        elif l.op == "leaky":
            structs.append(f"static const emml_nn_leaky_i8_t {pre} = {{{p['in_zero']}, {p['out_zero']}, "
                           f"{p['mult_pos']}, {p['shift_pos']}, {p['mult_neg']}, {p['shift_neg']}}};")
        elif l.op == "requant":
            quant_arrays(1)
            structs.append(f"static const emml_nn_requant_t {pre} = {requant()};")
        return arrays, structs

    def _call(self, name: str, i: int, l: Layer, src: str, dst: str) -> str:
        pre = f"{name}_l{i}"
        p = l.params
        q8 = self.net.dtype == "int8"
        sfx = "i8" if q8 else "f32"
        comment = f" /* {l.name}: {l.op} -> {l.out_shape} */"
        if l.op == "reshape":
            return f"    /* {l.name}: reshape {l.in_shape} -> {l.out_shape} (no data movement) */"
        if l.op in ("dense", "fc", "conv2d", "dwconv2d", "maxpool", "avgpool", "mean"):
            op = {"dense": "dense", "fc": "fc"}.get(l.op, l.op)
            return f"    emml_nn_{op}_{sfx}(&{pre}, {src}, {dst});{comment}"
        if l.op == "gap" or l.op == "gmp":
            return f"    emml_nn_{l.op}_f32({src}, {dst}, {p['n_pos']}u, {l.out_size}u);{comment}"
        if l.op == "act":
            return (f"    emml_nn_activate_f32({src}, {dst}, {l.out_size}u, {ACTS[p['act']]}u, "
                    f"{c_float(p['alpha'])});{comment}")
        if l.op == "affine":
            depth = len(l.arrays["scale"])
            return (f"    emml_nn_affine_f32({src}, {dst}, {l.out_size // depth}u, {depth}u, {pre}_scale, "
                    f"{pre}_shift);{comment}")
        if l.op == "softmax":
            if q8:
                return f"    emml_nn_softmax_i8(&{pre}, {src}, {dst});{comment}"
            depth = l.out_shape[-1]
            return f"    emml_nn_softmax_f32({src}, {dst}, {l.out_size // depth}u, {depth}u);{comment}"
        if l.op in ("logistic", "tanh", "leaky"):
            return f"    emml_nn_{l.op}_i8(&{pre}, {src}, {dst}, {l.out_size}u);{comment}"
        if l.op == "requant":
            return f"    emml_nn_requant_i8(&{pre}, {src}, {dst}, {l.out_size}u);{comment}"
        raise AssertionError(l.op)

    def sources(self, name: str) -> dict[str, str]:
        from emml.templates import render

        net, plan = self.net, self.plan
        q8 = net.dtype == "int8"
        ctype = "int8_t" if q8 else "float"
        arrays: list[dict[str, Any]] = []
        structs: list[str] = []
        for i, l in enumerate(net.layers):
            a, s = self._layer_c(name, i, l)
            arrays += a
            structs += s
        if q8:
            from emml.nn.reference import quantize_thresholds

            arrays.append(self._array(name, "in_thresholds", quantize_thresholds(net),
                                      f"input quantization (scale {net.in_q[0]:.9g}, zero point {net.in_q[1]}) as "
                                      "order keys of the smallest float giving -127..127"))

        def buf(k: int) -> str:
            if k == 0:
                return "x"
            return f"(a + {plan.offsets[k] // (1 if q8 else 4)})"

        calls = []
        for i, (l, (bi, bo)) in enumerate(zip(net.layers, plan.layer_io)):
            calls.append(self._call(name, i, l, buf(bi), buf(bo)))
        out_buf = plan.layer_io[-1][1] if net.layers else 0
        arena_elems = plan.arena_bytes // (1 if q8 else 4)
        ctx = {
            "provenance": self._provenance(), "name": name, "NAME": name.upper(), "q8": q8, "ctype": ctype,
            "arrays": arrays, "structs": structs, "calls": calls, "out_expr": buf(out_buf),
            "arena_bytes": plan.arena_bytes, "arena_elems": arena_elems, "n_in": net.n_in, "n_out": net.n_out,
            "n_outputs": self.n_outputs, "task": net.task, "output": net.output,
            "n_classes": len(net.classes) if net.classes is not None else 0,
            "version": runtime_version(), "nn_abi": NN_ABI,
            "in_offset": plan.offsets[0] if q8 else 0,
            "summary": self.summary().splitlines(), "in_shape": net.in_shape, "out_shape": net.out_shape,
            "source": net.source, "stack_note": "",
        }
        if q8:
            sc, zp = net.in_q
            osc, ozp = net.out_q
            ctx.update({"in_scale": c_float(sc), "in_zero": zp, "out_scale": c_float(osc), "out_zero": ozp,
                        "threshold_q": self._sigmoid_threshold()})
        return {f"{name}.h": render("nn.h.j2", ctx), f"{name}.c": render("nn.c.j2", ctx)}

    def _sigmoid_threshold(self) -> int:
        """Smallest int8 output whose dequantized probability exceeds 0.5."""
        if self.net.out_q is None:
            return 0
        sc, zp = self.net.out_q
        for q in range(-128, 128):
            if np.float32(sc) * np.float32(q - zp) > np.float32(0.5):
                return q
        return 128

    # ---- host execution of the int8 path ------------------------------------
    def forward_i8(self, Xq: Any) -> np.ndarray:
        """Raw int8 outputs of the generated C for already-quantized rows."""
        self._require("forward_i8")
        Xq = np.ascontiguousarray(np.asarray(Xq, np.int8).reshape(-1, self.n_features))
        bp = ctypes.POINTER(ctypes.c_int8)
        fn = self._function("forward_i8", [bp, ctypes.c_int32, bp, ctypes.c_int32], ctypes.c_int)
        out = np.zeros((Xq.shape[0], self.net.n_out), np.int8)
        for i in range(Xq.shape[0]):
            st = fn(Xq[i].ctypes.data_as(bp), self.n_features, out[i].ctypes.data_as(bp), self.net.n_out)
            if st != 0:
                raise RuntimeError(f"forward_i8() returned emml status {st} on row {i}")
        return out

    def predict_i8(self, Xq: Any) -> np.ndarray:
        self._require("predict_i8")
        Xq = np.ascontiguousarray(np.asarray(Xq, np.int8).reshape(-1, self.n_features))
        bp = ctypes.POINTER(ctypes.c_int8)
        fn = self._function("predict_i8", [bp, ctypes.c_int32], ctypes.c_int32)
        idx = np.array([fn(r.ctypes.data_as(bp), self.n_features) for r in Xq], np.int64)
        return self.classes_[idx]

    def quantize_input(self, X: Any) -> np.ndarray:
        from emml.nn.reference import quantize_input

        return quantize_input(self.net, self._check_X(X))

    def reference_i8(self, Xq: Any) -> np.ndarray:
        """The Python integer reference's raw int8 outputs."""
        from emml.nn.reference import forward_i8

        return forward_i8(self.net, Xq)


def arena_fits(model: NNModel, ram_bytes: int) -> bool:
    return model.plan.arena_bytes <= ram_bytes and math.isfinite(ram_bytes)
