"""The keyword spotter's firmware (apps/audio_kws): build, size, stream audio
through it in QEMU, and estimate its CPU load.

Host -> firmware protocol (apps/audio_kws/src/audio_uart.c): 'R' reset,
'A' + uint16 count + int16 LE samples, 'D' decide now, 'T'/'t' trace on/off,
'Q' end. The firmware answers with lines (apps/audio_kws/src/main.c).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from emml import boards as _boards
from emml.kws.pipeline import Decision, KwsConfig

#: Stack reserved for the app (bytes): what QEMU measures on qemu_m0 plus a margin;
#: the firmware test checks the measured high-water mark stays below it.
STACK_BYTES = {"arm": 640, "riscv": 768}

#: Boards with an ADC audio source, and the define that selects it.
ADC_SOURCES = {"py32f003": "KWS_AUDIO_ADC_PY32F0", "py32f002a": "KWS_AUDIO_ADC_PY32F0",
               "ch32v003": "KWS_AUDIO_ADC_CH32V003"}

_DECISION = re.compile(r"^d (\d+) (-?\d+) (-?\d+) (\S*)$")
_FRAME = re.compile(r"^f (\d+) ([0-9a-f]+)$")


def app_dir() -> Path:
    """apps/audio_kws/src: the firmware sources."""
    from emml.paths import app_sources

    return app_sources("audio_kws")


def audio_source(board: str) -> str:
    """'adc' on real boards with a microphone driver, else 'uart' (host stream)."""
    b = _boards.load(board)
    return "adc" if (not b.runs_in_emulator and board in ADC_SOURCES) else "uart"


def build(board: str, generated: Path, source: str | None = None, stack_bytes: int | None = None):
    """Build apps/audio_kws for board with the generated C in `generated`
    (emml.kws.generate). source: 'uart' or 'adc' (default: audio_source(board))."""
    from emml import firmware

    b = _boards.load(board)
    source = source or audio_source(board)
    defines = [ADC_SOURCES[board]] if source == "adc" else []
    if source == "adc" and board not in ADC_SOURCES:
        raise ValueError(f"board {board} has no ADC audio source; use source='uart'")
    stack = stack_bytes or STACK_BYTES[b.arch]
    src = app_dir()
    gen = Path(generated)
    sources = sorted(src.glob("*.c")) + sorted(gen.glob("*.c"))
    return firmware.build(board, sources, include_dirs=[src, gen], defines=defines,
                          ldflags=[f"-Wl,--defsym=__stack_size={stack}"], name="audio_kws")


# ---- streaming ---------------------------------------------------------------
def packets(samples: np.ndarray, chunk: int = 4096, min_zeros: int = 8) -> bytes:
    """Samples as 'A' packets, with runs of at least min_zeros zero samples
    sent as 'Z' packets (3 bytes: the UART of an emulated board is slow)."""
    x = np.asarray(samples, dtype="<i2")
    edges = np.diff(np.concatenate([[0], (x == 0).astype(np.int8), [0]]))
    runs = [(int(a), int(b)) for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))
            if b - a >= min_zeros]
    out = bytearray()

    def audio(lo: int, hi: int) -> None:
        for i in range(lo, hi, chunk):
            part = x[i : min(hi, i + chunk)]
            out.extend(b"A" + len(part).to_bytes(2, "little") + part.tobytes())

    pos = 0
    for lo, hi in runs:
        audio(pos, lo)
        for i in range(lo, hi, 65535):
            out.extend(b"Z" + min(65535, hi - i).to_bytes(2, "little"))
        pos = hi
    audio(pos, len(x))
    return bytes(out)


@dataclass
class ClipRun:
    decisions: list[Decision] = field(default_factory=list)
    frames: list[np.ndarray] = field(default_factory=list)  # traced int8 feature rows


@dataclass
class Session:
    runs: list[ClipRun]
    stack_used: int
    stack_size: int
    banner: str
    lines: list[str]


def stream_session(cfg: KwsConfig, board: str, elf: Path, streams: Sequence[np.ndarray], trace: bool = False,
                   force_decision: bool = True, timeout: float = 120.0) -> Session:
    """Reset, stream each sample array, force a final decision; parse what the
    firmware printed, per stream."""
    from emml.dut import EmulatorError, run

    data = bytearray(b"T" if trace else b"")
    marker = []
    for s in streams:
        data += b"R" + packets(s) + (b"D" if force_decision else b"")
        marker.append(len(s))
    data += b"Q"
    status, out = run(board, elf, bytes(data), timeout=timeout)
    lines = [l for l in out.replace("\r", "").split("\n") if l]
    if status != 0:
        raise EmulatorError(f"{board}: the KWS firmware exited with {status}; output tail:\n" + "\n".join(lines[-15:]))
    banner = next((l for l in lines if l.startswith("kws ready")), "")
    runs: list[ClipRun] = []
    stack_used = stack_size = -1
    for line in lines:
        if line == "r":  # the firmware acknowledges each reset: a new stream starts
            runs.append(ClipRun())
            continue
        m = _DECISION.match(line)
        if m and runs:
            runs[-1].decisions.append(Decision(int(m.group(1)), int(m.group(2)), int(m.group(3))))
            continue
        m = _FRAME.match(line)
        if m and runs:
            runs[-1].frames.append(np.frombuffer(bytes.fromhex(m.group(2)), np.int8))
            continue
        if line.startswith("stack "):
            stack_used, stack_size = (int(v) for v in line.split()[1:3])
        if line.startswith("error") or line.startswith("status"):
            raise EmulatorError(f"{board}: firmware reported '{line}'")
    return Session(runs, stack_used, stack_size, banner, lines)


def final_decisions(cfg: KwsConfig, board: str, elf: Path, windows: np.ndarray, batch: int = 25,
                    progress: bool = False) -> np.ndarray:
    """Stream each window (exactly window_samples) after a reset and return the
    forced final decision's class per window, as the firmware computed it."""
    windows = np.asarray(windows, np.int16)
    out = []
    it = range(0, len(windows), batch)
    if progress:
        from emml.extras import require

        tqdm = require("tqdm", "apps", "training progress").tqdm

        it = tqdm(it, desc=f"QEMU {board}", unit="batch", leave=False)
    for i in it:
        part = windows[i : i + batch]
        s = session_decisions(cfg, board, elf, part)
        out += [d[-1].cls for d in s]
    return np.array(out, np.int64)


