"""Linear models, Gaussian naive Bayes and nearest neighbours as MicroPython.

Each reads the converted model's public arrays (LinearModel.W/.b/.quant,
GaussianNBModel.mean/.half_inv_var/.log_const/.prelude, NeighborsModel
.examples/.labels/.targets/.preprocess) and replays the C's arithmetic:
float32 models round every operation through an ``array('f')`` register (see
emml.micropython.emit), int8/int16 linear models compute the same exact
integer scores as the C.
"""

from __future__ import annotations

import numpy as np

from emml.micropython.emit import PyModule, int_typecode
from emml.micropython.trees import _tuple
from emml.model import UnsupportedError

_X = "x: N_FEATURES numbers (rounded to float32, as the C's float input)"


def _module(model, summary: list[str], options: dict) -> PyModule:
    m = PyModule("", summary + ["Predicts exactly as the emml C of the same model (see emml.micropython)."],
                 model.estimator_name, model.source_digest, options)
    m.constant("N_FEATURES", model.n_features)
    m.constant("N_OUTPUTS", model.n_outputs)
    if model.classes_ is not None:
        m.constant("CLASSES", _tuple(model.classes_), "predict() returns an index into CLASSES")
    return m


def _prelude(m: PyModule, affine) -> str:
    """Code computing z (model-space features) from x, for preprocessing the
    C applies in its entry points (emml.preprocess.Affine.c_prelude)."""
    if affine is None:
        return "    z = array('f', x)\n"
    if affine.diag:
        m.f32("PRE_SCALE", affine.A, f"{affine.n_in} per-feature scales ({affine.describe()})")
        m.f32("PRE_OFFSET", affine.b, f"{affine.n_in} per-feature offsets")
        m.use("zeros")
        m.code.append(
            "def transform(x):\n"
            "    # the pipeline's preprocessing: z = x * scale + offset (float32)\n"
            "    x = array('f', x)\n"
            "    z = _zeros_f32(%d)\n"
            "    for i in range(%d):\n"
            "        z[i] = x[i] * PRE_SCALE[i]\n"
            "        z[i] = z[i] + PRE_OFFSET[i]\n"
            "    return z" % (affine.n_out, affine.n_in))
    else:
        m.f32("PRE_MATRIX", affine.A, f"{affine.n_out}x{affine.n_in} preprocessing matrix ({affine.describe()})")
        m.f32("PRE_OFFSET", affine.b, f"{affine.n_out} preprocessing offsets")
        m.use("zeros", "dot_f32")
        m.code.append(
            "def transform(x):\n"
            "    # the pipeline's preprocessing: z = A x + b (float32, as emml_linear_f32)\n"
            "    x = array('f', x)\n"
            "    z = _zeros_f32(%d)\n"
            "    for k in range(%d):\n"
            "        z[k] = _dot_f32(PRE_MATRIX, k * %d, x, %d, PRE_OFFSET[k])\n"
            "    return z" % (affine.n_out, affine.n_out, affine.n_in, affine.n_in))
    return "    z = transform(x)\n"


