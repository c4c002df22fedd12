"""The end-to-end demo (first README command; scripts/demo.sh sets up first).

Today: build the smallest app with PlatformIO for every board, run it in
QEMU on the default emulated board with input streamed into its UART, and
show flash/RAM use per board against each chip's real limits.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from emml import boards
from emml.dut import QemuDut
from emml.size import check_board, elf_size

ROOT = Path(__file__).resolve().parent.parent
PIO = ROOT / ".venv" / "bin" / "pio"
DEFAULT_BOARD = "qemu_m0"


def pio_build(board: str) -> Path:
    proc = subprocess.run([str(PIO), "run", "-s", "-e", board], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"demo: 'pio run -e {board}' failed:\n{proc.stdout}{proc.stderr}")
    return ROOT / ".pio" / "build" / board / "firmware.elf"


def main() -> int:
    print(f"== building apps/hello for {len(boards.names())} boards with PlatformIO")
    elves = {name: pio_build(name) for name in boards.names()}

    print(f"\n== running it on {DEFAULT_BOARD} in QEMU, streaming two lines into its UART")
    with QemuDut(DEFAULT_BOARD, elves[DEFAULT_BOARD], timeout=20) as dut:
        dut.expect("hello from")
        for line in ("accelerometer 12 -3 1010", "microphone 0 17 -42"):
            dut.write_line(line)
            dut.expect(r"sum=0x[0-9a-f]+")
        dut.write_line("end")
        dut.expect("done")
        status = dut.wait_exit()
    for line in dut.lines:
        print(f"   | {line}")
    print(f"   exit status {status}")
    print("   (cycles= is SysTick under QEMU's virtual clock: not a cycle count; `emml profile` gives estimates)")

    print("\n== flash and RAM (static + reserved stack) per board, against the chip's real limits")
    print(f"   {'board':<11} {'flash used':>10} {'of':>9} {'RAM used':>9} {'of':>8}  fits")
    all_fit = True
    for name, elf in elves.items():
        b = boards.load(name)
        fit = check_board(elf_size(elf), b)
        all_fit &= fit.fits
        print(f"   {name:<11} {fit.flash_used:>10,} {b.flash_bytes:>9,} {fit.ram_used:>9,} {b.ram_bytes:>8,}  "
              f"{'yes' if fit.fits else 'NO: ' + '; '.join(fit.messages)}")
    return 0 if status == 0 and all_fit else 1


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
