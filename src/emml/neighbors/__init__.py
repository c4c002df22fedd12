"""Nearest neighbours: KNeighborsClassifier / KNeighborsRegressor (uniform
or distance weights, Euclidean or Manhattan) and NearestCentroid (1-NN over
the centroids) to float32 C using lib/emml's emml_neighbors, which can also
take new examples at run time into a caller-owned buffer (see
emml/neighbors.h). Preprocessing steps of a Pipeline run in front of the
search (``NAME_transform`` exposes them for examples added on the device).
dtype="int8" / "int16" gives integer examples and distances
(:mod:`emml.neighbors.quantized`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from emml import preprocess
from emml.linear.codegen import (SIG_PRED, SIG_ROWS, CArray, ClassicalModel, CSource, function,
                                 head_checks, out_checks)
from emml.model import UnsupportedError, float32_scale_problem
from emml.provenance import model_digest

SUPPORTED = ("KNeighborsClassifier", "KNeighborsRegressor", "NearestCentroid")
METRICS = {"euclidean": "EMML_NEIGHBORS_EUCLIDEAN", "manhattan": "EMML_NEIGHBORS_MANHATTAN"}
MAX_K = 32  # EMML_NEIGHBORS_MAX_K default in emml/neighbors.h

__all__ = ["NeighborsModel", "SUPPORTED", "convert", "supports"]


def supports(estimator: Any) -> bool:
    return type(preprocess.final_estimator(estimator)).__name__ in SUPPORTED


def _metric(est: Any) -> str:
    metric = getattr(est, "effective_metric_", None) or est.metric
    if metric == "minkowski":
        p = getattr(est, "effective_metric_params_", {}).get("p", est.p)
        metric = {1: "manhattan", 2: "euclidean"}.get(p, f"minkowski p={p}")
    metric = {"l2": "euclidean", "l1": "manhattan", "cityblock": "manhattan"}.get(metric, metric)
    if metric not in METRICS:
        raise UnsupportedError(f"{type(est).__name__}(metric={metric!r}) is not supported; emml converts the "
                               "'euclidean' and 'manhattan' metrics (minkowski p=2 or p=1)")
    return metric


class NeighborsModel(ClassicalModel):
    family = "neighbors"

    def __init__(self, est: Any, affine: Any = None) -> None:
        super().__init__()
        kind = type(est).__name__
        self.estimator_name = kind
        if kind == "NearestCentroid":
            if not hasattr(est, "centroids_"):
                raise UnsupportedError("NearestCentroid is not fitted; fit it before converting")
            prior = np.asarray(getattr(est, "class_prior_", [1.0]))
            if not np.isclose(prior, 1.0 / len(est.classes_)).all():
                raise UnsupportedError("NearestCentroid with non-uniform priors is not supported "
                                       "(its discriminant adds log priors); use priors='uniform'")
            self.examples = np.asarray(est.centroids_, dtype=np.float64)
            self.labels = np.arange(len(est.classes_))
            self.k, self.weights, self.metric = 1, "uniform", _metric(est)
            self.task = "classifier"
        else:
            if not hasattr(est, "_fit_X"):
                raise UnsupportedError(f"{kind} is not fitted; fit it before converting")
            if callable(est.weights) or est.weights not in ("uniform", "distance"):
                raise UnsupportedError(f"{kind}(weights={est.weights!r}) is not supported; use 'uniform' or "
                                       "'distance'")
            self.examples = np.asarray(est._fit_X, dtype=np.float64)
            if not isinstance(self.examples, np.ndarray) or self.examples.ndim != 2:
                raise UnsupportedError(f"{kind} fitted on a sparse or precomputed matrix is not supported")
            self.k, self.weights, self.metric = int(est.n_neighbors), est.weights, _metric(est)
            if self.k > MAX_K:
                raise UnsupportedError(f"{kind}(n_neighbors={self.k}) exceeds EMML_NEIGHBORS_MAX_K={MAX_K}; use "
                                       "fewer neighbours (or raise the limit in emml/neighbors.h and here)")
            y = np.asarray(est._y)
            if kind == "KNeighborsClassifier":
                if y.ndim != 1:
                    raise UnsupportedError("multi-output KNeighborsClassifier is not supported")
                self.labels = y.astype(np.int64)
                self.task = "classifier"
            else:
                self.targets = y.reshape(len(y), -1).astype(np.float64)
                self.task = "regressor"
        self.preprocess = affine
        F = self.examples.shape[1]
        if affine is not None and affine.n_out != F:
            raise UnsupportedError(f"the Pipeline's preprocessing gives {affine.n_out} features but {kind} "
                                   f"expects {F}")
        self.n_features = affine.n_in if affine is not None else F
        spread = self.examples.max(axis=0) - self.examples.min(axis=0) if len(self.examples) else np.zeros(F)
        problem = float32_scale_problem(spread, 2 if self.metric == "euclidean" else 1)
        if problem:
            raise UnsupportedError(f"{kind}: {problem}; rescale the features (a StandardScaler in a Pipeline is "
                                   "applied on the device before the distances)")
        if self.task == "classifier":
            self.classes_ = np.asarray(est.classes_)
            if len(self.classes_) > 64:
                raise UnsupportedError("more than 64 classes (EMML_NEIGHBORS_MAX_CLASSES)")
            self.n_outputs = len(self.classes_)
            self.entry_points = ("predict", "predict_proba")
        else:
            self.n_outputs = self.targets.shape[1]
            self.entry_points = ("regress",)
        if affine is not None:
            self.entry_points += ("transform",)
        self.method = "brute"
        self.options = {"k": self.k, "weights": self.weights, "metric": self.metric}
        if affine is not None:
            self.options["preprocess"] = "+".join(affine.steps)
        data = [self.examples, self.labels if self.task == "classifier" else self.targets]
        self.source_digest = model_digest("neighbors", data, (kind, self.k, self.weights, self.metric))

    def generate(self, name: str) -> CSource:
        n, F = self.examples.shape
        O = self.n_outputs
        clf = self.task == "classifier"
        src = CSource(module="neighbors", headers=["neighbors", "linear", "mathf"])
        src.defines = [("N_FEATURES", str(self.n_features)), ("N_OUTPUTS", str(O)), ("N_EXAMPLES", str(n)),
                       ("MODEL_FEATURES", str(F)), ("K", str(self.k))]
        if clf:
            src.defines.append(("N_CLASSES", str(O)))
        pre_lines: list[str] = []
        xin, stack = "x", 4 * O + 8 * MAX_K
        if self.preprocess is not None:
            arrs, pre_lines, extra = self.preprocess.c_prelude(name)
            src.arrays += arrs
            stack += extra
            xin = "z"
        src.arrays.append(CArray("x", "float", self.examples, f"{n} examples x {F} features", 6))
        if clf:
            src.arrays.append(CArray("labels", "uint16_t", self.labels, f"{n} class indices", 16))
        else:
            src.arrays.append(CArray("targets", "float", self.targets, f"{n} x {O} targets", 6))
        fields = [("n_features", f"{F}u"), ("n_outputs", f"{O}u"), ("k", f"{self.k}u"),
                  ("task", "EMML_NEIGHBORS_CLASSIFY" if clf else "EMML_NEIGHBORS_REGRESS"),
                  ("weights", "EMML_NEIGHBORS_UNIFORM" if self.weights == "uniform" else "EMML_NEIGHBORS_DISTANCE"),
                  ("metric", METRICS[self.metric]), ("n_base", f"{n}u"), ("base_x", f"{name}_x"),
                  ("base_label", f"{name}_labels" if clf else "0"),
                  ("base_target", "0" if clf else f"{name}_targets")]
        src.structs.append(("emml_neighbors_model_t", f"{name}_model", fields, True))
        src.structs.append(("emml_neighbors_t", f"{name}_nn",
                            [("model", f"&{name}_model"), ("x", "0"), ("label", "0"), ("target", "0"),
                             ("capacity", "0u"), ("count", "0u"), ("next", "0u"), ("flags", "0u")], False))
        src.helpers.append(f"#if EMML_NEIGHBORS_MAX_K < {self.k}\n#error \"{name}: k = {self.k} needs "
                           f"EMML_NEIGHBORS_MAX_K >= {self.k}\"\n#endif")
        src.declarations.append(f"/* The model, for emml_neighbors_init() with a buffer of examples added at run time\n"
                                f" * (they must be in model space: {F} features"
                                + (f", after {name}_transform" if self.preprocess is not None else "") + "). */\n"
                                f"extern const emml_neighbors_model_t {name}_model;")
        what = {"KNeighborsClassifier": f"{self.k}-NN classifier", "KNeighborsRegressor": f"{self.k}-NN regressor",
                "NearestCentroid": "nearest centroid (1-NN over the class centroids)"}[self.estimator_name]
        src.summary = [f"{self.estimator_name}: {what}, {self.weights} weights, {self.metric} distance,",
                       f"{n} examples x {F} features in flash ({4 * n * F + (2 * n if clf else 4 * n * O)} bytes)."]
        if self.preprocess is not None:
            src.summary.append(f"Preprocessing applied in the entry points: {self.preprocess.describe()}.")
        src.stack_bytes = stack
        Fi = self.n_features
        if clf:
            sig = SIG_PRED.format(fn=f"{name}_predict", xt="float")
            src.functions.append(function(sig, [*head_checks(Fi, pred=True), *pre_lines,
                                                f"    return emml_neighbors_predict(&{name}_nn, {xin});"]))
            src.declarations.append(sig + ";")
            src.docs.append(f"{name}_predict: class index 0..{O - 1}")
        entry = "predict_proba" if clf else "regress"
        sig = SIG_ROWS.format(fn=f"{name}_{entry}", xt="float", ot="float")
        src.functions.append(function(sig, [*head_checks(Fi), *out_checks(O), *pre_lines,
                                            f"    return emml_neighbors_scores(&{name}_nn, {xin}, out);"]))
        src.declarations.append(sig + ";")
        src.docs.append(f"{name}_{entry}: " + ("class probabilities (normalised vote weights)" if clf
                                                else f"{O} predicted value(s)"))
        if self.preprocess is not None:
            sig = SIG_ROWS.format(fn=f"{name}_transform", xt="float", ot="float")
            src.functions.append(function(sig, [*head_checks(Fi), *out_checks(F), *pre_lines, "    int32_t i;",
                                                f"    for (i = 0; i < {F}; i++)", "        out[i] = z[i];",
                                                "    return EMML_OK;"]))
            src.declarations.append(sig + ";")
            src.docs.append(f"{name}_transform: the preprocessing alone ({F} model-space features into out)")
        return src

    def transform(self, X: Any) -> np.ndarray:
        self._require("transform")
        return self._rows("transform", X, self.examples.shape[1])


def convert(estimator: Any, method: str = "auto", dtype: str = "float32", X_calibration: Any = None,
            input_scale: Any = None) -> NeighborsModel:
    """Convert a fitted KNeighborsClassifier / KNeighborsRegressor /
    NearestCentroid (or a Pipeline of foldable preprocessing ending in one).

    dtype: "float32", or "int8" / "int16" for the classifiers (integer
    examples and distances, see :mod:`emml.neighbors.quantized`; the scale
    comes from the training examples, widened by X_calibration if given, or
    from input_scale: one value for every feature)."""
    if method not in ("auto", "brute"):
        raise UnsupportedError(f"method={method!r} is not supported for nearest neighbours; use 'auto' (exact "
                               "brute-force search)")
    affine, est = preprocess.split(estimator)
    if dtype == "float32":
        if X_calibration is not None or input_scale is not None:
            raise UnsupportedError("X_calibration / input_scale are for dtype='int8' or 'int16'")
        return NeighborsModel(est, affine)
    if dtype not in ("int8", "int16"):
        raise UnsupportedError(f"dtype={dtype!r} is not supported for nearest neighbours; use 'float32', 'int16' "
                               "or 'int8'")
    from emml.neighbors.quantized import QuantizedNeighborsModel

    return QuantizedNeighborsModel(est, affine, dtype, X_calibration=X_calibration, input_scale=input_scale)
