"""Neural networks (emml.nn.NNModel) as MicroPython.

int8 networks: fully-connected layers accumulate exact integers and
requantize with TFLite's Q31 multiplier and shift (as lib/emml/src/nn_i8.c);
element-wise int8 layers (requantize, leaky ReLU, logistic, tanh) become
256-entry lookup tables computed at conversion time by emml's integer
reference (emml.nn.reference), and int8 softmax runs gemmlowp's fixed point
with its exp table precomputed, so outputs are bit-exact.

float32 networks (scikit-learn MLPs, Keras dense models): every operation
rounded to float32 as the C does, sigmoid/softmax/tanh through an exact
replay of emml_expf.

int8 networks may also hold 1-D windows (Keras Conv1D, DepthwiseConv1D,
MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D; Flatten/Reshape are
free since tensors stay channels-last and flat): the same sums in the same
order as the C, padding taps reading the input zero point. 2-D windows and
float32 convolutions have no MicroPython form: the generator says so.
"""

from __future__ import annotations

import numpy as np

from emml.micropython.emit import PyModule, int_typecode
from emml.micropython.trees import _tuple
from emml.model import UnsupportedError
from emml.nn import qmath

_ACT_CODES = {"linear": 0, "relu": 1, "relu6": 2, "leaky_relu": 3, "sigmoid": 4, "tanh": 5}

_FIXED_POINT = """
def _wrap32(x):
    return ((x + 0x80000000) & 0xFFFFFFFF) - 0x80000000


def _srdhm(a, b):
    # a * b / 2^31, rounded as gemmlowp's SaturatingRoundingDoublingHighMul
    if a == b == -0x80000000:
        return 0x7FFFFFFF
    ab = a * b
    ab += 0x40000000 if ab >= 0 else 1 - 0x40000000
    q = abs(ab) >> 31
    return q if ab >= 0 else -q


def _rdivpot(x, e):
    # x / 2^e rounded to nearest, ties away from zero
    mask = (1 << e) - 1
    return (x >> e) + (1 if (x & mask) > (mask >> 1) + (1 if x < 0 else 0) else 0)


def _requantize(acc, mult, shift):
    if shift > 0:
        acc = _wrap32(acc << shift)
    v = _srdhm(acc, mult)
    return _rdivpot(v, -shift) if shift < 0 else v
"""

_SOFTMAX_I8 = """
def _shl_sat(x, e):
    t = (1 << (31 - e)) - 1
    if x > t:
        return 0x7FFFFFFF
    if x < -t:
        return -0x80000000
    return _wrap32(x << e)


def _one_over_one_plus(a):
    # 1 / (1 + a), a in Q0.31 (gemmlowp's Newton-Raphson, three steps)
    t = a + 0x7FFFFFFF
    t += 1 if t >= 0 else -1
    half = t // 2 if t >= 0 else -((-t) // 2)
    x = _wrap32(1515870810 + _srdhm(half, -1010580540))
    for _ in range(3):
        x = _wrap32(x + _shl_sat(_srdhm(x, _wrap32(0x20000000 - _srdhm(half, x))), 2))
    return _shl_sat(x, 1)


def _softmax_i8(v, exp_table, diff_min):
    # int8 softmax as TFLite's reference: e^(v - max) from exp_table, fixed-point sum
    top = max(v)
    exps = []
    total = 0
    for a in v:
        d = a - top
        e = exp_table[-d] if d >= diff_min else -1
        exps.append(e)
        if e >= 0:
            total = _wrap32(total + _rdivpot(e, 12))
    head, t = 32, total & 0xFFFFFFFF
    while t:  # head = leading zero bits of the sum (MicroPython ints have no bit_length)
        t >>= 1
        head -= 1
    scale = _one_over_one_plus(_wrap32(((total << head) & 0xFFFFFFFF) - 0x80000000))
    shift = min(12 - head + 23, 31)
    out = []
    for e in exps:
        if e < 0:
            out.append(-128)
        else:
            o = _rdivpot(_srdhm(scale, e), shift) - 128
            out.append(-128 if o < -128 else 127 if o > 127 else o)
    return out
"""


_WINDOW_OPS = ("conv2d", "dwconv2d", "maxpool", "avgpool")


