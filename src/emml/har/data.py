"""Recordings for activity recognition, loaded leniently: a folder per class,
or one folder of files named ``<anything>_<label>.csv|.npy``.

Real folders are messy. A file that cannot be used (empty, unreadable, cut
short beyond repair, not 3 or 6 columns, too short for one window, a stray
README) is skipped with a warning that names it and says why; nothing here
raises on a bad file, and ``LoadReport.files`` says what became of each.
Only a folder that leaves nothing usable raises HarDataError.

Loading is two steps: read_folder() reads every file in its own units and
rate; RawSet.prepare() finds the units (gravity is in every accelerometer
recording), resamples to the model's rate and converts to the int16 milli-g
the firmware's sensor layer delivers. load_folder() does both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from emml.har.files import read_recording

DATA_SUFFIXES = (".csv", ".npy")
UNITS = ("auto", "mg", "g", "m/s2", "counts")
LABEL_SOURCES = ("auto", "folder", "suffix")
#: Raw counts per g that unit detection considers (12- to 16-bit sensors at +-2 to +-16 g).
COUNTS_PER_G = (2048, 4096, 8192, 16384, 32768)
STANDARD_GRAVITY = 9.80665
#: Detection accepts a unit when gravity at rest is within this share of 1 g.
UNIT_TOLERANCE = 0.15
#: A stretch of samples is "quiet" when its magnitude varies by less than this share.
QUIET_VARIATION = 0.05


class HarDataError(ValueError):
    """The data folder holds nothing that can be trained on."""


@dataclass
class Recording:
    path: Path
    label: str
    samples: np.ndarray  # (n, 3) int16 milli-g at the model's rate


@dataclass
class RawRecording:
    path: Path
    label: str
    values: np.ndarray  # (n, 3|6) float64 in the file's units and at its rate
    rate_hz: float | None  # from the file's timestamps, if it has some


@dataclass(frozen=True)
class Units:
    """How file values become milli-g: mg (as is), g (x 1000), m/s2 (x 1000 /
    9.80665), raw sensor counts (x 1000 / counts_per_g), or auto (found from
    gravity by RawSet.prepare). range_g clips to the sensor's full scale."""

    unit: str = "auto"
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
        if self.unit == "auto":
            raise HarDataError("units 'auto' must be resolved from the data first (RawSet.prepare)")
        fixed = {"mg": 1.0, "g": 1000.0, "m/s2": 1000.0 / STANDARD_GRAVITY}
        return fixed.get(self.unit) or 1000.0 / float(self.counts_per_g)

    def limit_mg(self) -> float:
        return min(32767.0, 1000.0 * self.range_g)

    def to_mg(self, values: np.ndarray) -> np.ndarray:
        v = np.asarray(values, dtype=np.float64) * self.scale()
        lim = self.limit_mg()
        return np.clip(np.rint(v), -lim, lim).astype(np.int16)

    def describe(self) -> str:
        return f"counts ({self.counts_per_g:g} per g)" if self.unit == "counts" else self.unit


@dataclass
class LoadReport:
    """What was used and what was skipped (and why)."""

    root: Path
    used: list[Recording] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # relative path -> "used" or why not
    units: Units | None = None
    units_note: str = ""
    rate_note: str = ""

    def classes(self) -> list[str]:
        return sorted({r.label for r in self.used})

    def files_per_class(self) -> dict[str, int]:
        return {c: sum(r.label == c for r in self.used) for c in self.classes()}

    def summary(self) -> str:
        per = ", ".join(f"{c} {n} files" for c, n in self.files_per_class().items())
        return f"{self.root}: {len(self.used)} recordings used ({per}); {len(self.warnings)} skipped or adjusted"


# ---- reading the folder ---------------------------------------------------------

def _has_data(d: Path) -> bool:
    return any(p.suffix.lower() in DATA_SUFFIXES for p in d.iterdir() if p.is_file())


def find_class_root(root: Path) -> tuple[Path, list[str]]:
    """The folder whose sub-folders are the classes. A data set shipped as
    DIR/dataset/<class>/ (one wrapper folder) is accepted, with a note."""
    subdirs = [d for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".")]
    if any(_has_data(d) for d in subdirs) or _has_data(root):
        return root, []
    nested = [d for d in subdirs if any(s.is_dir() and _has_data(s) for s in d.iterdir())]
    if len(nested) == 1:
        return nested[0], [f"using {nested[0]} (the class folders are one level down)"]
    return root, []


def suffix_label(path: Path) -> str | None:
    """'wrist_03_walking.csv' -> 'walking' (the name after the last underscore)."""
    stem = path.stem
    return stem.rsplit("_", 1)[1] if "_" in stem and stem.rsplit("_", 1)[1] else None


