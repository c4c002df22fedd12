"""Run one function of a firmware ELF in an emulator and count what it executes.

    >>> r = profile_function("fw.elf", "emml_trees_predict_q15", (features, 12))
    >>> r.instructions, r.cycles, r.return_value

The ELF's PT_LOAD segments are loaded into unicorn (Thumb + M-class for
Cortex-M, RV32 for RV32E/RV32EC), the function is called with the given
arguments, and it runs, calls into libgcc included, until it returns to a
sentinel address. Bare integers go in registers (r0-r3 / a0-a5, then the
stack); bytes, bytearray and numpy arrays are copied into a scratch RAM area
and passed as pointers, and their contents after the call are in
``ProfileResult.buffers``.

What the numbers mean
---------------------
``instructions`` is exact: the number of instructions the emulated core
retired between entering the function and returning from it.

``cycles`` is an ESTIMATE for a Cortex-M0+ (ARMv6-M firmware only): the
instruction mix weighted by the ARMv6-M timing table below. It ignores flash
wait states (a PY32 at 24 MHz runs with 0 wait states, above that 1, and a
real core's prefetch hides some of it), bus contention and interrupts.
For RISC-V only instructions are reported (``cycles`` is None): we have no
verified per-instruction timing for WCH's QingKe V2A core.

Speed: instructions are counted per translated block (one hook call per
basic block, not per instruction); a few million instructions a second.
``mode="instruction"`` hooks every instruction instead (slower), which the
tests use to check the block counting.
"""

from __future__ import annotations

import struct
import time
from collections import Counter
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = [
    "ARMV6M_CYCLES",
    "ProfileError",
    "ProfileResult",
    "profile_function",
]

# ---------------------------------------------------------------------------
# Cortex-M0+ timing (ARMv6-M)
# ---------------------------------------------------------------------------

#: Cycles per instruction class on a Cortex-M0+, after the processor's
#: Technical Reference Manual (instruction set summary: 2-stage pipeline, so a
#: pipeline refill costs one cycle less than on the Cortex-M0).
#: This is an estimate: no flash wait states, no bus stalls, zero-wait memory.
#: N is the number of registers in the list (for POP {..., pc} N counts the
#: registers other than PC; for PUSH {..., lr} N counts LR).
ARMV6M_CYCLES: dict[str, str] = {
    "alu": "1      ADD/SUB/ADC/SBC/RSB/CMP/CMN/MOV/MVN/AND/ORR/EOR/BIC/TST, shifts, "
    "rotates, extends (SXTB...), REV*, ADR, ADD/SUB SP",
    "mul": "1      MULS (single-cycle multiplier, as on PY32F0xx and RP2040; the "
    "small-multiplier option takes 32: pass mul_cycles=32)",
    "load": "2      LDR/LDRH/LDRB/LDRSH/LDRSB, all addressing modes incl. PC-relative",
    "store": "2      STR/STRH/STRB",
    "ldm": "1+N    LDM, POP without PC",
    "stm": "1+N    STM, PUSH",
    "pop_pc": "3+N    POP {..., pc} (load + pipeline refill)",
    "branch": "2      B (unconditional)",
    "branch_taken": "2      B<cond> taken",
    "branch_not_taken": "1      B<cond> not taken",
    "bl": "3      BL",
    "branch_indirect": "2      BX, BLX, MOV pc / ADD pc",
    "system": "3      MRS, MSR, DMB, DSB, ISB; 1 for CPS, NOP, YIELD, SEV; 2 for WFI/WFE",
    "other": "1      BKPT, SVC, UDF (they trap; should not appear in a profile)",
}


class ProfileError(RuntimeError):
    """The function could not be profiled (not found, faulted, ran away...)."""


