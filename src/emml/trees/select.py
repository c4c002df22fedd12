"""method="auto": pick table or inline, whichever is smaller on the target."""

from __future__ import annotations

from typing import Any

from emml.trees.ir import Ensemble
from emml.trees.model import TreeModel

# Estimates measured once with arm-none-eabi-gcc -Os -mcpu=cortex-m0plus on the
# load_digits forest (10 trees, depth 10): the table walker + leaf helpers take
# ~520 bytes; inline float code takes ~15 bytes per decision node. The rv32ec
# numbers are guesses (not measured yet).
TABLE_RUNTIME_BYTES = {"cortex-m0plus": 520, "rv32ec": 700}
INLINE_NODE_BYTES = {"cortex-m0plus": 15.2, "rv32ec": 20.0}
INLINE_NAN_NODE_BYTES = 10.0


def estimate_flash(model: TreeModel, target: str) -> float:
    data = sum(model.data_sizes().values())
    if model.method == "table":
        return data + TABLE_RUNTIME_BYTES.get(target, 600)
    per = INLINE_NODE_BYTES.get(target, 16.0) + (INLINE_NAN_NODE_BYTES if model.ens.allow_nan else 0.0)
    return data + per * model.n_decision + 8 * model.ens.n_trees


def choose_method(ens: Ensemble, dtype: str, quant: Any, leaf_values: str, target: str) -> TreeModel:
    best = None
    for method in ("table", "inline"):
        m = TreeModel(ens, method=method, dtype=dtype, quantizer=quant, leaf_values=leaf_values)
        size = estimate_flash(m, target)
        if best is None or size < best[0]:
            best = (size, m)
    model = best[1]
    model.options["method"] = f"auto->{model.method}"
    return model
