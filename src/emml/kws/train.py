"""Training the keyword spotter: splits, cached features, augmentation, a
small int8 Conv1D network per candidate size.

The network reads the window as a sequence of n_frames steps with the mel
bands as channels: Conv1D(stride 2) -> Conv1D(stride 2) -> Conv1D ->
GlobalAveragePooling1D -> Dense(softmax). Its activations are a few hundred
bytes, its weights a few kB; :data:`CANDIDATES` span the sizes the search
tries. Keras/TensorFlow are imported only here.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from emml.kws.audio import Dataset
from emml.kws.pipeline import INPUT_DIVISOR, KwsConfig, clip_features

#: Channel widths of the three convolutions, smallest first.
CANDIDATES: tuple[tuple[int, int, int], ...] = ((8, 16, 16), (12, 24, 24), (16, 32, 32), (24, 48, 48),
                                                 (32, 64, 64))


@dataclass
class Split:
    name: str  # "index", "speaker", "random"
    train: np.ndarray  # clip indices
    test: np.ndarray
    description: str


def split(ds: Dataset, how: str = "auto", test_speakers: Sequence[str] = (), seed: int = 0) -> Split:
    """Train/test split.

    "index": FSDD's usual split, clip index 0-4 of every speaker and class
    held out; "speaker": whole speakers held out (test_speakers, default the
    last speaker in name order); "random": 20% per class (seeded); "auto":
    "index" when every file has an FSDD-style name, else "random"."""
    n = len(ds.clips)
    fsdd = all(c.index is not None for c in ds.clips)
    if how == "auto":
        how = "index" if fsdd else "random"
    if how in ("index", "speaker") and not fsdd:
        raise ValueError(f"split {how!r} needs FSDD-style file names <label>_<speaker>_<index>.wav; "
                         "use --split random")
    if how == "index":
        test = np.array([c.index < 5 for c in ds.clips])
        desc = "clip index 0-4 of every speaker and class held out (FSDD's usual test split)"
    elif how == "speaker":
        speakers = sorted({c.speaker for c in ds.clips})
        held = list(test_speakers) or [speakers[-1]]
        unknown = sorted(set(held) - set(speakers))
        if unknown:
            raise ValueError(f"unknown speaker(s) {unknown}; the data has {speakers}")
        test = np.array([c.speaker in held for c in ds.clips])
        desc = f"speaker(s) {', '.join(held)} held out"
    elif how == "random":
        rng = np.random.default_rng(seed)
        y = ds.labels()
        test = np.zeros(n, bool)
        for k in np.unique(y):
            idx = np.flatnonzero(y == k)
            rng.shuffle(idx)
            test[idx[: max(1, len(idx) // 5)]] = True
        desc = f"random 20% of every class held out (seed {seed})"
    else:
        raise ValueError(f"unknown split {how!r}; use auto, index, speaker or random")
    return Split(how, np.flatnonzero(~test), np.flatnonzero(test), desc)


# ---- features --------------------------------------------------------------
def _cache_key(cfg: KwsConfig, ds: Dataset, tag: str) -> str:
    h = hashlib.sha256(cfg.digest().encode() + tag.encode())
    for c in ds.clips:
        h.update(str(c.path).encode())
        h.update(hashlib.sha256(c.samples.tobytes()).digest())
    return h.hexdigest()[:20]


def _cached(path: Path | None, make):
    if path is not None and path.is_file():
        return np.load(path)
    x = make()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}.npy")
        np.save(tmp, x)
        tmp.replace(path)
    return x


def add_noise(x: np.ndarray, rng: np.random.Generator, snr_db: tuple[float, float] = (10.0, 40.0)) -> np.ndarray:
    """White noise at a random SNR relative to the clip's RMS."""
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) or 1.0
    snr = rng.uniform(*snr_db)
    noise = rng.normal(0.0, rms / 10 ** (snr / 20.0), len(x))
    return np.clip(np.round(x + noise), -32768, 32767).astype(np.int16)


def features(cfg: KwsConfig, ds: Dataset, cache_dir: Path | None = None, augment: int = 0, noise: bool = True,
             seed: int = 0, progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(clean, augmented): clean (n, T, M) int8 with every clip centred; augmented
    (augment, n, T, M): copies with random time shifts (and noise)."""
    key = _cache_key(cfg, ds, "clean")
    clean = _cached(cache_dir / f"{key}.npy" if cache_dir else None,
                    lambda: clip_features(cfg, [c.samples for c in ds.clips], progress=progress))
    aug = []
    for a in range(augment):
        akey = _cache_key(cfg, ds, f"aug{a}-noise{int(noise)}-seed{seed}")

        def make(a=a):
            rng = np.random.default_rng([seed, a])
            clips, offsets = [], []
            for c in ds.clips:
                x = add_noise(c.samples, rng) if noise else c.samples
                clips.append(x)
                offsets.append(int(rng.integers(0, max(1, cfg.window_samples - len(x) + 1))))
            return clip_features(cfg, clips, offsets, progress=progress)

        aug.append(_cached(cache_dir / f"{akey}.npy" if cache_dir else None, make))
    return clean, (np.stack(aug) if aug else np.zeros((0,) + clean.shape, np.int8))


# ---- network ---------------------------------------------------------------
def build_network(cfg: KwsConfig, n_classes: int, widths: tuple[int, int, int]):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from emml.extras import require

    keras = require("keras", "nn", "training the keyword network")

    L = keras.layers
    c1, c2, c3 = widths
    return keras.Sequential([
        keras.Input((cfg.n_frames, cfg.n_mels)),
        L.Conv1D(c1, 3, strides=2, padding="same", activation="relu"),
        L.Conv1D(c2, 3, strides=2, padding="same", activation="relu"),
        L.Conv1D(c3, 3, padding="same", activation="relu"),
        L.GlobalAveragePooling1D(),
        L.Dense(n_classes, activation="softmax"),
    ], name=f"kws_{c1}_{c2}_{c3}")


def calibration_rows(X: np.ndarray, n: int = 300, seed: int = 0) -> np.ndarray:
    """Representative rows for TFLite's calibration, with -128 and 127 present
    so the input quantization comes out as exactly 1/64, zero point 0."""
    rng = np.random.default_rng(seed)
    rows = X[rng.choice(len(X), size=min(n, len(X)), replace=False)].astype(np.float32).copy()
    flat = rows.reshape(len(rows), -1)
    flat[0, 0], flat[0, 1] = -128, 127
    return rows / INPUT_DIVISOR


def train_network(cfg: KwsConfig, widths: tuple[int, int, int], X: np.ndarray, y: np.ndarray, n_classes: int,
                  epochs: int = 30, seed: int = 0, verbose: int = 0) -> tuple[object, bytes]:
    """Train one candidate on int8 features X (n, T, M); returns (keras model,
    int8 .tflite bytes)."""
    from emml.extras import require

    keras = require("keras", "nn", "training the keyword network")

    from emml.nn import quantize

    keras.utils.set_random_seed(seed)
    net = build_network(cfg, n_classes, widths)
    net.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                metrics=["accuracy"])
    Xf = X.astype(np.float32) / INPUT_DIVISOR
    callbacks = []
    if epochs > 5:
        callbacks.append(keras.callbacks.ReduceLROnPlateau("loss", factor=0.5, patience=3, min_lr=1e-4,
                                                           verbose=0))
    net.fit(Xf, y, epochs=epochs, batch_size=64, shuffle=True, verbose=verbose, callbacks=callbacks)
    return net, quantize(net, calibration_rows(X, seed=seed), n_samples=300)