@dataclass
class ProfileResult:
    """What one call of ``function`` did."""

    function: str
    arch: str  # "arm" or "riscv"
    cpu: str  # unicorn CPU model used, e.g. "cortex-m0"
    instructions: int  # exact count of retired instructions
    cycles: int | None  # Cortex-M0+ estimate (ARMv6-M only), else None
    cycle_model: str  # what `cycles` is, in words
    classes: dict[str, int]  # instructions per class
    class_cycles: dict[str, int]  # estimated cycles per class (ARM v6-M)
    return_value: int  # r0 / a0, unsigned 32-bit
    return_value_hi: int  # r1 / a1 (upper half of a 64-bit return)
    stack_bytes: int  # peak stack use of the call, in bytes
    buffers: dict[int, Any]  # arg index -> buffer contents after the call
    wall_seconds: float
    _read: Callable[[int, int], bytes] = field(repr=False, default=None)  # type: ignore[assignment]
    _symbols: dict[str, tuple[int, int]] = field(repr=False, default_factory=dict)

    @property
    def return_signed(self) -> int:
        v = self.return_value
        return v - (1 << 32) if v & 0x8000_0000 else v

    @property
    def return_u64(self) -> int:
        return self.return_value | (self.return_value_hi << 32)

    @property
    def return_float(self) -> float:
        """r0 / a0 read as a float32 (soft-float ABI)."""
        return float(np.frombuffer(struct.pack("<I", self.return_value), "<f4")[0])

    def read_memory(self, address: int, size: int) -> bytes:
        """Bytes of the emulated memory after the call."""
        return bytes(self._read(address, size))

    def read_symbol(self, name: str, dtype: Any = None) -> Any:
        """A global variable after the call: bytes, or a numpy array of dtype."""
        if name not in self._symbols:
            raise ProfileError(f"symbol '{name}' is not a data object of the ELF")
        addr, size = self._symbols[name]
        raw = self.read_memory(addr, size)
        return raw if dtype is None else np.frombuffer(raw, dtype=dtype).copy()


# ---------------------------------------------------------------------------
# Instruction decoders: bytes at an address -> (length, class, cycles,
# cycles_if_taken or None). The class names are the keys of ARMV6M_CYCLES
# (ARM) or RISCV_CLASSES.
# ---------------------------------------------------------------------------

RISCV_CLASSES = (
    "alu", "muldiv", "load", "store", "branch_taken", "branch_not_taken",
    "jump", "jump_indirect", "system", "other",
)


def _thumb_decode(code: bytes, off: int, mul_cycles: int) -> tuple[int, str, int, int | None]:
    hw = code[off] | (code[off + 1] << 8)
    top5 = hw >> 11
    if top5 >= 0b11101:  # 32-bit encoding
        hw2 = code[off + 2] | (code[off + 3] << 8) if off + 3 < len(code) else 0
        if top5 == 0b11110 and (hw2 & 0xD000) == 0xD000:
            return 4, "bl", 3, None
        if top5 == 0b11110 and (hw2 & 0xD000) == 0x8000:  # MSR/MRS/barriers
            return 4, "system", 3, None
        return 4, "other", 1, None
    if hw < 0x4000:  # shifts, add/sub, mov/cmp/add/sub immediate
        return 2, "alu", 1, None
    if (hw & 0xFC00) == 0x4000:  # data processing register
        if ((hw >> 6) & 0xF) == 0b1101:
            return 2, "mul", mul_cycles, None
        return 2, "alu", 1, None
    if (hw & 0xFC00) == 0x4400:  # special data: ADD/CMP/MOV hi, BX/BLX
        op = (hw >> 8) & 3
        if op == 3:
            return 2, "branch_indirect", 2, None
        rd = (hw & 7) | ((hw >> 4) & 8)
        if op != 1 and rd == 15:  # ADD pc / MOV pc
            return 2, "branch_indirect", 2, None
        return 2, "alu", 1, None
    if (hw & 0xF800) == 0x4800:  # LDR literal
        return 2, "load", 2, None
    if (hw & 0xF000) == 0x5000:  # load/store register offset
        opb = (hw >> 9) & 7
        return (2, "store", 2, None) if opb < 3 else (2, "load", 2, None)
    if 0x6000 <= hw < 0xA000:  # LDR/STR imm, LDRH/STRH imm, SP-relative
        return (2, "load", 2, None) if hw & 0x0800 else (2, "store", 2, None)
    if hw < 0xB000:  # ADR, ADD rd, sp, #imm
        return 2, "alu", 1, None
    if hw < 0xC000:  # miscellaneous
        if (hw & 0xFE00) == 0xB400:  # PUSH
            n = bin(hw & 0x1FF).count("1")
            return 2, "stm", 1 + n, None
        if (hw & 0xFE00) == 0xBC00:  # POP
            n = bin(hw & 0xFF).count("1")
            return (2, "pop_pc", 3 + n, None) if hw & 0x100 else (2, "ldm", 1 + n, None)
        if (hw & 0xFF00) == 0xBE00:  # BKPT
            return 2, "other", 1, None
        if (hw & 0xFF00) == 0xBF00:  # hints
            return 2, "system", 2 if (hw & 0xF0) in (0x20, 0x30) else 1, None
        if (hw & 0xFFE0) == 0xB660:  # CPS
            return 2, "system", 1, None
        return 2, "alu", 1, None  # ADD/SUB SP, extends, REV
    if hw < 0xD000:  # STM / LDM
        n = bin(hw & 0xFF).count("1")
        return (2, "ldm", 1 + n, None) if hw & 0x0800 else (2, "stm", 1 + n, None)
    if hw < 0xE000:  # conditional branch, UDF, SVC
        if ((hw >> 8) & 0xF) >= 0xE:
            return 2, "other", 1, None
        return 2, "branch_not_taken", 1, 2
    return 2, "branch", 2, None  # B


