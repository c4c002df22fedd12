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

from emml.kws.audio import SILENCE, Dataset
from emml.kws.pipeline import INPUT_DIVISOR, KwsConfig, clip_features

#: Channel widths of the three convolutions, smallest first.
CANDIDATES: tuple[tuple[int, int, int], ...] = ((8, 16, 16), (12, 24, 24), (16, 32, 32), (24, 48, 48),
                                                 (32, 64, 64))


@dataclass
class Split:
    name: str  # "index", "speaker", "lists", "random"
    train: np.ndarray  # clip indices
    test: np.ndarray
    description: str


#: Fewest training clips per class a network is trained on.
MIN_TRAIN_CLIPS = 5
#: Share of speakers held out by the speaker split (Speech Commands: 10% validation + 10% testing).
HELD_OUT_PERCENT = 20.0


def speaker_percent(speaker: str) -> float:
    """Where a speaker falls in 0..100, from the SHA-1 of the id: the rule of
    the Speech Commands README (its validation set is < 10, testing < 20), so
    a speaker lands in the same set on every machine and as the set grows."""
    wavs_per_class_max = 2 ** 27 - 1
    return (int(hashlib.sha1(speaker.encode()).hexdigest(), 16) % (wavs_per_class_max + 1)) * (
        100.0 / wavs_per_class_max)


