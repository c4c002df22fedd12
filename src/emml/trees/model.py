"""TreeModel: a converted tree ensemble and the C it generates."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import emml
from emml.model import Model, UnsupportedError, c_float
from emml.provenance import model_digest
from emml.runtime import runtime_version
from emml.trees import encode, fast
from emml.trees.ir import Ensemble

DTYPES = ("float32", "int16", "int8", "uint8")
_CTYPE = {"int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t"}
_SUFFIX = {"int16": "i16", "int8": "i8", "uint8": "u8"}


def _shown(v: float) -> str:
    """A threshold for a comment: HistGradientBoosting splits can be at +-inf."""
    return c_float(v) if np.isfinite(np.float32(v)) else ("inf" if v > 0 else "-inf")


def _hex_lines(data: bytes, per_line: int = 16) -> list[str]:
    return [", ".join(f"0x{b:02x}" for b in data[i : i + per_line]) + "," for i in range(0, len(data), per_line)]


def _word_lines(words: np.ndarray, per_line: int = 6) -> list[str]:
    vals = [f"0x{int(w):08x}u" for w in words]
    return [", ".join(vals[i : i + per_line]) + "," for i in range(0, len(vals), per_line)]


def _int_lines(values: np.ndarray, fmt: str, per_line: int = 8) -> list[str]:
    vals = [fmt.format(int(v)) for v in values]
    return [", ".join(vals[i : i + per_line]) + "," for i in range(0, len(vals), per_line)]


def _float_lines(values: np.ndarray, per_line: int = 6) -> list[str]:
    vals = [c_float(v) for v in np.asarray(values).reshape(-1)]
    return [", ".join(vals[i : i + per_line]) + "," for i in range(0, len(vals), per_line)]


#: Value range of the integer input types of quantized inline trees.
_INT_RANGE = {"int8_t": (-128, 127), "uint8_t": (0, 255), "int16_t": (-32768, 32767)}


def ensemble_digest(ens: Ensemble) -> str:
    """Provenance digest of the ensemble's parameters (emml.provenance)."""
    classes = [] if ens.classes is None else list(ens.classes) if ens.multi_output else [ens.classes]
    arrays = [ens.base, np.asarray(ens.class_counts, dtype=np.int64)]
    arrays += [np.asarray(c).astype(str) for c in classes]  # labels may be objects (strings)
    for t in ens.trees:
        arrays += [t.feature, t.threshold, t.left, t.right, t.nan_left, t.values]
    meta = (ens.estimator, ens.n_features, ens.kind, ens.n_outputs, ens.post, sorted(ens.params.items()),
            [str(t.output) for t in ens.trees])
    return model_digest("trees", arrays, meta)


