"""Read fitted scikit-learn tree ensembles into one neutral form.

Every supported estimator becomes an :class:`Ensemble`: a list of binary
trees (float64 thresholds, ``x <= t`` goes left, a NaN goes where
``nan_left`` says) whose leaves carry rows of float64 values, plus how the
rows are summed (``kind``) and turned into outputs (``post``). The encoders
and code generators only ever see this form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emml.model import UnsupportedError


@dataclass
class Tree:
    feature: np.ndarray  # int64 per node; -1 marks a leaf
    threshold: np.ndarray  # float64 per node
    left: np.ndarray  # int64 child index per node (-1 for leaves)
    right: np.ndarray
    nan_left: np.ndarray  # bool per node
    values: np.ndarray  # float64 (n_nodes, width): leaf rows (rows of decision nodes unused)
    output: int = 0  # first accumulator this tree adds to

    @property
    def n_nodes(self) -> int:
        return len(self.feature)

    @property
    def n_decision(self) -> int:
        return int(np.count_nonzero(self.feature >= 0))


@dataclass
class Ensemble:
    estimator: str  # class name, for messages and comments
    trees: list[Tree]
    n_features: int
    kind: str  # "proba": per-tree class probabilities summed; "sum": float rows summed
    n_outputs: int  # accumulator width
    row_width: int  # values per leaf row
    post: str  # mean_proba | mean | sum | logistic | softmax | isolation
    base: np.ndarray  # float64 (n_outputs,) initial accumulator for "sum" kinds
    classes: np.ndarray | None = None  # multi-output classifiers: a list, one array per output
    task: str = "classifier"  # classifier | regressor | outlier
    allow_nan: bool = False
    params: dict[str, Any] = field(default_factory=dict)  # post-processing constants
    # multi-output classifiers: classes per output; the accumulator (and each
    # leaf row) is the per-output probability rows one after another
    class_counts: tuple[int, ...] = ()

    @property
    def multi_output(self) -> bool:
        return len(self.class_counts) > 1

    @property
    def n_trees(self) -> int:
        return len(self.trees)

    @property
    def n_decision(self) -> int:
        return sum(t.n_decision for t in self.trees)

    def isolation_limit(self) -> np.float32 | None:
        """IsolationForest: the float32 depth sum L with "inlier iff acc >= L",
        or None when every sample is an outlier (offset_ >= 0).

        scikit-learn calls a sample an outlier iff score_samples < offset_,
        score = -2^(-depth_sum / denominator), i.e. depth_sum < -denominator *
        log2(-offset_). The device sums float32 depths, which can land a few
        ulps from scikit-learn's float64 sum; a sample scoring exactly offset_
        (a training row that set the contamination percentile) must stay an
        inlier, so L sits below the limit by the summation's rounding bound."""
        den, offset = float(self.params["denominator"]), float(self.params["offset"])
        if offset >= 0:
            return None
        limit = -den * float(np.log2(-offset))
        slack = (self.n_trees + 1) * float(np.spacing(np.float32(abs(limit) or 1.0)))
        return np.float32(float32_floor(np.array([limit - slack]))[0])


def float32_floor(t: np.ndarray) -> np.ndarray:
    """Largest float32 <= each float64 threshold, with -0.0 made +0.0.

    For a float32 x, ``x <= t`` (compared in float64, as scikit-learn does)
    equals ``x <= float32_floor(t)``."""
    t = np.asarray(t, dtype=np.float64)
    f = t.astype(np.float32)
    over = f.astype(np.float64) > t
    f[over] = np.nextafter(f[over], np.float32(-np.inf))
    f[f == 0] = np.float32(0.0)
    return f


def _sk_tree(tree_: Any, values: np.ndarray, feature_map: np.ndarray | None = None, output: int = 0) -> Tree:
    feature = tree_.feature.astype(np.int64).copy()
    left = tree_.children_left.astype(np.int64)
    leaf = left < 0
    feature[leaf] = -1
    if feature_map is not None:
        feature[~leaf] = np.asarray(feature_map)[feature[~leaf]]
    nan_left = getattr(tree_, "missing_go_to_left", None)
    nan_left = np.zeros(len(feature), bool) if nan_left is None else np.asarray(nan_left).astype(bool)
    return Tree(
        feature=feature,
        threshold=tree_.threshold.astype(np.float64),
        left=left,
        right=tree_.children_right.astype(np.int64),
        nan_left=nan_left,
        values=np.asarray(values, dtype=np.float64).reshape(len(feature), -1),
        output=output,
    )


