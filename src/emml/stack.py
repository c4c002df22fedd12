"""Worst-case stack depth of a firmware image, from its call graph.

Stack overflow on a 2 kB part corrupts memory silently, and testing rarely
hits the deepest path, so emml computes the bound statically:

  frame of each function   gcc's -fstack-usage (.su files written next to the
                           objects; emml.firmware.build(extra_cflags=
                           ("-fstack-usage",)) keeps them in <image>/obj/), or,
                           for code without them (libgcc, newlib, assembly),
                           the prologue in the disassembly: push {...} and
                           sub sp (Arm), add sp,sp,-N (RISC-V)
  calls                    every bl/jal (and tail-call b/j to another
                           function) in the disassembly of the linked ELF, so
                           what the linker kept is what is counted
  roots                    the entry point; on Arm every handler in the
                           vector table (an interrupt adds its path plus the
                           36-byte exception frame on top of the deepest
                           main path; one priority level, no nesting);
                           fault handlers that reset SP to the top of the
                           stack (cortex_m_default_handler, riscv_trap_entry)
                           are checked on their own

The result is refused (StackError) when it cannot be a bound: recursion, a
call through a function pointer (blx rN, jalr), a frame of unbounded size
(alloca, VLA), or a function reached only through its address (not in the
vector table). Calls through pointers may be declared with
``indirect={"caller": ["callee", ...]}``, address-taken roots with
``extra_roots``. Known limit: an indirect *jump* (RISC-V jr, used by gcc
for switch tables) is taken to stay inside its function.

The budget is the stack region the board's linker script reserves
(__stack_size, or __stack_end - __stack_start in the ELF).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from emml import boards

#: Handlers that move SP back to the top of the stack before doing anything:
#: they never add to another path's depth.
RESETTING_HANDLERS = ("cortex_m_default_handler", "riscv_trap_entry")
#: Cortex-M exception entry stacks 8 words, plus up to 4 bytes of alignment.
ARM_EXCEPTION_FRAME = 36
#: Indirect calls of the board support code, declared once here:
#: vectors.S's default handler jumps (bx) to the C fault reporter.
BOARD_INDIRECT = {"cortex_m_default_handler": ("cortex_m_fault_report",)}


class StackError(ValueError):
    """The worst-case stack cannot be bounded (recursion, indirect calls,
    dynamic frames) or the inputs are unusable; the message says which."""


@dataclass
class Function:
    name: str
    address: int
    frame: int = 0
    frame_source: str = "disassembly"  # "su" (gcc -fstack-usage) or "disassembly"
    calls: set[str] = field(default_factory=set)
    indirect_calls: list[str] = field(default_factory=list)  # the instructions
    dynamic: bool = False
    jumps_to_own_start: bool = False  # a loop when the function pushes nothing, else recursion


@dataclass
class StackReport:
    elf: Path
    board: str
    worst_bytes: int  # main path + deepest interrupt
    main_bytes: int
    main_path: list[str]
    interrupt_bytes: int
    interrupt_path: list[str]
    budget_bytes: int | None
    functions: dict[str, Function]
    notes: list[str] = field(default_factory=list)
    depths: dict[str, int] = field(default_factory=dict)  # deepest stack below each function analysed

    @property
    def margin_bytes(self) -> int | None:
        return None if self.budget_bytes is None else self.budget_bytes - self.worst_bytes

    @property
    def fits(self) -> bool:
        return self.budget_bytes is None or self.worst_bytes <= self.budget_bytes

    def as_dict(self) -> dict:
        return {
            "elf": str(self.elf), "board": self.board, "worst_bytes": self.worst_bytes,
            "main_bytes": self.main_bytes, "main_path": self.main_path,
            "interrupt_bytes": self.interrupt_bytes, "interrupt_path": self.interrupt_path,
            "budget_bytes": self.budget_bytes, "margin_bytes": self.margin_bytes, "notes": self.notes,
        }


_SU_LINE = re.compile(r"^(?P<where>.*):(?P<func>[^:\s]+)\t(?P<bytes>\d+)\t(?P<kind>[a-z,]+)$")


def read_su(paths: Iterable[Path]) -> dict[str, tuple[int, str]]:
    """function name -> (frame bytes, kind) from gcc .su files; a name defined
    in several files (static functions) keeps the largest frame."""
    frames: dict[str, tuple[int, str]] = {}
    for path in paths:
        for line in Path(path).read_text().splitlines():
            m = _SU_LINE.match(line.strip())
            if not m:
                continue
            name, size, kind = m.group("func"), int(m.group("bytes")), m.group("kind")
            if name not in frames or size > frames[name][0]:
                frames[name] = (size, kind)
    return frames


def _objdump(board: boards.Board, elf: Path) -> str:
    tool = board.toolchain_prefix + "objdump"
    proc = subprocess.run([tool, "-d", "--no-show-raw-insn", str(elf)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise StackError(f"{tool} could not read {elf}: {proc.stderr.strip()}")
    return proc.stdout


_FUNC = re.compile(r"^([0-9a-f]+) <([^>]+)>:$")
_INSN = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")
_TARGET = re.compile(r"<([^>+]+)(\+0x[0-9a-f]+)?>")


def _branch(current: Function, target: str) -> None:
    """A jump to the start of a function: a tail call, or (to its own start)
    a loop whose header is the first instruction."""
    if target == current.name:
        current.jumps_to_own_start = True
    else:
        current.calls.add(target)


def parse_disassembly(text: str, arch: str) -> dict[str, Function]:
    """Functions, their direct calls, indirect calls and prologue frame sizes."""
    funcs: dict[str, Function] = {}
    current: Function | None = None
    for line in text.splitlines():
        m = _FUNC.match(line)
        if m:
            current = funcs.setdefault(m.group(2), Function(m.group(2), int(m.group(1), 16)))
            continue
        m = _INSN.match(line)
        if not m or current is None:
            continue
        op, operands = m.group(2), m.group(3)
        target = _TARGET.search(operands)
        callee = target.group(1) if target and not target.group(2) else None
        if arch == "arm":
            if op == "push":
                current.frame += 4 * len(re.findall(r"\b(?:r\d+|lr)\b", operands))
            elif op in ("sub", "sub.w") and operands.startswith("sp,"):
                imm = re.search(r"#(\d+)", operands)
                if imm:
                    current.frame += int(imm.group(1))
                else:
                    current.dynamic = True
            elif op in ("bl", "blx") and target:
                if callee:  # (a bl to an offset inside this function is a long branch, not a call)
                    current.calls.add(callee)
            elif op == "blx":
                current.indirect_calls.append(f"{m.group(1)}: blx {operands}")
            elif op in ("b", "b.n", "b.w") and callee:
                _branch(current, callee)
            elif op == "bx" and not operands.startswith("lr"):
                current.indirect_calls.append(f"{m.group(1)}: bx {operands}")
        else:
            if op in ("add", "addi", "c.addi16sp") and operands.startswith("sp,sp,"):
                val = operands.split(",")[2]
                if re.fullmatch(r"-\d+", val):
                    current.frame += -int(val)
            elif op in ("sub",) and operands.startswith("sp,sp,"):
                current.dynamic = True
            elif op in ("jal", "call") and callee:
                current.calls.add(callee)
            elif op in ("j", "tail") and callee:
                _branch(current, callee)
            elif op == "jalr":
                current.indirect_calls.append(f"{m.group(1)}: jalr {operands}")
    return funcs


def elf_symbols(elf: Path) -> dict[str, int]:
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as f:
        e = ELFFile(f)
        table = e.get_section_by_name(".symtab")
        if table is None:
            raise StackError(f"{elf} has no symbol table (was it stripped?)")
        return {s.name: int(s["st_value"]) for s in table.iter_symbols() if s.name}


def stack_budget(elf: Path) -> int | None:
    """Bytes of the stack region the linker script reserved, if it says."""
    syms = elf_symbols(elf)
    if "__stack_start" in syms and "__stack_end" in syms:
        return syms["__stack_end"] - syms["__stack_start"]
    return syms.get("__stack_size")


def _read_words(e, address: int, count: int) -> list[int]:
    """count little-endian words of the loaded image at address (or fewer)."""
    for seg in e.iter_segments():
        start, size = int(seg["p_vaddr"]), int(seg["p_filesz"])
        if seg["p_type"] == "PT_LOAD" and start <= address < start + size:
            data = seg.data()[address - start:address - start + 4 * count]
            return [int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data) - 3, 4)]
    return []


def _entry_vectors_ctors(elf: Path, funcs: Mapping[str, Function]) -> tuple[str, list[str], list[str]]:
    """The entry function, the handlers of an Arm vector table (__isr_vector)
    and the functions of .preinit_array/.init_array (called by the startup
    code through pointers: static constructors)."""
    from elftools.elf.elffile import ELFFile

    by_address = {f.address: name for name, f in funcs.items()}
    with open(elf, "rb") as fh:
        e = ELFFile(fh)
        entry = by_address.get(e.header["e_entry"] & ~1)
        symbols = {sym.name: sym for sym in e.get_section_by_name(".symtab").iter_symbols() if sym.name}
        vectors = []
        table = symbols.get("__isr_vector")
        if table is not None:
            words = _read_words(e, int(table["st_value"]), max(1, int(table["st_size"]) // 4))
            vectors = [by_address[w & ~1] for w in words[1:] if w and (w & ~1) in by_address]  # word 0: SP
        ctors = []
        for first, last in (("__preinit_array_start", "__preinit_array_end"),
                            ("__init_array_start", "__init_array_end")):
            if first in symbols and last in symbols:
                a, z = int(symbols[first]["st_value"]), int(symbols[last]["st_value"])
                ctors += [by_address.get(w & ~1, f"0x{w:x}") for w in _read_words(e, a, (z - a) // 4)]
    if entry is None:
        raise StackError(f"{elf}: no function at the entry point")
    return entry, vectors, ctors


def analyse(
    elf: Path | str,
    board: str,
    su_files: Sequence[Path | str] = (),
    indirect: Mapping[str, Sequence[str]] | None = None,
    extra_roots: Sequence[str] = (),
) -> StackReport:
    """Worst-case stack of `elf` built for `board` (see the module docstring)."""
    elf = Path(elf)
    b = boards.load(board)
    if not elf.is_file():
        raise StackError(f"{elf}: no such ELF file")
    funcs = parse_disassembly(_objdump(b, elf), b.arch)
    if not funcs:
        raise StackError(f"{elf}: no functions in the disassembly")
    notes = []
    su = read_su(Path(p) for p in su_files)
    for name, f in funcs.items():
        if name in su:
            f.frame, kind = su[name]
            f.frame_source = "su"
            f.dynamic = kind == "dynamic"  # "dynamic,bounded" is a bound
    if not su:
        notes.append("no .su files: every frame is read from the disassembly")
    entry, vectors, ctors = _entry_vectors_ctors(elf, funcs)
    declared = {k: list(v) for k, v in BOARD_INDIRECT.items() if k in funcs}
    if ctors or funcs[entry].indirect_calls:
        declared[entry] = ctors  # the startup code's calls through the init arrays
        if ctors:
            notes.append(f"static constructors called by {entry}: {', '.join(ctors)}")
    declared.update({k: list(v) for k, v in (indirect or {}).items()})
    for f in funcs.values():
        if f.jumps_to_own_start and f.frame > 0:  # re-runs a prologue that pushes: unbounded
            f.calls.add(f.name)
    for caller, callees in declared.items():
        if caller not in funcs:
            raise StackError(f"indirect calls declared for {caller}, which is not in {elf.name}")
        funcs[caller].indirect_calls = []
        funcs[caller].calls.update(callees)

    problems = []
    for name, f in funcs.items():
        if f.indirect_calls and f.frame_source == "su":  # library code's register jumps are its returns
            problems.append(f"{name} calls through a function pointer ({'; '.join(f.indirect_calls[:3])}); "
                            "declare the possible callees with indirect={'" + name + "': [...]} "
                            "(emml stack --indirect CALLER=CALLEE,...)")
        if f.dynamic:
            problems.append(f"{name} has a stack frame of unbounded size (alloca or a variable-length array)")

    called = {c for f in funcs.values() for c in f.calls}
    interrupts = sorted({v for v in vectors if v != entry and v not in RESETTING_HANDLERS})
    resetting = [r for r in RESETTING_HANDLERS if r in funcs]
    known_roots = {entry, *vectors, *resetting, *extra_roots}
    for name, f in funcs.items():
        if name not in called and name not in known_roots and f.frame_source == "su":
            problems.append(f"{name} is reached only through its address (a function pointer or a table); "
                            "declare its callers with indirect=, or list it in extra_roots")
    if problems:
        raise StackError(f"{elf.name}: cannot bound the stack: " + "; ".join(problems))

    depth: dict[str, tuple[int, list[str]]] = {}

    def deepest(name: str, trail: tuple[str, ...]) -> tuple[int, list[str]]:
        if name in trail:
            cycle = " -> ".join([*trail[trail.index(name):], name])
            raise StackError(f"{elf.name}: recursion {cycle}: the stack has no static bound; rewrite it as a loop")
        if name in depth:
            return depth[name]
        f = funcs.get(name)
        if f is None:  # a call into something without a symbol of its own
            raise StackError(f"{elf.name}: call to {name}, which is not a function in the image")
        best, path = -1, []  # a callee with a 0-byte frame still shows in the path
        for callee in sorted(f.calls):
            d, p = deepest(callee, (*trail, name))
            if d > best:
                best, path = d, p
        depth[name] = (f.frame + max(best, 0), [name, *path])
        return depth[name]

    main_bytes, main_path = deepest(entry, ())
    for extra in extra_roots:
        d, p = deepest(extra, ())
        if d > main_bytes:
            main_bytes, main_path = d, p
    irq_bytes, irq_path = 0, []
    for handler in interrupts:
        d, p = deepest(handler, ())
        d += ARM_EXCEPTION_FRAME if b.arch == "arm" else 0
        if d > irq_bytes:
            irq_bytes, irq_path = d, p
    for handler in resetting:  # runs alone on a reset stack
        d, p = deepest(handler, ())
        if d > main_bytes + irq_bytes:
            notes.append(f"{handler} (resets SP) needs {d} bytes on its own")
            main_bytes, main_path, irq_bytes, irq_path = d, p, 0, []
    return StackReport(elf=elf, board=board, worst_bytes=main_bytes + irq_bytes, main_bytes=main_bytes,
                       main_path=main_path, interrupt_bytes=irq_bytes, interrupt_path=irq_path,
                       budget_bytes=stack_budget(elf), functions=funcs, notes=notes,
                       depths={name: d for name, (d, _) in depth.items()})


def su_files_of(elf: Path | str) -> list[Path]:
    """The .su files emml.firmware.build leaves next to an image's objects."""
    return sorted((Path(elf).parent / "obj").glob("*.su"))


def format_report(report: StackReport, top: int = 8) -> str:
    lines = [f"{report.elf.name} on {report.board}: worst-case stack {report.worst_bytes} bytes"]
    if report.budget_bytes is not None:
        verdict = "fits" if report.fits else f"OVERFLOWS by {-report.margin_bytes} bytes"
        lines[0] += f" of {report.budget_bytes} reserved ({verdict}, margin {report.margin_bytes})"
    lines.append(f"  main path ({report.main_bytes} B): " + " -> ".join(
        f"{n} [{report.functions[n].frame}]" for n in report.main_path))
    if report.interrupt_path:
        lines.append(f"  + interrupt ({report.interrupt_bytes} B incl. exception frame): " + " -> ".join(
            f"{n} [{report.functions[n].frame}]" for n in report.interrupt_path))
    biggest = sorted(report.functions.values(), key=lambda f: -f.frame)[:top]
    lines.append("  largest frames: " + ", ".join(f"{f.name} {f.frame} ({f.frame_source})" for f in biggest))
    lines += [f"  note: {n}" for n in report.notes]
    return "\n".join(lines)
