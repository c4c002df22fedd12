"""lib/emml builds warning-free with the project's strict flags on every
compiler it targets: host gcc and clang, arm-none-eabi-gcc (Cortex-M0+) and
riscv64-unknown-elf-gcc (RV32EC). Every .c file under lib/emml/src and a
translation unit that includes every public header twice are compiled (-c);
new files are picked up automatically. A deliberately bad snippet must be
rejected by the same flags, so the check cannot pass vacuously."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from emml import boards
from emml.host import STRICT_CFLAGS
from emml.paths import runtime_dir

INCLUDE = runtime_dir() / "include"
SOURCES = sorted((runtime_dir() / "src").rglob("*.c"))
HEADERS = sorted(INCLUDE.rglob("*.h"))

COMPILERS = {
    "gcc": ("gcc", ()),
    "clang": ("clang", ()),
    "arm-none-eabi-gcc": ("arm-none-eabi-gcc", boards.load("py32f003").cflags),
    "riscv64-unknown-elf-gcc": ("riscv64-unknown-elf-gcc", boards.load("ch32v003").cflags),
}
CONFIGS = {
    "defaults": (),
    "options-flipped": ("-DEMML_LOG_ENABLE=1", "-DEMML_STATUS_STRINGS=0", "-DEMML_FLOAT_ENABLE=0"),
}


def _compiler(name: str) -> tuple[str, tuple[str, ...]]:
    cc, flags = COMPILERS[name]
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} is not installed")
    return cc, tuple(flags)


def _compile(cc: str, flags, sources, cwd: Path, extra=()) -> subprocess.CompletedProcess:
    cmd = [cc, *flags, *STRICT_CFLAGS, "-O2", *extra, f"-I{INCLUDE}", "-c", *map(str, sources)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)


def _all_headers_tu(path: Path) -> Path:
    includes = "".join(f'#include "{h.relative_to(INCLUDE).as_posix()}"\n' for h in HEADERS)
    path.write_text(
        "/* every public header, twice: include guards and no definitions in headers */\n"
        + includes + includes + "int emml_all_headers_tu(void);\nint emml_all_headers_tu(void) { return 0; }\n"
    )
    return path


def test_the_runtime_has_sources_and_headers():
    assert SOURCES and HEADERS
    assert INCLUDE / "emml" / "emml.h" in HEADERS


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("compiler", COMPILERS)
def test_runtime_compiles_strict(compiler, config, tmp_path):
    cc, flags = _compiler(compiler)
    tu = _all_headers_tu(tmp_path / "all_headers.c")
    proc = _compile(cc, flags, [*SOURCES, tu], tmp_path, CONFIGS[config])
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    assert len(list(tmp_path.glob("*.o"))) == len(SOURCES) + 1


@pytest.mark.parametrize("cxx", ["g++", "clang++"])
def test_headers_compile_as_cpp(cxx, tmp_path):
    if shutil.which(cxx) is None:
        pytest.skip(f"{cxx} is not installed")
    tu = _all_headers_tu(tmp_path / "all_headers.cpp")
    cmd = [cxx, "-std=c++11", "-Wall", "-Wextra", "-pedantic", "-Werror", f"-I{INCLUDE}", "-c", str(tu)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


BAD_SNIPPETS = {
    "narrowing": "unsigned char f(int x) { return x; }\n",  # -Wconversion
    "unused-parameter": "int f(int x, int y) { return x; }\n",  # -Wextra
    "gnu-extension": "int f(int x) { return ({ int y = x; y; }); }\n",  # -pedantic
    "implicit-declaration": "int f(void) { return g(); }\n",  # -std=c99 -Wall
}


@pytest.mark.parametrize("snippet", BAD_SNIPPETS)
@pytest.mark.parametrize("compiler", COMPILERS)
def test_strict_flags_reject_bad_code(compiler, snippet, tmp_path):
    cc, flags = _compiler(compiler)
    src = tmp_path / "bad.c"
    src.write_text(BAD_SNIPPETS[snippet])
    proc = _compile(cc, flags, [src], tmp_path)
    assert proc.returncode != 0, f"{cc} accepted {snippet} with the strict flags"
    # ...and it is the flag set that rejects it (except the always-invalid one).
    if snippet != "implicit-declaration":
        lax = subprocess.run([cc, *flags, "-c", str(src)], capture_output=True, text=True, cwd=tmp_path)
        assert lax.returncode == 0, lax.stderr