def session_decisions(cfg: KwsConfig, board: str, elf: Path, streams: Sequence[np.ndarray]) -> list[list[Decision]]:
    """Decisions per stream: the periodic ones, then the forced final one."""
    from emml.dut import EmulatorError

    # QEMU's UART takes ~10 kB/s on an idle machine; allow for a loaded one
    n_bytes = sum(len(s) for s in streams) * 2
    sess = stream_session(cfg, board, elf, streams, timeout=60.0 + n_bytes / 1000.0)
    if len(sess.runs) != len(streams):
        raise EmulatorError(f"{board}: expected decisions for {len(streams)} streams, parsed {len(sess.runs)}")
    return [r.decisions for r in sess.runs]


# ---- CPU load ----------------------------------------------------------------
@dataclass
class RealtimeEstimate:
    board: str
    f_cpu_hz: int
    frame_cycles: int  # one hop: log-mel frame + int8 features + window shift
    gate_cycles: int
    decision_cycles: int  # the network
    hops_per_second: float
    decisions_per_second: float
    metric: str  # what the counts are ("Cortex-M0+ cycle estimate" or "RISC-V instructions")

    @property
    def cycles_per_second(self) -> float:
        """Every hop a frame; every decision period the gate and (worst case:
        never silent) the network."""
        return self.frame_cycles * self.hops_per_second + \
            (self.gate_cycles + self.decision_cycles) * self.decisions_per_second

    @property
    def realtime_cpu(self) -> float:
        """Estimated fraction of the CPU the pipeline needs, per second of audio."""
        return self.cycles_per_second / self.f_cpu_hz

    @property
    def worst_hop_ms(self) -> float:
        """A hop with a decision: must finish before the next hop arrives."""
        return 1000.0 * (self.frame_cycles + self.gate_cycles + self.decision_cycles) / self.f_cpu_hz


def estimate_realtime(cfg: KwsConfig, elf: Path, board: str, frame: np.ndarray,
                      window: np.ndarray | None = None) -> RealtimeEstimate:
    """Profile kws_process_frame (one hop, on a real speech frame) and
    kws_decide (the network on a real window) in unicorn. For Cortex-M0/M0+
    the counts are the ARMv6-M cycle ESTIMATE of emml.profile (zero wait
    states); for RISC-V, instruction counts (no verified timing table)."""
    from emml.profile import profile_function

    b = _boards.load(board)
    frame = np.ascontiguousarray(frame, dtype=np.int16)
    buffers = {"window_q": np.ascontiguousarray(window, np.int8).reshape(-1)} if window is not None else None
    fe = profile_function(elf, "kws_process_frame", (frame.copy(),))
    gate = profile_function(elf, "kws_gate_open", (), buffers=buffers)
    nn = profile_function(elf, "kws_decide", (np.zeros(12, np.uint8),), buffers=buffers)

    def count(r):
        return r.cycles if r.cycles is not None else r.instructions

    metric = "Cortex-M0+ cycle estimate (ARMv6-M table, 0 wait states)" if fe.cycles is not None \
        else "instructions (no cycle table for this core)"
    return RealtimeEstimate(board, b.f_cpu_hz, count(fe), count(gate), count(nn), cfg.hops_per_second(),
                            cfg.decisions_per_second(), metric)


def fit_report(image, board: str) -> dict:
    """flash/RAM of a built image against a board's limits."""
    from emml.size import check_board, elf_size

    b = _boards.load(board)
    rep = elf_size(image.elf)
    fit = check_board(rep, b)
    return {"board": board, "flash_bytes": rep.flash_bytes, "ram_bytes": rep.ram_bytes,
            "stack_reserved": rep.stack_bytes, "flash_limit": b.flash_bytes, "ram_limit": b.ram_bytes,
            "flash_margin": b.flash_bytes - rep.flash_bytes, "ram_margin": b.ram_bytes - rep.ram_bytes,
            "fits": bool(fit.fits)}


def board_fit(board: str, generated: Path, source: str | None = None) -> dict:
    """fit_report of the app on board, also when it does not link: then the
    linker's "region ... overflowed by N bytes" gives the (negative) margins."""
    from emml.firmware import FirmwareBuildError

    try:
        return fit_report(build(board, generated, source), board)
    except FirmwareBuildError as e:
        over = {k.lower(): int(n) for k, n in re.findall(r"region `(FLASH|RAM)' overflowed by (\d+) bytes", str(e))}
        if not over:
            raise
        b = _boards.load(board)
        flash = b.flash_bytes + over.get("flash", 0) if "flash" in over else None
        ram = b.ram_bytes + over.get("ram", 0) if "ram" in over else None
        return {"board": board, "flash_bytes": flash, "ram_bytes": ram, "stack_reserved": None,
                "flash_limit": b.flash_bytes, "ram_limit": b.ram_bytes,
                "flash_margin": -over["flash"] if "flash" in over else None,
                "ram_margin": -over["ram"] if "ram" in over else None, "fits": False}


def iter_boards() -> Iterable[str]:
    return _boards.names()