# ---- linear -------------------------------------------------------------------
def linear(model, name: str) -> str:
    from emml.linear.model import POSTS

    K, F = model.W.shape
    rule, proba = POSTS[model.post]
    m = _module(model, [f"{model.estimator_name}: {K} x {F} linear scores, rule {model.post}, "
                        f"{model.dtype} weights."], {"dtype": model.dtype})
    m.constant("N_SCORES", K)
    if model.quant is None:
        m.f32("WEIGHTS", model.W, f"{K} x {F} weights, row-major, float32")
        m.f32("BIAS", model.b, f"{K} biases, float32")
        m.use("dot_f32", "zeros")
        m.code.append(
            "def decision(x):\n"
            "    # %s\n"
            "    # -> N_SCORES float32 scores b + W x (scikit-learn's decision_function)\n"
            "    x = array('f', x)\n"
            "    s = _zeros_f32(N_SCORES)\n"
            "    for k in range(N_SCORES):\n"
            "        s[k] = _dot_f32(WEIGHTS, k * N_FEATURES, x, N_FEATURES, BIAS[k])\n"
            "    return s" % _X)
        scores = "decision(x)"
    else:
        q, dt = model.quant, model.dtype
        lo, hi = (-128, 127) if dt == "int8" else (-32768, 32767)
        sfx = "_i8" if dt == "int8" else "_i16"
        m.array("QWEIGHTS", "b" if dt == "int8" else "h", q["qW"], f"{K} x {F} {dt} weights: W * s_i / w_scale")
        m.array("QBIAS", int_typecode(q["qb"]), q["qb"], f"{K} int32 biases: b / w_scale, rounded")
        m.f32("INV_SCALE", q["inv_scale"], f"{F} input quantizer 1 / s_i")
        m.f32("W_SCALE", [q["w_scale"]], "real score = integer score * w_scale")
        m.constant("QMIN", lo)
        m.constant("QMAX", hi)
        m.code.append(
            "_QR = array('f', (0.0, 0.0))\n\n\n"
            "def quantize(x):\n"
            "    # float inputs -> %s: round(x * inv_scale) half away from zero, saturated, NaN -> 0\n"
            "    x = array('f', x)\n"
            "    r = _QR\n"
            "    q = [0] * N_FEATURES\n"
            "    for i in range(N_FEATURES):\n"
            "        r[0] = x[i] * INV_SCALE[i]\n"
            "        v = r[0]\n"
            "        if v != v:\n"
            "            q[i] = 0\n"
            "        elif v <= QMIN:\n"
            "            q[i] = QMIN\n"
            "        elif v >= QMAX:\n"
            "            q[i] = QMAX\n"
            "        elif v >= 0.0:\n"
            "            r[1] = v + 0.5\n"
            "            q[i] = int(r[1])\n"
            "        else:\n"
            "            r[1] = -v + 0.5\n"
            "            q[i] = -int(r[1])\n"
            "    return q" % dt)
        m.code.append(
            "def decision%s(q):\n"
            "    # q: N_FEATURES %s integers -> N_SCORES exact integer scores qb + qW q\n"
            "    s = [0] * N_SCORES\n"
            "    j = 0\n"
            "    for k in range(N_SCORES):\n"
            "        acc = QBIAS[k]\n"
            "        for i in range(N_FEATURES):\n"
            "            acc += QWEIGHTS[j] * q[i]\n"
            "            j += 1\n"
            "        s[k] = acc\n"
            "    return s" % (sfx, dt))
        m.use("zeros")
        m.code.append(
            "def decision(x):\n"
            "    # %s\n"
            "    # -> N_SCORES float32 scores: integer score * w_scale\n"
            "    acc = decision%s(quantize(x))\n"
            "    s = _zeros_f32(N_SCORES)\n"
            "    for k in range(N_SCORES):\n"
            "        s[k] = acc[k]\n"
            "        s[k] = s[k] * W_SCALE[0]\n"
            "    return s" % (_X, sfx))
        scores = "decision(x)"
        if rule is not None:
            if rule == "sign":
                body = "    return 1 if decision%s(q)[0] > 0 else 0" % sfx
            else:
                m.use("argmax_int")
                body = "    return _argmax_int(decision%s(q))" % sfx
            m.code.append("def predict%s(q):\n    # class index from the exact integer scores\n%s" % (sfx, body))
            m.code.append("def predict(x):\n    # %s\n    return predict%s(quantize(x))" % (_X, sfx))
    if rule is None:
        m.code.append("def regress(x):\n    # %s\n    # -> N_OUTPUTS values\n    return list(%s)" % (_X, scores))
        return m.text()
    if model.quant is None:
        if rule == "sign":
            m.code.append("def predict(x):\n    # %s\n    return 1 if %s[0] > 0.0 else 0" % (_X, scores))
        else:
            m.use("argmax")
            m.code.append("def predict(x):\n    # %s\n    # -> class index (first of equal maxima)\n"
                          "    return _argmax(%s)" % (_X, scores))
    if proba == "logistic":
        m.use("sigmoid")
        m.code.append("_PR = array('f', (0.0, 0.0))\n\n\n"
                      "def predict_proba(x):\n    p = _PR\n    p[1] = _sigmoid(%s[0])\n    p[0] = 1.0 - p[1]\n"
                      "    return [p[0], p[1]]" % scores)
    elif proba == "huber":
        m.code.append("_PR = array('f', (0.0, 0.0))\n\n\n"
                      "def predict_proba(x):\n    p = _PR\n    s = %s[0]\n"
                      "    p[1] = 1.0 if s > 1.0 else -1.0 if s < -1.0 else s\n"
                      "    p[1] = p[1] * 0.5\n    p[1] = p[1] + 0.5\n    p[0] = 1.0 - p[1]\n"
                      "    return [p[0], p[1]]" % scores)
    elif proba == "softmax":
        m.use("softmax")
        m.code.append("def predict_proba(x):\n    return list(_softmax(%s, N_OUTPUTS))" % scores)
    elif proba in ("ovr_logistic", "ovr_huber"):
        if proba == "ovr_logistic":
            m.use("sigmoid")
            f = "        out[k] = _sigmoid(s[k])\n"
        else:
            f = ("        v = s[k]\n        out[k] = 1.0 if v > 1.0 else -1.0 if v < -1.0 else v\n"
                 "        out[k] = out[k] * 0.5\n        out[k] = out[k] + 0.5\n")
        m.use("zeros")
        m.f32("UNIFORM", [np.float32(1.0 / model.n_outputs)], "1 / N_OUTPUTS")
        m.code.append(
            "_PR = array('f', (0.0,))\n\n\n"
            "def predict_proba(x):\n"
            "    # one-vs-rest probabilities, normalised to sum 1 (all zero: uniform)\n"
            "    s = %s\n"
            "    out = _zeros_f32(N_OUTPUTS)\n"
            "    r = _PR\n"
            "    r[0] = 0.0\n"
            "    for k in range(N_OUTPUTS):\n%s"
            "        r[0] = r[0] + out[k]\n"
            "    for k in range(N_OUTPUTS):\n"
            "        out[k] = out[k] / r[0] if r[0] > 0.0 else UNIFORM[0]\n"
            "    return list(out)" % (scores, f))
    elif proba is not None:
        raise UnsupportedError(f"{model.estimator_name}: probability rule {proba!r} has no MicroPython form")
    return m.text()


