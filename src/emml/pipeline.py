"""A scikit-learn Pipeline of [feature extractor, model] as ONE C entry point.

The first step is an emml.dsp front end (HarFeatures or LogMel), the rest is
any model emml.convert handles (trees, linear/classical, networks; a
[front end, scaler, model] Pipeline works when the model family folds the
scaler). The generated C runs the bit-exact integer front end on raw int16
samples, converts its output to the float features the transformer gave the
model during training, and calls the converted model:

    pipe = make_pipeline(HarFeatures(HarConfig(window=52)), RandomForestClassifier())
    pipe.fit(windows, labels)                 # windows: (n, 52, 3) int16
    model = emml.convert(pipe)                # a PipelineModel
    model.save("src", "har")                  # har.h, har.c, har_fe.h, har_model.h
    model.predict(windows)                    # the same C, on the host

C API (name.h): a typed scratch area the caller owns, no static data:

    name_scratch_t scratch;                   /* sizeof: the RAM it needs */
    int32_t cls = name_predict(samples, NAME_N_SAMPLES, &scratch);

``samples`` is one window as the transformer takes it, flattened: HAR
(x, y, z) interleaved (3 * window values), audio n_samples values.
Entry points: name_features (the float features alone), name_predict (class
index, or a negative emml_status_t), name_predict_proba / name_regress when
the model has them (status, outputs in ``out``).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from emml.model import Model, UnsupportedError, check_c_name, measure_entry

__all__ = ["PipelineModel", "supports", "convert"]

_FRONT_ENDS = ("HarFeatures", "LogMel")


def _front_end(estimator: Any) -> Any:
    """The emml.dsp transformer heading a Pipeline, or None."""
    if type(estimator).__name__ != "Pipeline" or not estimator.steps:
        return None
    first = estimator.steps[0][1]
    from emml.dsp.transformers import HarFeatures, LogMel

    return first if isinstance(first, (HarFeatures, LogMel)) else None


def supports(estimator: Any) -> bool:
    return _front_end(estimator) is not None


def convert(estimator: Any, method: str = "auto", dtype: str = "float32", **options: Any) -> "PipelineModel":
    """Convert a fitted Pipeline [HarFeatures or LogMel, ...model steps].

    method, dtype and the other options go to the model's converter (see
    emml.convert); options holding training data (X_calibration,
    representative_data) may be given as raw windows: they are passed through
    the front end first."""
    import emml

    front = _front_end(estimator)
    if front is None:
        raise UnsupportedError("emml.pipeline converts a Pipeline whose first step is an emml.dsp "
                               f"HarFeatures or LogMel transformer ({', '.join(_FRONT_ENDS)})")
    rest = estimator.steps[1:]
    if not rest:
        raise UnsupportedError("the Pipeline has only the feature extractor; add the model after it")
    from emml.dsp.transformers import HarFeatures, LogMel

    if any(isinstance(s, (HarFeatures, LogMel)) for _, s in rest):
        raise UnsupportedError("only the first Pipeline step may be an emml.dsp feature extractor")
    if len(rest) == 1:
        model_part = rest[0][1]
    else:
        from sklearn.pipeline import Pipeline

        model_part = Pipeline(rest)
    fe = _FrontEnd(front)
    for key in ("X_calibration", "representative_data"):
        value = options.get(key)
        if value is not None and _looks_raw(value, fe):
            options[key] = front.transform(value)
    inner = emml.convert(model_part, method=method, dtype=dtype, **options)
    if inner.n_features != fe.n_features:
        raise UnsupportedError(f"the model takes {inner.n_features} features, the front end gives {fe.n_features}")
    return PipelineModel(fe, inner, estimator)


def _looks_raw(value: Any, fe: "_FrontEnd") -> bool:
    a = np.asarray(value)
    return a.ndim >= 2 and int(np.prod(a.shape[1:])) == fe.n_samples and fe.n_samples != fe.n_features


class _FrontEnd:
    """What the generated C needs to know about the transformer."""

    def __init__(self, transformer: Any) -> None:
        from emml.dsp.transformers import HarFeatures

        self.transformer = transformer
        self.config = transformer._cfg()
        self.output = transformer.output
        self.kind = "har" if isinstance(transformer, HarFeatures) else "logmel"
        cfg = self.config
        if self.kind == "har":
            self.n_samples = 3 * int(cfg.window)
            self.n_features = cfg.n_features
        else:
            if not hasattr(transformer, "n_features_in_"):
                raise UnsupportedError("the LogMel step is not fitted (it learns the window length in fit); "
                                       "fit the Pipeline before converting it")
            self.n_samples = int(transformer.n_features_in_)
            self.n_frames = 1 + (self.n_samples - cfg.n_fft) // cfg.hop_length
            self.per_frame = cfg.n_mfcc if self.output == "mfcc" else cfg.n_mels
            self.n_features = self.n_frames * self.per_frame

    def describe(self) -> str:
        cfg = self.config
        opts = json.dumps({k: v for k, v in vars(cfg).items()}, sort_keys=True, default=str)
        return f"{type(self.transformer).__name__}(output={self.output!r}) {type(cfg).__name__} {opts}"

    def header_c(self, fe: str) -> str:
        if self.kind == "har":
            return self.config.header_c(fe)
        return self.config.header_c(fe, f32=False)

    def source_c(self, fe: str) -> str:
        if self.kind == "har":
            return self.config.source_c(fe)
        return self.config.source_c(fe, f32=False)

    def scratch_fields(self, fe: str) -> list[str]:
        FE = fe.upper()
        if self.kind == "har":
            return [f"int16_t fe[{FE}_SCRATCH_LEN];      /* emml_har_compute scratch */",
                    f"int32_t raw[{FE}_N_FEATURES];      /* the integer features */"]
        fields = [f"int16_t work[{FE}_N_FFT];            /* FFT buffer */",
                  f"int16_t mel[{FE}_N_MELS];            /* one frame's log-mel, Q8 dB */"]
        if self.output == "mfcc":
            fields.append(f"int16_t mfcc[{FE}_N_MFCC];       /* one frame's MFCC */")
        return fields

    def features_body(self, name: str, fe: str) -> str:
        """C statements filling scratch->features from samples."""
        if self.kind == "har":
            if self.output == "float":
                conv = f"    emml_har_to_f32(&{fe}_har, scratch->raw, scratch->features);\n"
            else:
                conv = (f"    for (i = 0; i < {name.upper()}_N_FEATURES; i++) {{\n"
                        "        scratch->features[i] = (float)scratch->raw[i];\n    }\n")
            return f"    {fe}_features(samples, scratch->fe, scratch->raw);\n" + conv
        cfg, FE = self.config, fe.upper()
        if self.output == "mfcc":
            scale = f"{1.0 / 2 ** cfg.mfcc_out_frac!r}f"
            per = (f"        emml_mfcc_q15(&{fe}_mfcc_q15, scratch->mel, scratch->mfcc);\n"
                   f"        for (j = 0; j < {FE}_N_MFCC; j++) {{\n"
                   f"            out[j] = (float)scratch->mfcc[j] * {scale}; /* Q{cfg.mfcc_out_frac} dB -> dB */\n"
                   "        }\n")
            width = f"{FE}_N_MFCC"
        else:
            scale = " * (1.0f / 256.0f)" if self.output == "logmel" else ""
            per = (f"        for (j = 0; j < {FE}_N_MELS; j++) {{\n"
                   f"            out[j] = (float)scratch->mel[j]{scale};{' /* Q8 dB -> dB */' if scale else ''}\n"
                   "        }\n")
            width = f"{FE}_N_MELS"
        return (f"    for (i = 0; i < {self.n_frames}; i++) {{\n"
                f"        float *out = scratch->features + i * {width};\n"
                f"        emml_logmel_frame_q15(&{fe}_logmel_q15, samples + i * {FE}_HOP, scratch->work, scratch->mel);\n"
                + per + "    }\n")

    def scratch_bytes(self) -> int:
        """An upper bound of sizeof(name_scratch_t) (host buffers)."""
        cfg = self.config
        if self.kind == "har":
            return 2 * cfg.scratch_len + 8 * self.n_features + 16
        return 2 * (cfg.n_fft + cfg.n_mels + cfg.n_mfcc) + 4 * self.n_features + 16


class PipelineModel(Model):
    """A converted [front end, model] Pipeline: raw int16 windows in."""

    dtype = "int16"

    def __init__(self, front: _FrontEnd, inner: Model, pipeline: Any = None) -> None:
        super().__init__()
        self.front = front
        self.inner = inner
        self.task = inner.task
        self.classes_ = inner.classes_
        self.n_outputs = inner.n_outputs
        self.n_features = front.n_samples  # what predict() takes per row
        self.method = inner.method
        self.options = dict(inner.options)
        self.entry_points = ("features",) + tuple(e for e in inner.entry_points
                                                  if e in ("predict", "predict_proba", "regress"))
        self.report_entry = "predict" if "predict" in self.entry_points else self.entry_points[1]
        self._source_hash = _pipeline_hash(pipeline)

    # ---- C ------------------------------------------------------------
    def sources(self, name: str) -> dict[str, str]:
        check_c_name(name)
        fe, mdl = f"{name}_fe", f"{name}_model"
        NAME = name.upper()
        inner = self.inner.sources(mdl)
        from emml import __version__
        from emml.runtime import minor_version_guard

        prov = (f"/*\n * Generated by emml {__version__} (emml.pipeline); do not edit.\n"
                f" * Pipeline sha256 {self._source_hash}\n * Front end: {self.front.describe()}\n"
                f" * Model: {type(self.inner).__name__} ({self.method}), the C of {mdl}.h below.\n */\n")
        entries = []
        docs = [f" *   {name}_features: the {self.front.n_features} float features into scratch->features"]
        if "predict" in self.entry_points:
            entries.append(f"int32_t {name}_predict(const int16_t *samples, int32_t n_samples, "
                           f"{name}_scratch_t *scratch);")
            docs.append(f" *   {name}_predict: "
                        + ("class index (" + ", ".join(map(str, self.classes_)) + ")" if self.classes_ is not None
                           else "the model's predict()"))
        for e in ("predict_proba", "regress"):
            if e in self.entry_points:
                entries.append(f"emml_status_t {name}_{e}(const int16_t *samples, int32_t n_samples, "
                               f"{name}_scratch_t *scratch, float *out, int32_t n_out);")
                docs.append(f" *   {name}_{e}: {self.n_outputs} outputs into out")
        fields = "\n".join(f"    {f}" for f in self.front.scratch_fields(fe))
        header = "\n".join([
            prov.rstrip("\n"),
            f"#ifndef {NAME}_H", f"#define {NAME}_H", "",
            minor_version_guard(name),
            "#include <stdint.h>", "", '#include "emml/emml.h"', f'#include "{fe}.h"', f'#include "{mdl}.h"', "",
            "#ifdef __cplusplus", 'extern "C" {', "#endif", "",
            f"#define {NAME}_N_SAMPLES {self.front.n_samples} /* int16 values per window */",
            f"#define {NAME}_N_FEATURES {self.front.n_features}",
            f"#define {NAME}_N_OUTPUTS {self.n_outputs}", "",
            f"/* Working memory of one call, owned by the caller (sizeof({name}_scratch_t) bytes of RAM). */",
            "typedef struct {", fields,
            f"    float features[{NAME}_N_FEATURES];   /* what the model sees */",
            f"}} {name}_scratch_t;", "",
            "/*",
            f" * Entry points: samples holds one window ({NAME}_N_SAMPLES int16 values, as",
            " * the Pipeline's first step takes it, flattened); a wrong n_samples or a NULL",
            " * pointer returns a negative emml_status_t.",
            *docs,
            " */",
            f"emml_status_t {name}_features(const int16_t *samples, int32_t n_samples, {name}_scratch_t *scratch);",
            *entries, "",
            "#ifdef __cplusplus", "}", "#endif", "", f"#endif /* {NAME}_H */", "",
        ])
        loop_vars = {"har": "" if self.front.output == "float" else "    int32_t i;",
                     "logmel": "    int32_t i, j;"}[self.front.kind]
        glue = [
            f"emml_status_t {name}_features(const int16_t *samples, int32_t n_samples, {name}_scratch_t *scratch)",
            "{", *([loop_vars] if loop_vars else []),
            "    if (samples == NULL || scratch == NULL) {", "        return EMML_ERR_NULL;", "    }",
            f"    if (n_samples != {NAME}_N_SAMPLES) {{", "        return EMML_ERR_SHAPE;", "    }",
            self.front.features_body(name, fe).rstrip("\n"),
            "    return EMML_OK;", "}", "",
        ]
        if "predict" in self.entry_points:
            glue += [
                f"int32_t {name}_predict(const int16_t *samples, int32_t n_samples, {name}_scratch_t *scratch)",
                "{", f"    emml_status_t st = {name}_features(samples, n_samples, scratch);",
                "    if (st != EMML_OK) {", "        return (int32_t)st;", "    }",
                f"    return {mdl}_predict(scratch->features, {NAME}_N_FEATURES);", "}", "",
            ]
        for e in ("predict_proba", "regress"):
            if e in self.entry_points:
                glue += [
                    f"emml_status_t {name}_{e}(const int16_t *samples, int32_t n_samples, {name}_scratch_t *scratch, "
                    "float *out, int32_t n_out)",
                    "{", f"    emml_status_t st = {name}_features(samples, n_samples, scratch);",
                    "    if (st != EMML_OK) {", "        return st;", "    }",
                    f"    return {mdl}_{e}(scratch->features, {NAME}_N_FEATURES, out, n_out);", "}", "",
                ]
        source = "\n".join([
            prov.rstrip("\n"), "#include <stddef.h>", "", f'#include "{name}.h"', "",
            f"/* ---- front end: {fe} ---- */", self.front.source_c(fe),
            f"/* ---- model: {mdl} ---- */", inner[f"{mdl}.c"],
            "/* ---- the pipeline ---- */", *glue,
        ])
        return {f"{name}.h": header, f"{name}.c": source, f"{fe}.h": self.front.header_c(fe),
                f"{mdl}.h": inner[f"{mdl}.h"]}

    # ---- host execution ----------------------------------------------
    def _windows(self, X: Any) -> np.ndarray:
        x = np.asarray(X)
        if x.dtype.kind not in "iu":
            raise TypeError(f"X must hold int16 samples (raw windows), got dtype {x.dtype}")
        if x.min(initial=0) < -32768 or x.max(initial=0) > 32767:
            raise ValueError("X must hold int16 samples: values are outside -32768..32767")
        if x.ndim >= 2 and int(np.prod(x.shape[1:])) == self.n_features:
            return np.ascontiguousarray(x.reshape(len(x), self.n_features), dtype=np.int16)
        if x.ndim == 1 and x.size == self.n_features:
            return np.ascontiguousarray(x.reshape(1, -1), dtype=np.int16)
        want = "(n, window, 3) or (n, 3 * window)" if self.front.kind == "har" else "(n, n_samples)"
        raise ValueError(f"X has shape {x.shape}; this pipeline takes windows of {self.n_features} int16 "
                         f"samples, shape {want}")

    def _call(self, entry: str, X: Any, n_out: int, restype: Any = ctypes.c_int32) -> tuple[np.ndarray, list[int]]:
        W = self._windows(X)
        i16 = ctypes.POINTER(ctypes.c_int16)
        fp = ctypes.POINTER(ctypes.c_float)
        scratch = ctypes.create_string_buffer(self.front.scratch_bytes())
        args = [i16, ctypes.c_int32, ctypes.c_void_p] + ([fp, ctypes.c_int32] if n_out else [])
        fn = self._function(entry, args, restype)
        out = np.zeros((len(W), max(n_out, 1)), np.float32)
        rets = []
        for i, row in enumerate(W):
            call = [row.ctypes.data_as(i16), self.n_features, ctypes.cast(scratch, ctypes.c_void_p)]
            if n_out:
                call += [out[i].ctypes.data_as(fp), n_out]
            r = fn(*call)
            if r < 0:
                raise RuntimeError(f"{entry}() returned emml status {r} on row {i}")
            rets.append(r)
        return out, rets

    def _features_offset(self) -> int:
        """Byte offset of scratch->features (int16/int32 fields before it, 4-byte aligned)."""
        cfg = self.front.config
        if self.front.kind == "har":
            off = 2 * cfg.scratch_len
            off = (off + 3) & ~3
            return off + 4 * self.front.n_features
        off = 2 * (cfg.n_fft + cfg.n_mels + (cfg.n_mfcc if self.front.output == "mfcc" else 0))
        return (off + 3) & ~3

    def features(self, X: Any) -> np.ndarray:
        """The float features the C gives the model, (n, N_FEATURES) float32."""
        W = self._windows(X)
        out = np.zeros((len(W), self.front.n_features), np.float32)
        i16 = ctypes.POINTER(ctypes.c_int16)
        fn = self._function("features", [i16, ctypes.c_int32, ctypes.c_void_p], ctypes.c_int32)
        scratch = ctypes.create_string_buffer(self.front.scratch_bytes())
        off = self._features_offset()
        for i, row in enumerate(W):
            r = fn(row.ctypes.data_as(i16), self.n_features, ctypes.cast(scratch, ctypes.c_void_p))
            if r != 0:
                raise RuntimeError(f"features() returned emml status {r} on row {i}")
            out[i] = np.frombuffer(scratch.raw, np.float32, self.front.n_features, off)
        return out

    def predict(self, X: Any) -> np.ndarray:
        if "predict" not in self.entry_points:
            return self.regress(X)
        _, idx = self._call("predict", X, 0)
        idx = np.asarray(idx, dtype=np.int64)
        return self.classes_[idx] if self.classes_ is not None else idx

    def predict_proba(self, X: Any) -> np.ndarray:
        self._require("predict_proba")
        return self._call("predict_proba", X, self.n_outputs)[0]

    def regress(self, X: Any) -> np.ndarray:
        self._require("regress")
        out = self._call("regress", X, self.n_outputs)[0]
        return out[:, 0] if self.n_outputs == 1 else out

    def score_samples(self, X: Any) -> np.ndarray:
        raise AttributeError("score_samples() is not offered for pipelines")

    # ---- reporting ------------------------------------------------------
    def report(self, board: str = "py32f003", X: Any = None) -> dict[str, Any]:
        """Flash, RAM (static and the scratch struct), stack and estimated
        cycles of name_<entry> on a board; cycles from emml.profile on rows of
        X (raw windows; default one window of zeros), an emulator estimate."""
        entry = self.report_entry
        name = "emml_report_pipe"
        W = self._windows(np.zeros((1, self.n_features), np.int16) if X is None else X)
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            self.save(d, name)
            call = (f"g_out = {name}_predict(g_x, {self.n_features}, &g_s);" if entry == "predict" else
                    f"g_out = (int32_t){name}_{entry}(g_x, {self.n_features}, &g_s, g_y, {self.n_outputs});")
            main = (f'#include <stdint.h>\n#include "{name}.h"\nvolatile int32_t g_out;\nint16_t g_x[{self.n_features}];\n'
                    f"float g_y[{self.n_outputs}];\n{name}_scratch_t g_s;\nint main(void);\nint main(void)\n{{\n"
                    "    %s\n    return 0;\n}\n")
            (d / "with.c").write_text(main % call)
            (d / "without.c").write_text(main % "g_out = g_x[0] + (int32_t)g_y[0] + (int32_t)sizeof(g_s);")
            calls = [(row.copy(), self.n_features, np.zeros(self.front.scratch_bytes(), np.uint8))
                     + (() if entry == "predict" else (np.zeros(self.n_outputs, np.float32), self.n_outputs))
                     for row in W[:20]]
            measured = measure_entry(board, d, name, f"{name}_{entry}", calls, max_instructions=200_000_000)
            return {
                "board": board,
                "entry_point": entry,
                **measured,
                "scratch_bytes": self.front.scratch_bytes(),
                "note": "cycles are a Cortex-M0+ estimate from the emml.profile emulator, not a measurement; "
                        "RAM: the scratch struct (scratch_bytes, an upper bound) is the caller's, "
                        "static or on the stack",
            }


def _pipeline_hash(pipeline: Any) -> str:
    if pipeline is None:
        return "-"
    try:
        import pickle

        return hashlib.sha256(pickle.dumps(pipeline)).hexdigest()
    except Exception:  # noqa: BLE001 - an unpicklable step only loses the provenance hash
        return "-"
