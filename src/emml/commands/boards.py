"""`emml boards`: the boards emml knows, with their real limits."""

from __future__ import annotations

import argparse

from emml import boards


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("boards", help="list the supported boards and their limits")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rows = [("board", "arch", "cpu", "MHz", "flash", "RAM", "emulator")]
    for name in boards.names():
        b = boards.load(name)
        if b.runs_in_emulator:
            emu = "runs in QEMU"
        elif b.emulated_by:
            emu = f"via {b.emulated_by}"
        else:
            emu = "build + size"
        rows.append(
            (b.name, b.arch, b.cpu, f"{b.f_cpu_hz / 1e6:g}", _kb(b.flash_bytes), _kb(b.ram_bytes), emu)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    right = {3, 4, 5}
    for r in rows:
        print("  ".join(f"{c:>{w}}" if i in right else f"{c:<{w}}" for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    return 0


def _kb(n: int) -> str:
    return f"{n // 1024} kB" if n % 1024 == 0 else f"{n:,} B"
