"""apps/audio_kws in QEMU (qemu_m0: Cortex-M0, qemu_rv32e: RV32E without
multiply), with the committed model: test WAVs streamed over the UART give
the same feature frames and the same decisions as the host pipeline
(emml.kws.pipeline + the generated network run on the host), bit for bit;
a continuous stream gives the same periodic decisions; silence runs no
model; a bad protocol byte is reported; the stack stays within its reserve."""

from __future__ import annotations

import numpy as np
import pytest

from emml.kws import artifact, device
from emml.kws.audio import fit_window, read_wav
from emml.kws.pipeline import stream_decisions
from emml import datasets
from emml.paths import repo_root

ARTIFACT = repo_root() / "apps" / "audio_kws" / "model"
#: FSDD test-split files (index 0-4), a few digits and speakers
WAVS = ["0_george_0", "3_jackson_1", "5_nicolas_2", "7_theo_3", "9_yweweler_4", "2_lucas_0"]


@pytest.fixture(scope="module")
def kws(tmp_path_factory):
    pytest.importorskip("tflite_micro")
    art = artifact.load(ARTIFACT)
    model = art.model()
    out = tmp_path_factory.mktemp("kws_fw")
    artifact.generate(art, out, model=model)
    return art, model, out


def _clips(cfg) -> list[np.ndarray]:
    d = datasets.find("fsdd")
    folder = None if d is None else d / "recordings"
    if folder is not None and folder.is_dir():
        return [read_wav(folder / f"{name}.wav", cfg.sample_rate) for name in WAVS]
    # no data set here: chirps at speech level (parity does not need speech)
    rng = np.random.default_rng(5)
    t = np.arange(4000) / cfg.sample_rate
    return [np.round(8000 * np.sin(2 * np.pi * (200 + 400 * k) * t * (1 + t)) + rng.normal(0, 200, len(t)))
            .astype(np.int16) for k in range(len(WAVS))]


@pytest.mark.firmware
@pytest.mark.parametrize("board", ["qemu_m0", "qemu_rv32e"])
def test_streamed_wavs_match_the_host_bit_for_bit(kws, board, build_app, need_tool):
    art, model, gen = kws
    cfg = art.config
    need_tool(device._boards.load(board).qemu[0])
    image = device.build(board, gen)
    clips = _clips(cfg)
    windows = [fit_window(c, cfg.window_samples) for c in clips]
    gap = np.zeros(cfg.sample_rate // 2, np.int16)
    continuous = np.concatenate([gap] + [np.concatenate([c, gap]) for c in clips[:3]])
    quiet = np.zeros(cfg.window_samples, np.int16)
    streams = windows + [continuous, quiet]
    sess = device.stream_session(cfg, board, image.elf, streams, trace=True, timeout=240)
    assert sess.banner.startswith(f"kws ready {board} classes={len(art.classes)}")
    assert len(sess.runs) == len(streams)
    for i, (s, run) in enumerate(zip(streams, sess.runs)):
        want_frames = cfg.frame_features(cfg.logmel().frames(s))
        assert np.array_equal(np.array(run.frames), want_frames), f"stream {i}: features differ on {board}"
        want = stream_decisions(cfg, s, model.forward_i8, force_at_end=True)
        assert run.decisions == want, f"stream {i}: decisions differ on {board}"
    # the window's forced decision is the host's prediction of that clip
    host = model.forward_i8(np.stack([cfg.window_features(w).reshape(-1) for w in windows])).argmax(axis=1)
    assert [r.decisions[-1].cls for r in sess.runs[: len(windows)]] == host.tolist()
    # silence: only the forced decision, no periodic one
    assert len(sess.runs[-1].decisions) == 1
    assert 0 < sess.stack_used < sess.stack_size == device.STACK_BYTES[device._boards.load(board).arch]


@pytest.mark.firmware
def test_protocol_errors_are_reported(kws, need_tool):
    from emml.dut import run

    _, _, gen = kws
    need_tool("qemu-system-arm")
    image = device.build("qemu_m0", gen)
    status, out = run("qemu_m0", image.elf, b"R?Q", timeout=30)
    assert status == 0
    assert "error byte 63" in out and "bye" in out
