"""Recordings for activity recognition: a folder per class of CSV or NPY
files of 3-axis accelerometer samples, loaded leniently.

Real folders are messy. A file that cannot be used (empty, unreadable, not
three columns, too short for one window, a stray README) is skipped with a
warning that names it and says why; nothing here raises on a bad file. Only
a folder that leaves nothing usable raises HarDataError, saying what was
found and what the layout must be.

Samples are converted to int16 milli-g (what the firmware's sensor layer
delivers), clipped to the sensor's range.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DATA_SUFFIXES = (".csv", ".npy")
UNITS = ("mg", "g", "counts")


class HarDataError(ValueError):
    """The data folder holds nothing that can be trained on."""


@dataclass
class Recording:
    path: Path
    label: str
    samples: np.ndarray  # (n, 3) int16 milli-g


@dataclass
class LoadReport:
    """What load_folder used and what it skipped (and why)."""

    root: Path
    used: list[Recording] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def classes(self) -> list[str]:
        return sorted({r.label for r in self.used})

    def files_per_class(self) -> dict[str, int]:
        return {c: sum(r.label == c for r in self.used) for c in self.classes()}

    def samples_per_class(self) -> dict[str, int]:
        return {c: int(sum(len(r.samples) for r in self.used if r.label == c)) for c in self.classes()}

    def summary(self) -> str:
        per = ", ".join(f"{c} {n} files" for c, n in self.files_per_class().items())
        return f"{self.root}: {len(self.used)} recordings used ({per}); {len(self.warnings)} skipped or adjusted"


@dataclass(frozen=True)
class Units:
    """How file values become milli-g: mg (as is), g (x 1000) or raw sensor
    counts (x 1000 / counts_per_g). range_g clips to the sensor's full scale."""

    unit: str = "mg"
    counts_per_g: float | None = None
    range_g: float = 4.0

    def __post_init__(self):
        if self.unit not in UNITS:
            raise HarDataError(f"units must be one of {', '.join(UNITS)}, not {self.unit!r}")
        if self.unit == "counts" and not self.counts_per_g:
            raise HarDataError("units 'counts' need --counts-per-g (e.g. 8192 for a 16-bit sensor at +-4 g)")
        if not 0 < self.range_g <= 32:
            raise HarDataError(f"range must be 0 < range_g <= 32 g, not {self.range_g}")

    def scale(self) -> float:
        """mg per file unit."""
        return {"mg": 1.0, "g": 1000.0}.get(self.unit) or 1000.0 / float(self.counts_per_g)

    def limit_mg(self) -> float:
        return min(32767.0, 1000.0 * self.range_g)

    def to_mg(self, values: np.ndarray) -> np.ndarray:
        v = np.asarray(values, dtype=np.float64) * self.scale()
        lim = self.limit_mg()
        return np.clip(np.rint(v), -lim, lim).astype(np.int16)


