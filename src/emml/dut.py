"""A device under test: firmware running in an emulator, driven like a board.

The harness starts QEMU with the board's UART on stdin/stdout, lets a test
stream input (sensor samples, audio) into the UART, read what the firmware
prints line by line, and collect the exit status the firmware reports through
semihosting. It is pexpect-based (pytest-embedded's QEMU service assumes an
ESP32 machine), so tests read like `dut.expect("ready")`.

Renode is not installed on these machines, so there is no Renode backend here:
nothing in emml claims to run on Renode.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Sequence

from emml import boards as _boards
from emml.extras import require

pexpect = require("pexpect", "firmware", "running firmware in QEMU (emml.dut)")
from pexpect.popen_spawn import PopenSpawn  # noqa: E402

QEMU_COMMON_ARGS = (
    "-nographic",
    "-monitor", "none",
    "-serial", "stdio",
    "-semihosting-config", "enable=on,target=native",
)


class EmulatorError(RuntimeError):
    """The emulator could not be started or the firmware misbehaved."""


def qemu_command(board: str | _boards.Board, elf: Path | str, extra_args: Sequence[str] = ()) -> list[str]:
    """The QEMU command line that runs `elf` for an emulated board."""
    b = _boards.load(board) if isinstance(board, str) else board
    if not b.runs_in_emulator:
        hint = f" (its emulated stand-in is '{b.emulated_by}')" if b.emulated_by else ""
        raise EmulatorError(f"board '{b.name}' has no emulator; it builds only{hint}")
    if shutil.which(b.qemu[0]) is None:
        raise EmulatorError(
            f"{b.qemu[0]} not found; install Debian's qemu-system-arm / qemu-system-misc "
            "(bash scripts/setup.sh does)"
        )
    return [*b.qemu, *QEMU_COMMON_ARGS, *extra_args, "-kernel", str(elf)]


class QemuDut:
    """Firmware running in QEMU. Use as a context manager so QEMU is always stopped."""

    def __init__(self, board: str, elf: Path | str, *, timeout: float = 10.0, extra_args: Sequence[str] = ()):
        self.board = board
        self.elf = Path(elf)
        self.timeout = timeout
        self.command = qemu_command(board, self.elf, extra_args)
        self.transcript = ""  # everything the firmware printed and the harness consumed
        self._child: PopenSpawn | None = None
        self.exit_status: int | None = None

    # lifecycle -------------------------------------------------------------
    def start(self) -> "QemuDut":
        self._child = PopenSpawn(self.command, timeout=self.timeout, encoding="utf-8",
                                 codec_errors="replace", env={**os.environ, "LC_ALL": "C"})
        return self

    def __enter__(self) -> "QemuDut":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._child is not None and self._child.proc.poll() is None:
            self._child.kill(signal.SIGKILL)
            self._child.proc.wait()

    @property
    def child(self) -> PopenSpawn:
        if self._child is None:
            raise EmulatorError("DUT not started: use 'with QemuDut(...) as dut:'")
        return self._child

    # input -------------------------------------------------------------------
    def write(self, data: bytes | str) -> None:
        self.child.send(data)

    def write_line(self, line: str) -> None:
        self.child.send(line + "\n")

    def close_input(self) -> None:
        """Signal end of input (EOF on the UART's host side)."""
        self.child.sendeof()

    # output ------------------------------------------------------------------
    def expect(self, pattern: str, timeout: float | None = None) -> re.Match:
        """Wait for a regex in the output; on timeout or exit, fail with what was printed.

        Output arrives in pieces: end a pattern whose last group is a number
        with a line ending, or "of ([0-9]+)" may match "of 4" before "096" arrives."""
        try:
            self.child.expect(pattern, timeout=timeout or self.timeout)
        except pexpect.TIMEOUT:
            raise EmulatorError(self._explain(f"timed out after {timeout or self.timeout} s waiting for {pattern!r}")) from None
        except pexpect.EOF:
            raise EmulatorError(self._explain(f"firmware exited before printing {pattern!r}")) from None
        self._record(self.child.before + self.child.after)
        return self.child.match

    def read_line(self, timeout: float | None = None) -> str:
        self.expect(r"[^\r\n]*\r?\n", timeout)
        return self.child.match.group(0).rstrip("\r\n")

    def wait_exit(self, timeout: float | None = None) -> int:
        """Wait for the firmware to end; return its exit status (from semihosting)."""
        try:
            self.child.expect(pexpect.EOF, timeout=timeout or self.timeout)
        except pexpect.TIMEOUT:
            raise EmulatorError(self._explain(f"firmware still running after {timeout or self.timeout} s")) from None
        self._record(self.child.before)
        self.exit_status = self.child.proc.wait()
        return self.exit_status

    @property
    def lines(self) -> list[str]:
        """The output consumed so far, as lines without line endings."""
        return [line for line in self.transcript.replace("\r", "").split("\n") if line]

    def _record(self, text: str) -> None:
        self.transcript += text

    def _explain(self, what: str) -> str:
        tail = "\n".join(self.lines[-20:])
        pending = self.child.before if isinstance(self.child.before, str) else ""
        return f"{self.board}: {what}\n--- output so far ---\n{tail}{pending}\n--- command ---\n{' '.join(self.command)}"


def run(board: str, elf: Path | str, input_data: bytes = b"", timeout: float = 30.0) -> tuple[int, str]:
    """Run firmware to completion with all input given at once; return (exit status, output)."""
    cmd = qemu_command(board, elf)
    try:
        proc = subprocess.run(cmd, input=input_data, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode(errors="replace")
        raise EmulatorError(f"{board}: firmware did not exit within {timeout} s; output:\n{out}") from None
    return proc.returncode, proc.stdout.decode(errors="replace")
