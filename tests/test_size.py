"""emml.size: flash/RAM from ELF sections, and the fit against board limits."""

from __future__ import annotations

import re
import subprocess

import pytest

from emml import boards
from emml.boards import Board
from emml.size import SizeError, SizeReport, check_board, elf_size, format_table


def _board(flash: int, ram: int) -> Board:
    return Board(name="tiny", title="test board", arch="arm", cpu="cortex-m0plus", mcu="x",
                 f_cpu_hz=24_000_000, flash_bytes=flash, ram_bytes=ram, cflags=(), toolchain_prefix="")


@pytest.fixture(scope="module")
def sample(cross_build, assets_dir):
    return cross_build("arm", [assets_dir / "size_sample.c"], "size_sample",
                       ldscript=assets_dir / "size_stack.ld", cflags=("-Os", "-fdata-sections"))


def test_sections_and_totals(sample, need_tool):
    r = elf_size(sample)
    by_name = {s.name: s for s in r.sections}
    assert by_name[".data"].size == 64 and by_name[".data"].flash and by_name[".data"].ram
    assert by_name[".data"].address == 0x20000000
    assert 0x08000000 <= by_name[".data"].load_address < 0x08010000  # stored in flash
    assert by_name[".bss"].size == 256 and by_name[".bss"].ram and not by_name[".bss"].flash
    assert by_name[".stack"].size == 0x400 and r.stack_bytes == 0x400
    assert not by_name[".text"].ram
    assert r.ram_bytes == 64 + 256 + 0x400
    assert r.flash_bytes == by_name[".text"].size + 64
    assert not any(s.name.startswith((".debug", ".comment", ".ARM.attributes", ".symtab")) for s in r.sections)

    # Agrees with GNU size (Berkeley format: text, data, bss).
    size_tool = need_tool("arm-none-eabi-size")
    out = subprocess.run([size_tool, str(sample)], capture_output=True, text=True, check=True).stdout
    text, data, bss = map(int, out.splitlines()[1].split()[:3])
    assert (r.text_bytes, r.data_bytes, r.bss_bytes) == (text, data, bss)


def test_riscv_elf(cross_build, assets_dir):
    elf = cross_build("riscv", [assets_dir / "known_loop_rv32e.S"], "size_rv")
    r = elf_size(elf)
    assert r.bss_bytes == 40 and r.text_bytes > 0


def test_check_board_messages():
    report = SizeReport("x.elf", (), text_bytes=32_948, data_bytes=64, bss_bytes=1000, stack_bytes=0, heap_bytes=0)
    fit = check_board(report, _board(32_768, 4096))
    assert not fit and fit.flash_over == 244 and fit.ram_over == 0
    assert fit.messages[0] == "flash: 33,012 of 32,768 bytes, over by 244 bytes"
    assert fit.messages[1] == "RAM: 1,064 of 4,096 bytes (26.0%), 3,032 free"
    fit = check_board(report, _board(40_000, 1000))
    assert fit.ram_over == 64 and fit.messages[1] == "RAM: 1,064 of 1,000 bytes, over by 64 bytes"
    assert check_board(report, _board(33_012, 1064)).fits  # exactly full fits


def test_real_board_limits(cross_build, assets_dir):
    big = cross_build("arm", [assets_dir / "size_sample.c"], "size_big", ldscript=assets_dir / "size_stack.ld",
                      defines=["BIG_TABLE=40000"])
    r = elf_size(big)
    assert not check_board(r, boards.load("py32f003")).fits  # 32 kB flash
    assert check_board(r, boards.load("rp2040")).fits


def test_format_table(sample):
    r = elf_size(sample)
    table = format_table(r, boards.load("py32f003"))
    assert re.search(r"^\.stack\s+0x2\w+\s+1,024\s+yes$", table, re.M)
    assert "incl. stack 1,024" in table
    assert "flash: " in table and "of 32,768 bytes" in table and "RAM: " in table and "fits" in table
    assert "py32f003" not in format_table(r)


def test_not_an_elf(tmp_path):
    p = tmp_path / "junk.elf"
    p.write_bytes(b"\x00" * 100)
    with pytest.raises(SizeError, match="not a readable ELF"):
        elf_size(p)
    with pytest.raises(SizeError, match="no such file"):
        elf_size(tmp_path / "missing.elf")
