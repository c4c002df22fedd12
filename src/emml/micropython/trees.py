"""Tree ensembles (emml.trees.TreeModel) as MicroPython.

Reads the converted model's neutral form (``model.ens``), its deduplicated
leaves (``model.leaves``) and, for quantized inputs, ``model.quantizer``: the
same thresholds, leaf rows and fixed-point probabilities the C uses, so the
module predicts exactly as the C.

Two forms (tree_form): "code" writes one function per tree, nested
``if x[f] <= T[i]:`` with the leaf's additions inline (fastest); "table"
writes the node arrays below, walked by one loop (smallest). "auto" picks
code for small models (CODE_MAX_NODES, CODE_MAX_DEPTH).

Table layout, all trees' decision nodes one after another (preorder; the
code form numbers THRESH the same way):

    FEATURE[i]  feature index tested by decision node i
    THRESH[i]   go left iff x[FEATURE[i]] <= THRESH[i]. Float inputs: a tuple
                of doubles, the largest double whose float32 rounding is <= the
                C's threshold (the largest float32 <= scikit-learn's), so the
                caller's numbers are compared as they are, no float32 rounding
                pass and no float allocated per node, with the C's result
                (emit.float32_le_bounds). Quantized inputs (int8/int16/uint8):
                the integer threshold in the quantized domain.
    LEFT[i], RIGHT[i]  child: >= 0 a decision node, < 0 the leaf -1 - child
    ROOT[t]     first node of tree t (< 0: the tree is a single leaf)

Leaves: classifiers add fixed-point probabilities into integer accumulators
(references below N_CLASSES are one-hot: ONE to that class; others are rows
of (class, value) entries); regressors and boosting add float32 rows.
"""

from __future__ import annotations

import math

import numpy as np

from emml.micropython.emit import PyModule, float32_le_bounds, int_typecode
from emml.model import UnsupportedError
from emml.trees.encode import float32_floor


def _preorder(tree) -> list[int]:
    order, stack = [], [0]
    while stack:
        i = stack.pop()
        order.append(i)
        if tree.feature[i] >= 0:
            stack.append(int(tree.right[i]))
            stack.append(int(tree.left[i]))
    return order


#: tree_form="auto" writes code (one function per tree) up to this many decision
#: nodes and this depth, tables beyond: code is 1.75x as fast under MicroPython
#: 1.27 (bench/bench_micropython.py), its bytecode takes ~12 bytes more heap per
#: node, and deep nesting strains the compiler on small ports
CODE_MAX_NODES, CODE_MAX_DEPTH = 256, 20
TREE_FORMS = ("auto", "code", "table")


def _depth(tree, node: int = 0) -> int:
    if tree.feature[node] < 0:
        return 0
    return 1 + max(_depth(tree, int(tree.left[node])), _depth(tree, int(tree.right[node])))


def _choose_form(ens, tree_form: str) -> str:
    if tree_form not in TREE_FORMS:
        raise ValueError(f"tree_form must be one of {TREE_FORMS}, not {tree_form!r}")
    if tree_form != "auto":
        return tree_form
    small = ens.n_decision <= CODE_MAX_NODES and max((_depth(t) for t in ens.trees), default=0) <= CODE_MAX_DEPTH
    return "code" if small else "table"


