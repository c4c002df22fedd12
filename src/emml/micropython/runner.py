"""Run generated modules on a real MicroPython, for tests and benchmarks.

Two MicroPythons run on these machines without hardware:

* the WebAssembly port (npm ``@micropython/micropython-webassembly-pyscript``
  1.27.0, pinned in tools/micropython/package.json, installed by
  scripts/setup.sh) under Node.js: :func:`run_webassembly`;
* the BBC micro:bit firmware (Debian ``firmware-microbit-micropython``,
  MicroPython 1.9.2, 16 kB RAM) in QEMU's ``microbit`` machine, driven over
  its UART through the raw REPL: :class:`MicrobitRepl`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

MICROBIT_HEX = Path("/usr/share/firmware-microbit-micropython/firmware.hex")
WASM_PACKAGE = "@micropython/micropython-webassembly-pyscript"


class MicroPythonError(RuntimeError):
    """MicroPython raised an exception, or could not be started."""


def tools_dir() -> Path:
    from emml.paths import repo_root

    return repo_root() / "tools" / "micropython"


def webassembly_missing() -> str | None:
    """None if the WebAssembly MicroPython can run, else why not (and the fix)."""
    if shutil.which("node") is None:
        return "node (Node.js) is not installed; bash scripts/setup.sh installs it"
    if not (tools_dir() / "node_modules" / WASM_PACKAGE / "micropython.mjs").is_file():
        return (f"{WASM_PACKAGE} is not installed in tools/micropython; run "
                "'npm ci --prefix tools/micropython' (bash scripts/setup.sh does)")
    return None


def run_webassembly(script: str, files: dict[str, str] | None = None, heapsize: int = 1 << 20,
                    timeout: float = 120.0) -> str:
    """Run script under MicroPython 1.27 (WebAssembly); files ({"/name.py":
    source}) are written to its filesystem first (``import name`` finds them).
    Returns what the script printed; raises MicroPythonError on an exception."""
    why = webassembly_missing()
    if why:
        raise MicroPythonError(why)
    job = json.dumps({"files": files or {}, "script": script, "heapsize": int(heapsize)})
    proc = subprocess.run(["node", str(tools_dir() / "run.mjs")], input=job, capture_output=True, text=True,
                          timeout=timeout, cwd=tools_dir())
    if proc.returncode != 0:
        raise MicroPythonError(f"MicroPython (WebAssembly) failed:\n{proc.stderr.strip()}\n--- output ---\n"
                               f"{proc.stdout[-2000:]}")
    return proc.stdout


def microbit_missing() -> str | None:
    if shutil.which("qemu-system-arm") is None:
        return "qemu-system-arm is not installed; bash scripts/setup.sh installs it"
    if not MICROBIT_HEX.is_file():
        return ("the micro:bit MicroPython firmware is not installed: apt-get install --no-install-recommends "
                "firmware-microbit-micropython (bash scripts/setup.sh does)")
    return None


class MicrobitRepl:
    """MicroPython for the BBC micro:bit in QEMU (``-M microbit``), driven
    through the raw REPL on its UART (Ctrl-A; code; Ctrl-D -> "OK", output,
    0x04, exception, 0x04). Use as a context manager."""

    #: bytes sent per write, and the pause after each: the firmware's UART
    #: receive buffer is small, and QEMU delivers input as fast as it is written
    CHUNK, PAUSE = 16, 0.01

    def __init__(self, timeout: float = 60.0) -> None:
        why = microbit_missing()
        if why:
            raise MicroPythonError(why)
        self.timeout = timeout
        self.command = ["qemu-system-arm", "-M", "microbit", "-nographic", "-monitor", "none", "-serial", "stdio",
                        "-device", f"loader,file={MICROBIT_HEX}"]
        self._child = None

    def __enter__(self) -> "MicrobitRepl":
        from pexpect.popen_spawn import PopenSpawn

        self._child = PopenSpawn(self.command, timeout=self.timeout, encoding="latin-1",
                                 env={**os.environ, "LC_ALL": "C"})
        self._child.expect(">>> ")
        self._child.send("\r\x03\x03")
        time.sleep(0.05)
        self._child.send("\x01")
        self._child.expect("raw REPL; CTRL-B to exit\r\n>")
        return self

    def __exit__(self, *exc) -> None:
        if self._child is not None and self._child.proc.poll() is None:
            self._child.kill(signal.SIGKILL)
            self._child.proc.wait()

    def load(self, module_text: str) -> None:
        """Define a generated module's names in the REPL's namespace, one
        top-level block at a time: compiling the whole file at once needs more
        than the micro:bit's ~9 kB heap for anything but tiny models."""
        for block in module_text.split("\n\n\n"):
            self.exec(block + "\n")
            self.exec("import gc\ngc.collect()\n")  # compact the heap for the next block

    def exec(self, code: str, timeout: float | None = None) -> str:
        """Run code (raw REPL); return its output, raise MicroPythonError on an exception."""
        c = self._child
        data = code.replace("\r\n", "\n")
        for i in range(0, len(data), self.CHUNK):
            c.send(data[i:i + self.CHUNK])
            time.sleep(self.PAUSE)
        import pexpect

        time.sleep(self.PAUSE)
        c.send("\x04")
        try:
            try:
                c.expect("OK", timeout=3.0)
            except pexpect.TIMEOUT:  # the end-of-code byte was lost in a full receive buffer: send it again
                c.send("\x04")
                c.expect("OK", timeout=timeout or self.timeout)
            c.expect("\x04", timeout=timeout or self.timeout)
            out = c.before
            c.expect("\x04", timeout=timeout or self.timeout)
            err = c.before
            c.expect(">", timeout=timeout or self.timeout)
        except (pexpect.TIMEOUT, pexpect.EOF):
            raise MicroPythonError(f"micro:bit MicroPython did not answer within {timeout or self.timeout} s; "
                                   f"it printed:\n{str(c.before)[-1000:]}") from None
        if err.strip():
            raise MicroPythonError(f"micro:bit MicroPython raised:\n{err.strip()}\n--- output ---\n{out[-2000:]}")
        return out.replace("\r\n", "\n")


