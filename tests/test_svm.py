"""Kernel SVMs: parity with scikit-learn (float32; near-ties excluded as in
test_linear), honest sizes, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR, NuSVC, OneClassSVM

import emml
from emml.model import UnsupportedError

KERNELS = [dict(kernel="linear"), dict(kernel="rbf"), dict(kernel="poly", degree=3), dict(kernel="poly", degree=2,
                                                                                          coef0=1.0)]


def scaled(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("params", KERNELS, ids=lambda p: "-".join(map(str, p.values())))
@pytest.mark.parametrize("loader", [load_iris, load_breast_cancer])
def test_svc_parity(params, loader):
    X, y = scaled(loader)
    est = SVC(**params).fit(X, y)
    c = emml.convert(est)
    ovo = SVC(decision_function_shape="ovo", **params).fit(X, y).decision_function(X)
    d = c.decision_function(X)
    np.testing.assert_allclose(d, ovo, atol=1e-4 * (1 + np.abs(ovo).max()))
    tie = (np.abs(np.atleast_2d(ovo.T).T) <= 1e-5 * (1 + np.abs(ovo).max())).any(axis=1)
    assert tie.mean() < 0.02
    assert ((c.predict(X) == est.predict(X)) | tie).all()


def test_nusvc_and_linear_primal_is_small():
    X, y = scaled(load_iris)
    est = NuSVC(kernel="linear").fit(X, y)
    c = emml.convert(est)
    assert c.method == "primal" and "_sv[" not in c.sources("m")["m.c"]
    assert (c.predict(X) == est.predict(X)).all()
    rbf = emml.convert(SVC().fit(X, y))
    n_sv = SVC().fit(X, y).support_vectors_.shape[0]
    assert f"{n_sv} support vectors x 4 features in flash ({16 * n_sv} bytes)" in rbf.sources("m")["m.h"]


@pytest.mark.parametrize("params", KERNELS, ids=lambda p: "-".join(map(str, p.values())))
def test_svr_parity(params):
    X, y = scaled(load_diabetes)
    est = SVR(C=100, **params).fit(X, y)
    c = emml.convert(est)
    ref = est.predict(X)
    np.testing.assert_allclose(c.predict(X), ref, atol=2e-5 * np.abs(ref).max())


@pytest.mark.parametrize("params", KERNELS, ids=lambda p: "-".join(map(str, p.values())))
def test_one_class_svm(params):
    X, _ = scaled(load_iris)
    est = OneClassSVM(nu=0.1, gamma=0.2, **params).fit(X)
    c = emml.convert(est)
    s = est.score_samples(X)
    np.testing.assert_allclose(c.score_samples(X), s, atol=1e-5 * (1 + np.abs(s).max()))
    dec = est.decision_function(X)
    tie = np.abs(dec) <= 1e-5 * (1 + np.abs(s).max())
    assert ((c.predict(X) == est.predict(X)) | tie).all()


def test_errors():
    X, y = scaled(load_iris)
    with pytest.raises(UnsupportedError, match="kernel='sigmoid'.*linear, rbf, poly"):
        emml.convert(SVC(kernel="sigmoid").fit(X, y))
    with pytest.raises(UnsupportedError, match="break_ties"):
        emml.convert(SVC(break_ties=True).fit(X, y))
    with pytest.raises(UnsupportedError, match="float32 only"):
        emml.convert(SVC().fit(X, y), dtype="int8")
    with pytest.raises(UnsupportedError, match="not fitted"):
        emml.convert(SVC())
