"""Code generation shared by the classical model families (linear, svm, bayes,
neighbors, mixture): const arrays, argument checks, provenance, and the
:class:`ClassicalModel` base whose subclasses only describe their arrays and
entry-point bodies. The C goes through the ``classical.h.j2`` /
``classical.c.j2`` templates."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

import emml
from emml.model import Model, UnsupportedError
from emml.runtime import runtime_version

#: C entry-point argument lists, by kind
SIG_PRED = "int32_t {fn}(const {xt} *x, int32_t n_features)"
SIG_ROWS = "emml_status_t {fn}(const {xt} *x, int32_t n_features, {ot} *out, int32_t n_out)"


def c_float(v: float) -> str:
    """A float32 literal that round-trips exactly (``%.9g``)."""
    f = np.float32(v)
    if not np.isfinite(f):
        raise UnsupportedError(f"non-finite constant {f} in the model (overflow when narrowing to float32?)")
    s = format(float(f), ".9g")
    if not any(ch in s for ch in ".en"):
        s += ".0"
    return s + "f"


def c_int(v: int, ctype: str) -> str:
    v = int(v)
    if ctype == "int32_t" and v == -(2**31):
        return "INT32_MIN"
    return str(v)


@dataclass
class CArray:
    """One named const array in the generated .c file."""

    name: str
    ctype: str  # float, int8_t, int16_t, int32_t, uint16_t, ...
    values: np.ndarray
    comment: str
    per_line: int = 8

    @property
    def length(self) -> int:
        return int(np.asarray(self.values).size)

    @property
    def nbytes(self) -> int:
        size = {"float": 4, "int32_t": 4, "uint32_t": 4, "int16_t": 2, "uint16_t": 2, "int8_t": 1, "uint8_t": 1}
        return self.length * size[self.ctype]

    def lines(self) -> list[str]:
        flat = np.asarray(self.values).reshape(-1)
        if self.ctype == "float":
            vals = [c_float(v) for v in flat]
        else:
            vals = [c_int(v, self.ctype) for v in flat]
        n = self.per_line
        return [", ".join(vals[i : i + n]) + "," for i in range(0, len(vals), n)]


@dataclass
class CSource:
    """What a family generates; rendered by the classical templates."""

    module: str  # runtime header(s): "linear", "svm", ...
    headers: list[str]
    arrays: list[CArray] = field(default_factory=list)
    structs: list[tuple[str, str, list[tuple[str, str]], bool]] = field(default_factory=list)  # (ctype, name, fields, public)
    helpers: list[str] = field(default_factory=list)  # static functions
    functions: list[str] = field(default_factory=list)  # entry points
    declarations: list[str] = field(default_factory=list)
    docs: list[str] = field(default_factory=list)
    defines: list[tuple[str, str]] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # header comment lines
    stack_bytes: int = 0


def head_checks(n_features: int, pred: bool = False) -> list[str]:
    cast = "(int32_t)" if pred else ""
    return [
        "    if (x == 0)",
        f"        return {cast}EMML_ERR_NULL;",
        f"    if (n_features != {n_features})",
        f"        return {cast}EMML_ERR_SHAPE;",
    ]


def out_checks(n_out: int) -> list[str]:
    return [
        "    if (out == 0)",
        "        return EMML_ERR_NULL;",
        f"    if (n_out < {n_out})",
        "        return EMML_ERR_BUFFER_TOO_SMALL;",
    ]


def function(signature: str, body: Iterable[str]) -> str:
    return "\n".join([signature, "{", *body, "}"])


def digest_arrays(kind: str, arrays: Sequence[Any], extra: Any = ()) -> str:
    h = hashlib.sha256()
    h.update(repr((kind, extra)).encode())
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(repr((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def check_float_input(X: np.ndarray, what: str = "X") -> None:
    if not np.isfinite(X).all():
        bad = np.unique(np.argwhere(~np.isfinite(X))[:, 0])[:5].tolist()
        raise ValueError(f"{what} contains NaN or infinity (rows {bad}...); impute or drop them first")


class ClassicalModel(Model):
    """Base of the classical families: subclasses implement :meth:`generate`.

    Besides ``predict`` / ``predict_proba`` / ``regress`` (and
    ``score_samples`` for outlier and mixture models), they may offer
    ``decision_function`` through a generated ``NAME_decision`` entry.
    """

    family = "classical"
    estimator_name = ""
    source_digest = ""
    preprocess: Any = None  # emml.preprocess.Affine folded or prepended, or None

    def generate(self, name: str) -> CSource:
        raise NotImplementedError

    # ---- C -------------------------------------------------------------
    def _provenance(self) -> str:
        opts = " ".join(f"{k}={v}" for k, v in self.options.items())
        pre = f"\n * Preprocessing: {self.preprocess.describe()}" if self.preprocess is not None else ""
        return (
            "/*\n"
            f" * Generated by emml {emml.__version__} (emml.convert); do not edit.\n"
            f" * Source: {self.estimator_name}, sha256 {self.source_digest}\n"
            f" * Options: {opts}{pre}\n"
            " */"
        )

    def sources(self, name: str) -> dict[str, str]:
        from emml.templates import render

        src = self.generate(name)
        ctx = {
            "provenance": self._provenance(),
            "name": name,
            "NAME": name.upper(),
            "version": runtime_version(),
            "headers": src.headers,
            "defines": src.defines,
            "summary": src.summary,
            "flash_data": self.flash_data_bytes(src),
            "stack_bytes": src.stack_bytes,
            "doc_lines": src.docs,
            "declarations": src.declarations,
            "arrays": [{"name": a.name, "ctype": a.ctype, "length": a.length, "comment": a.comment,
                        "lines": a.lines()} for a in src.arrays],
            "structs": src.structs,
            "helpers": src.helpers,
            "functions": src.functions,
        }
        return {f"{name}.h": render("classical.h.j2", ctx), f"{name}.c": render("classical.c.j2", ctx)}

    @staticmethod
    def flash_data_bytes(src: CSource) -> int:
        return sum(a.nbytes for a in src.arrays) + 16 * len(src.structs)

    def data_bytes(self) -> int:
        """Bytes of const model data (arrays; structs estimated at 16 bytes)."""
        return self.flash_data_bytes(self.generate("m"))

    # ---- host extras -----------------------------------------------------
    def decision_function(self, X: Any) -> np.ndarray:
        """The raw scores (NAME_decision): scikit-learn's decision_function."""
        self._require("decision")
        out = self._rows("decision", X, self.n_decision)
        return out[:, 0] if self.n_decision == 1 else out

    n_decision: int = 1
