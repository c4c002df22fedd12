"""Kernel SVMs: SVC, NuSVC, SVR, NuSVR, OneClassSVM (linear, RBF, polynomial
kernels) to float32 C evaluated by lib/emml's emml_svm (support vectors in
flash). A linear kernel is collapsed into one weight row per class pair
(exact algebra), which needs no support vectors at all, and can then be
quantized to int8/int16 like a linear model. Classifiers trained with
probability=True also get NAME_predict_proba (Platt scaling and libsvm's
pairwise coupling, emml_svm_proba_f32)."""

from __future__ import annotations

from typing import Any

import numpy as np

from emml import preprocess
from emml.linear.codegen import (SIG_PRED, SIG_ROWS, CArray, ClassicalModel, CSource, c_float,
                                 function, head_checks, out_checks)
from emml.model import UnsupportedError
from emml.provenance import model_digest

SUPPORTED = ("SVC", "NuSVC", "SVR", "NuSVR", "OneClassSVM")
KERNELS = {"linear": "EMML_SVM_LINEAR", "rbf": "EMML_SVM_RBF", "poly": "EMML_SVM_POLY"}

__all__ = ["SUPPORTED", "SVMModel", "convert", "supports"]


def supports(estimator: Any) -> bool:
    return type(preprocess.final_estimator(estimator)).__name__ in SUPPORTED