class TreeModel(Model):
    """A tree ensemble converted to emml's table-driven or inline C."""

    def __init__(self, ens: Ensemble, method: str, dtype: str = "float32", quantizer: Any = None,
                 leaf_values: str = "auto", source_digest: str | None = None, layout: str = "auto") -> None:
        super().__init__()
        if method not in ("table", "inline"):
            raise UnsupportedError(f"method={method!r} is not supported for trees; use 'table', 'inline' or 'auto'")
        if dtype not in DTYPES:
            raise UnsupportedError(f"dtype={dtype!r} is not supported for trees; use one of {', '.join(DTYPES)}")
        if dtype != "float32" and ens.allow_nan:
            raise UnsupportedError(
                f"{ens.estimator} with NaN support cannot take quantized {dtype} features (an integer has no NaN); "
                "use dtype='float32', or impute missing values before converting"
            )
        if layout not in ("auto", "bytes", "packed"):
            raise UnsupportedError(f"layout={layout!r} is not supported; use 'auto', 'bytes' or 'packed'")
        if leaf_values not in ("auto", "uint8"):
            raise UnsupportedError(f"leaf_values={leaf_values!r}: use 'auto' (exact) or 'uint8' (8-bit probabilities)")
        if leaf_values == "uint8" and ens.kind != "proba":
            raise UnsupportedError("leaf_values='uint8' applies to forest classifiers only (probability leaves)")
        self.ens = ens
        self.method = method
        self.dtype = dtype
        self.quantizer = quantizer
        self.task = ens.task
        self.n_features = ens.n_features
        self.classes_ = ens.classes
        self.leaves = encode.encode_leaves(ens, leaf_values)
        self.table = encode.encode_table(ens, self.leaves, dtype, quantizer)
        self.leaf_arrays = fast.leaf_arrays(self.leaves, ens.n_outputs, ens.row_width)
        self.layout = self._choose_layout(layout) if method == "table" else "code"
        self.bytes_layout = fast.encode_bytes(self.table, dtype) if self.layout == "bytes" else None
        if self.layout == "packed" and dtype != "float32" and self.table.widths["node"] > 32:
            raise UnsupportedError(
                f"{ens.estimator}: {self.table.widths['node']}-bit nodes are too wide for the quantized "
                "table walkers (max 32); use dtype='float32' or method='inline'"
            )
        self.source_digest = source_digest or ensemble_digest(ens)
        self.options = {"method": method, "dtype": dtype, "allow_nan": ens.allow_nan, "leaf_values": leaf_values}
        if method == "table":
            self.options["layout"] = self.layout if layout == self.layout else f"{layout}->{self.layout}"
        if ens.task == "regressor":
            self.n_outputs = ens.n_outputs
            self.entry_points = ("regress",)
        elif ens.task == "outlier":
            self.n_outputs = 1
            self.entry_points = ("predict", "regress")
        else:
            # probabilities: the classes (multi-output: all outputs' classes, one after another)
            self.n_outputs = ens.n_outputs if ens.multi_output else len(ens.classes)
            self.entry_points = ("predict", "predict_proba")
        # scikit-learn's n_outputs_: the values predict() gives per sample
        self.n_targets = len(ens.class_counts) if ens.multi_output else self.n_outputs if self.task == "regressor" else 1
        if ens.multi_output:
            self.report_entry = "predict_proba"  # predict() takes an int32 output array
        if dtype != "float32":
            self.entry_points += tuple(f"{e}_{_SUFFIX[dtype]}" for e in self.entry_points)

    # ---- host execution (multi-output classifiers) ---------------------------
    def predict(self, X: Any) -> np.ndarray:
        """Class labels; multi-output classifiers: shape (n_samples, n_outputs),
        output k's labels in column k, as scikit-learn's predict()."""
        if not self.ens.multi_output:
            return super().predict(X)
        import ctypes

        X = self._check_X(X, self._allow_nan())
        fp, ip = ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_int32)
        fn = self._function("predict", [fp, ctypes.c_int32, ip, ctypes.c_int32], ctypes.c_int)
        T = self.n_targets
        idx = np.zeros((X.shape[0], T), dtype=np.int32)
        for i in range(X.shape[0]):
            st = fn(X[i].ctypes.data_as(fp), self.n_features, idx[i].ctypes.data_as(ip), T)
            if st != 0:
                raise RuntimeError(f"predict() returned emml status {st} on row {i}")
        out = np.empty((X.shape[0], T), dtype=self.classes_[0].dtype)
        for k in range(T):
            out[:, k] = self.classes_[k][idx[:, k]]
        return out

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities (n_samples, n_classes); multi-output classifiers:
        a list with one such array per output, as scikit-learn's predict_proba()."""
        proba = super().predict_proba(X)
        if not self.ens.multi_output:
            return proba
        return np.split(proba, np.cumsum(self.ens.class_counts)[:-1], axis=1)

    # ---- statistics ------------------------------------------------------
    @property
    def n_decision(self) -> int:
        return self.ens.n_decision

    def _choose_layout(self, layout: str) -> str:
        """"bytes" (byte-aligned nodes, model-specialised walker) or "packed"
        (bit stream, the emml_trees runtime walker)."""
        why = fast.why_not_bytes(self.table)
        if layout == "packed":
            return "packed"
        if layout == "bytes":
            if why:
                raise UnsupportedError(f"{self.ens.estimator}: layout='bytes' does not fit this model ({why}); "
                                       "use layout='packed' or 'auto'")
            return "bytes"
        if why:
            return "packed"
        bl = fast.encode_bytes(self.table, self.dtype)
        as_bytes = sum(bl.sizes().values()) + sum(self.leaf_arrays.sizes().values())
        as_packed = sum(self._packed_sizes().values())
        return "bytes" if as_bytes <= fast.AUTO_MAX_GROWTH * as_packed else "packed"

    def _packed_sizes(self) -> dict[str, int]:
        t = self.table
        sizes: dict[str, int] = {}
        if self.method == "table":
            sizes["nodes"] = 4 * len(t.streams["nodes"])
            sizes["roots"] = 4 * len(t.streams["roots"])
            sizes["thresholds"] = 4 * len(t.thresholds)
        sizes["pairs"] = 4 * len(t.streams["pairs"]) if len(t.pairs) and self.method == "table" else 0
        if self.leaves.onehot:
            sizes["offsets"] = 4 * len(t.streams["offsets"]) if len(self.leaves.entry_class) else 0
            sizes["entries"] = 4 * len(t.streams["entries"]) if len(self.leaves.entry_class) else 0
        else:
            sizes["values"] = 4 * self.leaves.values.size
        sizes["struct"] = 88
        return sizes

    def data_sizes(self) -> dict[str, int]:
        """Bytes of each const array (table method includes the node tables)."""
        if self.layout == "packed":
            return self._packed_sizes()
        sizes = dict(self.bytes_layout.sizes()) if self.layout == "bytes" else {}
        sizes.update(self.leaf_arrays.sizes())
        return sizes

    def bytes_per_decision_node(self) -> float:
        """Table method: all const data (nodes, thresholds, pairs, roots and
        leaf rows) divided by the number of decision nodes."""
        return sum(self.data_sizes().values()) / max(1, self.n_decision)

    # ---- code generation ---------------------------------------------------
    def _provenance(self) -> str:
        opts = " ".join(f"{k}={v}" for k, v in self.options.items())
        q = ""
        if self.quantizer is not None:
            q = f"\n * Quantizer: {self.quantizer.describe()}"
        return (
            "/*\n"
            f" * Generated by emml {emml.__version__} (emml.convert); do not edit.\n"
            f" * Source: {self.ens.estimator}, sha256 {self.source_digest}\n"
            f" * Options: {opts}{q}\n"
            " */"
        )

    def _arrays(self, name: str) -> list[dict[str, Any]]:
        arrays = self._packed_arrays() if self.layout == "packed" else self._fast_arrays()
        if self.ens.multi_output:
            counts = np.asarray(self.ens.class_counts)
            arrays.append({"name": "class_counts", "ctype": fast.unsigned_type(int(counts.max()))[0],
                           "length": len(counts), "lines": _int_lines(counts, "{}u"),
                           "comment": f"{len(counts)} outputs: classes of each (its slice of the probabilities)"})
        q = self.quantizer
        if q is not None and not q.integer:
            for key, vals, what in (("quant_inv_scale", q.inv_scale, "1 / scale"), ("quant_lo", q.lo, "offset (min)")):
                arrays.append({"name": key, "ctype": "float", "length": len(vals),
                               "comment": f"{len(vals)} features: affine quantizer {what} ({q.dtype})",
                               "lines": _float_lines(vals)})
        return arrays

    def _fast_arrays(self) -> list[dict[str, Any]]:
        """Arrays of the byte layout (table) or of inline code (leaf tables only)."""
        arrays: list[dict[str, Any]] = []
        bl, la = self.bytes_layout, self.leaf_arrays

        def add(key: str, ctype: str, values: np.ndarray, comment: str, fmt: str = "{}u", per_line: int = 8) -> None:
            arrays.append({"name": key, "ctype": ctype, "length": len(values), "comment": comment,
                           "lines": _int_lines(values, fmt, per_line)})

        if bl is not None:
            t, w = self.table, self.table.widths
            arrays.append({
                "name": "nodes", "ctype": "uint8_t", "length": len(bl.nodes),
                "comment": f"{t.n_nodes} decision nodes x {bl.node_bytes} bytes, preorder per tree, one per line: "
                           f"{bl.describe()} (head = kind:2{' nan_left:1' if w['nan'] else ''} "
                           f"feature:{w['feature']})",
                "lines": [", ".join(f"0x{int(b):02x}" for b in bl.nodes[i:i + bl.node_bytes]) + ","
                          for i in range(0, len(bl.nodes), bl.node_bytes)],
            })
            add("roots", bl.root_ctype, bl.roots, f"{len(bl.roots)} trees: byte offset of the root node")
            what = ("signed order keys (emml_trees_skey) of the largest float32 <= each float64 threshold"
                    if self.dtype == "float32" else f"floor of each threshold in the {self.dtype} input domain")
            vals = t.threshold_values
            lines = []
            for k, v in zip(bl.thresholds, vals):
                shown = _shown(v) if self.dtype == "float32" else str(int(v))
                lines.append(f"{_signed_literal(int(k))}, /* {shown} */" if self.dtype == "float32"
                             else f"{int(k)},")
            arrays.append({"name": "thresholds", "ctype": bl.threshold_ctype, "length": len(bl.thresholds),
                           "comment": f"{len(bl.thresholds)} thresholds, sorted, deduplicated: {what}",
                           "lines": lines})
            add("pairs", bl.pair_ctype, bl.pairs, f"{len(bl.pairs) // 2} leaf pairs (left, right leaf reference)")
        if not la.onehot:
            arrays.append({"name": "values", "ctype": "float", "length": la.values.size,
                           "comment": f"{la.values.shape[0]} leaf rows x {la.values.shape[1]} float32",
                           "lines": _float_lines(la.values)})
        elif la.n_rows:
            add("offsets", la.offset_ctype, la.offsets,
                f"{la.n_rows} probability rows: first entry of each (leaf refs 0..{la.n_classes - 1} are one-hot)")
            one = f"1.0 == 1 << {la.frac_bits}"
            if la.entries is not None:
                digits = {"uint8_t": 2, "uint16_t": 4, "uint32_t": 8}[la.entry_ctype]
                add("entries", la.entry_ctype, la.entries,
                    f"{len(la.entries)} sparse entries: value << {la.class_bits} | class (value: fixed point, {one})",
                    "0x{:0%dx}u" % digits, 6)
            else:
                add("entry_class", la.entry_class_ctype, la.entry_class, f"{len(la.entry_class)} entries: class")
                add("entry_value", fast.unsigned_type(int(la.entry_value.max()))[0], la.entry_value,
                    f"{len(la.entry_value)} entries: value (fixed point, {one})")
        return arrays

    def _packed_arrays(self) -> list[dict[str, Any]]:
        t, lv, w = self.table, self.leaves, self.table.widths
        arrays = []

        def stream(key: str, comment: str) -> None:
            data = t.streams[key]
            arrays.append({"name": key, "ctype": "uint32_t", "length": len(data), "comment": comment,
                           "lines": _word_lines(data)})

        stream("nodes", f"{t.n_nodes} decision nodes x {w['node']} bits, preorder per tree: "
                        f"kind:2{' nan_left:1' if w['nan'] else ''} feature:{w['feature']} "
                        f"threshold:{w['threshold']} child:{w['child']}")
        stream("roots", f"{len(t.roots)} tree roots x {w['root']} bits")
        thr_comment = f"{len(t.thresholds)} threshold order keys (sorted, deduplicated); values: " + (
            "largest float32 <= each float64 threshold" if self.dtype == "float32"
            else f"floor of each threshold in the {self.dtype} input domain")
        arrays.append({"name": "thresholds", "ctype": "uint32_t", "length": len(t.thresholds),
                       "comment": thr_comment, "lines": self._threshold_lines()})
        if len(t.pairs):
            stream("pairs", f"{len(t.pairs)} leaf pairs x 2 x {w['leaf']} bits (left, right)")
        if lv.onehot and len(lv.entry_class):
            stream("offsets", f"{len(lv.offsets)} row offsets x {w['offset']} bits into entries "
                              f"(leaf refs 0..{self.ens.n_outputs - 1} are one-hot classes)")
            stream("entries", f"{len(lv.entry_class)} sparse probability entries: class:{w['class']} "
                              f"value:{w['value']} (fixed point, 1.0 == 1 << {lv.frac_bits})")
        if not lv.onehot:
            arrays.append({"name": "values", "ctype": "float", "length": lv.values.size,
                           "comment": f"{lv.values.shape[0]} leaf rows x {lv.values.shape[1]} float32",
                           "lines": _float_lines(lv.values)})
        return arrays

    def _threshold_lines(self) -> list[str]:
        t = self.table
        lines = []
        for k, v in zip(t.thresholds, t.threshold_values):
            val = _shown(v) if self.dtype == "float32" else str(int(v))
            lines.append(f"0x{int(k):08x}u, /* {val} */")
        return lines

    def _struct(self, name: str, arrays: list[dict[str, Any]]) -> list[tuple[str, str]]:
        t, lv, w, e = self.table, self.leaves, self.table.widths, self.ens
        have = {a["name"] for a in arrays}
        flags = []
        if lv.onehot:
            flags.append("EMML_TREES_ONEHOT")
        if e.allow_nan:
            flags.append("EMML_TREES_NAN")

        def ptr(key: str) -> str:
            return f"{name}_{key}" if key in have else "0"

        fields = [
            ("n_features", f"{e.n_features}u"),
            ("n_outputs", f"{e.n_outputs}u"),
            ("n_trees", f"{e.n_trees}u"),
            ("n_nodes", f"{t.n_nodes if self.method == 'table' else 0}u"),
            ("n_thresholds", f"{len(t.thresholds) if self.method == 'table' else 0}u"),
            ("n_pairs", f"{len(t.pairs) if self.method == 'table' else 0}u"),
            ("n_leaves", f"{lv.n_leaves}u"),
            ("n_entries", f"{len(lv.entry_class) if lv.onehot else 0}u"),
            ("kind", "EMML_TREES_PROBA" if lv.onehot else "EMML_TREES_SUM"),
            ("flags", " | ".join(flags) if flags else "0u"),
            ("node_bits", f"{w['node']}u"),
            ("feature_bits", f"{w['feature']}u"),
            ("threshold_bits", f"{w['threshold']}u"),
            ("child_bits", f"{w['child']}u"),
            ("root_bits", f"{w['root']}u"),
            ("leaf_bits", f"{w['leaf']}u"),
            ("offset_bits", f"{w.get('offset', 0)}u"),
            ("class_bits", f"{w.get('class', 0)}u"),
            ("value_bits", f"{w.get('value', 0)}u"),
            ("frac_bits", f"{lv.frac_bits}u"),
            ("row_width", f"{e.row_width if not lv.onehot else 0}u"),
            ("nodes", ptr("nodes")),
            ("roots", ptr("roots")),
            ("pairs", ptr("pairs")),
            ("thresholds", ptr("thresholds")),
            ("offsets", ptr("offsets")),
            ("entries", ptr("entries")),
            ("values", ptr("values")),
        ]
        return fields

    # -- inline trees: one function per tree, preorder, left child falls through
    def _inline_tree(self, name: str, ti: int, xtype: str) -> str:
        t = self.ens.trees[ti]
        refs = self.leaves.refs[ti]
        keys = dict(zip(np.flatnonzero(t.feature >= 0).tolist(), self.table_keys[ti].tolist()))
        vals = dict(zip(np.flatnonzero(t.feature >= 0).tolist(), self.table_readable[ti].tolist()))
        out = [f"static uint32_t {name}_tree_{ti}(const {xtype} *x)", "{"]
        if t.feature[0] < 0:
            out += ["    (void)x;", f"    return {int(refs[0])}u;", "}"]
            return "\n".join(out)
        label_of: dict[int, str] = {}
        body: list[str] = []
        stack = [0]
        order = []
        while stack:  # preorder of decision nodes
            n = stack.pop()
            order.append(n)
            for c in (int(t.right[n]), int(t.left[n])):
                if t.feature[c] >= 0:
                    stack.append(c)
        jumped = set()
        for pos, n in enumerate(order):
            nxt = order[pos + 1] if pos + 1 < len(order) else None
            label_of[n] = f"n{n}"
            l, r = int(t.left[n]), int(t.right[n])
            f = int(t.feature[n])
            shown = _shown(vals[n]) if self.dtype == "float32" else str(int(vals[n]))
            if xtype != "float":
                lo, hi = _INT_RANGE[xtype]
                # a threshold at the type's edge would be an always-false/true compare
                # (-Wtype-limits rejects it): spell the constant outcome instead
                cond = "0" if int(vals[n]) >= hi else "1" if int(vals[n]) < lo else f"x[{f}] > {int(vals[n])}"
            else:
                bits = int(np.float32(vals[n]).view(np.uint32))
                if bits < 0x80000000:  # t >= +0: signed bit compare
                    cond = f"emml_trees_sbits(x[{f}]) > {bits}"
                else:  # t < 0: x <= t iff ubits(x) >= ubits(t)
                    cond = f"emml_trees_ubits(x[{f}]) < 0x{bits:08x}u"
            if self.ens.allow_nan:
                nan = f"emml_trees_isnan(x[{f}])"
                # NaN keys sort above +inf or below -inf; decide them explicitly
                cond = (f"({nan} ? {0 if t.nan_left[n] else 1} : {cond})")
            right_stmt = f"return {int(refs[r])}u;" if t.feature[r] < 0 else f"goto n{r};"
            if t.feature[r] >= 0:
                jumped.add(r)
            body.append((n, f"    if ({cond}) /* x[{f}] > {shown} */"))
            body.append((None, f"        {right_stmt}"))
            if t.feature[l] < 0:
                body.append((None, f"    return {int(refs[l])}u;"))
            elif nxt != l:  # cannot happen in preorder, kept as a guard
                body.append((None, f"    goto n{l};"))
        if not any("x[" in line.split("/*")[0] for _, line in body):
            out.append("    (void)x; /* every split of this tree has a constant outcome */")
        for n, line in body:
            if n is not None and n in jumped:
                out.append(f"n{n}:")
            out.append(line)
        out.append("}")
        return "\n".join(out)

    def _sum_function(self, name: str, xtype: str, suffix: str) -> str:
        e, lv = self.ens, self.leaves
        acc_t = "uint32_t" if lv.onehot else "float"
        lines = [f"static void {name}_sum{suffix}(const {xtype} *x, {acc_t} *acc)", "{"]
        cyclic = not lv.onehot and e.row_width != e.n_outputs
        if cyclic:  # boosting: tree i adds to output i % n_outputs (stage-major order)
            assert all(tr.output == i % e.n_outputs for i, tr in enumerate(e.trees))
        lines.append("    uint32_t t;")
        if cyclic:
            lines.append("    uint32_t k = 0;")
        if lv.onehot:
            lines += ["    uint32_t i;", f"    for (i = 0; i < {e.n_outputs}u; i++)", "        acc[i] = 0;"]
        else:
            for k in range(e.n_outputs):
                lines.append(f"    acc[{k}] = {c_float(e.base[k])};")
        target = "acc + k" if cyclic else "acc"
        if self.layout == "packed":
            if xtype == "float" and (e.allow_nan or self.table.widths["node"] > 32):
                walk = "emml_trees_walk_any"
            else:
                walk = {"float": "emml_trees_walk", "int16_t": "emml_trees_walk_i16", "int8_t": "emml_trees_walk_i8",
                        "uint8_t": "emml_trees_walk_u8"}[xtype]
            add = "emml_trees_add_proba" if lv.onehot else "emml_trees_add_values"
            lines.append(f"    for (t = 0; t < {e.n_trees}u; t++) {{")
            lines.append(f"        {add}(&{name}_model, {walk}(&{name}_model, t, x), {target});")
        elif self.layout == "bytes":
            lines.append(f"    for (t = 0; t < {e.n_trees}u; t++) {{")
            lines.append(f"        {name}_add_leaf({name}_walk(x, {name}_roots[t]), {target});")
        else:  # inline: one call per tree through the table, add_leaf once
            lines.append(f"    for (t = 0; t < {e.n_trees}u; t++) {{")
            lines.append(f"        {name}_add_leaf({name}_trees{suffix}[t](x), {target});")
        if cyclic:
            lines.append(f"        if (++k == {e.n_outputs}u)")
            lines.append("            k = 0;")
        lines.append("    }")
        lines.append("}")
        return "\n".join(lines)

    def _entries(self, name: str, xtype: str, suffix: str) -> tuple[list[str], list[str], list[str]]:
        """(definitions, declarations, doc lines) of the entry points for one input type."""
        e, lv = self.ens, self.leaves
        N, F = e.n_outputs, e.n_features
        head_checks = [
            "    if (x == 0)",
            "        return EMML_ERR_NULL;",
            f"    if (n_features != {F})",
            "        return EMML_ERR_SHAPE;",
        ]
        out_checks = [
            "    if (out == 0)",
            "        return EMML_ERR_NULL;",
            f"    if (n_out < {self.n_outputs})",
            "        return EMML_ERR_BUFFER_TOO_SMALL;",
        ]
        defs, decls, docs = [], [], []
        acc_t = "uint32_t" if lv.onehot else "float"
        sum_call = f"    {name}_sum{suffix}(x, acc);"
        sig_pred = f"int32_t {name}_predict{suffix}(const {xtype} *x, int32_t n_features)"
        sig_rows = lambda fn: f"emml_status_t {name}_{fn}{suffix}(const {xtype} *x, int32_t n_features, float *out, int32_t n_out)"  # noqa: E731
        pred_checks = [ln.replace("return EMML", "return (int32_t)EMML") for ln in head_checks]
        post = e.post
        if e.task == "classifier" and e.multi_output:
            T = len(e.class_counts)
            sig_multi = (f"emml_status_t {name}_predict{suffix}(const {xtype} *x, int32_t n_features, "
                         "int32_t *out, int32_t n_out)")
            body_pred = [f"    uint32_t acc[{N}];", "    uint32_t first = 0;", "    int32_t k;", *head_checks,
                         "    if (out == 0)", "        return EMML_ERR_NULL;", f"    if (n_out < {T})",
                         "        return EMML_ERR_BUFFER_TOO_SMALL;", sum_call,
                         f"    for (k = 0; k < {T}; k++) {{",
                         f"        out[k] = emml_trees_argmax_u32(acc + first, {name}_class_counts[k]);",
                         f"        first += {name}_class_counts[k];", "    }", "    return EMML_OK;"]
            scale = 1.0 / (e.n_trees * float(1 << lv.frac_bits))
            body_proba = [f"    uint32_t acc[{N}];", "    int32_t k;", *head_checks, *out_checks, sum_call,
                          f"    for (k = 0; k < {N}; k++)",
                          f"        out[k] = (float)acc[k] * {c_float(scale)}; /* 1 / (n_trees << frac_bits) */",
                          "    return EMML_OK;"]
            defs.append("\n".join([sig_multi, "{", *body_pred, "}"]))
            defs.append("\n".join([sig_rows("predict_proba"), "{", *body_proba, "}"]))
            decls += [sig_multi + ";", sig_rows("predict_proba") + ";"]
            docs += [f"{name}_predict{suffix}: for each of the {T} outputs, the index of its class into",
                     f"    out[0 .. {name.upper()}_N_TARGETS) (output k has the k-th of {name.upper()}_CLASS_COUNTS classes)",
                     f"{name}_predict_proba{suffix}: {N} probabilities into out: output 0's classes,",
                     "    then output 1's, ... (scikit-learn's predict_proba list, concatenated)"]
        elif e.task == "classifier":
            if post == "mean_proba":
                body_pred = [f"    {acc_t} acc[{N}];", *pred_checks, sum_call,
                             f"    return emml_trees_argmax_u32(acc, {N}u);"]
                scale = 1.0 / (e.n_trees * float(1 << lv.frac_bits))
                body_proba = [f"    {acc_t} acc[{N}];", "    int32_t k;", *head_checks, *out_checks, sum_call,
                              f"    for (k = 0; k < {N}; k++)",
                              f"        out[k] = (float)acc[k] * {c_float(scale)}; /* 1 / (n_trees << frac_bits) */",
                              "    return EMML_OK;"]
            elif post == "logistic":
                op = ">=" if e.params.get("binary_ge") else ">"
                body_pred = ["    float acc[1];", *pred_checks, sum_call, f"    return acc[0] {op} 0.0f ? 1 : 0;"]
                body_proba = ["    float acc[1];", *head_checks, *out_checks, sum_call,
                              "    out[1] = emml_sigmoidf(acc[0]);",
                              "    out[0] = 1.0f - out[1];", "    return EMML_OK;"]
            elif post == "softmax":
                body_pred = [f"    float acc[{N}];", *pred_checks, sum_call,
                             f"    return emml_trees_argmax_f32(acc, {N}u);"]
                body_proba = [f"    float acc[{N}];", "    float top, total = 0.0f;", "    int32_t k;",
                              *head_checks, *out_checks, sum_call,
                              f"    top = acc[emml_trees_argmax_f32(acc, {N}u)];",
                              f"    for (k = 0; k < {N}; k++) {{", "        out[k] = emml_expf(acc[k] - top);",
                              "        total += out[k];", "    }",
                              f"    for (k = 0; k < {N}; k++)", "        out[k] /= total;", "    return EMML_OK;"]
            else:
                raise AssertionError(post)
            defs.append("\n".join([sig_pred, "{", *body_pred, "}"]))
            defs.append("\n".join([sig_rows("predict_proba"), "{", *body_proba, "}"]))
            decls += [sig_pred + ";", sig_rows("predict_proba") + ";"]
            docs += [f"{name}_predict{suffix}: class index 0..{N - 1 if post != 'logistic' else 1}"
                     f" ({name.upper()}_N_CLASSES classes)",
                     f"{name}_predict_proba{suffix}: {self.n_outputs} class probabilities into out"]
        elif e.task == "regressor":
            if post == "mean":
                fin = [f"    for (k = 0; k < {N}; k++)", f"        out[k] = acc[k] / {c_float(e.n_trees)};"]
            else:
                fin = [f"    for (k = 0; k < {N}; k++)", "        out[k] = acc[k];"]
            body = [f"    float acc[{N}];", "    int32_t k;", *head_checks, *out_checks, sum_call, *fin,
                    "    return EMML_OK;"]
            defs.append("\n".join([sig_rows("regress"), "{", *body, "}"]))
            decls.append(sig_rows("regress") + ";")
            docs.append(f"{name}_regress{suffix}: {N} regression output(s) into out")
        else:  # outlier: IsolationForest
            den = float(e.params["denominator"])
            limit = e.isolation_limit()
            if limit is None:
                pred_line = "    return 0; /* offset >= 0: every sample is an outlier */"
                pre = ["    (void)acc;"]
            else:  # scikit-learn: outlier iff score_samples < offset_ (see Ensemble.isolation_limit)
                pred_line = f"    return acc[0] < {c_float(limit)} ? 0 : 1; /* depth sum < limit: outlier */"
                pre = []
            body_pred = ["    float acc[1];", *pred_checks, sum_call, *pre, pred_line]
            if den == 0:
                score = ["    out[0] = -1.0f;"]
            else:
                score = [f"    out[0] = -emml_expf(-acc[0] * {c_float(math.log(2.0) / den)}); /* -2^(-depth / c(n)) */"]
            body_score = ["    float acc[1];", *head_checks, *out_checks, sum_call, *score, "    return EMML_OK;"]
            defs.append("\n".join([sig_pred, "{", *body_pred, "}"]))
            defs.append("\n".join([sig_rows("regress"), "{", *body_score, "}"]))
            decls += [sig_pred + ";", sig_rows("regress") + ";"]
            docs += [f"{name}_predict{suffix}: 0 = outlier (-1), 1 = inlier (+1)",
                     f"{name}_regress{suffix}: anomaly score (score_samples) into out[0]"]
        return defs, decls, docs

    def _float_wrappers(self, name: str) -> tuple[list[str], list[str], list[str]]:
        """Quantized models: float entries that quantize into a stack buffer."""
        q = self.quantizer
        xt = _CTYPE[self.dtype]
        sfx = "_" + _SUFFIX[self.dtype]
        F = self.n_features
        conv = q.c_quantize_lines(xt, name)
        defs, decls, docs = [], [], []
        for entry in [p for p in self.entry_points if not p.endswith(sfx)]:
            if entry == "predict" and self.ens.multi_output:
                sig = f"emml_status_t {name}_predict(const float *x, int32_t n_features, int32_t *out, int32_t n_out)"
                call = f"    return {name}_predict{sfx}(q, n_features, out, n_out);"
                checks = ["    if (x == 0)", "        return EMML_ERR_NULL;", f"    if (n_features != {F})",
                          "        return EMML_ERR_SHAPE;"]
            elif entry == "predict":
                sig = f"int32_t {name}_predict(const float *x, int32_t n_features)"
                call = f"    return {name}_predict{sfx}(q, n_features);"
                checks = ["    if (x == 0)", "        return (int32_t)EMML_ERR_NULL;", f"    if (n_features != {F})",
                          "        return (int32_t)EMML_ERR_SHAPE;"]
            else:
                sig = f"emml_status_t {name}_{entry}(const float *x, int32_t n_features, float *out, int32_t n_out)"
                call = f"    return {name}_{entry}{sfx}(q, n_features, out, n_out);"
                checks = ["    if (x == 0)", "        return EMML_ERR_NULL;", f"    if (n_features != {F})",
                          "        return EMML_ERR_SHAPE;"]
            body = [f"    {xt} q[{F}];", "    int32_t i;", *checks, f"    for (i = 0; i < {F}; i++) {{",
                    *["        " + c for c in conv], "    }", call]
            defs.append("\n".join([sig, "{", *body, "}"]))
            decls.append(sig + ";")
            docs.append(f"{name}_{entry}: float input, quantized as {q.describe()} then {name}_{entry}{sfx}")
        return defs, decls, docs

    def sources(self, name: str) -> dict[str, str]:
        from emml.templates import render

        xtype = "float" if self.dtype == "float32" else _CTYPE[self.dtype]
        suffix = "" if self.dtype == "float32" else "_" + _SUFFIX[self.dtype]
        self.table_keys = self.table_keys_per_tree()
        self.table_readable = self.table_readable_per_tree()
        arrays = self._arrays(name)
        tree_fns = []
        if self.method == "inline":
            tree_fns = [self._inline_tree(name, ti, xtype) for ti in range(self.ens.n_trees)]
            tree_fns = [fn.replace(f"{name}_tree_{ti}(", f"{name}_tree_{ti}{suffix}(", 1)
                        for ti, fn in enumerate(tree_fns)]
            # Called through a table: a compiler that inlined every tree into the
            # sum would repeat the leaf accumulation at every leaf (measured: up
            # to 2x the flash on small models, for 1-10% fewer cycles).
            n = self.ens.n_trees
            tree_fns.append("\n".join(
                [f"/* The {n} tree functions, in the order their leaves are summed */",
                 f"static uint32_t (*const {name}_trees{suffix}[{n}])(const {xtype} *x) = {{",
                 *[f"    {name}_tree_{ti}{suffix}," for ti in range(n)], "};"]))
        if self.layout != "packed":
            helpers = [fast.add_leaf_c(name, self.leaf_arrays)]
            if self.layout == "bytes":
                helpers.append(fast.walker_c(name, self.bytes_layout, xtype, self.ens.allow_nan))
            tree_fns = helpers + tree_fns
        defs, decls, docs = self._entries(name, xtype, suffix)
        if self.dtype != "float32":
            d2, dc2, do2 = self._float_wrappers(name)
            defs, decls, docs = defs + d2, decls + dc2, docs + do2
        needs_math = any(s in "".join(defs) for s in ("emml_expf(", "emml_sigmoidf("))
        acc_bytes = 4 * self.ens.n_outputs
        ctx = {
            "provenance": self._provenance(),
            "name": name,
            "NAME": name.upper(),
            "version": runtime_version(),
            "n_features": self.n_features,
            "n_outputs": self.n_outputs,
            "n_classes": len(self.classes_) if self.classes_ is not None and not self.ens.multi_output else 0,
            "class_counts": list(self.ens.class_counts),
            "n_trees": self.ens.n_trees,
            "n_decision": self.n_decision,
            "n_leaf_nodes": self.leaves.n_leaf_nodes,
            "estimator": self.ens.estimator,
            "method": self.method,
            "dtype": self.dtype,
            "task": self.task,
            "flash_data": sum(self.data_sizes().values()),
            "stack_bytes": acc_bytes,
            "quant_bytes": self.n_features * {"int16": 2, "int8": 1, "uint8": 1}.get(self.dtype, 4),
            "doc_lines": docs,
            "declarations": decls,
            "arrays": arrays,
            "struct_fields": self._struct(name, arrays) if self.layout == "packed" else [],
            "tree_functions": tree_fns,
            "sum_function": self._sum_function(name, xtype, suffix),
            "entry_functions": defs,
            "needs_math": needs_math,
        }
        return {f"{name}.h": render("trees.h.j2", ctx), f"{name}.c": render("trees.c.j2", ctx)}

    def table_keys_per_tree(self) -> list[np.ndarray]:
        return encode.threshold_table(self.ens, self.dtype, self.quantizer)[2]["keys"]

    def table_readable_per_tree(self) -> list[np.ndarray]:
        out = []
        for t in self.ens.trees:
            th = t.threshold[t.feature >= 0]
            if self.dtype == "float32":
                out.append(encode.float32_floor(th).astype(np.float64))
            else:
                out.append(self.quantizer.threshold_ints(th, t.feature[t.feature >= 0]).astype(np.float64))
        return out


def _signed_literal(v: int) -> str:
    """An int32_t literal; INT32_MIN has no literal of its own in C."""
    return "(-2147483647 - 1)" if v == -(1 << 31) else str(v)