def _classifier_rows(tree_: Any, class_counts: list[int]) -> np.ndarray:
    """Per-node class probabilities exactly as DecisionTreeClassifier.predict_proba
    computes them (each output's value normalized by its sum, in float64),
    the outputs' rows one after another."""
    rows = []
    for k, n in enumerate(class_counts):
        v = tree_.value[:, k, :n].astype(np.float64)
        norm = v.sum(axis=1)[:, None]
        norm[norm == 0.0] = 1.0
        rows.append(v / norm)
    return np.concatenate(rows, axis=1)


def from_forest_classifier(est: Any, allow_nan: bool) -> Ensemble:
    trees = [est] if hasattr(est, "tree_") else list(est.estimators_)
    multi = int(getattr(est, "n_outputs_", 1)) > 1
    classes = [np.asarray(c) for c in est.classes_] if multi else [np.asarray(est.classes_)]
    counts = [len(c) for c in classes]
    n = sum(counts)
    return Ensemble(
        estimator=type(est).__name__,
        trees=[_sk_tree(t.tree_, _classifier_rows(t.tree_, counts)) for t in trees],
        n_features=int(est.n_features_in_),
        kind="proba",
        n_outputs=n,
        row_width=n,
        post="mean_proba",
        base=np.zeros(n),
        classes=classes if multi else classes[0],
        allow_nan=allow_nan,
        class_counts=tuple(counts) if multi else (),
    )


def from_forest_regressor(est: Any, allow_nan: bool) -> Ensemble:
    trees = [est] if hasattr(est, "tree_") else list(est.estimators_)
    n_out = int(getattr(est, "n_outputs_", 1))
    return Ensemble(
        estimator=type(est).__name__,
        trees=[_sk_tree(t.tree_, t.tree_.value[:, :, 0]) for t in trees],
        n_features=int(est.n_features_in_),
        kind="sum",
        n_outputs=n_out,
        row_width=n_out,
        post="mean",
        base=np.zeros(n_out),
        task="regressor",
        allow_nan=allow_nan,
    )


def _gb_init(est: Any) -> np.ndarray:
    init = est.init_
    if not (init == "zero" or type(init).__name__ in ("DummyClassifier", "DummyRegressor")):
        raise UnsupportedError(
            f"{type(est).__name__} with init={type(init).__name__}: only the default init "
            "(or init='zero') is supported; its prediction must be a constant"
        )
    raw = est._raw_predict_init(np.zeros((1, est.n_features_in_), dtype=np.float32))
    return np.asarray(raw, dtype=np.float64).reshape(-1)


def from_gradient_boosting(est: Any, allow_nan: bool) -> Ensemble:
    is_clf = hasattr(est, "classes_")
    stages = est.estimators_  # (n_stages, K) of DecisionTreeRegressor
    K = stages.shape[1]
    # the exponential loss's probability is expit(2 raw): doubling every term
    # (exact in floating point) lets the logistic post-processing serve it
    twice = 2.0 if is_clf and getattr(est, "loss", "log_loss") == "exponential" else 1.0
    lr = float(est.learning_rate) * twice
    trees = [
        _sk_tree(stages[i, k].tree_, lr * stages[i, k].tree_.value[:, 0, 0], output=k)
        for i in range(stages.shape[0])
        for k in range(K)
    ]
    if is_clf:
        post = "logistic" if K == 1 else "softmax"
        params = {"binary_ge": True}
    else:
        post, params = "sum", {}
    return Ensemble(
        estimator=type(est).__name__,
        trees=trees,
        n_features=int(est.n_features_in_),
        kind="sum",
        n_outputs=K,
        row_width=1,
        post=post,
        base=_gb_init(est) * twice,
        classes=np.asarray(est.classes_) if is_clf else None,
        task="classifier" if is_clf else "regressor",
        allow_nan=allow_nan,
        params=params,
    )


