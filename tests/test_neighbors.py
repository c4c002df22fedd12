"""Nearest neighbours: parity with scikit-learn (ties at the k-th neighbour
excluded: their order is unspecified in scikit-learn), NearestCentroid, and
the integer (int8 / int16) search bit-exact against its Python reference.
The run-time example buffers are tested in C (tests/host/test_classical*.c)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor, NearestCentroid
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import emml
from emml.model import UnsupportedError


def boundary_tie(Xtr, Xte, k, p):
    d = np.abs(Xte[:, None, :] - Xtr[None, :, :])
    d = (d**2).sum(-1) if p == 2 else d.sum(-1)
    s = np.sort(d, axis=1)
    return np.isclose(s[:, k - 1], s[:, k], rtol=1e-5) if k < len(Xtr) else np.zeros(len(Xte), bool)


def split():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X) + np.random.RandomState(0).normal(0, 1e-3, X.shape)
    return X[::2], y[::2], X[1::2], y[1::2]


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("k", [1, 5])
def test_knn_classifier(weights, p, k):
    Xtr, ytr, Xte, _ = split()
    est = KNeighborsClassifier(k, weights=weights, p=p).fit(Xtr, ytr)
    c = emml.convert(est)
    tie = boundary_tie(Xtr, Xte, k, p)
    assert ((c.predict(Xte) == est.predict(Xte)) | tie).all()
    ok = ~tie
    np.testing.assert_allclose(c.predict_proba(Xte)[ok], est.predict_proba(Xte)[ok], atol=1e-6)
    # a query equal to a training example: distance weights count only the zero distances
    np.testing.assert_allclose(c.predict_proba(Xtr[:5]), est.predict_proba(Xtr[:5]), atol=1e-6)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_knn_regressor(weights):
    Xtr, ytr, Xte, _ = split()
    t = np.c_[ytr * 1.5, ytr**2]
    est = KNeighborsRegressor(4, weights=weights).fit(Xtr, t)
    c = emml.convert(est)
    ok = ~boundary_tie(Xtr, Xte, 4, 2)
    np.testing.assert_allclose(c.predict(Xte)[ok], est.predict(Xte)[ok], rtol=1e-5, atol=1e-5)


def test_nearest_centroid():
    X, y = load_iris(return_X_y=True)
    for metric in ("euclidean", "manhattan"):
        est = NearestCentroid(metric=metric).fit(X, y)
        d = np.abs(X[:, None, :] - est.centroids_[None])
        d = np.sort((d**2).sum(-1) if metric == "euclidean" else d.sum(-1), axis=1)
        tie = np.isclose(d[:, 0], d[:, 1], rtol=1e-6)  # equidistant centroids (iris has two for manhattan)
        assert ((emml.convert(est).predict(X) == est.predict(X)) | tie).all()
    with pytest.raises(UnsupportedError, match="priors"):
        emml.convert(NearestCentroid(priors=[0.8, 0.1, 0.1]).fit(X, y))


def test_errors():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(UnsupportedError, match="minkowski p=3"):
        emml.convert(KNeighborsClassifier(p=3).fit(X, y))
    with pytest.raises(UnsupportedError, match="EMML_NEIGHBORS_MAX_K"):
        emml.convert(KNeighborsClassifier(40).fit(X, y))
    with pytest.raises(UnsupportedError, match="weights"):
        emml.convert(KNeighborsClassifier(weights=lambda d: d).fit(X, y))


# ---- integer examples (dtype int8 / int16) --------------------------------------------

QUANT_PIPES = {
    "raw": lambda: [],
    "standard": lambda: [StandardScaler()],  # folded into the quantizer
    "pca": lambda: [StandardScaler(), PCA(5)],  # float prelude, then quantize
}


@pytest.mark.parametrize("dtype", ["int8", "int16"])
@pytest.mark.parametrize("pre", QUANT_PIPES)
@pytest.mark.parametrize("est", [lambda: KNeighborsClassifier(5), lambda: KNeighborsClassifier(5, weights="distance"),
                                 lambda: KNeighborsClassifier(3, p=1, weights="distance"), lambda: NearestCentroid()],
                         ids=["uniform", "distance", "manhattan_distance", "centroid"])
def test_quantized_bit_exact(est, pre, dtype):
    """C quantizer, integer search and vote == the Python integer reference,
    bit for bit (classes and probabilities); agreement with scikit-learn reported."""
    X, y = load_wine(return_X_y=True)
    Xtr, ytr, Xte = X[::2], y[::2], X[1::2]
    pipe = make_pipeline(*QUANT_PIPES[pre](), est()).fit(Xtr, ytr)
    c = emml.convert(pipe, dtype=dtype)
    Xq = c.quantize_reference(Xte)
    np.testing.assert_array_equal(c.quantize(Xte), Xq)
    ref = c.predict_reference(Xq)
    np.testing.assert_array_equal(c.predict_int(Xq), ref)
    np.testing.assert_array_equal(c.predict(Xte), pipe.classes_[ref])
    np.testing.assert_array_equal(c.predict_proba(Xte), c.predict_reference(Xq, proba=True))
    agree = (c.predict(Xte) == pipe.predict(Xte)).mean()
    # int8 on raw wine features (ranges 0.1 .. 1680 share one scale) is the weak case
    assert agree >= (0.97 if dtype == "int16" else 0.95 if pre != "raw" else 0.8), agree


def test_quantized_flash_and_scale():
    X, y = load_iris(return_X_y=True)
    est = KNeighborsClassifier(3).fit(X, y)
    f32, q8 = emml.convert(est), emml.convert(est, dtype="int8")
    assert q8.data_bytes() < 0.4 * f32.data_bytes()  # 1 byte per feature instead of 4 (labels: 2 bytes each)
    assert q8.scale == pytest.approx(X.max() / 127, rel=1e-6)
    assert emml.convert(est, dtype="int8", input_scale=0.1).scale == pytest.approx(0.1, rel=1e-6)
    # int16 Euclidean keeps n_features * (2 * full scale)^2 inside uint32
    full = emml.convert(est, dtype="int16").full_scale("int16", "euclidean", 4)
    assert 4 * (2 * full) ** 2 <= 2**32 - 1 < 4 * (2 * full + 2) ** 2


def test_quantized_errors():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(UnsupportedError, match="classifiers"):
        emml.convert(KNeighborsRegressor(3).fit(X, y), dtype="int8")
    with pytest.raises(UnsupportedError, match="ONE positive value"):
        emml.convert(KNeighborsClassifier(3).fit(X, y), dtype="int8", input_scale=[1, 2, 3, 4])
    with pytest.raises(UnsupportedError, match="dtype='uint8'"):
        emml.convert(KNeighborsClassifier(3).fit(X, y), dtype="uint8")
    with pytest.raises(UnsupportedError, match="X_calibration"):
        emml.convert(KNeighborsClassifier(3).fit(X, y), X_calibration=X)
