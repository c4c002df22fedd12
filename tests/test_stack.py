"""Worst-case stack (emml.stack, `emml stack`): the analysis is right on
known code, refuses what it cannot bound, agrees with the stack QEMU
measures, and every app fits the stack every board reserves for it.

Apps are found automatically: every apps/<app>/ with a src/ folder, built
as its platformio.ini says (model C regenerated with emml.prebuild when it
names custom_emml_app, its build_flags' -D and -Wl options, the
EMML_BOARD_<BOARD> define the pre-build script adds), on every board; and
the test firmware under tests/firmware/*_app on the emulated boards, with
the model each of their tests generates made here the same way."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from emml import boards, firmware, stack
from emml.cli import main as cli
from emml.paths import repo_root

APPS = sorted(p.parent.name for p in (repo_root() / "apps").glob("*/src") if p.is_dir())
ALL_BOARDS = boards.names()
EMULATED = [b for b in ALL_BOARDS if boards.load(b).runs_in_emulator]


def _need_cross(board: str, need_tool) -> None:
    need_tool(boards.load(board).toolchain_prefix + "gcc")


def _build(board, sources, include_dirs=(), defines=(), ldflags=(), name="fw"):
    return firmware.build(board, sources, include_dirs=include_dirs, defines=defines, ldflags=ldflags,
                          extra_cflags=("-fstack-usage",), name=name)


def _report(image, board):
    return stack.analyse(image.elf, board, stack.su_files_of(image.elf))


# ---- the analysis itself --------------------------------------------------------

KNOWN = r"""
#include <stdint.h>
#include "board.h"
volatile uint8_t sink;
__attribute__((noinline)) static void leaf(volatile uint8_t *p) { p[0] = 1; sink = p[0]; }
__attribute__((noinline)) static void inner(void) { volatile uint8_t b[100]; leaf(b); sink = b[5]; }
__attribute__((noinline)) static void outer(void) { volatile uint8_t a[200]; inner(); sink = a[7]; }
int main(void) { board_init(); outer(); return 0; }
"""


@pytest.mark.parametrize("board", ["qemu_m0", "qemu_rv32e"])
def test_worst_case_is_the_sum_of_the_frames_on_the_deepest_path(board, tmp_path, need_tool):
    _need_cross(board, need_tool)
    (tmp_path / "main.c").write_text(KNOWN)
    r = _report(_build(board, [tmp_path / "main.c"], name="known"), board)
    path = r.main_path
    assert path[path.index("main"):path.index("main") + 4] == ["main", "outer", "inner", "leaf"]
    frames = {n: r.functions[n].frame for n in ("outer", "inner")}
    assert frames["outer"] >= 200 and frames["inner"] >= 100
    assert r.functions["outer"].frame_source == "su"
    assert r.main_bytes == sum(r.functions[n].frame for n in path)
    assert r.worst_bytes >= 300


UNBOUNDED = {
    "recursion": ("static int f(int n) { volatile int a[4]; a[0] = n; return n <= 0 ? a[0] : f(n - 1) * 3 + f(n - 2); }\n"
                  "int main(void) { board_init(); return f((int)board_read_byte()); }\n", "recursion"),
    "pointer": ("static int one(void) { return 1; }\nstatic int two(void) { return 2; }\n"
                "int main(void) { int (*volatile g)(void) = board_read_byte() ? one : two; board_init(); "
                "return g(); }\n", "function pointer"),
    "vla": ("static int f(int n) { volatile char a[n]; a[0] = 1; return a[0]; }\n"
            "int main(void) { board_init(); return f(board_read_byte() + 1); }\n", "unbounded"),
}


@pytest.mark.parametrize("case", UNBOUNDED)
def test_code_without_a_static_bound_is_refused(case, tmp_path, need_tool):
    _need_cross("qemu_m0", need_tool)
    source, message = UNBOUNDED[case]
    (tmp_path / "main.c").write_text('#include "board.h"\n' + source)
    image = firmware.build("qemu_m0", [tmp_path / "main.c"], name=case,
                           extra_cflags=("-fstack-usage", "-fno-inline", "-Wno-vla"))
    with pytest.raises(stack.StackError, match=message):
        _report(image, "qemu_m0")


def test_declared_indirect_calls_are_counted(tmp_path, need_tool):
    _need_cross("qemu_m0", need_tool)
    source, _ = UNBOUNDED["pointer"]
    big = source.replace("static int two(void) { return 2; }",
                         "static int two(void) { volatile char b[300]; b[0] = 2; return b[0]; }")
    (tmp_path / "main.c").write_text('#include "board.h"\n' + big)
    image = firmware.build("qemu_m0", [tmp_path / "main.c"], name="pointer_ok",
                           extra_cflags=("-fstack-usage", "-fno-inline"))
    r = stack.analyse(image.elf, "qemu_m0", stack.su_files_of(image.elf), indirect={"main": ["one", "two"]})
    assert "two" in r.main_path and r.main_bytes >= 300


@pytest.mark.firmware
def test_static_bound_covers_what_qemu_measures(need_tool):
    """apps/hello reports the stack it used (painted-stack high water mark)."""
    from emml.dut import QemuDut

    board = "qemu_m0"
    _need_cross(board, need_tool)
    need_tool(boards.load(board).qemu[0])
    src = repo_root() / "apps" / "hello" / "src"
    image = _build(board, sorted(src.glob("*.c")), include_dirs=[src], name="hello")
    r = _report(image, board)
    with QemuDut(board, image.elf) as dut:
        dut.write_line("some input")
        dut.write_line("end")
        m = dut.expect(r"stack used=(\d+) of (\d+)\r?\n")
        dut.wait_exit()
    used, reserved = int(m.group(1)), int(m.group(2))
    assert reserved == r.budget_bytes
    assert 0 < used <= r.worst_bytes, f"measured {used} B > static bound {r.worst_bytes} B: the analysis missed a path"


def test_cli_reports_and_fails_over_budget(tmp_path, capsys, need_tool):
    _need_cross("qemu_m0", need_tool)
    (tmp_path / "main.c").write_text(KNOWN)
    image = _build("qemu_m0", [tmp_path / "main.c"], name="known_cli")
    assert cli(["stack", str(image.elf), "--board", "qemu_m0"]) == 0
    out = capsys.readouterr().out
    assert "worst-case stack" in out and "outer" in out
    small = _build("qemu_m0", [tmp_path / "main.c"], ldflags=["-Wl,--defsym=__stack_size=256"], name="known_small")
    assert cli(["stack", str(small.elf), "--board", "qemu_m0"]) == 1
    assert "OVERFLOWS by" in capsys.readouterr().out
    assert cli(["stack", str(tmp_path / "missing.elf"), "--board", "qemu_m0"]) == 2
    assert "no such ELF file" in capsys.readouterr().err


# ---- every app against every board's budget ------------------------------------------

def _pio_env(app_dir: Path, board: str) -> dict[str, str]:
    ini = app_dir / "platformio.ini"
    if not ini.is_file():
        return {}
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    cp.read(ini)
    merged = dict(cp["env"]) if cp.has_section("env") else {}
    if cp.has_section(f"env:{board}"):
        merged.update(cp[f"env:{board}"])
    return merged


def app_inputs(app: str, board: str, out_dir: Path) -> dict:
    """Sources, include folders, defines and link flags of app for board, as
    its PlatformIO build has them."""
    app_dir = repo_root() / "apps" / app
    env = _pio_env(app_dir, board)
    sources = sorted((app_dir / "src").glob("*.c"))
    includes = [app_dir / "src"]
    defines = [f"EMML_BOARD_{board.upper()}"]
    ldflags = []
    for flag in shlex.split(env.get("build_flags", "")):
        if "${" in flag:
            continue
        if flag.startswith("-D"):
            defines.append(flag[2:])
        elif flag.startswith("-Wl,"):
            ldflags.append(flag)
    if env.get("custom_emml_app"):
        from emml import prebuild

        artifact = app_dir / env.get("custom_emml_artifact", "")
        gen = out_dir / f"emml_{app}_{board}"
        made = prebuild.regenerate(env["custom_emml_app"], artifact, gen)
        sources += sorted(p for p in made.files if p.suffix == ".c") or sorted(gen.glob("*.c"))
        includes.append(gen)
    return {"sources": sources, "include_dirs": includes, "defines": defines, "ldflags": ldflags}


def _check(image, board, what):
    r = _report(image, board)
    print(stack.format_report(r))
    assert r.budget_bytes, f"{what}: the {board} image reserves no stack region"
    assert r.fits, (f"{what} on {board}: worst-case stack {r.worst_bytes} B exceeds the {r.budget_bytes} B reserved "
                    f"by {-r.margin_bytes} B\n{stack.format_report(r)}")
    return r


@pytest.mark.firmware
@pytest.mark.parametrize("board", ALL_BOARDS)
@pytest.mark.parametrize("app", APPS)
def test_app_stack_fits_the_board(app, board, tmp_path, need_tool):
    _need_cross(board, need_tool)
    inputs = app_inputs(app, board, tmp_path)
    try:
        image = _build(board, name=app, **inputs)
    except firmware.FirmwareBuildError as e:
        if re.search(r"region .* overflowed|will not fit in region", str(e)):
            pytest.skip(f"apps/{app} does not fit {board} at all (its size tests say so): no stack to check")
        raise
    _check(image, board, f"apps/{app}")


def _trees_app(d: Path) -> list[Path]:
    from sklearn.datasets import load_digits
    from sklearn.ensemble import RandomForestClassifier

    import emml

    X, y = load_digits(return_X_y=True)
    est = RandomForestClassifier(n_estimators=6, max_depth=7, random_state=0).fit(X[:1200], y[:1200])
    emml.convert(est).save(d, "tree_model")
    return [d / "tree_model.c"]


def _blob_app(d: Path) -> list[Path]:
    from sklearn.datasets import load_digits
    from sklearn.ensemble import RandomForestClassifier

    from emml import blob

    X, y = load_digits(return_X_y=True)
    est = RandomForestClassifier(n_estimators=3, max_depth=5, random_state=0).fit(X[:1200], y[:1200])
    for name, text in blob.c_sources(blob.encode(est), "blob_flash").items():
        (d / name).write_text(text)
    return [d / "blob_flash.c"]


#: test firmware whose test generates a model: how to make one like it (the
#: classical, dsp and nn apps take generated test vectors as well: not yet here)
TEST_APPS = {"trees_app": _trees_app, "blob_app": _blob_app}


@pytest.mark.firmware
@pytest.mark.parametrize("board", EMULATED)
@pytest.mark.parametrize("app", sorted(TEST_APPS))
def test_test_firmware_stack_fits(app, board, tmp_path, need_tool):
    _need_cross(board, need_tool)
    src = repo_root() / "tests" / "firmware" / app
    extra = TEST_APPS[app](tmp_path)
    image = _build(board, sorted(src.glob("*.c")) + extra, include_dirs=[src, tmp_path], name=app)
    _check(image, board, f"tests/firmware/{app}")
