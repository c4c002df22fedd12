"""GaussianMixture (every covariance type) and EllipticEnvelope: parity with
scikit-learn in float32 (score_samples within 1e-5 relative + 1e-5)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.covariance import EllipticEnvelope
from sklearn.datasets import load_iris, load_wine
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture

import emml
from emml.model import UnsupportedError


@pytest.mark.parametrize("cov", ["full", "tied", "diag", "spherical"])
@pytest.mark.parametrize("loader", [load_iris, load_wine])
def test_gaussian_mixture(cov, loader):
    X, _ = loader(return_X_y=True)
    est = GaussianMixture(4, covariance_type=cov, random_state=0).fit(X)
    c = emml.convert(est)
    s = est.score_samples(X)
    np.testing.assert_allclose(c.score_samples(X), s, rtol=1e-5, atol=1e-4)
    lp = est._estimate_weighted_log_prob(X)
    top = np.sort(lp, axis=1)
    tie = top[:, -1] - top[:, -2] <= 1e-5 * (1 + np.abs(lp).max(axis=1))
    assert ((c.predict(X) == est.predict(X)) | tie).all()
    np.testing.assert_allclose(c.predict_proba(X), est.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("contamination", [0.05, 0.2])
def test_elliptic_envelope(contamination):
    X, _ = load_wine(return_X_y=True)
    X = X[:, :6]
    est = EllipticEnvelope(contamination=contamination, random_state=0).fit(X)
    c = emml.convert(est)
    s = est.score_samples(X)
    np.testing.assert_allclose(c.score_samples(X), s, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(c.decision_function(X), est.decision_function(X), rtol=1e-5, atol=1e-4)
    tie = np.abs(est.decision_function(X)) <= 1e-5 * (1 + np.abs(s))
    assert ((c.predict(X) == est.predict(X)) | tie).all()
    assert (c.predict(X) == -1).sum() > 0


@pytest.mark.parametrize("cov", ["full", "diag"])
def test_bayesian_gaussian_mixture(cov):
    X, _ = load_wine(return_X_y=True)
    est = BayesianGaussianMixture(n_components=4, covariance_type=cov, random_state=0, max_iter=500).fit(X)
    c = emml.convert(est)
    np.testing.assert_allclose(c.score_samples(X), est.score_samples(X), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(c.predict_proba(X), est.predict_proba(X), atol=1e-4)


def test_errors():
    X, _ = load_iris(return_X_y=True)
    with pytest.raises(UnsupportedError, match="float32 only"):
        emml.convert(GaussianMixture(2).fit(X), dtype="int8")
    with pytest.raises(UnsupportedError, match="not fitted"):
        emml.convert(GaussianMixture(2))