def _read_csv(path: Path, notes: list[str]) -> np.ndarray:
    """Rows of x, y, z; an optional header row; comma, semicolon, tab or
    space separated. Extra columns are an error (we do not guess which three)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise ValueError("empty file")
    sample = "\n".join(lines[:5])
    delim = ","
    for d in (",", ";", "\t"):
        if d in sample:
            delim = d
            break
    else:
        delim = " "
    rows = []
    for i, ln in enumerate(lines):
        parts = ln.split() if delim == " " else next(csv.reader(io.StringIO(ln), delimiter=delim))
        parts = [p.strip() for p in parts]
        if parts and parts[-1] == "":  # a trailing separator
            parts = parts[:-1]
        try:
            vals = [float(p) for p in parts]
        except ValueError:
            if i == 0:
                continue  # a header row
            if i == len(lines) - 1:  # a truncated last line: drop it
                notes.append(f"dropped its last line (not numeric: {ln[:40]!r})")
                break
            raise ValueError(f"line {i + 1} is not numeric: {ln[:40]!r}") from None
        if len(vals) != 3:
            if i == len(lines) - 1 and rows:
                notes.append(f"dropped its last line ({len(vals)} values: truncated)")
                break
            raise ValueError(f"line {i + 1} has {len(vals)} columns, expected 3 (x, y, z)")
        rows.append(vals)
    if not rows:
        raise ValueError("no numeric rows")
    return np.asarray(rows, dtype=np.float64)


def _read_npy(path: Path) -> np.ndarray:
    a = np.load(path, allow_pickle=False)
    if a.ndim != 2 or a.shape[1] != 3:
        raise ValueError(f"array of shape {a.shape}, expected (n, 3)")
    if a.dtype.kind not in "iuf":
        raise ValueError(f"dtype {a.dtype} is not numeric")
    return a.astype(np.float64)


def read_recording(path: Path, notes: list[str] | None = None) -> np.ndarray:
    """(n, 3) float64 values of one file, or ValueError saying what is wrong;
    repairs (a truncated last line dropped) are appended to notes."""
    notes = [] if notes is None else notes
    if path.suffix.lower() == ".npy":
        a = _read_npy(path)
    else:
        a = _read_csv(path, notes)
    if not np.isfinite(a).all():
        bad = int((~np.isfinite(a).all(axis=1)).sum())
        raise ValueError(f"{bad} rows hold NaN or infinity")
    return a


def find_class_root(root: Path) -> tuple[Path, list[str]]:
    """The folder whose sub-folders are the classes. A data set shipped as
    DIR/dataset/<class>/ (one wrapper folder) is accepted, with a note."""
    notes: list[str] = []

    def has_data(d: Path) -> bool:
        return any(p.suffix.lower() in DATA_SUFFIXES for p in d.iterdir() if p.is_file())

    subdirs = [d for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".")]
    if any(has_data(d) for d in subdirs):
        return root, notes
    nested = [d for d in subdirs if any(s.is_dir() and has_data(s) for s in d.iterdir())]
    if len(nested) == 1:
        notes.append(f"using {nested[0]} (the class folders are one level down)")
        return nested[0], notes
    return root, notes


def load_folder(root: str | Path, units: Units = Units(), min_samples: int = 1,
                min_files_per_class: int = 2) -> LoadReport:
    """Every usable recording under root/<class>/*.csv|*.npy.

    min_samples: files shorter than this (one window) are skipped.
    min_files_per_class: classes with fewer files are kept, with a warning
    (a class needs 2 files to appear in both the training and the test set)."""
    root = Path(root)
    if not root.is_dir():
        raise HarDataError(f"{root}: no such folder; --data must be a folder with one sub-folder per class "
                           "holding CSV (x, y, z) or NPY (n x 3) recordings")
    class_root, notes = find_class_root(root)
    report = LoadReport(root=class_root, warnings=list(notes))
    for p in sorted(class_root.iterdir()):
        if p.is_file():
            report.warnings.append(f"skipped {p.name}: a file next to the class folders (not a class)")
    for d in sorted(x for x in class_root.iterdir() if x.is_dir() and not x.name.startswith(".")):
        files = sorted(p for p in d.rglob("*") if p.is_file())
        used_before = len(report.used)
        for f in files:
            rel = f.relative_to(class_root)
            if f.suffix.lower() not in DATA_SUFFIXES:
                report.warnings.append(f"skipped {rel}: not a .csv or .npy file")
                continue
            fixes: list[str] = []
            try:
                values = read_recording(f, fixes)
            except (ValueError, OSError, UnicodeError) as e:
                report.warnings.append(f"skipped {rel}: {e}")
                continue
            if len(values) < min_samples:
                report.warnings.append(f"skipped {rel}: {len(values)} samples, shorter than one window "
                                       f"({min_samples})")
                continue
            report.warnings += [f"{rel}: {fix}" for fix in fixes]
            mg = units.to_mg(values)
            clipped = int(np.sum(np.abs(values * units.scale()) > units.limit_mg()))
            if clipped:
                report.warnings.append(f"{rel}: {clipped} values beyond +-{units.range_g:g} g clipped "
                                       "(is --units right?)")
            report.used.append(Recording(f, d.name, mg))
        n = len(report.used) - used_before
        if n == 0:
            report.warnings.append(f"class folder {d.name}/ has no usable recording: class left out")
        elif n < min_files_per_class:
            report.warnings.append(f"class {d.name} has only {n} usable file(s): it cannot be in both the "
                                   f"training and the test set; record more")
    if not report.used:
        raise HarDataError(
            f"{root}: no usable recordings. Expected {root}/<class>/<file>.csv (x, y, z per row, header "
            "optional) or .npy (n x 3)." + (" Problems: " + "; ".join(report.warnings[:5]) if report.warnings else "")
        )
    if len(report.classes()) < 2:
        raise HarDataError(f"{class_root}: only one class ({report.classes()[0]}) has usable recordings; "
                           "a classifier needs at least two class folders")
    return report


def windows_of(samples: np.ndarray, window: int, hop: int) -> np.ndarray:
    """(W, window, 3) windows starting at 0, hop, 2 hop, ... (what the
    firmware classifies after a reset and the same samples)."""
    n = len(samples)
    if n < window:
        return np.zeros((0, window, 3), np.int16)
    starts = np.arange(0, n - window + 1, hop)
    idx = starts[:, None] + np.arange(window)[None, :]
    return np.asarray(samples)[idx]