def _check(net) -> None:
    ok = {"int8": ("fc", "conv2d", "dwconv2d", "maxpool", "avgpool", "mean", "requant", "leaky", "logistic", "tanh",
                   "softmax", "reshape"),
          "float32": ("dense", "act", "affine", "softmax", "reshape")}[net.dtype]
    for l in net.layers:
        if l.op not in ok:
            what = ("dense int8 or float32 networks and int8 1-D convolution/pooling" if net.dtype == "float32"
                    else "int8 dense and 1-D convolution/pooling networks")
            raise UnsupportedError(
                f"layer {l.name!r} ({l.op}) has no MicroPython form; emml.micropython converts {what} "
                f"({', '.join(o for o in ok if o != 'reshape')}): quantize the model to int8, flatten it, "
                "or use the C")
        if l.op in _WINDOW_OPS:
            g = l.params["g"]
            if g["in_h"] != 1 or g["k_h"] != 1 or g["out_h"] != 1:
                raise UnsupportedError(
                    f"layer {l.name!r} ({l.op}) slides a {g['k_h']}x{g['k_w']} window over a {g['in_h']}x"
                    f"{g['in_w']} input; emml.micropython converts 1-D windows only (Conv1D, DepthwiseConv1D, "
                    "MaxPooling1D, AveragePooling1D): use 1-D layers over the time axis, or use the C")


def generate(model, name: str) -> str:
    net = model.net
    _check(net)
    summary = [f"{net.source}: {len(net.layers)} layers, {net.dtype}, input {net.in_shape}, output "
               f"{net.out_shape}.", "Predicts exactly as the emml C of the same network (see emml.micropython)."]
    m = PyModule(name, summary, net.source, net.digest or "n/a", {"dtype": net.dtype, "task": net.task})
    m.constant("N_FEATURES", net.n_in)
    m.constant("N_OUTPUTS", model.n_outputs)
    if net.classes is not None:
        m.constant("CLASSES", _tuple(net.classes), "predict() returns an index into CLASSES")
    if net.dtype == "int8":
        _int8(m, model)
    else:
        _float(m, model)
    return m.text()


_WINDOW_I8 = """
def _pad(x, c, left, right, v):
    # x (positions x c channels) with `left` / `right` positions of value v either side
    if left == 0 and right == 0:
        return x
    return [v] * (left * c) + list(x) + [v] * (right * c)


def _clamp8(v, lo, hi):
    return (lo if v < lo else hi if v > hi else v) & 0xFF
"""


def _padded(g: dict) -> tuple[int, int]:
    """Positions of padding before and after the input so that every window tap lands inside."""
    need = (g["out_w"] - 1) * g["stride_w"] + (g["k_w"] - 1) * g["dil_w"] + 1
    return g["pad_left"], max(need - g["pad_left"] - g["in_w"], 0)


def _requant_arrays(m: PyModule, pre: str, l) -> int:
    """Emit the layer's multipliers and shifts; 1 if they are per channel, 0 if the first serves all (as the C)."""
    mult = np.asarray(l.arrays["mult"]).reshape(-1)
    m.array(f"{pre}_MULT", int_typecode(mult), mult, f"{l.name}: Q31 multipliers")
    m.array(f"{pre}_SHIFT", "b", np.asarray(l.arrays["shift"]).reshape(-1), f"{l.name}: power-of-two shifts")
    return 1 if l.params["per_channel"] else 0


