"""The model search of `emml har train`: a bounded grid of tree ensembles,
each scored by cross-validation grouped by recording, sized for the board
(its C compiled with the board's compiler), kept only if the whole firmware
fits the board.

Flash of a candidate = flash of the firmware built with a reference model
- that model's object size + the candidate's object size (the model's own
code and const data, compiled -Os with -ffunction-sections, without the
unused predict_proba). The chosen model is then linked for real and the
next one is tried if it does not fit.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

def grid(size: str) -> list[tuple[str, Callable[[int], Any]]]:
    """(name, factory(seed)) of each candidate of a search size; kept small,
    each candidate costs (folds + 1) fits and one compile."""
    from sklearn.ensemble import ExtraTreesClassifier, GradientBoostingClassifier, RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    def dt(depth):
        return (f"tree depth={depth}",
                lambda s: DecisionTreeClassifier(max_depth=depth, min_samples_leaf=2, random_state=s))

    def rf(n, depth):
        return (f"forest n={n} depth={depth}",
                lambda s: RandomForestClassifier(n_estimators=n, max_depth=depth, min_samples_leaf=2,
                                                 random_state=s, n_jobs=1))

    def et(n, depth):
        return (f"extra-trees n={n} depth={depth}",
                lambda s: ExtraTreesClassifier(n_estimators=n, max_depth=depth, min_samples_leaf=2,
                                               random_state=s, n_jobs=1))

    def gb(n, depth):
        return (f"boosting n={n} depth={depth}",
                lambda s: GradientBoostingClassifier(n_estimators=n, max_depth=depth, learning_rate=0.3,
                                                     random_state=s))

    if size == "tiny":
        return [dt(5), rf(4, 5)]
    if size == "small":
        return [dt(4), dt(6), rf(5, 6), rf(10, 6), et(10, 6), gb(10, 2)]
    if size == "default":
        return [dt(4), dt(6), dt(8), rf(5, 5), rf(5, 8), rf(10, 6), rf(20, 6), rf(20, 8),
                et(10, 6), et(20, 8), gb(10, 2), gb(20, 3)]
    if size == "large":
        return ([dt(d) for d in (3, 4, 5, 6, 8, 10)] + [rf(n, d) for n in (5, 10, 20, 40) for d in (5, 6, 8, 10)]
                + [et(n, d) for n in (10, 20, 40) for d in (6, 8, 10)] + [gb(n, d) for n in (10, 20, 40) for d in (2, 3)])
    raise ValueError(f"unknown search size {size!r}; use tiny, small, default or large")


SEARCH_SIZES = ("tiny", "small", "default", "large")


@dataclass
class Candidate:
    name: str
    estimator: Any = None
    cv_accuracy: float = float("nan")
    test_accuracy: float = float("nan")
    model_bytes: int = 0  # the model's object size on the board (code + const data)
    flash_estimate: int = 0  # whole firmware
    fits_estimate: bool = False
    flash_measured: int | None = None  # set for the candidates actually linked
    fits_measured: bool | None = None
    extra: dict = field(default_factory=dict)

    def row(self) -> dict:
        return {
            "name": self.name,
            "cv_accuracy": None if np.isnan(self.cv_accuracy) else round(float(self.cv_accuracy), 4),
            "test_accuracy": None if np.isnan(self.test_accuracy) else round(float(self.test_accuracy), 4),
            "model_bytes": self.model_bytes,
            "flash_estimate": self.flash_estimate,
            "flash_measured": self.flash_measured,
            "fits": self.fits_measured if self.fits_measured is not None else self.fits_estimate,
            **self.extra,
        }


def grouped_cv_accuracy(factory: Callable[[int], Any], X: np.ndarray, y: np.ndarray, groups: np.ndarray,
                        folds: int, seed: int) -> float:
    """Mean accuracy over folds that never split a recording."""
    from sklearn.model_selection import StratifiedGroupKFold

    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = []
    for tr, va in cv.split(X, y, groups):
        est = factory(seed).fit(X[tr], y[tr])
        scores.append(float(np.mean(est.predict(X[va]) == y[va])))
    return float(np.mean(scores))


def model_object_bytes(model: Any, board: str) -> int:
    """Flash the model's C takes on `board`: code + const data of its object
    file, without predict_proba (the app calls predict only)."""
    from emml import boards
    from emml.paths import runtime_dir

    b = boards.load(board)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        model.save(d, "har_model")
        obj = d / "har_model.o"
        cmd = [b.toolchain_prefix + "gcc", *b.cflags, "-std=c99", "-Os", "-ffunction-sections", "-fdata-sections",
               f"-I{runtime_dir() / 'include'}", f"-I{d}", "-c", str(d / "har_model.c"), "-o", str(obj)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"compiling the model for {board} failed:\n{proc.stderr}")
        out = subprocess.run([b.toolchain_prefix + "size", "-A", "-d", str(obj)], capture_output=True,
                             text=True, check=True).stdout
    total = 0
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2 or not parts[1].isdigit():
            continue
        name, size = parts[0], int(parts[1])
        if name.endswith("_predict_proba"):
            continue
        if name.startswith((".text", ".rodata", ".srodata", ".data", ".sdata")):
            total += size
    if getattr(model, "layout", "") == "packed":
        from emml.trees.select import TABLE_RUNTIME_BYTES

        total += TABLE_RUNTIME_BYTES["rv32ec" if b.arch == "riscv" else "cortex-m0plus"]
    return total
