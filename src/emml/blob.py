"""Model blobs: tree ensembles as bytes that firmware loads at run time.

A blob is the over-the-air form of a tree model: instead of C compiled into
the image, the firmware receives bytes (over a radio, the UART, or a flash
slot) and ``emml_blob_open()`` (lib/emml/src/blob.c) validates them before
``emml_blob_predict()`` walks them. The format is specified in
lib/emml/include/emml/blob.h; this module writes it and runs the C loader on
the host, so ``Blob(data).predict(X)`` answers exactly as the device will.

    import emml.blob
    emml.blob.write(forest, "model.emlb")          # a fitted scikit-learn ensemble
    blob = emml.blob.Blob("model.emlb")              # validated by the C loader
    forest.classes_[blob.predict(X)]                 # == forest.predict(X)

Blob predictions are bit-identical to the C that ``emml.convert`` generates
for the same estimator (same fixed-point probability sums, same float32
accumulation order, same math functions).
"""

from __future__ import annotations

import ctypes
import math
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emml.model import UnsupportedError
from emml.trees.ir import float32_floor

MAGIC = b"EMLB"
VERSION = 1
HEADER_SIZE = 48
#: EMML_BLOB_MAX_OUTPUTS, the default of lib/emml's compile-time limit.
DEFAULT_MAX_OUTPUTS = 16
MAX_FEATURES = 0x7FFF
MAX_SKIP = 0xFFFF  # u16 right-child skip: a left subtree of at most 65534 nodes

TASKS = {"classifier": 1, "regressor": 2, "outlier": 3}
POSTS = {"mean_proba": 1, "logistic": 2, "softmax": 3, "mean": 4, "sum": 5, "isolation": 6}
FLAG_NAN, FLAG_LOGISTIC_GE, FLAG_ALL_OUTLIERS = 0x01, 0x02, 0x04
ONEHOT_BIT = 0x80000000

#: emml_status_t values the loader returns, and what each means for a blob.
STATUS = {
    0: ("EMML_OK", "ok"),
    -1: ("EMML_ERR_NULL", "a required pointer was NULL"),
    -2: ("EMML_ERR_ARGUMENT", "argument out of range"),
    -3: ("EMML_ERR_SHAPE", "wrong number of features"),
    -4: ("EMML_ERR_BUFFER_TOO_SMALL", "output buffer too small"),
    -5: ("EMML_ERR_UNSUPPORTED", "not supported by this build (more outputs than EMML_BLOB_MAX_OUTPUTS?)"),
    -6: ("EMML_ERR_FORMAT", "malformed blob: truncated, bad magic, or an index or size out of range"),
    -7: ("EMML_ERR_VERSION", "blob written for another format version"),
    -8: ("EMML_ERR_CHECKSUM", "CRC mismatch: the blob was corrupted"),
    -9: ("EMML_ERR_NUMERIC", "NaN feature, and the blob has no NaN routing"),
}


class BlobError(ValueError):
    """The C loader rejected a blob (or a prediction); ``status`` is the
    emml_status_t it returned, ``status_name`` its name."""

    def __init__(self, status: int, what: str) -> None:
        name, meaning = STATUS.get(status, (f"status {status}", "unknown status"))
        super().__init__(f"{what}: {name} ({meaning})")
        self.status = status
        self.status_name = name


def _f32_bits(v: Any) -> int:
    return int(np.float32(v).view(np.uint32))


def _proba_frac_bits(n_trees: int) -> int:
    """Fixed-point fraction bits of probabilities (as the converter's tables):
    24, fewer when n_trees << 24 would not fit uint32."""
    k = 24
    while n_trees * (1 << k) > 0xFFFFFFFF:
        k -= 1
    if k < 20:
        raise UnsupportedError(f"{n_trees} trees: too many for fixed-point probability sums; use fewer than 4096")
    return k


def _ensemble(source: Any, allow_nan: bool) -> Any:
    """The tree IR of an estimator, a converted TreeModel or an Ensemble."""
    from emml.trees import ir

    if isinstance(source, ir.Ensemble):
        return source
    ens = getattr(source, "ens", None)
    if isinstance(ens, ir.Ensemble):
        if getattr(source, "dtype", "float32") != "float32":
            raise UnsupportedError(
                f"blobs take float32 features; this model was converted with dtype={source.dtype!r} "
                "(write the blob from the estimator, or convert with dtype='float32')"
            )
        return ens
    if not ir.supports(source):
        raise UnsupportedError(
            f"{type(source).__name__} cannot be written as a blob: blobs hold tree ensembles "
            f"({', '.join(ir.SUPPORTED)}); convert other models to C with emml.convert"
        )
    return ir.read(source, allow_nan=allow_nan)


