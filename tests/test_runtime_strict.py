"""lib/emml builds warning-free with the project's strict flags
(emml.host.STRICT_CFLAGS: -std=c99 -Wall -Wextra -Wconversion -Wcast-qual
-Wundef -pedantic -Werror) on every compiler it targets: host gcc and clang,
arm-none-eabi-gcc (Cortex-M0+) and riscv64-unknown-elf-gcc (RV32EC). Every .c
file under lib/emml/src and a translation unit that includes every public
header twice are compiled (-c); new files are picked up automatically. The
C that every converter family generates compiles with the same flags on the
same compilers. A deliberately bad snippet must be rejected by the same
flags, so the check cannot pass vacuously.

cppcheck and clang-tidy find nothing in lib/emml beyond the commented list
in tests/static_analysis/suppressions.txt (and every entry there still
matches a finding)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from emml import boards
from emml.host import STRICT_CFLAGS
from emml.paths import runtime_dir

INCLUDE = runtime_dir() / "include"
SOURCES = sorted((runtime_dir() / "src").rglob("*.c"))
HEADERS = sorted(INCLUDE.rglob("*.h"))

COMPILERS = {
    "gcc": ("gcc", ()),
    "clang": ("clang", ()),
    "arm-none-eabi-gcc": ("arm-none-eabi-gcc", boards.load("py32f003").cflags),
    "riscv64-unknown-elf-gcc": ("riscv64-unknown-elf-gcc", boards.load("ch32v003").cflags),
}
CONFIGS = {
    "defaults": (),
    "options-flipped": ("-DEMML_LOG_ENABLE=1", "-DEMML_STATUS_STRINGS=0", "-DEMML_FLOAT_ENABLE=0"),
}


def _compiler(name: str) -> tuple[str, tuple[str, ...]]:
    cc, flags = COMPILERS[name]
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} is not installed")
    return cc, tuple(flags)


def _compile(cc: str, flags, sources, cwd: Path, extra=()) -> subprocess.CompletedProcess:
    cmd = [cc, *flags, *STRICT_CFLAGS, "-O2", *extra, f"-I{INCLUDE}", "-c", *map(str, sources)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)


def _all_headers_tu(path: Path) -> Path:
    includes = "".join(f'#include "{h.relative_to(INCLUDE).as_posix()}"\n' for h in HEADERS)
    path.write_text(
        "/* every public header, twice: include guards and no definitions in headers */\n"
        + includes + includes + "int emml_all_headers_tu(void);\nint emml_all_headers_tu(void) { return 0; }\n"
    )
    return path


def test_the_runtime_has_sources_and_headers():
    assert SOURCES and HEADERS
    assert INCLUDE / "emml" / "emml.h" in HEADERS


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("compiler", COMPILERS)
def test_runtime_compiles_strict(compiler, config, tmp_path):
    cc, flags = _compiler(compiler)
    tu = _all_headers_tu(tmp_path / "all_headers.c")
    proc = _compile(cc, flags, [*SOURCES, tu], tmp_path, CONFIGS[config])
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    assert len(list(tmp_path.glob("*.o"))) == len(SOURCES) + 1


@pytest.mark.parametrize("cxx", ["g++", "clang++"])
def test_headers_compile_as_cpp(cxx, tmp_path):
    if shutil.which(cxx) is None:
        pytest.skip(f"{cxx} is not installed")
    tu = _all_headers_tu(tmp_path / "all_headers.cpp")
    cmd = [cxx, "-std=c++11", "-Wall", "-Wextra", "-pedantic", "-Werror", f"-I{INCLUDE}", "-c", str(tu)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


BAD_SNIPPETS = {
    "narrowing": "unsigned char f(int x) { return x; }\n",  # -Wconversion
    "unused-parameter": "int f(int x, int y) { return x; }\n",  # -Wextra
    "gnu-extension": "int f(int x) { return ({ int y = x; y; }); }\n",  # -pedantic
    "implicit-declaration": "int f(void) { return g(); }\n",  # -std=c99 -Wall
    "cast-away-const": "char *f(const char *p) { return (char *)p; }\n",  # -Wcast-qual
    "undefined-macro-in-if": "#if EMML_NO_SUCH_OPTION\nint g(void);\n#endif\nint f(void) { return 0; }\n",  # -Wundef
}


@pytest.mark.parametrize("snippet", BAD_SNIPPETS)
@pytest.mark.parametrize("compiler", COMPILERS)
def test_strict_flags_reject_bad_code(compiler, snippet, tmp_path):
    cc, flags = _compiler(compiler)
    src = tmp_path / "bad.c"
    src.write_text(BAD_SNIPPETS[snippet])
    proc = _compile(cc, flags, [src], tmp_path)
    assert proc.returncode != 0, f"{cc} accepted {snippet} with the strict flags"
    # ...and it is the flag set that rejects it (except the always-invalid one).
    if snippet != "implicit-declaration":
        lax = subprocess.run([cc, *flags, "-c", str(src)], capture_output=True, text=True, cwd=tmp_path)
        assert lax.returncode == 0, lax.stderr


# ---- generated C of every converter family --------------------------------------

@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    """One small model of each converter family (and the DSP generators),
    saved as C: name -> the generated .c file."""
    import numpy as np
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.mixture import GaussianMixture
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC

    import emml
    from emml.dsp import HarConfig, LogMelConfig

    X, y = make_classification(150, 6, n_informative=4, n_redundant=0, n_classes=3, random_state=0)
    X = X.astype(np.float32)
    forest = RandomForestClassifier(3, max_depth=4, random_state=0).fit(X, y)
    cases = {
        "trees_bytes": (forest, {}),
        "trees_packed": (forest, {"method": "table", "layout": "packed"}),
        "trees_inline": (GradientBoostingClassifier(n_estimators=3, random_state=0).fit(X, y), {"method": "inline"}),
        "trees_int8": (forest, {"dtype": "int8", "X_calibration": X}),
        "logistic": (LogisticRegression(max_iter=300).fit(X, y), {}),
        "logistic_int8": (LogisticRegression(max_iter=300).fit(X, y), {"dtype": "int8", "X_calibration": X}),
        "linear_regression": (LinearRegression().fit(X, X[:, 0]), {}),
        "svm": (SVC().fit(X, y), {}),
        "naive_bayes": (GaussianNB().fit(X, y), {}),
        "neighbors": (KNeighborsClassifier(3).fit(X, y), {}),
        "mixture": (GaussianMixture(2, random_state=0).fit(X), {}),
        "mlp": (MLPClassifier((6,), max_iter=50, random_state=0).fit(X, y), {}),
    }
    out: dict[str, Path] = {}
    for name, (est, options) in cases.items():
        d = tmp_path_factory.mktemp(name)
        emml.convert(est, **options).save(d, "model")
        out[name] = d / "model.c"
    d = tmp_path_factory.mktemp("dsp")
    LogMelConfig(sample_rate=8000, n_fft=256, hop_length=128, n_mels=20).write_c("logmel", d)
    HarConfig().write_c("har", d)
    out["dsp_logmel"] = d / "logmel.c"
    out["dsp_har"] = d / "har.c"
    return out


@pytest.mark.parametrize("compiler", COMPILERS)
def test_generated_code_of_every_family_compiles_strict(compiler, generated, tmp_path):
    cc, flags = _compiler(compiler)
    failures = []
    for name, source in generated.items():
        proc = _compile(cc, flags, [source], tmp_path, (f"-I{source.parent}",))
        if proc.returncode != 0 or proc.stderr.strip():
            failures.append(f"{name}:\n{proc.stderr}")
    assert not failures, "\n".join(failures)


# ---- static analysis ---------------------------------------------------------------

SUPPRESSIONS = Path(__file__).resolve().parent / "static_analysis" / "suppressions.txt"
CLANG_TIDY_CHECKS = ",".join([
    "-*", "clang-analyzer-*", "bugprone-*", "cert-*", "portability-*", "misc-redundant-expression",
    # size_t is 32 bits on every target: widening a 32-bit product cannot change it there
    "-bugprone-implicit-widening-of-multiplication-result",
    # int8 tensors are signed char on purpose (TFLM's int8 quantization)
    "-bugprone-signed-char-misuse", "-cert-str34-c",
    # many numeric kernels take (x, n, y, m): a naming style, not a defect
    "-bugprone-easily-swappable-parameters",
])


def _suppressions(tool: str) -> list[tuple[str, str]]:
    """(check id, file name or *) pairs of tool's accepted findings."""
    entries = []
    for line in SUPPRESSIONS.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, _, reason = line.partition(" -- ")
        parts = head.split()
        assert len(parts) == 3 and reason.strip(), f"suppression needs '<tool> <id> <file> -- <reason>': {line}"
        if parts[0] == tool:
            entries.append((parts[1], parts[2]))
    return entries