def generate(model, name: str, tree_form: str = "auto") -> str:
    """tree_form: "code" (nested if/else, one function per tree: fastest),
    "table" (node arrays walked by one loop: smallest) or "auto" (code for
    models up to CODE_MAX_NODES decision nodes and CODE_MAX_DEPTH levels)."""
    ens, leaves, dtype = model.ens, model.leaves, model.dtype
    q = model.quantizer
    feature, thresh, left, right, nan_left, roots, outputs = [], [], [], [], [], [], []
    for t_index, tree in enumerate(ens.trees):
        refs = leaves.refs[t_index]
        order = [i for i in _preorder(tree) if tree.feature[i] >= 0]
        index = {node: base for base, node in enumerate(order, start=len(feature))}

        def child(c: int) -> int:
            return index[c] if tree.feature[c] >= 0 else -1 - int(refs[c])

        roots.append(child(0))
        outputs.append(tree.output)
        dec = np.asarray(order, dtype=np.int64)
        if len(dec):
            th = tree.threshold[dec]
            if dtype == "float32":
                thresh.extend(float32_floor(th).tolist())
            else:
                thresh.extend(q.threshold_ints(th, tree.feature[dec]).tolist())
        for i in order:
            feature.append(int(tree.feature[i]))
            left.append(child(int(tree.left[i])))
            right.append(child(int(tree.right[i])))
            nan_left.append(1 if tree.nan_left[i] else 0)
    if not feature:  # every tree a single leaf: keep the arrays non-empty
        feature, thresh, left, right, nan_left = [0], [0], [-1], [-1], [0]

    N, K = ens.n_outputs, len(ens.trees)
    task = ens.task
    summary = [f"{ens.estimator}: {K} trees, {ens.n_decision} decision nodes, {ens.n_features} features, "
               f"{dtype} inputs.",
               "Predicts exactly as the emml C of the same model (see emml.micropython)."]
    m = PyModule(name, summary, ens.estimator, model.source_digest, {"dtype": dtype, "allow_nan": ens.allow_nan})
    m.constant("N_FEATURES", ens.n_features)
    m.constant("N_TREES", K)
    if ens.classes is not None and not ens.multi_output:
        m.constant("CLASSES", _tuple(ens.classes), "predict() returns an index into CLASSES")
    form = _choose_form(ens, tree_form)
    if dtype == "float32":
        m.float_tuple("THRESH", float32_le_bounds(thresh),
                      "go left iff x[feature] <= threshold: <=> float32(x) <= the C's float32 threshold")
    elif form == "table":
        m.array("THRESH", int_typecode(thresh), thresh,
                f"integer thresholds in the {dtype} input domain: go left iff q[feature] <= threshold")
    if form == "table":
        m.array("FEATURE", int_typecode(feature), feature, f"{len(feature)} decision nodes: feature tested")
        m.array("LEFT", int_typecode(left + right + roots), left, "left child: >= 0 node, < 0 leaf -1 - child")
        m.array("RIGHT", int_typecode(left + right + roots), right, "right child, same coding")
        m.array("ROOT", int_typecode(left + right + roots), roots, f"{K} trees: first node (< 0: a single leaf)")
        if ens.allow_nan:
            m.array("NAN_LEFT", "B", nan_left, "1: a NaN input goes left at this node")

    # ---- leaves ---------------------------------------------------------------
    cyclic = ens.kind == "sum" and ens.row_width != N  # boosting: tree t adds to output OUTPUT[t]
    if ens.kind == "proba":
        one = 1 << leaves.frac_bits
        m.constant("ONE", one, f"probability 1.0 in fixed point ({leaves.frac_bits} fraction bits)")
        if len(leaves.entry_class) and form == "table":
            m.array("OFFSETS", int_typecode(leaves.offsets), leaves.offsets,
                    "probability rows: first entry of each (leaf references below N_OUTPUTS are one-hot)")
            m.array("ENTRY_CLASS", int_typecode(leaves.entry_class), leaves.entry_class, "entry: class")
            m.array("ENTRY_VALUE", int_typecode(leaves.entry_value), leaves.entry_value,
                    "entry: probability, fixed point")
    else:
        m.f32("VALUES", np.asarray(leaves.values, np.float32).reshape(-1),
              f"{leaves.values.shape[0]} leaf rows x {ens.row_width} float32")
        m.f32("BASE", ens.base, f"{N} initial accumulator values")
        if cyclic and form == "table":
            m.array("OUTPUT", int_typecode(outputs), outputs, "output each tree adds to")
    m.constant("N_OUTPUTS", N)

    # ---- code -------------------------------------------------------------------
    sfx = "" if dtype == "float32" else "_" + {"int16": "i16", "int8": "i8", "uint8": "u8"}[dtype]
    if ens.kind == "proba":
        init, what = "[0] * N_OUTPUTS", "class probabilities summed over the trees, fixed point (exact integers)"
    else:
        init, what = "array('f', BASE)", "leaf values summed over the trees in float32 (stores into acc round as the C)"
    if form == "code":
        _tree_functions(m, model, thresh, sfx)
        m.code.append(
            "def _sum%s(x):\n"
            "    # %s\n"
            "    acc = %s\n"
            "    for tree in _TREES%s:\n"
            "        tree(x, acc%s)\n"
            "    return acc" % (sfx, what, init, sfx, ", THRESH" if dtype == "float32" else ""))
    else:
        test = "v <= th[i] or (v != v and NAN_LEFT[i])" if ens.allow_nan else "v <= th[i]"
        rw = ens.row_width
        if ens.kind == "proba":
            add = ("        if leaf < N_OUTPUTS:\n"
                   "            acc[leaf] += ONE\n"
                   "        else:\n"
                   "            for e in range(OFFSETS[leaf - N_OUTPUTS], OFFSETS[leaf - N_OUTPUTS + 1]):\n"
                   "                acc[ENTRY_CLASS[e]] += ENTRY_VALUE[e]\n") if len(leaves.entry_class) else \
                "        acc[leaf] += ONE\n"
        else:
            add = ("        acc[OUTPUT[t]] = acc[OUTPUT[t]] + VALUES[leaf]\n" if cyclic else
                   "        acc[0] = acc[0] + VALUES[leaf]\n" if rw == 1 else
                   "        for k in range(%d):\n            acc[k] = acc[k] + VALUES[leaf * %d + k]\n" % (rw, rw))
        m.code.append(
            "def _sum%s(x):\n"
            "    # %s\n"
            "    acc = %s\n"
            "    # the tables in locals: a global is a dictionary lookup on every use\n"
            "    f = FEATURE\n"
            "    th = THRESH\n"
            "    lt = LEFT\n"
            "    rt = RIGHT\n"
            "    for t in range(N_TREES):\n"
            "        i = ROOT[t]\n"
            "        while i >= 0:\n"
            "            v = x[f[i]]\n"
            "            if %s:\n"
            "                i = lt[i]\n"
            "            else:\n"
            "                i = rt[i]\n"
            "        leaf = -1 - i\n%s"
            "    return acc" % (sfx, what, init, test, add))

    _entries(m, model, sfx)
    if dtype != "float32":
        _quantized_entries(m, model, sfx)
    return m.text()


