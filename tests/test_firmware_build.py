"""emml.firmware: the PlatformIO-free firmware build."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from emml import boards, dut, firmware
from emml.dut import EmulatorError
from emml.paths import repo_root

pytestmark = pytest.mark.firmware

REPO = repo_root()
HELLO = REPO / "apps" / "hello" / "src" / "main.c"
BUILD_ONLY = ["py32f003", "py32f002a", "ch32v003", "rp2040"]


@pytest.mark.parametrize("board", BUILD_ONLY)
def test_build_only_boards_build_and_fit(board):
    image = firmware.build(board, [HELLO])
    b = boards.load(board)
    assert 0 < image.flash_bytes <= b.flash_bytes
    assert 0 < image.ram_bytes <= b.ram_bytes
    with pytest.raises(EmulatorError, match="builds only"):
        dut.run(board, image.elf)


def test_exit_status_and_defines_reach_qemu(tmp_path):
    image = firmware.build("qemu_m3", [HELLO], defines=["HELLO_EXIT_STATUS=5"], out_dir=tmp_path)
    status, output = dut.run("qemu_m3", image.elf, b"end\n")
    assert status == 5, output
    assert "done" in output


def test_build_is_cached_and_strict(tmp_path):
    first = firmware.build("qemu_m0", [HELLO])
    assert firmware.build("qemu_m0", [HELLO]).elf == first.elf  # same inputs, same image
    bad = tmp_path / "bad.c"
    bad.write_text("int main(void)\n{\n    unsigned char c = 300 + 1;\n    return c;\n}\n")
    with pytest.raises(firmware.FirmwareBuildError, match="overflow|conversion"):
        firmware.build("qemu_m0", [bad], out_dir=tmp_path / "out")


def _alloc_sections(elf: Path, board: str) -> dict[str, int]:
    prefix = boards.load(board).toolchain_prefix
    out = subprocess.run(
        [prefix + "objdump", "-h", str(elf)], capture_output=True, text=True, check=True
    ).stdout
    sizes = {}
    lines = out.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\s*\d+\s+(\S+)\s+([0-9a-f]+)\s", line)
        if m and i + 1 < len(lines) and "ALLOC" in lines[i + 1]:
            sizes[m.group(1)] = int(m.group(2), 16)
    return sizes


@pytest.mark.slow
@pytest.mark.parametrize("board", ["qemu_m0", "qemu_rv32e"])
def test_same_image_as_platformio(board, tmp_path):
    """firmware.build and `pio run` follow the same rules: equal section sizes."""
    env = dict(os.environ, PLATFORMIO_BUILD_DIR=str(tmp_path / "pio"))
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("pio")), "run", "-e", board],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ours = firmware.build(board, [HELLO], out_dir=tmp_path / "direct")
    pio_sections = _alloc_sections(tmp_path / "pio" / board / "firmware.elf", board)
    assert pio_sections and pio_sections == _alloc_sections(ours.elf, board)
