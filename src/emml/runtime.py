"""Facts about the C runtime (lib/emml) that generators write into their output."""

from __future__ import annotations

import re
from functools import lru_cache

from emml.paths import runtime_dir


@lru_cache(maxsize=None)
def runtime_version() -> tuple[int, int, int]:
    """(major, minor, patch) as #defined in lib/emml/include/emml/config.h:
    generated files are guarded against any other runtime version."""
    text = (runtime_dir() / "include" / "emml" / "config.h").read_text()
    found = [re.search(rf"#define EMML_VERSION_{part} (\d+)", text) for part in ("MAJOR", "MINOR", "PATCH")]
    if not all(found):
        raise RuntimeError("cannot read the runtime version from lib/emml/include/emml/config.h")
    major, minor, patch = (int(m.group(1)) for m in found)  # type: ignore[union-attr]
    return major, minor, patch


def minor_version_guard(label: str) -> str:
    """C lines that stop the build when the runtime's major.minor differs."""
    major, minor, _ = runtime_version()
    return (
        "#include \"emml/config.h\"\n"
        f"#if EMML_VERSION_MAJOR != {major} || EMML_VERSION_MINOR != {minor}\n"
        f"#error \"{label}: generated for emml {major}.{minor}; regenerate it for this runtime\"\n"
        "#endif\n"
    )
