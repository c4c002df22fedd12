"""Gaussian mixtures (GaussianMixture and BayesianGaussianMixture, every
covariance type) and EllipticEnvelope to float32 C using lib/emml's
emml_mixture.

GaussianMixture: ``NAME_predict`` (component), ``NAME_predict_proba``
(responsibilities), ``NAME_regress`` = score_samples (log-likelihood; pass a
threshold of your own choosing to flag anomalies). EllipticEnvelope:
``NAME_regress`` = score_samples (-squared Mahalanobis distance),
``NAME_decision`` = score_samples - offset_, ``NAME_predict`` inlier (1) /
outlier (0) exactly as scikit-learn's ``decision_function >= 0``, with the
threshold folded into one float32 comparison of the distance."""

from __future__ import annotations

from typing import Any

import numpy as np

from emml import preprocess
from emml.linear.codegen import (SIG_PRED, SIG_ROWS, CArray, ClassicalModel, CSource, c_float,
                                 function, head_checks, out_checks)
from emml.model import UnsupportedError
from emml.provenance import model_digest

SUPPORTED = ("GaussianMixture", "BayesianGaussianMixture", "EllipticEnvelope")
COV = {"full": "EMML_MIXTURE_FULL", "tied": "EMML_MIXTURE_TIED", "diag": "EMML_MIXTURE_DIAG",
       "spherical": "EMML_MIXTURE_SPHERICAL"}

__all__ = ["MixtureModel", "SUPPORTED", "convert", "supports"]


def supports(estimator: Any) -> bool:
    return type(preprocess.final_estimator(estimator)).__name__ in SUPPORTED


def _pack_upper(P: np.ndarray) -> np.ndarray:
    """Upper-triangular d x d -> column-packed (column j: rows 0..j)."""
    return np.concatenate([P[: j + 1, j] for j in range(P.shape[0])])


def _upper_factor(prec: np.ndarray) -> np.ndarray:
    """Upper-triangular U with U U^T = prec (Cholesky of the reversed matrix)."""
    J = np.eye(len(prec))[::-1]
    try:
        L = np.linalg.cholesky(J @ prec @ J)
    except np.linalg.LinAlgError:
        raise UnsupportedError("EllipticEnvelope's precision matrix is not positive definite "
                               "(singular covariance); refit on data with linearly independent features") from None
    return J @ L @ J


