"""Turn an :class:`~emml.trees.ir.Ensemble` into the arrays of emml/trees.h.

Everything here is deterministic: the same ensemble gives the same bytes.
See lib/emml/include/emml/trees.h for the format this writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emml.model import UnsupportedError
from emml.trees.ir import Ensemble, float32_floor  # noqa: F401  (float32_floor: re-exported)

MAX_FIELD_BITS = 31  # EMML_TREES_MAX_FIELD_BITS
KIND_NN, KIND_NL, KIND_LN, KIND_LL = 0, 1, 2, 3


def float_keys(f: np.ndarray) -> np.ndarray:
    """emml_trees_key() of float32 values, as uint32."""
    u = np.asarray(f, dtype=np.float32).view(np.uint32).astype(np.uint64)
    neg = (u >> 31) == 1
    key = np.where(neg, u ^ 0xFFFFFFFF, u | 0x80000000)
    return key.astype(np.uint32)


def int_keys(v: np.ndarray) -> np.ndarray:
    """emml_trees_key_int() of int32 values, as uint32."""
    return (np.asarray(v, dtype=np.int64) + (1 << 31)).astype(np.uint32)


def bit_width(max_value: int) -> int:
    return int(max_value).bit_length()


def pack_bits(columns: list[tuple[np.ndarray, int]], n: int) -> np.ndarray:
    """Pack rows of fields [(values, width), ...] (lowest bits first) into a
    bit stream of uint32 words (bit k is bit k % 32 of word k // 32)."""
    parts = []
    for values, width in columns:
        if width == 0:
            continue
        v = np.asarray(values, dtype=np.uint64).reshape(n, 1)
        parts.append(((v >> np.arange(width, dtype=np.uint64)) & 1).astype(np.uint8))
    if not parts or n == 0:
        return np.zeros(1, dtype=np.uint32)
    bits = np.concatenate(parts, axis=1).reshape(-1)
    data = np.packbits(bits, bitorder="little").tobytes()
    data += bytes(-len(data) % 4)
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


@dataclass
class Leaves:
    """Deduplicated leaf rows and the reference of every leaf of every tree."""

    refs: list[np.ndarray]  # per tree: leaf ref per node (-1 for decision nodes)
    n_leaves: int
    onehot: bool
    # proba
    frac_bits: int = 0
    offsets: np.ndarray | None = None
    entry_class: np.ndarray | None = None
    entry_value: np.ndarray | None = None
    # sum
    values: np.ndarray | None = None  # float32 (n_rows, row_width)
    n_leaf_nodes: int = 0


def proba_frac_bits(n_trees: int) -> int:
    """Fraction bits of fixed-point probabilities: the sum over all trees must
    fit in uint32, and a value must fit a 25-bit field."""
    k = 24
    while n_trees * (1 << k) > 0xFFFFFFFF:
        k -= 1
    if k < 20:
        raise UnsupportedError(
            f"{n_trees} trees: too many to sum fixed-point probabilities with 1e-6 resolution; "
            "use fewer than 4096 trees"
        )
    return k


def encode_leaves(ens: Ensemble, leaf_values: str = "auto") -> Leaves:
    refs = []
    n_leaf_nodes = 0
    if ens.kind == "proba":
        k = proba_frac_bits(ens.n_trees)
        if leaf_values == "uint8":
            k = 8
        one = 1 << k
        rows: dict[tuple, int] = {}
        for t in ens.trees:
            r = np.full(t.n_nodes, -1, dtype=np.int64)
            for i in np.flatnonzero(t.feature < 0):
                n_leaf_nodes += 1
                v = t.values[i]
                hot = np.flatnonzero(v)
                if len(hot) == 1 and v[hot[0]] == 1.0:
                    r[i] = int(hot[0])
                    continue
                q = np.floor(v * one + 0.5).astype(np.int64)
                key = tuple(int(a) for a in q)
                r[i] = ens.n_outputs + rows.setdefault(key, len(rows))
            refs.append(r)
        ordered = sorted(rows.items(), key=lambda kv: kv[1])
        offsets, cls, val = [0], [], []
        for q, _ in ordered:
            for c, a in enumerate(q):
                if a:
                    cls.append(c)
                    val.append(a)
            offsets.append(len(cls))
        return Leaves(
            refs=refs,
            n_leaves=ens.n_outputs + len(rows),
            onehot=True,
            frac_bits=k,
            offsets=np.array(offsets, dtype=np.int64),
            entry_class=np.array(cls, dtype=np.int64),
            entry_value=np.array(val, dtype=np.int64),
            n_leaf_nodes=n_leaf_nodes,
        )
    frows: dict[bytes, int] = {}
    for t in ens.trees:
        r = np.full(t.n_nodes, -1, dtype=np.int64)
        for i in np.flatnonzero(t.feature < 0):
            n_leaf_nodes += 1
            b = t.values[i].astype(np.float32).tobytes()
            r[i] = frows.setdefault(b, len(frows))
        refs.append(r)
    values = np.frombuffer(b"".join(frows), dtype=np.float32).reshape(len(frows), ens.row_width)
    return Leaves(refs=refs, n_leaves=len(frows), onehot=False, values=values, n_leaf_nodes=n_leaf_nodes)


@dataclass
class Table:
    """Everything the C struct and its arrays need."""

    ens: Ensemble
    leaves: Leaves
    thresholds: np.ndarray  # uint32 keys, sorted
    threshold_values: np.ndarray  # float32 or int, for comments
    n_nodes: int
    node_kind: np.ndarray
    node_nan: np.ndarray
    node_feature: np.ndarray
    node_threshold: np.ndarray
    node_child: np.ndarray
    roots: np.ndarray
    pairs: np.ndarray  # (n_pairs, 2)
    widths: dict[str, int] = field(default_factory=dict)
    streams: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def nan(self) -> bool:
        return self.ens.allow_nan


def threshold_table(ens: Ensemble, dtype: str, quant=None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Sorted unique threshold keys, their readable values, and a map from each
    tree's float64 threshold to its index (per tree: array of indices)."""
    all_t = [t.threshold[t.feature >= 0] for t in ens.trees]
    feats = [t.feature[t.feature >= 0] for t in ens.trees]
    per_tree_keys = []
    readable_all = []
    for th, fe in zip(all_t, feats):
        if dtype == "float32":
            f = float32_floor(th)
            per_tree_keys.append(float_keys(f))
            readable_all.append(f.astype(np.float64))
        else:
            q = quant.threshold_ints(th, fe)
            per_tree_keys.append(int_keys(q))
            readable_all.append(q.astype(np.float64))
    if per_tree_keys and sum(len(k) for k in per_tree_keys):
        keys = np.concatenate(per_tree_keys)
        readable = np.concatenate(readable_all)
    else:
        keys = np.array([0x80000000], dtype=np.uint32)
        readable = np.array([0.0])
    uniq, first = np.unique(keys, return_index=True)
    return uniq, readable[first], {"keys": per_tree_keys}


def encode_table(ens: Ensemble, leaves: Leaves, dtype: str = "float32", quant=None) -> Table:
    thresholds, readable, tmap = threshold_table(ens, dtype, quant)
    kinds, nans, feats, thrs, childs, roots = [], [], [], [], [], []
    pairs: dict[tuple[int, int], int] = {}
    for ti, t in enumerate(ens.trees):
        refs = leaves.refs[ti]
        dec = np.flatnonzero(t.feature >= 0)
        key_of = dict(zip(dec.tolist(), tmap["keys"][ti].tolist()))
        roots.append(len(kinds))
        if t.feature[0] < 0:  # a single leaf: one node whose two leaves are the same
            kinds.append(KIND_LL)
            nans.append(0)
            feats.append(0)
            thrs.append(0)
            childs.append(pairs.setdefault((int(refs[0]), int(refs[0])), len(pairs)))
            continue
        # iterative preorder; a pending NN node waits for its right offset
        stack: list[tuple[int, int]] = [(0, -1)]  # (sklearn node, index of NN parent to patch)
        while stack:
            node, patch = stack.pop()
            idx = len(kinds)
            if patch >= 0:
                childs[patch] = idx - patch
            l, r = int(t.left[node]), int(t.right[node])
            l_leaf, r_leaf = t.feature[l] < 0, t.feature[r] < 0
            feats.append(int(t.feature[node]))
            thrs.append(int(np.searchsorted(thresholds, key_of[node])))
            nans.append(int(bool(t.nan_left[node])) if ens.allow_nan else 0)
            if l_leaf and r_leaf:
                kinds.append(KIND_LL)
                childs.append(pairs.setdefault((int(refs[l]), int(refs[r])), len(pairs)))
            elif l_leaf:
                kinds.append(KIND_LN)
                childs.append(int(refs[l]))
                stack.append((r, -1))
            elif r_leaf:
                kinds.append(KIND_NL)
                childs.append(int(refs[r]))
                stack.append((l, -1))
            else:
                kinds.append(KIND_NN)
                childs.append(0)
                stack.append((r, idx))
                stack.append((l, -1))
    n = len(kinds)
    pair_arr = np.array(sorted(pairs, key=pairs.get), dtype=np.int64).reshape(-1, 2)
    w = {
        "feature": bit_width(max(max(feats), ens.n_features - 1) if feats else 0),
        "threshold": bit_width(len(thresholds) - 1),
        "child": max(1, bit_width(max(childs))),
        "root": bit_width(max(roots)),
        "leaf": bit_width(int(pair_arr.max()) if len(pair_arr) else 0),
        "nan": 1 if ens.allow_nan else 0,
    }
    w["node"] = 2 + w["nan"] + w["feature"] + w["threshold"] + w["child"]
    if leaves.onehot:
        w["offset"] = bit_width(int(leaves.offsets[-1]))
        w["class"] = bit_width(ens.n_outputs - 1)
        w["value"] = bit_width(int(leaves.entry_value.max()) if len(leaves.entry_value) else 0)
    for name, bits in w.items():
        if name != "node" and bits > MAX_FIELD_BITS:
            raise UnsupportedError(
                f"{ens.estimator}: the {name} field needs {bits} bits (max {MAX_FIELD_BITS}); "
                "the model is far too large for a microcontroller"
            )
    table = Table(
        ens=ens,
        leaves=leaves,
        thresholds=thresholds,
        threshold_values=readable,
        n_nodes=n,
        node_kind=np.array(kinds),
        node_nan=np.array(nans),
        node_feature=np.array(feats),
        node_threshold=np.array(thrs),
        node_child=np.array(childs),
        roots=np.array(roots),
        pairs=pair_arr,
        widths=w,
    )
    table.streams["nodes"] = pack_bits(
        [
            (table.node_kind, 2),
            (table.node_nan, w["nan"]),
            (table.node_feature, w["feature"]),
            (table.node_threshold, w["threshold"]),
            (table.node_child, w["child"]),
        ],
        n,
    )
    table.streams["roots"] = pack_bits([(table.roots, w["root"])], len(roots))
    table.streams["pairs"] = pack_bits([(pair_arr.reshape(-1), w["leaf"])], pair_arr.size)
    if leaves.onehot:
        table.streams["offsets"] = pack_bits([(leaves.offsets, w["offset"])], len(leaves.offsets))
        table.streams["entries"] = pack_bits(
            [(leaves.entry_class, w["class"]), (leaves.entry_value, w["value"])], len(leaves.entry_class)
        )
    return table


def leaf_pairs_only(ens: Ensemble, leaves: Leaves) -> dict[str, int]:
    """Widths needed by inline code (which still uses the leaf table)."""
    w = {}
    if leaves.onehot:
        w["offset"] = bit_width(int(leaves.offsets[-1]))
        w["class"] = bit_width(ens.n_outputs - 1)
        w["value"] = bit_width(int(leaves.entry_value.max()) if len(leaves.entry_value) else 0)
    return w
