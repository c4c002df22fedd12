#!/usr/bin/env python3
"""Derive "messy" recordings, shaped the way users' data loggers write them,
from emml's data sets (emml.datasets), to train and test `emml har train`
and `emml kws train` on data they were not built against.

HAR variants (from ST HAR, 3-axis mg at 26 Hz, resampled anti-aliased):
  har_100hz_counts   100 Hz int16 .npy, raw counts (16384 per g), one folder
                     per class; an empty .npy, a truncated .npy, a stray file
  har_50hz_g_csv     50 Hz CSV in g with a header timestamp_ms,ax,ay,az (no
                     --rate needed); rows with NaN, a truncated last line
  har_200hz_ms2      200 Hz CSV in m/s^2, header accel_x,accel_y,accel_z
  har_400hz_suffix   400 Hz int16 .npy at 4096 counts per g, all in one
                     folder, named <recording>_<label>.npy
  har_basicmotions   6-axis (accelerometer + gyroscope) CSV from BasicMotions
                     at 10 Hz, header ax,ay,az,gx,gy,gz, <case>_<label>.csv;
                     its accelerometer has gravity removed, so its units
                     cannot be found from the data (--units m/s2 is needed)
KWS variant (from FSDD, 8 kHz):
  kws_speech_commands  FSDD renamed into the Speech Commands layout:
                     <word>/<speaker>_nohash_<n>.wav at 16 kHz, with
                     validation_list.txt / testing_list.txt (one speaker
                     each) and _background_noise_/ (generated noise)

Usage: python scripts/make_messy_corpus.py OUT [--variants a,b] [--per-class N] [--seconds S]
Tests call the functions directly with small --per-class/--seconds values.
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

ST_RATE = 26.0
G = 9.80665


def _st_recordings(per_class: int | None, seconds: float | None):
    """(class, name, (n, 3) float64 mg at 26 Hz) of the ST HAR set."""
    from emml.datasets import fetch_st_har

    root = fetch_st_har() / "dataset"
    for cls in sorted(p.name for p in root.iterdir() if p.is_dir()):
        for f in sorted((root / cls).glob("*.csv"))[:per_class]:
            a = np.loadtxt(f, delimiter=",", dtype=np.float64)
            if seconds:
                a = a[: int(seconds * ST_RATE)]
            yield cls, f.stem, a


def _resample(a: np.ndarray, rate: float) -> np.ndarray:
    from scipy.signal import resample_poly

    r = Fraction(rate / ST_RATE).limit_denominator(1000)
    return resample_poly(a, r.numerator, r.denominator, axis=0, padtype="line")


def _write_csv(path: Path, header: str, table: np.ndarray, fmt: str | list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fmts = fmt if isinstance(fmt, list) else [fmt] * table.shape[1]
    lines = [header] + [",".join(f % v for f, v in zip(fmts, row)) for row in table]
    path.write_text("\n".join(lines) + "\n")


def har_100hz_counts(out: Path, per_class: int | None = None, seconds: float | None = None) -> Path:
    dest = out / "har_100hz_counts"
    for cls, name, mg in _st_recordings(per_class, seconds):
        counts = np.clip(np.rint(_resample(mg, 100) * 16.384), -32768, 32767).astype(np.int16)
        (dest / cls).mkdir(parents=True, exist_ok=True)
        np.save(dest / cls / f"{name}.npy", counts)
    first = sorted((dest / "walking").glob("*.npy"))[0]
    data = first.read_bytes()
    (dest / "walking" / "logger_stopped.npy").write_bytes(data[: len(data) * 2 // 3])  # truncated mid-file
    (dest / "running" / "empty.npy").write_bytes(b"")
    (dest / "running" / "session.log").write_text("logger v2.1, 100 Hz, +-2 g, int16\n")
    return dest


def har_50hz_g_csv(out: Path, per_class: int | None = None, seconds: float | None = None) -> Path:
    dest = out / "har_50hz_g_csv"
    for k, (cls, name, mg) in enumerate(_st_recordings(per_class, seconds)):
        g = _resample(mg, 50) / 1000.0
        t_ms = 1_700_000_000_000 + np.arange(len(g)) * 20  # epoch milliseconds, 50 Hz
        table = np.column_stack([t_ms, g])
        if k % 5 == 1:
            table[7, 1] = np.nan  # a dropped sample
        path = dest / cls / f"{name}.csv"
        _write_csv(path, "timestamp_ms,ax,ay,az", table, ["%d", "%.6g", "%.6g", "%.6g"])
        if k % 7 == 2:
            text = path.read_text()
            path.write_text(text[: len(text) - 9])  # last line cut short
    return dest


def har_200hz_ms2(out: Path, per_class: int | None = None, seconds: float | None = None) -> Path:
    dest = out / "har_200hz_ms2"
    for cls, name, mg in _st_recordings(per_class, seconds):
        _write_csv(dest / cls / f"{name}.csv", "accel_x,accel_y,accel_z", _resample(mg, 200) * G / 1000.0, "%.5f")
    return dest


def har_400hz_suffix(out: Path, per_class: int | None = None, seconds: float | None = None) -> Path:
    dest = out / "har_400hz_suffix"
    dest.mkdir(parents=True, exist_ok=True)
    for cls, name, mg in _st_recordings(per_class, seconds):
        counts = np.clip(np.rint(_resample(mg, 400) * 4.096), -32768, 32767).astype(np.int16)
        np.save(dest / f"wrist_{name.split('_')[1]}_{cls}.npy", counts)
    return dest


def har_basicmotions(out: Path, per_class: int | None = None, seconds: float | None = None) -> Path:
    from emml.datasets import fetch_basicmotions

    dest = out / "har_basicmotions"
    dest.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for part in ("TRAIN", "TEST"):
        text = (fetch_basicmotions() / f"BasicMotions_{part}.ts").read_text()
        for line in text.split("@data", 1)[1].strip().splitlines():
            fields = line.split(":")
            label = fields[-1].strip().lower()
            if per_class is not None and counts.get(label, 0) >= per_class:
                continue
            counts[label] = counts.get(label, 0) + 1
            channels = np.array([[float(v) for v in f.split(",")] for f in fields[:-1]]).T
            _write_csv(dest / f"{part.lower()}{counts[label]:02d}_{label}.csv", "ax,ay,az,gx,gy,gz", channels, "%.6f")
    return dest


def kws_speech_commands(out: Path, per_class: int | None = None, seconds: float | None = None) -> Path:
    """FSDD in the Speech Commands layout at 16 kHz (speaker ids hashed, as
    the real set names them), list files naming one held-out speaker each."""
    import hashlib

    from scipy.io import wavfile
    from scipy.signal import resample_poly

    from emml.datasets import fetch_fsdd

    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    dest = out / "kws_speech_commands"
    lists: dict[str, list[str]] = {"validation": [], "testing": []}
    speakers = sorted({f.stem.split("_")[1] for f in (fetch_fsdd() / "recordings").glob("*.wav")})
    held = {speakers[0]: "validation", speakers[1]: "testing"}
    taken: dict[tuple[str, str], int] = {}
    for f in sorted((fetch_fsdd() / "recordings").glob("*.wav")):
        digit, speaker, index = f.stem.split("_")
        key = (digit, speaker)
        if per_class is not None and taken.get(key, 0) >= per_class:
            continue
        taken[key] = taken.get(key, 0) + 1
        rate, audio = wavfile.read(f)
        audio16 = np.clip(np.rint(resample_poly(audio.astype(np.float64), 2, 1)), -32768, 32767).astype(np.int16)
        sid = hashlib.sha1(speaker.encode()).hexdigest()[:8]
        rel = f"{words[int(digit)]}/{sid}_nohash_{index}.wav"
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        wavfile.write(dest / rel, 2 * rate, audio16)
        if speaker in held:
            lists[held[speaker]].append(rel)
    for name, rels in lists.items():
        (dest / f"{name}_list.txt").write_text("\n".join(sorted(rels)) + "\n")
    noise_dir = dest / "_background_noise_"
    noise_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    white = rng.normal(0, 600, 16000 * 5)
    hum = 1500 * np.sin(2 * np.pi * 50 * np.arange(16000 * 5) / 16000) + rng.normal(0, 200, 16000 * 5)
    for name, sig in (("white_noise", white), ("mains_hum", hum)):
        wavfile.write(noise_dir / f"{name}.wav", 16000, np.clip(sig, -32768, 32767).astype(np.int16))
    (noise_dir / "README.md").write_text("generated noise\n")
    return dest


VARIANTS = {f.__name__: f for f in (har_100hz_counts, har_50hz_g_csv, har_200hz_ms2, har_400hz_suffix,
                                      har_basicmotions, kws_speech_commands)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--per-class", type=int, default=None, help="recordings per class (default: all)")
    parser.add_argument("--seconds", type=float, default=None, help="cut HAR recordings to this length")
    args = parser.parse_args()
    for name in args.variants.split(","):
        if name not in VARIANTS:
            parser.error(f"unknown variant {name}; known: {', '.join(VARIANTS)}")
        print(VARIANTS[name](args.out, args.per_class, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