def _tree_functions(m: PyModule, model, thresh: list, sfx: str) -> None:
    """One function per tree: nested if/else on constant feature indices, the
    leaf's additions inline. Float thresholds are read from the THRESH tuple
    (a decimal literal would be parsed inexactly on some ports); integer ones
    are literals."""
    ens, leaves, dtype = model.ens, model.leaves, model.dtype
    N = ens.n_outputs
    cyclic = ens.kind == "sum" and ens.row_width != N
    rw = ens.row_width
    counter = [0]  # next decision node: the same preorder as THRESH

    def leaf_lines(t_index: int, ref: int) -> list[str]:
        if ens.kind == "proba":
            if ref < N:
                return [f"acc[{ref}] += {1 << leaves.frac_bits}"]
            r = ref - N
            return [f"acc[{c}] += {v}" for c, v in zip(leaves.entry_class[leaves.offsets[r]:leaves.offsets[r + 1]],
                                                       leaves.entry_value[leaves.offsets[r]:leaves.offsets[r + 1]])]
        if cyclic:
            o = ens.trees[t_index].output
            return [f"acc[{o}] = acc[{o}] + VALUES[{ref}]"]
        return [f"acc[{k}] = acc[{k}] + VALUES[{ref * rw + k}]" for k in range(rw)]

    def body(tree, t_index: int, node: int, indent: str, out: list[str]) -> None:
        if tree.feature[node] < 0:
            out += [indent + line for line in leaf_lines(t_index, int(leaves.refs[t_index][node]))] or [indent + "pass"]
            return
        i = counter[0]
        counter[0] += 1
        f = int(tree.feature[node])
        limit = f"T[{i}]" if dtype == "float32" else str(int(thresh[i]))
        if ens.allow_nan and tree.nan_left[node]:
            out.append(f"{indent}if not x[{f}] > {limit}:  # NaN goes left")
        else:
            out.append(f"{indent}if x[{f}] <= {limit}:")
        body(tree, t_index, int(tree.left[node]), indent + "    ", out)
        out.append(f"{indent}else:")
        body(tree, t_index, int(tree.right[node]), indent + "    ", out)

    names = []
    for t_index, tree in enumerate(ens.trees):
        name = f"_tree{t_index}{sfx}"
        names.append(name)
        lines = [f"def {name}(x, acc{', T' if dtype == 'float32' else ''}):"]
        body(tree, t_index, 0, "    ", lines)
        m.code.append("\n".join(lines))
    m.code.append(f"_TREES{sfx} = ({', '.join(names)}{',' if len(names) == 1 else ''})")


