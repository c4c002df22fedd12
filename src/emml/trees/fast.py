"""The byte-aligned table layout ("bytes") and the model-specialised C that
walks it.

The bit-packed stream of emml/trees.h is the most compact form, but a walker
that reads fields of run-time widths out of it spends most of its time on
shifts and masks. When every field fits one or two whole bytes, the
generator instead writes each decision node as a few bytes and emits, into
the model's own .c file, a walker whose field offsets are constants:

    node         node_bytes bytes (the fewest that hold the fields), fields from
                 bit 0 of byte 0 up, bit k of a node is bit k % 8 of its byte
                 k / 8; a field starts on a byte boundary when the spare bits
                 allow it, so most fields are read with one or two byte loads:
      head       kind:2 (bit 0: right child is a leaf, bit 1: left child is a leaf)
                 [nan_left:1, only with NaN support] feature
      threshold  index into thresholds[] (0 bits when there is one threshold)
      child      NN: offset of the right child in nodes (left child is the next node)
                 NL: leaf reference of the right child (left is the next node)
                 LN: leaf reference of the left child (right is the next node)
                 LL: index p of a leaf pair: pairs[2p] left, pairs[2p+1] right

    roots        byte offset of each tree's first node
    thresholds   signed order keys: float32 features: emml_trees_skey(t) (the
                 float32 bits, low 31 bits flipped for negatives, so signed
                 integer order is float order); quantized features: the integer
                 threshold T itself (go left iff q <= T); narrowest signed type
    leaves       classifiers: a reference r < n_classes is probability 1 for
                 class r; otherwise row r - n_classes is entries[offsets[row] ..
                 offsets[row+1]) with entry = value << class_bits | class
                 (value: unsigned fixed point, frac_bits fraction bits), or two
                 arrays entry_class[] / entry_value[] when that needs > 32 bits;
                 regressors: float32 rows values[r * row_width ..]

Same node kinds, preorder and leaf references as the bit-packed form (see
emml.trees.encode); only the container differs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emml.trees.encode import KIND_LL, Leaves, Table

#: A byte layout is used by layout="auto" when its const data is at most this
#: much larger than the bit-packed form's.
AUTO_MAX_GROWTH = 1.25


def unsigned_type(max_value: int) -> tuple[str, int]:
    for ctype, size in (("uint8_t", 1), ("uint16_t", 2), ("uint32_t", 4)):
        if max_value < (1 << (8 * size)):
            return ctype, size
    raise ValueError(f"{max_value} does not fit 32 bits")


def signed_type(lo: int, hi: int) -> tuple[str, int]:
    for ctype, size in (("int8_t", 1), ("int16_t", 2), ("int32_t", 4)):
        if -(1 << (8 * size - 1)) <= lo and hi < (1 << (8 * size - 1)):
            return ctype, size
    raise ValueError(f"[{lo}, {hi}] does not fit 32 bits")


MAX_NODE_BYTES = 6


def place_fields(widths: list[int]) -> tuple[int, list[int]]:
    """(node_bytes, bit offset of each field): the fewest whole bytes, and
    spare bits spent on starting fields at byte boundaries, first come first."""
    total = sum(widths)
    nbytes = max(1, -(-total // 8))
    spare = 8 * nbytes - total
    pos, offsets = 0, []
    for w in widths:
        pad = -pos % 8
        if w and pad and pad <= spare:
            spare -= pad
            pos += pad
        offsets.append(pos)
        pos += w
    return nbytes, offsets


def why_not_bytes(table: Table) -> str | None:
    """None if the model fits the byte layout, else the reason it does not."""
    w = table.widths
    widths = [2 + w["nan"] + w["feature"], w["threshold"], w["child"]]
    nbytes, offsets = place_fields(widths)
    if nbytes > MAX_NODE_BYTES:
        return f"{sum(widths)}-bit nodes (more than {8 * MAX_NODE_BYTES})"
    for name, o, wd in zip(("head", "threshold", "child"), offsets, widths):
        if o % 8 + wd > 32:
            return f"the {name} field ({wd} bits) spans more than 4 bytes"
    return None


@dataclass
class LeafArrays:
    """Leaf tables in the form the generated accumulate function reads."""

    onehot: bool
    n_classes: int
    frac_bits: int = 0
    offsets: np.ndarray | None = None
    offset_ctype: str = "uint8_t"
    entries: np.ndarray | None = None  # packed value << class_bits | class, or None
    entry_ctype: str = "uint32_t"
    entry_class: np.ndarray | None = None
    entry_class_ctype: str = "uint8_t"
    entry_value: np.ndarray | None = None
    class_bits: int = 0
    values: np.ndarray | None = None  # float32 (rows, row_width)
    row_width: int = 0

    @property
    def n_rows(self) -> int:
        return 0 if self.offsets is None else len(self.offsets) - 1

    def sizes(self) -> dict[str, int]:
        if not self.onehot:
            return {"values": 4 * self.values.size}
        if self.n_rows == 0:
            return {}
        out = {"offsets": len(self.offsets) * unsigned_type(int(self.offsets.max()))[1]}
        if self.entries is not None:
            out["entries"] = len(self.entries) * unsigned_type(int(self.entries.max()))[1]
        else:
            out["entry_class"] = len(self.entry_class) * unsigned_type(int(self.entry_class.max()))[1]
            out["entry_value"] = len(self.entry_value) * unsigned_type(int(self.entry_value.max()))[1]
        return out


def leaf_arrays(leaves: Leaves, n_outputs: int, row_width: int) -> LeafArrays:
    if not leaves.onehot:
        return LeafArrays(onehot=False, n_classes=0, values=leaves.values, row_width=row_width)
    la = LeafArrays(onehot=True, n_classes=n_outputs, frac_bits=leaves.frac_bits)
    if len(leaves.entry_class) == 0:
        return la
    la.offsets = np.asarray(leaves.offsets, dtype=np.int64)
    la.offset_ctype = unsigned_type(int(la.offsets.max()))[0]
    cls = np.asarray(leaves.entry_class, dtype=np.int64)
    val = np.asarray(leaves.entry_value, dtype=np.int64)
    la.class_bits = max(1, int(n_outputs - 1).bit_length())
    if la.class_bits + int(val.max()).bit_length() <= 32:
        la.entries = (val << la.class_bits) | cls
        la.entry_ctype = unsigned_type(int(la.entries.max()))[0]
    else:
        la.entry_class, la.entry_value = cls, val
        la.entry_class_ctype = unsigned_type(int(cls.max()))[0]
    return la


@dataclass
class ByteLayout:
    node_bytes: int
    fields: dict[str, tuple[int, int]]  # name -> (bit offset in the node, width)
    feature_shift: int  # bit of the feature in the head field
    nodes: np.ndarray  # uint8, n_nodes * node_bytes
    roots: np.ndarray  # byte offsets
    root_ctype: str
    thresholds: np.ndarray  # int64 signed keys / integer thresholds
    threshold_ctype: str
    pairs: np.ndarray  # flat: left, right per pair
    pair_ctype: str

    def sizes(self) -> dict[str, int]:
        th_size = {"int8_t": 1, "int16_t": 2, "int32_t": 4}[self.threshold_ctype]
        out = {
            "nodes": len(self.nodes),
            "roots": len(self.roots) * unsigned_type(int(self.roots.max()))[1],
            "thresholds": len(self.thresholds) * th_size,
        }
        if len(self.pairs):
            out["pairs"] = len(self.pairs) * unsigned_type(int(self.pairs.max()))[1]
        return out

    def describe(self) -> str:
        return ", ".join(f"{k} bits {o}..{o + w - 1}" if w else f"{k} (none)" for k, (o, w) in self.fields.items())


def encode_bytes(table: Table, dtype: str) -> ByteLayout:
    """Repack a Table (bit-packed form) into the byte layout."""
    w = table.widths
    fshift = 2 + w["nan"]
    names = ("head", "threshold", "child")
    widths = [fshift + w["feature"], w["threshold"], w["child"]]
    nb, offsets = place_fields(widths)
    head = table.node_kind | (table.node_nan << 2) | (table.node_feature << fshift)
    word = np.zeros(table.n_nodes, dtype=np.uint64)
    for vals, off in zip((head, table.node_threshold, table.node_child), offsets):
        word |= np.asarray(vals, dtype=np.uint64) << np.uint64(off)
    nodes = np.stack([((word >> np.uint64(8 * k)) & np.uint64(0xFF)).astype(np.uint8) for k in range(nb)], axis=1)
    roots = np.asarray(table.roots, dtype=np.int64) * nb
    keys = np.asarray(table.thresholds, dtype=np.int64)
    signed = keys - (1 << 31)  # key ^ 0x80000000 as int32: float skey, or the integer threshold
    if dtype == "float32":
        th_ctype = "int32_t"
    else:
        th_ctype = signed_type(int(signed.min()), int(signed.max()))[0]
    pairs = np.asarray(table.pairs, dtype=np.int64).reshape(-1)
    return ByteLayout(
        node_bytes=nb,
        fields=dict(zip(names, zip(offsets, widths))),
        feature_shift=fshift,
        nodes=nodes.reshape(-1),
        roots=roots,
        root_ctype=unsigned_type(int(roots.max()))[0],
        thresholds=signed,
        threshold_ctype=th_ctype,
        pairs=pairs,
        pair_ctype=unsigned_type(int(pairs.max()) if len(pairs) else 0)[0],
    )


# ---- C ------------------------------------------------------------------------


def field_expr(bl: ByteLayout, name: str) -> str:
    """C expression (uint32_t) of a field of the node at p, reading only the
    bytes it occupies; no mask when no later field shares its last byte."""
    off, width = bl.fields[name]
    if width == 0:
        return "0u"
    first, last = off // 8, (off + width - 1) // 8
    parts = [f"(uint32_t)p[{first}]"] + [f"((uint32_t)p[{k}] << {8 * (k - first)})" for k in range(first + 1, last + 1)]
    expr = parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"
    shift = off - 8 * first
    if shift:
        expr = f"({expr} >> {shift})"
    shares = any(o > off and w and o < 8 * (last + 1) for o, w in bl.fields.values())  # spare bits are 0
    if shares:
        expr = f"({expr} & 0x{(1 << width) - 1:x}u)"
    return expr


def walker_c(name: str, bl: ByteLayout, xtype: str, allow_nan: bool) -> str:
    """The model's walker: leaf reference reached from the node at byte pos."""
    nb = bl.node_bytes
    head = field_expr(bl, "head")
    thr = f"{name}_thresholds[{field_expr(bl, 'threshold')}]"
    child = field_expr(bl, "child")
    feat = f"h >> {bl.feature_shift}"
    key = f"emml_trees_skey(x[{feat}])" if xtype == "float" else f"(int32_t)x[{feat}]"
    lines = [
        "/* Leaf reference that one tree gives x; pos is the byte offset of the tree's",
        f" * root in {name}_nodes. Nodes are {nb} bytes: {bl.describe()}. */",
        f"static uint32_t {name}_walk(const {xtype} *x, uint32_t pos)",
        "{",
        f"    const uint8_t *p = {name}_nodes + pos;",
        "    for (;;) {",
        f"        uint32_t h = {head}, c;",
    ]
    if allow_nan:
        lines += [
            "        uint32_t left;",
            f"        if (emml_trees_isnan(x[{feat}]))",
            "            left = (h >> 2) & 1u; /* nan_left */",
            "        else",
            f"            left = {key} <= {thr};",
            "        if (left) {",
        ]
    else:
        lines.append(f"        if ({key} <= {thr}) {{")
    lines += [
        "            if ((h & 2u) == 0u) { /* left child is a node: the next one */",
        f"                p += {nb}u;",
        "                continue;",
        "            }",
        f"            c = {child};",
        f"            return (h & 1u) ? {name}_pairs[2u * c] : c;",
        "        }",
        f"        c = {child};",
        "        if ((h & 1u) == 0u) { /* right child is a node: next (LN) or c nodes ahead (NN) */",
        f"            p += (h & 2u) ? {nb}u : {nb}u * c;" if nb > 1 else "            p += (h & 2u) ? 1u : c;",
        "            continue;",
        "        }",
        f"        return (h & 2u) ? {name}_pairs[2u * c + 1u] : c;",
        "    }",
        "}",
    ]
    return "\n".join(lines)


