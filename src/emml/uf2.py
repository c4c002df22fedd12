"""UF2 images and the RP2040 boot2 checksum.

UF2 is the drag-and-drop flashing format of the RP2040 boot ROM (and of
many other boot loaders): a file of independent 512-byte blocks, each
carrying up to 476 bytes of payload for one target address. The RP2040
accepts only blocks with exactly 256 bytes of payload at 256-byte aligned
flash addresses and with its family ID, so that is what this module
writes. Block layout (all fields little-endian 32-bit words)::

    0   magic start 0 (0x0A324655, "UF2\\n")
    4   magic start 1 (0x9E5D5157)
    8   flags (0x00002000: the family ID field is valid)
    12  target address
    16  payload size (256)
    20  block number (0-based)
    24  number of blocks in the file
    28  family ID (0xE48BFF56 for the RP2040)
    32  payload (476 bytes, the unused tail is zero)
    508 magic end (0x0AB16F30)

The RP2040 boot ROM runs the first 256 bytes of flash (boot2) only if the
last 4 of them hold the CRC-32 of the first 252: polynomial 0x04C11DB7,
initial value 0xFFFFFFFF, no bit reflection, no final XOR, stored
little-endian. :func:`boot2_crc`, :func:`patch_boot2_crc` and
:func:`boot2_crc_ok` handle that; :func:`make_boot2_source` turns an
assembled boot2 into the committed ``boards/rp2040/boot2_image.S``.

Command line::

    python -m emml.uf2 convert fw.elf -o fw.uf2
    python -m emml.uf2 convert fw.bin --base 0x10000000 -o fw.uf2
    python -m emml.uf2 boot2 boards/rp2040/boot2/boot2_03h.S \\
        -o boards/rp2040/boot2_image.S
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

UF2_MAGIC_START0 = 0x0A324655
UF2_MAGIC_START1 = 0x9E5D5157
UF2_MAGIC_END = 0x0AB16F30
UF2_FLAG_FAMILY_ID_PRESENT = 0x00002000
UF2_BLOCK_SIZE = 512
UF2_DATA_SIZE = 476
UF2_PAYLOAD_SIZE = 256

RP2040_FAMILY_ID = 0xE48BFF56
RP2040_FLASH_BASE = 0x10000000
RP2040_FLASH_SIZE = 2 * 1024 * 1024  # the Pico's W25Q16JV; other boards differ
BOOT2_SIZE = 256
BOOT2_CRC_OFFSET = 252


class Uf2Error(ValueError):
    """The input cannot be turned into a valid image (with the reason)."""


# --- CRC-32 for boot2 --------------------------------------------------------


def _crc32_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else (crc << 1)
        table.append(crc & 0xFFFFFFFF)
    return tuple(table)


_CRC_TABLE = _crc32_table()


def boot2_crc(data: bytes) -> int:
    """CRC-32 as the RP2040 boot ROM checks it (MSB first, init 0xFFFFFFFF,
    no final XOR; the "CRC-32/MPEG-2" parameters)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC_TABLE[(crc >> 24) ^ byte]
    return crc


def pad_boot2(code: bytes) -> bytes:
    """Pad assembled boot2 code with zeros to 252 bytes and append its CRC."""
    if len(code) > BOOT2_CRC_OFFSET:
        raise Uf2Error(
            f"boot2 code is {len(code)} bytes; at most {BOOT2_CRC_OFFSET} fit "
            "before the CRC"
        )
    body = code + bytes(BOOT2_CRC_OFFSET - len(code))
    return body + struct.pack("<I", boot2_crc(body))


def boot2_crc_ok(boot2: bytes) -> bool:
    """True if the 256-byte boot2 block carries the CRC of its first 252 bytes."""
    if len(boot2) < BOOT2_SIZE:
        return False
    (stored,) = struct.unpack_from("<I", boot2, BOOT2_CRC_OFFSET)
    return stored == boot2_crc(boot2[:BOOT2_CRC_OFFSET])


# --- ELF reading ---------------------------------------------------------------

_PT_LOAD = 1


@dataclass(frozen=True)
class Segment:
    """Bytes to be placed at a (load) address."""

    address: int
    data: bytes


@dataclass(frozen=True)
class _Section:
    name: str
    address: int
    offset: int
    size: int
    nobits: bool


