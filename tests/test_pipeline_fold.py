"""Pipeline folding (emml.preprocess): scalers and PCA fold into linear
weights (and GaussianNB's means/variances) exactly in float64; other families
apply them in front of the model; the result is one C entry point."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_wine
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (MaxAbsScaler, MinMaxScaler, PolynomialFeatures, RobustScaler, StandardScaler)
from sklearn.svm import SVC

import emml
from emml import preprocess
from emml.model import UnsupportedError

STEPS = {
    "standard": lambda: [StandardScaler()],
    "minmax": lambda: [MinMaxScaler()],
    "maxabs": lambda: [MaxAbsScaler()],
    "robust": lambda: [RobustScaler()],
    "pca": lambda: [StandardScaler(), PCA(6)],
    "pca_whiten": lambda: [MinMaxScaler(), PCA(5, whiten=True)],
    "chain": lambda: [RobustScaler(), StandardScaler(), MaxAbsScaler()],
}


@pytest.mark.parametrize("steps", STEPS)
def test_affine_equals_the_pipeline_transform(steps):
    X, y = load_wine(return_X_y=True)
    pipe = make_pipeline(*STEPS[steps](), LogisticRegression(max_iter=5000)).fit(X, y)
    affine, final = preprocess.split(pipe)
    assert final is pipe[-1]
    np.testing.assert_allclose(affine.apply(X), pipe[:-1].transform(X), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("steps", STEPS)
def test_folded_logistic_regression(steps):
    X, y = load_wine(return_X_y=True)
    pipe = make_pipeline(*STEPS[steps](), LogisticRegression(max_iter=5000)).fit(X, y)
    c = emml.convert(pipe)
    text = c.sources("m")["m.c"]
    assert text.count("int32_t m_predict(") == 1 and "pre_" not in text  # folded: no preprocessing arrays
    scores = pipe.decision_function(X)
    np.testing.assert_allclose(c.decision_function(X), scores, atol=1e-4 * (1 + np.abs(scores).max()))
    top = np.sort(scores, axis=1)
    tie = top[:, -1] - top[:, -2] <= 1e-5 * (1 + np.abs(scores).max(axis=1))
    assert ((c.predict(X) == pipe.predict(X)) | tie).all()
    np.testing.assert_allclose(c.predict_proba(X), pipe.predict_proba(X), atol=2e-5)


def test_folded_regressor_and_quantized():
    X, y = load_diabetes(return_X_y=True)
    X = X * 100 + 50
    pipe = make_pipeline(StandardScaler(), PCA(8), Ridge()).fit(X, y)
    c = emml.convert(pipe)
    np.testing.assert_allclose(c.predict(X), pipe.predict(X), rtol=1e-5, atol=1e-3)
    q = emml.convert(pipe, dtype="int16", X_calibration=X)
    np.testing.assert_array_equal(q.predict_int(q.quantize_reference(X)), q.predict_reference(q.quantize_reference(X)))
    assert np.abs(q.predict(X) - pipe.predict(X)).max() < 0.01 * np.abs(y).max()


def test_gaussian_nb_folds_diagonal_and_prepends_pca():
    X, y = load_wine(return_X_y=True)
    diag = make_pipeline(StandardScaler(), GaussianNB()).fit(X, y)
    c = emml.convert(diag)
    assert "pre_scale" not in c.sources("m")["m.c"]
    assert (c.predict(X) == diag.predict(X)).all()
    np.testing.assert_allclose(c.predict_proba(X), diag.predict_proba(X), atol=1e-5)
    pca = make_pipeline(StandardScaler(), PCA(4), GaussianNB()).fit(X, y)
    c = emml.convert(pca)
    assert "pre_matrix" in c.sources("m")["m.c"]
    assert (c.predict(X) == pca.predict(X)).all()


@pytest.mark.parametrize("model", [lambda: SVC(), lambda: KNeighborsClassifier(3)])
def test_prelude_for_distance_models(model):
    X, y = load_wine(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), model()).fit(X, y)
    c = emml.convert(pipe)
    assert "pre_scale" in c.sources("m")["m.c"]
    assert (c.predict(X) == pipe.predict(X)).mean() > 0.99


def test_non_foldable_step_is_named():
    X, y = load_wine(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), PolynomialFeatures(2), LogisticRegression(max_iter=100)).fit(X, y)
    with pytest.raises(UnsupportedError, match=r"PolynomialFeatures cannot be folded.*StandardScaler"):
        emml.convert(pipe)
    clip = make_pipeline(MinMaxScaler(clip=True), LogisticRegression(max_iter=100)).fit(X, y)
    with pytest.raises(UnsupportedError, match="clip=True"):
        emml.convert(clip)
