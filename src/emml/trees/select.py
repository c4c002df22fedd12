"""method="auto": pick table or inline, whichever is smaller on the target."""

from __future__ import annotations

from typing import Any

from emml.model import UnsupportedError
from emml.trees.ir import Ensemble
from emml.trees.model import TreeModel

# Code bytes (linked flash minus the model's const data), measured with
# bench/tree_auto_sizes.py (results: bench/results/tree_auto_sizes.json):
# 22 models from a 1-node tree to a 1,755-node forest, each built both ways
# with Model.report(board) (an image calling the model minus one without it;
# -Os, gc-sections) for Cortex-M0+ (arm-none-eabi-gcc 12.2, rp2040 memory map)
# and RV32EC (riscv64-unknown-elf-gcc 12.2 with the ch32v003's flags
# -march=rv32ec_zicsr -mabi=ilp32e, qemu_rv32e memory map).
#   table_bytes: median code of the byte-layout table form (generated walker,
#       leaf accumulation, entry points); table_packed: the same with the
#       bit-packed layout and the emml_trees runtime walker (two models);
#   inline_*: least-squares fit of inline code - table code over the models,
#       small models weighted up (that is where the two are close):
#       inline_base + inline_node * nodes (inline_int_node for quantized
#       inputs) + inline_nan_node * nodes with NaN routing + inline_tree * trees.
# With these, auto picked the smaller form for 21 of the 22 models on each
# target; the miss was within 3% (a 15-node tree).
CODE_BYTES = {
    "cortex-m0plus": {"table_bytes": 470, "table_packed": 765, "inline_base": 366, "inline_node": 14.1,
                      "inline_int_node": 12.0, "inline_nan_node": 6.6, "inline_tree": 8},
    "rv32ec": {"table_bytes": 382, "table_packed": 782, "inline_base": 278, "inline_node": 12.1,
               "inline_int_node": 11.5, "inline_nan_node": 13.5, "inline_tree": 8},
}
#: cpu of a board (boards/<name>.json "build.cpu") -> the constants that fit it
_CPU_FAMILY = {"cortex-m0plus": "cortex-m0plus", "cortex-m0": "cortex-m0plus", "cortex-m3": "cortex-m0plus",
               "rv32ec": "rv32ec", "rv32e": "rv32ec"}


def resolve_target(target: str) -> str:
    """A cpu name of CODE_BYTES, from a cpu name or a board name."""
    from emml import boards

    if target in CODE_BYTES:
        return target
    cpu = target
    if target in boards.names():
        cpu = boards.load(target).cpu
    if cpu in _CPU_FAMILY:
        return _CPU_FAMILY[cpu]
    raise UnsupportedError(
        f"target={target!r} is not a known board or cpu; use a board ({', '.join(boards.names())}) "
        f"or a cpu ({', '.join(sorted(_CPU_FAMILY))})"
    )


def estimate_flash(model: TreeModel, target: str) -> float:
    """Estimated flash of the model's const data and the code that differs
    between the table and inline forms, on target (a cpu or board name)."""
    c = CODE_BYTES[resolve_target(target)]
    data = sum(model.data_sizes().values())
    if model.method == "table":
        return data + c["table_bytes" if model.layout == "bytes" else "table_packed"]
    per = c["inline_node" if model.dtype == "float32" else "inline_int_node"]
    if model.ens.allow_nan:
        per += c["inline_nan_node"]
    return data + c["inline_base"] + per * model.n_decision + c["inline_tree"] * model.ens.n_trees


def choose_method(ens: Ensemble, dtype: str, quant: Any, leaf_values: str, target: str,
                  layout: str = "auto") -> TreeModel:
    best = None
    for method in ("table", "inline"):
        m = TreeModel(ens, method=method, dtype=dtype, quantizer=quant, leaf_values=leaf_values, layout=layout)
        size = estimate_flash(m, target)
        if best is None or size < best[0]:
            best = (size, m)
    model = best[1]
    model.options["method"] = f"auto->{model.method}"
    return model