def _elf_header(blob: bytes) -> tuple:
    if blob[:4] != b"\x7fELF":
        raise Uf2Error("not an ELF file")
    if blob[4] != 1 or blob[5] != 1:
        raise Uf2Error("only 32-bit little-endian ELF files are supported")
    # e_phoff, e_shoff, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx
    phoff, shoff = struct.unpack_from("<II", blob, 0x1C)
    phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from("<HHHHH", blob, 0x2A)
    return phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx


def elf_segments(blob: bytes) -> list[Segment]:
    """The loadable contents of an ELF file at their load (physical) addresses:
    what a flash programmer would write. Segments without file bytes (.bss,
    the stack) are skipped."""
    phoff, _, phentsize, phnum, _, _, _ = _elf_header(blob)
    segments = []
    for i in range(phnum):
        p_type, p_offset, _vaddr, p_paddr, p_filesz = struct.unpack_from(
            "<IIIII", blob, phoff + i * phentsize
        )
        if p_type == _PT_LOAD and p_filesz > 0:
            segments.append(Segment(p_paddr, bytes(blob[p_offset : p_offset + p_filesz])))
    return segments


def _elf_sections(blob: bytes) -> list[_Section]:
    _, shoff, _, _, shentsize, shnum, shstrndx = _elf_header(blob)
    if shoff == 0 or shnum == 0:
        return []
    raw = []
    for i in range(shnum):
        name, sh_type, _flags, addr, offset, size = struct.unpack_from(
            "<IIIIII", blob, shoff + i * shentsize
        )
        raw.append((name, sh_type, addr, offset, size))
    strtab_offset = raw[shstrndx][3]
    sections = []
    for name, sh_type, addr, offset, size in raw:
        end = blob.index(b"\0", strtab_offset + name)
        sections.append(
            _Section(
                name=blob[strtab_offset + name : end].decode("ascii", "replace"),
                address=addr,
                offset=offset,
                size=size,
                nobits=(sh_type == 8),  # SHT_NOBITS
            )
        )
    return sections


def is_elf(blob: bytes) -> bool:
    return blob[:4] == b"\x7fELF"


# --- boot2 checks and patching -------------------------------------------------


def patch_boot2_crc(image: bytes | bytearray, *, base: int = RP2040_FLASH_BASE) -> bytes:
    """Return `image` with a correct boot2 CRC.

    `image` is an ELF file (the ``.boot2`` section, or else the loadable bytes
    at `base`, is patched in place in the file) or a raw flash image that
    starts at `base` (its bytes 252..255 are patched). The committed
    boot2_image.S already carries its CRC, so builds do not need this; it is
    for images whose boot2 comes from elsewhere.
    """
    out = bytearray(image)
    if is_elf(out):
        offset = _boot2_file_offset(bytes(out), base)
    else:
        offset = 0
    if len(out) < offset + BOOT2_SIZE:
        raise Uf2Error("image is shorter than the 256-byte boot2 block")
    body = bytes(out[offset : offset + BOOT2_CRC_OFFSET])
    struct.pack_into("<I", out, offset + BOOT2_CRC_OFFSET, boot2_crc(body))
    return bytes(out)


def _boot2_file_offset(blob: bytes, base: int) -> int:
    for section in _elf_sections(blob):
        if section.name == ".boot2" and not section.nobits:
            if section.size != BOOT2_SIZE:
                raise Uf2Error(f".boot2 is {section.size} bytes, must be {BOOT2_SIZE}")
            return section.offset
    phoff, _, phentsize, phnum, _, _, _ = _elf_header(blob)
    for i in range(phnum):
        p_type, p_offset, _vaddr, p_paddr, p_filesz = struct.unpack_from(
            "<IIIII", blob, phoff + i * phentsize
        )
        if p_type == _PT_LOAD and p_paddr == base and p_filesz >= BOOT2_SIZE:
            return p_offset
    raise Uf2Error(f"no .boot2 section and no loadable bytes at 0x{base:08x}")