def _preorder(tree: Any) -> list[int]:
    order, stack = [], [0]
    while stack:
        n = stack.pop()
        order.append(n)
        if tree.feature[n] >= 0:
            stack.append(int(tree.right[n]))
            stack.append(int(tree.left[n]))
    return order


@dataclass
class BlobInfo:
    """What a blob holds, read back from its header (see :func:`inspect`)."""

    size: int
    version: int
    task: str
    post: str
    n_features: int
    n_outputs: int
    n_trees: int
    n_nodes: int
    n_rows: int
    allow_nan: bool


def encode(source: Any, allow_nan: bool = False, max_outputs: int = DEFAULT_MAX_OUTPUTS) -> bytes:
    """The blob bytes of a fitted scikit-learn tree ensemble (or a converted
    tree model, or its emml.trees.ir.Ensemble).

    allow_nan: route NaN features as scikit-learn does (HistGradientBoosting
        always does); without it the device rejects NaN rows with
        EMML_ERR_NUMERIC.
    max_outputs: the firmware's EMML_BLOB_MAX_OUTPUTS (default 16); a model
        with more classes or outputs is refused here rather than on the device.
    """
    ens = _ensemble(source, allow_nan)
    if ens.multi_output:
        raise UnsupportedError(
            f"{ens.estimator} with {len(ens.class_counts)} outputs: blobs hold single-output classifiers "
            "(multi-output regressors are fine); convert it to C with emml.convert instead"
        )
    if ens.n_outputs > max_outputs:
        raise UnsupportedError(
            f"{ens.estimator} has {ens.n_outputs} outputs but the firmware's EMML_BLOB_MAX_OUTPUTS is "
            f"{max_outputs}; build the firmware with -DEMML_BLOB_MAX_OUTPUTS={ens.n_outputs} and pass "
            f"max_outputs={ens.n_outputs}"
        )
    if ens.n_features > MAX_FEATURES:
        raise UnsupportedError(f"{ens.n_features} features: blobs index at most {MAX_FEATURES}")
    if ens.n_trees > 0xFFFF:
        raise UnsupportedError(f"{ens.n_trees} trees: blobs hold at most 65535")
    proba = ens.kind == "proba"
    frac = _proba_frac_bits(ens.n_trees) if proba else 0
    one = 1 << frac
    row_width = ens.n_outputs if proba else ens.row_width
    rows: dict[bytes, int] = {}
    tree_bytes, node_bytes = bytearray(), bytearray()
    n_nodes = 0
    for t in ens.trees:
        order = _preorder(t)
        pos = {n: i for i, n in enumerate(order)}
        size = np.zeros(len(order), dtype=np.int64)  # nodes in each subtree, by preorder position
        for i in range(len(order) - 1, -1, -1):
            n = order[i]
            if t.feature[n] >= 0:
                size[i] = 1 + size[pos[int(t.left[n])]] + size[pos[int(t.right[n])]]
            else:
                size[i] = 1
        tree_bytes += struct.pack("<IHH", n_nodes, int(t.output), 0)
        for i, n in enumerate(order):
            f = int(t.feature[n])
            if f >= 0:
                skip = 1 + int(size[i + 1])  # right child comes after the whole left subtree
                if skip > MAX_SKIP:
                    raise UnsupportedError(f"{ens.estimator}: a left subtree of {skip - 1} nodes; "
                                           f"blobs allow at most {MAX_SKIP - 1} (limit max_depth or max_leaf_nodes)")
                thr = float(t.threshold[n])
                if math.isnan(thr):
                    raise UnsupportedError(f"{ens.estimator}: NaN threshold in a tree")
                head = f | (0x8000 if ens.allow_nan and bool(t.nan_left[n]) else 0)
                node_bytes += struct.pack("<HHI", head, skip, _f32_bits(float32_floor(np.array([thr]))[0]))
                continue
            v = np.asarray(t.values[n], dtype=np.float64)
            if proba:
                hot = np.flatnonzero(v)
                if len(hot) == 1 and v[hot[0]] == 1.0:
                    ref = ONEHOT_BIT | int(hot[0])
                else:
                    q = np.floor(v * one + 0.5).astype(np.int64)
                    ref = rows.setdefault(q.astype("<u4").tobytes(), len(rows))
            else:
                vals = v.astype(np.float32)
                if not np.all(np.isfinite(vals)):
                    raise UnsupportedError(f"{ens.estimator}: non-finite leaf value {vals}")
                ref = rows.setdefault(vals.astype("<f4").tobytes(), len(rows))
            node_bytes += struct.pack("<HHI", 0, 0, ref)
        n_nodes += len(order)

    flags, param0, param1 = 0, 0.0, 0.0
    if ens.allow_nan:
        flags |= FLAG_NAN
    if ens.post == "mean_proba":
        param0 = np.float32(1.0 / (ens.n_trees * float(one)))
    elif ens.post == "logistic" and ens.params.get("binary_ge"):
        flags |= FLAG_LOGISTIC_GE
    elif ens.post == "mean":
        param0 = np.float32(ens.n_trees)
    elif ens.post == "isolation":
        den = float(ens.params["denominator"])
        param0 = np.float32(math.log(2.0) / den) if den else np.float32(0.0)
        limit = ens.isolation_limit()
        if limit is None:
            flags |= FLAG_ALL_OUTLIERS
        else:
            param1 = limit
    elif ens.post not in POSTS:
        raise UnsupportedError(f"{ens.estimator}: output transform {ens.post!r} has no blob form")
    base = np.zeros(ens.n_outputs, np.float32) if proba else np.asarray(ens.base, dtype=np.float64).astype(np.float32)
    body = bytearray(struct.pack(
        "<BBBBHHHHIIIII", TASKS[ens.task], POSTS[ens.post], flags, frac, ens.n_features, ens.n_outputs,
        row_width, ens.n_trees, n_nodes, len(rows), _f32_bits(param0), _f32_bits(param1), 0))
    body += base.astype("<f4").tobytes() + tree_bytes + node_bytes + b"".join(rows)
    total = 16 + len(body)
    if total > 0xFFFFFFFF:
        raise UnsupportedError(f"blob of {total} bytes: more than 4 GiB")
    return MAGIC + struct.pack("<HHII", VERSION, HEADER_SIZE, total, zlib.crc32(body)) + bytes(body)