@dataclass
class RawSet:
    root: Path
    recordings: list[RawRecording]
    warnings: list[str]
    files: dict[str, str]

    def prepare(self, units: Units, rate_hz: float | None = None, target_rate_hz: float | None = None,
                min_samples: int = 1, min_files_per_class: int = 2) -> LoadReport:
        """Units resolved, resampled from rate_hz to target_rate_hz (when both
        are given and differ), converted to int16 mg; files shorter than
        min_samples after that are skipped."""
        report = LoadReport(root=self.root, warnings=list(self.warnings), files=dict(self.files))
        if not self.recordings:
            _check_classes(report, min_files_per_class)  # raises: nothing usable
        if units.unit == "auto":
            units, report.units_note = detect_units([r.values[:, :3] for r in self.recordings], units.range_g)
        else:
            report.units_note = f"units {units.describe()} (as given)"
        report.units = units
        for r in self.recordings:
            rel = str(r.path.relative_to(self.root))
            accel = r.values[:, :3]
            if rate_hz and target_rate_hz and abs(rate_hz - target_rate_hz) > 1e-9:
                accel = resample(accel, rate_hz, target_rate_hz)
            if len(accel) < min_samples:
                report.files[rel] = f"skipped: {len(accel)} samples, shorter than one window ({min_samples})"
                report.warnings.append(f"skipped {rel}: {len(accel)} samples, shorter than one window "
                                       f"({min_samples})")
                continue
            clipped = int(np.sum(np.abs(accel * units.scale()) > units.limit_mg()))
            if clipped:
                share = clipped / accel.size
                report.warnings.append(f"{rel}: {clipped} values ({100 * share:.2g}%) beyond +-{units.range_g:g} g "
                                       f"clipped (is --units right?)")
            report.files[rel] = "used" + (f", {clipped} values clipped" if clipped else "")
            report.used.append(Recording(r.path, r.label, units.to_mg(accel)))
        _check_classes(report, min_files_per_class)
        return report


def read_folder(root: str | Path, label_from: str = "auto") -> RawSet:
    """Every readable recording under root, in file units: root/<class>/*
    (label_from 'folder'), or root/*_<label>.* ('suffix'), or whichever the
    folder has ('auto')."""
    root = Path(root)
    if label_from not in LABEL_SOURCES:
        raise HarDataError(f"--label-from must be one of {', '.join(LABEL_SOURCES)}, not {label_from!r}")
    if not root.is_dir():
        raise HarDataError(f"{root}: no such folder; --data must be a folder with one sub-folder per class "
                           "(or files named <anything>_<label>.csv) holding CSV (x, y, z) or NPY (n x 3) recordings")
    class_root, notes = find_class_root(root)
    by_folder = [d for d in sorted(class_root.iterdir()) if d.is_dir() and not d.name.startswith(".")]
    loose = sorted(p for p in class_root.iterdir() if p.is_file())
    if label_from == "auto":
        label_from = "folder" if any(_has_data(d) for d in by_folder) or not _has_data(class_root) else "suffix"
        if label_from == "suffix":
            notes.append("labels from file names (<anything>_<label>.csv): no class folders found")
    raw = RawSet(class_root, [], notes, {})
    if label_from == "folder":
        for p in loose:
            raw.files[p.name] = "skipped: a file next to the class folders (not a class)"
            raw.warnings.append(f"skipped {p.name}: a file next to the class folders (not a class)")
        candidates = [(f, d.name) for d in by_folder for f in sorted(p for p in d.rglob("*") if p.is_file())]
    else:
        candidates = [(f, suffix_label(f)) for f in sorted(p for p in class_root.rglob("*") if p.is_file())]
    for f, label in candidates:
        _read_one(raw, f, label)
    if label_from == "folder":
        for d in by_folder:
            if not any(r.label == d.name for r in raw.recordings):
                raw.warnings.append(f"class folder {d.name}/ has no usable recording: class left out")
    six = sum(r.values.shape[1] == 6 for r in raw.recordings)
    if six:
        raw.warnings.append(f"the gyroscope columns of {six} files are not used: the HAR features and the "
                            "firmware's sensor driver take the accelerometer (x, y, z)")
    return raw


def _read_one(raw: RawSet, f: Path, label: str | None) -> None:
    rel = str(f.relative_to(raw.root))

    def skip(why: str) -> None:
        raw.files[rel] = f"skipped: {why}"
        raw.warnings.append(f"skipped {rel}: {why}")

    if f.suffix.lower() not in DATA_SUFFIXES:
        return skip("not a .csv or .npy file")
    if not label:
        return skip("no label in its name (expected <anything>_<label>.csv)")
    fixes: list[str] = []
    try:
        fv = read_recording(f, fixes)
    except (ValueError, OSError, UnicodeError, EOFError) as e:
        return skip(str(e))
    raw.warnings += [f"{rel}: {fix}" for fix in fixes]
    raw.files[rel] = "read"
    raw.recordings.append(RawRecording(f, label, fv.values, fv.rate_hz))


