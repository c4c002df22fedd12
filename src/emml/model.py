"""The converted-model base class shared by every model kind in emml.

A :class:`Model` knows how to write its C (``name.h`` + ``name.c``), and runs
that very C on the host through ctypes, so ``predict()`` answers exactly as
the microcontroller will. Subclasses implement :meth:`Model.sources`.
"""

from __future__ import annotations

import ctypes
import hashlib
import re
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

_C_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_C_KEYWORDS = frozenset(
    "auto break case char const continue default do double else enum extern float for goto if inline int "
    "long register restrict return short signed sizeof static struct switch typedef union unsigned void "
    "volatile while _Bool _Complex _Imaginary".split()
)

#: The name the host build gives the generated files.
_HOST_NAME = "emml_model"


class UnsupportedError(ValueError):
    """The estimator, or an option asked for, is not supported; the message
    says what was unsupported and what to do instead."""


def c_float(v: float) -> str:
    """A C float32 literal that reads back as exactly this float32 (``%.9g``);
    every generator writes its constants with it."""
    f = np.float32(v)
    if not np.isfinite(f):
        raise UnsupportedError(f"non-finite constant {f} in the model (overflow when narrowing to float32?)")
    s = format(float(f), ".9g")
    if not any(ch in s for ch in ".en"):
        s += ".0"
    return s + "f"


FLOAT32_MAX = float(np.finfo(np.float32).max)
FLOAT32_TINY = float(np.finfo(np.float32).tiny)  # the smallest normal float32


def float32_scale_problem(spread: np.ndarray, power: int) -> str | None:
    """Why per-feature differences of this size break float32 arithmetic on
    the device, raised to `power` (2 for squared distances), or None.

    spread: the size of the differences per feature (e.g. max - min of the
    training data). Too large and the power overflows to infinity; non-zero
    but too small and it underflows to zero (every sample ties)."""
    s = np.abs(np.asarray(spread, dtype=np.float64))
    with np.errstate(over="ignore", under="ignore"):
        p = s ** power
    n = max(1, len(s))
    for f in range(len(s)):
        if not np.isfinite(s[f]) or p[f] * n > FLOAT32_MAX:
            return (f"feature {f} varies by {s[f]:.3g}: its {'squared ' if power == 2 else ''}differences overflow "
                    "float32 on the device")
        if 0 < p[f] < FLOAT32_TINY:
            return (f"feature {f} varies by only {s[f]:.3g}: its {'squared ' if power == 2 else ''}differences "
                    "underflow float32 on the device (every sample would tie)")
    return None


def measure_entry(board: str, d: Path, name: str, symbol: str, calls: Sequence[tuple],
                  max_instructions: int | None = None) -> dict[str, Any]:
    """Flash/RAM of a generated model and the estimated cost of one entry point.

    d holds with.c (a main that calls symbol), without.c (the same main
    without the call) and the model's name.c; both images are built for the
    board and their flash/RAM difference is the model's. symbol is then run by
    emml.profile once per argument tuple in calls (an emulator estimate:
    cycles on Cortex-M0+, instructions everywhere); no calls, no figures."""
    from emml import boards, firmware
    from emml.extras import available

    with_img = firmware.build(board, [d / "with.c", d / f"{name}.c"], include_dirs=[d], out_dir=d / "a", name="with")
    base_img = firmware.build(board, [d / "without.c"], include_dirs=[d], out_dir=d / "b", name="without")
    limit = {} if max_instructions is None else {"max_instructions": max_instructions}
    cycles, instructions, stack = [], [], 0
    emulate = bool(calls) and available("unicorn")
    if emulate:
        from emml.profile import profile_function

        for args in calls:
            r = profile_function(with_img.elf, symbol, args=args, **limit)
            if r.cycles is not None:
                cycles.append(r.cycles)
            instructions.append(r.instructions)
            stack = max(stack, r.stack_bytes)
    else:  # no emulator run: the static bound of the call graph below the entry point
        from emml.stack import StackError, analyse

        try:
            stack = analyse(with_img.elf, board, extra_roots=[symbol]).depths[symbol]
        except StackError:
            stack = None
    f_cpu_hz = boards.load(board).f_cpu_hz
    return {
        "flash_bytes": with_img.flash_bytes - base_img.flash_bytes,
        "ram_static_bytes": with_img.ram_bytes - base_img.ram_bytes,
        "stack_bytes": stack,
        "stack_source": "emulator peak" if emulate else "static bound",
        "cycles_mean": float(np.mean(cycles)) if cycles else None,
        "cycles_max": int(max(cycles)) if cycles else None,
        "instructions_mean": float(np.mean(instructions)) if instructions else None,
        "us_per_inference": float(np.mean(cycles)) / f_cpu_hz * 1e6 if cycles else None,
    }