def _riscv_decode(code: bytes, off: int, mul_cycles: int) -> tuple[int, str, int, int | None]:
    hw = code[off] | (code[off + 1] << 8)
    if hw & 3 != 3:  # compressed
        q, f3 = hw & 3, hw >> 13
        if q == 0:
            return 2, {0: "alu", 2: "load", 6: "store"}.get(f3, "other"), 1, None
        if q == 1:
            if f3 in (1, 5):
                return 2, "jump", 1, None
            if f3 in (6, 7):
                return 2, "branch_not_taken", 1, 1
            return 2, "alu", 1, None
        if f3 == 2:
            return 2, "load", 1, None
        if f3 == 6:
            return 2, "store", 1, None
        if f3 == 4:
            rs1, rs2 = (hw >> 7) & 31, (hw >> 2) & 31
            if rs2 == 0:
                if hw & 0x1000 and rs1 == 0:
                    return 2, "system", 1, None  # c.ebreak
                return 2, "jump_indirect", 1, None  # c.jr / c.jalr
            return 2, "alu", 1, None
        return 2, ("alu" if f3 == 0 else "other"), 1, None
    word = hw | (code[off + 2] << 16) | (code[off + 3] << 24) if off + 3 < len(code) else hw
    opcode = word & 0x7F
    cls = {
        0x03: "load", 0x23: "store", 0x6F: "jump", 0x67: "jump_indirect",
        0x13: "alu", 0x37: "alu", 0x17: "alu", 0x73: "system", 0x0F: "system",
    }.get(opcode)
    if opcode == 0x33:
        cls = "muldiv" if (word >> 25) == 1 else "alu"
    if opcode == 0x63:
        return 4, "branch_not_taken", 1, 1
    return 4, cls or "other", 1, None


# ---------------------------------------------------------------------------
# ELF loading
# ---------------------------------------------------------------------------

_PAGE = 0x1000
SCRATCH_BASE = 0x6000_0000  # buffers passed as pointer arguments
STACK_BASE = 0x6F00_0000  # the profiler's own stack (STACK_BASE .. + stack_size)
SENTINEL = 0x6FF0_0000  # return address: execution stops when it gets here
_STACK_FILL = 0xA5


@dataclass
class _Elf:
    arch: str
    cpu: str
    v6m: bool
    chunks: list[tuple[int, bytes, int]]  # (address, file bytes, memory size)
    alloc: list[tuple[int, int]]  # SHF_ALLOC sections: (address, size)
    functions: dict[str, int]
    objects: dict[str, tuple[int, int]]
    global_pointer: int | None