def _random_test(y: np.ndarray, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """20% of each class among idx, as a boolean mask over all clips."""
    test = np.zeros(len(y), bool)
    for k in np.unique(y[idx]):
        members = idx[y[idx] == k].copy()
        rng.shuffle(members)
        test[members[: max(1, len(members) // 5)]] = True
    return test


def split(ds: Dataset, how: str = "auto", test_speakers: Sequence[str] = (), seed: int = 0) -> Split:
    """Train/test split.

    "speaker": whole speakers held out (test_speakers, else those whose
    speaker_percent is under HELD_OUT_PERCENT, at least one); "lists": the
    Speech Commands testing_list.txt (validation clips train: there is no
    early stopping); "index": FSDD's usual split, clip index 0-4 of every
    speaker and class held out; "random": 20% per class (seeded); "auto":
    lists when the data has them, else speaker when every spoken clip names
    its speaker, else random. Clips without a speaker (_silence_ snippets)
    are split at random."""
    rng = np.random.default_rng(seed)
    y = ds.labels()
    spoken = np.array([c.speaker is not None for c in ds.clips])
    if how == "auto":
        if any(c.subset for c in ds.clips):
            how = "lists"
        elif spoken.any() and all(c.speaker is not None for c in ds.clips if c.label != SILENCE):
            how = "speaker"
        else:
            how = "random"
    unnamed = np.flatnonzero(~spoken)
    if how == "index":
        if not all(c.index is not None for c in ds.clips):
            raise ValueError("split 'index' needs FSDD-style file names <label>_<speaker>_<index>.wav; "
                             "use --split speaker or random")
        test = np.array([c.index < 5 for c in ds.clips])
        desc = "clip index 0-4 of every speaker and class held out (FSDD's usual test split)"
    elif how == "speaker":
        speakers = sorted({c.speaker for c in ds.clips if c.speaker is not None})
        if not speakers:
            raise ValueError("split 'speaker' needs speakers in the file names (FSDD <label>_<speaker>_<n>.wav, "
                             "Speech Commands <speaker>_nohash_<n>.wav) or <speaker>/<class>/ folders")
        if test_speakers:
            held = list(test_speakers)
            unknown = sorted(set(held) - set(speakers))
            if unknown:
                raise ValueError(f"unknown speaker(s) {unknown}; the data has {speakers}")
        else:
            ranked = sorted(speakers, key=speaker_percent)
            held = [s for s in ranked if speaker_percent(s) < HELD_OUT_PERCENT] or ranked[:1]
            held = held if len(held) < len(speakers) else held[:-1]
        test = np.array([c.speaker in held for c in ds.clips]) | _random_test(y, unnamed, rng)
        desc = f"{len(held)} of {len(speakers)} speakers held out ({', '.join(held[:5])}{', ...' if len(held) > 5 else ''})"
    elif how == "lists":
        test = np.array([c.subset == "testing" for c in ds.clips]) | _random_test(y, unnamed, rng)
        desc = ("testing_list.txt held out (validation_list.txt clips are trained on)"
                + (f"; {len(unnamed)} {SILENCE} snippets split at random" if len(unnamed) else ""))
    elif how == "random":
        test = _random_test(y, np.arange(len(y)), rng)
        desc = f"random 20% of every class held out (seed {seed})"
    else:
        raise ValueError(f"unknown split {how!r}; use auto, speaker, lists, index or random")
    out = Split(how, np.flatnonzero(~test), np.flatnonzero(test), desc)
    _check_enough(ds, out)
    return out


def _check_enough(ds: Dataset, sp: Split) -> None:
    """One line when a split leaves too little to train or test on."""
    y = ds.labels()
    counts = {c: int(np.sum(y[sp.train] == k)) for k, c in enumerate(ds.classes)}
    few = {c: n for c, n in counts.items() if n < MIN_TRAIN_CLIPS}
    if few:
        listed = ", ".join(f"{c} {n}" for c, n in sorted(few.items()))
        raise ValueError(f"too few training clips with the {sp.name} split: {listed} (a class needs at least "
                         f"{MIN_TRAIN_CLIPS}; a handful per speaker is not enough to generalise); record more, or "
                         "choose another --split")
    if len(sp.test) == 0:
        raise ValueError(f"the {sp.name} split holds out no clip; record more speakers or use --split random")


# ---- features --------------------------------------------------------------
def _cache_key(cfg: KwsConfig, ds: Dataset, tag: str) -> str:
    h = hashlib.sha256(cfg.digest().encode() + tag.encode())
    for c in ds.clips:
        h.update(str(c.path).encode())
        h.update(hashlib.sha256(c.samples.tobytes()).digest())
    for n in ds.noise:  # the background recordings the augmentation mixes in
        h.update(hashlib.sha256(n.tobytes()).digest())
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


def add_noise(x: np.ndarray, rng: np.random.Generator, snr_db: tuple[float, float] = (10.0, 40.0),
              sources: Sequence[np.ndarray] = ()) -> np.ndarray:
    """Noise at a random SNR relative to the clip's RMS: a random stretch of
    one of the background recordings in sources, else white noise."""
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) or 1.0
    snr = rng.uniform(*snr_db)
    src = sources[int(rng.integers(len(sources)))] if len(sources) else None
    if src is not None and len(src) >= len(x):
        start = int(rng.integers(0, len(src) - len(x) + 1))
        stretch = src[start:start + len(x)].astype(np.float64)
        noise = stretch / (float(np.sqrt(np.mean(stretch ** 2))) or 1.0)
    else:
        noise = rng.normal(0.0, 1.0, len(x))
    return np.clip(np.round(x + noise * rms / 10 ** (snr / 20.0)), -32768, 32767).astype(np.int16)


#: Speed perturbation range (tempo and pitch together, as a recording played faster or slower).
SPEED_RANGE = (0.9, 1.1)
#: Gain range in dB: the same word louder or softer.
GAIN_DB = (-6.0, 6.0)


def perturb(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The clip at a random speed and gain: voices differ in both."""
    from scipy.signal import resample_poly

    speed = rng.uniform(*SPEED_RANGE)
    up = 100
    y = resample_poly(x.astype(np.float64), up, int(round(up * speed)))
    y *= 10 ** (rng.uniform(*GAIN_DB) / 20.0)
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def features(cfg: KwsConfig, ds: Dataset, cache_dir: Path | None = None, augment: int = 0, noise: bool = True,
             seed: int = 0, progress: bool = True, speed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(clean, augmented): clean (n, T, M) int8 with every clip centred; augmented
    (augment, n, T, M): copies at a random speed and gain (speed), with
    noise (the data set's background recordings, else white) and a random
    time shift."""
    key = _cache_key(cfg, ds, "clean")
    clean = _cached(cache_dir / f"{key}.npy" if cache_dir else None,
                    lambda: clip_features(cfg, [c.samples for c in ds.clips], progress=progress))
    aug = []
    for a in range(augment):
        akey = _cache_key(cfg, ds, f"aug{a}-noise{int(noise)}-speed{SPEED_RANGE if speed else 0}-gain{GAIN_DB if speed else 0}"
                                   f"-seed{seed}")

        def make(a=a):
            rng = np.random.default_rng([seed, a])
            clips, offsets = [], []
            for c in ds.clips:
                x = perturb(c.samples, rng) if speed else c.samples
                x = add_noise(x, rng, sources=ds.noise) if noise else x
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
