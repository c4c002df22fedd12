"""Reading a keyword data set: a folder of WAV files, one sub-folder per class.

Layouts: ``<class>/*.wav`` with any file names; the Speech Commands layout
``<word>/<speaker>_nohash_<n>.wav`` with its ``validation_list.txt`` /
``testing_list.txt`` (honoured when present) and ``_background_noise_/``
(long noise recordings: a ``_silence_`` class and noise for augmentation);
``<speaker>/<class>/*.wav``; and flat FSDD names
``<label>_<speaker>_<index>.wav``. ``words`` picks target words and folds
every other word into an ``_unknown_`` class (the classic 12-class task).

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
from typing import Sequence

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
    speaker: str | None = None  # from the file name or a <speaker>/<class>/ folder
    index: int | None = None  # FSDD's clip index (its usual split holds out 0-4)
    subset: str | None = None  # "validation" or "testing" when a list file names the clip


@dataclass
class Dataset:
    clips: list[Clip]
    classes: list[str]
    sample_rate: int
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    noise: list[np.ndarray] = field(default_factory=list)  # background noise recordings, int16
    layout: str = "class folders"
    notes: list[str] = field(default_factory=list)

    def labels(self) -> np.ndarray:
        lookup = {c: i for i, c in enumerate(self.classes)}
        return np.array([lookup[c.label] for c in self.clips], dtype=np.int64)


_FSDD_NAME = re.compile(r"^(?P<label>[^_]+)_(?P<speaker>[^_]+)_(?P<index>\d+)$")
_SPEECH_COMMANDS_NAME = re.compile(r"^(?P<speaker>[^_]+)_nohash_(?P<n>\d+)$")
NOISE_FOLDER = "_background_noise_"
SILENCE, UNKNOWN = "_silence_", "_unknown_"


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


def _wavs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".wav")


def _class_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and p.name != NOISE_FOLDER and _wavs(p))


def _speaker_folders(root: Path) -> list[Path]:
    """<speaker>/<class>/*.wav: folders with no WAV of their own but class folders inside."""
    return [d for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".") and
            d.name != NOISE_FOLDER and not _wavs(d) and _class_folders(d)]


def _entries(root: Path) -> tuple[list[tuple[Path, str, str | None]], str]:
    """(path, label, speaker from the folder) of every WAV, and the layout's name."""
    folders = _class_folders(root)
    if folders:
        return [(p, f.name, None) for f in folders for p in _wavs(f)], "class folders"
    speakers = _speaker_folders(root)
    if speakers:
        return ([(p, f.name, s.name) for s in speakers for f in _class_folders(s) for p in _wavs(f)],
                "speaker folders (<speaker>/<class>/)")
    entries = []
    for p in _wavs(root):
        if "_" not in p.stem:
            raise KwsDataError(f"{root} has WAV files but no class sub-folders, and {p.name} does not start "
                               "with a label: put each class's files in a sub-folder named after the class "
                               "(or name files <label>_<anything>.wav)")
        entries.append((p, p.stem.split("_", 1)[0], None))
    return entries, "flat <label>_* names"


def _list_file(root: Path, name: str) -> set[str]:
    path = root / name
    if not path.is_file():
        return set()
    return {ln.strip().replace("\\", "/") for ln in path.read_text().splitlines() if ln.strip()}


def _name_facts(path: Path, label: str) -> tuple[str | None, int | None]:
    """(speaker, FSDD clip index) that the file name tells."""
    sc = _SPEECH_COMMANDS_NAME.match(path.stem)
    if sc:
        return sc.group("speaker"), None
    fsdd = _FSDD_NAME.match(path.stem)
    if fsdd and fsdd.group("label") == label:
        return fsdd.group("speaker"), int(fsdd.group("index"))
    return None, None


def load_folder(root: str | Path, sample_rate: int, warn: bool = True, words: Sequence[str] | None = None,
                seed: int = 0) -> Dataset:
    """Read every WAV under root in any of the layouts in the module doc.

    words: the target words; every other class becomes _unknown_ (at most
    as many clips as the largest target word, sampled with seed), and a
    _background_noise_ folder adds a _silence_ class of noise snippets."""
    root = Path(root)
    if not root.is_dir():
        raise KwsDataError(f"data folder {root} does not exist; pass a folder with one sub-folder of WAV files "
                           "per class (--data DIR)")
    entries, layout = _entries(root)
    if not entries:
        raise KwsDataError(f"{root} holds no WAV files: expected one sub-folder of .wav files per class "
                           f"({root}/yes/*.wav, {root}/no/*.wav, ...)")
    subsets = {name: _list_file(root, f"{name}_list.txt") for name in ("validation", "testing")}
    clips: list[Clip] = []
    skipped: list[tuple[Path, str]] = []
    for path, label, folder_speaker in entries:
        try:
            x = read_wav(path, sample_rate)
        except KwsDataError as e:
            skipped.append((path, str(e)))
            if warn:
                warnings.warn(f"skipping {e}", BadClipWarning, stacklevel=2)
            continue
        speaker, index = _name_facts(path, label)
        rel = path.relative_to(root).as_posix()
        subset = next((name for name, rels in subsets.items() if rel in rels), None)
        clips.append(Clip(path, label, x, folder_speaker or speaker, index, subset))
    if not clips:
        raise KwsDataError(f"no usable WAV file in {root} ({len(skipped)} skipped as unreadable)")
    ds = Dataset(clips, [], sample_rate, skipped, layout=layout)
    noise_dir = root / NOISE_FOLDER
    if noise_dir.is_dir():
        for p in _wavs(noise_dir):
            try:
                ds.noise.append(read_wav(p, sample_rate))
            except KwsDataError as e:
                skipped.append((p, str(e)))
        ds.notes.append(f"{len(ds.noise)} background noise recordings in {NOISE_FOLDER}/ (noise augmentation)")
    if any(subsets.values()):
        ds.notes.append("validation_list.txt / testing_list.txt name the held-out clips")
    if words:
        _fold_words(ds, list(words), seed)
    ds.classes = sorted({c.label for c in ds.clips}, key=_natural_key)
    if len(ds.classes) < 2:
        raise KwsDataError(f"{root} has only one class ({ds.classes[0]!r}); a classifier needs at least two "
                           "sub-folders of WAV files")
    return ds


def _fold_words(ds: Dataset, words: list[str], seed: int) -> None:
    """Target words kept; the rest become _unknown_; noise snippets become _silence_."""
    present = {c.label for c in ds.clips}
    missing = [w for w in words if w not in present]
    if missing:
        raise KwsDataError(f"--words {','.join(missing)}: not in the data (its classes: "
                           f"{', '.join(sorted(present, key=_natural_key))})")
    rng = np.random.default_rng(seed)
    targets = [c for c in ds.clips if c.label in words]
    others = [c for c in ds.clips if c.label not in words]
    largest = max(sum(c.label == w for c in targets) for w in words)
    keep = sorted(rng.permutation(len(others))[:largest].tolist())
    unknown = [Clip(c.path, UNKNOWN, c.samples, c.speaker, None, c.subset) for c in (others[i] for i in keep)]
    ds.clips = targets + unknown
    ds.notes.append(f"{len(others)} clips of other words folded into {UNKNOWN} ({len(unknown)} kept)")
    if ds.noise:
        ds.clips += silence_clips(ds.noise, largest, ds.sample_rate, rng)
        ds.notes.append(f"{SILENCE}: {largest} one-second snippets of the background noise")


def silence_clips(noise: list[np.ndarray], n: int, sample_rate: int, rng: np.random.Generator) -> list[Clip]:
    """n one-second snippets of the noise recordings at random places and gains."""
    out = []
    for k in range(n):
        src = noise[k % len(noise)]
        length = min(len(src), sample_rate)
        start = int(rng.integers(0, len(src) - length + 1))
        gain = rng.uniform(0.1, 1.0)
        snippet = np.clip(np.round(src[start:start + length] * gain), -32768, 32767).astype(np.int16)
        out.append(Clip(Path(NOISE_FOLDER) / f"snippet{k}", SILENCE, snippet))
    return out


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
