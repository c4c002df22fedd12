"""Write the committed seed corpus of the fuzz harnesses (tests/fuzz/corpus/).

    python tests/fuzz/make_seeds.py

Seeds are small valid inputs that reach deep into each harness: blobs of
every tree family and output transform (libFuzzer mutates from there), and
framer / feature-extractor inputs with valid settings. Deterministic: the
same files every run (fixed seeds, no timestamps).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
SEED = 0


def blob_seeds() -> dict[str, bytes]:
    from sklearn.datasets import make_classification, make_regression
    from sklearn.ensemble import (GradientBoostingClassifier, HistGradientBoostingClassifier, IsolationForest,
                                  RandomForestClassifier, RandomForestRegressor)
    from sklearn.tree import DecisionTreeClassifier

    from emml import blob

    X, y = make_classification(120, 4, n_informative=3, n_redundant=0, n_classes=3, random_state=SEED)
    Xb, yb = make_classification(120, 4, n_informative=3, n_redundant=0, random_state=SEED)
    Xr, yr = make_regression(120, 4, random_state=SEED)
    Xn = Xb.copy()
    Xn[::7, 1] = np.nan
    models = {
        "tree_proba": DecisionTreeClassifier(max_depth=3, random_state=SEED).fit(X, y),
        "forest_proba": RandomForestClassifier(3, max_depth=3, random_state=SEED).fit(X, y),
        "gb_logistic": GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=SEED).fit(Xb, yb),
        "gb_softmax": GradientBoostingClassifier(n_estimators=2, max_depth=2, random_state=SEED).fit(X, y),
        "hgb_nan": HistGradientBoostingClassifier(max_iter=3, max_depth=2, random_state=SEED).fit(Xn, yb),
        "forest_mean": RandomForestRegressor(2, max_depth=3, random_state=SEED).fit(Xr, yr),
        "isolation": IsolationForest(n_estimators=3, max_samples=16, random_state=SEED).fit(Xb),
    }
    return {name: blob.encode(m) for name, m in models.items()}


def framer_seeds() -> dict[str, bytes]:
    rng = np.random.default_rng(SEED)
    out = {}
    for name, (ring, frame, hop, n) in {"overlap": (64, 48, 16, 400), "skip": (32, 20, 50, 300),
                                        "exact": (8, 8, 8, 100), "bad_hop": (16, 8, 0, 20)}.items():
        samples = rng.integers(-32768, 32768, n).astype("<i2").tobytes()
        out[name] = struct.pack("<HHH", ring, frame, hop) + samples
    return out


def features_seeds() -> dict[str, bytes]:
    rng = np.random.default_rng(SEED)
    har = struct.pack("<BHHBBBBhBB", 0, 52, 0x3FF, 0xF, 1, 5, 4, 3000, 2, 4)  # n=52, all stats, 4 channels, n_fft=64, stride 16
    har += bytes([1, 4, 4, 9, 9, 20, 20, 33]) + rng.integers(-2000, 2000, 3 * 52).astype("<i2").tobytes()
    mel = bytes([1, 3, 8, 2, 200])  # logmel: n_fft=128, 8 mels, 2 mfcc; offset[0] = 0
    for m in range(8):
        mel += struct.pack("<HBB", 4 + 6 * m, 8, 200)  # band start, length 8, no shrink
    mel += rng.integers(0, 32768, 64).astype("<u2").tobytes()  # weights
    mel += rng.integers(0, 1 << 22, 8).astype("<u4").tobytes()  # log2 offsets
    mel += bytes([200, 1]) + rng.integers(0, 32767, 65).astype("<u2").tobytes() + bytes([1])  # window
    mel += struct.pack("<h", -25600) + rng.integers(-20000, 20000, 128).astype("<i2").tobytes() + bytes([10])
    mel += rng.integers(0, 2731, 16).astype("<u2").tobytes()
    return {"har_all_stats": har, "logmel_mfcc": mel}


def main() -> int:
    for harness, seeds in (("blob", blob_seeds()), ("framer", framer_seeds()), ("features", features_seeds())):
        folder = CORPUS / harness
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (folder / name).write_bytes(data)
        print(f"{harness}: {len(seeds)} seeds in {folder.relative_to(HERE.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
