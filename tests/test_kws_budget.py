"""Budget of apps/audio_kws with the committed model (apps/audio_kws/model):
the whole firmware, as built for the real chip (ADC audio source), fits the
PY32F003 (4 kB RAM including the reserved stack, 32 kB flash) and its
estimated CPU load stays under half of the 24 MHz core. Margins for every
board are printed (pytest -s)."""

from __future__ import annotations

import numpy as np
import pytest

from emml import boards
from emml.kws import artifact, device
from emml.paths import repo_root

ARTIFACT = repo_root() / "apps" / "audio_kws" / "model"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    pytest.importorskip("tflite_micro")
    out = tmp_path_factory.mktemp("kws_gen")
    artifact.generate(ARTIFACT, out)
    return out


@pytest.fixture(scope="module")
def py32f003_image(generated, need_tool):
    need_tool("arm-none-eabi-gcc")
    return device.build("py32f003", generated)  # ADC source, reserved stack included


@pytest.mark.firmware
def test_fits_py32f003_with_the_stack(py32f003_image):
    fit = device.fit_report(py32f003_image, "py32f003")
    assert fit["stack_reserved"] == device.STACK_BYTES["arm"]
    assert fit["ram_bytes"] <= 4096 and fit["flash_bytes"] <= 32 * 1024, fit
    assert fit["fits"]


@pytest.mark.firmware
def test_realtime_cpu_at_24_mhz_is_at_most_half(py32f003_image):
    art = artifact.load(ARTIFACT)
    cfg = art.config
    rng = np.random.default_rng(0)  # speech-like level; the FFT's work does not depend on the values
    frame = np.round(rng.normal(0, 4000, cfg.n_fft)).astype(np.int16)
    window = rng.integers(-128, 60, cfg.n_features).astype(np.int8)
    rt = device.estimate_realtime(cfg, py32f003_image.elf, "py32f003", frame, window)
    assert rt.f_cpu_hz == 24_000_000 and "Cortex-M0+" in rt.metric
    print(f"\npy32f003: {rt.frame_cycles} est. cycles per hop, {rt.decision_cycles} per decision, "
          f"realtime_cpu {rt.realtime_cpu:.3f}, worst hop {rt.worst_hop_ms:.1f} ms of {1000 / rt.hops_per_second:.0f}")
    assert 0 < rt.realtime_cpu <= 0.5
    assert rt.worst_hop_ms < 1000 / rt.hops_per_second  # a hop with a decision ends before the next hop


@pytest.mark.firmware
def test_margins_for_every_board(generated, need_tool):
    rows = []
    for name in boards.names():
        b = boards.load(name)
        need_tool(b.toolchain_prefix + "gcc")
        rows.append(device.board_fit(name, generated))
    print("\nboard        source flash B (margin)       RAM B (margin)")
    for r in rows:
        print(f"{r['board']:12} {device.audio_source(r['board']):6} {r['flash_bytes']:>7} ({r['flash_margin']:>+8}) "
              f"{r['ram_bytes']:>7} ({r['ram_margin']:>+8})  {'fits' if r['fits'] else 'does not fit'}")
    by = {r["board"]: r for r in rows}
    assert by["py32f003"]["fits"] and by["qemu_m0"]["fits"] and by["qemu_rv32e"]["fits"]
    for r in rows:  # a margin is exactly limit - used, also for boards it overflows
        assert r["flash_limit"] - r["flash_bytes"] == r["flash_margin"]
        assert r["ram_limit"] - r["ram_bytes"] == r["ram_margin"]


@pytest.mark.slow
@pytest.mark.firmware
def test_pio_run_regenerates_and_builds_the_py32f003_image(py32f003_image, tmp_path):
    """apps/audio_kws's own platformio.ini: the pre-build script writes the
    model C from the committed artifact into the build folder, the board
    define selects the ADC source, and the image has the same RAM."""
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    pio = Path(sys.executable).with_name("pio")
    proc = subprocess.run([str(pio), "run", "-e", "py32f003", "-d", str(repo_root() / "apps" / "audio_kws")],
                          capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, PLATFORMIO_SETTING_ENABLE_TELEMETRY="No",
                                   PLATFORMIO_BUILD_DIR=str(tmp_path / "build")))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "kws model C regenerated" in proc.stdout
    assert (tmp_path / "build" / "py32f003" / "emml_kws" / "kws_config.h").is_file()
    ram = int(re.search(r"RAM: .*used (\d+) bytes from 4096", proc.stdout).group(1))
    assert ram == device.fit_report(py32f003_image, "py32f003")["ram_bytes"]