class SVMModel(ClassicalModel):
    family = "svm"

    def __init__(self, est: Any, affine: Any = None) -> None:
        super().__init__()
        kind = type(est).__name__
        if not hasattr(est, "support_vectors_"):
            raise UnsupportedError(f"{kind} is not fitted; fit it before converting")
        kernel = est.kernel
        if callable(kernel) or kernel not in KERNELS:
            raise UnsupportedError(f"{kind}(kernel={kernel!r}) is not supported; emml converts the "
                                   f"{', '.join(KERNELS)} kernels (retrain with one of them)")
        if kernel == "poly" and (int(est.degree) != est.degree or not 0 <= est.degree <= 255):
            raise UnsupportedError(f"{kind}(degree={est.degree}) : the polynomial degree must be an integer 0..255")
        if getattr(est, "break_ties", False) and len(getattr(est, "classes_", [])) > 2:
            raise UnsupportedError(f"{kind}(break_ties=True) is not supported (it breaks vote ties with the "
                                   "ovr decision function); retrain with break_ties=False")
        self.estimator_name = kind
        self.kernel = kernel
        self.gamma = float(est._gamma)
        self.coef0 = float(est.coef0)
        self.degree = int(est.degree)
        self.sv = np.asarray(est.support_vectors_, dtype=np.float64)
        dual = np.asarray(est.dual_coef_, dtype=np.float64)
        icpt = np.asarray(est.intercept_, dtype=np.float64).reshape(-1)
        self.preprocess = affine
        n_in = affine.n_in if affine is not None else self.sv.shape[1]
        if affine is not None and affine.n_out != self.sv.shape[1]:
            raise UnsupportedError(f"the Pipeline's preprocessing gives {affine.n_out} features but {kind} "
                                   f"expects {self.sv.shape[1]}")
        self.n_features = int(n_in)
        if kind in ("SVC", "NuSVC"):
            self.task = "classifier"
            self.classes_ = np.asarray(est.classes_)
            C = len(self.classes_)
            if C == 2:  # scikit-learn flips the signs of the public attributes for two classes
                dual, icpt = -dual, -icpt
            self.n_classes = C
            self.n_support = np.asarray(est.n_support_, dtype=np.int64)
            self.n_outputs = C
            self.n_decision = C * (C - 1) // 2
            self.entry_points = ("predict", "decision")
            # probability=True: libsvm's Platt parameters, one (A, B) per class pair
            prob_a = np.asarray(getattr(est, "_probA", []), dtype=np.float64).reshape(-1)
            prob_b = np.asarray(getattr(est, "_probB", []), dtype=np.float64).reshape(-1)
            if prob_a.size:
                if prob_a.size != self.n_decision or prob_b.size != self.n_decision:
                    raise UnsupportedError(f"{kind} has {prob_a.size} Platt parameters for {self.n_decision} "
                                           "class pairs; refit it")
                self.prob_a, self.prob_b = prob_a, prob_b
                self.entry_points += ("predict_proba",)
        else:
            self.n_classes = 1
            self.n_support = None
            self.n_decision = 1
            if kind == "OneClassSVM":
                self.task = "outlier"
                self.classes_ = np.array([-1, 1])
                self.entry_points = ("predict", "regress", "decision")
                self.offset = float(est.offset_[0] if np.ndim(est.offset_) else est.offset_)
            else:
                self.task = "regressor"
                self.entry_points = ("regress",)
            self.n_outputs = 1
        self.prob_a = getattr(self, "prob_a", None)
        self.prob_b = getattr(self, "prob_b", None)
        self.dual = dual.T.copy()  # n_sv x width
        self.intercept = icpt
        self.method = "primal" if kernel == "linear" else "kernel"
        self.options = {"kernel": kernel, "method": self.method}
        if affine is not None:
            self.options["preprocess"] = "+".join(affine.steps)
        platt = [] if self.prob_a is None else [self.prob_a, self.prob_b]
        self.source_digest = model_digest("svm", [self.sv, self.dual, self.intercept, *platt],
                                          (kind, kernel, self.gamma, self.coef0, self.degree))

    # --- the primal form of a linear kernel: one weight row per pair ----------
    def _primal(self) -> np.ndarray:
        C = self.n_classes
        if C < 2:
            return (self.dual[:, 0] @ self.sv)[None, :]
        ends = np.r_[0, np.cumsum(self.n_support)]
        rows = []
        for i in range(C):
            for j in range(i + 1, C):
                si, sj = slice(ends[i], ends[i + 1]), slice(ends[j], ends[j + 1])
                rows.append(self.dual[si, j - 1] @ self.sv[si] + self.dual[sj, i] @ self.sv[sj])
        return np.asarray(rows)

    def generate(self, name: str) -> CSource:
        F_in, F = self.n_features, self.sv.shape[1]
        P = self.n_decision
        src = CSource(module="svm", headers=["svm", "linear", "mathf"])
        src.defines = [("N_FEATURES", str(F_in)), ("N_OUTPUTS", str(self.n_outputs))]
        if self.task == "classifier":
            src.defines.append(("N_CLASSES", str(self.n_classes)))
        n_sv = self.sv.shape[0]
        pre_lines: list[str] = []
        stack = 4 * P
        xin = "x"
        if self.preprocess is not None:
            arrs, pre_lines, extra = self.preprocess.c_prelude(name)
            src.arrays += arrs
            stack += extra
            xin = "z"
        if self.method == "primal":
            W = self._primal()
            src.arrays.append(CArray("weights", "float", W, f"{P} x {F} primal weights (linear kernel collapsed: "
                                                            "sum of dual_coef * support vectors per class pair)", 6))
            if self.task != "outlier":
                src.arrays.append(CArray("intercept", "float", self.intercept, f"{P} intercepts (libsvm signs)", 6))
            bias = "0" if self.task == "outlier" else f"{name}_intercept"
            dec = [f"    emml_linear_f32({name}_weights, {bias}, {xin}, {F}u, {P}u, dec);"]
            size_note = f"linear kernel in primal form: {P} x {F} weights, no support vectors stored"
        else:
            width = self.dual.shape[1]
            src.arrays += [
                CArray("sv", "float", self.sv, f"{n_sv} support vectors x {F} features, grouped by class", 6),
                CArray("dual", "float", self.dual, f"{n_sv} x {width} dual coefficients (libsvm signs)", 6),
            ]
            if self.task != "outlier":
                src.arrays.append(CArray("intercept", "float", self.intercept,
                                         f"{len(self.intercept)} intercepts (libsvm signs)", 6))
            if self.n_support is not None:
                if self.n_support.max() > 65535:
                    raise UnsupportedError("more than 65535 support vectors in one class")
                src.arrays.append(CArray("n_support", "uint16_t", self.n_support, "support vectors per class"))
            fields = [("n_features", f"{F}u"), ("n_sv", f"{n_sv}u"), ("n_classes", f"{self.n_classes}u"),
                      ("kernel", KERNELS[self.kernel]), ("degree", f"{self.degree}u"),
                      ("gamma", c_float(self.gamma)), ("coef0", c_float(self.coef0)),
                      ("sv", f"{name}_sv"), ("dual", f"{name}_dual"),
                      ("n_support", f"{name}_n_support" if self.n_support is not None else "0"),
                      ("intercept", "0" if self.task == "outlier" else f"{name}_intercept")]
            src.structs.append(("emml_svm_t", f"{name}_model", fields, False))
            dec = [f"    emml_svm_decision_f32(&{name}_model, {xin}, dec);"]
            size_note = (f"{n_sv} support vectors x {F} features in flash "
                         f"({4 * n_sv * F} bytes) + {4 * self.dual.size} bytes of dual coefficients")
        kern = {"linear": "linear", "rbf": f"RBF gamma={self.gamma:.6g}",
                "poly": f"poly degree {self.degree} gamma={self.gamma:.6g} coef0={self.coef0:.6g}"}[self.kernel]
        src.summary = [f"{self.estimator_name}, {kern} kernel: {size_note}."]
        if self.preprocess is not None:
            src.summary.append(f"Preprocessing applied in the entry points: {self.preprocess.describe()}.")
        src.stack_bytes = stack
        F0 = F_in
        body_head = [f"    float dec[{P}];"]
        dec = [*pre_lines, *dec]  # the preprocessing runs after the argument checks (it reads x)
        if self.task in ("classifier", "outlier"):
            sig = SIG_PRED.format(fn=f"{name}_predict", xt="float")
            if self.task == "classifier":
                rule = [f"    return (int32_t)emml_svm_vote_f32(dec, {self.n_classes}u);"] if self.n_classes > 2 else \
                       ["    return dec[0] > 0.0f ? 0 : 1; /* libsvm: positive votes for the first class */"]
                doc = f"{name}_predict: class index 0..{self.n_classes - 1} (one-vs-one vote)"
            else:
                rule = [f"    return dec[0] > {c_float(self.offset)} ? 1 : 0; /* score_samples > offset_: inlier */"]
                doc = f"{name}_predict: 0 = outlier (-1), 1 = inlier (+1)"
            src.functions.append(function(sig, [*body_head, *head_checks(F0, pred=True), *dec, *rule]))
            src.declarations.append(sig + ";")
            src.docs.append(doc)
        if self.task in ("regressor", "outlier"):
            sig = SIG_ROWS.format(fn=f"{name}_regress", xt="float", ot="float")
            body = [*body_head, *head_checks(F0), *out_checks(1), *dec, "    out[0] = dec[0];",
                    "    return EMML_OK;"]
            src.functions.append(function(sig, body))
            src.declarations.append(sig + ";")
            src.docs.append(f"{name}_regress: " + ("the prediction" if self.task == "regressor"
                                                   else "score_samples (decision + offset) into out[0]"))
        if "predict_proba" in self.entry_points:
            C = self.n_classes
            src.arrays += [CArray("prob_a", "float", self.prob_a, f"{P} Platt slopes A (libsvm probA_), per pair", 6),
                           CArray("prob_b", "float", self.prob_b, f"{P} Platt offsets B (libsvm probB_)", 6)]
            sig = SIG_ROWS.format(fn=f"{name}_predict_proba", xt="float", ot="float")
            body = [*body_head, f"    float work[{2 * C}];", *head_checks(F0), *out_checks(C), *dec,
                    f"    emml_svm_proba_f32(dec, {name}_prob_a, {name}_prob_b, {C}u, out, work);",
                    "    return EMML_OK;"]
            src.functions.append(function(sig, body))
            src.declarations.append(sig + ";")
            src.docs.append(f"{name}_predict_proba: {C} class probabilities (Platt scaling per pair, then pairwise "
                            "coupling as libsvm; predict still votes, as scikit-learn)")
            src.stack_bytes += 8 * C
        if "decision" in self.entry_points:
            sig = SIG_ROWS.format(fn=f"{name}_decision", xt="float", ot="float")
            flip = ["    dec[0] = -dec[0]; /* scikit-learn's sign for two classes */"] if self.n_classes == 2 else []
            if self.task == "outlier":
                flip = [f"    dec[0] -= {c_float(self.offset)}; /* decision_function = score_samples - offset_ */"]
            body = [*body_head, "    int32_t p;", *head_checks(F0), *out_checks(P), *dec, *flip,
                    f"    for (p = 0; p < {P}; p++)", "        out[p] = dec[p];", "    return EMML_OK;"]
            src.functions.append(function(sig, body))
            src.declarations.append(sig + ";")
            src.docs.append(f"{name}_decision: {P} decision value(s): scikit-learn's decision_function "
                            + ("(decision_function_shape='ovo' order)" if self.n_classes > 2 else ""))
        return src


