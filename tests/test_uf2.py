"""Tests for emml.uf2: UF2 block structure and the RP2040 boot2 CRC."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from emml import uf2

REPO = Path(__file__).resolve().parents[1]
RP2040 = REPO / "boards" / "rp2040"
BOOT2_IMAGE = RP2040 / "boot2_image.S"
BOOT2_SOURCE = RP2040 / "boot2" / "boot2_03h.S"

needs_arm_gcc = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc not installed"
)


def committed_boot2() -> bytes:
    text = BOOT2_IMAGE.read_text()
    values = []
    for line in text.splitlines():
        m = re.match(r"\s*\.byte\s+(.*)", line)
        if m:
            values += [int(v, 0) for v in m.group(1).split(",")]
    return bytes(values)


# --- CRC ------------------------------------------------------------------------


def test_crc_check_value():
    # The standard check input for CRC-32/MPEG-2 (poly 0x04C11DB7, init
    # 0xFFFFFFFF, no reflection, no final XOR), the RP2040 boot ROM's CRC.
    assert uf2.boot2_crc(b"123456789") == 0x0376E6E7


def test_crc_of_empty_input_is_init_value():
    assert uf2.boot2_crc(b"") == 0xFFFFFFFF


def test_pad_boot2_appends_little_endian_crc():
    block = uf2.pad_boot2(b"\x01\x02\x03")
    assert len(block) == 256
    assert block[:3] == b"\x01\x02\x03" and block[3:252] == bytes(249)
    assert struct.unpack("<I", block[252:])[0] == uf2.boot2_crc(block[:252])
    assert uf2.boot2_crc_ok(block)
    corrupted = bytes([block[0] ^ 1]) + block[1:]
    assert not uf2.boot2_crc_ok(corrupted)


def test_pad_boot2_rejects_oversized_code():
    with pytest.raises(uf2.Uf2Error, match="at most 252"):
        uf2.pad_boot2(bytes(253))


def test_committed_boot2_image_has_valid_crc():
    block = committed_boot2()
    assert len(block) == 256
    assert uf2.boot2_crc_ok(block)


@needs_arm_gcc
def test_committed_boot2_image_is_fresh(tmp_path):
    """boot2_image.S is exactly what the generator makes from boot2_03h.S."""
    out = tmp_path / "boot2_image.S"
    assert uf2.main(["boot2", str(BOOT2_SOURCE), "-o", str(out)]) == 0
    assert out.read_text() == BOOT2_IMAGE.read_text(), (
        "boards/rp2040/boot2_image.S is stale: run "
        "python -m emml.uf2 boot2 boards/rp2040/boot2/boot2_03h.S -o boards/rp2040/boot2_image.S"
    )


# --- UF2 blocks ---------------------------------------------------------------------


def test_block_structure():
    # Two segments: one unaligned and spanning a page boundary, one far away.
    segments = [
        uf2.Segment(0x10000080, bytes(range(256))),  # 0x10000080..0x1000017f
        uf2.Segment(0x10001000, b"\xaa" * 10),
    ]
    blob = uf2.segments_to_uf2(segments)
    assert len(blob) == 3 * 512
    for i in range(3):
        block = blob[i * 512 : (i + 1) * 512]
        magic0, magic1, flags, addr, size, number, count, family = struct.unpack_from(
            "<8I", block
        )
        assert magic0 == 0x0A324655 and block[:4] == b"UF2\n"
        assert magic1 == 0x9E5D5157
        assert struct.unpack_from("<I", block, 508)[0] == 0x0AB16F30
        assert flags == 0x00002000
        assert family == 0xE48BFF56
        assert size == 256 and addr % 256 == 0
        assert (number, count) == (i, 3)
        assert block[32 + 256 : 508] == bytes(476 - 256)

    blocks = uf2.parse_uf2(blob)
    assert [b["address"] for b in blocks] == [0x10000000, 0x10000100, 0x10001000]
    assert blocks[0]["data"] == bytes(0x80) + bytes(range(0x80))
    assert blocks[1]["data"] == bytes(range(0x80, 0x100)) + bytes(0x80)
    assert blocks[2]["data"] == b"\xaa" * 10 + bytes(246)


def test_raw_image_needs_valid_boot2():
    image = bytes(uf2.pad_boot2(b"\x00\xbf")) + b"\x11" * 300
    bad = image[:252] + b"\0\0\0\0" + image[256:]
    with pytest.raises(uf2.Uf2Error, match="boot2"):
        uf2.image_to_uf2(bad)
    patched = uf2.patch_boot2_crc(bad)
    assert patched == image
    blocks = uf2.parse_uf2(uf2.image_to_uf2(patched))
    assert len(blocks) == 3
    assert b"".join(b["data"] for b in blocks)[: len(image)] == image


def test_image_outside_flash_is_rejected():
    with pytest.raises(uf2.Uf2Error, match="outside flash"):
        uf2.image_to_uf2(bytes(4097), flash_size=4096, check_boot2=False)


# --- a real RP2040 link ------------------------------------------------------------

STUB_APP = """
    .syntax unified
    .thumb
    .section .isr_vector, "a", %progbits
    .global __isr_vector