def write(source: Any, path: str | Path, allow_nan: bool = False, max_outputs: int = DEFAULT_MAX_OUTPUTS) -> Path:
    """Write the blob of ``source`` (see :func:`encode`) to ``path``; returns the path."""
    data = encode(source, allow_nan=allow_nan, max_outputs=max_outputs)
    path = Path(path)
    path.write_bytes(data)
    return path


def inspect(data: bytes) -> BlobInfo:
    """The header of a blob, parsed in Python (no validation beyond the
    header's own fields: use :class:`Blob` for the C loader's verdict)."""
    if len(data) < HEADER_SIZE or data[:4] != MAGIC:
        raise ValueError(f"not an emml blob ({len(data)} bytes, magic {bytes(data[:4])!r}; expected {MAGIC!r})")
    version, _, size, _ = struct.unpack_from("<HHII", data, 4)
    task, post, flags, _, nf, no, _, nt, nn, nr = struct.unpack_from("<BBBBHHHHII", data, 16)
    names = {v: k for k, v in TASKS.items()}, {v: k for k, v in POSTS.items()}
    return BlobInfo(size=size, version=version, task=names[0].get(task, f"?{task}"), post=names[1].get(post, f"?{post}"),
                    n_features=nf, n_outputs=no, n_trees=nt, n_nodes=nn, n_rows=nr, allow_nan=bool(flags & FLAG_NAN))


def c_sources(data: bytes, name: str) -> dict[str, str]:
    """{"name.h", "name.c"} defining ``const uint8_t name[]`` and
    ``const size_t name_len`` with the blob's bytes: a blob placed in flash."""
    from emml.model import check_c_name

    check_c_name(name)
    guard = f"{name.upper()}_H"
    header = (f"/* emml model blob, {len(data)} bytes (format: emml/blob.h); open with emml_blob_open */\n"
              f"#ifndef {guard}\n#define {guard}\n\n#include <stddef.h>\n#include <stdint.h>\n\n"
              f"extern const uint8_t {name}[{len(data)}];\nextern const size_t {name}_len;\n\n#endif\n")
    lines = [", ".join(f"0x{b:02x}" for b in data[i:i + 16]) + "," for i in range(0, len(data), 16)]
    body = "\n".join("    " + ln for ln in lines)
    source = (f'#include "{name}.h"\n\nconst uint8_t {name}[{len(data)}] = {{\n{body}\n}};\n'
              f"const size_t {name}_len = {len(data)}u;\n")
    return {f"{name}.h": header, f"{name}.c": source}


# ---- host execution of the C loader -------------------------------------------

_LIBS: dict[bool, Any] = {}


