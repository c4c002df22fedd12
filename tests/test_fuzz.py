"""Short fuzz runs of the C runtime in CI, and replays of every seed and
regression input under gcc's sanitizers and Valgrind.

libFuzzer (clang, ASan + UBSan) mutates from the committed seed corpus of
each harness in tests/fuzz/ for a fixed number of executions (fixed seed:
the same inputs every run) and the test fails on any crash, sanitizer
report, leak or per-input timeout (an endless loop). Longer runs:
`python tests/fuzz/run_fuzz.py`. Inputs that once crashed live in
tests/fuzz/regressions/<harness>/ and are replayed every time."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

FUZZ_DIR = Path(__file__).resolve().parent / "fuzz"
_spec = importlib.util.spec_from_file_location("emml_fuzzing", FUZZ_DIR / "fuzzing.py")
fuzzing = importlib.util.module_from_spec(_spec)
sys.modules["emml_fuzzing"] = fuzzing
_spec.loader.exec_module(fuzzing)

HARNESSES = list(fuzzing.HARNESSES)
CI_RUNS = 20000  # per harness: a few seconds each on one core


@pytest.fixture(scope="module")
def bin_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz_bin")


def test_every_harness_has_seeds():
    for name in HARNESSES:
        assert (FUZZ_DIR / f"fuzz_{name}.c").is_file()
        assert fuzzing.inputs(name), f"tests/fuzz/corpus/{name}/ is empty"


@pytest.mark.parametrize("harness", HARNESSES)
def test_short_fuzz_run_finds_no_crash(harness, bin_dir, tmp_path):
    problem = fuzzing.libfuzzer_problem()
    if problem:
        pytest.skip(problem)
    exe = fuzzing.build(harness, bin_dir)
    result = fuzzing.fuzz(exe, harness, tmp_path, runs=CI_RUNS)
    assert result.crashes == 0, f"{harness}: crash inputs {result.artifacts}\n{result.output[-6000:]}"
    assert result.executions >= CI_RUNS, result.output[-3000:]


@pytest.mark.parametrize("harness", HARNESSES)
def test_seeds_and_regressions_replay_clean_under_gcc_sanitizers(harness, bin_dir):
    exe = fuzzing.build(harness, bin_dir, mode="standalone", cc="gcc")
    files = fuzzing.inputs(harness)
    proc = fuzzing.replay(exe, files)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "runtime error" not in output, output[-6000:]
    assert f"{len(files)} inputs" in proc.stdout


@pytest.mark.parametrize("harness", HARNESSES)
def test_seeds_and_regressions_replay_clean_under_valgrind(harness, bin_dir):
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed (scripts/setup.sh installs it)")
    exe = fuzzing.build(harness, bin_dir, mode="standalone", cc="gcc", sanitize=False)
    files = fuzzing.inputs(harness)
    proc = fuzzing.replay(exe, files, wrapper=["valgrind", "--error-exitcode=99", "--leak-check=full",
                                               "--errors-for-leak-kinds=definite", "-q"])
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    assert f"{len(files)} inputs" in proc.stdout


def test_a_crashing_harness_is_reported(bin_dir, tmp_path):
    """The runner must notice a crash: a harness with a planted out-of-bounds
    read fails within a few executions."""
    problem = fuzzing.libfuzzer_problem()
    if problem:
        pytest.skip(problem)
    bad = tmp_path / "fuzz_planted.c"
    bad.write_text("#include <stdint.h>\n#include <stddef.h>\n#include <stdlib.h>\n#include <string.h>\n"
                   "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\n"
                   "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {\n"
                   "    uint8_t *c = malloc(n + 1); int r; memcpy(c, d, n);\n"
                   "    r = n >= 2 && d[0] == 'E' ? c[n + 1] : 0;  /* one past the end */\n"
                   "    free(c); return r; }\n")
    exe = tmp_path / "planted"
    import subprocess

    subprocess.run(["clang", "-fsanitize=fuzzer,address", str(bad), "-o", str(exe)], check=True)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a").write_bytes(b"EM")
    result = fuzzing.fuzz(exe, "planted", tmp_path / "work", runs=1000, corpus=seeds)
    assert result.crashes >= 1
    assert result.artifacts and result.artifacts[0].name.startswith("crash-")