# ---- Gaussian naive Bayes --------------------------------------------------------
def bayes(model, name: str) -> str:
    K, F = model.mean.shape
    m = _module(model, [f"GaussianNB: {K} classes x {F} features."], {"dtype": "float32"})
    m.f32("MEAN", model.mean, f"{K} classes x {F} features: class means")
    m.f32("HALF_INV_VAR", model.half_inv_var, f"{K} x {F}: 0.5 / variance")
    m.f32("LOG_CONST", model.log_const, f"{K}: log prior - 0.5 sum log(2 pi var)")
    z = _prelude(m, model.prelude)
    m.use("zeros", "argmax", "softmax")
    m.code.append(
        "_JR = array('f', (0.0, 0.0))\n\n\n"
        "def decision(x):\n"
        "    # %s\n"
        "    # -> joint log-likelihood per class (emml_bayes_gaussian_jll_f32)\n"
        "%s"
        "    jll = _zeros_f32(%d)\n"
        "    r = _JR\n"
        "    j = 0\n"
        "    for k in range(%d):\n"
        "        r[0] = 0.0\n"
        "        for i in range(%d):\n"
        "            r[1] = z[i] - MEAN[j]\n"
        "            r[1] = r[1] * r[1]\n"
        "            r[1] = r[1] * HALF_INV_VAR[j]\n"
        "            r[0] = r[0] + r[1]\n"
        "            j += 1\n"
        "        jll[k] = LOG_CONST[k] - r[0]\n"
        "    return jll" % (_X, z, K, K, F))
    m.code.append("def predict(x):\n    # -> class index (first maximum of the joint log-likelihood)\n"
                  "    return _argmax(decision(x))")
    m.code.append("def predict_proba(x):\n    return list(_softmax(decision(x), N_OUTPUTS))")
    return m.text()