def _lib(sanitize: bool = False) -> Any:
    """lib/emml compiled for the host (shared), with the blob functions typed."""
    if sanitize not in _LIBS:
        from emml.host import compile_c
        from emml.paths import runtime_dir

        # only the loader and what it calls: the blob runtime does not depend
        # on the other modules of lib/emml
        rt = runtime_dir()
        so = compile_c([rt / "src" / f for f in ("blob.c", "mathf.c", "status.c")], output_name="libemml_blob",
                       shared=True, sanitize=sanitize, with_runtime=False, include_dirs=[rt / "include"])
        lib = ctypes.CDLL(str(so))
        u8p, fp = ctypes.POINTER(ctypes.c_uint8), ctypes.POINTER(ctypes.c_float)
        lib.emml_blob_open.argtypes = [u8p, ctypes.c_size_t, ctypes.c_void_p]
        lib.emml_blob_open.restype = ctypes.c_int
        lib.emml_blob_predict.argtypes = [ctypes.c_void_p, fp, ctypes.c_uint32, ctypes.POINTER(ctypes.c_int32)]
        lib.emml_blob_predict.restype = ctypes.c_int
        for fn in (lib.emml_blob_predict_proba, lib.emml_blob_regress):
            fn.argtypes = [ctypes.c_void_p, fp, ctypes.c_uint32, fp, ctypes.c_uint32]
            fn.restype = ctypes.c_int
        lib.emml_blob_n_classes.argtypes = [ctypes.c_void_p]
        lib.emml_blob_n_classes.restype = ctypes.c_uint32
        lib.emml_blob_crc32.argtypes = [ctypes.c_uint32, u8p, ctypes.c_size_t]
        lib.emml_blob_crc32.restype = ctypes.c_uint32
        _LIBS[sanitize] = lib
    return _LIBS[sanitize]


def open_status(data: bytes, sanitize: bool = False) -> int:
    """What emml_blob_open() returns for these bytes (0 = accepted)."""
    lib = _lib(sanitize)
    buf = (ctypes.c_uint8 * max(1, len(data))).from_buffer_copy(bytes(data) or b"\0")
    handle = (ctypes.c_uint64 * 32)()
    return int(lib.emml_blob_open(buf, len(data), handle))


class Blob:
    """A blob opened by the C loader on the host, with the device's answers.

    ``predict`` returns class indices (into the estimator's ``classes_``; for
    outlier models 0 = outlier, 1 = inlier) unless ``classes`` is given.
    Raises :class:`BlobError` if the loader rejects the blob."""

    def __init__(self, data: bytes | str | Path, classes: Any = None, sanitize: bool = False) -> None:
        if isinstance(data, (str, Path)):
            data = Path(data).read_bytes()
        self.data = bytes(data)
        self.classes_ = None if classes is None else np.asarray(classes)
        self._lib = _lib(sanitize)
        # the C struct points into this buffer: keep both alive together
        self._buf = (ctypes.c_uint8 * max(1, len(self.data))).from_buffer_copy(self.data or b"\0")
        self._handle = (ctypes.c_uint64 * 32)()  # >= sizeof(emml_blob_t) on any host
        st = self._lib.emml_blob_open(self._buf, len(self.data), self._handle)
        if st != 0:
            raise BlobError(st, f"emml_blob_open rejected the blob ({len(self.data)} bytes)")
        self.info = inspect(self.data)
        self.n_features = self.info.n_features
        self.n_classes = int(self._lib.emml_blob_n_classes(self._handle))

    def _rows(self, X: Any) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"X must have shape (n_samples, {self.n_features}), got {X.shape}")
        return np.ascontiguousarray(X)

    def predict(self, X: Any) -> np.ndarray:
        if self.info.task == "regressor":
            return self.regress(X)
        X = self._rows(X)
        fp = ctypes.POINTER(ctypes.c_float)
        out = np.empty(len(X), dtype=np.int64)
        label = ctypes.c_int32()
        for i, row in enumerate(X):
            st = self._lib.emml_blob_predict(self._handle, row.ctypes.data_as(fp), self.n_features, ctypes.byref(label))
            if st != 0:
                raise BlobError(st, f"emml_blob_predict, row {i}")
            out[i] = label.value
        return out if self.classes_ is None else self.classes_[out]

    def _float_rows(self, fn: Any, what: str, X: Any, width: int) -> np.ndarray:
        X = self._rows(X)
        fp = ctypes.POINTER(ctypes.c_float)
        out = np.zeros((len(X), width), dtype=np.float32)
        for i, row in enumerate(X):
            st = fn(self._handle, row.ctypes.data_as(fp), self.n_features, out[i].ctypes.data_as(fp), width)
            if st != 0:
                raise BlobError(st, f"{what}, row {i}")
        return out

    def predict_proba(self, X: Any) -> np.ndarray:
        return self._float_rows(self._lib.emml_blob_predict_proba, "emml_blob_predict_proba", X, self.n_classes)

    def regress(self, X: Any) -> np.ndarray:
        out = self._float_rows(self._lib.emml_blob_regress, "emml_blob_regress", X, self.info.n_outputs)
        return out[:, 0] if out.shape[1] == 1 else out

    def score_samples(self, X: Any) -> np.ndarray:
        if self.info.task != "outlier":
            raise AttributeError(f"score_samples() is for outlier models; this blob holds a {self.info.task}")
        return self.regress(X)
