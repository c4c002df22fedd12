"""Reading a keyword data set: a folder of WAV files, one sub-folder per class.

Any WAV that scipy reads is accepted: 8-bit (unsigned), 16-, 24- or 32-bit
integer or float samples, mono or multi-channel (channels are averaged), any
sample rate (resampled with a polyphase filter, scipy.signal.resample_poly).
Everything comes out as int16 mono at the pipeline's rate, the form the
microcontroller's ADC path delivers. A file that cannot be read is skipped
with a warning naming it and the reason; a folder that yields no clip at all
is an error.

Flat folders whose file names start with the label, like the Free Spoken
Digit Dataset's ``{digit}_{speaker}_{index}.wav``, are read as well: the
label is the text before the first underscore.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np


class KwsDataError(ValueError):
    """The data folder cannot be used (the message says why and what to do)."""


class BadClipWarning(UserWarning):
    """A WAV file was skipped."""


@dataclass
class Clip:
    """One recording, int16 mono at the pipeline's sample rate."""

    path: Path
    label: str
    samples: np.ndarray
    speaker: str | None = None  # from FSDD-style names {label}_{speaker}_{index}.wav
    index: int | None = None


@dataclass
class Dataset:
    clips: list[Clip]
    classes: list[str]
    sample_rate: int
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def labels(self) -> np.ndarray:
        lookup = {c: i for i, c in enumerate(self.classes)}
        return np.array([lookup[c.label] for c in self.clips], dtype=np.int64)


_FSDD_NAME = re.compile(r"^(?P<label>[^_]+)_(?P<speaker>[^_]+)_(?P<index>\d+)$")


def to_int16(data: np.ndarray) -> np.ndarray:
    """WAV samples as scipy returns them -> int16 (channels kept)."""
    x = np.asarray(data)
    if x.dtype == np.uint8:  # 8-bit WAV is unsigned, 128 = silence
        return ((x.astype(np.int16) - 128) << 8).astype(np.int16)
    if x.dtype == np.int16:
        return x
    if x.dtype == np.int32:  # 24- and 32-bit PCM (scipy left-aligns 24-bit)
        return (x >> 16).astype(np.int16)
    if x.dtype.kind == "f":
        return np.clip(np.round(x.astype(np.float64) * 32768.0), -32768, 32767).astype(np.int16)
    raise KwsDataError(f"unsupported WAV sample type {x.dtype}; use 8-, 16-, 24-, 32-bit PCM or float")


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """int16 mono from rate_in to rate_out (polyphase, Kaiser window), int16."""
    if rate_in == rate_out:
        return x
    from scipy.signal import resample_poly

    ratio = Fraction(rate_out, rate_in)
    y = resample_poly(x.astype(np.float64), ratio.numerator, ratio.denominator)
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def read_wav(path: str | Path, sample_rate: int) -> np.ndarray:
    """One WAV file -> int16 mono at sample_rate. Raises KwsDataError with the reason."""
    from scipy.io import wavfile

    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy warns about unknown chunks; they are harmless
            rate, data = wavfile.read(path)
    except Exception as e:  # scipy raises several kinds on a corrupt header
        raise KwsDataError(f"{path}: not a readable WAV file ({type(e).__name__}: {e})") from None
    data = np.asarray(data)
    if data.size == 0:
        raise KwsDataError(f"{path}: the WAV file holds no samples")
    if rate <= 0:
        raise KwsDataError(f"{path}: sample rate {rate} Hz is invalid")
    x = to_int16(data)
    if x.ndim == 2:  # average the channels: a single microphone hears their sum
        x = np.clip(np.round(x.astype(np.float64).mean(axis=1)), -32768, 32767).astype(np.int16)
    elif x.ndim != 1:
        raise KwsDataError(f"{path}: unexpected sample array shape {x.shape}")
    return resample(x, int(rate), sample_rate)


def _class_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and any(q.suffix.lower() == ".wav" for q in p.iterdir()))


def load_folder(root: str | Path, sample_rate: int, warn: bool = True) -> Dataset:
    """Read every WAV under root: root/<class>/*.wav, or a flat folder of
    <label>_*.wav files (the FSDD naming)."""
    root = Path(root)
    if not root.is_dir():
        raise KwsDataError(f"data folder {root} does not exist; pass a folder with one sub-folder of WAV files "
                           "per class (--data DIR)")
    folders = _class_folders(root)
    entries: list[tuple[Path, str]] = []
    if folders:
        for folder in folders:
            entries += [(p, folder.name) for p in sorted(folder.iterdir()) if p.suffix.lower() == ".wav"]
    else:
        flat = sorted(p for p in root.iterdir() if p.suffix.lower() == ".wav")
        for p in flat:
            if "_" not in p.stem:
                raise KwsDataError(f"{root} has WAV files but no class sub-folders, and {p.name} does not start "
                                   "with a label: put each class's files in a sub-folder named after the class "
                                   "(or name files <label>_<anything>.wav)")
            entries.append((p, p.stem.split("_", 1)[0]))
    if not entries:
        raise KwsDataError(f"{root} holds no WAV files: expected one sub-folder of .wav files per class "
                           f"({root}/yes/*.wav, {root}/no/*.wav, ...)")

    clips: list[Clip] = []
    skipped: list[tuple[Path, str]] = []
    for path, label in entries:
        try:
            x = read_wav(path, sample_rate)
        except KwsDataError as e:
            skipped.append((path, str(e)))
            if warn:
                warnings.warn(f"skipping {e}", BadClipWarning, stacklevel=2)
            continue
        m = _FSDD_NAME.match(path.stem)
        speaker, index = (m.group("speaker"), int(m.group("index"))) if m else (None, None)
        clips.append(Clip(path, label, x, speaker, index))
    classes = sorted({c.label for c in clips}, key=_natural_key)
    if not clips:
        raise KwsDataError(f"no usable WAV file in {root} ({len(skipped)} skipped as unreadable)")
    if len(classes) < 2:
        raise KwsDataError(f"{root} has only one class ({classes[0]!r}); a classifier needs at least two "
                           "sub-folders of WAV files")
    return Dataset(clips, classes, sample_rate, skipped)


def _natural_key(s: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def fit_window(x: np.ndarray, length: int, offset: int | None = None) -> np.ndarray:
    """Place a clip in a window of `length` samples, zero-padded.

    offset None: centred. A clip longer than the window is trimmed to the
    `length` samples with the most energy (the word, not the silence
    around it)."""
    x = np.asarray(x, dtype=np.int16)
    if len(x) > length:
        e = np.cumsum(np.concatenate([[0.0], x.astype(np.float64) ** 2]))
        start = int(np.argmax(e[length:] - e[:-length]))
        return x[start : start + length].copy()
    out = np.zeros(length, dtype=np.int16)
    if offset is None:
        offset = (length - len(x)) // 2
    offset = int(np.clip(offset, 0, length - len(x)))
    out[offset : offset + len(x)] = x
    return out
