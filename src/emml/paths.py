"""Where emml finds its C runtime, boards and data sets."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def repo_root() -> Path:
    """The emml checkout this package runs from (editable install)."""
    root = _PACKAGE_DIR.parent.parent
    if not (root / "lib" / "emml" / "library.json").is_file():
        raise FileNotFoundError(
            f"emml's C runtime was not found next to the Python package ({root}/lib/emml). "
            "Install emml from a checkout with 'pip install -e .'."
        )
    return root


def runtime_dir() -> Path:
    """lib/emml: the C99 runtime (include/ and src/)."""
    return repo_root() / "lib" / "emml"


def boards_dir() -> Path:
    return repo_root() / "boards"


def build_dir() -> Path:
    """Scratch space for host builds; EMML_BUILD_DIR overrides."""
    env = os.environ.get("EMML_BUILD_DIR")
    path = Path(env) if env else repo_root() / "build"
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path | None:
    """Real data sets: EMML_DATA_DIR, else ../shared/data next to the checkout."""
    env = os.environ.get("EMML_DATA_DIR")
    if env:
        return Path(env)
    candidate = repo_root().parent / "shared" / "data"
    if candidate.is_dir():
        return candidate
    return None
