"""Regression tests for converter defects found by differential checks on
random models (issue 22's list): each case predicted differently from its
framework, or failed emml's own strict build, before its fix."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.ensemble import GradientBoostingClassifier, IsolationForest
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import emml
from emml import UnsupportedError


def _adjacent_float32(start: float, n: int = 4) -> np.ndarray:
    v = [np.float32(start)]
    for _ in range(n - 1):
        v.append(np.nextafter(v[-1], np.float32(np.inf)))
    return np.array(v, np.float32).reshape(-1, 1)


@pytest.mark.parametrize("method", ["table", "inline"])
@pytest.mark.parametrize("split_at", [1, 3])
def test_quantized_threshold_is_never_above_scikit_learns(method, split_at):
    """(1) and (3): the threshold went to the nearest float32 (sometimes above
    t, ~10,700 int16 steps away at this scale), and at the calibration
    maximum the inline form wrote an always-false compare gcc rejected."""
    x = _adjacent_float32(73297.1953125)
    y = (x[:, 0] >= x[split_at, 0]).astype(int)
    tree = DecisionTreeClassifier(max_depth=1).fit(x, y)
    model = emml.convert(tree, dtype="int16", X_calibration=x, method=method)
    assert model.predict(x).tolist() == tree.predict(x).tolist()


def test_affine_quantizer_keeps_precision_far_from_zero():
    """(2): x * inv_scale + zero cancelled in float32 for a feature around 103
    (the two middle values are 2.6 int16 steps apart; with int8 they share a
    step, where the documented one-step tolerance applies)."""
    x = np.array([103.51297, 103.65914917, 103.65917206, 104.08004], np.float32).reshape(-1, 1)
    tree = DecisionTreeClassifier(max_depth=1).fit(x, [0, 0, 1, 1])
    model = emml.convert(tree, dtype="int16", X_calibration=x)
    assert model.predict(x).tolist() == [0, 0, 1, 1]


def test_quantized_tree_whose_splits_are_all_constant_still_builds():
    """(3): a tree whose every compare has a constant outcome left x unused: -Werror stopped the build."""
    x = np.array([[0.0], [40000.0], [50000.0]], np.float32)  # beyond int16: saturates, as documented
    tree = DecisionTreeClassifier(max_depth=1).fit(x, [0, 0, 1])
    model = emml.convert(tree, dtype="int16", method="inline")
    assert "(void)x;" in model.sources("m")["m.c"]
    assert model.predict(x[:2]).tolist() == [0, 0]


def test_isolation_forest_boundary_is_an_inlier():
    """(4): scikit-learn calls decision_function == 0 an inlier."""
    X = np.ones((100, 2))
    est = IsolationForest(n_estimators=5, contamination=0.1, random_state=0).fit(X)
    model = emml.convert(est)
    assert est.predict(X).tolist() == [1] * 100
    assert model.predict(X).tolist() == [1] * 100
    rng = np.random.default_rng(0)
    X2 = rng.normal(size=(300, 3))
    est2 = IsolationForest(n_estimators=20, contamination=0.1, random_state=0).fit(X2)
    assert (emml.convert(est2).predict(X2) == est2.predict(X2)).all()


def test_gradient_boosting_exponential_loss_probabilities():
    """(5): the exponential loss's probability is expit(2 raw), not expit(raw)."""
    X, y = load_breast_cancer(return_X_y=True)
    est = GradientBoostingClassifier(loss="exponential", n_estimators=30, random_state=0).fit(X, y)
    model = emml.convert(est)
    assert (model.predict(X) == est.predict(X)).all()
    np.testing.assert_allclose(model.predict_proba(X), est.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("scale", [1e30, 1e-30])
@pytest.mark.parametrize("make", [GaussianNB, lambda: KNeighborsClassifier(3), lambda: KNeighborsRegressor(3)],
                         ids=["GaussianNB", "KNeighborsClassifier", "KNeighborsRegressor"])
def test_float32_overflow_and_underflow_are_refused_at_convert(scale, make):
    """(6): such models converted into silent disagreement (36-57% agreement)."""
    X, y = load_iris(return_X_y=True)
    est = make().fit(X * scale, y)
    with pytest.raises(UnsupportedError, match=r"feature \d+ .*(overflow|underflow|outside float32).*rescale"):
        emml.convert(est)
    # the remedy the message names works: a scaler applied on the device first
    pipe = make_pipeline(StandardScaler(), make()).fit(X * scale, y)
    model = emml.convert(pipe)
    Xs = (X * scale).astype(np.float32)
    got = model.predict(Xs) if hasattr(pipe, "classes_") else model.regress(Xs)
    if hasattr(pipe, "classes_"):
        assert (got == pipe.predict(Xs)).mean() >= 0.99
    else:
        np.testing.assert_allclose(got, pipe.predict(Xs), rtol=1e-4, atol=1e-4)
