"""Tree ensembles: scikit-learn trees, forests, boosting and isolation forests
to compact C (table-driven or inline), see :func:`convert`."""

from __future__ import annotations

from typing import Any

from emml.trees.ir import SUPPORTED, read, supports
from emml.trees.model import TreeModel

__all__ = ["SUPPORTED", "TreeModel", "convert", "supports"]


def convert(
    estimator: Any,
    method: str = "auto",
    dtype: str = "float32",
    allow_nan: bool | None = None,
    leaf_values: str = "auto",
    X_calibration: Any = None,
    target: str = "cortex-m0plus",
    layout: str = "auto",
) -> TreeModel:
    """Convert a fitted tree estimator; see emml.convert for the options.

    layout (method="table"): "bytes" (byte-aligned nodes walked by a walker
    generated for this model: fastest), "packed" (bit-stream nodes walked by
    the emml_trees runtime: smallest), or "auto" (bytes unless that makes the
    model data more than 25% larger, or a field needs more than 16 bits).

    target (method="auto"): a board name (boards/*.json) or a cpu
    ("cortex-m0plus", "rv32ec"); auto picks the form with the smaller
    estimated flash there (constants measured by bench/tree_auto_sizes.py)."""
    from emml.trees.quantize import make_quantizer
    from emml.trees.select import choose_method, resolve_target

    resolve_target(target)  # a bad target is an error whatever the method

    if allow_nan is None:
        allow_nan = type(estimator).__name__.startswith("HistGradientBoosting")
    ens = read(estimator, allow_nan=bool(allow_nan))
    quant = make_quantizer(ens, dtype, X_calibration) if dtype != "float32" else None
    if method == "auto":
        return choose_method(ens, dtype, quant, leaf_values, target, layout)
    return TreeModel(ens, method=method, dtype=dtype, quantizer=quant, leaf_values=leaf_values, layout=layout)
