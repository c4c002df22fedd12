"""Shared pytest fixtures.

assets_dir   -> Path of tests/assets
need_tool    -> need_tool("qemu-system-arm") returns the tool's path, or skips the test
cross_build  -> cross_build(arch, sources, name, ...) builds a bare-metal ELF with the
                system cross compiler ("arm": Cortex-M0+ flags of py32f003, "riscv":
                RV32EC flags of ch32v003, libgcc linked) and returns its Path; cached per
                session by arguments
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Callable, Sequence

import pytest

ASSETS = Path(__file__).resolve().parent / "assets"


@pytest.fixture(scope="session")
def assets_dir() -> Path:
    return ASSETS


def _need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (scripts/setup.sh installs it)")
    return path


@pytest.fixture(scope="session")
def need_tool() -> Callable[[str], str]:
    return _need_tool


@pytest.fixture(scope="session")
def cross_build(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    from emml import boards

    out_dir = tmp_path_factory.mktemp("cross")
    cache: dict[tuple, Path] = {}

    def build(
        arch: str,
        sources: Sequence[Path | str],
        name: str,
        *,
        ldscript: Path | str | None = None,
        entry: str | None = None,
        defines: Sequence[str] = (),
        cflags: Sequence[str] = ("-Os",),
    ) -> Path:
        key = (arch, tuple(map(str, sources)), name, str(ldscript), entry, tuple(defines), tuple(cflags))
        if key in cache:
            return cache[key]
        board = boards.load("py32f003" if arch == "arm" else "ch32v003")
        cc = _need_tool(board.toolchain_prefix + "gcc")
        if ldscript is None:
            ldscript = ASSETS / ("known_loop_arm.ld" if arch == "arm" else "known_loop_rv32e.ld")
        out = out_dir / f"{name}.elf"
        cmd = [cc, *board.cflags, *cflags, "-nostdlib", "-nostartfiles", "-ffunction-sections",
               f"-T{ldscript}", *(f"-D{d}" for d in defines), *map(str, sources), "-o", str(out)]
        if entry:
            cmd.append(f"-Wl,-e,{entry}")
        if arch == "riscv":
            libgcc = subprocess.run([cc, *board.libgcc_march, "-print-libgcc-file-name"],
                                    capture_output=True, text=True, check=True).stdout.strip()
            cmd += [libgcc, "-Wl,--no-warn-rwx-segments"]
        else:
            cmd.append("-lgcc")
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise AssertionError(f"cross build failed:\n$ {' '.join(cmd)}\n{proc.stderr}")
        cache[key] = out
        return out

    return build
