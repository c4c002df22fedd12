"""Host C unit tests for lib/emml: every tests/host/test_*.c is compiled with
lib/emml and the host port (tests/host/port_host.c) under ASan + UBSan, run,
and must exit 0 with no sanitizer report and a final 'N passed, 0 failed'."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from emml.host import SANITIZE_CFLAGS, compile_c

HOST_DIR = Path(__file__).resolve().parent / "host"
TESTS = sorted(HOST_DIR.glob("test_*.c"))
SANITIZER_MARKERS = ("runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "SUMMARY: ")


@functools.lru_cache(maxsize=None)
def _sanitizer_problem(cc: str) -> str | None:
    """Why cc cannot build a sanitized program here, or None when it can."""
    if shutil.which(cc) is None:
        return f"{cc} is not installed"
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "probe.c"
        src.write_text("int main(void) { return 0; }\n")
        proc = subprocess.run([cc, *SANITIZE_CFLAGS, str(src), "-o", str(Path(d) / "probe")],
                              capture_output=True, text=True)
    if proc.returncode != 0:
        return f"{cc} cannot link ASan/UBSan programs here (sanitizer runtime missing): " + (
            proc.stderr.strip().splitlines() or ["?"])[0]
    return None


def test_there_are_host_tests():
    assert TESTS


@pytest.mark.parametrize("cc", ["gcc", "clang"])
@pytest.mark.parametrize("source", TESTS, ids=[p.stem for p in TESTS])
def test_host_c(source: Path, cc: str):
    problem = _sanitizer_problem(cc)
    if problem:
        if cc == "gcc":
            pytest.fail(problem)  # gcc is the reference: its sanitizers must work
        pytest.skip(problem)
    exe = compile_c(
        [source, HOST_DIR / "port_host.c"],
        output_name=f"{source.stem}_{cc}",
        shared=False,
        include_dirs=[HOST_DIR],
        sanitize=True,
        cc=cc,
    )
    env = dict(os.environ, ASAN_OPTIONS="abort_on_error=0:halt_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60, env=env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert not any(m in output for m in SANITIZER_MARKERS), output
    last = proc.stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"(\d+) passed, 0 failed", last)
    assert match and int(match.group(1)) > 0, output


def test_check_helper_reports_failures(tmp_path):
    """A failing CHECK prints file:line and makes the program exit non-zero."""
    src = tmp_path / "test_failing.c"
    src.write_text('#include "emml_test.h"\nint main(void) {\n  CHECK(1 == 1);\n  CHECK_EQ_INT(2 + 2, 5);\n'
                   '  CHECK_EQ_STR("a", "b");\n  return EMML_TEST_SUMMARY();\n}\n')
    exe = compile_c([src], output_name="test_failing", shared=False, include_dirs=[HOST_DIR],
                    with_runtime=False, sanitize=True)
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "test_failing.c:4: check failed: 2 + 2 == 5" in proc.stdout
    assert "actual 4, expected 5" in proc.stdout
    assert "test_failing.c:5: check failed" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "1 passed, 2 failed"
