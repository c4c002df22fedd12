"""emml models and HAR features as MicroPython modules.

    model = emml.convert(forest)
    model.save_micropython("forest.py")        # or emml.micropython.save(model, "forest.py")
    # on the board:  import forest; forest.predict([...])  -> the class index the C gives

The generated module is plain MicroPython (1.9 and later; also runs on
CPython) using ``array`` and integer arithmetic: tree thresholds, leaf
fixed-point probabilities, int8 requantization and the HAR integer formulas
are the same numbers the C uses, and float32 arithmetic is replayed operation
by operation (see emml.micropython.emit), so predictions are identical to the
C's (``Model.predict`` on the host) on ports with double or full float32
floats. Ports with 30-bit floats (micro:bit v1) are exact only for integer
(quantized) models and the HAR features.

Entry points mirror the C: ``predict(x)`` (class index into ``CLASSES``),
``predict_proba(x)``, ``regress(x)``, ``decision(x)`` and, for quantized
models, ``quantize(x)`` plus the typed ``predict_i8(q)`` / ``predict_i16(q)``
... ; HAR: ``features(xyz)`` and ``features_f32(xyz)``.

``@micropython.native`` / ``viper`` are not emitted: neither MicroPython we
test on (the WebAssembly port and the micro:bit firmware) has the native
emitter, and the generated code must run unchanged on every port.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyword

from emml.model import UnsupportedError

__all__ = ["generate", "save"]


def _family(obj: Any) -> str:
    name = type(obj).__name__
    if name == "TreeModel":
        return "trees"
    if name == "LinearModel":
        return "linear"
    if name == "GaussianNBModel":
        return "bayes"
    if name == "NeighborsModel":
        return "neighbors"
    if name == "NNModel":
        return "nn"
    if name in ("HarConfig", "HarFeatures"):
        return "har"
    raise UnsupportedError(
        f"{name} has no MicroPython generator; emml.micropython converts tree ensembles, linear models, "
        "GaussianNB, nearest neighbours, dense/int8 networks (emml.convert(...)) and emml.dsp.HarConfig")


def generate(obj: Any, name: str = "model", tree_form: str = "auto") -> str:
    """The MicroPython module (source text) for a converted model or a HarConfig.

    tree_form (tree ensembles): "code" (one function of nested if/else per
    tree: fastest), "table" (node arrays walked by one loop: smallest heap) or
    "auto" (code for small models, see emml.micropython.trees)."""
    _check_name(name)
    family = _family(obj)
    if family == "trees":
        from emml.micropython import trees

        return trees.generate(obj, name, tree_form)
    if family == "nn":
        from emml.micropython import nn

        return nn.generate(obj, name)
    if family == "har":
        from emml.micropython import har

        return har.generate(obj, name)
    from emml.micropython import classical

    return getattr(classical, family)(obj, name)


def save(obj: Any, path: str | Path, name: str | None = None, tree_form: str = "auto") -> Path:
    """Write the module to path (a .py file, or a directory: NAME.py in it).

    The file name is the module name on the board (``import NAME``)."""
    path = Path(path)
    if path.suffix != ".py":
        path = path / f"{name or 'model'}.py"
    name = name or path.stem
    text = generate(obj, name, tree_form)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return path


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"module name {name!r} is not a Python identifier (letters, digits, _; not a keyword): "
                         "the file name is what the board imports")
