"""apps/har in QEMU and on the budget boards.

A small model is trained once on the ST HAR recordings (fixed tiny search,
split by recording); then
- qemu_m0 and qemu_rv32e stream every held-out recording through the
  firmware over the UART: one line per window, each the class the Python
  pipeline gives (device agreement 1.0 for trees), and the whole firmware's
  stack high-water mark stays inside the real parts' reserved stack;
- the firmware fits ch32v003, py32f002a, py32f003 and rp2040 (margins printed);
- `pio run -e ch32v003` in apps/har regenerates the model C when the
  training artifact changes, and only then.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emml import boards
from emml.har import device
from emml.har.artifact import HarArtifact
from emml.har.data import load_folder, windows_of
from emml.har.train import TrainOptions, train
from emml import datasets
from emml.paths import repo_root
from emml.size import check_board, elf_size

pytestmark = pytest.mark.firmware

BUDGET_BOARDS = ["ch32v003", "py32f002a", "py32f003", "rp2040"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, need_tool):
    need_tool("riscv64-unknown-elf-gcc")
    need_tool("arm-none-eabi-gcc")
    root = datasets.find("st_har_26hz")
    if root is None:
        pytest.skip("ST HAR recordings not found (emml data fetch st_har_26hz, or set EMML_DATA_DIR)")
    folder = root / "dataset"
    out = tmp_path_factory.mktemp("har_model")
    metrics = train(TrainOptions(data=folder, rate_hz=26, board="ch32v003", out=out, search="tiny", cv_folds=2,
                                 device_check=False, progress=False), log=lambda _: None)
    rep = load_folder(folder, min_samples=metrics["window"])
    test = [r for r in rep.used if str(r.path.relative_to(rep.root)) in set(metrics["data"]["test_recordings"])]
    assert len(test) == len(metrics["data"]["test_recordings"]) > 0
    return out, HarArtifact.load(out / "har_model.joblib"), test


@pytest.mark.parametrize("board", ["qemu_m0", "qemu_rv32e"])
def test_held_out_recordings_stream_through_qemu(trained, board, need_tool):
    out, art, test = trained
    need_tool(boards.load(board).qemu[0])
    image = device.build(board, out / "generated")
    res = device.run_stream(board, image.elf, [r.samples for r in test], art.window, art.hop, timeout=120)
    assert res.exit_status == 0, "\n".join(res.lines[-10:])
    assert res.lines[0].startswith(f"har ready board={board} rate_millihz=26000 window={art.window} hop={art.hop}")
    n_windows = 0
    for rec, fw in zip(test, res.classes):
        want = art.predict(windows_of(rec.samples, art.window, art.hop))
        assert fw == want, f"{rec.path.name}: firmware classes differ from Python"
        n_windows += len(want)
    assert n_windows > 100
    assert f"done windows={n_windows} " in res.lines[-1]
    # the whole firmware's stack fits what the real parts reserve
    real = "ch32v003" if board == "qemu_rv32e" else "py32f002a"
    reserved = elf_size(device.build(real, out / "generated").elf).stack_bytes
    assert res.stack_used is not None and 0 < res.stack_used < reserved, (res.stack_used, reserved)


def test_malformed_input_is_reported_and_skipped(trained, run_app, need_tool):
    out, art, test = trained
    samples = test[0].samples[: art.window]
    with run_app(repo_root() / "apps" / "har" / "src", "qemu_m0", defines=["EMML_BOARD_QEMU_M0"],
                 extra_sources=sorted((out / "generated").glob("*.c")), include_dirs=[out / "generated"]) as dut:
        dut.expect(r"har ready board=qemu_m0")
        dut.write_line("reset")
        dut.write_line("12 34")
        dut.expect(r"error line=2 malformed\r?\n")
        dut.write_line("1 2 99999")
        dut.expect(r"error line=3 malformed\r?\n")
        for x, y, z in samples.tolist():
            dut.write_line(f"{x},{y},{z}")
        got = dut.expect(r"class=(\w+) window=0 sample=(\d+)\r?\n")
        assert got.group(1) == art.predict(samples[None])[0]
        assert int(got.group(2)) == art.window
        dut.write_line("end")
        dut.expect(r"done windows=1 ")
        assert dut.wait_exit() == 0


@pytest.mark.parametrize("board", BUDGET_BOARDS)
def test_firmware_fits_the_budget_boards(trained, board):
    out, _, _ = trained
    b = boards.load(board)
    fit = check_board(elf_size(device.build(board, out / "generated").elf), b)
    print(f"\n{board}: flash {fit.flash_used} of {b.flash_bytes} B (margin {b.flash_bytes - fit.flash_used}), "
          f"RAM {fit.ram_used} of {b.ram_bytes} B incl. stack (margin {b.ram_bytes - fit.ram_used})")
    assert fit.fits, fit.messages


def pio(*args, env=None):
    pio_exe = Path(sys.executable).with_name("pio")
    return subprocess.run([str(pio_exe), *args], cwd=repo_root(), capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PLATFORMIO_SETTING_ENABLE_TELEMETRY="No", **(env or {})))


@pytest.mark.slow
def test_pio_run_regenerates_the_model_when_the_artifact_changes(trained, tmp_path):
    """apps/har's own platformio.ini, with the artifact option pointed at a
    copy, built twice with different artifacts and once unchanged."""
    out, art, _ = trained
    ini = (repo_root() / "apps" / "har" / "platformio.ini").read_text()
    artifact = tmp_path / "har_model.joblib"
    ini = re.sub(r"^custom_emml_artifact = .*$", f"custom_emml_artifact = {artifact}", ini, flags=re.M)
    (tmp_path / "platformio.ini").write_text(ini)
    env = {"PLATFORMIO_BUILD_DIR": str(tmp_path / "build")}
    args = ("run", "-e", "ch32v003", "-d", str(repo_root() / "apps" / "har"), "-c", str(tmp_path / "platformio.ini"))
    model_c = tmp_path / "build" / "ch32v003" / "emml_har" / "har_model.c"

    artifact.write_bytes((out / "har_model.joblib").read_bytes())
    first = pio(*args, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "har model C regenerated" in first.stdout
    flash1 = int(re.search(r"Flash: .*used (\d+) bytes from 16384", first.stdout).group(1))
    assert flash1 == elf_size(device.build("ch32v003", out / "generated").elf).flash_bytes
    text1 = model_c.read_text()

    same = pio(*args, env=env)
    assert same.returncode == 0 and "har model C up to date" in same.stdout, same.stdout + same.stderr

    # a different model (a single shallow tree) in the same artifact file
    from sklearn.tree import DecisionTreeClassifier

    X = np.random.default_rng(0).normal(size=(60, art.features.n_features)).astype(np.float32)
    y = np.arange(60) % len(art.classes)
    art.estimator = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    art.save(artifact)
    second = pio(*args, env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "har model C regenerated" in second.stdout
    assert model_c.read_text() != text1
    flash2 = int(re.search(r"Flash: .*used (\d+) bytes from 16384", second.stdout).group(1))
    assert flash2 < flash1


def test_pio_missing_artifact_fails_with_a_readable_message(tmp_path):
    ini = (repo_root() / "apps" / "har" / "platformio.ini").read_text()
    ini = re.sub(r"^custom_emml_artifact = .*$", f"custom_emml_artifact = {tmp_path / 'none.joblib'}", ini, flags=re.M)
    (tmp_path / "platformio.ini").write_text(ini)
    proc = pio("run", "-e", "qemu_m0", "-d", str(repo_root() / "apps" / "har"), "-c", str(tmp_path / "platformio.ini"),
               env={"PLATFORMIO_BUILD_DIR": str(tmp_path / "build")})
    assert proc.returncode != 0
    assert "training artifact" in proc.stderr + proc.stdout and "not found; train one" in proc.stderr + proc.stdout
