"""scikit-learn transformers for the emml feature extractors, so the front
end sits in a Pipeline with the model during training and computes exactly
what the microcontroller computes (the bit-exact integer references):

    from sklearn.pipeline import make_pipeline
    from emml.dsp import HarConfig, HarFeatures

    cfg = HarConfig(window=52, sample_rate=26, gravity="mean")
    pipe = make_pipeline(HarFeatures(cfg), RandomForestClassifier(...))
    pipe.fit(windows, labels)            # windows: (n, 52, 3) int16
    pipe[0].save("firmware/src", "har")  # har.h / har.c: har_features(xyz, scratch, out)

Each transformer is driven by ONE config object (HarConfig, LogMelConfig),
its only parameter besides the output form; `save` writes the C from the
same object. Nothing is learned in fit (the features are fixed functions of
the window); fit checks the input shape and records n_features_in_.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

try:  # scikit-learn is optional for the rest of emml.dsp
    from sklearn.base import BaseEstimator, TransformerMixin
except ImportError:  # pragma: no cover
    BaseEstimator, TransformerMixin = object, object

from .config import LogMelConfig
from .har import HarConfig


class HarFeatures(TransformerMixin, BaseEstimator):
    """Windows of a 3-axis accelerometer -> HAR features (emml_har_compute).

    X: (n_windows, window, 3) or (n_windows, 3 * window) int16 values (x, y, z
    interleaved). output: "float" (the float view, emml_har_to_f32, float64)
    or "int" (the int32 features as the MCU returns them)."""

    def __init__(self, config: HarConfig | None = None, output: str = "float"):
        self.config = config
        self.output = output

    def _cfg(self) -> HarConfig:
        cfg = self.config if self.config is not None else HarConfig()
        if not isinstance(cfg, HarConfig):
            raise TypeError(f"config must be an emml.dsp.HarConfig, not {type(cfg).__name__}")
        if self.output not in ("float", "int"):
            raise ValueError("output must be 'float' or 'int'")
        return cfg

    def fit(self, X, y=None):
        cfg = self._cfg()
        cfg._check_windows(X)
        self.n_features_in_ = 3 * cfg.window
        self.n_features_out_ = cfg.n_features
        return self

    def transform(self, X):
        cfg = self._cfg()
        f = cfg.features(X)
        return f.astype(np.int32) if self.output == "int" else f * cfg.feature_scales()

    def get_feature_names_out(self, input_features=None):
        return np.array(self._cfg().feature_names(), dtype=object)

    def save(self, directory, name: str = "har") -> tuple[Path, Path]:
        """Write name.h / name.c: the config, its tables and
        name_features(xyz, scratch, out) (see the generated header)."""
        return self._cfg().write_c(name, directory)


class LogMel(TransformerMixin, BaseEstimator):
    """Audio windows -> q15 log-mel (or MFCC) spectrogram, flattened.

    X: (n_windows, n_samples) int16 audio; every window is cut into frames of
    n_fft every hop_length (no padding) and each frame goes through
    emml_logmel_frame_q15. Output (n_windows, n_frames * n_mels) in dB
    (Q8 / 256), or the MFCC (n_frames * n_mfcc, dB) with output="mfcc";
    output="int" gives the raw Q8 log-mel."""

    def __init__(self, config: LogMelConfig | None = None, output: str = "logmel"):
        self.config = config
        self.output = output

    def _cfg(self) -> LogMelConfig:
        cfg = self.config if self.config is not None else LogMelConfig()
        if not isinstance(cfg, LogMelConfig):
            raise TypeError(f"config must be an emml.dsp.LogMelConfig, not {type(cfg).__name__}")
        if self.output not in ("logmel", "mfcc", "int"):
            raise ValueError("output must be 'logmel', 'mfcc' or 'int'")
        if self.output == "mfcc" and not cfg.n_mfcc:
            raise ValueError("output='mfcc' needs a config with n_mfcc > 0")
        return cfg

    def _frames(self, X) -> tuple[np.ndarray, int]:
        cfg = self._cfg()
        x = np.asarray(X)
        if x.ndim != 2:
            raise ValueError(f"X must have shape (n_windows, n_samples), not {x.shape}")
        if x.shape[1] < cfg.n_fft:
            raise ValueError(f"windows of {x.shape[1]} samples are shorter than n_fft = {cfg.n_fft}")
        if x.dtype.kind not in "iu" or x.min(initial=0) < -32768 or x.max(initial=0) > 32767:
            raise ValueError("X must hold int16 audio samples")
        n_frames = 1 + (x.shape[1] - cfg.n_fft) // cfg.hop_length
        frames = np.concatenate([cfg.frames(row) for row in x.astype(np.int16)])
        return frames, n_frames

    def fit(self, X, y=None):
        _, n_frames = self._frames(np.asarray(X)[:1])
        self.n_features_in_ = np.asarray(X).shape[1]
        self.n_frames_ = n_frames
        return self

    def transform(self, X):
        cfg = self._cfg()
        frames, n_frames = self._frames(X)
        lm = cfg.logmel_q15(frames)
        if self.output == "mfcc":
            out = cfg.mfcc_q15(lm).astype(np.float64) / 2.0**cfg.mfcc_out_frac
        elif self.output == "int":
            out = lm.astype(np.int16)
        else:
            out = lm.astype(np.float64) / 256.0
        return out.reshape(len(np.asarray(X)), n_frames * out.shape[-1])

    def get_feature_names_out(self, input_features=None):
        cfg = self._cfg()
        n = getattr(self, "n_frames_", 1)
        k, tag = (cfg.n_mfcc, "mfcc") if self.output == "mfcc" else (cfg.n_mels, "mel")
        return np.array([f"f{t}_{tag}{j}" for t in range(n) for j in range(k)], dtype=object)

    def save(self, directory, name: str = "logmel") -> tuple[Path, Path]:
        """Write name.h / name.c: tables, a const emml_logmel_q15_t
        name_logmel and name_logmel_frame(frame, work, out) (+ name_mfcc)."""
        return self._cfg().write_c(name, directory, f32=False)
