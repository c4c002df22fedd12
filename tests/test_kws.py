"""emml.kws without firmware: reading WAV folders (bad input included), the
integer feature quantizer, the streaming reference, the committed artifact
and its generated C, the CLI's error messages."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from emml.kws import artifact
from emml.kws.audio import BadClipWarning, KwsDataError, fit_window, load_folder, read_wav
from emml.kws.pipeline import Decision, KwsConfig, stream_decisions
from emml.paths import repo_root

ARTIFACT = repo_root() / "apps" / "audio_kws" / "model"
CFG = KwsConfig()


def _tone(freq: float, seconds: float, rate: int, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return amp * np.sin(2 * np.pi * freq * t)


def _write(path: Path, rate: int, data: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wavfile.write(path, rate, data)
    return path


# ---- reading -------------------------------------------------------------------
def test_16bit_mono_at_the_pipeline_rate_is_read_unchanged(tmp_path):
    x = np.round(_tone(440, 0.3, 8000) * 32767).astype(np.int16)
    got = read_wav(_write(tmp_path / "a.wav", 8000, x), 8000)
    assert got.dtype == np.int16 and np.array_equal(got, x)


def test_8bit_unsigned_becomes_signed_q15(tmp_path):
    raw = np.array([0, 128, 255, 64], np.uint8)
    got = read_wav(_write(tmp_path / "b.wav", 8000, raw), 8000)
    assert got.tolist() == [-32768, 0, 127 * 256, -64 * 256]


def test_stereo_is_averaged(tmp_path):
    left = np.full(400, 1000, np.int16)
    right = np.full(400, -3000, np.int16)
    got = read_wav(_write(tmp_path / "s.wav", 8000, np.stack([left, right], axis=1)), 8000)
    assert got.shape == (400,) and np.all(got == -1000)


def test_other_rates_are_resampled_keeping_the_pitch(tmp_path):
    x = np.round(_tone(500, 1.0, 16000) * 32767).astype(np.int16)
    got = read_wav(_write(tmp_path / "r.wav", 16000, x), 8000)
    assert len(got) == 8000
    spectrum = np.abs(np.fft.rfft(got.astype(np.float64)))
    assert abs(np.argmax(spectrum) * 8000 / len(got) - 500) <= 1


def test_float_and_32bit_wavs_are_read(tmp_path):
    f = _tone(300, 0.2, 8000, amp=0.5).astype(np.float32)
    assert abs(int(read_wav(_write(tmp_path / "f.wav", 8000, f), 8000).max()) - 16384) < 40
    i32 = (f.astype(np.float64) * 2**31).astype(np.int32)
    assert abs(int(read_wav(_write(tmp_path / "i.wav", 8000, i32), 8000).max()) - 16384) < 40


def _dataset(root: Path) -> Path:
    for k, freq in enumerate((400, 1200)):
        for i in range(3):
            _write(root / f"class{k}" / f"c{i}.wav", 8000,
                   np.round(_tone(freq, 0.4, 8000) * 20000).astype(np.int16))
    return root


def test_corrupt_and_empty_files_are_skipped_with_a_warning(tmp_path):
    root = _dataset(tmp_path / "data")
    (root / "class0" / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk")
    _write(root / "class1" / "empty.wav", 8000, np.zeros(0, np.int16))
    with pytest.warns(BadClipWarning) as rec:
        ds = load_folder(root, 8000)
    messages = " ".join(str(w.message) for w in rec)
    assert "corrupt.wav" in messages and "empty.wav" in messages
    assert len(ds.clips) == 6 and len(ds.skipped) == 2 and ds.classes == ["class0", "class1"]


def test_empty_folder_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(KwsDataError, match="no WAV files.*sub-folder"):
        load_folder(tmp_path / "empty", 8000)


def test_missing_folder_single_class_and_unlabelled_files_are_errors(tmp_path):
    with pytest.raises(KwsDataError, match="does not exist"):
        load_folder(tmp_path / "nope", 8000)
    _write(tmp_path / "one" / "yes" / "a.wav", 8000, np.ones(100, np.int16))
    with pytest.raises(KwsDataError, match="only one class"):
        load_folder(tmp_path / "one", 8000)
    _write(tmp_path / "flat" / "nolabel.wav", 8000, np.ones(100, np.int16))
    with pytest.raises(KwsDataError, match="does not start with a label"):
        load_folder(tmp_path / "flat", 8000)


def test_all_files_unreadable_is_an_error(tmp_path):
    (tmp_path / "bad" / "a").mkdir(parents=True)
    (tmp_path / "bad" / "a" / "x.wav").write_bytes(b"not a wav")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BadClipWarning)
        with pytest.raises(KwsDataError, match="no usable WAV"):
            load_folder(tmp_path / "bad", 8000)


def test_flat_fsdd_names_give_label_speaker_and_index(tmp_path):
    for name in ("3_alice_0", "3_alice_7", "5_bob_2"):
        _write(tmp_path / "flat" / f"{name}.wav", 8000, np.ones(100, np.int16))
    ds = load_folder(tmp_path / "flat", 8000)
    assert [(c.label, c.speaker, c.index) for c in ds.clips] == [("3", "alice", 0), ("3", "alice", 7), ("5", "bob", 2)]


def test_fit_window_pads_centred_and_trims_to_the_loudest_part():
    x = np.arange(1, 11, dtype=np.int16)
    w = fit_window(x, 20)
    assert np.array_equal(w[5:15], x) and not w[:5].any() and not w[15:].any()
    long = np.zeros(100, np.int16)
    long[60:70] = 5000
    assert fit_window(long, 20).tolist().count(5000) == 10


# ---- pipeline ------------------------------------------------------------------
def test_quantizer_matches_its_definition_and_saturates():
    db = np.arange(-32768, 32768, 7, dtype=np.int64)
    q = CFG.quantize(db).astype(np.int64)
    v = db - CFG.feature_offset_q8 + (128 << CFG.feature_shift)
    want = np.clip(np.floor(v / 2**CFG.feature_shift), 0, 255) - 128
    assert np.array_equal(q, want)
    assert q.min() == -128 and q.max() == 127 and np.all(np.diff(q) >= 0)
    assert CFG.quantize([CFG.feature_offset_q8])[0] == 0
    assert CFG.silence_q == -128


def test_config_rejects_what_the_firmware_cannot_do():
    with pytest.raises(ValueError, match="hop_length"):
        KwsConfig(hop_length=512)
    with pytest.raises(ValueError, match="n_frames"):
        KwsConfig(n_frames=0)
    with pytest.raises(ValueError, match="unknown KWS config keys"):
        KwsConfig.from_dict({"n_mels": 16, "colour": "red"})


def test_a_reset_stream_of_one_window_ends_with_that_windows_features():
    rng = np.random.default_rng(1)
    window = np.round(rng.normal(0, 3000, CFG.window_samples)).astype(np.int16)
    seen = []

    def forward(X):
        seen.append(np.asarray(X))
        out = np.full((len(X), 3), -128, np.int8)
        out[:, 1] = 100
        return out

    decisions = stream_decisions(CFG, window, forward, force_at_end=True)
    frames = [d.frame for d in decisions]
    assert frames == list(range(CFG.decision_hops, CFG.n_frames + 1, CFG.decision_hops)) + [CFG.n_frames]
    assert np.array_equal(seen[0][-1], CFG.window_features(window).reshape(-1))
    assert decisions[-1] == Decision(CFG.n_frames, 1, 100)


def test_silence_closes_the_gate():
    calls = []
    quiet = np.zeros(CFG.window_samples * 2, np.int16)
    assert stream_decisions(CFG, quiet, lambda X: calls.append(X) or np.zeros((len(X), 2), np.int8)) == []
    assert calls == []


def test_hop_smaller_than_the_fft_frames_like_logmelconfig():
    cfg = KwsConfig(hop_length=128, n_frames=10, decision_hops=1)
    x = np.round(np.random.default_rng(2).normal(0, 2000, cfg.window_samples)).astype(np.int16)
    d = stream_decisions(cfg, x, lambda X: np.asarray(X)[:, :4].astype(np.int8), force_at_end=True)
    assert d[-1].frame == cfg.n_frames


# ---- artifact and generated C ------------------------------------------------------
def test_committed_artifact_loads_and_generates_the_same_bytes_twice(tmp_path):
    pytest.importorskip("tflite_micro")
    art = artifact.load(ARTIFACT)
    assert art.config.n_features == art.config.n_frames * art.config.n_mels
    a = {p.name: p.read_bytes() for p in artifact.generate(ARTIFACT, tmp_path / "a")}
    b = {p.name: p.read_bytes() for p in artifact.generate(ARTIFACT / "kws.json", tmp_path / "b")}
    assert a == b and set(a) == {"kws_config.h", "kws_fe.h", "kws_fe.c", "kws_net.h", "kws_net.c"}
    text = a["kws_config.h"].decode()
    assert f"#define KWS_N_CLASSES {len(art.classes)}" in text and "/work/" not in text


def test_broken_artifacts_say_what_is_wrong(tmp_path):
    with pytest.raises(artifact.KwsArtifactError, match="kws.json not found"):
        artifact.load(tmp_path)
    d = tmp_path / "art"
    d.mkdir()
    meta = json.loads((ARTIFACT / "kws.json").read_text())
    (d / "kws.json").write_text(json.dumps(meta))
    (d / "kws.tflite").write_bytes(b"TFL3 tampered")
    with pytest.raises(artifact.KwsArtifactError, match="does not match the sha256"):
        artifact.load(d)


def test_cli_reports_a_missing_data_folder_in_one_line(tmp_path, capsys):
    from emml.cli import main

    assert main(["kws", "train", "--data", str(tmp_path / "none"), "--board", "py32f003",
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emml: error:") and "does not exist" in err


def test_cli_rejects_bad_sizes(capsys):
    from emml.cli import main

    with pytest.raises(SystemExit):
        main(["kws", "train", "--data", "x", "--board", "py32f003", "--out", "o", "--sizes", "8,16"])
    assert "three positive channel counts" in capsys.readouterr().err
