"""Which sample rate the HAR model runs at.

The recordings' rate comes from --rate or their timestamps. The model runs
at that rate when the board holds its window and the sensor offers it (or a
rate within RATE_TOLERANCE of it); otherwise at the highest sensor rate
below it that fits, and the recordings are resampled to it (anti-aliased,
emml.har.data.resample), so the Python features, the device check and the
firmware all see the same stream. "Fits" is measured: the whole firmware is
built for the board with the feature extractor of that rate and a one-split
model, and its RAM (static + reserved stack) and flash are checked.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emml import boards
from emml.dsp import HarConfig
from emml.firmware import FirmwareBuildError
from emml.dsp.har import DEFAULT_BANDS

#: Recordings within this share of a sensor rate run at their own rate (the
#: sensor's differs by at most this; the training output says by how much).
RATE_TOLERANCE = 0.05
#: Sensor rates (Hz) the model may run at: LIS3DH-compatible output data rates from 10 Hz up.
SENSOR_RATES = (10.0, 25.0, 50.0, 100.0, 200.0, 400.0)
MIN_WINDOW, MAX_WINDOW = 8, 1024  # samples per window the feature extractor takes
#: Boards suggested when the chosen one cannot hold the window.
REAL_BOARDS = ("ch32v003", "py32f002a", "py32f003", "rp2040")


class RateError(ValueError):
    """No rate can serve the recordings on the board; the message says what would."""


@dataclass
class RatePlan:
    rate_hz: float  # the model's (and firmware's) sample rate
    window: int
    hop: int
    resampled: bool
    note: str
    ram_bytes: int = 0
    flash_bytes: int = 0


def bands_for(rate_hz: float) -> tuple:
    """The default bands below the Nyquist frequency (the last one ends there)."""
    nyq = rate_hz / 2.0
    out = [(lo, min(hi, nyq)) for lo, hi in DEFAULT_BANDS if lo < nyq]
    if out and out[-1][1] < nyq and DEFAULT_BANDS[-1][1] < nyq:
        out[-1] = (out[-1][0], nyq)
    return tuple(out)


def feature_config(rate_hz: float, window: int, gravity: str = "mean") -> HarConfig:
    return HarConfig(window=window, sample_rate=rate_hz, gravity=gravity, bands_hz=bands_for(rate_hz))


def data_rate(rate_hz: float | None, raw) -> tuple[float, str]:
    """The recordings' rate and a note: --rate, checked against the
    timestamps when the files have them; else the timestamps' median."""
    stamped = [r.rate_hz for r in raw.recordings if r.rate_hz]
    if rate_hz is not None:
        if not 0 < rate_hz:
            raise RateError(f"--rate must be a positive sample rate in Hz, not {rate_hz}")
        off = [r for r in stamped if abs(r - rate_hz) / rate_hz > 0.02]
        if off:
            return rate_hz, (f"rate {rate_hz:g} Hz (as given); warning: the timestamps of {len(off)} of "
                             f"{len(stamped)} files say about {float(np.median(off)):.4g} Hz: is --rate right?")
        return rate_hz, f"rate {rate_hz:g} Hz (as given{', confirmed by the timestamps' if stamped else ''})"
    if not stamped:
        raise RateError("the sample rate is needed: pass --rate HZ (the files have no timestamp column to "
                        "measure it from)")
    rate = float(np.median(stamped))
    spread = (max(stamped) - min(stamped)) / rate
    return rate, (f"rate {rate:.4g} Hz measured from the timestamps of {len(stamped)} files"
                  + (f" (they differ by up to {100 * spread:.0f}%)" if spread > 0.02 else "") + "; --rate overrides")


def candidate_rates(rate_hz: float) -> list[float]:
    """The recordings' own rate when a sensor rate is near it, then every
    lower sensor rate, highest first."""
    near = any(abs(s - rate_hz) <= RATE_TOLERANCE * rate_hz for s in SENSOR_RATES)
    own = [rate_hz] if near else []
    return own + [s for s in sorted(SENSOR_RATES, reverse=True) if s < rate_hz and s not in own]