def _conv1d(m: PyModule, pre: str, l) -> None:
    p, a, g = l.params, l.arrays, l.params["g"]
    w = a["w"]
    m.array(f"{pre}_W", "b", w.reshape(-1), f"{l.name}: int8 weights [{']['.join(str(d) for d in w.shape)}]")
    m.array(f"{pre}_B", int_typecode(a["b"]), a["b"], f"{l.name}: int32 bias - input zero point x weight sums")
    step = _requant_arrays(m, pre, l)
    left, right = _padded(g)
    ic, oc, k, s, d = g["in_c"], g["out_c"], g["k_w"], g["stride_w"], g["dil_w"]
    if l.op == "dwconv2d":
        # weights [tap][out_c]; output channel o reads input channel o // depth_mult
        body = ("            for t in range(%d):\n"
                "                acc += %s_W[t * %d + o] * x[(base + t * %d) * %d + o // %d]\n"
                % (k, pre, oc, d, ic, g["depth_mult"]))
        what = f"depthwise Conv1D, {k} taps x depth multiplier {g['depth_mult']}"
    else:
        # weights [out_c][tap][in_c]: a window is k x in_c values
        body = ("            wi = o * %d\n"
                "            for t in range(%d):\n"
                "                xi = (base + t * %d) * %d\n"
                "                for c in range(%d):\n"
                "                    acc += %s_W[wi] * x[xi + c]\n"
                "                    wi += 1\n" % (k * ic, k, d, ic, ic, pre))
        what = f"Conv1D, {k} taps"
    m.code.append(
        "def _%s(x):\n"
        "    # %s: %s, stride %d, dilation %d, (%d, %d) -> (%d, %d); padding reads the input zero point\n"
        "    x = _pad(x, %d, %d, %d, %d)\n"
        "    y = bytearray(%d)\n"
        "    j = 0\n"
        "    for ox in range(%d):\n"
        "        base = ox * %d\n"
        "        for o in range(%d):\n"
        "            acc = %s_B[o]\n"
        "%s"
        "            y[j] = _clamp8(_requantize(acc, %s_MULT[o * %d], %s_SHIFT[o * %d]) + %d, %d, %d)\n"
        "            j += 1\n"
        "    return array('b', y)"
        % (pre.lower(), l.name, what, s, d, g["in_w"], ic, g["out_w"], oc,
           ic, left, right, p["in_zero"], g["out_w"] * oc, g["out_w"], s, oc, pre, body,
           pre, step, pre, step, p["out_zero"], p["act_min"], p["act_max"]))


def _pool1d(m: PyModule, pre: str, l) -> None:
    p, g = l.params, l.params["g"]
    c, k, s, n = g["in_c"], g["k_w"], g["stride_w"], g["in_w"]
    if l.op == "maxpool":
        init, add, out = "m = -128", "v = x[i * %d + c]\n                if v > m:\n                    m = v" % c, "m"
        what = "max"
    else:
        # the window clipped to the input; C's division truncates, so round half away from zero by hand
        init, add = "m = 0", "m += x[i * %d + c]" % c
        out = "((m + count // 2) // count if m > 0 else -((count // 2 - m) // count)) if count > 0 else 0"
        what = "average (over the taps inside the input)"
    m.code.append(
        "def _%s(x):\n"
        "    # %s: %s pool of %d, stride %d, (%d, %d) -> (%d, %d)\n"
        "    y = bytearray(%d)\n"
        "    j = 0\n"
        "    for ox in range(%d):\n"
        "        lo = ox * %d - %d\n"
        "        hi = lo + %d\n"
        "        lo = 0 if lo < 0 else lo\n"
        "        hi = %d if hi > %d else hi\n"
        "        count = hi - lo\n"
        "        for c in range(%d):\n"
        "            %s\n"
        "            for i in range(lo, hi):\n"
        "                %s\n"
        "            y[j] = _clamp8(%s, %d, %d)\n"
        "            j += 1\n"
        "    return array('b', y)"
        % (pre.lower(), l.name, what, k, s, n, c, g["out_w"], c, g["out_w"] * c, g["out_w"], s, g["pad_left"], k,
           n, n, c, init, add, out, p["act_min"], p["act_max"]))


def _mean(m: PyModule, pre: str, l) -> None:
    p = l.params
    m.code.append(
        "def _%s(x):\n"
        "    # %s: mean over %d positions of %d channels (GlobalAveragePooling1D), requantized\n"
        "    y = bytearray(%d)\n"
        "    for c in range(%d):\n"
        "        acc = %d\n"
        "        for i in range(%d):\n"
        "            acc += x[i * %d + c]\n"
        "        y[c] = _clamp8(_requantize(acc, %d, %d) + %d, -128, 127)\n"
        "    return array('b', y)"
        % (pre.lower(), l.name, p["n_pos"], p["depth"], p["depth"], p["depth"], -p["in_zero"] * p["n_pos"],
           p["n_pos"], p["depth"], int(p["mult"]), int(p["shift"]), p["out_zero"]))


