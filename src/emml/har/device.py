"""apps/har on a board: build it with generated C, stream recordings through
it in QEMU, and profile one window (features + model) in the CPU emulator.

The firmware is judged against the Python pipeline window by window: after
each "reset" line both cut windows at samples 0, hop, 2 hop, ..."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from emml import boards, firmware
from emml.paths import app_sources

CLASS_LINE = re.compile(r"^class=(\S+) window=(\d+) sample=(\d+)$")
DONE_LINE = re.compile(r"^done windows=(\d+) stack=(\d+) of (\d+)$")


def app_dir() -> Path:
    """apps/har/src: the firmware sources."""
    return app_sources("har")


def board_define(board: str) -> str:
    """The macro that selects the board's port in apps/har (har_port.h)."""
    return f"EMML_BOARD_{board.upper()}"


def stand_in(board: str) -> str:
    """The emulated board that runs `board`'s code: itself, its declared
    stand-in, or the QEMU board of its architecture."""
    b = boards.load(board)
    if b.runs_in_emulator:
        return board
    if b.emulated_by:
        return b.emulated_by
    return "qemu_m0" if b.arch == "arm" else "qemu_rv32e"


def build(board: str, generated: str | Path, defines: Sequence[str] = (), out_dir: str | Path | None = None,
          ) -> firmware.FirmwareImage:
    """Build apps/har for board with the generated C in `generated`."""
    src = app_dir()
    gen = Path(generated)
    sources = sorted(src.glob("*.c")) + sorted(gen.glob("*.c"))
    return firmware.build(board, sources, include_dirs=[src, gen], defines=[board_define(board), *defines],
                          out_dir=out_dir, name="har")


def stream_text(recordings: Sequence[np.ndarray]) -> str:
    """The UART input: "reset", one "x y z" line per sample, per recording; then "end"."""
    parts = []
    for samples in recordings:
        parts.append("reset\n")
        parts.append("".join(f"{x} {y} {z}\n" for x, y, z in np.asarray(samples, dtype=np.int64).tolist()))
    parts.append("end\n")
    return "".join(parts)


@dataclass
class StreamResult:
    classes: list[list[str]]  # per recording, the class of each window
    lines: list[str]
    exit_status: int
    stack_used: int | None
    stack_reserved: int | None


def run_stream(board: str, elf: str | Path, recordings: Sequence[np.ndarray], window: int, hop: int,
               timeout: float = 120.0) -> StreamResult:
    """Stream recordings through the firmware in QEMU; split its class lines
    back into recordings (each window's sample index must be window + j hop)."""
    from emml.dut import run

    status, out = run(board, elf, stream_text(recordings).encode(), timeout=timeout)
    lines = [ln for ln in out.replace("\r", "").split("\n") if ln]
    found = [m for m in (CLASS_LINE.match(ln) for ln in lines) if m]
    per: list[list[str]] = []
    pos = 0
    for samples in recordings:
        n = len(samples)
        expected = 0 if n < window else (n - window) // hop + 1
        got = found[pos:pos + expected]
        for j, m in enumerate(got):
            if int(m.group(3)) != window + j * hop:
                raise RuntimeError(f"{board}: window {m.group(2)} ended at sample {m.group(3)}, expected "
                                   f"{window + j * hop}; output:\n" + "\n".join(lines[-20:]))
        per.append([m.group(1) for m in got])
        pos += expected
    done = next((DONE_LINE.match(ln) for ln in reversed(lines) if DONE_LINE.match(ln)), None)
    return StreamResult(per, lines, status, int(done.group(2)) if done else None,
                        int(done.group(3)) if done else None)


@dataclass
class WindowProfile:
    instructions: float
    cycles: float | None  # Cortex-M0+ estimate; None on RISC-V
    cycle_model: str
    stack_bytes: int
    classes: list[int]  # what the firmware returned for each profiled window


def profile_windows(elf: str | Path, windows: np.ndarray) -> WindowProfile:
    """har_classify_window (features + model) run in unicorn on each window."""
    from emml.profile import profile_function

    ins, cyc, cls, stack, model = [], [], [], 0, ""
    for w in windows:
        r = profile_function(elf, "har_classify_window", [np.ascontiguousarray(w, dtype=np.int16).reshape(-1)])
        ins.append(r.instructions)
        if r.cycles is not None:
            cyc.append(r.cycles)
        cls.append(int(r.return_signed))
        stack = max(stack, r.stack_bytes)
        model = r.cycle_model
    return WindowProfile(float(np.mean(ins)) if ins else 0.0, float(np.mean(cyc)) if cyc else None, model,
                         stack, cls)