def _check_classes(report: LoadReport, min_files_per_class: int) -> None:
    for c, n in report.files_per_class().items():
        if n < min_files_per_class:
            report.warnings.append(f"class {c} has only {n} usable file(s): it cannot be in both the "
                                   f"training and the test set; record more")
    if not report.used:
        problems = [w for w in report.warnings if w.startswith("skipped")][:5]
        raise HarDataError(
            f"{report.root}: no usable recordings. Expected {report.root}/<class>/<file>.csv (x, y, z per row, "
            "header optional) or .npy (n x 3), or <anything>_<label>.csv files."
            + (" Problems: " + "; ".join(problems) if problems else "")
        )
    if len(report.classes()) < 2:
        raise HarDataError(f"{report.root}: only one class ({report.classes()[0]}) has usable recordings; "
                           "a classifier needs at least two classes")


def load_folder(root: str | Path, units: Units = Units(), min_samples: int = 1, min_files_per_class: int = 2,
                label_from: str = "auto", rate_hz: float | None = None,
                target_rate_hz: float | None = None) -> LoadReport:
    """read_folder() then RawSet.prepare(): every usable recording as int16 mg."""
    return read_folder(root, label_from).prepare(units, rate_hz, target_rate_hz, min_samples, min_files_per_class)


# ---- units and rate -------------------------------------------------------------

def _quiet_levels(values: list[np.ndarray], chunk: int = 32) -> tuple[np.ndarray, float]:
    """Mean magnitude of the quiet stretches (magnitude varying by less than
    QUIET_VARIATION), and the smallest variation seen anywhere."""
    levels, least = [], np.inf
    for v in values:
        mag = np.linalg.norm(v, axis=1)
        for i in range(0, len(mag) - chunk + 1, chunk):
            m = mag[i:i + chunk]
            mean = float(m.mean())
            if mean <= 0:
                continue
            variation = float(m.std()) / mean
            least = min(least, variation)
            if variation < QUIET_VARIATION:
                levels.append(mean)
    return np.asarray(levels), least


def unit_candidates() -> list[tuple[Units, float]]:
    """(units, file value of 1 g) for each unit detection considers."""
    out = [(Units("mg"), 1000.0), (Units("g"), 1.0), (Units("m/s2"), STANDARD_GRAVITY)]
    return out + [(Units("counts", counts_per_g=c), float(c)) for c in COUNTS_PER_G]


def detect_units(values: list[np.ndarray], range_g: float = 4.0) -> tuple[Units, str]:
    """The units in which gravity at rest reads 1 g, and a note saying what
    was found and how sure it is; HarDataError when the data cannot decide."""
    levels, least = _quiet_levels(values)
    if len(levels) == 0:
        raise HarDataError(
            "cannot find the units: no quiet stretch in the recordings (the magnitude never varies by less than "
            f"{100 * QUIET_VARIATION:g}% over 32 samples; the quietest varies by {100 * least:.0f}%), so gravity "
            "cannot be measured; pass --units (mg, g, m/s2, or counts with --counts-per-g)")
    gravity = float(np.median(levels))
    scored = sorted((abs(np.log(gravity / one)), u, one) for u, one in unit_candidates())
    (err, best, one), (err2, second, _) = scored[0], scored[1]
    if err > np.log(1 + UNIT_TOLERANCE):
        raise HarDataError(
            f"cannot find the units: at rest the recordings read {gravity:.4g} (median of {len(levels)} quiet "
            "stretches), not near 1 g in mg, g, m/s2 or counts (2048 to 32768 per g); pass --units and "
            "--counts-per-g")
    off = 100 * (np.exp(err) - 1)
    sure = "sure" if err < np.log(1.05) and err2 > 3 * err else "likely"
    note = (f"units {best.describe()} found from gravity: at rest the recordings read {gravity:.4g} = "
            f"{gravity / one:.3f} g ({off:.1f}% off; next best {second.describe()}, "
            f"{100 * (np.exp(err2) - 1):.0f}% off; {sure}); --units overrides")
    return Units(best.unit, best.counts_per_g, range_g), note


def resample(values: np.ndarray, rate_hz: float, target_hz: float) -> np.ndarray:
    """Anti-aliased polyphase resampling (scipy's resample_poly, Kaiser window)."""
    from scipy.signal import resample_poly

    ratio = Fraction(target_hz / rate_hz).limit_denominator(1000)
    return resample_poly(values, ratio.numerator, ratio.denominator, axis=0, padtype="line")


def windows_of(samples: np.ndarray, window: int, hop: int) -> np.ndarray:
    """(W, window, 3) windows starting at 0, hop, 2 hop, ... (what the
    firmware classifies after a reset and the same samples)."""
    n = len(samples)
    if n < window:
        return np.zeros((0, window, 3), np.int16)
    starts = np.arange(0, n - window + 1, hop)
    idx = starts[:, None] + np.arange(window)[None, :]
    return np.asarray(samples)[idx]
