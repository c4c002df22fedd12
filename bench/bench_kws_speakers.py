#!/usr/bin/env python3
"""Keyword spotting on voices the network never heard: FSDD's six
leave-one-speaker-out folds, int8 accuracy of the firmware's network, for
augmentation settings side by side in one run.

    python bench/bench_kws_speakers.py [--widths 16,32,32] [--epochs 25] [--augment 2]
        [--settings baseline,speed] [--speakers george,jackson]

Settings: "baseline" = time shift + noise, `emml kws train`'s default;
"speed" = + speed (0.9-1.1) and gain (+-6 dB), its --perturb; "speedonly",
"gainonly", "speed05" (0.95-1.05) split those; "masks" = baseline + one band
range and one frame range per copy set to silence (SpecAugment-style).
Prints a table and writes bench/results/kws_speakers.json.
Each fold trains one network (minutes per fold on two cores).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "kws_speakers.json"
SETTINGS = {"baseline": {"speed": False}, "speed": {"speed": True}}
#: Experiments: (speed range, gain dB range) for the "speed" augmentation.
VARIANTS = {"speedonly": ((0.9, 1.1), (0.0, 0.0)), "gainonly": ((1.0, 1.0), (-6.0, 6.0)),
            "speed05": ((0.95, 1.05), (0.0, 0.0))}


def mask(X: np.ndarray, rng: np.random.Generator, floor: int) -> np.ndarray:
    """SpecAugment-style: per window one band range and one frame range set to the floor."""
    X = X.copy()
    n, T, M = X.shape
    for i in range(n):
        bands = int(rng.integers(0, 4))  # draw order kept: the committed results used it
        b0 = int(rng.integers(0, M - bands + 1))
        frames = int(rng.integers(0, 6))
        t0 = int(rng.integers(0, T - frames + 1))
        X[i, :, b0:b0 + bands] = floor
        X[i, t0:t0 + frames, :] = floor
    return X


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="16,32,32")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--augment", type=int, default=2)
    parser.add_argument("--settings", default="baseline,speed")
    parser.add_argument("--speakers", default=None, help="comma-separated subset of the folds")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import emml
    from emml.datasets import fetch_fsdd
    from emml.kws import train
    from emml.kws.audio import load_folder
    from emml.kws.pipeline import KwsConfig
    from emml.paths import build_dir

    cfg = KwsConfig()
    widths = tuple(int(w) for w in args.widths.split(","))
    ds = load_folder(fetch_fsdd() / "recordings", cfg.sample_rate)
    y = ds.labels()
    speakers = sorted({c.speaker for c in ds.clips})
    if args.speakers:
        speakers = [s for s in speakers if s in args.speakers.split(",")]
    cache = build_dir() / "kws_cache"
    rows = []
    for name in args.settings.split(","):
        if name in VARIANTS:
            train.SPEED_RANGE, train.GAIN_DB = VARIANTS[name]
        clean, aug = train.features(cfg, ds, cache, augment=args.augment, noise=True, seed=args.seed,
                                    progress=False, **SETTINGS.get(name, {"speed": name != "masks"}))
        if name == "masks":
            aug = np.stack([mask(a, np.random.default_rng([args.seed, k]), cfg.silence_q) for k, a in enumerate(aug)])
        folds = {}
        for spk in speakers:
            t0 = time.time()
            fs = train.split(ds, "speaker", test_speakers=[spk])
            X = np.concatenate([clean[fs.train]] + [a[fs.train] for a in aug])
            yt = np.tile(y[fs.train], 1 + len(aug))
            _, tfl = train.train_network(cfg, widths, X, yt, len(ds.classes), epochs=args.epochs, seed=args.seed)
            pred = emml.convert(tfl).forward_i8(clean[fs.test].reshape(len(fs.test), -1)).argmax(axis=1)
            folds[spk] = float((pred == y[fs.test]).mean())
            print(f"{name:<9} {spk:<10} {100 * folds[spk]:5.1f}%  ({time.time() - t0:.0f} s)", flush=True)
        rows.append({"setting": name, "folds": folds, "mean": float(np.mean(list(folds.values())))})
    print(f"\n{'setting':<10} {'mean':>6}  " + "  ".join(f"{s:>9}" for s in speakers))
    for r in rows:
        print(f"{r['setting']:<10} {100 * r['mean']:5.1f}%  " + "  ".join(f"{100 * r['folds'][s]:8.1f}%"
                                                                          for s in speakers))
    RESULTS.write_text(json.dumps({"widths": widths, "epochs": args.epochs, "augment": args.augment,
                                   "int8": True, "rows": rows}, indent=1) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