def add_leaf_c(name: str, la: LeafArrays) -> str:
    """acc += the leaf row of reference `leaf` (generated, constant widths)."""
    if not la.onehot:
        rw = la.row_width
        lines = [f"/* acc[0 .. {rw}) += float32 leaf row `leaf` */",
                 f"static void {name}_add_leaf(uint32_t leaf, float *acc)", "{"]
        if rw == 1:
            lines.append(f"    acc[0] += {name}_values[leaf];")
        else:
            lines += [f"    const float *row = {name}_values + leaf * {rw}u;", "    uint32_t k;",
                      f"    for (k = 0; k < {rw}u; k++)", "        acc[k] += row[k];"]
        lines.append("}")
        return "\n".join(lines)
    nc = la.n_classes
    lines = [
        f"/* acc[class] += probability of leaf `leaf`, fixed point with {la.frac_bits} fraction bits.",
        f" * References below {nc} are one-hot classes. Sums of up to n_trees values of",
        " * at most 1.0 each: exact in uint32 (the generator checked the range). */",
        f"static void {name}_add_leaf(uint32_t leaf, uint32_t *acc)",
        "{",
    ]
    if la.n_rows == 0:
        lines += [f"    acc[leaf] += {1 << la.frac_bits}u;", "}"]
        return "\n".join(lines)
    lines += [
        "    uint32_t e, end;",
        f"    if (leaf < {nc}u) {{",
        f"        acc[leaf] += {1 << la.frac_bits}u;",
        "        return;",
        "    }",
        f"    e = {name}_offsets[leaf - {nc}u];",
        f"    end = {name}_offsets[leaf - {nc - 1}u];" if nc > 1 else f"    end = {name}_offsets[leaf];",
        "    for (; e < end; e++) {",
    ]
    if la.entries is not None:
        mask = (1 << la.class_bits) - 1
        lines += [f"        uint32_t v = {name}_entries[e];",
                  f"        acc[v & {mask}u] += v >> {la.class_bits};"]
    else:
        lines.append(f"        acc[{name}_entry_class[e]] += {name}_entry_value[e];")
    lines += ["    }", "}"]
    return "\n".join(lines)
