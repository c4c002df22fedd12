"""The keyword-spotting pipeline as the microcontroller runs it, in Python.

Stream of int16 samples -> frames of n_fft samples every hop -> q15 log-mel
(emml_logmel_frame_q15, Q8 dB) -> one int8 feature per band -> the newest
n_frames frames side by side (the network input, shape (n_frames, n_mels),
time first, bands as channels) -> int8 network -> class.

Every integer step here is the exact model of apps/audio_kws/src/kws_stream.c,
so a decision the firmware prints can be compared with the host bit for bit.

Feature quantizer (Q8 dB int16 -> int8), with s = feature_shift and
o = feature_offset_q8:

    v = db_q8 - o + (128 << s)
    q = -128                      if v < 0
    q = min(v >> s, 255) - 128    otherwise

so one int8 step is 2^s / 256 dB (0.5 dB for s = 7) and db = o maps to 0;
only non-negative values are shifted (no implementation-defined C).
The network is trained on q / 64 so TFLite's input quantization comes out as
scale 1/64, zero point 0, and the firmware feeds q to the network unchanged.

Gate: a decision is skipped (the model does not run) when no feature in the
window reaches gate_q (silence). Decisions: after every decision_hops-th
frame since the last reset.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from typing import Callable, Iterable

import numpy as np

from emml.dsp import LogMelConfig

#: The network sees q / INPUT_DIVISOR; see the module docstring.
INPUT_DIVISOR = 64.0


@dataclass(frozen=True)
class KwsConfig:
    """Front end, window and decision rule of a keyword spotter."""

    sample_rate: int = 8000
    n_fft: int = 256
    hop_length: int = 256
    n_mels: int = 16
    window: str = "hann"
    n_frames: int = 28  # frames in the network's window (0.9 s at 8 kHz, hop 256)
    feature_offset_q8: int = -36 * 256  # dB value that maps to int8 0
    feature_shift: int = 7  # 2^7 / 256 = 0.5 dB per int8 step
    gate_db: float = -55.0  # skip the model when the window's loudest band is below this
    decision_hops: int = 4  # one decision every 4 frames (128 ms at 8 kHz, hop 256)

    def __post_init__(self):
        if self.hop_length > self.n_fft:
            raise ValueError(f"hop_length ({self.hop_length}) must not exceed n_fft ({self.n_fft}): "
                             "the firmware keeps one frame of audio")
        if not 1 <= self.n_frames <= 255:
            raise ValueError("n_frames must be in 1 .. 255")
        if not 0 <= self.feature_shift <= 15:
            raise ValueError("feature_shift must be in 0 .. 15")
        if self.decision_hops < 1:
            raise ValueError("decision_hops must be >= 1")
        self.logmel()  # validates the front end

    # ---- derived --------------------------------------------------------
    def logmel(self) -> LogMelConfig:
        return LogMelConfig(sample_rate=self.sample_rate, n_fft=self.n_fft, hop_length=self.hop_length,
                            n_mels=self.n_mels, window=self.window, n_mfcc=0)

    @property
    def window_samples(self) -> int:
        """Samples the network's window covers."""
        return self.n_fft + (self.n_frames - 1) * self.hop_length

    @property
    def n_features(self) -> int:
        return self.n_frames * self.n_mels

    @property
    def gate_q(self) -> int:
        return int(self.quantize(np.array([int(round(self.gate_db * 256))]))[0])

    @property
    def silence_q(self) -> int:
        """Feature value of an all-zero frame (the window's content after a reset)."""
        return int(self.quantize(np.array([self.logmel().floor_db_q8]))[0])

    def hops_per_second(self) -> float:
        return self.sample_rate / self.hop_length

    def decisions_per_second(self) -> float:
        return self.hops_per_second() / self.decision_hops

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "KwsConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown KWS config keys {unknown}; known: {sorted(known)}")
        return cls(**d)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]

    # ---- bit-exact references -------------------------------------------
    def quantize(self, db_q8) -> np.ndarray:
        """Q8 dB (int16) -> int8 features (see the module docstring)."""
        v = np.asarray(db_q8, dtype=np.int64) - self.feature_offset_q8 + (128 << self.feature_shift)
        q = np.minimum(np.maximum(v, 0) >> self.feature_shift, 255) - 128
        return np.where(v < 0, -128, q).astype(np.int8)

    def frame_features(self, frames) -> np.ndarray:
        """(n, n_fft) int16 frames -> (n, n_mels) int8 features."""
        frames = np.asarray(frames, dtype=np.int16).reshape(-1, self.n_fft)
        if len(frames) == 0:
            return np.zeros((0, self.n_mels), np.int8)
        return self.quantize(self.logmel().logmel_q15(frames))

    def window_features(self, window) -> np.ndarray:
        """One window of exactly window_samples samples -> (n_frames, n_mels) int8."""
        w = np.asarray(window)
        if w.shape != (self.window_samples,):
            raise ValueError(f"a window has {self.window_samples} samples, not {w.shape}")
        return self.frame_features(self.logmel().frames(w.astype(np.int16)))

    def gate_open(self, features: np.ndarray) -> bool:
        return int(np.max(features)) >= self.gate_q


@dataclass(frozen=True)
class Decision:
    frame: int  # frames since the reset, counting from 1
    cls: int
    score: int  # the winning class's int8 softmax output (-128..127)


def stream_decisions(cfg: KwsConfig, samples, forward_i8: Callable[[np.ndarray], np.ndarray],
                     force_at_end: bool = False) -> list[Decision]:
    """What the firmware prints for this stream after a reset: one Decision
    per decision_hops frames whose window passes the gate (and one at the
    end, gate or not, if force_at_end, like the 'D' command).

    forward_i8: int8 network input (n, n_features) -> raw int8 outputs (n, n_classes)."""
    x = np.asarray(samples, dtype=np.int16)
    feats = cfg.frame_features(cfg.logmel().frames(x))
    buf = np.full((cfg.n_frames, cfg.n_mels), cfg.silence_q, np.int8)
    pending: list[tuple[int, np.ndarray]] = []
    for i, f in enumerate(feats):
        buf = np.vstack([buf[1:], f[None, :]])
        frame = i + 1
        if frame % cfg.decision_hops == 0 and cfg.gate_open(buf):
            pending.append((frame, buf.reshape(-1).copy()))
    if force_at_end:
        pending.append((len(feats), buf.reshape(-1).copy()))
    if not pending:
        return []
    out = np.asarray(forward_i8(np.stack([p[1] for p in pending])), np.int8)
    return [Decision(frame, int(np.argmax(o)), int(np.max(o))) for (frame, _), o in zip(pending, out)]


def clip_features(cfg: KwsConfig, clips: Iterable[np.ndarray], offsets: Iterable[int | None] | None = None,
                  progress: bool = False) -> np.ndarray:
    """Each clip placed in a window (centred, or at the given offset; long clips
    trimmed to their loudest part) -> (n, n_frames, n_mels) int8."""
    from emml.kws.audio import fit_window

    clips = list(clips)
    offsets = list(offsets) if offsets is not None else [None] * len(clips)
    it = zip(clips, offsets)
    if progress:
        from emml.extras import require

        tqdm = require("tqdm", "apps", "training progress").tqdm

        it = tqdm(it, total=len(clips), desc="features", unit="clip", leave=False)
    out = np.empty((len(clips), cfg.n_frames, cfg.n_mels), np.int8)
    for i, (c, off) in enumerate(it):
        out[i] = cfg.window_features(fit_window(c, cfg.window_samples, off))
    return out
