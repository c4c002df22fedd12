"""Nearest neighbours: parity with scikit-learn (ties at the k-th neighbour
excluded: their order is unspecified in scikit-learn), NearestCentroid, and the
run-time example buffer through the C API."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor, NearestCentroid
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
