"""Differential fuzzing of the tree converters (hypothesis, fixed seed): random
ensembles of every tree family, fitted on data with adversarial columns
(constant, integer-valued, duplicated values, float32 neighbours, a wide
dynamic range), converted with random options, and compared with
scikit-learn on the training rows and on rows just either side of every
threshold. Floats: classes and values exactly as scikit-learn's (float32
rounding of probabilities). Affine-quantized inputs: a row may differ only
where one of its features lies within one quantization step above a
threshold of that feature (the documented tolerance).

EMML_FUZZ_EXAMPLES sets the examples per property (default 10 in the test
suite; a long run sets thousands)."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.ensemble import (ExtraTreesClassifier, GradientBoostingClassifier, GradientBoostingRegressor,
                              HistGradientBoostingClassifier, IsolationForest, RandomForestClassifier,
                              RandomForestRegressor)
from sklearn.tree import DecisionTreeClassifier

import emml

EXAMPLES = int(os.environ.get("EMML_FUZZ_EXAMPLES", "10"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def adversarial_data(draw, n_classes_max: int = 4):
    """(X float32, y): each column one of several awkward kinds."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_rows, n_cols = draw(st.integers(12, 80)), draw(st.integers(1, 5))
    cols = []
    for _ in range(n_cols):
        kind = draw(st.sampled_from(["normal", "constant", "integer", "ties", "neighbours", "wide", "offset"]))
        if kind == "normal":
            c = rng.normal(0, 1, n_rows)
        elif kind == "constant":
            c = np.full(n_rows, rng.normal())
        elif kind == "integer":
            c = rng.integers(-300, 300, n_rows).astype(float)
        elif kind == "ties":
            c = rng.choice(rng.normal(0, 5, 3), n_rows)
        elif kind == "neighbours":  # adjacent float32 values: thresholds between them
            start = np.float32(rng.uniform(-1e5, 1e5))
            steps = [start]
            for _ in range(5):
                steps.append(np.nextafter(steps[-1], np.float32(np.inf)))
            c = rng.choice(np.array(steps, np.float64), n_rows)
        elif kind == "wide":
            c = rng.choice([-1, 1], n_rows) * 10.0 ** rng.uniform(-20, 20, n_rows)
        else:  # a large offset with small differences
            c = 1e4 + rng.normal(0, 1e-2, n_rows)
        cols.append(c)
    X = np.column_stack(cols).astype(np.float32)
    n_classes = draw(st.integers(2, n_classes_max))
    y = rng.integers(0, n_classes, n_rows)
    y[:n_classes] = np.arange(n_classes)  # every class present
    return X, y


def probe_rows(est, X: np.ndarray) -> np.ndarray:
    """The rows plus, per threshold, the float32 values at and just above it."""
    rows = [X]
    thresholds = []
    for t in getattr(est, "estimators_", [est]):
        for tt in np.ravel(t):
            tree = getattr(tt, "tree_", None)
            if tree is not None:
                thresholds += [(f, th) for f, th in zip(tree.feature, tree.threshold) if f >= 0]
    for f, th in thresholds[:40]:
        at = np.float32(th)
        for v in (at, np.nextafter(at, np.float32(-np.inf)), np.nextafter(at, np.float32(np.inf))):
            r = X[:1].copy()
            r[0, f] = v
            rows.append(r)
    return np.concatenate(rows)


@FUZZ
@given(data=adversarial_data(), kind=st.sampled_from(["tree", "forest", "extra"]), depth=st.integers(1, 8),
       method=st.sampled_from(["auto", "table", "inline"]), layout=st.sampled_from(["fast", "packed"]),
       leaves=st.sampled_from(["float32", "uint8"]), seed=st.integers(0, 1000))
def test_forest_classifiers_answer_as_scikit_learn(data, kind, depth, method, layout, leaves, seed):
    X, y = data
    make = {"tree": lambda: DecisionTreeClassifier(max_depth=depth, random_state=seed),
            "forest": lambda: RandomForestClassifier(3, max_depth=depth, random_state=seed),
            "extra": lambda: ExtraTreesClassifier(3, max_depth=depth, random_state=seed)}[kind]
    est = make().fit(X, y)
    options = {"method": method}
    if method == "table" and layout == "packed":
        options["layout"] = "packed"
    if leaves == "uint8" and kind != "tree":
        options["leaf_values"] = "uint8"
    model = emml.convert(est, **options)
    P = probe_rows(est, X)
    assert (model.predict(P) == est.predict(P)).all()
    if "leaf_values" not in options:
        np.testing.assert_allclose(model.predict_proba(P), est.predict_proba(P), atol=1e-6)


