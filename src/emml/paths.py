"""Where emml finds its C runtime, board files and app sources, and where it
writes builds and caches.

In a checkout (``pip install -e .``) these are the repository's own folders.
A wheel carries a copy of each folder in :data:`BUNDLED` under
``emml/_resources/`` at the same relative path, so the rest of emml asks for
``resource_root() / "boards"`` and never cares which of the two it got.
This module imports nothing outside the standard library: ``setup.py`` reads
:data:`BUNDLED` from it before emml's dependencies are installed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent

#: Repository paths the wheel carries (setup.py copies them; tests/test_packaging.py
#: checks the copy is identical): the C runtime, the boards and the local
#: PlatformIO platform for firmware builds, the apps' firmware sources that
#: `emml har|kws train` build, and the PlatformIO pre-build script.
BUNDLED: tuple[str, ...] = (
    "lib/emml",
    "boards",
    "platform/emml",
    "apps/hello/src",
    "apps/har/src",
    "apps/audio_kws/src",
    "scripts/pio_regen_model.py",
)

#: Where a wheel keeps its copy of BUNDLED, inside the package.
PACKAGED_RESOURCES = "_resources"

_MARKER = Path("lib") / "emml" / "library.json"


class MissingResourceError(FileNotFoundError):
    """Part of emml's install is missing (a damaged install, or a checkout-only tool)."""


def checkout_root() -> Path | None:
    """The repository this package runs from (an editable install), or None
    when emml was installed from a wheel."""
    root = _PACKAGE_DIR.parent.parent
    return root if _PACKAGE_DIR.parent.name == "src" and (root / _MARKER).is_file() else None


def resource_root() -> Path:
    """The folder holding BUNDLED at their repository paths: the checkout,
    else the copy inside the installed package."""
    root = checkout_root()
    if root is not None:
        return root
    packaged = _PACKAGE_DIR / PACKAGED_RESOURCES
    if (packaged / _MARKER).is_file():
        return packaged
    raise MissingResourceError(
        f"emml's C runtime is missing from this install ({packaged / 'lib' / 'emml'} does not exist); "
        "reinstall emml ('pip install --force-reinstall emml') or install it from a checkout ('pip install -e .')"
    )


def repo_root() -> Path:
    """The checkout, for what only a checkout has (tests, benchmarks, the
    MicroPython WebAssembly runner); a one-line error in a wheel install."""
    root = checkout_root()
    if root is None:
        raise MissingResourceError(
            "this needs an emml checkout (git clone, then 'pip install -e .'); "
            "the installed package has no tests, benchmarks or tools/"
        )
    return root


def runtime_dir() -> Path:
    """lib/emml: the C99 runtime, with include/emml/*.h and src/*.c."""
    return resource_root() / "lib" / "emml"


def boards_dir() -> Path:
    """boards/: one <name>.json (a PlatformIO board manifest) and one folder per board."""
    return resource_root() / "boards"


def app_sources(app: str) -> Path:
    """apps/<app>/src: a reference app's firmware sources."""
    return resource_root() / "apps" / app / "src"


def _user_cache_dir() -> Path:
    """The platform's per-user cache folder for emml (XDG on Linux)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "emml" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "emml"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "emml"


def cache_dir() -> Path:
    """Downloaded data sets and other caches: EMML_CACHE_DIR, else the user cache folder."""
    env = os.environ.get("EMML_CACHE_DIR")
    return Path(env).expanduser() if env else _user_cache_dir()


def build_dir() -> Path:
    """Scratch space for host and firmware builds: EMML_BUILD_DIR, else build/
    in a checkout, else build/ in the cache folder."""
    env = os.environ.get("EMML_BUILD_DIR")
    root = checkout_root()
    path = Path(env).expanduser() if env else (root / "build" if root else cache_dir() / "build")
    path.mkdir(parents=True, exist_ok=True)
    return path