def _int8(m: PyModule, model) -> None:
    from emml.nn.reference import run_layer

    net = model.net
    calls = []
    uses_softmax = uses_windows = False
    m.helpers.append(_FIXED_POINT.strip("\n"))
    for i, l in enumerate(net.layers):
        p, a = l.params, l.arrays
        pre = f"L{i}"
        if l.op == "fc":
            w = a["w"]
            m.array(f"{pre}_W", "b", w, f"{l.name}: int8 weights [{w.shape[0]}][{w.shape[1]}]")
            m.array(f"{pre}_B", int_typecode(a["b"]), a["b"], f"{l.name}: int32 bias - input zero point x row sums")
            m.array(f"{pre}_MULT", int_typecode(a["mult"]), np.asarray(a["mult"]).reshape(-1),
                    f"{l.name}: Q31 multipliers")
            m.array(f"{pre}_SHIFT", "b", np.asarray(a["shift"]).reshape(-1), f"{l.name}: power-of-two shifts")
            step = 1 if p["per_channel"] else 0
            m.code.append(
                "def _%s(x):\n"
                "    # %s: fully connected %d -> %d, int32 accumulators, requantized\n"
                "    y = bytearray(%d)\n"
                "    j = 0\n"
                "    for o in range(%d):\n"
                "        acc = %s_B[o]\n"
                "        for i in range(%d):\n"
                "            acc += %s_W[j] * x[i]\n"
                "            j += 1\n"
                "        v = _requantize(acc, %s_MULT[o * %d], %s_SHIFT[o * %d]) + %d\n"
                "        y[o] = (%d if v < %d else %d if v > %d else v) & 0xFF\n"
                "    return array('b', y)"
                % (pre.lower(), l.name, l.in_size, l.out_size, l.out_size, l.out_size, pre, l.in_size, pre,
                   pre, step, pre, step, p["out_zero"], p["act_min"], p["act_min"], p["act_max"], p["act_max"]))
            calls.append(f"    x = _{pre.lower()}(x)")
        elif l.op in ("conv2d", "dwconv2d", "maxpool", "avgpool", "mean"):
            uses_windows = True
            {"conv2d": _conv1d, "dwconv2d": _conv1d, "maxpool": _pool1d, "avgpool": _pool1d, "mean": _mean}[l.op](
                m, pre, l)
            calls.append(f"    x = _{pre.lower()}(x)")
        elif l.op in ("requant", "leaky", "logistic", "tanh"):
            lut = run_layer(l, np.arange(-128, 128, dtype=np.int8)).reshape(-1).astype(np.int64)
            m.array(f"{pre}_LUT", "b", lut, f"{l.name}: {l.op} of every int8 input (index q + 128)")
            calls.append(f"    x = array('b', [{pre}_LUT[v + 128] for v in x])  # {l.name}: {l.op}")
        elif l.op == "softmax":
            uses_softmax = True
            table = []
            for d in range(0, 256):
                if -d < p["diff_min"]:
                    table.append(0)
                else:
                    table.append(qmath.exp_neg(qmath.srdhm(qmath.wrap32(-d << p["shift"]), p["mult"]), 5))
            m.array(f"{pre}_EXP", int_typecode(table), table, f"{l.name}: e^-d in Q0.31 for d = max - v")
            rows, depth = p["rows"], p["depth"]
            calls.append(f"    x = array('b', [v for r in range({rows}) for v in "
                         f"_softmax_i8(x[r * {depth}:(r + 1) * {depth}], {pre}_EXP, {p['diff_min']})])"
                         f"  # {l.name}: softmax")
        elif l.op == "reshape":
            continue
    if uses_softmax:
        m.helpers.append(_SOFTMAX_I8.strip("\n"))
    if uses_windows:
        m.helpers.append(_WINDOW_I8.strip("\n"))
    sc, zp = net.in_q
    osc, ozp = net.out_q
    m.f32("IN_SCALE", [sc], f"input quantization: q = round(x / scale) + {zp}")
    m.constant("IN_ZERO", zp)
    m.f32("OUT_SCALE", [osc], f"output: value = scale * (q - {ozp})")
    m.constant("OUT_ZERO", ozp)
    m.code.append("def forward_i8(x):\n    # x: N_FEATURES int8 values -> the raw int8 outputs\n"
                  + "\n".join(calls) + "\n    return x")
    m.code.append(
        "_QR = array('f', (0.0, 0.0))\n\n\n"
        "def quantize(x):\n"
        "    # float inputs -> int8 as emml_nn_quantize_f32: x / scale rounded half away from zero\n"
        "    x = array('f', x)\n"
        "    r = _QR\n"
        "    q = array('b', bytearray(N_FEATURES))\n"
        "    for i in range(N_FEATURES):\n"
        "        r[0] = x[i] / IN_SCALE[0]\n"
        "        v = r[0]\n"
        "        if v != v:\n"
        "            t = 0\n"
        "        elif v > 1024.0:\n"
        "            t = 1024\n"
        "        elif v < -1024.0:\n"
        "            t = -1024\n"
        "        else:\n"
        "            t = int(v)\n"
        "            r[1] = v - t\n"
        "            if r[1] >= 0.5:\n"
        "                t += 1\n"
        "            elif r[1] <= -0.5:\n"
        "                t -= 1\n"
        "        t += IN_ZERO\n"
        "        q[i] = -128 if t < -128 else 127 if t > 127 else t\n"
        "    return q")
    m.use("zeros")
    m.code.append(
        "_DQ = array('f', (0.0,))\n\n\n"
        "def _dequantize(y):\n"
        "    out = _zeros_f32(len(y))\n"
        "    for k in range(len(y)):\n"
        "        out[k] = y[k] - OUT_ZERO\n"
        "        out[k] = OUT_SCALE[0] * out[k]\n"
        "    return out")
    if net.task == "classifier":
        if net.output == "sigmoid":
            m.constant("THRESHOLD_Q", model._sigmoid_threshold(), "smallest int8 output above p = 0.5")
            m.code.append("def predict_i8(q):\n    return 1 if forward_i8(q)[0] >= THRESHOLD_Q else 0")
            m.code.append("def predict_proba(x):\n    p = _dequantize(forward_i8(quantize(x)))\n"
                          "    p1 = p[0]\n    p[0] = 1.0 - p1\n    return [p[0], p1]")
        else:
            m.use("argmax_int")
            m.code.append("def predict_i8(q):\n    # q: N_FEATURES int8 -> class index (first of equal maxima)\n"
                          "    return _argmax_int(forward_i8(q))")
            m.code.append("def predict_proba(x):\n    return list(_dequantize(forward_i8(quantize(x))))")
        m.code.append("def predict(x):\n    # x: N_FEATURES numbers -> class index\n"
                      "    return predict_i8(quantize(x))")
    else:
        m.code.append("def regress(x):\n    return list(_dequantize(forward_i8(quantize(x))))")


