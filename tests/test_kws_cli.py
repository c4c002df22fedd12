"""`emml kws train` end to end on a tiny synthetic data set (two tones, WAVs
of mixed formats and a corrupt one), a tiny network and few epochs: the
artifact, the generated C, metrics.json (with device_agreement from QEMU) and
the report's plots are written."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.io import wavfile


def _dataset(root):
    rng = np.random.default_rng(0)
    for label, freq in (("low", 300.0), ("high", 1500.0)):
        (root / label).mkdir(parents=True)
        for i in range(10):
            n = int(rng.integers(2000, 5000))
            t = np.arange(n) / 8000
            x = 0.4 * np.sin(2 * np.pi * freq * (1 + 0.05 * rng.normal()) * t) * np.hanning(n)
            if i == 0:  # 8-bit unsigned
                wavfile.write(root / label / f"{i}.wav", 8000, np.round(128 + 127 * x).astype(np.uint8))
            elif i == 1:  # stereo at 16 kHz
                t2 = np.arange(2 * n) / 16000
                y = 0.4 * np.sin(2 * np.pi * freq * t2) * np.hanning(2 * n)
                wavfile.write(root / label / f"{i}.wav", 16000, np.round(np.stack([y, y], 1) * 32767).astype(np.int16))
            else:
                wavfile.write(root / label / f"{i}.wav", 8000, np.round(x * 32767).astype(np.int16))
    (root / "low" / "broken.wav").write_bytes(b"RIFF....WAVEnope")
    return root


@pytest.mark.slow
@pytest.mark.firmware
def test_kws_train_writes_artifact_c_metrics_and_report(tmp_path, need_tool, capsys):
    pytest.importorskip("tensorflow")
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    from emml.cli import main

    data = _dataset(tmp_path / "data")
    out = tmp_path / "out"
    status = main(["kws", "train", "--data", str(data), "--board", "py32f003", "--out", str(out),
                   "--sizes", "4,8,8", "--epochs", "3", "--augment", "1", "--split", "random",
                   "--no-speaker-folds"])
    text = capsys.readouterr()
    assert status == 0, text.err[-2000:]
    assert "broken.wav" in text.out + text.err  # skipped with a warning
    m = json.loads((out / "metrics.json").read_text())
    for key in ("accuracy", "device_agreement", "flash_bytes", "ram_bytes", "fits", "board", "realtime_cpu"):
        assert key in m, key
    assert m["board"] == "py32f003" and m["fits"] is True and m["n_skipped"] == 1
    assert m["device_agreement"] == 1.0 and m["device_agreement_clips"] == m["n_test"] == 4
    assert 0 < m["realtime_cpu"] <= 0.5 and m["ram_bytes"] <= 4096
    assert (out / "kws.json").is_file() and (out / "kws.tflite").is_file()
    assert (out / "generated" / "kws_config.h").is_file() and (out / "generated" / ".emml-stamp.json").is_file()
    for plot in ("confusion.png", "accuracy_vs_flash.png"):
        assert (out / plot).read_bytes()[:4] == b"\x89PNG"
    assert "device_agreement" in (out / "report.md").read_text()