@FUZZ
@given(data=adversarial_data(n_classes_max=3), loss=st.sampled_from(["log_loss", "exponential"]),
       depth=st.integers(1, 4), seed=st.integers(0, 1000))
def test_gradient_boosting_classifiers_answer_as_scikit_learn(data, loss, depth, seed):
    X, y = data
    if loss == "exponential":
        y = (y > 0).astype(int)
    est = GradientBoostingClassifier(loss=loss, n_estimators=8, max_depth=depth, random_state=seed).fit(X, y)
    model = emml.convert(est)
    P = probe_rows(est, X)
    raw = est.decision_function(P)
    clear = np.abs(raw) > 1e-5 if raw.ndim == 1 else np.ones(len(P), bool)  # float32 sums decide near-ties
    assert (model.predict(P)[clear] == est.predict(P)[clear]).all()
    np.testing.assert_allclose(model.predict_proba(P), est.predict_proba(P), atol=1e-5)


@FUZZ
@given(data=adversarial_data(), kind=st.sampled_from(["forest", "boosting"]), seed=st.integers(0, 1000))
def test_tree_regressors_answer_as_scikit_learn(data, kind, seed):
    X, _ = data
    y = np.random.default_rng(seed).normal(0, 100, len(X))
    est = (RandomForestRegressor(3, max_depth=6, random_state=seed) if kind == "forest" else
           GradientBoostingRegressor(n_estimators=8, max_depth=3, random_state=seed)).fit(X, y)
    model = emml.convert(est)
    P = probe_rows(est, X)
    want = est.predict(P)
    np.testing.assert_allclose(model.regress(P), want, rtol=1e-5, atol=1e-3 * (1 + np.abs(want).max()))


@FUZZ
@given(data=adversarial_data(), contamination=st.sampled_from(["auto", 0.05, 0.2]), seed=st.integers(0, 1000))
def test_isolation_forests_answer_as_scikit_learn(data, contamination, seed):
    X, _ = data
    est = IsolationForest(n_estimators=6, contamination=contamination, random_state=seed).fit(X)
    model = emml.convert(est)
    score = est.score_samples(X)
    clear = np.abs(score - est.offset_) > 1e-5  # float32 depth sums decide near-ties
    assert (model.predict(X)[clear] == est.predict(X)[clear]).all()
    np.testing.assert_allclose(model.score_samples(X), score, atol=1e-5)


@FUZZ
@given(data=adversarial_data(), seed=st.integers(0, 1000))
def test_histogram_boosting_with_missing_values(data, seed):
    X, y = data
    X = X.copy()
    rng = np.random.default_rng(seed)
    X[rng.random(X.shape) < 0.15] = np.nan
    est = HistGradientBoostingClassifier(max_iter=6, max_depth=3, random_state=seed).fit(X, y)
    model = emml.convert(est, allow_nan=True)
    proba = est.predict_proba(X)
    top2 = np.sort(proba, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 1e-5
    assert (model.predict(X)[clear] == est.predict(X)[clear]).all()


@FUZZ
@given(data=adversarial_data(), depth=st.integers(1, 8), dtype=st.sampled_from(["int16", "int8", "uint8"]),
       method=st.sampled_from(["table", "inline"]), seed=st.integers(0, 1000))
def test_quantized_trees_differ_only_within_one_step_above_a_threshold(data, depth, dtype, method, seed):
    X, y = data
    finite = np.abs(X).max(axis=0) < 1e15  # columns whose range float64 spans fit the quantizer's float32 scale
    X = X[:, finite] if finite.any() else X[:, :1] * 0
    est = DecisionTreeClassifier(max_depth=depth, random_state=seed).fit(X, y)
    model = emml.convert(est, dtype=dtype, X_calibration=X, method=method)
    got, want = model.predict(X), est.predict(X)
    bad = np.flatnonzero(got != want)
    if len(bad) == 0:
        return
    q = model.quantizer
    assert not q.integer
    step = 1.0 / q.inv_scale.astype(np.float64)
    tree = est.tree_
    node_f, node_t = tree.feature[tree.feature >= 0], tree.threshold[tree.feature >= 0]
    for r in bad:
        above = X[r, node_f].astype(np.float64) - node_t
        assert np.any((above > 0) & (above <= step[node_f] * (1 + 1e-6))), (
            f"row {r} differs with no feature within one step above a threshold")
