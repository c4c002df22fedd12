"""Build firmware for a board without PlatformIO (emml.dut runs it in QEMU).

The same rules as the PlatformIO platform (platform/emml/builder/main.py),
for fast programmatic use by tests and size reports:

  firmware for board B = sources + boards/B/*.c|*.S + boards/common/*.c
                         + boards/common/<arch>/*.c|*.S + lib/emml/src/*.c
  C flags   = boards/B.json emml.cflags + -std=c99 -Os -ffunction-sections
              -fdata-sections -Wall -Wextra -Wconversion -pedantic -Werror
  link      = -nostartfiles -Wl,--gc-sections -T <build.ldscript> [+ emml.ldflags]
              arm: --specs=nano.specs --specs=nosys.specs -lm
              riscv: libgcc named explicitly (no rv32e multilib in Debian's gcc)

Flags come from emml.boards (the board JSON is the single source of truth).
"""

from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from emml import boards
from emml.host import header_files, input_digest, runtime_sources
from emml.paths import boards_dir, build_dir, resource_root, runtime_dir

STRICT_CFLAGS = ("-Wall", "-Wextra", "-Wconversion", "-pedantic", "-Werror")
OPTIMIZE_CFLAGS = ("-Os", "-ffunction-sections", "-fdata-sections")


class FirmwareBuildError(RuntimeError):
    """The cross compiler or linker failed; the message holds the command and its output."""

    def overflows(self) -> dict[str, int]:
        """{memory region (e.g. "RAM", "FLASH"): bytes over} when the link
        failed because the image does not fit the board, else {}."""
        return {m.group(1): int(m.group(2))
                for m in re.finditer(r"region `(\w+)' overflowed by (\d+) bytes", str(self))}


@dataclass(frozen=True)
class FirmwareImage:
    board: str
    elf: Path
    map: Path

    def sizes(self) -> dict[str, int]:
        """Berkeley sizes (text, data, bss) of the ELF, as `size -B` reports them."""
        b = boards.load(self.board)
        out = _run([b.toolchain_prefix + "size", "-B", "-d", str(self.elf)]).stdout
        text, data, bss = (int(v) for v in out.splitlines()[1].split()[:3])
        return {"text": text, "data": data, "bss": bss}

    @property
    def flash_bytes(self) -> int:
        """Flash used: text + initialised data (as PlatformIO's size check counts)."""
        s = self.sizes()
        return s["text"] + s["data"]

    @property
    def ram_bytes(self) -> int:
        """RAM used: data + bss (including any stack the linker script reserves)."""
        s = self.sizes()
        return s["data"] + s["bss"]


def _run(cmd: Sequence[str], **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        raise FirmwareBuildError(f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    return proc


def board_sources(board: str) -> list[Path]:
    """The board support files compiled into every firmware for `board`."""
    b = boards.load(board)
    common = boards_dir() / "common"
    files: list[Path] = []
    for folder, patterns in (
        (boards_dir() / board, ("*.c", "*.S")),
        (common, ("*.c",)),
        (common / b.arch, ("*.c", "*.S")),
    ):
        for pattern in patterns:
            files.extend(sorted(folder.glob(pattern)))
    return files


def linker_script(board: str) -> Path:
    script = Path(boards.load(board).manifest["build"]["ldscript"])
    return script if script.is_absolute() else resource_root() / script


def _libgcc(board: boards.Board) -> str:
    march = board.libgcc_march or board.cflags
    return _run([board.toolchain_prefix + "gcc", *march, "-print-libgcc-file-name"]).stdout.strip()


def link_flags(board: str) -> list[str]:
    """Flags after the objects, without -T/-Map (libraries and board ldflags)."""
    b = boards.load(board)
    default = ["-nostdlib"] if b.arch == "riscv" else []
    extra = list(b.manifest["emml"].get("ldflags", default))
    if b.arch == "arm":
        return ["--specs=nano.specs", "--specs=nosys.specs", *extra, "-lm"]
    return [*extra, _libgcc(b)]


def build(
    board: str,
    sources: Sequence[Path | str],
    include_dirs: Sequence[Path | str] = (),
    defines: Sequence[str] = (),
    out_dir: Path | str | None = None,
    extra_cflags: Sequence[str] = (),
    ldflags: Sequence[str] = (),
    name: str = "firmware",
) -> FirmwareImage:
    """Compile and link `sources` with the board support and lib/emml.

    Without out_dir the image goes to build/firmware/<board>/<hash>/ and is
    reused when no input (sources, headers, flags, board files) changed."""
    b = boards.load(board)
    cc = b.toolchain_prefix + "gcc"
    app = [Path(s).resolve() for s in sources]
    board_files = board_sources(board)
    lib_files = runtime_sources()
    incs = [Path(i).resolve() for i in include_dirs] + [
        boards_dir() / "common", boards_dir() / board, runtime_dir() / "include"
    ]
    cppflags = [*(f"-D{d}" for d in defines), *(f"-I{i}" for i in incs)]
    cflags = [*b.cflags, *OPTIMIZE_CFLAGS, *STRICT_CFLAGS, "-std=c99", *extra_cflags]
    asflags = [*b.cflags, "-x", "assembler-with-cpp"]
    script = linker_script(board)
    lflags = [*b.cflags, *OPTIMIZE_CFLAGS, "-nostartfiles", "-Wl,--gc-sections", *ldflags]

    if out_dir is None:
        key = input_digest(
            [*app, *board_files, *lib_files, *header_files(incs), script], [cc, *cflags, *cppflags, *lflags]
        )
        out = build_dir() / "firmware" / board / key
        image = FirmwareImage(board, out / f"{name}.elf", out / f"{name}.map")
        if image.elf.is_file():
            return image
    else:
        out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "obj").mkdir(exist_ok=True)

    def compile_one(index_src: tuple[int, Path]) -> Path:
        index, src = index_src
        obj = out / "obj" / f"{index:03d}_{src.name}.o"  # x.c and x.S may coexist
        flags = asflags if src.suffix == ".S" else cflags
        _run([cc, *flags, *cppflags, "-c", str(src), "-o", str(obj)])
        return obj

    all_sources = [*board_files, *app, *lib_files]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        objects = list(pool.map(compile_one, enumerate(all_sources)))
    n_lib = len(lib_files)
    archive = out / "libemml.a"
    archive.unlink(missing_ok=True)
    if n_lib:
        _run([b.toolchain_prefix + "ar", "rcs", str(archive), *map(str, objects[-n_lib:])])
    image = FirmwareImage(board, out / f"{name}.elf", out / f"{name}.map")
    tmp = out / f".{name}.elf.tmp{os.getpid()}"
    _run(
        [
            cc, "-o", str(tmp), "-T", str(script), *lflags, f"-Wl,-Map,{image.map}",
            *map(str, objects[: len(objects) - n_lib]),
            *([str(archive)] if n_lib else []),
            *link_flags(board),
        ]
    )
    tmp.replace(image.elf)
    return image
