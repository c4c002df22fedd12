"""Regenerate an app's model C from its training artifact before a firmware
build, only when something it depends on changed.

PlatformIO runs scripts/pio_regen_model.py before each build; that thin
script reads two options of the environment and calls regenerate():

    [env]
    extra_scripts = pre:../../scripts/pio_regen_model.py
    custom_emml_app = har                              ; a key of GENERATORS
    custom_emml_artifact = model/har_model.joblib      ; relative to the project

regenerate() writes into out_dir (the script uses the build folder,
.pio/build/<env>/emml_<app>/) and records a stamp there: the sha256 of the
artifact, the emml version, a digest of emml's code and the generator. The
next build with the same stamp does nothing, so `pio run` after `emml har
train` regenerates once.

Adding an app: write a function generate(artifact_path, out_dir) -> [Path]
that writes its C deterministically, and add "app": "module:function" to
GENERATORS (imported lazily, so a build imports only its own generator).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

#: app name -> "module:function" of its generator.
GENERATORS: dict[str, str] = {
    "har": "emml.har.codegen:generate",
    "kws": "emml.kws.artifact:generate",
}

STAMP = ".emml-stamp.json"


class PrebuildError(RuntimeError):
    """The model C could not be regenerated; the message says why and what to do."""


@dataclass(frozen=True)
class Regenerated:
    app: str
    out_dir: Path
    files: tuple[Path, ...]
    changed: bool  # False: the stamp matched and nothing was written


def generator(app: str) -> Callable[[Path, Path], list[Path]]:
    if app not in GENERATORS:
        raise PrebuildError(f"no model generator for app {app!r}; known apps: {', '.join(sorted(GENERATORS))} "
                            "(set custom_emml_app in platformio.ini, or register one in emml.prebuild.GENERATORS)")
    module, _, func = GENERATORS[app].partition(":")
    return getattr(importlib.import_module(module), func)


@functools.lru_cache(maxsize=None)
def code_digest() -> str:
    """sha256 of emml's own code and templates and the runtime's config.h:
    generated C changes with them even when emml's version does not (a
    checkout between releases), so they are part of the stamp."""
    from emml.paths import runtime_dir

    package = Path(__file__).resolve().parent
    files = sorted(p for p in package.rglob("*") if p.suffix in (".py", ".j2") and "__pycache__" not in p.parts)
    h = hashlib.sha256()
    for p in [*files, runtime_dir() / "include" / "emml" / "config.h"]:
        h.update(p.relative_to(p.parents[1]).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def stamp_for(app: str, artifact: Path) -> dict:
    import emml

    return {
        "app": app,
        "generator": GENERATORS.get(app, ""),
        "emml": emml.__version__,
        "emml_code_sha256": code_digest(),
        "artifact_sha256": hashlib.sha256(artifact.read_bytes()).hexdigest(),
    }


def read_stamp(out_dir: Path) -> dict | None:
    try:
        return json.loads((Path(out_dir) / STAMP).read_text())
    except (OSError, ValueError):
        return None


def regenerate(app: str, artifact: str | Path, out_dir: str | Path, force: bool = False) -> Regenerated:
    """Generate app's C from artifact into out_dir unless the stamp there
    says it is up to date. Raises PrebuildError with a readable message."""
    artifact, out_dir = Path(artifact), Path(out_dir)
    gen = generator(app)
    if not artifact.is_file():
        raise PrebuildError(f"{app}: training artifact {artifact} not found; train one (e.g. `emml {app} train "
                            f"--out {artifact.parent}`) or point custom_emml_artifact at it")
    stamp = stamp_for(app, artifact)
    old = read_stamp(out_dir)
    files = [Path(f) for f in (old or {}).get("files", [])]
    if not force and old is not None and {k: old.get(k) for k in stamp} == stamp and all(
            (out_dir / f).is_file() for f in files):
        return Regenerated(app, out_dir, tuple(out_dir / f for f in files), changed=False)
    try:
        written = gen(artifact, out_dir)
    except PrebuildError:
        raise
    except Exception as e:  # the generator's own errors, shown on one line
        raise PrebuildError(f"{app}: generating C from {artifact} failed: {type(e).__name__}: {e}") from e
    stamp["files"] = sorted(str(Path(p).relative_to(out_dir)) for p in written)
    (out_dir / STAMP).write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n")
    return Regenerated(app, out_dir, tuple(written), changed=True)
