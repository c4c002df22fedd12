"""The `emml` command line: commands, exit codes and one-line errors."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys

import pytest

import emml
from emml.cli import COMMANDS, main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"emml {emml.__version__}"


def test_python_m_emml_runs():
    proc = subprocess.run([sys.executable, "-m", "emml", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == f"emml {emml.__version__}"


def test_every_command_module_registers():
    for name in COMMANDS:
        assert callable(importlib.import_module(f"emml.commands.{name}").register)


def test_no_command_prints_help(capsys):
    code, _, err = run(capsys)
    assert code == 2 and "usage: emml" in err


def test_boards(capsys):
    code, out, _ = run(capsys, "boards")
    assert code == 0
    line = next(l for l in out.splitlines() if l.startswith("py32f003 "))
    assert "32 kB" in line and "4 kB" in line and "cortex-m0plus" in line
    assert "ch32v003" in out and "qemu_rv32e" in out


@pytest.fixture(scope="module")
def elves(cross_build, assets_dir):
    return {
        "loop": cross_build("arm", [assets_dir / "known_loop_arm.S"], "cli_loop"),
        "big": cross_build("arm", [assets_dir / "size_sample.c"], "cli_big",
                           ldscript=assets_dir / "size_stack.ld", defines=["BIG_TABLE=40000"]),
        "c": cross_build("arm", [assets_dir / "profile_c.c"], "cli_c", entry="weighted_sum", cflags=("-O2",)),
    }


def test_size_fits(capsys, elves):
    code, out, _ = run(capsys, "size", str(elves["loop"]), "--board", "py32f003")
    assert code == 0 and "fits" in out and "of 32,768 bytes" in out


def test_size_does_not_fit(capsys, elves):
    code, out, _ = run(capsys, "size", str(elves["big"]), "--board", "py32f003")
    assert code == 1
    assert "DOES NOT FIT" in out
    over = [l for l in out.splitlines() if "over by" in l]
    assert len(over) == 1 and over[0].strip().startswith("flash: ") and over[0].endswith(" bytes")


def test_size_without_board(capsys, elves):
    code, out, _ = run(capsys, "size", str(elves["big"]))
    assert code == 0 and ".text" in out and "flash 4" in out


def test_profile(capsys, elves):
    code, out, _ = run(capsys, "profile", str(elves["loop"]), "known_loop",
                       "--arg", "3", "--arg", "u32:1,2,3", "--arg", "zeros:12", "--board", "py32f003")
    assert code == 0
    assert "instructions  31\n" in out  # 8n + 7
    assert "cycles        47 (estimate" in out  # 11n + 14
    assert "(estimate)" in out and "24 MHz" in out
    assert "returned      21 " in out  # 1 + 4 + 9 + 7


def test_profile_float_argument(capsys, elves):
    code, out, _ = run(capsys, "profile", str(elves["c"]), "mean_f32", "-a", "f32:1,2,3,6", "-a", "4")
    assert code == 0 and "returned      1077936128 " in out  # 3.0f as bits


@pytest.mark.parametrize("argv, message", [
    (["size", "/no/such.elf"], "/no/such.elf: no such file"),
    (["size", "{loop}", "--board", "nope"], "unknown board 'nope'"),
    (["profile", "{loop}", "nope"], "function 'nope' not found"),
    (["profile", "{loop}", "known_loop", "-a", "abc"], "is not an integer"),
    (["profile", "{loop}", "known_loop", "-a", "q7:1"], "unknown kind 'q7'"),
    (["profile", "{loop}", "known_loop", "-a", "1", "-a", "0x7fffff00", "-a", "0"], "faulted"),
    (["profile", "{loop}", "known_loop", "--board", "ch32v003"], "is arm code, not riscv"),
])
def test_user_errors_are_one_line(capsys, elves, argv, message):
    code, out, err = run(capsys, *(a.format(**{k: str(v) for k, v in elves.items()}) for a in argv))
    assert code == 2
    assert err.startswith("emml: error: ") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_console_script_no_traceback(elves):
    proc = subprocess.run([sys.executable, "-m", "emml", "profile", str(elves["loop"]), "nope"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_convert_reads_an_int8_tflite_file(tmp_path, capsys):
    from pathlib import Path

    import numpy as np

    golden = Path(__file__).parent / "assets" / "nn" / "golden_mlp.tflite"
    assert main(["convert", str(golden), "-o", str(tmp_path), "--name", "mlp"]) == 0
    header = (tmp_path / "mlp.h").read_text()
    assert "mlp_predict_i8" in header and (tmp_path / "mlp.c").is_file()
    # the CLI writes what emml.convert of the same file writes
    model = emml.convert(str(golden))
    model.save(tmp_path / "api", "mlp")
    assert (tmp_path / "api" / "mlp.c").read_text() == (tmp_path / "mlp.c").read_text()
    # a broken network file is one clear error line, not a traceback
    bad = tmp_path / "broken.tflite"
    bad.write_bytes(np.arange(64, dtype=np.uint8).tobytes())
    capsys.readouterr()
    assert main(["convert", str(bad), "-o", str(tmp_path), "--name", "bad"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emml: error:") and "broken.tflite" in err and "int8" in err


def test_info_names_the_runtime_and_the_optional_parts(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"C runtime      {emml.runtime_dir()}" in out
    assert (emml.runtime_dir() / "include" / "emml" / "emml.h").is_file()
    assert f"  lib_deps = symlink://{emml.runtime_dir()}" in out
    for module in ("tensorflow", "unicorn", "platformio", "pooch"):
        assert re.search(rf"^  {module}\s+(yes|no: pip install 'emml\[\w+\]')", out, flags=re.M), module


def test_data_list_names_every_set(capsys):
    from emml import datasets

    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    for name in datasets.SETS:
        assert re.search(rf"^{name}\s+[\d,]+ files", out, flags=re.M), name


def test_a_missing_extra_is_one_line_naming_it(monkeypatch):
    from emml import extras

    with pytest.raises(extras.MissingExtraError, match=r"^needs_it needs no_such_module_here, which is not installed; "
                                                       r"install it with: pip install 'emml\[firmware\]'$"):
        extras.require("no_such_module_here", "firmware", "needs_it")