def _tuple(values) -> str:
    items = [repr(v.item() if hasattr(v, "item") else v) for v in values]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _entries(m: PyModule, model, sfx: str) -> None:
    """predict / predict_proba / regress on the typed input (float32 or quantized)."""
    ens, leaves = model.ens, model.leaves
    N, post = ens.n_outputs, ens.post
    xin = "x"  # float inputs are compared as they are (see THRESH)
    doc_x = "x: N_FEATURES numbers (decided as the C decides their float32 rounding)" if not sfx else \
        f"q: N_FEATURES integers in the {model.dtype} domain"
    if ens.task == "classifier" and ens.multi_output:
        counts = list(ens.class_counts)
        m.constant("CLASS_COUNTS", _tuple(counts), "classes of each output")
        m.use("argmax_int")
        scale = np.float32(1.0 / (ens.n_trees * float(1 << leaves.frac_bits)))
        m.f32("PROBA_SCALE", [scale], "1 / (n_trees << frac_bits)")
        m.code.append(
            "def predict%s(x):\n"
            "    # %s\n"
            "    # -> for each output, the index of its class\n"
            "    acc = _sum%s(%s)\n"
            "    out, first = [], 0\n"
            "    for n in CLASS_COUNTS:\n"
            "        out.append(_argmax_int(acc, first, n))\n"
            "        first += n\n"
            "    return out" % (sfx, doc_x, sfx, xin))
        m.code.append(_proba_fixed(sfx, xin))
        return
    if ens.task == "classifier":
        if post == "mean_proba":
            m.use("argmax_int")
            scale = np.float32(1.0 / (ens.n_trees * float(1 << leaves.frac_bits)))
            m.f32("PROBA_SCALE", [scale], "1 / (n_trees << frac_bits)")
            m.code.append("def predict%s(x):\n    # %s\n    # -> class index (first of equal maxima)\n"
                          "    return _argmax_int(_sum%s(%s))" % (sfx, doc_x, sfx, xin))
            m.code.append(_proba_fixed(sfx, xin))
        elif post == "logistic":
            op = ">=" if ens.params.get("binary_ge") else ">"
            m.use("sigmoid")
            m.code.append("def predict%s(x):\n    # %s\n    return 1 if _sum%s(%s)[0] %s 0.0 else 0"
                          % (sfx, doc_x, sfx, xin, op))
            m.code.append("_PR = array('f', (0.0, 0.0))\n\n\n"
                          "def predict_proba%s(x):\n"
                          "    p = _PR\n"
                          "    p[1] = _sigmoid(_sum%s(%s)[0])\n"
                          "    p[0] = 1.0 - p[1]\n"
                          "    return [p[0], p[1]]" % (sfx, sfx, xin))
        elif post == "softmax":
            m.use("argmax", "expf", "zeros")
            m.code.append("def predict%s(x):\n    # %s\n    return _argmax(_sum%s(%s))" % (sfx, doc_x, sfx, xin))
            m.code.append(
                "_PR = array('f', (0.0, 0.0))\n\n\n"
                "def predict_proba%s(x):\n"
                "    # softmax of the summed scores, as the C: exp(s - max), each divided by the sum\n"
                "    acc = _sum%s(%s)\n"
                "    top = acc[_argmax(acc)]\n"
                "    out = _zeros_f32(N_OUTPUTS)\n"
                "    r = _PR\n"
                "    r[0] = 0.0\n"
                "    for k in range(N_OUTPUTS):\n"
                "        r[1] = acc[k] - top\n"
                "        out[k] = _expf(r[1])\n"
                "        r[0] = r[0] + out[k]\n"
                "    for k in range(N_OUTPUTS):\n"
                "        out[k] = out[k] / r[0]\n"
                "    return list(out)" % (sfx, sfx, xin))
        else:
            raise UnsupportedError(f"{ens.estimator}: post-processing {post!r} has no MicroPython form")
    elif ens.task == "regressor":
        div = ("        out[k] = acc[k] / %d\n" % ens.n_trees) if post == "mean" else "        out[k] = acc[k]\n"
        m.use("zeros")
        m.code.append(
            "def regress%s(x):\n"
            "    # %s\n"
            "    # -> N_OUTPUTS values (a list)\n"
            "    acc = _sum%s(%s)\n"
            "    out = _zeros_f32(N_OUTPUTS)\n"
            "    for k in range(N_OUTPUTS):\n%s"
            "    return list(out)" % (sfx, doc_x, sfx, xin, div))
    else:  # IsolationForest
        den, offset = float(ens.params["denominator"]), float(ens.params["offset"])
        if offset >= 0:
            pred = "    _sum%s(%s)\n    return 0  # offset >= 0: every sample is an outlier" % (sfx, xin)
        else:
            limit = np.float32(-den * np.log2(-offset))
            if float(limit) < -den * np.log2(-offset):
                limit = np.nextafter(limit, np.float32(np.inf))
            m.f32("LIMIT", [limit], "depth sum below this: outlier")
            pred = "    return 0 if _sum%s(%s)[0] < LIMIT[0] else 1  # 0: outlier (-1), 1: inlier" % (sfx, xin)
        m.code.append("def predict%s(x):\n    # %s\n%s" % (sfx, doc_x, pred))
        m.use("expf")
        if den == 0:
            body = "    _sum%s(%s)\n    return [-1.0]" % (sfx, xin)
        else:
            m.f32("SCORE_SCALE", [np.float32(math.log(2.0) / den)], "ln 2 / c(n)")
            body = ("    r = _SR\n    r[0] = -_sum%s(%s)[0] * SCORE_SCALE[0]\n    return [-_expf(r[0])]"
                    % (sfx, xin))
        m.code.append("_SR = array('f', (0.0,))\n\n\n"
                      "def regress%s(x):\n    # anomaly score (scikit-learn's score_samples): -2^(-depth / c(n))\n%s"
                      % (sfx, body))