def _hgb_tree(pred: Any, output: int) -> Tree:
    nodes = pred.nodes
    if np.any(nodes["is_categorical"]):
        raise UnsupportedError(
            "HistGradientBoosting with categorical splits is not supported; one-hot or "
            "ordinal-encode the categorical features before training (categorical_features=None)"
        )
    leaf = nodes["is_leaf"].astype(bool)
    feature = nodes["feature_idx"].astype(np.int64)
    feature[leaf] = -1
    left = nodes["left"].astype(np.int64)
    right = nodes["right"].astype(np.int64)
    left[leaf] = -1
    right[leaf] = -1
    return Tree(
        feature=feature,
        threshold=nodes["num_threshold"].astype(np.float64),
        left=left,
        right=right,
        nan_left=nodes["missing_go_to_left"].astype(bool),
        values=nodes["value"].astype(np.float64).reshape(-1, 1),
        output=output,
    )


def from_hist_gradient_boosting(est: Any, allow_nan: bool) -> Ensemble:
    is_clf = hasattr(est, "classes_")
    preds = est._predictors
    K = len(preds[0])
    trees = [_hgb_tree(p[k], k) for p in preds for k in range(K)]
    if is_clf:
        post = "logistic" if K == 1 else "softmax"
    else:
        post = "sum"
        loss = getattr(est, "loss", "squared_error")
        if loss not in ("squared_error", "absolute_error", "quantile"):
            raise UnsupportedError(
                f"HistGradientBoostingRegressor(loss={loss!r}) needs an inverse link; "
                "only identity-link losses (squared_error, absolute_error, quantile) are supported"
            )
    return Ensemble(
        estimator=type(est).__name__,
        trees=trees,
        n_features=int(est.n_features_in_),
        kind="sum",
        n_outputs=K,
        row_width=1,
        post=post,
        base=np.asarray(est._baseline_prediction, dtype=np.float64).reshape(-1),
        classes=np.asarray(est.classes_) if is_clf else None,
        task="classifier" if is_clf else "regressor",
        allow_nan=True,
        params={"binary_ge": False},
    )


def from_isolation_forest(est: Any, allow_nan: bool) -> Ensemble:
    from sklearn.ensemble._iforest import _average_path_length

    trees = []
    for i, (t, feats) in enumerate(zip(est.estimators_, est.estimators_features_)):
        depth_plus = est._decision_path_lengths[i] + est._average_path_length_per_tree[i] - 1.0
        trees.append(_sk_tree(t.tree_, depth_plus, feature_map=feats))
    denom = float(len(est.estimators_) * _average_path_length([est._max_samples])[0])
    return Ensemble(
        estimator=type(est).__name__,
        trees=trees,
        n_features=int(est.n_features_in_),
        kind="sum",
        n_outputs=1,
        row_width=1,
        post="isolation",
        base=np.zeros(1),
        classes=np.array([-1, 1]),
        task="outlier",
        allow_nan=allow_nan,
        params={"denominator": denom, "offset": float(est.offset_)},
    )


_READERS = {
    "DecisionTreeClassifier": from_forest_classifier,
    "ExtraTreeClassifier": from_forest_classifier,
    "RandomForestClassifier": from_forest_classifier,
    "ExtraTreesClassifier": from_forest_classifier,
    "DecisionTreeRegressor": from_forest_regressor,
    "ExtraTreeRegressor": from_forest_regressor,
    "RandomForestRegressor": from_forest_regressor,
    "ExtraTreesRegressor": from_forest_regressor,
    "GradientBoostingClassifier": from_gradient_boosting,
    "GradientBoostingRegressor": from_gradient_boosting,
    "HistGradientBoostingClassifier": from_hist_gradient_boosting,
    "HistGradientBoostingRegressor": from_hist_gradient_boosting,
    "IsolationForest": from_isolation_forest,
}

SUPPORTED = tuple(sorted(_READERS))


def supports(estimator: Any) -> bool:
    return type(estimator).__name__ in _READERS


def read(estimator: Any, allow_nan: bool = False) -> Ensemble:
    name = type(estimator).__name__
    reader = _READERS.get(name)
    if reader is None:
        raise UnsupportedError(f"{name} is not a supported tree ensemble ({', '.join(SUPPORTED)})")
    if not hasattr(estimator, "n_features_in_"):
        raise UnsupportedError(f"{name} is not fitted; call fit() before converting it")
    return reader(estimator, allow_nan)