def _float(m: PyModule, model) -> None:
    net = model.net
    calls = []
    m.use("zeros", "dot_f32")
    acts = set()
    for i, l in enumerate(net.layers):
        p, a = l.params, l.arrays
        pre = f"L{i}"
        if l.op == "dense":
            w = a["w"]
            m.f32(f"{pre}_W", w, f"{l.name}: weights [{w.shape[0]}][{w.shape[1]}] float32")
            m.f32(f"{pre}_B", a["b"], f"{l.name}: bias [{w.shape[0]}]")
            act = p.get("act", "linear")
            acts.add(act)
            alpha = "0.0"
            if act == "leaky_relu":
                m.f32(f"{pre}_ALPHA", [p.get("alpha", 0.0)], f"{l.name}: leaky ReLU slope")
                alpha = f"{pre}_ALPHA[0]"
            m.code.append(
                "def _%s(x):\n"
                "    # %s: dense %d -> %d, %s\n"
                "    y = _zeros_f32(%d)\n"
                "    for o in range(%d):\n"
                "        y[o] = _act(_dot_f32(%s_W, o * %d, x, %d, %s_B[o]), %d, %s)\n"
                "    return y"
                % (pre.lower(), l.name, l.in_size, l.out_size, act, l.out_size, l.out_size, pre, l.in_size,
                   l.in_size, pre, _ACT_CODES[act], alpha))
            calls.append(f"    x = _{pre.lower()}(x)")
        elif l.op == "act":
            acts.add(p["act"])
            calls.append(f"    x = array('f', [_act(v, {_ACT_CODES[p['act']]}, "
                         f"{float(np.float32(p.get('alpha', 0.0)))!r}) for v in x])  # {l.name}")
        elif l.op == "affine":
            m.f32(f"{pre}_SCALE", a["scale"], f"{l.name}: folded BatchNormalization scale")
            m.f32(f"{pre}_SHIFT", a["shift"], f"{l.name}: folded BatchNormalization shift")
            depth = len(a["scale"])
            m.code.append(
                "def _%s(x):\n    y = _zeros_f32(len(x))\n    for k in range(len(x)):\n"
                "        y[k] = x[k] * %s_SCALE[k %% %d]\n        y[k] = y[k] + %s_SHIFT[k %% %d]\n    return y"
                % (pre.lower(), pre, depth, pre, depth))
            calls.append(f"    x = _{pre.lower()}(x)")
        elif l.op == "softmax":
            m.use("softmax")
            depth = l.out_shape[-1]
            rows = l.out_size // depth
            calls.append(f"    x = array('f', [v for r in range({rows}) for v in "
                         f"_softmax(x[r * {depth}:(r + 1) * {depth}], {depth})])  # {l.name}: softmax")
    if acts & {"sigmoid"}:
        m.use("sigmoid")
    if acts & {"tanh"}:
        m.use("expf")
        m.code.append(
            "_TH = array('f', (0.0, 0.0))\n\n\n"
            "def _tanh(x):\n"
            "    # emml_nn_tanhf: (1 - e) / (1 + e), e = e^(-2|x|)\n"
            "    ax = -x if x < 0.0 else x\n"
            "    if ax < 2.44140625e-4:\n"
            "        return x\n"
            "    if ax > 9.1000003814697266:\n"
            "        return -1.0 if x < 0.0 else 1.0\n"
            "    r = _TH\n"
            "    r[0] = -2.0 * ax\n"
            "    e = _expf(r[0])\n"
            "    r[0] = 1.0 - e\n"
            "    r[1] = 1.0 + e\n"
            "    r[0] = r[0] / r[1]\n"
            "    return -r[0] if x < 0.0 else r[0]")
    m.code.append(
        "_AR = array('f', (0.0,))\n\n\n"
        "def _act(v, act, alpha):\n"
        "    # emml_nn_act_f32: 0 linear, 1 relu, 2 relu6, 3 leaky relu, 4 sigmoid, 5 tanh\n"
        "    if act == 1:\n"
        "        return v if v > 0.0 else 0.0\n"
        "    if act == 2:\n"
        "        return (v if v < 6.0 else 6.0) if v > 0.0 else 0.0\n"
        "    if act == 3:\n"
        "        if v >= 0.0:\n"
        "            return v\n"
        "        _AR[0] = alpha * v\n"
        "        return _AR[0]\n"
        + ("    if act == 4:\n        return _sigmoid(v)\n" if "sigmoid" in acts else "")
        + ("    if act == 5:\n        return _tanh(v)\n" if "tanh" in acts else "")
        + "    return v")
    m.code.append("def forward(x):\n    # x: N_FEATURES numbers -> the network's float32 outputs\n"
                  "    x = array('f', x)\n" + "\n".join(calls) + "\n    return x")
    if net.task == "classifier":
        if net.output == "sigmoid":
            m.code.append("def predict(x):\n    return 1 if forward(x)[0] > 0.5 else 0")
            m.code.append("_PR = array('f', (0.0,))\n\n\n"
                          "def predict_proba(x):\n    p1 = forward(x)[0]\n    _PR[0] = 1.0 - p1\n"
                          "    return [_PR[0], p1]")
        else:
            m.use("argmax")
            m.code.append("def predict(x):\n    # -> class index (first of equal maxima)\n"
                          "    return _argmax(forward(x))")
            m.code.append("def predict_proba(x):\n    return list(forward(x))")
    else:
        m.code.append("def regress(x):\n    return list(forward(x))")
