"""Gaussian naive Bayes (scikit-learn GaussianNB) to float32 C, see
emml/bayes.h. A per-feature (diagonal) preprocessing map is folded into the
class means and variances exactly; PCA runs in front of the model."""

from __future__ import annotations

from typing import Any

import numpy as np

from emml import preprocess
from emml.linear.codegen import (SIG_PRED, SIG_ROWS, CArray, ClassicalModel, CSource, function,
                                 head_checks, out_checks)
from emml.model import FLOAT32_MAX, FLOAT32_TINY, UnsupportedError, float32_scale_problem
from emml.provenance import model_digest

SUPPORTED = ("GaussianNB",)

__all__ = ["GaussianNBModel", "SUPPORTED", "convert", "supports"]


def supports(estimator: Any) -> bool:
    return type(preprocess.final_estimator(estimator)).__name__ in SUPPORTED


def _float32_problem(theta: np.ndarray, var: np.ndarray) -> str | None:
    """Why the device's float32 (x - theta)^2 * (0.5 / var) would be wrong, or None:
    a mean or 0.5 / var outside float32, or differences of a standard
    deviation (8 of them, the far tail) whose squares overflow or underflow."""
    half_inv = 0.5 / var
    for f in range(var.shape[1]):
        col = half_inv[:, f]
        if np.abs(theta[:, f]).max() > FLOAT32_MAX:
            return f"feature {f} has a class mean of {np.abs(theta[:, f]).max():.3g}, beyond float32"
        if col.max() > FLOAT32_MAX or col.min() < FLOAT32_TINY:
            return (f"feature {f} has a variance of {var[:, f].max():.3g} (0.5 / variance is "
                    f"{col.min():.3g}, outside float32's normal range)")
    return float32_scale_problem(8 * np.sqrt(var.max(axis=0)), 2)