def convert(estimator: Any, method: str = "auto", dtype: str = "float32", X_calibration: Any = None,
            input_scale: Any = None) -> ClassicalModel:
    """Convert a fitted SVC / NuSVC / SVR / NuSVR / OneClassSVM (or a Pipeline
    of foldable preprocessing ending in one).

    dtype: "float32" for every kernel. "int8" / "int16" for a linear-kernel
    SVC, NuSVC, SVR or NuSVR: its primal weights (one row per class pair)
    become an integer linear model (:class:`emml.linear.LinearModel`, same
    scaling rules, bit-exact Python reference; X_calibration or input_scale
    as for linear models), and predict takes libsvm's one-vs-one vote on the
    exact int32 scores. RBF and polynomial kernels stay float32 (see the
    README: their exp/power and wide dual sums need float range)."""
    if method != "auto":
        raise UnsupportedError(f"method={method!r} is not supported for SVMs; use 'auto' (a linear kernel is "
                               "converted to its primal form, other kernels keep their support vectors)")
    affine, est = preprocess.split(estimator)
    if dtype == "float32":
        if X_calibration is not None or input_scale is not None:
            raise UnsupportedError("X_calibration / input_scale are for dtype='int8' or 'int16'")
        return SVMModel(est, affine)
    if dtype not in ("int8", "int16"):
        raise UnsupportedError(f"dtype={dtype!r} is not supported for SVMs; use 'float32', or 'int16' / 'int8' "
                               "with a linear kernel")
    kind = type(est).__name__
    if getattr(est, "kernel", None) != "linear" or kind == "OneClassSVM":
        raise UnsupportedError(
            f"dtype={dtype!r} needs a linear-kernel SVC, NuSVC, SVR or NuSVR (got {kind}, "
            f"kernel={getattr(est, 'kernel', None)!r}); RBF and polynomial kernels are float32 only. "
            "Use dtype='float32', or retrain with kernel='linear' (or LinearSVC)")
    return _integer_primal(SVMModel(est, None), affine, dtype, X_calibration, input_scale)


def _integer_primal(m: SVMModel, affine: Any, dtype: str, X_calibration: Any, input_scale: Any) -> Any:
    """A linear-kernel SVM as an integer linear model over its primal weights."""
    from emml.linear.model import LinearModel

    W, b = m._primal(), m.intercept
    if m.task == "regressor":
        post, classes = "identity", None
    elif m.n_classes == 2:  # scikit-learn's sign (decision_function = -libsvm's), libsvm's tie rule
        W, b, post, classes = -W, -b, "binary_ge", m.classes_
    else:
        post, classes = "ovo", m.classes_
    if affine is not None:
        W, b = affine.fold_linear(W, b)
    return LinearModel(W, b, post, classes, m.estimator_name, dtype=dtype, preprocess=affine,
                       X_calibration=X_calibration, input_scale=input_scale)
