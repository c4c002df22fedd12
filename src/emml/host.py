"""Compile C for the host machine, so Python runs the very code the MCU runs.

Builds are cached by a hash of every input (source bytes, flags, compiler),
so re-running a test or a prediction does not recompile.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, Sequence

from emml.paths import build_dir, runtime_dir

STRICT_CFLAGS = ("-std=c99", "-Wall", "-Wextra", "-Wconversion", "-Wcast-qual", "-Wundef", "-pedantic", "-Werror")
SANITIZE_CFLAGS = ("-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g")


class HostBuildError(RuntimeError):
    """The host C compiler rejected the code; the message holds its output."""


def host_compiler() -> str:
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        raise HostBuildError(
            f"host C compiler '{cc}' not found; install gcc (or set CC) to run models on the host"
        )
    return cc


def runtime_sources() -> list[Path]:
    return sorted((runtime_dir() / "src").glob("*.c"))


def input_digest(paths: Iterable[Path], args: Sequence[str]) -> str:
    """Cache key of a build: every input file's path and bytes, and the command."""
    h = hashlib.sha256()
    for p in paths:
        h.update(str(p).encode())
        h.update(Path(p).read_bytes())
    for d in args:
        h.update(b"\0" + d.encode())
    return h.hexdigest()[:20]


def header_files(include_dirs: Sequence[Path]) -> list[Path]:
    """Every header under the include folders: a build depends on all of them."""
    files: list[Path] = []
    for d in include_dirs:
        files.extend(sorted(Path(d).rglob("*.h")))
    return files


def compile_c(
    sources: Sequence[Path | str],
    *,
    output_name: str,
    shared: bool,
    include_dirs: Sequence[Path | str] = (),
    defines: Sequence[str] = (),
    cflags: Sequence[str] = STRICT_CFLAGS,
    sanitize: bool | None = None,
    with_runtime: bool = True,
    cc: str | None = None,
) -> Path:
    """Compile sources (plus lib/emml by default) into a shared library or an
    executable under build/host/<hash>/ and return its path.

    sanitize=None follows the environment: EMML_SANITIZE=1 builds every host
    library with ASan + UBSan (see sanitizer_preload for running them)."""
    if sanitize is None:
        sanitize = os.environ.get("EMML_SANITIZE", "") not in ("", "0")
    cc = cc or host_compiler()
    srcs = [Path(s).resolve() for s in sources]
    incs = [Path(i).resolve() for i in include_dirs]
    if with_runtime:
        srcs += runtime_sources()
        incs.append(runtime_dir() / "include")
    args = [cc, *cflags, "-O2", *(f"-D{d}" for d in defines), *(f"-I{i}" for i in incs)]
    if sanitize:
        args += SANITIZE_CFLAGS
    if shared:
        args += ["-shared", "-fPIC"]
    key = input_digest(srcs + header_files(incs), args)
    out_dir = build_dir() / "host" / key
    suffix = ".so" if shared else ""
    out = out_dir / f"{output_name}{suffix}"
    if out.exists():
        return out
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".{output_name}{suffix}.tmp{os.getpid()}"
    cmd = [*args, *(str(s) for s in srcs), "-o", str(tmp), "-lm"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise HostBuildError(f"host compile failed:\n$ {' '.join(cmd)}\n{proc.stderr}")
    tmp.replace(out)  # atomic: a parallel build never sees a half-written file
    return out


def sanitizer_preload(cc: str | None = None) -> str:
    """The ASan runtime to LD_PRELOAD into a Python that loads sanitized host
    libraries through ctypes (ASan must be the first library in the process):
    ``LD_PRELOAD=$(...) EMML_SANITIZE=1 ASAN_OPTIONS=detect_leaks=0 python ...``."""
    cc = cc or host_compiler()
    proc = subprocess.run([cc, "-print-file-name=libasan.so"], capture_output=True, text=True)
    path = proc.stdout.strip()
    if proc.returncode != 0 or not Path(path).is_file():
        raise HostBuildError(f"{cc} has no ASan runtime (libasan.so) to preload")
    return str(Path(path).resolve())