def _read_elf(path: str) -> _Elf:
    from elftools.common.exceptions import ELFError
    from elftools.elf.constants import SH_FLAGS
    from elftools.elf.elffile import ELFFile

    try:
        with open(path, "rb") as f:
            elf = ELFFile(f)
            if elf.elfclass != 32 or not elf.little_endian:
                raise ProfileError(f"{path}: not a 32-bit little-endian ELF")
            machine = elf["e_machine"]
            if machine == "EM_ARM":
                arch = "arm"
            elif machine == "EM_RISCV":
                arch = "riscv"
            else:
                raise ProfileError(f"{path}: unsupported machine {machine} (ARM or RISC-V only)")
            chunks = []
            for seg in elf.iter_segments():
                if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
                    continue
                data = seg.data()
                chunks.append((seg["p_vaddr"], data, seg["p_memsz"]))
                if seg["p_paddr"] != seg["p_vaddr"] and data:
                    chunks.append((seg["p_paddr"], data, len(data)))  # load image
            alloc = [
                (s["sh_addr"], s["sh_size"])
                for s in elf.iter_sections()
                if s["sh_flags"] & SH_FLAGS.SHF_ALLOC and s["sh_size"]
            ]
            functions: dict[str, int] = {}
            objects: dict[str, tuple[int, int]] = {}
            gp = None
            symtab = elf.get_section_by_name(".symtab")
            for sym in symtab.iter_symbols() if symtab else ():
                kind = sym["st_info"]["type"]
                if kind == "STT_FUNC":
                    functions.setdefault(sym.name, sym["st_value"])
                elif kind == "STT_OBJECT":
                    objects.setdefault(sym.name, (sym["st_value"], sym["st_size"]))
                elif sym.name == "__global_pointer$":
                    gp = sym["st_value"]
            cpu, v6m = ("rv32", False) if arch == "riscv" else _arm_cpu(elf)
    except (OSError, ELFError) as e:
        raise ProfileError(f"cannot read ELF {path}: {e}") from None
    if not chunks:
        raise ProfileError(f"{path}: no loadable segments")
    return _Elf(arch, cpu, v6m, chunks, alloc, functions, objects, gp)


def _arm_cpu(elf: Any) -> tuple[str, bool]:
    """Unicorn CPU model from the ELF's build attributes (Tag_CPU_arch)."""
    arch = None
    sec = elf.get_section_by_name(".ARM.attributes")
    if sec is not None:
        try:
            for sub in sec.iter_subsections():
                for subsub in sub.iter_subsubsections():
                    for attr in subsub.iter_attributes():
                        if attr.tag == "TAG_CPU_ARCH":
                            arch = attr.value
        except Exception:  # malformed attributes: fall back to ARMv6-M
            arch = None
    if arch in (10,):  # v7-M
        return "cortex-m3", False
    if arch in (13,):  # v7E-M
        return "cortex-m4", False
    if arch is not None and arch not in (11, 12):  # not v6-M / v6S-M
        return "cortex-m33", False
    return "cortex-m0", True