def read_flash(segments: list[Segment], address: int, length: int) -> bytes:
    """Bytes [address, address + length) of the image (zero where nothing is loaded)."""
    out = bytearray(length)
    for seg in segments:
        lo = max(address, seg.address)
        hi = min(address + length, seg.address + len(seg.data))
        if lo < hi:
            out[lo - address : hi - address] = seg.data[lo - seg.address : hi - seg.address]
    return bytes(out)


# --- UF2 writing -------------------------------------------------------------


def segments_to_uf2(
    segments: list[Segment],
    *,
    family_id: int = RP2040_FAMILY_ID,
    payload_size: int = UF2_PAYLOAD_SIZE,
) -> bytes:
    """Pack segments into UF2 blocks of `payload_size` bytes each, aligned to
    `payload_size`. Gaps inside a block are zero-filled; blocks that no
    segment touches are not written (the boot loader leaves them as they are)."""
    if not 0 < payload_size <= UF2_DATA_SIZE:
        raise Uf2Error(f"payload size must be 1..{UF2_DATA_SIZE}")
    pages: dict[int, bytearray] = {}
    for seg in segments:
        address = seg.address
        data = seg.data
        while data:
            page = address - address % payload_size
            start = address - page
            chunk = data[: payload_size - start]
            buf = pages.setdefault(page, bytearray(payload_size))
            buf[start : start + len(chunk)] = chunk
            address += len(chunk)
            data = data[len(chunk) :]
    if not pages:
        raise Uf2Error("the image has no loadable bytes")
    ordered = sorted(pages)
    out = bytearray()
    for number, page in enumerate(ordered):
        header = struct.pack(
            "<8I",
            UF2_MAGIC_START0,
            UF2_MAGIC_START1,
            UF2_FLAG_FAMILY_ID_PRESENT,
            page,
            payload_size,
            number,
            len(ordered),
            family_id,
        )
        payload = bytes(pages[page]) + bytes(UF2_DATA_SIZE - payload_size)
        out += header + payload + struct.pack("<I", UF2_MAGIC_END)
    return bytes(out)


def image_to_uf2(
    image: bytes,
    *,
    base: int = RP2040_FLASH_BASE,
    family_id: int = RP2040_FAMILY_ID,
    flash_size: int = RP2040_FLASH_SIZE,
    check_boot2: bool = True,
) -> bytes:
    """Convert an ELF file or a raw image (loaded at `base`) into UF2.

    Everything must lie in [base, base + flash_size): RAM sections would be
    silently dropped by the boot ROM, so they are an error here. For the
    RP2040 (`check_boot2`), the image must start with a boot2 block whose
    CRC is right: without it the chip stays in the USB boot loader.
    """
    segments = elf_segments(image) if is_elf(image) else [Segment(base, bytes(image))]
    for seg in segments:
        if seg.address < base or seg.address + len(seg.data) > base + flash_size:
            raise Uf2Error(
                f"{len(seg.data)} bytes at 0x{seg.address:08x} lie outside flash "
                f"[0x{base:08x}, 0x{base + flash_size:08x})"
            )
    if check_boot2 and family_id == RP2040_FAMILY_ID:
        boot2 = read_flash(segments, base, BOOT2_SIZE)
        if not boot2_crc_ok(boot2):
            raise Uf2Error(
                "the first 256 bytes of flash are not a boot2 block with a valid "
                "CRC; link boards/rp2040/boot2_image.S (or fix it with "
                "patch_boot2_crc)"
            )
    return segments_to_uf2(segments, family_id=family_id)


def parse_uf2(blob: bytes) -> list[dict]:
    """Decode and validate UF2 blocks (used by the tests and for inspection)."""
    if len(blob) % UF2_BLOCK_SIZE:
        raise Uf2Error(f"UF2 size {len(blob)} is not a multiple of {UF2_BLOCK_SIZE}")
    blocks = []
    for i in range(0, len(blob), UF2_BLOCK_SIZE):
        fields = struct.unpack_from("<8I", blob, i)
        (end,) = struct.unpack_from("<I", blob, i + UF2_BLOCK_SIZE - 4)
        if fields[0] != UF2_MAGIC_START0 or fields[1] != UF2_MAGIC_START1 or end != UF2_MAGIC_END:
            raise Uf2Error(f"bad magic in block at byte {i}")
        size = fields[4]
        blocks.append(
            {
                "flags": fields[2],
                "address": fields[3],
                "size": size,
                "number": fields[5],
                "count": fields[6],
                "family_id": fields[7],
                "data": bytes(blob[i + 32 : i + 32 + size]),
            }
        )
    return blocks


