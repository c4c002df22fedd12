"""Fixtures for firmware tests: build an app for an emulated board, run it in
QEMU, stream input into its UART, read its output and its exit status.

    def test_x(run_app):
        with run_app("hello", "qemu_m0") as dut:
            dut.expect("hello from")
            dut.write_line("abc")
            ...
            assert dut.wait_exit() == 0
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator, Sequence

import pytest

from emml import boards, firmware
from emml.dut import QemuDut
from emml.paths import repo_root

EMULATED_BOARDS = [name for name in boards.names() if boards.load(name).runs_in_emulator]


@pytest.fixture(scope="session")
def build_app(need_tool):
    """build_app(app, board, defines=()) -> FirmwareImage for board.

    app is a reference app's name (apps/<app>/src) or a folder of C sources
    (a test's own firmware); extra_sources are added (e.g. generated model C)."""

    def _build(app: str | Path, board: str, defines: Sequence[str] = (),
               extra_sources: Sequence[Path] = (), include_dirs: Sequence[Path] = ()) -> firmware.FirmwareImage:
        need_tool(boards.load(board).toolchain_prefix + "gcc")
        src_dir = Path(app) if isinstance(app, Path) else repo_root() / "apps" / app / "src"
        sources = sorted(src_dir.glob("*.c")) + [Path(s) for s in extra_sources]
        assert sources, f"{src_dir} has no C sources"
        return firmware.build(board, sources, include_dirs=[src_dir, *include_dirs],
                              defines=defines, name=src_dir.parent.name if src_dir.name == "src" else src_dir.name)

    return _build


@pytest.fixture
def run_app(build_app, need_tool):
    """run_app(app, board, defines=(), timeout=10) -> context manager yielding a started QemuDut."""

    @contextlib.contextmanager
    def _run(app: str | Path, board: str, defines: Sequence[str] = (), timeout: float = 10.0,
             **build_options) -> Iterator[QemuDut]:
        need_tool(boards.load(board).qemu[0])
        image = build_app(app, board, defines, **build_options)
        with QemuDut(board, image.elf, timeout=timeout) as dut:
            yield dut

    return _run
