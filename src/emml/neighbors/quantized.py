"""Integer nearest neighbours (dtype "int8" / "int16"): KNeighborsClassifier
and NearestCentroid with int8 or int16 examples and integer distances, for
chips without an FPU (see the integer section of emml/neighbors.h).

Scaling (one scale s for every feature, so distances keep their order):

  model space   z = the features the estimator was fitted on (after the
                Pipeline's scalers/PCA, if any).
  scale         s = max |z| over the training examples and X_calibration,
                divided by the full scale: 127 (int8), 32767 (int16
                Manhattan) or, for int16 Euclidean, floor(sqrt((2^32 - 1) /
                n_features) / 2) (e.g. 9090 for 13 features) so that no
                distance between in-range vectors saturates the uint32 sum;
                or input_scale (one value, in model-space units).
  examples      q = round(float32(z) * float32(1 / s)), half away from zero,
                saturated (the C quantizer, replayed in float32).
  queries       no preprocessing: q_i = quantize(x_i * (1/s));
                per-feature scalers: folded into the quantizer,
                  q_i = quantize(x_i * (a_i / s) + b_i / s) (float32 multiply,
                  then add, then round);
                PCA: z = the float32 prelude (emml_linear_f32), then
                  q_i = quantize(z_i * (1/s)).

:meth:`QuantizedNeighborsModel.quantize_reference` and
:meth:`QuantizedNeighborsModel.predict_reference` are the Python integer
reference the C matches bit for bit (distances in exact integers, the same
k-list and tie rule, the same float32 vote weights).
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from emml.linear.codegen import SIG_PRED, SIG_ROWS, CArray, CSource, c_float, function, head_checks, out_checks
from emml.linear.model import CTYPE, QMAX, SUFFIX, round_saturate_f32
from emml.model import UnsupportedError
from emml.neighbors import MAX_K, METRICS, NeighborsModel

KERNEL = {"int8": "q7", "int16": "q15"}
U32_MAX = 2**32 - 1


def sqrt_f32_reference(d: np.ndarray) -> np.ndarray:
    """emml_sqrt_f32 (lib/emml/src/fixed.c) in float32, bit for bit, for the
    normal-range positive values an integer distance gives."""
    x = np.asarray(d, dtype=np.float32)
    y = ((x.view(np.uint32) >> np.uint32(1)) + np.uint32(0x1FC00000)).view(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(3):
            y = (np.float32(0.5) * (y + (x / y).astype(np.float32)).astype(np.float32)).astype(np.float32)
    return np.where(x > 0, y, np.float32(0)).astype(np.float32)


class QuantizedNeighborsModel(NeighborsModel):
    """A classifier NeighborsModel with int8 / int16 examples."""

    def __init__(self, est: Any, affine: Any, dtype: str, X_calibration: Any = None, input_scale: Any = None):
        super().__init__(est, affine)
        if dtype not in KERNEL:
            raise UnsupportedError(f"dtype={dtype!r} is not supported for nearest neighbours; use 'float32', "
                                   "'int16' or 'int8'")
        if self.task != "classifier":
            raise UnsupportedError(f"{self.estimator_name} with dtype={dtype!r}: integer examples are for "
                                   "classifiers (KNeighborsClassifier, NearestCentroid); use dtype='float32'")
        self.dtype = dtype
        F = self.examples.shape[1]
        if F > 65536:
            raise UnsupportedError(f"{F} features: the integer distance needs <= 65536")
        qmax = self.full_scale(dtype, self.metric, F)
        if input_scale is not None:
            s = np.asarray(input_scale, dtype=np.float64)
            if s.size != 1 or not np.isfinite(s).all() or float(s.reshape(-1)[0]) <= 0:
                raise UnsupportedError("input_scale for nearest neighbours must be ONE positive value (a common "
                                       "scale keeps distances in order; per-feature scales would change them)")
            s = float(s.reshape(-1)[0])
        else:
            top = np.abs(self.examples).max(initial=0.0)
            if X_calibration is not None:
                Xc = np.asarray(X_calibration, dtype=np.float64)
                if Xc.ndim != 2 or Xc.shape[1] != self.n_features:
                    raise ValueError(f"X_calibration must have shape (n_samples, {self.n_features}), got {Xc.shape}")
                if not np.isfinite(Xc).all():
                    raise ValueError("X_calibration contains NaN or infinity; impute or drop those rows")
                Z = affine.apply(Xc) if affine is not None else Xc
                top = max(top, float(np.abs(Z).max(initial=0.0)))
            s = top / qmax if top > 0 else 1.0
        inv = np.float32(1.0 / s)
        self.scale = 1.0 / float(inv)  # what the C really applies
        self.inv_scale = inv
        # diagonal preprocessing folds into the quantizer: q = round(x * a/s + b/s)
        self.fold = affine is not None and affine.diag
        if self.fold:
            self.q_mul = (np.asarray(affine.A, np.float64) * float(inv)).astype(np.float32)
            self.q_add = (np.asarray(affine.b, np.float64) * float(inv)).astype(np.float32)
        self.q_examples = round_saturate_f32((self.examples.astype(np.float32) * inv).astype(np.float32), dtype)
        self.entry_points = ("predict", "predict_proba", f"predict_{SUFFIX[dtype]}", "quantize")
        self.options.update({"dtype": dtype, "scale": f"{self.scale:.9g}"})

    @staticmethod
    def full_scale(dtype: str, metric: str, n_features: int) -> int:
        """The integer the largest calibrated |z| maps to. int16 Euclidean
        uses less than 32767 so that the squared distance between any two
        in-range vectors, n_features * (2 full_scale)^2, fits the uint32
        accumulator without saturating."""
        if dtype == "int8" or metric == "manhattan":
            return QMAX[dtype]
        return int(min(QMAX[dtype], np.floor(np.sqrt(U32_MAX / n_features) / 2)))

    # ---- Python integer reference -------------------------------------------------
    def quantize_reference(self, X: Any) -> np.ndarray:
        """The C quantizer (NAME_quantize), replayed in float32."""
        X = np.asarray(X, dtype=np.float32)
        if X.ndim == 1:
            X = X[None, :]
        with np.errstate(invalid="ignore", over="ignore"):
            if self.preprocess is None:
                v = (X * self.inv_scale).astype(np.float32)
            elif self.fold:
                v = ((X * self.q_mul).astype(np.float32) + self.q_add).astype(np.float32)
            else:  # emml_linear_f32: bias first, then feature by feature, all float32
                A = self.preprocess.A.astype(np.float32)
                z = np.broadcast_to(self.preprocess.b.astype(np.float32), (len(X), A.shape[0])).copy()
                for i in range(A.shape[1]):
                    z = (z + (A[:, i][None, :] * X[:, i : i + 1]).astype(np.float32)).astype(np.float32)
                v = (z * self.inv_scale).astype(np.float32)
        return round_saturate_f32(v, self.dtype)

    def distances_reference(self, Xq: Any) -> np.ndarray:
        """Exact integer distances (uint32, saturated) to every stored example."""
        q = np.asarray(Xq, dtype=np.int64)
        d = q[:, None, :] - self.q_examples[None, :, :]
        if self.metric == "manhattan":
            return np.minimum(np.abs(d).sum(-1), U32_MAX)
        # the C saturates while it sums; the terms are >= 0, so that is min(total, max)
        return np.minimum((d * d).sum(-1), U32_MAX)

    def predict_reference(self, Xq: Any, proba: bool = False) -> np.ndarray:
        """Class indices (or probabilities) exactly as the C computes them."""
        dist = self.distances_reference(Xq)
        C = self.n_outputs
        out_cls = np.empty(len(dist), dtype=np.int64)
        out_p = np.zeros((len(dist), C), dtype=np.float32)
        for r, drow in enumerate(dist):
            order = np.argsort(drow, kind="stable")[: self.k]  # earlier example first among equal distances
            dk, lab = drow[order], self.labels[order]
            if self.weights == "uniform":
                votes = np.array([(lab == c).sum() for c in range(C)])
                out_cls[r] = int(votes.argmax())
                out_p[r] = votes.astype(np.float32) / np.float32(len(order))
                continue
            if (dk == 0).any():
                w = (dk == 0).astype(np.float32)
            else:
                df = dk.astype(np.float32)
                w = np.float32(1) / (sqrt_f32_reference(df) if self.metric == "euclidean" else df)
            total = np.float32(0)
            for v in w.astype(np.float32):
                total = np.float32(total + v)
            inv_total = np.float32(np.float32(1) / total)
            sums = np.zeros(C, dtype=np.float32)
            for c in range(C):
                acc = np.float32(0)
                for v in w[lab == c].astype(np.float32):
                    acc = np.float32(acc + v)
                sums[c] = acc
            out_cls[r] = int(sums.argmax())
            out_p[r] = (sums * inv_total).astype(np.float32)
        return out_p if proba else out_cls

    # ---- host: integer entry points ---------------------------------------------------
    def quantize(self, X: Any) -> np.ndarray:
        """Run NAME_quantize (float input -> the integers the search uses)."""
        X = self._check_X(X)
        np_t = np.int8 if self.dtype == "int8" else np.int16
        ct = ctypes.c_int8 if self.dtype == "int8" else ctypes.c_int16
        fp, op = ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ct)
        F = self.examples.shape[1]
        fn = self._function("quantize", [fp, ctypes.c_int32, op, ctypes.c_int32], ctypes.c_int)
        out = np.zeros((len(X), F), dtype=np_t)
        for i in range(len(X)):
            st = fn(X[i].ctypes.data_as(fp), self.n_features, out[i].ctypes.data_as(op), F)
            if st != 0:
                raise RuntimeError(f"quantize() returned emml status {st} on row {i}")
        return out.astype(np.int64)

    def predict_int(self, Xq: Any) -> np.ndarray:
        """Run NAME_predict_i8 / _i16 on quantized model-space rows: class indices."""
        dt = self.dtype
        F = self.examples.shape[1]
        Xq = np.asarray(Xq)
        if Xq.ndim != 2 or Xq.shape[1] != F:
            raise ValueError(f"Xq must have shape (n, {F})")
        if (Xq < -QMAX[dt] - 1).any() or (Xq > QMAX[dt]).any():
            raise ValueError(f"Xq has values outside the {dt} range")
        np_t = np.int8 if dt == "int8" else np.int16
        ct = ctypes.c_int8 if dt == "int8" else ctypes.c_int16
        xp = ctypes.POINTER(ct)
        Xq = np.ascontiguousarray(Xq, dtype=np_t)
        fn = self._function(f"predict_{SUFFIX[dt]}", [xp, ctypes.c_int32], ctypes.c_int32)
        res = np.array([fn(Xq[i].ctypes.data_as(xp), F) for i in range(len(Xq))], dtype=np.int64)
        if (res < 0).any():
            raise RuntimeError(f"predict_{SUFFIX[dt]} returned an error status")
        return res

    def transform(self, X: Any) -> np.ndarray:
        raise AttributeError("an integer nearest-neighbour model has quantize() instead of transform()")

    # ---- C -----------------------------------------------------------------------------
    def generate(self, name: str) -> CSource:
        n, F = self.examples.shape
        C = self.n_outputs
        dt, kq, ct = self.dtype, KERNEL[self.dtype], CTYPE[self.dtype]
        sfx = SUFFIX[dt]
        src = CSource(module="neighbors", headers=["neighbors", "linear", "mathf"])
        src.defines = [("N_FEATURES", str(self.n_features)), ("N_OUTPUTS", str(C)), ("N_CLASSES", str(C)),
                       ("N_EXAMPLES", str(n)), ("MODEL_FEATURES", str(F)), ("K", str(self.k))]
        qlines: list[str] = [f"    {ct} q[{F}];"]
        stack = F * (1 if dt == "int8" else 2) + 8 * MAX_K
        if self.preprocess is None:
            qloop = [f"    for (i = 0; i < {F}; i++)",
                     f"        q[i] = emml_quantize_{kq}(x[i], {c_float(self.inv_scale)}); /* 1 / scale */"]
        elif self.fold:
            src.arrays += [CArray("q_mul", "float", self.q_mul, f"{F} quantizer multipliers: preprocessing scale "
                                                                "/ scale", 6),
                           CArray("q_add", "float", self.q_add, f"{F} quantizer offsets: preprocessing offset "
                                                                "/ scale", 6)]
            qloop = [f"    for (i = 0; i < {F}; i++)",
                     f"        q[i] = emml_quantize_{kq}(x[i] * {name}_q_mul[i] + {name}_q_add[i], 1.0f);"]
        else:
            arrs, pre, extra = self.preprocess.c_prelude(name)
            src.arrays += arrs
            stack += extra
            qloop = [*pre, f"    for (i = 0; i < {F}; i++)",
                     f"        q[i] = emml_quantize_{kq}(z[i], {c_float(self.inv_scale)}); /* 1 / scale */"]
        qlines.append("    int32_t i;")
        src.arrays.append(CArray("x", ct, self.q_examples, f"{n} examples x {F} features, {dt}: "
                                                           f"round(z / {self.scale:.9g})", 16 if dt == "int8" else 12))
        src.arrays.append(CArray("labels", "uint16_t", self.labels, f"{n} class indices", 16))
        fields = [("n_features", f"{F}u"), ("n_outputs", f"{C}u"), ("k", f"{self.k}u"),
                  ("weights", "EMML_NEIGHBORS_UNIFORM" if self.weights == "uniform" else "EMML_NEIGHBORS_DISTANCE"),
                  ("metric", METRICS[self.metric]), ("n_base", f"{n}u"),
                  ("base_q7", f"{name}_x" if dt == "int8" else "0"),
                  ("base_q15", f"{name}_x" if dt == "int16" else "0"), ("base_label", f"{name}_labels")]
        src.structs.append(("emml_neighbors_q_model_t", f"{name}_model", fields, True))
        src.structs.append(("emml_neighbors_q_t", f"{name}_nn",
                            [("model", f"&{name}_model"), ("x_q7", "0"), ("x_q15", "0"), ("label", "0"),
                             ("capacity", "0u"), ("count", "0u"), ("next", "0u"), ("flags", "0u")], False))
        src.helpers.append(f"#if EMML_NEIGHBORS_MAX_K < {self.k}\n#error \"{name}: k = {self.k} needs "
                           f"EMML_NEIGHBORS_MAX_K >= {self.k}\"\n#endif")
        src.declarations.append(
            f"/* The model, for emml_neighbors_{kq}_init() with a buffer of examples added at run time\n"
            f" * ({F} {dt} features each, from {name}_quantize). */\n"
            f"extern const emml_neighbors_q_model_t {name}_model;")
        what = ("nearest centroid (1-NN over the class centroids)" if self.estimator_name == "NearestCentroid"
                else f"{self.k}-NN classifier")
        src.summary = [f"{self.estimator_name}: {what}, {self.weights} weights, {self.metric} distance,",
                       f"{n} examples x {F} features in flash as {dt} ({n * F * (1 if dt == 'int8' else 2) + 2 * n} "
                       "bytes with the labels), integer distances.",
                       f"Quantization: q = round(z / {self.scale:.9g}), z the model-space features"
                       + (f" after {self.preprocess.describe()}" if self.preprocess is not None else "") + "."]
        src.stack_bytes = stack + 4 * C
        Fi = self.n_features
        src.functions.append(function(SIG_PRED.format(fn=f"{name}_predict", xt="float"),
                                      [*qlines, *head_checks(Fi, pred=True), *qloop,
                                       f"    return emml_neighbors_{kq}_predict(&{name}_nn, q);"]))
        src.functions.append(function(SIG_ROWS.format(fn=f"{name}_predict_proba", xt="float", ot="float"),
                                      [*qlines, *head_checks(Fi), *out_checks(C), *qloop,
                                       f"    return emml_neighbors_{kq}_scores(&{name}_nn, q, out);"]))
        src.functions.append(function(SIG_PRED.format(fn=f"{name}_predict_{sfx}", xt=ct),
                                      [*head_checks(F, pred=True),
                                       f"    return emml_neighbors_{kq}_predict(&{name}_nn, x);"]))
        qsig = SIG_ROWS.format(fn=f"{name}_quantize", xt="float", ot=ct)
        src.functions.append(function(qsig, [qlines[1], *head_checks(Fi), *out_checks(F),
                                             *[ln.replace("q[i] =", "out[i] =") for ln in qloop],
                                             "    return EMML_OK;"]))
        for fn in src.functions:
            src.declarations.append(fn.split("\n", 1)[0] + ";")
        src.docs += [f"{name}_predict: class index 0..{C - 1} (float input, quantized, integer search)",
                     f"{name}_predict_proba: {C} class probabilities (normalised vote weights)",
                     f"{name}_predict_{sfx}: class index from {F} already-quantized {dt} model-space features",
                     f"{name}_quantize: float input -> the {F} {dt} features the search uses (for "
                     f"emml_neighbors_{kq}_add)"]
        return src