class MixtureModel(ClassicalModel):
    family = "mixture"

    def __init__(self, est: Any, affine: Any = None) -> None:
        super().__init__()
        kind = type(est).__name__
        self.estimator_name = kind
        if kind in ("GaussianMixture", "BayesianGaussianMixture"):  # the same fitted attributes
            if not hasattr(est, "precisions_cholesky_"):
                raise UnsupportedError(f"{kind} is not fitted; fit it before converting")
            cov = est.covariance_type
            if cov not in COV:
                raise UnsupportedError(f"GaussianMixture(covariance_type={cov!r}) is not supported")
            means = np.asarray(est.means_, dtype=np.float64)
            K, d = means.shape
            P = np.asarray(est.precisions_cholesky_, dtype=np.float64)
            if cov == "full":
                prec = np.concatenate([_pack_upper(P[k]) for k in range(K)])
                log_det = np.array([np.log(np.diag(P[k])).sum() for k in range(K)])
            elif cov == "tied":
                prec = _pack_upper(P)
                log_det = np.full(K, np.log(np.diag(P)).sum())
            elif cov == "diag":
                prec = P.reshape(-1)
                log_det = np.log(P).sum(axis=1)
            else:
                prec = P.reshape(-1)
                log_det = d * np.log(P)
            self.log_norm = np.log(np.asarray(est.weights_, dtype=np.float64)) + log_det - 0.5 * d * np.log(2 * np.pi)
            if kind == "BayesianGaussianMixture":
                # its log density adds per-component constants (Wishart and Dirichlet
                # expectations); at x = mean_k the Mahalanobis term of component k
                # is 0, so scikit-learn's own weighted log-probability there IS log_norm[k]
                self.log_norm = np.diag(est._estimate_weighted_log_prob(means)).astype(np.float64)
            self.covariance = cov
            self.task = "mixture"
            self.classes_ = np.arange(K)
            self.n_outputs = K
            self.n_decision = K
            self.entry_points = ("predict", "predict_proba", "regress", "decision")
        elif kind == "EllipticEnvelope":
            if not hasattr(est, "precision_"):
                raise UnsupportedError("EllipticEnvelope is not fitted; fit it before converting")
            means = np.asarray(est.location_, dtype=np.float64)[None, :]
            K, d = means.shape
            U = _upper_factor(np.asarray(est.precision_, dtype=np.float64))
            prec = _pack_upper(U)
            self.log_norm = np.zeros(1)
            self.covariance = "full"
            self.offset = float(est.offset_)
            self.task = "outlier"
            self.classes_ = np.array([-1, 1])
            self.n_outputs = 1
            self.n_decision = 1
            self.entry_points = ("predict", "regress", "decision")
        else:
            raise UnsupportedError(f"{kind} is not a mixture model")
        self.means, self.prec = means, prec
        self.preprocess = affine
        if affine is not None and affine.n_out != d:
            raise UnsupportedError(f"the Pipeline's preprocessing gives {affine.n_out} features but {kind} "
                                   f"expects {d}")
        self.n_features = affine.n_in if affine is not None else d
        self.method = self.covariance
        self.options = {"covariance": self.covariance}
        if affine is not None:
            self.options["preprocess"] = "+".join(affine.steps)
        self.source_digest = model_digest("mixture", [self.means, self.prec, self.log_norm], (kind, self.covariance))

    def generate(self, name: str) -> CSource:
        K, d = self.means.shape
        src = CSource(module="mixture", headers=["mixture", "linear", "mathf"])
        src.defines = [("N_FEATURES", str(self.n_features)), ("N_OUTPUTS", str(self.n_outputs)),
                       ("N_COMPONENTS", str(K))]
        pre_lines: list[str] = []
        xin, stack = "x", 4 * K
        if self.preprocess is not None:
            arrs, pre_lines, extra = self.preprocess.c_prelude(name)
            src.arrays += arrs
            stack += extra
            xin = "z"
        layout = {"full": f"{K} packed upper-triangular {d}x{d} factors", "tied": f"one packed {d}x{d} factor",
                  "diag": f"{K} x {d} diagonals", "spherical": f"{K} scalars"}[self.covariance]
        src.arrays += [CArray("means", "float", self.means, f"{K} components x {d} features: means", 6),
                       CArray("prec", "float", self.prec, f"precision Cholesky factors: {layout}", 6),
                       CArray("log_norm", "float", self.log_norm, f"{K}: log weight + log det - d/2 log(2 pi)", 6)]
        fields = [("n_components", f"{K}u"), ("n_features", f"{d}u"), ("covariance", COV[self.covariance]),
                  ("means", f"{name}_means"), ("prec", f"{name}_prec"), ("log_norm", f"{name}_log_norm")]
        src.structs.append(("emml_mixture_t", f"{name}_model", fields, False))
        what = (f"{K} components, covariance_type={self.covariance}" if self.task == "mixture"
                else f"robust covariance, {d} features, offset_ = {self.offset:.9g}")
        src.summary = [f"{self.estimator_name}: {what}."]
        if self.preprocess is not None:
            src.summary.append(f"Preprocessing applied in the entry points: {self.preprocess.describe()}.")
        src.stack_bytes = stack
        Fi = self.n_features
        if self.task == "mixture":
            lp = [f"    float lp[{K}];"]
            calc = [*pre_lines, f"    emml_mixture_log_prob_f32(&{name}_model, {xin}, lp);"]
            entries = [
                ("predict", SIG_PRED, [*lp, *head_checks(Fi, pred=True), *calc,
                                       f"    return (int32_t)emml_argmax_f32(lp, {K}u);"],
                 f"component index 0..{K - 1} (first maximum of the weighted log densities)"),
                ("predict_proba", SIG_ROWS, [*lp, *head_checks(Fi), *out_checks(K), *calc,
                                             f"    emml_softmax_f32(lp, out, {K}u);", "    return EMML_OK;"],
                 f"{K} responsibilities (predict_proba)"),
                ("regress", SIG_ROWS, [*lp, *head_checks(Fi), *out_checks(1), *calc,
                                       f"    out[0] = emml_logsumexp_f32(lp, {K}u);", "    return EMML_OK;"],
                 "score_samples: the log-likelihood, into out[0]"),
                ("decision", SIG_ROWS, [*lp, "    int32_t k;", *head_checks(Fi), *out_checks(K), *calc,
                                        f"    for (k = 0; k < {K}; k++)", "        out[k] = lp[k];",
                                        "    return EMML_OK;"],
                 f"{K} weighted log densities (scikit-learn's _estimate_weighted_log_prob)"),
            ]
        else:
            limit = -self.offset  # inlier iff -maha - offset >= 0 iff maha <= -offset
            maha: list[str] = []
            calc = [*pre_lines, f"    float maha = emml_mixture_mahalanobis_f32(&{name}_model, 0u, {xin});"]
            entries = [
                ("predict", SIG_PRED, [*maha, *head_checks(Fi, pred=True), *calc,
                                       f"    return maha <= {c_float(limit)} ? 1 : 0; /* -offset_ */"],
                 "0 = outlier (-1), 1 = inlier (+1)"),
                ("regress", SIG_ROWS, [*maha, *head_checks(Fi), *out_checks(1), *calc, "    out[0] = -maha;",
                                       "    return EMML_OK;"],
                 "score_samples (minus the squared Mahalanobis distance) into out[0]"),
                ("decision", SIG_ROWS, [*maha, *head_checks(Fi), *out_checks(1), *calc,
                                        f"    out[0] = -maha - {c_float(self.offset)}; /* offset_ */",
                                        "    return EMML_OK;"],
                 "decision_function (score_samples - offset_) into out[0]"),
            ]
        for entry, sig, body, doc in entries:
            s = sig.format(fn=f"{name}_{entry}", xt="float", ot="float")
            src.functions.append(function(s, body))
            src.declarations.append(s + ";")
            src.docs.append(f"{name}_{entry}: {doc}")
        return src

    def score_samples(self, X: Any) -> np.ndarray:
        return self._rows("regress", X, 1)[:, 0]


def convert(estimator: Any, method: str = "auto", dtype: str = "float32") -> MixtureModel:
    """Convert a fitted GaussianMixture / EllipticEnvelope (or a Pipeline of
    foldable preprocessing ending in one). float32 only."""
    if dtype != "float32":
        raise UnsupportedError(f"dtype={dtype!r} is not supported for mixture models (float32 only)")
    if method != "auto":
        raise UnsupportedError(f"method={method!r} is not supported for mixture models; use 'auto'")
    affine, est = preprocess.split(estimator)
    return MixtureModel(est, affine)
