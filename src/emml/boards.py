"""Board descriptions, read from boards/<name>.json.

The JSON files are PlatformIO board manifests (so `pio run -e <board>` finds
them) with an extra "emml" section; they are the single source of truth for
memory limits, compiler flags and how to run a board in QEMU.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from emml.paths import boards_dir


@dataclass(frozen=True)
class Board:
    name: str
    title: str
    arch: str  # "arm" or "riscv"
    cpu: str
    mcu: str
    f_cpu_hz: int
    flash_bytes: int
    ram_bytes: int
    cflags: tuple[str, ...]
    toolchain_prefix: str
    libgcc_march: tuple[str, ...] = ()
    runs_in_emulator: bool = False
    qemu: tuple[str, ...] = ()
    emulated_by: str | None = None
    stands_in_for: tuple[str, ...] = ()
    manifest: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def directory(self) -> Path:
        return boards_dir() / self.name


class UnknownBoardError(ValueError):
    pass


def names() -> list[str]:
    return sorted(p.stem for p in boards_dir().glob("*.json"))


@lru_cache(maxsize=None)
def load(name: str) -> Board:
    path = boards_dir() / f"{name}.json"
    if not path.is_file():
        raise UnknownBoardError(
            f"unknown board '{name}'; known boards: {', '.join(names())}"
        )
    m = json.loads(path.read_text())
    e = m["emml"]
    return Board(
        name=name,
        title=m["name"],
        arch=e["arch"],
        cpu=m["build"]["cpu"],
        mcu=m["build"]["mcu"],
        f_cpu_hz=int(str(m["build"]["f_cpu"]).rstrip("L")),
        flash_bytes=int(m["upload"]["maximum_size"]),
        ram_bytes=int(m["upload"]["maximum_ram_size"]),
        cflags=tuple(e["cflags"]),
        toolchain_prefix=e["toolchain_prefix"],
        libgcc_march=tuple(e.get("libgcc_march", ())),
        runs_in_emulator=bool(e.get("runs_in_emulator", False)),
        qemu=tuple(e.get("qemu", ())),
        emulated_by=e.get("emulated_by"),
        stands_in_for=tuple(e.get("stands_in_for", ())),
        manifest=m,
    )
