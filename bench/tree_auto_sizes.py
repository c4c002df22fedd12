#!/usr/bin/env python3
"""Measure the code-size constants behind method="auto" for tree models
(src/emml/trees/select.py).

    python bench/tree_auto_sizes.py            # prints a table, writes bench/results/tree_auto_sizes.json

For a set of fitted models, builds each model's table and inline forms with
Model.report(board) (linked image with a call to predict minus an image
without it, -Os, gc-sections) on a Cortex-M0+ image (rp2040 memory map) and
an RV32EC image (qemu_rv32e: the ch32v003's compiler flags with 64 kB of
flash, so that big inline forms still link), then prints:

  table   flash - const model data   (walker + leaf accumulation + entry code)
  inline  (flash - const model data) per decision node, and the fixed part
          when fitted over the models: flash - data = a + b * decision nodes

select.py's constants are the rounded results (ARM and RISC-V columns).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
BOARDS = {"cortex-m0plus": "rp2040", "rv32ec": "qemu_rv32e"}
SEED = 0


def models() -> list[tuple[str, object, str]]:
    """Small models (where table and inline are close) and a few large ones."""
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
    from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,
                                  HistGradientBoostingClassifier, RandomForestClassifier, RandomForestRegressor)
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    Xd, yd = load_digits(return_X_y=True)
    Xi, yi = load_iris(return_X_y=True)
    Xr, yr = load_diabetes(return_X_y=True)
    Xw, yw = load_wine(return_X_y=True)
    Xb, yb = load_breast_cancer(return_X_y=True)
    rng = np.random.RandomState(SEED)
    Xn = rng.normal(size=(300, 5))
    yn = (Xn[:, 0] + Xn[:, 1] > 0).astype(int)
    Xn[rng.rand(*Xn.shape) < 0.2] = np.nan

    def dt(depth, X, y):
        return DecisionTreeClassifier(max_depth=depth, random_state=SEED).fit(X, y)

    def rf(n, depth, X, y):
        return RandomForestClassifier(n_estimators=n, max_depth=depth, random_state=SEED).fit(X, y)

    return [
        ("iris DT depth 1", dt(1, Xi, yi), "float32"),
        ("iris DT depth 2", dt(2, Xi, yi), "float32"),
        ("iris DT depth 3", dt(3, Xi, yi), "float32"),
        ("iris DT depth 4", dt(4, Xi, yi), "float32"),
        ("iris x10 DT depth 3 int16", dt(3, np.round(Xi * 10), yi), "int16"),
        ("iris RF 2x2", rf(2, 2, Xi, yi), "float32"),
        ("iris RF 3x3", rf(3, 3, Xi, yi), "float32"),
        ("iris RF 5x5", rf(5, 5, Xi, yi), "float32"),
        ("wine DT depth 3", dt(3, Xw, yw), "float32"),
        ("cancer DT depth 3", dt(3, Xb, yb), "float32"),
        ("cancer RF 3x4", rf(3, 4, Xb, yb), "float32"),
        ("digits DT depth 4", dt(4, Xd, yd), "float32"),
        ("digits DT depth 4 uint8", dt(4, Xd, yd), "uint8"),
        ("diabetes DT depth 3", DecisionTreeRegressor(max_depth=3, random_state=SEED).fit(Xr, yr), "float32"),
        ("diabetes GB 5x2", GradientBoostingRegressor(n_estimators=5, max_depth=2, random_state=SEED).fit(Xr, yr),
         "float32"),
        ("HGB NaN 3", HistGradientBoostingClassifier(max_iter=3, max_leaf_nodes=4, random_state=SEED).fit(Xn, yn),
         "float32"),
        ("digits RF 3x6", rf(3, 6, Xd, yd), "float32"),
        ("digits RF 3x6 int16", rf(3, 6, Xd, yd), "int16"),
        ("digits RF 10x10", rf(10, 10, Xd, yd), "float32"),
        ("digits GBDT 3x10x3", GradientBoostingClassifier(n_estimators=3, max_depth=3, random_state=SEED).fit(Xd, yd),
         "float32"),
        ("diabetes RF 4x6", RandomForestRegressor(n_estimators=4, max_depth=6, random_state=SEED).fit(Xr, yr),
         "float32"),
        ("HGB NaN 10", HistGradientBoostingClassifier(max_iter=10, random_state=SEED).fit(Xn, yn), "float32"),
    ]


def measure() -> list[dict]:
    import emml
    from emml import firmware
    from emml.paths import runtime_dir

    # Tree code links only trees.c and mathf.c (status.c for strings) out of
    # lib/emml; building just those gives the same image (the rest is an
    # archive the linker would not pull in) and does not depend on the state
    # of unrelated runtime modules.
    firmware.runtime_sources = lambda: [runtime_dir() / "src" / f for f in ("mathf.c", "status.c", "trees.c")]

    rows = []
    for label, est, dtype in models():
        for method in ("table", "inline"):
            m = emml.convert(est, method=method, dtype=dtype)
            data = sum(m.data_sizes().values())
            row = {"model": label, "method": method, "dtype": dtype, "layout": m.layout,
                   "decision_nodes": m.n_decision, "trees": m.ens.n_trees, "data_bytes": data,
                   "allow_nan": m.ens.allow_nan}
            for target, board in BOARDS.items():
                row[f"flash_{target}"] = emml.convert(est, method=method, dtype=dtype).report(board)["flash_bytes"]
            rows.append(row)
            print(f"  {label} {method}: {row}", file=sys.stderr)
    return rows


TREE_BYTES = 8  # inline: a function pointer and a call per tree (held fixed in the fit)


def fit(rows: list[dict], target: str) -> dict[str, float]:
    """Least squares (small models weighted up: that is where the choice is
    close) of inline code - table code = inline_node * float-input nodes +
    inline_int_node * quantized-input nodes + inline_nan_node * nodes with NaN
    routing + TREE_BYTES * trees + const."""
    by: dict[str, dict[str, dict]] = {}
    for r in rows:
        by.setdefault(r["model"], {})[r["method"]] = r
    A, y = [], []
    for d in by.values():
        t, i = d["table"], d["inline"]
        code = {m: d[m][f"flash_{target}"] - d[m]["data_bytes"] for m in ("table", "inline")}
        n, quantized = t["decision_nodes"], t["dtype"] != "float32"
        A.append([n * (not quantized), n * quantized, n * t["allow_nan"], 1.0])
        y.append(code["inline"] - code["table"] - TREE_BYTES * t["trees"])
    A_, y_ = np.array(A, dtype=float), np.array(y, dtype=float)
    w = 1.0 / np.sqrt(1.0 + A_[:, 0] + A_[:, 1])
    coef = np.linalg.lstsq(A_ * w[:, None], y_ * w, rcond=None)[0]
    table = sorted(r[f"flash_{target}"] - r["data_bytes"] for r in rows
                   if r["method"] == "table" and r["dtype"] == "float32" and "DT" not in r["model"])
    table_bytes = float(np.median(table))
    return {"table_bytes": round(table_bytes), "inline_base": round(table_bytes + coef[3]),
            "inline_node": round(float(coef[0]), 1), "inline_int_node": round(float(coef[1]), 1),
            "inline_nan_node": round(float(coef[2]), 1), "inline_tree": TREE_BYTES}


def summarize(rows: list[dict]) -> str:
    lines = [f"{'model':26} {'method':7} {'nodes':>6} {'data':>6} "
             + " ".join(f"{t + ' flash':>20} {'code':>6}" for t in BOARDS)]
    for r in rows:
        cells = [f"{r[f'flash_{t}']:20d} {r[f'flash_{t}'] - r['data_bytes']:6d}" for t in BOARDS]
        lines.append(f"{r['model']:26} {r['method']:7} {r['decision_nodes']:6d} {r['data_bytes']:6d} " + " ".join(cells))
    for t in BOARDS:
        c = fit(rows, t)
        lines.append(f"{t}: {c}")
        wrong = []
        for name in dict.fromkeys(r["model"] for r in rows):
            tab, inl = (next(r for r in rows if r["model"] == name and r["method"] == m) for m in ("table", "inline"))
            per = c["inline_node" if inl["dtype"] == "float32" else "inline_int_node"]
            per += c["inline_nan_node"] if inl["allow_nan"] else 0.0
            est_inline = inl["data_bytes"] + c["inline_base"] + per * inl["decision_nodes"] + c["inline_tree"] * inl["trees"]
            est_table = tab["data_bytes"] + c["table_bytes"]
            if (est_inline < est_table) != (inl[f"flash_{t}"] < tab[f"flash_{t}"]) and inl[f"flash_{t}"] != tab[f"flash_{t}"]:
                wrong.append(f"{name} (true sizes {tab[f'flash_{t}']} table, {inl[f'flash_{t}']} inline)")
        lines.append(f"  picks the larger form for: {', '.join(wrong) or 'none'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "tree_auto_sizes.json")
    args = ap.parse_args(argv)
    rows = measure()
    print(summarize(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fits = {t: fit(rows, t) for t in BOARDS}
    args.out.write_text(json.dumps({"benchmark": "tree_auto_sizes", "boards": BOARDS, "fit": fits, "rows": rows},
                                   indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
