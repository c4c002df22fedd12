"""The HAR training artifact: one joblib file holding the fitted estimator
and everything the firmware needs to reproduce the Python pipeline (feature
configuration, window and hop, rate, classes, units, sensor range).

    art = HarArtifact.load("apps/har/model/har_model.joblib")
    art.predict(windows)           # (W, window, 3) int16 mg -> class names
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emml.dsp import HarConfig

FORMAT = "emml-har/1"
ARTIFACT_NAME = "har_model.joblib"


class HarArtifactError(ValueError):
    """The file is not an emml HAR artifact (or one from another format version)."""


@dataclass
class HarArtifact:
    estimator: Any
    features: HarConfig
    rate_hz: float
    window: int  # frames
    hop: int  # frames
    classes: list[str]
    range_g: float = 4.0
    board: str = "ch32v003"
    model_name: str = ""  # the search candidate, e.g. "rf n=10 depth=6"
    extra: dict = field(default_factory=dict)

    # ---- pipeline ---------------------------------------------------------
    def feature_matrix(self, windows: np.ndarray) -> np.ndarray:
        """float32 model inputs: the int32 features as the firmware converts them."""
        return self.features.features(windows).astype(np.float32)

    def predict_index(self, windows: np.ndarray) -> np.ndarray:
        if len(windows) == 0:
            return np.zeros(0, np.int64)
        return np.asarray(self.estimator.predict(self.feature_matrix(windows))).astype(np.int64)

    def predict(self, windows: np.ndarray) -> list[str]:
        return [self.classes[i] for i in self.predict_index(windows)]

    # ---- files --------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "estimator": self.estimator,
            "features": asdict(self.features),
            "rate_hz": float(self.rate_hz),
            "window": int(self.window),
            "hop": int(self.hop),
            "classes": list(self.classes),
            "range_g": float(self.range_g),
            "board": self.board,
            "model_name": self.model_name,
            "extra": dict(self.extra),
        }

    def save(self, path: str | Path) -> Path:
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump(self.to_dict(), tmp, compress=3)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "HarArtifact":
        import joblib

        path = Path(path)
        if not path.is_file():
            raise HarArtifactError(f"{path}: no such artifact; train one with `emml har train --out DIR` "
                                   f"(it writes DIR/{ARTIFACT_NAME})")
        try:
            d = joblib.load(path)
        except Exception as e:  # a pickle can raise anything
            raise HarArtifactError(f"{path}: cannot be read as an emml HAR artifact ({type(e).__name__}: {e})") from None
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            got = d.get("format") if isinstance(d, dict) else type(d).__name__
            raise HarArtifactError(f"{path}: not an emml HAR artifact of format {FORMAT} (found {got!r}); "
                                   "retrain with `emml har train`")
        feats = dict(d["features"])
        return cls(estimator=d["estimator"], features=HarConfig(**feats), rate_hz=d["rate_hz"],
                   window=d["window"], hop=d["hop"], classes=list(d["classes"]), range_g=d["range_g"],
                   board=d["board"], model_name=d.get("model_name", ""), extra=dict(d.get("extra", {})))


def file_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
