"""Linear models: scikit-learn linear classifiers and regressors (alone or at
the end of a Pipeline of scalers/PCA, which are folded into the weights) to
float32 or int8/int16 C. See :mod:`emml.linear.model` for the arithmetic."""

from __future__ import annotations

from typing import Any

import numpy as np

from emml import preprocess
from emml.linear.model import LinearModel
from emml.model import UnsupportedError

CLASSIFIERS = ("LogisticRegression", "LogisticRegressionCV", "LinearSVC", "SGDClassifier", "RidgeClassifier",
               "RidgeClassifierCV", "Perceptron", "PassiveAggressiveClassifier", "OneVsRestClassifier")
REGRESSORS = ("LinearRegression", "Ridge", "RidgeCV", "Lasso", "LassoCV", "ElasticNet", "ElasticNetCV",
              "SGDRegressor", "LinearSVR", "HuberRegressor", "Lars", "LassoLars", "BayesianRidge", "ARDRegression",
              "TheilSenRegressor", "QuantileRegressor", "PassiveAggressiveRegressor")
SUPPORTED = CLASSIFIERS + REGRESSORS

__all__ = ["LinearModel", "SUPPORTED", "convert", "supports"]


def supports(estimator: Any) -> bool:
    return type(preprocess.final_estimator(estimator)).__name__ in SUPPORTED


def _fitted(est: Any, attr: str = "coef_") -> None:
    if not hasattr(est, attr):
        raise UnsupportedError(f"{type(est).__name__} is not fitted (no {attr}); fit it before converting")


def read(est: Any) -> tuple[np.ndarray, np.ndarray, str, np.ndarray | None]:
    """(W, b, post rule, classes) of a fitted linear estimator."""
    kind = type(est).__name__
    if kind == "OneVsRestClassifier":
        return _read_ovr(est)
    _fitted(est)
    W = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
    b = np.atleast_1d(np.asarray(getattr(est, "intercept_", 0.0), dtype=np.float64))
    if kind in REGRESSORS:
        if W.shape[0] != b.size and b.size == 1:
            b = np.repeat(b, W.shape[0])
        return W, b, "identity", None
    classes = np.asarray(est.classes_)
    if W.shape[0] == 1 and len(classes) > 2:
        raise UnsupportedError(f"{kind} with {len(classes)} classes has one weight row; multi-label targets "
                               "are not supported")
    binary = W.shape[0] == 1
    if kind in ("LogisticRegression", "LogisticRegressionCV"):
        post = "binary_logistic" if binary else "softmax"
        if getattr(est, "multi_class", "auto") == "ovr" and not binary:
            post = "ovr_logistic"
    elif kind == "SGDClassifier" and est.loss in ("log_loss", "modified_huber"):
        h = "huber" if est.loss == "modified_huber" else "logistic"
        post = f"binary_{h}" if binary else f"ovr_{h}"
    else:
        post = "binary" if binary else "argmax"
    return W, b, post, classes


def _read_ovr(ovr: Any) -> tuple[np.ndarray, np.ndarray, str, np.ndarray | None]:
    _fitted(ovr, "estimators_")
    if getattr(ovr, "label_binarizer_", None) is not None and ovr.label_binarizer_.y_type_ == "multilabel-indicator":
        raise UnsupportedError("OneVsRestClassifier on multi-label targets is not supported; "
                               "use one converted model per label")
    rows, bias, probas = [], [], []
    for e in ovr.estimators_:
        kind = type(e).__name__
        if kind not in CLASSIFIERS or kind == "OneVsRestClassifier":
            raise UnsupportedError(f"OneVsRestClassifier of {kind} is not supported; emml converts "
                                   f"OneVsRestClassifier of linear classifiers ({', '.join(CLASSIFIERS[:-1])})")
        if not hasattr(e, "coef_"):  # a constant predictor (_ConstantPredictor): a class seen in every row
            raise UnsupportedError("OneVsRestClassifier has a class with only one label value; cannot convert")
        W, b, post, _ = read(e)
        rows.append(W[0])
        bias.append(b[0])
        probas.append(post == "binary_logistic")
    classes = np.asarray(ovr.classes_)
    W, b = np.vstack(rows), np.asarray(bias)
    if len(classes) == 2:
        return W, b, ("binary_logistic" if probas[0] else "binary"), classes
    # OneVsRestClassifier.predict takes the first of equal maxima (np.argmax order)
    return W, b, ("ovr_logistic" if all(probas) else "argmax"), classes


def convert(estimator: Any, method: str = "auto", dtype: str = "float32", X_calibration: Any = None,
            input_scale: Any = None) -> LinearModel:
    """Convert a fitted linear estimator (or a Pipeline of foldable scalers/PCA
    ending in one).

    dtype: "float32" (default), or "int8" / "int16" weights and inputs; the
        quantized kinds need X_calibration (training rows; per-feature max |x|
        maps to the integer range) or input_scale (one value or one per feature:
        x = q * input_scale; 1.0 for integer-valued sensor data).
    method: only "auto" / "dense".
    """
    if method not in ("auto", "dense"):
        raise UnsupportedError(f"method={method!r} is not supported for linear models; use 'auto'")
    affine, est = preprocess.split(estimator)
    W, b, post, classes = read(est)
    name = type(est).__name__
    if affine is not None:
        if affine.n_out != W.shape[1]:
            raise UnsupportedError(f"the Pipeline's preprocessing gives {affine.n_out} features but {name} "
                                   f"expects {W.shape[1]}")
        W, b = affine.fold_linear(W, b)
    return LinearModel(W, b, post, classes, name, dtype=dtype, preprocess=affine, X_calibration=X_calibration,
                       input_scale=input_scale)