def _unexplained(findings: list[tuple[str, str, str]], tool: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Findings (id, file, text) not covered by a suppression, and suppressions matching nothing."""
    entries = _suppressions(tool)
    used = set()
    left = []
    for check, path, text in findings:
        hit = [(c, f) for c, f in entries if c == check and (f == "*" or Path(path).name == f)]
        used.update(hit)
        if not hit:
            left.append(text)
    return left, [e for e in entries if e not in used]


def test_cppcheck_finds_nothing_unexplained():
    if shutil.which("cppcheck") is None:
        pytest.skip("cppcheck is not installed (scripts/setup.sh installs it)")
    proc = subprocess.run(
        ["cppcheck", "--std=c99", "--enable=warning,style,performance,portability", "--quiet",
         "--template={id}|{file}|{file}:{line}: {severity}: {message} [{id}]", f"-I{INCLUDE}",
         "--suppress=missingIncludeSystem", str(runtime_dir() / "src")],
        capture_output=True, text=True)
    findings = [tuple(ln.split("|", 2)) for ln in proc.stderr.splitlines() if ln.count("|") >= 2]
    left, stale = _unexplained(findings, "cppcheck")
    assert not left, "cppcheck findings (fix them, or justify in tests/static_analysis/suppressions.txt):\n" + \
        "\n".join(left)
    assert not stale, f"suppressions that match nothing any more (remove them): {stale}"


def test_clang_tidy_finds_nothing_unexplained():
    if shutil.which("clang-tidy") is None:
        pytest.skip("clang-tidy is not installed (scripts/setup.sh installs it)")
    from concurrent.futures import ThreadPoolExecutor

    def tidy(source: Path) -> str:  # one file per process: the analyzer is the slow part, use every core
        return subprocess.run(["clang-tidy", f"--checks={CLANG_TIDY_CHECKS}", "--quiet", str(source), "--",
                               "-std=c99", f"-I{INCLUDE}"], capture_output=True, text=True).stdout

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        output = "".join(pool.map(tidy, SOURCES))
    pattern = re.compile(r"^(\S+?):(\d+):\d+: (?:warning|error): .* \[([^\]]+)\]$")
    findings = []
    for line in output.splitlines():
        m = pattern.match(line)
        if m:
            for check in m.group(3).split(","):
                findings.append((check, m.group(1), line))
    left, stale = _unexplained(findings, "clang-tidy")
    assert not left, "clang-tidy findings (fix them, or justify in tests/static_analysis/suppressions.txt):\n" + \
        "\n".join(left)
    assert not stale, f"suppressions that match nothing any more (remove them): {stale}"