def numbers(text: str, tag: str) -> list[list[float]]:
    """Rows printed as ``TAG v1 v2 ...`` by a driver script, as lists of numbers."""
    rows = []
    for line in text.splitlines():
        if line.startswith(tag + " "):
            rows.append([float(v) if re.search(r"[.eEn]", v) else int(v) for v in line.split()[1:]])
    return rows


def rows_script(name: str, X, entries: tuple[str, ...], int_input: bool = False) -> str:
    """A driver that imports module `name`, runs each entry on every row of X
    and prints ``ENTRY i v...``: integers as they are, floats as their float32
    bits (so a comparison with the C is exact, not a decimal round trip)."""
    import numpy as np

    X = np.asarray(X)
    n, f = X.shape
    data = (X.astype("<i4") if int_input else X.astype("<f4")).tobytes()
    lines = ["import struct", "from array import array", f"import {name}",
             f"_X = array({'i' if int_input else 'f'!r}, bytearray({data!r}))",
             "def _show(tag, i, v):",
             "    v = [v] if isinstance(v, (int, float)) else list(v)",
             "    out = []",
             "    for e in v:",
             "        out.append(str(e) if isinstance(e, int) else 'f%d' % struct.unpack('<I', struct.pack('<f', e))[0])",
             "    print(tag, i, ' '.join(out))",
             f"for i in range({n}):",
             f"    x = _X[i * {f}:(i + 1) * {f}]"]
    for e in entries:
        lines.append(f"    _show({e!r}, i, {name}.{e}(x))")
    lines.append("print('DONE')")
    return "\n".join(lines) + "\n"


def parse_rows(text: str, entries: tuple[str, ...]) -> dict:
    """The values rows_script printed: {entry: list of rows (ints, or float32 as numpy.float32)}."""
    import numpy as np

    if "DONE" not in text:
        raise MicroPythonError(f"the driver did not finish; output:\n{text[-2000:]}")
    out: dict = {e: [] for e in entries}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in out:
            vals = []
            for v in parts[2:]:
                vals.append(np.array([int(v[1:])], np.uint32).view(np.float32)[0] if v.startswith("f") else int(v))
            out[parts[0]].append(vals)
    return out