def _page_ranges(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge (address, size) spans into page-aligned (start, end) ranges."""
    ranges = sorted(
        (a & ~(_PAGE - 1), (a + n + _PAGE - 1) & ~(_PAGE - 1)) for a, n in spans if n > 0
    )
    merged: list[list[int]] = []
    for lo, hi in ranges:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


# ---------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------


def _as_bytes(value: Any) -> bytes | None:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, np.ndarray):
        return np.ascontiguousarray(value).tobytes()
    return None


def _as_word(value: Any, index: int) -> int:
    if value is None:
        return 0
    if isinstance(value, (bool, int, np.integer)):
        v = int(value)
        if not -(1 << 31) <= v < (1 << 32):
            raise ProfileError(f"argument {index} ({v}) does not fit in 32 bits")
        return v & 0xFFFF_FFFF
    if isinstance(value, np.float32):
        return struct.unpack("<I", struct.pack("<f", float(value)))[0]
    raise ProfileError(
        f"argument {index} has unsupported type {type(value).__name__}: pass an int, "
        "np.float32 (a float in an integer register, soft-float ABI), bytes or a numpy array"
    )


def _after(original: Any, raw: bytes) -> Any:
    if isinstance(original, np.ndarray):
        return np.frombuffer(raw, dtype=original.dtype).reshape(original.shape).copy()
    return raw


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def profile_function(
    elf: str | PathLike[str],
    function: str,
    args: Sequence[Any] = (),
    *,
    buffers: Mapping[str, Any] | None = None,
    max_instructions: int = 20_000_000,
    arch: str | None = None,
    stack_size: int = 16 * 1024,
    mul_cycles: int = 1,
    mode: str = "block",
) -> ProfileResult:
    """Call ``function`` of the firmware ``elf`` once in unicorn and count it.

    args: ints (passed in r0-r3 / a0-a5, then on the stack), None (NULL),
        np.float32 (its bits, soft-float ABI), or bytes/bytearray/np.ndarray
        (copied to scratch RAM, passed as a pointer; contents after the call
        in ``result.buffers[arg_index]``, same dtype and shape).
    buffers: {global symbol: bytes or array} written into the ELF's global
        variables before the call (read them back with result.read_symbol).
    max_instructions: stop and raise ProfileError past this many.
    arch: "arm" or "riscv"; taken from the ELF when None.
    stack_size: bytes of stack the call gets (peak use: result.stack_bytes).
    mul_cycles: cycles of MULS in the Cortex-M0+ estimate (1 or 32).
    mode: "block" (fast) or "instruction" (hook per instruction; reference).
    """
    from emml.extras import require

    require("unicorn", "firmware", "emml.profile (cycle and instruction counts)")
    from unicorn import UC_HOOK_BLOCK, UC_HOOK_CODE, Uc, UcError

    path = str(elf)
    info = _read_elf(path)
    if arch is not None and arch != info.arch:
        raise ProfileError(f"{path} is {info.arch} code, not {arch}")
    if function not in info.functions:
        raise ProfileError(f"function '{function}' not found in {path} (is it static or inlined?)")
    if mode not in ("block", "instruction"):
        raise ProfileError(f"mode must be 'block' or 'instruction', not {mode!r}")
    entry = info.functions[function]

    uc, regs = _make_cpu(info)
    elf_ranges = _page_ranges([(a, n) for a, _, n in info.chunks] + info.alloc)
    own = [(SCRATCH_BASE, STACK_BASE), (STACK_BASE, SENTINEL + _PAGE)]
    for lo, hi in elf_ranges:
        for olo, ohi in own:
            if lo < ohi and olo < hi:
                raise ProfileError(
                    f"{path} uses 0x{lo:08x}-0x{hi:08x}, which the profiler keeps for its "
                    "own stack and buffers"
                )
        uc.mem_map(lo, hi - lo)
    for addr, data, _ in info.chunks:
        if data:
            uc.mem_write(addr, data)
    for name, value in (buffers or {}).items():
        if name not in info.objects:
            raise ProfileError(f"buffers: '{name}' is not a global variable of {path}")
        addr, size = info.objects[name]
        raw = _as_bytes(value)
        if raw is None or len(raw) > size:
            raise ProfileError(
                f"buffers: '{name}' needs bytes or an array of at most {size} bytes"
            )
        uc.mem_write(addr, raw)

    # Arguments: buffers into scratch RAM, words into registers and stack.
    words: list[int] = []
    placed: dict[int, tuple[int, int, Any]] = {}
    cursor = SCRATCH_BASE
    for i, a in enumerate(args):
        raw = _as_bytes(a)
        if raw is None:
            words.append(_as_word(a, i))
            continue
        placed[i] = (cursor, len(raw), a)
        words.append(cursor)
        cursor += (len(raw) + 15) & ~15
    if cursor > SCRATCH_BASE:
        scratch_size = (cursor - SCRATCH_BASE + _PAGE - 1) & ~(_PAGE - 1)
        if cursor > STACK_BASE:
            raise ProfileError("buffer arguments are too large (more than 240 MB)")
        uc.mem_map(SCRATCH_BASE, scratch_size)
        for addr, _, a in placed.values():
            uc.mem_write(addr, _as_bytes(a))
    stack_size = (stack_size + _PAGE - 1) & ~(_PAGE - 1)
    uc.mem_map(STACK_BASE, stack_size)
    uc.mem_write(STACK_BASE, bytes([_STACK_FILL]) * stack_size)
    uc.mem_map(SENTINEL, _PAGE)
    stack_args = words[len(regs["args"]):]
    sp = STACK_BASE + stack_size - 4 * len(stack_args)
    sp &= ~7
    for k, w in enumerate(stack_args):
        uc.mem_write(sp + 4 * k, struct.pack("<I", w))
    for reg, w in zip(regs["args"], words):
        uc.reg_write(reg, w)
    uc.reg_write(regs["sp"], sp)
    if info.arch == "arm":
        uc.reg_write(regs["lr"], SENTINEL | 1)
        start = entry | 1
    else:
        uc.reg_write(regs["lr"], SENTINEL)
        if info.global_pointer is not None:
            uc.reg_write(regs["gp"], info.global_pointer)
        start = entry & ~1

    decode = _thumb_decode if info.arch == "arm" else _riscv_decode
    counter = _Counter(uc, decode, mul_cycles, max_instructions)
    hook = UC_HOOK_BLOCK if mode == "block" else UC_HOOK_CODE
    uc.hook_add(hook, counter.on_block)

    t0 = time.perf_counter()
    try:
        uc.emu_start(start, SENTINEL)
    except UcError as e:
        pc = uc.reg_read(regs["pc"])
        raise ProfileError(
            f"{function} faulted after {counter.total:,} instructions at pc=0x{pc:08x}: {e}"
            " (does it touch a peripheral, or was it given too small a buffer?)"
        ) from None
    wall = time.perf_counter() - t0
    pc = uc.reg_read(regs["pc"]) & ~1
    if counter.runaway:
        raise ProfileError(
            f"{function} did not return within {max_instructions:,} instructions "
            f"(stopped at pc=0x{pc:08x}); a runaway loop, or raise max_instructions"
        )
    if pc != SENTINEL:
        raise ProfileError(f"{function} stopped at pc=0x{pc:08x} without returning")
    counter.finish(SENTINEL)

    classes, class_cycles = counter.totals()
    if info.arch == "arm" and info.v6m:
        cycles: int | None = sum(class_cycles.values())
        model = "Cortex-M0+, ARMv6-M timing table, zero wait states"
    else:
        cycles, class_cycles = None, {}
        model = (
            "instructions only (no verified timing table for this core)"
            if info.arch == "riscv"
            else f"instructions only (the timing table is for ARMv6-M, this is {info.cpu} code)"
        )

    # Peak stack use: the stack was filled with a pattern; the lowest byte
    # that changed marks the deepest point (an estimate if the function
    # happens to store the fill byte itself).
    stack = bytes(uc.mem_read(STACK_BASE, stack_size))
    untouched = len(stack) - len(stack.lstrip(bytes([_STACK_FILL])))
    stack_bytes = max(0, sp - (STACK_BASE + untouched))

    after = {i: _after(a, uc.mem_read(addr, n)) for i, (addr, n, a) in placed.items()}
    return ProfileResult(
        function=function,
        arch=info.arch,
        cpu=info.cpu,
        instructions=counter.total,
        cycles=cycles,
        cycle_model=model,
        classes=classes,
        class_cycles=class_cycles,
        return_value=uc.reg_read(regs["args"][0]) & 0xFFFF_FFFF,
        return_value_hi=uc.reg_read(regs["args"][1]) & 0xFFFF_FFFF,
        stack_bytes=stack_bytes,
        buffers=after,
        wall_seconds=wall,
        _read=uc.mem_read,
        _symbols=dict(info.objects),
    )


def _make_cpu(info: _Elf) -> tuple[Any, dict[str, Any]]:
    import unicorn
    from unicorn import arm_const as A
    from unicorn import riscv_const as R

    if info.arch == "arm":
        uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_THUMB | unicorn.UC_MODE_MCLASS)
        model = {
            "cortex-m0": A.UC_CPU_ARM_CORTEX_M0,
            "cortex-m3": A.UC_CPU_ARM_CORTEX_M3,
            "cortex-m4": A.UC_CPU_ARM_CORTEX_M4,
            "cortex-m33": A.UC_CPU_ARM_CORTEX_M33,
        }[info.cpu]
        uc.ctl_set_cpu_model(model)
        return uc, {
            "args": (A.UC_ARM_REG_R0, A.UC_ARM_REG_R1, A.UC_ARM_REG_R2, A.UC_ARM_REG_R3),
            "sp": A.UC_ARM_REG_SP,
            "lr": A.UC_ARM_REG_LR,
            "pc": A.UC_ARM_REG_PC,
        }
    uc = unicorn.Uc(unicorn.UC_ARCH_RISCV, unicorn.UC_MODE_RISCV32)
    return uc, {
        # ilp32e: a0-a5 carry arguments
        "args": tuple(getattr(R, f"UC_RISCV_REG_A{i}") for i in range(6)),
        "sp": R.UC_RISCV_REG_SP,
        "lr": R.UC_RISCV_REG_RA,
        "gp": R.UC_RISCV_REG_GP,
        "pc": R.UC_RISCV_REG_PC,
    }


class _Block:
    __slots__ = ("n", "classes", "cycles", "fall", "taken_cycles", "not_taken_cycles")

    def __init__(self) -> None:
        self.n = 0
        self.classes: Counter = Counter()
        self.cycles: Counter = Counter()
        self.fall = 0  # fall-through address when the block ends in a conditional branch
        self.taken_cycles = 0
        self.not_taken_cycles = 0


class _Counter:
    """Counts executions per block; a block ending in a conditional branch
    is split by outcome (taken when the next block is not its fall-through).
    The same code serves per-instruction hooks (a block of one instruction).
    A conditional branch inside a block (not at its end) fell through."""

    def __init__(self, uc: Any, decode: Callable, mul_cycles: int, limit: int) -> None:
        self.uc = uc
        self.decode = decode
        self.mul_cycles = mul_cycles
        self.limit = limit
        self.total = 0
        self.runaway = False
        self.blocks: dict[int, _Block] = {}
        self.runs: Counter = Counter()  # block key -> executions
        self.taken: Counter = Counter()  # block key -> times its final branch was taken
        self.pending = 0  # fall-through address of the last block's branch, or 0
        self.pending_key = 0

    def _decode_block(self, address: int, size: int) -> _Block:
        code = bytes(self.uc.mem_read(address, size))
        b = _Block()
        off = 0
        while off < size:
            length, cls, cyc, taken = self.decode(code, off, self.mul_cycles)
            b.n += 1
            off += length
            b.classes[cls] += 1
            b.cycles[cls] += cyc
            if taken is not None and off >= size:
                b.fall, b.taken_cycles, b.not_taken_cycles = address + off, taken, cyc
        return b

    def on_block(self, uc: Any, address: int, size: int, _user: Any) -> None:
        if self.pending:
            if address != self.pending:
                self.taken[self.pending_key] += 1
            self.pending = 0
        key = (address << 16) | size
        block = self.blocks.get(key)
        if block is None:
            block = self.blocks[key] = self._decode_block(address, size)
        self.runs[key] += 1
        if block.fall:
            self.pending, self.pending_key = block.fall, key
        self.total += block.n
        if self.total > self.limit:
            self.runaway = True
            uc.emu_stop()

    def finish(self, address: int) -> None:
        if self.pending and address != self.pending:
            self.taken[self.pending_key] += 1
        self.pending = 0

    def totals(self) -> tuple[dict[str, int], dict[str, int]]:
        classes: Counter = Counter()
        cycles: Counter = Counter()
        for key, runs in self.runs.items():
            b = self.blocks[key]
            for name, count in b.classes.items():
                classes[name] += count * runs
            for name, c in b.cycles.items():
                cycles[name] += c * runs
            t = self.taken[key]
            if b.fall and t:
                classes["branch_not_taken"] -= t
                classes["branch_taken"] += t
                cycles["branch_not_taken"] -= t * b.not_taken_cycles
                cycles["branch_taken"] += t * b.taken_cycles
        return (
            {k: v for k, v in sorted(classes.items()) if v},
            {k: v for k, v in sorted(cycles.items()) if v},
        )