def _measure(board: str, rate: float, window: int, hop: int, gravity: str) -> tuple[int, int | None]:
    """(RAM incl. reserved stack, flash) of the HAR firmware for board at this
    rate and window, with a one-split model; from the linker's overflow
    message when it does not fit (flash None when only RAM overflowed)."""
    from sklearn.tree import DecisionTreeClassifier

    from emml.har import codegen, device
    from emml.har.artifact import HarArtifact
    from emml.size import elf_size

    cfg = feature_config(rate, window, gravity)
    X = np.zeros((2, cfg.n_features), np.float32)
    X[1, 0] = 1.0
    stump = DecisionTreeClassifier(max_depth=1).fit(X, [0, 1])
    art = HarArtifact(stump, cfg, rate, window, hop, ["a", "b"], board=board)
    b = boards.load(board)
    with tempfile.TemporaryDirectory() as tmp:
        codegen.write(art, Path(tmp) / "generated")
        try:
            size = elf_size(device.build(board, Path(tmp) / "generated").elf)
        except FirmwareBuildError as e:  # the linker stops when a region overflows: that is the measure
            over = e.overflows()
            if not over:
                raise
            ram = over.get("RAM", 0) + b.ram_bytes
            flash = over["FLASH"] + b.flash_bytes if "FLASH" in over else None  # None: not linked, unknown
            return ram, flash
    return size.ram_bytes, size.flash_bytes


def _fits(board: str, rate: float, window_s: float, hop_s: float, gravity: str) -> tuple[bool, int, int | None]:
    b = boards.load(board)
    window, hop = int(round(window_s * rate)), max(1, int(round(hop_s * rate)))
    ram, flash = _measure(board, rate, window, hop, gravity)
    return ram <= b.ram_bytes and flash is not None and flash <= b.flash_bytes, ram, flash


def choose_rate(rate_hz: float, board: str, window_s: float, hop_s: float, gravity: str = "mean") -> RatePlan:
    """The highest candidate rate whose firmware fits the board (see module doc)."""
    b = boards.load(board)
    rates = [r for r in candidate_rates(rate_hz) if MIN_WINDOW <= round(window_s * r) <= MAX_WINDOW]
    if not rates:
        raise RateError(f"a {window_s:g} s window at {rate_hz:g} Hz recordings: no sensor rate from "
                        f"{SENSOR_RATES[0]:g} Hz up gives {MIN_WINDOW}..{MAX_WINDOW} samples per window "
                        "(change --window, or record at 10 Hz or more)")
    tried = []
    for rate in rates:
        ok, ram, flash = _fits(board, rate, window_s, hop_s, gravity)
        tried.append((rate, ram, flash))
        if ok:
            window, hop = int(round(window_s * rate)), max(1, int(round(hop_s * rate)))
            resampled = abs(rate - rate_hz) > 1e-9
            if not resampled:
                note = f"model rate {rate:g} Hz: the recordings' own ({window} samples per window fit {board})"
            else:
                why = "; ".join(f"{r:g} Hz needs {m:,} B RAM" for r, m, _ in tried[:-1] if m > b.ram_bytes)
                note = (f"model rate {rate:g} Hz: recordings resampled from {rate_hz:g} Hz (anti-aliased), the "
                        f"highest sensor rate whose {window}-sample window fits {board} "
                        f"({ram:,} of {b.ram_bytes:,} B RAM){'; ' + why if why else ''}")
            return RatePlan(rate, window, hop, resampled, note, ram, flash or 0)
    rate, ram, flash = tried[-1]
    raise RateError(_nothing_fits(board, rate, ram, flash, window_s, hop_s, gravity))


def _nothing_fits(board: str, rate: float, ram: int, flash: int, window_s: float, hop_s: float, gravity: str) -> str:
    """One line: the bytes needed and available at the lowest rate, and the options that would fit."""
    b = boards.load(board)
    need = (f"at {rate:g} Hz the firmware needs {ram:,} B RAM (stack included) of {b.ram_bytes:,}"
            + (f" and {flash:,} B flash of {b.flash_bytes:,}" if flash is not None else ""))
    options = []
    for shorter in (window_s / 2, window_s / 4, window_s / 8):
        if round(shorter * rate) >= MIN_WINDOW and _fits(board, rate, shorter, min(hop_s, shorter), gravity)[0]:
            options.append(f"--window {shorter:g}")
            break
    others = [o for o in REAL_BOARDS if o != board and boards.load(o).ram_bytes > b.ram_bytes
              and _fits(o, rate, window_s, hop_s, gravity)[0]]
    if others:
        options.append("--board " + " or ".join(others))
    return (f"a {window_s:g} s window does not fit {board} at any sensor rate down to {rate:g} Hz: {need}; "
            + ("options that fit: " + ", ".join(options) if options else "no shorter window or other board fits"))
