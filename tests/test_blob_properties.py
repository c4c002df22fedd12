"""Property tests (hypothesis, fixed seed): for any small data set and tree
shape, the blob loader answers as scikit-learn, and the converted C (the
integer-quantized path included) answers as the blob."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.tree import DecisionTreeClassifier

import emml
from emml import blob

FAST = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def datasets(draw, integer=False):
    n_features = draw(st.integers(1, 6))
    n_rows = draw(st.integers(8, 60))
    if integer:
        elements = st.integers(-128, 127).map(float)
    else:
        elements = st.floats(-1e6, 1e6, allow_nan=False, width=32) | st.sampled_from([0.0, -0.0, 1.0, 1e-30])
    X = draw(arrays(np.float32, (n_rows, n_features), elements=elements))
    n_classes = draw(st.integers(2, 5))
    y = draw(arrays(np.int64, n_rows, elements=st.integers(0, n_classes - 1)))
    return X, y


@FAST
@given(data=datasets(), depth=st.integers(1, 8), trees=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_blob_classifier_matches_scikit_learn(data, depth, trees, seed):
    X, y = data
    est = RandomForestClassifier(trees, max_depth=depth, random_state=seed).fit(X, y)
    b = blob.Blob(blob.encode(est))
    np.testing.assert_array_equal(est.classes_[b.predict(X)], est.predict(X))
    np.testing.assert_allclose(b.predict_proba(X), est.predict_proba(X), atol=1e-6)


@FAST
@given(data=datasets(), depth=st.integers(1, 8), seed=st.integers(0, 2**16))
def test_blob_regressor_matches_scikit_learn(data, depth, seed):
    X, y = data
    target = X[:, 0].astype(np.float64) * 0.5 + y
    est = RandomForestRegressor(2, max_depth=depth, random_state=seed).fit(X, target)
    b = blob.Blob(blob.encode(est))
    np.testing.assert_allclose(b.regress(X), est.predict(X), rtol=1e-5, atol=1e-3)


@SLOW
@given(data=datasets(integer=True), depth=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_int8_converted_tree_equals_scikit_learn_on_integer_inputs(data, depth, seed):
    """Integer-valued features: the int8 quantizer is the identity and each
    threshold t becomes floor(t), so q <= floor(t) is x <= t exactly."""
    X, y = data
    est = DecisionTreeClassifier(max_depth=depth, random_state=seed).fit(X, y)
    model = emml.convert(est, dtype="int8", X_calibration=X)
    np.testing.assert_array_equal(model.predict(X), est.predict(X))
    np.testing.assert_array_equal(model.predict(X), est.classes_[blob.Blob(blob.encode(est)).predict(X)])