class GaussianNBModel(ClassicalModel):
    family = "bayes"

    def __init__(self, est: Any, affine: Any = None) -> None:
        super().__init__()
        if not hasattr(est, "theta_"):
            raise UnsupportedError("GaussianNB is not fitted; fit it before converting")
        theta = np.asarray(est.theta_, dtype=np.float64)
        var = np.asarray(est.var_, dtype=np.float64)
        if (var <= 0).any():
            raise UnsupportedError("GaussianNB has a zero variance (var_smoothing=0?); refit with var_smoothing > 0")
        prior = np.asarray(est.class_prior_, dtype=np.float64)
        with np.errstate(divide="ignore"):
            log_prior = np.log(prior)
        self.estimator_name = "GaussianNB"
        self.classes_ = np.asarray(est.classes_)
        self.preprocess = None
        self.prelude = None
        if affine is not None:
            if affine.n_out != theta.shape[1]:
                raise UnsupportedError(f"the Pipeline's preprocessing gives {affine.n_out} features but GaussianNB "
                                       f"expects {theta.shape[1]}")
            self.preprocess = affine
            if affine.diag and (affine.A != 0).all() and not _float32_problem(
                    (theta - affine.b) / affine.A, var / affine.A**2):
                # (a x + o - theta)^2 / var = (x - (theta - o) / a)^2 / (var / a^2): exact
                theta = (theta - affine.b) / affine.A
                var = var / affine.A**2
                log_const_var = np.log(2 * np.pi * np.asarray(est.var_, dtype=np.float64))
                self.options_fold = "folded"
            else:
                self.prelude = affine
                log_const_var = np.log(2 * np.pi * var)
        else:
            log_const_var = np.log(2 * np.pi * var)
        # log_const keeps the variance of the *model* space: folding changes
        # the density by a constant per feature, the same for every class.
        problem = _float32_problem(theta, var)
        if problem:
            raise UnsupportedError(f"GaussianNB: {problem}; rescale the features (a StandardScaler in a Pipeline "
                                   "is applied on the device first)")
        self.log_const = log_prior - 0.5 * log_const_var.sum(axis=1)
        self.mean = theta
        self.half_inv_var = 0.5 / var
        self.n_features = affine.n_in if affine is not None else theta.shape[1]
        self.task = "classifier"
        self.n_outputs = len(self.classes_)
        self.n_decision = self.n_outputs
        self.entry_points = ("predict", "predict_proba", "decision")
        self.method = "gaussian"
        self.options = {"dtype": "float32"}
        if affine is not None:
            self.options["preprocess"] = ("folded " if self.prelude is None else "applied ") + "+".join(affine.steps)
        self.source_digest = model_digest("bayes", [self.mean, self.half_inv_var, self.log_const])

    def generate(self, name: str) -> CSource:
        K, F = self.mean.shape
        src = CSource(module="bayes", headers=["bayes", "linear", "mathf"])
        src.defines = [("N_FEATURES", str(self.n_features)), ("N_OUTPUTS", str(K)), ("N_CLASSES", str(K))]
        pre_lines: list[str] = []
        xin = "x"
        stack = 4 * K
        if self.prelude is not None:
            arrs, pre_lines, extra = self.prelude.c_prelude(name)
            src.arrays += arrs
            stack += extra
            xin = "z"
        src.arrays += [CArray("mean", "float", self.mean, f"{K} classes x {F} features: class means", 6),
                       CArray("half_inv_var", "float", self.half_inv_var, f"{K} x {F}: 0.5 / variance", 6),
                       CArray("log_const", "float", self.log_const,
                              f"{K}: log prior - 0.5 sum log(2 pi var)", 6)]
        fields = [("n_classes", f"{K}u"), ("n_features", f"{F}u"), ("mean", f"{name}_mean"),
                  ("half_inv_var", f"{name}_half_inv_var"), ("log_const", f"{name}_log_const")]
        src.structs.append(("emml_bayes_gaussian_t", f"{name}_model", fields, False))
        src.summary = [f"GaussianNB: {K} classes x {F} features (means, 0.5/variances, constants in flash)."]
        if self.preprocess is not None:
            how = "applied in the entry points" if self.prelude is not None else "folded into means and variances"
            src.summary.append(f"Preprocessing {how}: {self.preprocess.describe()}.")
        src.stack_bytes = stack
        # the preprocessing runs after the argument checks (it reads x)
        jll = [*pre_lines, f"    emml_bayes_gaussian_jll_f32(&{name}_model, {xin}, jll);"]
        head = [f"    float jll[{K}];"]
        sig = SIG_PRED.format(fn=f"{name}_predict", xt="float")
        src.functions.append(function(sig, [*head, *head_checks(self.n_features, pred=True), *jll,
                                            f"    return (int32_t)emml_argmax_f32(jll, {K}u);"]))
        src.declarations.append(sig + ";")
        sig = SIG_ROWS.format(fn=f"{name}_predict_proba", xt="float", ot="float")
        src.functions.append(function(sig, [*head, *head_checks(self.n_features), *out_checks(K), *jll,
                                            f"    emml_softmax_f32(jll, out, {K}u);", "    return EMML_OK;"]))
        src.declarations.append(sig + ";")
        sig = SIG_ROWS.format(fn=f"{name}_decision", xt="float", ot="float")
        src.functions.append(function(sig, [*head, "    int32_t k;", *head_checks(self.n_features), *out_checks(K),
                                            *jll, f"    for (k = 0; k < {K}; k++)", "        out[k] = jll[k];",
                                            "    return EMML_OK;"]))
        src.declarations.append(sig + ";")
        src.docs += [f"{name}_predict: class index 0..{K - 1} (first maximum of the joint log-likelihood)",
                     f"{name}_predict_proba: {K} class probabilities (softmax of the joint log-likelihood)",
                     f"{name}_decision: {K} joint log-likelihoods (scikit-learn's predict_joint_log_proba"
                     + (", up to a per-model constant from the folded scaling)" if self.preprocess is not None
                        and self.prelude is None else ")")]
        return src


def convert(estimator: Any, method: str = "auto", dtype: str = "float32") -> GaussianNBModel:
    """Convert a fitted GaussianNB (or a Pipeline of foldable preprocessing
    ending in one). float32 only."""
    if dtype != "float32":
        raise UnsupportedError(f"dtype={dtype!r} is not supported for GaussianNB (float32 only)")
    if method != "auto":
        raise UnsupportedError(f"method={method!r} is not supported for GaussianNB; use 'auto'")
    affine, est = preprocess.split(estimator)
    return GaussianNBModel(est, affine)
