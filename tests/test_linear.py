"""Linear models: host parity of the generated C with scikit-learn (float32),
bit-exact quantized paths against the Python integer reference, deterministic
output, strict compilation and clear errors.

Tie policy: the C computes in float32, scikit-learn in float64. A row counts
as a near-tie when scikit-learn's margin (binary: |decision|; multi-class:
best minus second-best score) is below 1e-5 * (1 + max |score|); on every
other row the predicted class must be identical, and near-ties must be rare.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine, make_regression
from sklearn.linear_model import (ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge, RidgeClassifier,
                                  SGDClassifier, SGDRegressor)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC

import emml
from emml.host import STRICT_CFLAGS
from emml.model import UnsupportedError
from emml.paths import runtime_dir

TIE = 1e-5


def data(name):
    X, y = {"iris": load_iris, "wine": load_wine, "cancer": load_breast_cancer}[name](return_X_y=True)
    return X, y


def near_tie(scores):
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim == 1:
        margin = np.abs(s)
        scale = np.abs(s)
    else:
        top = np.sort(s, axis=1)
        margin = top[:, -1] - top[:, -2]
        scale = np.abs(s).max(axis=1)
    return margin <= TIE * (1 + scale)


def assert_parity(c, est, X, scores):
    tie = near_tie(scores)
    assert tie.mean() < 0.02, f"{tie.sum()} near-ties"
    ok = c.predict(X) == est.predict(X)
    assert ok[~tie].all(), f"{(~ok[~tie]).sum()} rows differ away from ties"
    return ok.mean()


CLASSIFIERS = {
    "logreg": lambda: LogisticRegression(max_iter=5000),
    "linearsvc": lambda: LinearSVC(max_iter=20000),
    "sgd_hinge": lambda: SGDClassifier(random_state=0),
    "sgd_log": lambda: SGDClassifier(loss="log_loss", random_state=0),
    "sgd_huber": lambda: SGDClassifier(loss="modified_huber", random_state=0),
    "ridgeclf": lambda: RidgeClassifier(),
    "ovr_logreg": lambda: OneVsRestClassifier(LogisticRegression(max_iter=5000)),
    "ovr_svc": lambda: OneVsRestClassifier(LinearSVC(max_iter=20000)),
}


@pytest.mark.parametrize("dataset", ["iris", "wine", "cancer"])
@pytest.mark.parametrize("kind", CLASSIFIERS)
def test_classifier_parity(kind, dataset):
    X, y = data(dataset)
    X = X / np.abs(X).max(axis=0)  # SGD/SVC converge on scaled data
    est = CLASSIFIERS[kind]().fit(X, y)
    c = emml.convert(est)
    scores = est.decision_function(X)
    assert_parity(c, est, X, scores)
    np.testing.assert_allclose(c.decision_function(X), scores, atol=2e-5 * (1 + np.abs(scores).max()))
    if hasattr(est, "predict_proba") and "predict_proba" in c.entry_points:
        # the probability error follows the float32 score error: |dp| <= 0.5 |d score| (+ exp error)
        d_err = np.abs(np.atleast_2d(c.decision_function(X).T).T - np.atleast_2d(scores.T).T).max(axis=1)
        p_err = np.abs(c.predict_proba(X) - est.predict_proba(X)).max(axis=1)
        assert (p_err <= 2e-6 + 0.5 * d_err).all(), (p_err - 0.5 * d_err).max()
        assert p_err.max() < 2e-5
    elif kind in ("logreg", "sgd_log", "sgd_huber", "ovr_logreg"):
        pytest.fail("expected a predict_proba entry")


@pytest.mark.parametrize("make", [LinearRegression, Ridge, lambda: Lasso(alpha=0.1), lambda: ElasticNet(alpha=0.1),
                                  lambda: SGDRegressor(random_state=0)])
def test_regressor_parity(make):
    X, y = load_diabetes(return_X_y=True)
    est = make().fit(X, y)
    c = emml.convert(est)
    ref = est.predict(X)
    np.testing.assert_allclose(c.predict(X), ref, rtol=1e-5, atol=1e-4 * np.abs(ref).max())


def test_multi_output_regression():
    X, Y = make_regression(200, 6, n_targets=3, random_state=0)
    est = Ridge().fit(X, Y)
    c = emml.convert(est)
    assert c.n_outputs == 3
    np.testing.assert_allclose(c.predict(X), est.predict(X), rtol=1e-5, atol=1e-3)


def test_binary_tie_rule_matches_sklearn():
    """decision == 0 exactly: scikit-learn predicts classes_[0] (scores > 0 is False)."""
    X = np.array([[-1.0], [1.0], [-2.0], [2.0]])
    est = LogisticRegression().fit(X, [0, 1, 0, 1])
    est.coef_[:] = 1.0
    est.intercept_[:] = 0.0
    c = emml.convert(est)
    assert c.predict([[0.0]])[0] == est.predict([[0.0]])[0] == 0


def test_multiclass_tie_rule_first_max():
    X, y = data("iris")
    est = LogisticRegression(max_iter=1000).fit(X, y)
    est.coef_[:] = 0.0
    est.intercept_[:] = 0.0
    assert emml.convert(est).predict(X[:1])[0] == est.predict(X[:1])[0] == 0
    ovr = OneVsRestClassifier(LogisticRegression(max_iter=1000)).fit(X, y)
    for e in ovr.estimators_:
        e.coef_[:] = 0.0
        e.intercept_[:] = 0.0
    assert emml.convert(ovr).predict(X[:1])[0] == ovr.predict(X[:1])[0] == 0


@pytest.mark.parametrize("dtype", ["int8", "int16"])
@pytest.mark.parametrize("dataset", ["iris", "cancer"])
def test_quantized_bit_exact(dtype, dataset):
    X, y = data(dataset)
    est = LogisticRegression(max_iter=5000).fit(X, y)
    c = emml.convert(est, dtype=dtype, X_calibration=X)
    Xq = c.quantize_reference(X)
    # the integer entry points equal the Python integer reference, bit for bit
    np.testing.assert_array_equal(c.decision_int(Xq), c.scores_reference(Xq))
    np.testing.assert_array_equal(c.predict_int(Xq), c.predict_reference(Xq))
    # the float entry quantizes exactly like quantize_reference
    np.testing.assert_array_equal(c.predict(X), est.classes_[c.predict_reference(Xq)])
    agree = (c.predict(X) == est.predict(X)).mean()
    assert agree >= (0.93 if dtype == "int8" else 0.99), agree


def test_quantized_regressor_and_integer_inputs():
    rng = np.random.RandomState(1)
    X = rng.randint(-2000, 2000, size=(300, 5)).astype(float)  # e.g. raw ADC counts
    y = X @ [0.5, -1.0, 2.0, 0.0, 0.25] + 7
    est = Ridge(alpha=1e-6).fit(X, y)
    c = emml.convert(est, dtype="int16", input_scale=1.0)
    Xq = c.quantize_reference(X)
    np.testing.assert_array_equal(Xq, X.astype(np.int64))  # integers pass through unchanged
    np.testing.assert_array_equal(c.predict_int(Xq), c.predict_reference(Xq))
    # weight rounding error bound: half a weight step per feature, half a step of bias
    sw = float(c.quant["w_scale"])
    bound = 0.5 * sw * (np.abs(X).sum(axis=1) + 1) + 1e-6 * np.abs(y)
    assert (np.abs(c.predict(X) - est.predict(X).ravel()) <= bound).all()


def test_quantize_saturates_and_rounds_half_away():
    X, y = data("iris")
    c = emml.convert(LogisticRegression(max_iter=1000).fit(X, y), dtype="int8", input_scale=0.5)
    q = c.quantize_reference(np.array([[0.25, -0.25, 1000.0, -1000.0], [0.74, -0.76, 63.5, -64.25]]))
    np.testing.assert_array_equal(q, [[1, -1, 127, -128], [1, -2, 127, -128]])


def test_int16_overflow_guarantee():
    rng = np.random.RandomState(0)
    X = rng.randn(100, 200)
    y = (X[:, 0] > 0).astype(int)
    est = LogisticRegression(max_iter=1000).fit(X, y)
    c = emml.convert(est, dtype="int16", X_calibration=X)
    qW = c.quant["qW"]
    assert (np.abs(qW).sum(axis=1) * 32768 + np.abs(c.quant["qb"]) <= 2**31 - 1).all()
    worst = np.sign(qW[0]) * 32767
    np.testing.assert_array_equal(c.decision_int(worst[None, :].astype(np.int16)),
                                  c.scores_reference(worst[None, :]))


def test_generated_c_deterministic_and_strict(tmp_path):
    X, y = data("wine")
    est = LogisticRegression(max_iter=5000).fit(X, y)
    a = emml.convert(est).sources("wine_lr")
    b = emml.convert(est).sources("wine_lr")
    assert a == b
    c = a["wine_lr.c"]
    assert "Generated by emml" in c and "sha256" in c and "#error" in c
    assert "expf(" not in c.replace("emml_", "") and "<math.h>" not in c
    q = emml.convert(est, dtype="int8", X_calibration=X).sources("wine_q8")
    for srcs in (a, q):
        for f, text in srcs.items():
            (tmp_path / f).write_text(text)
    inc = runtime_dir() / "include"
    for cc, extra in (("gcc", []), ("clang", []), ("arm-none-eabi-gcc", ["-mcpu=cortex-m0plus", "-mthumb"])):
        for name in ("wine_lr.c", "wine_q8.c"):
            proc = subprocess.run([cc, *extra, *STRICT_CFLAGS, "-Os", f"-I{inc}", f"-I{tmp_path}", "-c",
                                   str(tmp_path / name), "-o", str(tmp_path / (name + cc + ".o"))],
                                  capture_output=True, text=True)
            assert proc.returncode == 0 and not proc.stderr, proc.stderr


def test_two_translation_units_include_the_header(tmp_path):
    X, y = data("iris")
    emml.convert(LogisticRegression(max_iter=1000).fit(X, y)).save(tmp_path, "m")
    (tmp_path / "a.c").write_text('#include "m.h"\nint a(const float *x) { return (int)m_predict(x, 4); }\n')
    (tmp_path / "main.c").write_text('#include "m.h"\nint a(const float *x);\n'
                                     'int main(void) { float x[4] = {5.1f, 3.5f, 1.4f, 0.2f};\n'
                                     ' return a(x) + (int)m_predict(x, 4); }\n')
    inc = runtime_dir() / "include"
    srcs = [str(p) for p in (tmp_path / "m.c", tmp_path / "a.c", tmp_path / "main.c")]
    srcs += [str(p) for p in sorted((runtime_dir() / "src").glob("*.c"))]
    proc = subprocess.run(["gcc", *STRICT_CFLAGS, f"-I{inc}", f"-I{tmp_path}", *srcs, "-o", str(tmp_path / "t")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert subprocess.run([str(tmp_path / "t")]).returncode == 0  # class 0 twice


def test_c_entry_points_reject_bad_arguments():
    import ctypes

    X, y = data("iris")
    c = emml.convert(LogisticRegression(max_iter=1000).fit(X, y))
    fp = ctypes.POINTER(ctypes.c_float)
    pred = c._function("predict", [fp, ctypes.c_int32], ctypes.c_int32)
    proba = c._function("predict_proba", [fp, ctypes.c_int32, fp, ctypes.c_int32], ctypes.c_int)
    x = np.zeros(4, dtype=np.float32)
    out = np.zeros(3, dtype=np.float32)
    assert pred(None, 4) == -1  # EMML_ERR_NULL
    assert pred(x.ctypes.data_as(fp), 5) == -3  # EMML_ERR_SHAPE
    assert proba(x.ctypes.data_as(fp), 4, out.ctypes.data_as(fp), 2) == -4  # EMML_ERR_BUFFER_TOO_SMALL
    assert proba(x.ctypes.data_as(fp), 4, None, 3) == -1


def test_bad_input_errors():
    X, y = data("iris")
    est = LogisticRegression(max_iter=1000).fit(X, y)
    c = emml.convert(est)
    with pytest.raises(ValueError, match="features"):
        c.predict(X[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        c.predict(np.where(np.eye(150, 4) > 0, np.nan, X))
    with pytest.raises(UnsupportedError, match="X_calibration"):
        emml.convert(est, dtype="int8")
    with pytest.raises(UnsupportedError, match="dtype='uint8'"):
        emml.convert(est, dtype="uint8", X_calibration=X)
    with pytest.raises(UnsupportedError, match="not fitted"):
        emml.convert(LogisticRegression())
    with pytest.raises(UnsupportedError, match="option .*bogus"):
        emml.convert(est, bogus=1)
    with pytest.raises(AttributeError, match="predict_proba"):
        emml.convert(LinearSVC().fit(X, y)).predict_proba(X)
    with pytest.raises(UnsupportedError, match="QuadraticDiscriminantAnalysis"):
        from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis

        emml.convert(QuadraticDiscriminantAnalysis().fit(X, y))