__isr_vector:
    .word __stack_end
    .word Reset_Handler
    .section .text.Reset_Handler, "ax", %progbits
    .global Reset_Handler
    .type Reset_Handler, %function
    .thumb_func
Reset_Handler:
    b Reset_Handler
    .section .data.value, "aw", %progbits
value:
    .word 0x12345678
"""


@needs_arm_gcc
def test_rp2040_link_places_boot2_and_vectors(tmp_path):
    stub = tmp_path / "stub.S"
    stub.write_text(STUB_APP)
    elf = tmp_path / "fw.elf"
    subprocess.run(
        [
            "arm-none-eabi-gcc", "-mcpu=cortex-m0plus", "-mthumb", "-nostdlib",
            "-nostartfiles", "-Wl,--gc-sections", "-T", str(RP2040 / "rp2040.ld"),
            str(RP2040 / "boot2_image.S"), str(stub), "-o", str(elf),
        ],
        check=True,
    )
    image = elf.read_bytes()
    segments = uf2.elf_segments(image)
    boot2 = uf2.read_flash(segments, 0x10000000, 256)
    assert boot2 == committed_boot2()
    initial_sp, reset = struct.unpack("<II", uf2.read_flash(segments, 0x10000100, 8))
    assert 0x20000000 < initial_sp <= 0x20042000
    assert 0x10000100 < reset < 0x10200000 and reset & 1  # Thumb bit
    # .data's image is loaded in flash, not RAM.
    assert all(0x10000000 <= s.address < 0x10200000 for s in segments)

    blocks = uf2.parse_uf2(uf2.image_to_uf2(image))
    assert blocks[0]["address"] == 0x10000000
    assert uf2.boot2_crc_ok(blocks[0]["data"])
    assert [b["number"] for b in blocks] == list(range(len(blocks)))

    # patch_boot2_crc on an ELF: break the CRC in the file, then repair it.
    offset = image.index(committed_boot2())
    broken = bytearray(image)
    broken[offset + 252] ^= 0xFF
    with pytest.raises(uf2.Uf2Error, match="boot2"):
        uf2.image_to_uf2(bytes(broken))
    assert uf2.patch_boot2_crc(bytes(broken)) == image


# --- boot2 behaviour, emulated --------------------------------------------------


def test_boot2_configures_xip_and_enters_the_application():
    """Run the committed boot2 the way the boot ROM does (copied to
    0x20041f00, entered in Thumb state) in unicorn with the SSI and the
    system control block as plain memory; check what it programmed and that
    it jumps to the reset handler with MSP from the vector table."""
    unicorn = pytest.importorskip("unicorn")
    arm = pytest.importorskip("unicorn.arm_const")

    boot2 = committed_boot2()
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_THUMB | unicorn.UC_MODE_MCLASS)
    for base in (0x10000000, 0x18000000, 0x20040000, 0xE000E000):
        uc.mem_map(base, 0x2000)
    reset_handler = 0x10000201
    uc.mem_write(0x10000000, boot2 + struct.pack("<II", 0x20042000, reset_handler))
    uc.mem_write(0x20041F00, boot2)
    uc.emu_start(0x20041F00 | 1, reset_handler & ~1, count=100)

    def word(address: int) -> int:
        return struct.unpack("<I", uc.mem_read(address, 4))[0]

    assert uc.reg_read(arm.UC_ARM_REG_PC) == reset_handler & ~1
    assert uc.reg_read(arm.UC_ARM_REG_MSP) == 0x20042000
    assert word(0xE000ED08) == 0x10000100  # VTOR
    assert word(0x18000008) == 1  # SSIENR: enabled again
    assert word(0x18000014) == 4  # BAUDR
    assert word(0x18000000) == (31 << 16) | (3 << 8)  # CTRLR0: 32-bit frames, EEPROM read
    assert word(0x18000004) == 0  # CTRLR1: NDF
    assert word(0x180000F4) == 0x03000218  # SPI_CTRLR0: cmd 03h, 8-bit inst, 24-bit addr
