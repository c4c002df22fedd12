"""Build and run the libFuzzer harnesses of tests/fuzz/ (used by
tests/test_fuzz.py for the short CI run and by run_fuzz.py for long runs).

Each harness is a C file defining LLVMFuzzerTestOneInput, linked with the
lib/emml sources it exercises. Two builds:
  libFuzzer   clang -fsanitize=fuzzer,address,undefined: coverage-guided
              mutation from the seed corpus (tests/fuzz/corpus/<harness>/)
  standalone  any compiler, standalone_main.c instead of libFuzzer: replays
              files (seeds, regressions) under gcc's sanitizers or Valgrind
A run counts as a crash when the harness dies (sanitizer report, abort,
signal), runs out of memory, or spends longer than the per-input timeout on
one input (an endless loop).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
RUNTIME = REPO / "lib" / "emml"
CORPUS = HERE / "corpus"
REGRESSIONS = HERE / "regressions"

#: harness -> the lib/emml sources it links (only those: a half-edited module
#: elsewhere in the runtime must not stop the fuzzing of this one)
HARNESSES: dict[str, tuple[str, ...]] = {
    "blob": ("blob.c", "mathf.c", "status.c"),
    "framer": ("framer.c",),
    "features": ("features.c", "fft.c", "fixed.c", "iir.c", "mel.c", "window.c", "mathf.c", "status.c"),
}

SANITIZE = ("-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g")
PER_INPUT_TIMEOUT_S = 10


class FuzzBuildError(RuntimeError):
    pass


@dataclass
class FuzzResult:
    harness: str
    executions: int
    crashes: int
    seconds: float
    artifacts: list[Path] = field(default_factory=list)
    output: str = ""


def libfuzzer_problem(cc: str = "clang") -> str | None:
    """Why cc cannot build libFuzzer harnesses here, or None when it can."""
    if shutil.which(cc) is None:
        return f"{cc} is not installed (scripts/setup.sh installs clang and libclang-rt-14-dev)"
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "probe.c"
        src.write_text("#include <stddef.h>\n#include <stdint.h>\n"
                       "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\n"
                       "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
        proc = subprocess.run([cc, "-fsanitize=fuzzer,address,undefined", str(src), "-o", str(Path(d) / "probe")],
                              capture_output=True, text=True)
    if proc.returncode != 0:
        return f"{cc} cannot link -fsanitize=fuzzer here: " + (proc.stderr.strip().splitlines() or ["?"])[0]
    return None


def build(harness: str, out_dir: Path, mode: str = "libfuzzer", cc: str = "clang", sanitize: bool = True) -> Path:
    """Compile harness into out_dir; mode "libfuzzer" or "standalone"."""
    sources = [HERE / f"fuzz_{harness}.c", *(RUNTIME / "src" / s for s in HARNESSES[harness])]
    flags = ["-std=c99", "-O1", "-g", f"-I{RUNTIME / 'include'}", f"-I{HERE}"]
    if mode == "libfuzzer":
        flags += ["-fsanitize=fuzzer", *SANITIZE]
    elif mode == "standalone":
        sources.append(HERE / "standalone_main.c")
        if sanitize:
            flags += list(SANITIZE)
    else:
        raise ValueError(f"mode {mode!r}: use 'libfuzzer' or 'standalone'")
    out_dir.mkdir(parents=True, exist_ok=True)
    exe = out_dir / f"fuzz_{harness}_{mode}_{Path(cc).name}{'_san' if sanitize else ''}"
    cmd = [cc, *flags, *map(str, sources), "-o", str(exe), "-lm"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise FuzzBuildError(f"$ {' '.join(cmd)}\n{proc.stderr}")
    return exe


def sanitizer_env() -> dict[str, str]:
    return dict(os.environ, ASAN_OPTIONS="abort_on_error=0:halt_on_error=1:detect_leaks=1",
                UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")


def fuzz(exe: Path, harness: str, workdir: Path, *, runs: int | None = None, seconds: int | None = None,
         corpus: Path | None = None) -> FuzzResult:
    """Mutate from the seed corpus for `runs` executions or `seconds`.
    The committed corpus is copied, never written to."""
    work_corpus = workdir / "corpus"
    shutil.copytree(corpus or CORPUS / harness, work_corpus, dirs_exist_ok=True)
    artifacts = workdir / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    args = [str(exe), str(work_corpus), f"-artifact_prefix={artifacts}/", f"-timeout={PER_INPUT_TIMEOUT_S}",
            "-rss_limit_mb=2048", "-print_final_stats=1", "-seed=1" if runs else "-seed=0"]
    if runs is not None:
        args.append(f"-runs={runs}")
    if seconds is not None:
        args.append(f"-max_total_time={seconds}")
    proc = subprocess.run(args, capture_output=True, text=True, env=sanitizer_env(),
                          timeout=(seconds or 600) + 120)
    output = proc.stdout + proc.stderr
    executions = int(m.group(1)) if (m := re.search(r"stat::number_of_executed_units:\s*(\d+)", output)) else 0
    elapsed = int(m.group(1)) if (m := re.search(r"Done \d+ runs in (\d+) second", output)) else seconds or 0
    found = sorted(p for p in artifacts.iterdir() if p.name.startswith(("crash-", "leak-", "timeout-", "oom-")))
    crashes = len(found) if found else (1 if proc.returncode != 0 else 0)
    return FuzzResult(harness, executions, crashes, float(elapsed), found, output)


def replay(exe: Path, files: list[Path], wrapper: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run a standalone build (optionally under a wrapper such as valgrind) on files."""
    cmd = [*(wrapper or []), str(exe), *map(str, files)]
    return subprocess.run(cmd, capture_output=True, text=True, env=sanitizer_env(), timeout=600)


def inputs(harness: str) -> list[Path]:
    """Seeds and regression inputs of a harness."""
    files = sorted((CORPUS / harness).glob("*"))
    if (REGRESSIONS / harness).is_dir():
        files += sorted((REGRESSIONS / harness).glob("*"))
    return [f for f in files if f.is_file()]
