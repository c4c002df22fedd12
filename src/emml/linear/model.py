"""LinearModel: scores = W x + b, then the estimator's own decision rule.

float32: weights, bias and sums in float32 (in feature order), probabilities
through emml_expf (<= 2 ulp). Quantized (dtype "int8" / "int16"):

  input      q_i = round(x_i / s_i) saturated, s_i = max |x_i| over
             X_calibration / qmax (or input_scale); the float entry points do
             this with emml_quantize_q7/q15 (float32 multiply by 1/s_i).
  weights    W'_ki = W_ki * s_i  (the input scale folded in), one scale sw for
             the whole matrix: qW = round(W' / sw), qb = round(b / sw) (int32).
  scores     acc_k = qb_k + sum_i qW_ki q_i, exact in int32 (sw is chosen so
             that no row can overflow, see emml/linear.h); the real-valued
             score is acc_k * sw (float32). predict uses the integer scores, so
             argmax and the binary sign test are exact integer decisions.

:meth:`LinearModel.quantize_reference` and :meth:`LinearModel.scores_reference`
are the Python integer reference the C matches bit for bit.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from emml.linear.codegen import (SIG_PRED, SIG_ROWS, CArray, ClassicalModel, CSource, c_float,
                                 function, head_checks, out_checks)
from emml.model import UnsupportedError
from emml.provenance import model_digest

QMAX = {"int8": 127, "int16": 32767}
QMIN = {"int8": -128, "int16": -32768}
CTYPE = {"int8": "int8_t", "int16": "int16_t"}
SUFFIX = {"int8": "i8", "int16": "i16"}
KERNEL = {"int8": "q7", "int16": "q15"}
INT32_MAX = 2**31 - 1

#: post-processing rules: (predict rule, probability rule or None)
POSTS = {
    "binary": ("sign", None),
    "binary_logistic": ("sign", "logistic"),
    "binary_huber": ("sign", "huber"),
    "argmax": ("argmax", None),
    "softmax": ("argmax", "softmax"),
    "ovr_logistic": ("argmax", "ovr_logistic"),
    "ovr_huber": ("argmax", "ovr_huber"),
    "identity": (None, None),
    # linear-kernel SVC in primal form (emml.svm with an integer dtype):
    "binary_ge": ("sign_ge", None),  # two classes, scikit-learn's sign: class 1 iff score >= 0 (libsvm's rule)
    "ovo": ("ovo", None),  # one score per class pair (libsvm signs), one-vs-one vote
}


def round_saturate_f32(v: np.ndarray, dtype: str) -> np.ndarray:
    """emml_quantize_q7/q15 on float32 values v already scaled (the C's
    ``x * inv_scale``): half away from zero with the +0.5 in float32,
    saturated, NaN -> 0. Bit-exact with lib/emml/src/linear.c."""
    v = np.asarray(v, dtype=np.float32)
    lo, hi = QMIN[dtype], QMAX[dtype]
    with np.errstate(invalid="ignore", over="ignore"):
        pos = np.trunc((v + np.float32(0.5)).astype(np.float32))
        neg = -np.trunc((-v + np.float32(0.5)).astype(np.float32))
        r = np.where(v >= 0, pos, neg)
        r = np.where(v <= lo, lo, np.where(v >= hi, hi, r))
        r = np.where(np.isnan(v), 0, r)
    return r.astype(np.int64)


def ovo_vote(scores: np.ndarray, n_classes: int) -> np.ndarray:
    """libsvm's one-vs-one vote: pair (i, j) votes for i when its score is
    > 0, else for j; the most votes win, the lowest class on ties."""
    s = np.atleast_2d(scores)
    votes = np.zeros((len(s), n_classes), dtype=np.int64)
    p = 0
    for i in range(n_classes):
        for j in range(i + 1, n_classes):
            pos = s[:, p] > 0
            votes[:, i] += pos
            votes[:, j] += ~pos
            p += 1
    return votes.argmax(axis=1)


class LinearModel(ClassicalModel):
    family = "linear"

    def __init__(self, W: np.ndarray, b: np.ndarray, post: str, classes: np.ndarray | None, estimator_name: str,
                 dtype: str = "float32", preprocess: Any = None, X_calibration: Any = None,
                 input_scale: Any = None) -> None:
        super().__init__()
        if post not in POSTS:
            raise AssertionError(post)
        if dtype not in ("float32", "int8", "int16"):
            raise UnsupportedError(f"dtype={dtype!r} is not supported for linear models; use 'float32', 'int16' "
                                   "or 'int8'")
        self.W = np.atleast_2d(np.asarray(W, dtype=np.float64))
        self.b = np.asarray(b, dtype=np.float64).reshape(-1)
        if self.b.size == 1 and self.W.shape[0] > 1:
            self.b = np.repeat(self.b, self.W.shape[0])
        if not (np.isfinite(self.W).all() and np.isfinite(self.b).all()):
            raise UnsupportedError(f"{estimator_name} has NaN or infinite coefficients; refit it before converting")
        self.post = post
        self.estimator_name = estimator_name
        self.preprocess = preprocess
        self.dtype = dtype
        self.method = "dense"
        self.n_features = int(self.W.shape[1])
        self.n_decision = int(self.W.shape[0])
        self.classes_ = None if classes is None else np.asarray(classes)
        rule, proba = POSTS[post]
        if rule is None:
            self.task = "regressor"
            self.n_outputs = self.n_decision
            self.entry_points = ("regress",)
        else:
            self.task = "classifier"
            self.n_outputs = len(self.classes_)
            self.entry_points = ("predict", "decision") + (("predict_proba",) if proba else ())
        self.options = {"dtype": dtype}
        if preprocess is not None:
            self.options["folded"] = "+".join(preprocess.steps)
        self.quant: dict[str, Any] | None = None
        if dtype != "float32":
            self.quant = self._quantize(X_calibration, input_scale)
            sfx = SUFFIX[dtype]
            self.entry_points += tuple(f"{e}_{sfx}" for e in self.entry_points if e != "predict_proba")
        arrays = [self.W, self.b] + ([] if self.classes_ is None else [np.asarray(self.classes_).astype(str)])
        self.source_digest = model_digest("linear", arrays, (estimator_name, post, dtype))

    # ---- quantization ----------------------------------------------------
    def _quantize(self, X_calibration: Any, input_scale: Any) -> dict[str, Any]:
        dt = self.dtype
        qmax = QMAX[dt]
        F = self.n_features
        if input_scale is not None:
            s = np.broadcast_to(np.asarray(input_scale, dtype=np.float64), (F,)).copy()
            if not (np.isfinite(s).all() and (s > 0).all()):
                raise UnsupportedError("input_scale must be positive and finite (one value, or one per feature)")
        elif X_calibration is not None:
            Xc = np.asarray(X_calibration, dtype=np.float64)
            if Xc.ndim != 2 or Xc.shape[1] != F:
                raise ValueError(f"X_calibration must have shape (n_samples, {F}), got {Xc.shape}")
            if not np.isfinite(Xc).all():
                raise ValueError("X_calibration contains NaN or infinity; impute or drop those rows")
            m = np.abs(Xc).max(axis=0)
            s = np.where(m > 0, m / qmax, 1.0)
        else:
            raise UnsupportedError(
                f"dtype={dt!r} needs the input scale: pass X_calibration=training data (per-feature max |x| "
                "maps to the integer range) or input_scale=... (1.0 when the features already are integers)"
            )
        inv = (1.0 / s).astype(np.float32)
        s_eff = 1.0 / inv.astype(np.float64)  # the scale the C really applies
        Wp = self.W * s_eff[None, :]
        rows = np.abs(Wp).sum(axis=1) * (qmax + 1) + np.abs(self.b)
        budget = INT32_MAX - (qmax + 1) * (F / 2.0 + 1) - 1
        sw = max(np.abs(Wp).max() / qmax if Wp.size else 0.0, rows.max() / budget if budget > 0 else np.inf)
        if not np.isfinite(sw) or sw <= 0:
            sw = 1.0
        sw = float(np.float32(sw))
        qW = np.clip(np.rint(Wp / sw), -qmax, qmax).astype(np.int64)
        qb = np.rint(self.b / sw).astype(np.int64)
        worst = np.abs(qW).sum(axis=1) * (qmax + 1) + np.abs(qb)
        if (worst > INT32_MAX).any():
            raise UnsupportedError(
                f"{self.estimator_name}: the bias is too large relative to the weights for a {dt} model "
                "(int32 accumulator would overflow); use dtype='float32' or 'int16'")
        return {"scale": s_eff, "inv_scale": inv, "w_scale": np.float32(sw), "qW": qW, "qb": qb}

    def quantize_reference(self, X: Any) -> np.ndarray:
        """The C float entry's input quantization, replayed in float32 (bit-exact)."""
        q = self.quant
        if q is None:
            raise AttributeError("quantize_reference() is for dtype='int8'/'int16' models")
        X = np.asarray(X, dtype=np.float32)
        with np.errstate(invalid="ignore", over="ignore"):
            return round_saturate_f32((X * q["inv_scale"]).astype(np.float32), self.dtype)

    def scores_reference(self, Xq: Any) -> np.ndarray:
        """Integer scores acc = qb + qW q, exactly as the C computes them."""
        q = self.quant
        if q is None:
            raise AttributeError("scores_reference() is for dtype='int8'/'int16' models")
        acc = np.asarray(Xq, dtype=np.int64) @ q["qW"].T + q["qb"]
        assert np.abs(acc).max(initial=0) <= INT32_MAX
        return acc

    def predict_reference(self, Xq: Any) -> np.ndarray:
        """Class index (or value, for regressors) from integer inputs."""
        acc = self.scores_reference(Xq)
        rule = POSTS[self.post][0]
        if rule == "sign":
            return (acc[:, 0] > 0).astype(np.int64)
        if rule == "sign_ge":
            return (acc[:, 0] >= 0).astype(np.int64)
        if rule == "ovo":
            return ovo_vote(acc, self.n_outputs)
        if rule == "argmax":
            return acc.argmax(axis=1)
        out = acc.astype(np.float32) * self.quant["w_scale"]
        return out[:, 0] if out.shape[1] == 1 else out

    # ---- C -----------------------------------------------------------------
    def generate(self, name: str) -> CSource:
        F, K = self.n_features, self.n_decision
        src = CSource(module="linear", headers=["linear", "mathf"] + (["svm"] if self.post == "ovo" else []))
        src.defines = [("N_FEATURES", str(F)), ("N_OUTPUTS", str(self.n_outputs))]
        if self.classes_ is not None:
            src.defines.append(("N_CLASSES", str(len(self.classes_))))
        pre = f" (preprocessing folded in: {self.preprocess.describe()})" if self.preprocess is not None else ""
        src.summary = [f"{self.estimator_name}: {K} x {F} linear scores, rule {self.post}{pre}.",
                       f"Weights: {self.dtype}" + (f", inputs quantized to {self.dtype} (see the arrays' comments)"
                                                   if self.quant else ", float32 arithmetic") + "."]
        if self.quant is None:
            src.arrays = [CArray("weights", "float", self.W, f"{K} x {F} weights, row-major, float32", 6),
                          CArray("bias", "float", self.b, f"{K} biases, float32", 6)]
            scores = [f"    emml_linear_f32({name}_weights, {name}_bias, x, {F}u, {K}u, s);"]
            self._float_entries(name, src, scores, "float")
        else:
            q, dt = self.quant, self.dtype
            sfx = "_" + SUFFIX[dt]
            src.arrays = [
                CArray("qweights", CTYPE[dt], q["qW"], f"{K} x {F} {dt} weights, row-major: W[k][i] * s_i / w_scale",
                       16 if dt == "int8" else 12),
                CArray("qbias", "int32_t", q["qb"], f"{K} int32 biases: b[k] / w_scale, rounded", 6),
                CArray("inv_scale", "float", q["inv_scale"], f"{F} input quantizer 1/s_i: q_i = round(x_i / s_i), "
                                                             f"saturated to {dt}", 6),
            ]
            ws = c_float(q["w_scale"])
            iscores = [f"    emml_linear_{KERNEL[dt]}({name}_qweights, {name}_qbias, x, {F}u, {K}u, acc);"]
            self._int_entries(name, src, iscores, CTYPE[dt], sfx, ws)
            quant = [f"    {CTYPE[dt]} q[{F}];", "    int32_t i;"]
            qloop = [f"    for (i = 0; i < {F}; i++)",
                     f"        q[i] = emml_quantize_{KERNEL[dt]}(x[i], {name}_inv_scale[i]);"]
            fscores = [*qloop, f"    {name}_scores{sfx}(q, s);"]
            helper = function(f"static void {name}_scores{sfx}(const {CTYPE[dt]} *q, float *s)",
                              [f"    int32_t acc[{K}];", "    int32_t k;",
                               f"    emml_linear_{KERNEL[dt]}({name}_qweights, {name}_qbias, q, {F}u, {K}u, acc);",
                               f"    for (k = 0; k < {K}; k++)",
                               f"        s[k] = (float)acc[k] * {ws}; /* w_scale */"])
            src.helpers.append(helper)
            self._float_entries(name, src, fscores, "float", quant_decls=quant, int_predict=(sfx, qloop))
        src.stack_bytes = 4 * K * (2 if self.quant else 1) + (self.n_features * (1 if self.dtype == "int8" else 2)
                                                              if self.quant else 0)
        return src

    def _rule_lines(self, K: int, s: str, out_type: str = "int32_t") -> list[str]:
        rule = POSTS[self.post][0]
        zero = "0" if out_type == "int32_t" else "0.0f"
        if rule == "sign":
            return [f"    return {s}[0] > {zero} ? 1 : 0;"]
        if rule == "sign_ge":
            return [f"    return {s}[0] >= {zero} ? 1 : 0; /* libsvm: class 0 only when its decision is > 0 */"]
        if rule == "ovo":
            fn = "emml_svm_vote_i32" if out_type == "int32_t" else "emml_svm_vote_f32"
            return [f"    return (int32_t){fn}({s}, {self.n_outputs}u); /* one-vs-one vote, as libsvm */"]
        fn = "emml_argmax_i32" if out_type == "int32_t" else "emml_argmax_f32"
        return [f"    return (int32_t){fn}({s}, {K}u); /* first of equal maxima, as numpy.argmax */"]

    def _proba_lines(self, K: int) -> list[str]:
        rule = POSTS[self.post][1]
        C = self.n_outputs
        if rule == "logistic":
            return ["    out[1] = emml_sigmoidf(s[0]);", "    out[0] = 1.0f - out[1];"]
        if rule == "huber":
            return ["    out[1] = (s[0] > 1.0f ? 1.0f : s[0] < -1.0f ? -1.0f : s[0]) * 0.5f + 0.5f;",
                    "    out[0] = 1.0f - out[1];"]
        if rule == "softmax":
            return [f"    emml_softmax_f32(s, out, {C}u);"]
        f = ("emml_sigmoidf(s[k])" if rule == "ovr_logistic"
             else "(s[k] > 1.0f ? 1.0f : s[k] < -1.0f ? -1.0f : s[k]) * 0.5f + 0.5f")
        return ["    {", "        float total = 0.0f;", "        int32_t k;", f"        for (k = 0; k < {C}; k++) {{",
                f"            out[k] = {f};", "            total += out[k];", "        }",
                f"        for (k = 0; k < {C}; k++) /* all zero: uniform, as scikit-learn */",
                f"            out[k] = total > 0.0f ? out[k] / total : {c_float(1.0 / C)};", "    }"]

    def _float_entries(self, name: str, src: CSource, scores: list[str], xt: str,
                       quant_decls: list[str] = (), int_predict: Any = None) -> None:
        F, K = self.n_features, self.n_decision
        fn = lambda e: f"{name}_{e}"  # noqa: E731
        rule, proba = POSTS[self.post]
        decl_s = [f"    float s[{K}];", *quant_decls]
        if rule is None:
            sig = SIG_ROWS.format(fn=fn("regress"), xt=xt, ot="float")
            body = [*quant_decls, *head_checks(F), *out_checks(K)]
            if self.quant is None:
                body.append(f"    emml_linear_f32({name}_weights, {name}_bias, x, {F}u, {K}u, out);")
            else:
                body += [ln.replace(", s);", ", out);") for ln in scores]
            src.functions.append(function(sig, [*body, "    return EMML_OK;"]))
            src.declarations.append(sig + ";")
            src.docs.append(f"{fn('regress')}: {K} regression output(s) into out")
            return
        # predict
        sig = SIG_PRED.format(fn=fn("predict"), xt=xt)
        if int_predict is not None:  # quantized: decide on the exact integer scores
            sfx, qloop = int_predict
            body = [*quant_decls, *head_checks(F, pred=True), *qloop,
                    f"    return {name}_predict{sfx}(q, n_features);"]
        else:
            body = [*decl_s, *head_checks(F, pred=True), *scores, *self._rule_lines(K, "s", "float")]
        src.functions.append(function(sig, body))
        src.declarations.append(sig + ";")
        src.docs.append(f"{fn('predict')}: class index 0..{self.n_outputs - 1} ({name.upper()}_N_CLASSES classes)")
        # decision
        sig = SIG_ROWS.format(fn=fn("decision"), xt=xt, ot="float")
        body = [*quant_decls, *head_checks(F), *out_checks(K)]
        body += [ln.replace(", s);", ", out);") for ln in scores] + ["    return EMML_OK;"]
        src.functions.append(function(sig, body))
        src.declarations.append(sig + ";")
        src.docs.append(f"{fn('decision')}: {K} decision score(s) (scikit-learn decision_function) into out")
        if proba:
            sig = SIG_ROWS.format(fn=fn("predict_proba"), xt=xt, ot="float")
            body = [*decl_s, *head_checks(F), *out_checks(self.n_outputs), *scores, *self._proba_lines(K),
                    "    return EMML_OK;"]
            src.functions.append(function(sig, body))
            src.declarations.append(sig + ";")
            src.docs.append(f"{fn('predict_proba')}: {self.n_outputs} class probabilities into out")

    def _int_entries(self, name: str, src: CSource, iscores: list[str], xt: str, sfx: str, ws: str) -> None:
        F, K = self.n_features, self.n_decision
        rule = POSTS[self.post][0]
        if rule is None:
            sig = SIG_ROWS.format(fn=f"{name}_regress{sfx}", xt=xt, ot="float")
            body = [f"    int32_t acc[{K}];", "    int32_t k;", *head_checks(F), *out_checks(K), *iscores,
                    f"    for (k = 0; k < {K}; k++)", f"        out[k] = (float)acc[k] * {ws}; /* w_scale */",
                    "    return EMML_OK;"]
            src.functions.append(function(sig, body))
            src.declarations.append(sig + ";")
            src.docs.append(f"{name}_regress{sfx}: quantized input, {K} output(s): integer score * w_scale")
            return
        sig = SIG_PRED.format(fn=f"{name}_predict{sfx}", xt=xt)
        body = [f"    int32_t acc[{K}];", *head_checks(F, pred=True), *iscores, *self._rule_lines(K, "acc")]
        src.functions.append(function(sig, body))
        src.declarations.append(sig + ";")
        sig2 = SIG_ROWS.format(fn=f"{name}_decision{sfx}", xt=xt, ot="int32_t")
        body = [*head_checks(F), *out_checks(K), *[ln.replace(", acc);", ", out);") for ln in iscores],
                "    return EMML_OK;"]
        src.functions.append(function(sig2, body))
        src.declarations.append(sig2 + ";")
        src.docs += [f"{name}_predict{sfx}: quantized input, class index from the exact integer scores",
                     f"{name}_decision{sfx}: quantized input, {K} int32 scores (real score = score * w_scale "
                     f"= {ws})"]

    # ---- host: integer entry points -------------------------------------------
    def _int_rows(self, entry: str, Xq: Any, n_out: int, ot: Any) -> np.ndarray:
        dt = self.dtype
        np_t = np.int8 if dt == "int8" else np.int16
        Xq = np.asarray(Xq)
        if Xq.ndim != 2 or Xq.shape[1] != self.n_features:
            raise ValueError(f"Xq must have shape (n, {self.n_features})")
        if (Xq < QMIN[dt]).any() or (Xq > QMAX[dt]).any():
            raise ValueError(f"Xq has values outside the {dt} range")
        Xq = np.ascontiguousarray(Xq, dtype=np_t)
        ct = ctypes.c_int8 if dt == "int8" else ctypes.c_int16
        xp = ctypes.POINTER(ct)
        sfx = SUFFIX[dt]
        if entry == "predict":
            fn = self._function(f"predict_{sfx}", [xp, ctypes.c_int32], ctypes.c_int32)
            res = np.array([fn(Xq[i].ctypes.data_as(xp), self.n_features) for i in range(len(Xq))])
            if (res < 0).any():
                raise RuntimeError("predict_int returned an error status")
            return res
        op = ctypes.POINTER(ot)
        fn = self._function(f"{entry}_{sfx}", [xp, ctypes.c_int32, op, ctypes.c_int32], ctypes.c_int)
        out = np.zeros((len(Xq), n_out), dtype=np.int32 if ot is ctypes.c_int32 else np.float32)
        for i in range(len(Xq)):
            st = fn(Xq[i].ctypes.data_as(xp), self.n_features, out[i].ctypes.data_as(op), n_out)
            if st != 0:
                raise RuntimeError(f"{entry}_{sfx}() returned emml status {st} on row {i}")
        return out

    def predict_int(self, Xq: Any) -> np.ndarray:
        """Run NAME_predict_i8/_i16 (classifiers: class index) or
        NAME_regress_i8/_i16 (regressors) on already-quantized rows."""
        if self.quant is None:
            raise AttributeError("predict_int() is for dtype='int8'/'int16' models")
        if self.task == "regressor":
            out = self._int_rows("regress", Xq, self.n_decision, ctypes.c_float)
            return out[:, 0] if self.n_decision == 1 else out
        return self._int_rows("predict", Xq, 0, None)

    def decision_int(self, Xq: Any) -> np.ndarray:
        """NAME_decision_i8/_i16: the int32 scores."""
        if self.quant is None or self.task == "regressor":
            raise AttributeError("decision_int() is for quantized classifiers")
        return self._int_rows("decision", Xq, self.n_decision, ctypes.c_int32).astype(np.int64)
