"""One recording file as data loggers write them: CSV or NPY, accelerometer
(3 columns) or accelerometer + gyroscope (6), with or without a header, with
extra columns such as a timestamp.

read_recording() returns the values in the file's own units and, when the
file has a timestamp column, the sample rate it implies. It raises ValueError
with a short reason for a file it cannot use; repairs it made (a truncated
last line or array, rows holding NaN) are appended to `notes`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: A file whose bad rows (NaN, infinity) exceed this share is skipped rather than repaired.
MAX_BAD_ROW_SHARE = 0.2

_AXES = "xyz"
_ACCEL_PREFIXES = ("", "a", "acc", "accel", "accelerometer", "acceleration", "linacc", "linearacceleration")
_GYRO_PREFIXES = ("g", "gyr", "gyro", "gyroscope", "w", "rot", "rotation", "angularvelocity")
_TIME_NAMES = ("t", "ts", "time", "times", "timestamp", "timestamps", "millis", "micros", "ms", "us", "ns",
               "s", "sec", "seconds", "epoch", "elapsed")
#: A timestamp column's name -> seconds per unit, when the name says it.
_TIME_UNITS = (("ns", 1e-9), ("us", 1e-6), ("micros", 1e-6), ("ms", 1e-3), ("millis", 1e-3), ("sec", 1.0),
               ("seconds", 1.0), ("s", 1.0))


@dataclass
class FileValues:
    values: np.ndarray  # (n, 3) accelerometer or (n, 6) accelerometer + gyroscope, file units, float64
    rate_hz: float | None = None  # from a timestamp column
    time_note: str = ""


def _normalise(name: str) -> str:
    """'Acc_X [mg]' -> 'accx': lower case, units in brackets and separators dropped."""
    name = re.sub(r"[\(\[\{].*?[\)\]\}]", "", name.lower())
    return re.sub(r"[^a-z0-9]", "", name)


def column_role(name: str) -> str | None:
    """'ax', 'acc_x', 'accel_x', 'x' -> 'ax'; 'gyro_x', 'gx' -> 'gx'; 'time',
    'timestamp_ms' -> 't'; anything else -> None."""
    n = _normalise(name)
    for axis in _AXES:
        for role, prefixes in (("a", _ACCEL_PREFIXES), ("g", _GYRO_PREFIXES)):
            names = {p + axis for p in prefixes} | {axis + p for p in prefixes if p}
            if n in names or (role == "a" and n in {axis + "axis", "acc" + axis + "mg", axis + "mg"}):
                return role + axis
    if n in _TIME_NAMES or n.startswith(("time", "timestamp")):
        return "t"
    return None


def _seconds_per_tick(name: str, ticks: np.ndarray) -> tuple[float, str]:
    """Seconds per unit of a timestamp column: from its name when it says
    (timestamp_ms), else from the size of its steps."""
    n = _normalise(name)
    for suffix, scale in _TIME_UNITS:
        if n.endswith(suffix) and n != "ts":
            return scale, f"'{name}' in {suffix}"
    step = float(np.median(np.diff(ticks)))
    for limit, scale, unit in ((1.0, 1.0, "s"), (1e3, 1e-3, "ms"), (1e6, 1e-6, "us")):
        if step < limit:
            return scale, f"'{name}' read as {unit} (median step {step:g})"
    return 1e-9, f"'{name}' read as ns (median step {step:g})"


def _rate_from_timestamps(name: str, ticks: np.ndarray) -> tuple[float | None, str]:
    ticks = ticks[np.isfinite(ticks)]
    if len(ticks) < 3 or not np.all(np.diff(ticks) > 0):
        return None, f"timestamp column '{name}' is not increasing: not used for the rate"
    scale, how = _seconds_per_tick(name, ticks)
    step_s = float(np.median(np.diff(ticks))) * scale
    return 1.0 / step_s, f"rate {1.0 / step_s:.4g} Hz from timestamps ({how})"


def _pick_columns(header: list[str]) -> tuple[list[int], int | None]:
    """Indices of the sample columns (ax ay az [gx gy gz]) and of the
    timestamp, from header names; ValueError when they cannot be told apart."""
    roles = [column_role(h) for h in header]
    found = {r: i for i, r in reversed(list(enumerate(roles))) if r}
    accel = [found.get("a" + a) for a in _AXES]
    gyro = [found.get("g" + a) for a in _AXES]
    if all(i is not None for i in accel):
        cols = accel + (gyro if all(i is not None for i in gyro) else [])
        return [int(i) for i in cols], found.get("t")
    raise ValueError(f"columns {', '.join(header)}: cannot tell which are x, y, z; name them x,y,z "
                     "(or ax,ay,az / acc_x,acc_y,acc_z; gyroscope gx,gy,gz)")


def _split(line: str, delim: str) -> list[str]:
    parts = line.split() if delim == " " else next(csv.reader(io.StringIO(line), delimiter=delim))
    parts = [p.strip() for p in parts]
    return parts[:-1] if parts and parts[-1] == "" else parts  # a trailing separator


def _read_csv(path: Path, notes: list[str]) -> FileValues:
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ValueError("empty file")
    sample = "\n".join(lines[:5])
    delim = next((d for d in (",", ";", "\t") if d in sample), " ")
    header: list[str] | None = None
    rows: list[list[float]] = []
    width = None
    for i, ln in enumerate(lines):
        parts = _split(ln, delim)
        try:
            vals = [float(p) if p.lower() not in ("", "nan", "na", "null") else np.nan for p in parts]
        except ValueError:
            if i == 0:
                header = parts
                continue
            if i == len(lines) - 1:  # a truncated last line: drop it
                notes.append(f"dropped its last line (not numeric: {ln[:40]!r})")
                break
            raise ValueError(f"line {i + 1} is not numeric: {ln[:40]!r}") from None
        if width is None:
            width = len(vals)
            if header is None and width not in (3, 6):
                raise ValueError(f"line {i + 1} has {width} columns, expected 3 (x, y, z) or 6 (x, y, z, gx, gy, "
                                 "gz); name the columns in a header row to use other layouts")
        if len(vals) != width:
            if i == len(lines) - 1 and rows:
                notes.append(f"dropped its last line ({len(vals)} values: truncated)")
                break
            raise ValueError(f"line {i + 1} has {len(vals)} columns, the lines before it {width}")
        rows.append(vals)
    if not rows:
        raise ValueError("no numeric rows")
    table = np.asarray(rows, dtype=np.float64)
    if header is None or len(header) != table.shape[1]:
        return FileValues(table)
    try:
        cols, t_col = _pick_columns(header)
    except ValueError:
        if table.shape[1] in (3, 6):  # unknown names, but the shape says it
            notes.append(f"columns {', '.join(header)} read as x, y, z{', gx, gy, gz' if table.shape[1] == 6 else ''}")
            return FileValues(table)
        raise
    out = FileValues(table[:, cols])
    if t_col is not None:
        out.rate_hz, out.time_note = _rate_from_timestamps(header[t_col], table[:, t_col])
    return out


def _read_npy(path: Path, notes: list[str]) -> FileValues:
    """A .npy array; one cut short (a logger that stopped) still has a valid
    header, and its whole rows are read."""
    with open(path, "rb") as f:
        try:
            version = np.lib.format.read_magic(f)
            read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                           (2, 0): np.lib.format.read_array_header_2_0}.get(version)
            if read_header is None:
                raise ValueError(f"npy format version {version[0]}.{version[1]} (1.0 and 2.0 are read)")
            shape, fortran, dtype = read_header(f)
        except (ValueError, EOFError) as e:
            raise ValueError("empty file" if path.stat().st_size == 0 else f"not a .npy array ({e})") from None
        data = f.read()
    if dtype.kind not in "iuf" or dtype.hasobject:
        raise ValueError(f"dtype {dtype} is not numeric")
    if len(shape) != 2 or shape[1] not in (3, 6):
        raise ValueError(f"array of shape {shape}, expected (n, 3) or (n, 6)")
    row_bytes = dtype.itemsize * shape[1]
    n = min(shape[0], len(data) // row_bytes)
    if n < shape[0]:
        if fortran:
            raise ValueError(f"truncated: {len(data)} of {shape[0] * row_bytes} bytes, column-major (cannot recover)")
        notes.append(f"truncated: read the {n} whole rows of {shape[0]}")
    if n == 0:
        raise ValueError("no whole row in the file")
    a = np.frombuffer(data[: n * row_bytes] if not fortran else data, dtype=dtype)
    a = a.reshape((shape[1], n)).T if fortran else a.reshape((n, shape[1]))
    return FileValues(a.astype(np.float64))


def read_recording(path: Path, notes: list[str] | None = None) -> FileValues:
    """The values of one file, or ValueError saying why it cannot be used."""
    notes = [] if notes is None else notes
    fv = _read_npy(path, notes) if path.suffix.lower() == ".npy" else _read_csv(path, notes)
    bad = ~np.isfinite(fv.values).all(axis=1)
    if bad.any():
        if bad.mean() > MAX_BAD_ROW_SHARE:
            raise ValueError(f"{int(bad.sum())} of {len(bad)} rows hold NaN or infinity")
        notes.append(f"dropped {int(bad.sum())} rows holding NaN or infinity")
        fv.values = fv.values[~bad]
    if fv.time_note:
        notes.append(fv.time_note)
    return fv
