"""Flash and RAM use of a firmware ELF, checked against a board's real limits.

    >>> report = elf_size("firmware.elf")
    >>> fit = check_board(report, emml.boards.load("py32f003"))
    >>> print(format_table(report, emml.boards.load("py32f003")))

How sections are counted (from their ELF flags, like GNU ``size``):

* flash: every allocated section with contents (``PROGBITS``: vectors,
  .text, .rodata, .ARM.exidx, init arrays) plus the initial values of
  writable data (.data is stored in flash and copied to RAM at start-up);
* RAM: every allocated writable or ``NOBITS`` section: .data, .bss, .noinit
  and the regions the linker script reserves, such as ``.stack`` and
  ``.heap`` (``stack_bytes`` / ``heap_bytes`` report those on their own).

Sections that are not allocated (debug info, symbol tables, comments)
take no memory on the chip and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emml.boards import Board

__all__ = ["SectionSize", "SizeReport", "BoardFit", "SizeError", "elf_size", "check_board", "format_table"]


class SizeError(ValueError):
    """The file is not an ELF this module can read."""


@dataclass(frozen=True)
class SectionSize:
    name: str
    address: int  # run-time address (VMA)
    load_address: int  # where its bytes sit in the image (LMA)
    size: int
    flash: bool  # occupies flash
    ram: bool  # occupies RAM


@dataclass(frozen=True)
class SizeReport:
    path: str
    sections: tuple[SectionSize, ...]
    text_bytes: int  # read-only contents (code, constants, vectors)
    data_bytes: int  # initialised writable data (counted in flash and RAM)
    bss_bytes: int  # zero-initialised and reserved RAM (incl. stack, heap)
    stack_bytes: int  # size of a .stack section, 0 if there is none
    heap_bytes: int  # size of a .heap section, 0 if there is none

    @property
    def flash_bytes(self) -> int:
        return self.text_bytes + self.data_bytes

    @property
    def ram_bytes(self) -> int:
        return self.data_bytes + self.bss_bytes


@dataclass(frozen=True)
class BoardFit:
    board: str
    flash_used: int
    flash_limit: int
    ram_used: int
    ram_limit: int
    messages: tuple[str, ...] = field(default=())

    @property
    def flash_over(self) -> int:
        return max(0, self.flash_used - self.flash_limit)

    @property
    def ram_over(self) -> int:
        return max(0, self.ram_used - self.ram_limit)

    @property
    def fits(self) -> bool:
        return self.flash_over == 0 and self.ram_over == 0

    def __bool__(self) -> bool:
        return self.fits


def elf_size(elf: str | PathLike[str]) -> SizeReport:
    """Measure flash and RAM use of an ELF from its section headers."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.constants import SH_FLAGS
    from elftools.elf.elffile import ELFFile

    path = str(elf)
    try:
        with open(path, "rb") as f:
            ef = ELFFile(f)
            segments = [
                (s["p_vaddr"], s["p_paddr"], s["p_memsz"])
                for s in ef.iter_segments()
                if s["p_type"] == "PT_LOAD"
            ]
            raw = [
                (s.name, s["sh_addr"], s["sh_size"], s["sh_type"], s["sh_flags"])
                for s in ef.iter_sections()
            ]
    except FileNotFoundError:
        raise SizeError(f"{path}: no such file") from None
    except (OSError, ELFError) as e:
        raise SizeError(f"{path}: not a readable ELF file ({e})") from None

    sections = []
    text = data = bss = stack = heap = 0
    for name, addr, size, kind, flags in raw:
        if not flags & SH_FLAGS.SHF_ALLOC or size == 0:
            continue
        nobits = kind == "SHT_NOBITS"
        writable = bool(flags & SH_FLAGS.SHF_WRITE)
        lma = addr
        for vaddr, paddr, memsz in segments:
            if vaddr <= addr < vaddr + memsz:
                lma = addr - vaddr + paddr
                break
        in_flash = not nobits
        in_ram = nobits or writable
        sections.append(SectionSize(name, addr, lma, size, in_flash, in_ram))
        if nobits:
            bss += size
        elif writable:
            data += size
        else:
            text += size
        if name == ".stack" or name.startswith(".stack."):
            stack += size
        elif name == ".heap" or name.startswith(".heap."):
            heap += size
    return SizeReport(path, tuple(sections), text, data, bss, stack, heap)


def _usage(label: str, used: int, limit: int) -> str:
    if used > limit:
        return f"{label}: {used:,} of {limit:,} bytes, over by {used - limit:,} bytes"
    pct = 100.0 * used / limit if limit else 0.0
    return f"{label}: {used:,} of {limit:,} bytes ({pct:.1f}%), {limit - used:,} free"


def check_board(report: SizeReport, board: "Board") -> BoardFit:
    """Compare a SizeReport with the board's flash and RAM; the messages read
    like 'flash: 33,012 of 32,768 bytes, over by 244 bytes'."""
    messages = (
        _usage("flash", report.flash_bytes, board.flash_bytes),
        _usage("RAM", report.ram_bytes, board.ram_bytes),
    )
    return BoardFit(
        board.name, report.flash_bytes, board.flash_bytes, report.ram_bytes, board.ram_bytes, messages
    )


def format_table(report: SizeReport, board: "Board | None" = None) -> str:
    """A per-section table, totals, and (with a board) the fit against its limits."""
    rows = [("section", "address", "size", "flash", "RAM")]
    for s in report.sections:
        rows.append(
            (s.name, f"0x{s.address:08x}", f"{s.size:,}", "yes" if s.flash else "", "yes" if s.ram else "")
        )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    align = ("<", "<", ">", "<", "<")
    lines = [
        "  ".join(f"{cell:{a}{w}}" for cell, a, w in zip(r, align, widths)).rstrip() for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(
        f"flash {report.flash_bytes:,} bytes (code+constants {report.text_bytes:,}, "
        f"data init {report.data_bytes:,})"
    )
    extra = []
    if report.stack_bytes:
        extra.append(f"stack {report.stack_bytes:,}")
    if report.heap_bytes:
        extra.append(f"heap {report.heap_bytes:,}")
    lines.append(
        f"RAM   {report.ram_bytes:,} bytes (data {report.data_bytes:,}, bss {report.bss_bytes:,}"
        + "".join(f", incl. {e}" for e in extra)
        + ")"
    )
    if board is not None:
        fit = check_board(report, board)
        lines.append("")
        lines.append(f"{board.name} ({board.title}):")
        lines.extend(f"  {m}" for m in fit.messages)
        lines.append("  fits" if fit.fits else "  DOES NOT FIT")
    return "\n".join(lines)