def check_c_name(name: str) -> str:
    if not isinstance(name, str) or not _C_NAME.match(name) or name in _C_KEYWORDS:
        raise ValueError(f"model name {name!r} is not a valid C identifier (letters, digits, _; not a keyword)")
    return name


class Model:
    """A converted model: C sources plus host execution of them.

    Attributes every model kind sets: ``task`` ("classifier", "regressor" or
    "outlier"), ``n_features``, ``n_outputs``, ``classes_`` (or None),
    ``dtype`` (input feature type), ``method``, ``options`` (the conversion
    options, for the provenance comment) and ``entry_points`` (the generated
    C functions, e.g. ``("predict", "predict_proba")``).
    """

    task: str = "classifier"
    n_features: int = 0
    n_outputs: int = 1
    classes_: np.ndarray | None = None
    dtype: str = "float32"
    method: str = ""
    entry_points: tuple[str, ...] = ()

    def __init__(self) -> None:
        self._lib: Any = None
        self.options: dict[str, Any] = {}

    # ---- C sources ----------------------------------------------------
    def sources(self, name: str) -> dict[str, str]:
        """{"name.h": text, "name.c": text}; deterministic for a given model."""
        raise NotImplementedError

    def save(self, directory: str | Path, name: str) -> list[Path]:
        """Write name.h and name.c into directory; returns their paths."""
        check_c_name(name)
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for filename, text in self.sources(name).items():
            path = out / filename
            data = text.encode("utf-8")
            if not path.exists() or path.read_bytes() != data:
                path.write_bytes(data)
            written.append(path)
        return written

    def save_micropython(self, path: str | Path, name: str | None = None) -> Path:
        """Write a MicroPython module (path: NAME.py, or a directory) that
        predicts as this model's C does; see emml.micropython."""
        from emml.micropython import save

        return save(self, path, name)

    # ---- host execution ----------------------------------------------
    def _library(self) -> Any:
        if self._lib is None:
            from emml.host import compile_c
            from emml.paths import build_dir

            srcs = self.sources(_HOST_NAME)
            digest = hashlib.sha256("\0".join(f"{k}\0{v}" for k, v in sorted(srcs.items())).encode()).hexdigest()[:16]
            gen_dir = build_dir() / "models" / digest
            gen_dir.mkdir(parents=True, exist_ok=True)
            for filename, text in srcs.items():
                p = gen_dir / filename
                if not p.exists() or p.read_text() != text:
                    tmp = Path(tempfile.mktemp(dir=gen_dir, suffix=".tmp"))
                    tmp.write_text(text)
                    tmp.replace(p)
            so = compile_c([gen_dir / f"{_HOST_NAME}.c"], output_name=_HOST_NAME, shared=True, include_dirs=[gen_dir])
            lib = ctypes.CDLL(str(so))
            self._lib = lib
        return self._lib

    def _function(self, entry: str, argtypes: Sequence[Any], restype: Any) -> Any:
        fn = getattr(self._library(), f"{_HOST_NAME}_{entry}")
        fn.argtypes = list(argtypes)
        fn.restype = restype
        return fn

    def _require(self, entry: str) -> None:
        if entry not in self.entry_points:
            offered = ", ".join(self.entry_points)
            raise AttributeError(f"this {self.task} model has no {entry}(); it offers: {offered}")

    def _check_X(self, X: Any, allow_nan: bool = False) -> np.ndarray:
        X = np.asarray(X)
        if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
            raise TypeError(f"X must be numeric, got dtype {X.dtype}")
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
        if X.shape[1] != self.n_features:
            raise ValueError(f"X has {X.shape[1]} features, but the model expects {self.n_features}")
        X = np.ascontiguousarray(X, dtype=np.float32)
        if not allow_nan and np.isnan(X).any():
            rows = np.unique(np.argwhere(np.isnan(X))[:, 0])[:5].tolist()
            raise ValueError(
                f"X contains NaN (rows {rows}...); this model was converted without NaN support "
                "(convert with allow_nan=True if the estimator handles missing values)"
            )
        return X

    def _allow_nan(self) -> bool:
        return bool(self.options.get("allow_nan", False))

    def _rows(self, entry: str, X: Any, n_out: int) -> np.ndarray:
        X = self._check_X(X, self._allow_nan())
        fp = ctypes.POINTER(ctypes.c_float)
        fn = self._function(entry, [fp, ctypes.c_int32, fp, ctypes.c_int32], ctypes.c_int)
        out = np.zeros((X.shape[0], n_out), dtype=np.float32)
        for i in range(X.shape[0]):
            st = fn(X[i].ctypes.data_as(fp), self.n_features, out[i].ctypes.data_as(fp), n_out)
            if st != 0:
                raise RuntimeError(f"{entry}() returned emml status {st} on row {i}")
        return out

    def predict(self, X: Any) -> np.ndarray:
        """Class labels (classifiers, outlier models) or values (regressors)."""
        if "predict" not in self.entry_points:
            return self.regress(X)
        X = self._check_X(X, self._allow_nan())
        fp = ctypes.POINTER(ctypes.c_float)
        fn = self._function("predict", [fp, ctypes.c_int32], ctypes.c_int32)
        idx = np.empty(X.shape[0], dtype=np.int64)
        for i in range(X.shape[0]):
            r = fn(X[i].ctypes.data_as(fp), self.n_features)
            if r < 0:
                raise RuntimeError(f"predict() returned emml status {r} on row {i}")
            idx[i] = r
        return self.classes_[idx] if self.classes_ is not None else idx

    def predict_proba(self, X: Any) -> np.ndarray:
        self._require("predict_proba")
        return self._rows("predict_proba", X, self.n_outputs)

    def regress(self, X: Any) -> np.ndarray:
        """Regression outputs, shape (n_samples,) for one output."""
        self._require("regress")
        out = self._rows("regress", X, self.n_outputs)
        return out[:, 0] if self.n_outputs == 1 else out

    def score_samples(self, X: Any) -> np.ndarray:
        """Outlier models: the anomaly score (scikit-learn's score_samples)."""
        if self.task != "outlier":
            raise AttributeError(f"score_samples() is for outlier models; this is a {self.task}")
        return self._rows("regress", X, 1)[:, 0]

    # ---- reporting ------------------------------------------------------
    def report(self, board: str = "py32f003", X: Any = None) -> dict[str, Any]:
        """Flash, RAM and estimated cycles per inference on a board.

        Builds two images for the board (an empty main, and one that calls the
        model's first entry point) and reports their flash/RAM difference; the
        cycles come from emml.profile running the entry point on rows of X
        (default: one row of zeros); an emulator estimate, not a measurement.
        Stack is the peak stack use of that call."""
        from emml import boards
        from emml.extras import available

        b = boards.load(board)
        entry = "predict" if "predict" in self.entry_points else self.entry_points[0]
        entry = getattr(self, "report_entry", None) or entry  # a model kind may profile another entry
        name = "emml_report_model"
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            self.save(d, name)
            call = (f"g_out = (int32_t){name}_predict(x, {self.n_features});" if entry == "predict" else
                    f"g_out = (int32_t){name}_{entry}(x, {self.n_features}, g_y, {self.n_outputs});")
            main = (
                "#include <stdint.h>\n#include \"%s.h\"\nvolatile int32_t g_out;\nfloat g_x[%d];\nfloat g_y[%d];\n"
                "int main(void)\n{\n    const float *x = g_x;\n    %s\n"
                "    g_out += *(volatile const uint8_t *)g_x + *(volatile const uint8_t *)g_y;\n    return 0;\n}\n"
            )
            (d / "with.c").write_text(main % (name, self.n_features, self.n_outputs, call))
            (d / "without.c").write_text(main % (name, self.n_features, self.n_outputs, "(void)x;\n    g_out = 0;"))
            rows = np.zeros((1, self.n_features), np.float32) if X is None else self._check_X(X, self._allow_nan())
            calls = []
            if b.arch == "arm":  # the cycle estimate is Cortex-M0+'s; other cores get flash/RAM only
                for row in rows[:50]:
                    args = (np.ascontiguousarray(row), self.n_features)
                    if entry != "predict":
                        args += (np.zeros(self.n_outputs, np.float32), self.n_outputs)
                    calls.append(args)
            measured = measure_entry(board, d, name, f"{name}_{entry}", calls)
            return {
                "board": board,
                "entry_point": entry,
                **measured,
                "note": ("cycles are a Cortex-M0+ estimate from the emml.profile emulator, not a measurement"
                         if available("unicorn") else
                         "cycle estimates need the emulator: pip install 'emml[firmware]'"),
            }