def _proba_fixed(sfx: str, xin: str) -> str:
    return ("def predict_proba%s(x):\n"
            "    # class probabilities: fixed-point sums as float32, times 1 / (n_trees << frac_bits)\n"
            "    acc = _sum%s(%s)\n"
            "    out = array('f', acc)\n"
            "    for k in range(N_OUTPUTS):\n"
            "        out[k] = out[k] * PROBA_SCALE[0]\n"
            "    return list(out)" % (sfx, sfx, xin))


def _quantized_entries(m: PyModule, model, sfx: str) -> None:
    """Float entries of a quantized model: quantize as the C, then the typed entry."""
    q = model.quantizer
    m.constant("QMIN", q.qmin)
    m.constant("QMAX", q.qmax)
    if not q.integer:
        m.f32("QUANT_INV_SCALE", q.inv_scale, "affine quantizer: 1 / scale per feature")
        m.f32("QUANT_LO", q.lo, "affine quantizer: offset (calibration minimum) per feature")
        first = ("        r[0] = x[i] - QUANT_LO[i]\n        r[0] = r[0] * QUANT_INV_SCALE[i]\n"
                 "        r[0] = r[0] + QMIN\n")
    else:
        first = "        r[0] = x[i]\n"
    m.code.append(
        "_QR = array('f', (0.0,))\n\n\n"
        "def quantize(x):\n"
        "    # float inputs -> the %s domain, float32 operations as the C; NaN -> QMIN\n"
        "    r = _QR\n"
        "    q = [0] * N_FEATURES\n"
        "    for i in range(N_FEATURES):\n%s"
        "        v = r[0]\n"
        "        if not v >= QMIN:\n"
        "            v = QMIN\n"
        "        if v > QMAX:\n"
        "            v = QMAX\n"
        "        r[0] = v - QMIN\n"
        "        r[0] = r[0] + 0.5\n"
        "        q[i] = int(r[0]) + QMIN\n"
        "    return q" % (q.dtype, first))
    for entry in model.entry_points:
        if entry.endswith(sfx):
            continue
        if entry in ("predict", "predict_proba", "regress"):
            m.code.append("def %s(x):\n    # x: N_FEATURES numbers, quantized by quantize()\n"
                          "    return %s%s(quantize(x))" % (entry, entry, sfx))
