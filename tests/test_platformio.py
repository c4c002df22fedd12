"""PlatformIO builds emml firmware offline: every board, QEMU upload, `pio test`,
size limits, and the offline preparation (scripts/pio_offline.py).

These run the real `pio` from .venv with the local platform (platform/emml);
each `pio run` costs about 1 s of PlatformIO overhead plus the compile.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from emml import boards
from emml.paths import repo_root

pytestmark = [pytest.mark.firmware, pytest.mark.slow]

REPO = repo_root()
PIO = Path(sys.executable).with_name("pio")
ALL_BOARDS = ["qemu_m0", "qemu_m3", "qemu_rv32e", "py32f003", "py32f002a", "ch32v003", "rp2040"]


def pio(*args: str, env: dict | None = None, input_text: str | None = None, timeout: float = 300):
    full_env = dict(os.environ, PLATFORMIO_SETTING_ENABLE_TELEMETRY="No", **(env or {}))
    proc = subprocess.run(
        [str(PIO), *args],
        cwd=REPO,
        env=full_env,
        input=input_text if input_text is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    proc.output = proc.stdout + proc.stderr  # type: ignore[attr-defined]
    return proc


@pytest.fixture(scope="module", autouse=True)
def offline_ready():
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "pio_offline.py"), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def build_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pio-build")


def test_every_board_has_an_env():
    ini = (REPO / "platformio.ini").read_text()
    envs = re.findall(r"^\[env:([\w-]+)\]", ini, flags=re.M)
    assert sorted(envs) == sorted(boards.names()) == sorted(ALL_BOARDS)


@pytest.mark.parametrize("board", ALL_BOARDS)
def test_pio_run_builds_board(board, build_root):
    proc = pio("run", "-e", board, env={"PLATFORMIO_BUILD_DIR": str(build_root)})
    assert proc.returncode == 0, proc.output
    b = boards.load(board)
    # size report against the board's real limits
    assert re.search(rf"RAM: .*used \d+ bytes from {b.ram_bytes} bytes", proc.output), proc.output
    assert re.search(rf"Flash: .*used \d+ bytes from {b.flash_bytes} bytes", proc.output), proc.output
    out = build_root / board
    assert (out / "firmware.elf").is_file()
    assert (out / "firmware.map").is_file()
    assert (out / "firmware.bin").stat().st_size > 0
    if board == "rp2040":
        uf2 = (out / "firmware.uf2").read_bytes()
        assert len(uf2) % 512 == 0 and uf2[:4] == b"UF2\n"


def test_upload_runs_hello_in_qemu(build_root):
    proc = pio(
        "run", "-e", "qemu_m0", "-t", "upload",
        env={"PLATFORMIO_BUILD_DIR": str(build_root)},
        input_text="abc\nend\n",
    )
    assert proc.returncode == 0, proc.output
    assert "hello from qemu_m0" in proc.output
    assert "line 1 len=3" in proc.output  # stdin reached the UART
    assert "exited with status 0" in proc.output


def test_upload_fails_with_the_programs_exit_status(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.c").write_text(
        '#include "board.h"\nint main(void)\n{\n    board_init();\n    return 7;\n}\n'
    )
    proc = pio(
        "run", "-e", "qemu_m3", "-t", "upload",
        env={"PLATFORMIO_SRC_DIR": str(src), "PLATFORMIO_BUILD_DIR": str(tmp_path / "build")},
    )
    assert proc.returncode != 0, proc.output
    assert "exited with status 7" in proc.output


def test_upload_on_build_only_board_explains(build_root):
    proc = pio("run", "-e", "py32f003", "-t", "upload", env={"PLATFORMIO_BUILD_DIR": str(build_root)})
    assert proc.returncode != 0
    assert "no programmer is configured for board 'py32f003'" in proc.output
    assert "pyOCD" in proc.output and "qemu_m0" in proc.output


def test_pio_test_passes_on_emulated_target(tmp_path):
    proc = pio("test", "-e", "qemu_m0", env={"PLATFORMIO_BUILD_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.output
    assert re.search(r"qemu_m0\s+test_status\s+PASSED", proc.output), proc.output
    assert re.search(r"(\d+) test cases: \1 succeeded", proc.output), proc.output


def test_pio_test_reports_a_failing_check(tmp_path):
    test_dir = tmp_path / "target"
    (test_dir / "test_fails").mkdir(parents=True)
    shutil.copy(REPO / "tests" / "target" / "test_custom_runner.py", test_dir)
    (test_dir / "test_fails" / "test_main.c").write_text(
        '#include "board.h"\n#include "console.h"\n'
        "int main(void)\n{\n    board_init();\n"
        '    console_puts("test_main.c:5:always_ok:PASS\\n");\n'
        '    console_puts("test_main.c:6:one_is_two:FAIL: 1 != 2\\n");\n'
        "    return 1;\n}\n"
    )
    proc = pio(
        "test", "-e", "qemu_m0",
        env={"PLATFORMIO_TEST_DIR": str(test_dir), "PLATFORMIO_BUILD_DIR": str(tmp_path / "b")},
    )
    assert proc.returncode != 0, proc.output
    assert re.search(r"one_is_two.*\[FAILED\]", proc.output), proc.output
    assert "1 != 2" in proc.output


def test_oversized_image_fails_naming_the_overflow(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    limit = boards.load("py32f003").flash_bytes
    (src / "main.c").write_text(
        "#include <stdint.h>\n"
        '#include "board.h"\n'
        f"static const uint8_t big[{limit + 1000}] = {{1u}};\n"
        "int main(void)\n{\n"
        "    volatile const uint8_t *p = big;\n"
        "    board_init();\n"
        f"    return p[{limit}];\n"
        "}\n"
    )
    proc = pio(
        "run", "-e", "py32f003",
        env={"PLATFORMIO_SRC_DIR": str(src), "PLATFORMIO_BUILD_DIR": str(tmp_path / "build")},
    )
    assert proc.returncode != 0
    match = re.search(r"overflowed by (\d+) bytes", proc.output)
    assert match, proc.output
    assert int(match.group(1)) >= 1000


def test_size_check_uses_board_limits(tmp_path):
    """An image that fits the linker script but not upload.maximum_size /
    maximum_ram_size fails, saying by how much."""
    ini = tmp_path / "platformio.ini"
    ini.write_text(
        "[platformio]\nsrc_dir = apps/hello/src\n"
        f"build_dir = {tmp_path / 'build'}\nboards_dir = boards\n"
        "[env:tiny]\nplatform = symlink://${PROJECT_DIR}/platform/emml\nboard = qemu_m0\n"
        "lib_deps = symlink://${PROJECT_DIR}/lib/emml\n"
        "board_upload.maximum_size = 1000\nboard_upload.maximum_ram_size = 100\n"
    )
    proc = pio("run", "-d", str(REPO), "-c", str(ini))
    assert proc.returncode != 0
    flash = re.search(r"flash: (\d+) bytes used of 1000, overflowed by (\d+) bytes", proc.output)
    ram = re.search(r"RAM: (\d+) bytes used of 100, overflowed by (\d+) bytes", proc.output)
    assert flash and ram, proc.output
    assert int(flash.group(1)) - 1000 == int(flash.group(2))
    assert int(ram.group(1)) - 100 == int(ram.group(2))


def test_offline_preparation_is_idempotent():
    from platformio.package.manager.core import get_core_package_dir

    script = [sys.executable, str(REPO / "scripts" / "pio_offline.py")]
    scons_dir = Path(get_core_package_dir("tool-scons", auto_install=False))
    toolchains = REPO / ".pio" / "toolchains"

    def snapshot():
        files = [scons_dir / ".piopm", scons_dir / "package.json", scons_dir / "scons.py"]
        files += sorted(toolchains.glob("*/package.json"))
        return {str(f): (f.stat().st_mtime_ns, f.read_bytes()) for f in files}

    before = snapshot()
    proc = subprocess.run(script, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert snapshot() == before  # nothing rewritten
    check = subprocess.run([*script, "--check"], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout
    # the pre-filled tool-scons carries the version PlatformIO itself asks for
    from platformio.dependencies import get_core_dependencies
    import semantic_version

    meta = json.loads((scons_dir / ".piopm").read_text())
    spec = semantic_version.SimpleSpec(get_core_dependencies()["tool-scons"])
    assert semantic_version.Version(meta["version"]) in spec
    for name in ("toolchain-gccarmnoneeabi", "toolchain-riscv-emml"):
        assert json.loads((toolchains / name / "package.json").read_text())["name"] == name


def test_offline_preparation_fills_an_empty_core_dir(tmp_path):
    """On a fresh PLATFORMIO_CORE_DIR the script writes a tool-scons that
    PlatformIO accepts, and a second run leaves it alone."""
    env = dict(os.environ, PLATFORMIO_CORE_DIR=str(tmp_path / "core"))
    script = [sys.executable, str(REPO / "scripts" / "pio_offline.py")]
    first = subprocess.run(script, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "tool-scons" in first.stdout and "->" in first.stdout
    check = subprocess.run([*script, "--check"], env=env, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout
    assert "present" in check.stdout
    scons = tmp_path / "core" / "packages" / "tool-scons" / "scons.py"
    version = subprocess.run(
        [sys.executable, str(scons), "--version"], capture_output=True, text=True, timeout=60
    )
    assert "SCons" in version.stdout, version.stdout + version.stderr