# ---- nearest neighbours -----------------------------------------------------------
def neighbors(model, name: str) -> str:
    n, F = model.examples.shape
    clf = model.task == "classifier"
    O = model.n_outputs
    m = _module(model, [f"{model.estimator_name}: k={model.k}, {model.weights} weights, {model.metric} distance, "
                        f"{n} examples x {F} features."],
                {"k": model.k, "weights": model.weights, "metric": model.metric})
    m.constant("K", model.k)
    m.constant("N_EXAMPLES", n)
    m.f32("EXAMPLES", model.examples, f"{n} examples x {F} features")
    if clf:
        m.array("LABELS", int_typecode(model.labels), model.labels, f"{n} class indices")
    else:
        m.f32("TARGETS", model.targets, f"{n} x {O} targets")
    z = _prelude(m, model.preprocess)
    if model.metric == "manhattan":
        term = "            r[1] = z[i] - EXAMPLES[j]\n            r[0] = r[0] + (r[1] if r[1] >= 0.0 else -r[1])\n"
    else:
        term = "            r[1] = z[i] - EXAMPLES[j]\n            r[1] = r[1] * r[1]\n            r[0] = r[0] + r[1]\n"
    m.use("zeros")
    m.code.append(
        "_DR = array('f', (0.0, 0.0))\n\n\n"
        "def _nearest(z):\n"
        "    # the K nearest examples, nearest first, ties in example order (emml_neighbors)\n"
        "    dist, index = [], []\n"
        "    r = _DR\n"
        "    j = 0\n"
        "    for e in range(N_EXAMPLES):\n"
        "        r[0] = 0.0\n"
        "        for i in range(%d):\n%s"
        "            j += 1\n"
        "        d = r[0]\n"
        "        if len(dist) == K:\n"
        "            if not d < dist[K - 1]:\n"
        "                continue\n"
        "            dist.pop()\n"
        "            index.pop()\n"
        "        pos = len(dist)\n"
        "        while pos > 0 and d < dist[pos - 1]:\n"
        "            pos -= 1\n"
        "        dist.insert(pos, d)\n"
        "        index.insert(pos, e)\n"
        "    return dist, index" % (F, term))
    if model.weights == "distance":
        m.imports.append("import struct")
        sqrt = "_sqrt(dist[i])" if model.metric == "euclidean" else "dist[i]"
        if model.metric == "euclidean":
            m.code.append(
                "_QR = array('f', (0.0, 0.0))\n\n\n"
                "def _sqrt(x):\n"
                "    # emml_sqrt_f32: a bit-trick first guess, three Newton steps in float32\n"
                "    if not x > 0.0:\n"
                "        return 0.0\n"
                "    r = _QR\n"
                "    scale = 1.0\n"
                "    r[0] = x\n"
                "    if x < 1.17549435e-38:\n"
                "        r[0] = x * 16777216.0\n"
                "        scale = 1.0 / 4096.0\n"
                "    x = r[0]\n"
                "    u = struct.unpack('<I', struct.pack('<f', x))[0]\n"
                "    y = struct.unpack('<f', struct.pack('<I', (u >> 1) + 0x1FC00000))[0]\n"
                "    for _ in range(3):\n"
                "        r[1] = x / y\n"
                "        r[1] = y + r[1]\n"
                "        r[1] = 0.5 * r[1]\n"
                "        y = r[1]\n"
                "    r[1] = y * scale\n"
                "    return r[1]")
        weight = ("        if zeros:\n            w = 1.0 if dist[i] == 0.0 else 0.0\n"
                  "        else:\n            r[0] = 1.0 / %s\n            w = r[0]\n" % sqrt)
        zeros = "    zeros = 0.0 in dist\n"
    else:
        weight, zeros = "        w = 1.0\n", ""
    if clf:
        add = "        c = LABELS[e]\n        out[c] = out[c] + w\n"
    else:
        add = ("        for o in range(%d):\n            r[0] = w * TARGETS[e * %d + o]\n"
               "            out[o] = out[o] + r[0]\n" % (O, O))
    m.code.append(
        "_SR = array('f', (0.0, 0.0))\n\n\n"
        "def _sums(x):\n"
        "    # vote weights (or weighted target sums) and their total, float32\n"
        "%s"
        "    dist, index = _nearest(z)\n"
        "    out = _zeros_f32(N_OUTPUTS)\n"
        "    r = _SR\n"
        "    r[1] = 0.0\n"
        "%s"
        "    for i in range(len(index)):\n"
        "        e = index[i]\n"
        "%s"
        "        r[1] = r[1] + w\n"
        "%s"
        "    return out, r[1]" % (z, zeros, weight, add))
    m.code.append(
        "_TR = array('f', (0.0,))\n\n\n"
        "def %s(x):\n"
        "    # %s\n"
        "    out, total = _sums(x)\n"
        "    r = _TR\n"
        "    r[0] = 1.0 / total\n"
        "    for j in range(N_OUTPUTS):\n"
        "        out[j] = out[j] * r[0]\n"
        "    return list(out)" % ("predict_proba" if clf else "regress", _X))
    if clf:
        m.use("argmax")
        m.code.append("def predict(x):\n    # %s\n    # -> class index (largest vote; first of equal votes)\n"
                      "    return _argmax(_sums(x)[0])" % _X)
    return m.text()
