"""GaussianNB: parity with scikit-learn on several datasets (float32)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.naive_bayes import GaussianNB

import emml
from emml.model import UnsupportedError


@pytest.mark.parametrize("loader", [load_iris, load_wine, load_breast_cancer, load_digits])
def test_gaussian_nb_parity(loader):
    X, y = loader(return_X_y=True)
    est = GaussianNB().fit(X, y)
    c = emml.convert(est)
    jll = est.predict_joint_log_proba(X)
    top = np.sort(jll, axis=1)
    tie = top[:, -1] - top[:, -2] <= 1e-5 * (1 + np.abs(top[:, -1]) + np.abs(top[:, -2]))  # the two competitors
    assert tie.mean() < 0.02
    assert ((c.predict(X) == est.predict(X)) | tie).all()
    np.testing.assert_allclose(c.decision_function(X), jll, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(c.predict_proba(X), est.predict_proba(X), atol=1e-5)


def test_priors_and_errors():
    X, y = load_iris(return_X_y=True)
    est = GaussianNB(priors=[0.7, 0.2, 0.1]).fit(X, y)
    assert (emml.convert(est).predict(X) == est.predict(X)).all()
    with pytest.raises(UnsupportedError, match="float32 only"):
        emml.convert(est, dtype="int16")
    with pytest.raises(UnsupportedError, match="not fitted"):
        emml.convert(GaussianNB())
