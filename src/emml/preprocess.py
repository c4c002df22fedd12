"""Preprocessing folded into the model: scikit-learn scalers and PCA as one
affine map ``z = A x + b``, and Pipeline unwrapping.

Every supported step is affine, so a chain of them is one affine map
(composed in float64). A family then either folds it into its own weights
(linear models: ``W' = W A``, ``b' = W b + c``; Gaussian naive Bayes with a
diagonal map) - mathematically exact, only float32 rounding of the folded
constants differs - or applies it in front of the model inside the same C
entry point (:meth:`Affine.c_prelude`).

    >>> affine, model = emml.preprocess.split(pipeline)   # reusable by any family
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from emml.model import UnsupportedError

#: Steps that fold; anything else in a Pipeline is refused with a clear error.
FOLDABLE = ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler", "PCA")


@dataclass
class Affine:
    """z = A x + b. ``diag`` maps keep A as a vector (z_i = A_i x_i + b_i)."""

    A: np.ndarray  # (n_out, n_in), or (n,) when diag
    b: np.ndarray  # (n_out,)
    steps: tuple[str, ...]
    diag: bool

    @property
    def n_in(self) -> int:
        return int(self.A.shape[-1])

    @property
    def n_out(self) -> int:
        return int(self.b.shape[0])

    def matrix(self) -> np.ndarray:
        return np.diag(self.A) if self.diag else self.A

    def apply(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        return X * self.A + self.b if self.diag else X @ self.A.T + self.b

    def then(self, other: "Affine") -> "Affine":
        """other applied after self."""
        if other.n_in != self.n_out:
            raise UnsupportedError(f"pipeline step {other.steps[0]} expects {other.n_in} features, "
                                   f"the step before it gives {self.n_out}")
        steps = self.steps + other.steps
        if self.diag and other.diag:
            return Affine(other.A * self.A, other.A * self.b + other.b, steps, True)
        A2, A1 = other.matrix(), self.matrix()
        return Affine(A2 @ A1, A2 @ self.b + other.b, steps, False)

    def describe(self) -> str:
        kind = "per-feature scale and offset" if self.diag else f"{self.n_out}x{self.n_in} matrix"
        return f"{' -> '.join(self.steps)} ({kind})"

    def fold_linear(self, W: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """W z + c with z = A x + b  ->  (W A) x + (W b + c), in float64."""
        W = np.asarray(W, dtype=np.float64)
        return W @ self.matrix(), W @ self.b + np.asarray(c, dtype=np.float64)

    def c_prelude(self, name: str) -> tuple[list[Any], list[str], int]:
        """(arrays, body lines, stack bytes) computing ``float z[n_out]`` from
        ``x`` in a generated entry point, for families that cannot fold."""
        from emml.linear.codegen import CArray

        if self.diag:
            arrays = [CArray("pre_scale", "float", self.A, f"{self.n_in} per-feature scales ({self.describe()})"),
                      CArray("pre_offset", "float", self.b, f"{self.n_in} per-feature offsets")]
            lines = [f"    float z[{self.n_out}];", "    {", "        int32_t i;",
                     f"        for (i = 0; i < {self.n_in}; i++)",
                     f"            z[i] = x[i] * {name}_pre_scale[i] + {name}_pre_offset[i];", "    }"]
        else:
            arrays = [CArray("pre_matrix", "float", self.A, f"{self.n_out}x{self.n_in} preprocessing matrix, "
                                                             f"row-major ({self.describe()})"),
                      CArray("pre_offset", "float", self.b, f"{self.n_out} preprocessing offsets")]
            lines = [f"    float z[{self.n_out}];",
                     f"    emml_linear_f32({name}_pre_matrix, {name}_pre_offset, x, {self.n_in}u, {self.n_out}u, z);"]
        return arrays, lines, 4 * self.n_out


def step_affine(step: Any) -> Affine:
    """The affine map of one fitted preprocessing step."""
    kind = type(step).__name__
    if kind not in FOLDABLE:
        raise UnsupportedError(
            f"pipeline step {type(step).__module__}.{kind} cannot be folded into the model "
            f"(emml folds only {', '.join(FOLDABLE)}, which are affine); run that step in your firmware "
            "before calling the model and convert the Pipeline without it"
        )
    if not hasattr(step, "n_features_in_"):
        raise UnsupportedError(f"pipeline step {kind} is not fitted; fit the pipeline before converting")
    n = int(step.n_features_in_)
    one, zero = np.ones(n), np.zeros(n)
    if kind == "StandardScaler":
        mean = step.mean_ if step.mean_ is not None and step.with_mean else zero
        scale = step.scale_ if step.scale_ is not None and step.with_std else one
        return Affine(1.0 / scale, -mean / scale, (kind,), True)
    if kind == "MinMaxScaler":
        if getattr(step, "clip", False):
            raise UnsupportedError("MinMaxScaler(clip=True) clips, which is not affine and cannot be folded; "
                                   "use clip=False (the default) or clip in your firmware")
        return Affine(np.asarray(step.scale_, float), np.asarray(step.min_, float), (kind,), True)
    if kind == "MaxAbsScaler":
        return Affine(1.0 / np.asarray(step.scale_, float), zero, (kind,), True)
    if kind == "RobustScaler":
        center = step.center_ if step.center_ is not None else zero
        scale = step.scale_ if step.scale_ is not None else one
        return Affine(1.0 / np.asarray(scale, float), -np.asarray(center, float) / scale, (kind,), True)
    # PCA: z = (x - mean) @ components.T, whitened: / sqrt(explained_variance)
    comps = np.asarray(step.components_, dtype=np.float64)
    if getattr(step, "whiten", False):
        comps = comps / np.sqrt(np.asarray(step.explained_variance_, float))[:, None]
    mean = np.asarray(step.mean_, dtype=np.float64)
    return Affine(comps, -comps @ mean, (kind,), False)


def split(estimator: Any) -> tuple[Affine | None, Any]:
    """Unwrap a scikit-learn Pipeline: (the folded affine map of its
    preprocessing steps or None, the final estimator). A bare estimator
    returns (None, estimator)."""
    kind = type(estimator).__name__
    if kind != "Pipeline":
        return None, estimator
    steps = [s for _, s in estimator.steps]
    if not steps:
        raise UnsupportedError("the Pipeline has no steps")
    *pre, final = steps
    affine: Affine | None = None
    for step in pre:
        if step is None or step == "passthrough":
            continue
        a = step_affine(step)
        affine = a if affine is None else affine.then(a)
    if final is None or final == "passthrough":
        raise UnsupportedError("the Pipeline ends in 'passthrough'; its last step must be a model")
    if type(final).__name__ == "Pipeline":
        inner, final = split(final)
        if inner is not None:
            affine = inner if affine is None else affine.then(inner)
    return affine, final


def is_pipeline(estimator: Any) -> bool:
    return type(estimator).__name__ == "Pipeline"


def final_estimator(estimator: Any) -> Any:
    """The model at the end of a (possibly nested) Pipeline, without checking its steps."""
    while type(estimator).__name__ == "Pipeline":
        estimator = estimator.steps[-1][1]
    return estimator