# --- boot2 generation ------------------------------------------------------------


def assemble_boot2(source: Path, toolchain_prefix: str = "arm-none-eabi-") -> bytes:
    """Assemble a position-independent boot2 source into its raw bytes."""
    gcc = shutil.which(toolchain_prefix + "gcc")
    objcopy = shutil.which(toolchain_prefix + "objcopy")
    if gcc is None or objcopy is None:
        raise Uf2Error(f"{toolchain_prefix}gcc/objcopy not found on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        obj = os.path.join(tmp, "boot2.o")
        raw = os.path.join(tmp, "boot2.bin")
        subprocess.run(
            [gcc, "-mcpu=cortex-m0plus", "-mthumb", "-c", str(source), "-o", obj],
            check=True,
        )
        subprocess.run([objcopy, "-O", "binary", "-j", ".text", obj, raw], check=True)
        return Path(raw).read_bytes()


def make_boot2_source(block: bytes, source_name: str) -> str:
    """The text of boot2_image.S: the 256-byte block as data in `.boot2`."""
    if len(block) != BOOT2_SIZE or not boot2_crc_ok(block):
        raise Uf2Error("boot2 block must be 256 bytes with a valid CRC")
    (crc,) = struct.unpack_from("<I", block, BOOT2_CRC_OFFSET)
    lines = [
        "/*",
        " * boot2_image.S - GENERATED, do not edit. The RP2040 second-stage boot",
        f" * loader assembled from {source_name}, zero-padded to 252 bytes, then",
        f" * its CRC-32 (0x{crc:08x}). The linker script puts .boot2 at the start",
        " * of flash (0x10000000). Regenerate with",
        f" *     python -m emml.uf2 boot2 {source_name} -o boards/rp2040/boot2_image.S",
        " */",
        '    .section .boot2, "ax", %progbits',
        "    .global __boot2_start",
        "__boot2_start:",
    ]
    for i in range(0, BOOT2_SIZE, 16):
        row = ", ".join(f"0x{b:02x}" for b in block[i : i + 16])
        lines.append(f"    .byte {row}")
    lines.append("    .size __boot2_start, . - __boot2_start")
    return "\n".join(lines) + "\n"


# --- command line ----------------------------------------------------------------


def _int(text: str) -> int:
    return int(text, 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emml.uf2", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    conv = sub.add_parser("convert", help="ELF or raw binary -> UF2")
    conv.add_argument("input", type=Path)
    conv.add_argument("-o", "--output", type=Path, required=True)
    conv.add_argument("--base", type=_int, default=RP2040_FLASH_BASE, help="load address of a raw binary")
    conv.add_argument("--family", type=_int, default=RP2040_FAMILY_ID)
    conv.add_argument("--flash-size", type=_int, default=RP2040_FLASH_SIZE)
    conv.add_argument("--patch-boot2", action="store_true", help="rewrite the boot2 CRC first")

    b2 = sub.add_parser("boot2", help="assemble boot2 and write boot2_image.S")
    b2.add_argument("source", type=Path)
    b2.add_argument("-o", "--output", type=Path, required=True)
    b2.add_argument("--toolchain-prefix", default="arm-none-eabi-")

    args = parser.parse_args(argv)
    try:
        if args.command == "convert":
            image = args.input.read_bytes()
            if args.patch_boot2:
                image = patch_boot2_crc(image, base=args.base)
            uf2 = image_to_uf2(
                image, base=args.base, family_id=args.family, flash_size=args.flash_size
            )
            args.output.write_bytes(uf2)
            print(f"{args.output}: {len(uf2) // UF2_BLOCK_SIZE} blocks")
        else:
            block = pad_boot2(assemble_boot2(args.source, args.toolchain_prefix))
            # Name the source relative to the board folder: no machine paths
            # in committed, generated files.
            name = f"boards/rp2040/boot2/{args.source.name}"
            args.output.write_text(make_boot2_source(block, name))
            print(f"{args.output}: boot2 CRC 0x{struct.unpack_from('<I', block, 252)[0]:08x}")
    except (Uf2Error, OSError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
