"""Kernel SVMs: parity with scikit-learn (float32; near-ties excluded as in
test_linear), predict_proba (Platt + pairwise coupling), the integer primal
form of linear kernels, honest sizes, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import warnings

from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from sklearn.pipeline import make_pipeline
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


def _probability_svc(make, X, y):
    with warnings.catch_warnings():  # probability=True is deprecated from scikit-learn 1.9; still what users have
        warnings.simplefilter("ignore", FutureWarning)
        return make().fit(X, y)


PROBA_TOL = 5e-5  # float32 Platt + coupling against libsvm's float64 (measured max 8e-6 over these cases)


@pytest.mark.parametrize("loader", [load_breast_cancer, load_iris, load_wine, load_digits])
@pytest.mark.parametrize("make", [lambda: SVC(probability=True, random_state=0),
                                  lambda: SVC(kernel="poly", degree=2, probability=True, random_state=0),
                                  lambda: NuSVC(kernel="linear", probability=True, random_state=0)],
                         ids=["rbf", "poly", "nu_linear"])
def test_svc_predict_proba(make, loader):
    """Platt scaling per class pair, then libsvm's pairwise coupling (also for
    two classes), against scikit-learn's predict_proba."""
    X, y = scaled(loader)
    if loader is load_digits:
        X, y = X[::3], y[::3]  # 10 classes, 45 pairs: the coupling at its largest
    est = _probability_svc(make, X, y)
    c = emml.convert(est)
    assert "predict_proba" in c.entry_points
    p = c.predict_proba(X)
    ref = est.predict_proba(X)
    assert np.abs(p - ref).max() <= PROBA_TOL, np.abs(p - ref).max()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    # predict still votes on the decision values (scikit-learn does not argmax the probabilities)
    ovo = c.decision_function(X)
    tie = (np.abs(np.atleast_2d(ovo.T).T) <= 1e-5 * (1 + np.abs(ovo).max())).any(axis=1)
    assert ((c.predict(X) == est.predict(X)) | tie).all()


def test_svc_without_probability_has_no_proba():
    X, y = scaled(load_iris)
    c = emml.convert(SVC().fit(X, y))
    assert "predict_proba" not in c.entry_points
    with pytest.raises(AttributeError, match="predict_proba"):
        c.predict_proba(X)


@pytest.mark.parametrize("dtype", ["int8", "int16"])
@pytest.mark.parametrize("loader", [load_breast_cancer, load_iris, load_wine])
def test_linear_kernel_integer(loader, dtype):
    """A linear-kernel SVC as int8/int16 primal weights: integer entries equal
    the Python integer reference bit for bit, including libsvm's vote."""
    X, y = loader(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), SVC(kernel="linear")).fit(X, y)
    c = emml.convert(pipe, dtype=dtype, X_calibration=X)
    Xq = c.quantize_reference(X)
    np.testing.assert_array_equal(c.decision_int(Xq), c.scores_reference(Xq))
    np.testing.assert_array_equal(c.predict_int(Xq), c.predict_reference(Xq))
    np.testing.assert_array_equal(c.predict(X), pipe.classes_[c.predict_reference(Xq)])
    agree = (c.predict(X) == pipe.predict(X)).mean()
    assert agree >= (0.98 if dtype == "int8" else 0.995), agree
    # the real-valued scores track scikit-learn's decision_function (ovo order)
    ovo = make_pipeline(StandardScaler(), SVC(kernel="linear", decision_function_shape="ovo")).fit(X, y)
    ref = ovo.decision_function(X)
    err = np.abs(c.decision_function(X) - ref).max() / np.abs(ref).max()
    assert err < (0.05 if dtype == "int8" else 5e-4), err


def test_linear_kernel_integer_ties_follow_libsvm():
    """Two classes: libsvm predicts the first class only when its decision is
    > 0, so a zero integer score gives the second class."""
    from emml.linear.model import ovo_vote

    X, y = scaled(load_breast_cancer)
    c = emml.convert(SVC(kernel="linear").fit(X, y), dtype="int16", X_calibration=X)
    c.quant["qW"][:] = 0
    c.quant["qb"][:] = 0
    c._lib = None  # regenerate with the zeroed weights
    assert c.predict_int(np.zeros((1, X.shape[1]), np.int16))[0] == 1 == c.predict_reference(np.zeros((1, 30)))[0]
    assert (ovo_vote(np.zeros((1, 3)), 3) == 2).all() and (ovo_vote(np.array([[1, 1, -1]]), 3) == 0).all()


def test_linear_kernel_svr_integer():
    X, y = load_diabetes(return_X_y=True)
    est = SVR(kernel="linear", C=100).fit(X, y)
    c = emml.convert(est, dtype="int16", X_calibration=X)
    Xq = c.quantize_reference(X)
    np.testing.assert_array_equal(c.predict_int(Xq), c.predict_reference(Xq))
    assert np.abs(c.predict(X) - est.predict(X)).max() < 1e-3 * np.abs(y).max()


def test_errors():
    X, y = scaled(load_iris)
    with pytest.raises(UnsupportedError, match="kernel='sigmoid'.*linear, rbf, poly"):
        emml.convert(SVC(kernel="sigmoid").fit(X, y))
    with pytest.raises(UnsupportedError, match="break_ties"):
        emml.convert(SVC(break_ties=True).fit(X, y))
    with pytest.raises(UnsupportedError, match="kernel='rbf'.*float32 only"):
        emml.convert(SVC().fit(X, y), dtype="int8")
    with pytest.raises(UnsupportedError, match="OneClassSVM"):
        emml.convert(OneClassSVM(kernel="linear").fit(X), dtype="int8", X_calibration=X)
    with pytest.raises(UnsupportedError, match="X_calibration"):
        emml.convert(SVC(kernel="linear").fit(X, y), dtype="int8")
    with pytest.raises(UnsupportedError, match="not fitted"):
        emml.convert(SVC())
