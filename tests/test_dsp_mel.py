"""Mel filterbank, log-mel frame and MFCC.

Contracts (measured on FSDD speech, every 30th clip, all frames; see
emml/mel.h for the q15 pipeline):
  * q15 C == emml.dsp reference (LogMelConfig.logmel_q15 / mfcc_q15) bit for bit.
  * f32 C vs float64 numpy reference: max |error| <= 0.005 dB (log-mel) and
    0.005 dB (MFCC).
  * q15 vs float64 reference, dB, for bands within 40 dB of the frame's
    loudest band (BOUNDS: 99th percentile / max / mean over all bands):
      512-point, 40 Slaney bands, 8 kHz:   0.3 / 8 / 0.15 dB (measured 0.21 / 3.6 / 0.10)
      256-point, 32 HTK bands, 8 kHz:      0.3 / 8 / 0.15 dB (measured 0.18 / 2.7 / 0.08)
      1024-point, 64 bands, Hamming:       0.8 / -  / 0.40 dB (measured 0.59 / 55 / 0.34)
    Quieter bands are limited by the q15 FFT's noise floor (output X/n in
    q15: about 84 dB below a full-scale sine, less for 1024 points) and can
    be off by tens of dB or hit the floor; the 1024-point case (8 kHz speech
    in a 16 kHz config, so its upper bands hold only noise) shows it.
  * the filterbank equals librosa.filters.mel (when librosa is installed).
"""

import glob

import numpy as np
import pytest

from emml.dsp.config import LogMelConfig
from emml.dsp.native import LogMelNative
from emml import datasets

CONFIGS = {
    "slaney40_512": LogMelConfig(sample_rate=8000, n_fft=512, hop_length=256, n_mels=40),
    "htk32_256": LogMelConfig(sample_rate=8000, n_fft=256, hop_length=128, n_mels=32, scale="htk",
                              norm=None, n_mfcc=10),
    "hamming_16k": LogMelConfig(sample_rate=16000, n_fft=1024, hop_length=512, n_mels=64, fmin=20,
                                fmax=7000, window="hamming", fft_table_n=1024),
}
BOUNDS = {"slaney40_512": (0.3, 8.0, 0.15), "htk32_256": (0.3, 8.0, 0.15), "hamming_16k": (0.8, None, 0.4)}


def _speech_frames(cfg, step=30):
    d = datasets.find("fsdd")
    if d is None:
        pytest.skip("FSDD data set not found (emml data fetch fsdd, or set EMML_DATA_DIR)")
    from scipy.io import wavfile

    files = sorted(glob.glob(str(d / "recordings" / "*.wav")))[::step]
    return np.concatenate([cfg.frames(wavfile.read(f)[1]) for f in files])


def _synthetic_frames(cfg, n=40, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(cfg.n_fft)
    out = [rng.integers(-32768, 32768, cfg.n_fft), np.zeros(cfg.n_fft), np.full(cfg.n_fft, -32768),
           np.round(32767 * np.sin(2 * np.pi * 0.1 * t)), rng.integers(-2, 3, cfg.n_fft)]
    for i in range(n):
        level = 10 ** (-rng.uniform(0, 5))
        out.append(np.clip(np.round(rng.standard_normal(cfg.n_fft) * 32768 * level), -32768, 32767))
    return np.array(out, dtype=np.int16)


@pytest.fixture(scope="module", params=list(CONFIGS))
def setup(request):
    cfg = CONFIGS[request.param]
    return cfg, LogMelNative(cfg, name=f"lm_{request.param}")


def test_q15_bit_exact(setup):
    cfg, nat = setup
    for frames in (_synthetic_frames(cfg), _speech_frames(cfg, step=60)):
        c = nat.logmel_q15(frames)
        assert np.array_equal(c, cfg.logmel_q15(frames))
        assert np.array_equal(nat.mfcc_q15(c), cfg.mfcc_q15(c))


def test_f32_matches_float_reference(setup):
    cfg, nat = setup
    frames = _speech_frames(cfg)
    ref = cfg.logmel_f64(frames / 32768.0)
    got = nat.logmel_f32(frames / 32768.0)
    assert np.max(np.abs(got - ref)) <= 0.005
    assert np.max(np.abs(nat.mfcc_f32(got) - cfg.mfcc_f64(ref))) <= 0.005


def test_q15_close_to_float(setup):
    cfg, nat = setup
    frames = _speech_frames(cfg)
    ref = cfg.logmel_f64(frames / 32768.0)
    err = np.abs(nat.logmel_q15(frames) / 256.0 - ref)
    loud = ref >= ref.max(axis=1, keepdims=True) - 40
    p99, worst, mean = BOUNDS[next(k for k, v in CONFIGS.items() if v is cfg)]
    assert np.percentile(err[loud], 99) <= p99
    assert worst is None or err[loud].max() <= worst
    assert err.mean() <= mean


def test_silence_gives_floor(setup):
    cfg, nat = setup
    out = nat.logmel_q15(np.zeros((1, cfg.n_fft), np.int16))
    assert np.all(out == cfg.floor_db_q8)


def test_generated_c_is_deterministic():
    cfg = CONFIGS["slaney40_512"]
    assert cfg.source_c("a") == cfg.source_c("a")
    assert cfg.header_c("a") == LogMelConfig(**vars(cfg)).header_c("a")


@pytest.mark.parametrize("htk,norm", [(False, "slaney"), (True, None), (True, "slaney"), (False, None)])
def test_filterbank_matches_librosa(htk, norm):
    librosa = pytest.importorskip("librosa")
    cfg = LogMelConfig(sample_rate=16000, n_fft=512, n_mels=40, fmin=30, fmax=7600,
                       scale="htk" if htk else "slaney", norm=norm)
    ref = librosa.filters.mel(sr=16000, n_fft=512, n_mels=40, fmin=30, fmax=7600, htk=htk, norm=norm)
    assert np.allclose(cfg.filterbank(), ref, rtol=1e-5, atol=1e-8)


def test_logmel_matches_librosa_frames():
    librosa = pytest.importorskip("librosa")
    cfg = CONFIGS["slaney40_512"]
    frames = _speech_frames(cfg, step=100)
    x = frames.reshape(-1).astype(np.float32) / 32768.0
    # librosa without centering on the concatenated frames = our frames one by one
    S = librosa.feature.melspectrogram(y=x, sr=8000, n_fft=512, hop_length=512, center=False,
                                       n_mels=40, power=2.0, window="hann")
    ref = librosa.power_to_db(S, ref=1.0, amin=cfg.amin, top_db=None).T
    nat = LogMelNative(cfg, name="lm_librosa")
    assert np.max(np.abs(nat.logmel_f32(frames / 32768.0) - ref)) <= 0.01


def test_mel_scales_roundtrip():
    from emml.dsp import mel

    f = np.linspace(0, 8000, 101)
    for htk in (True, False):
        assert np.allclose(mel.mel_to_hz(mel.hz_to_mel(f, htk), htk), f)
    assert np.isclose(mel.hz_to_mel(1000.0, htk=False), 15.0)


@pytest.mark.parametrize("window,periodic,n_fft", [("hann", False, 256), ("rect", True, 512), ("hamming", True, 128)])
def test_q15_window_kinds_and_in_place(window, periodic, n_fft):
    """Symmetric, rectangular and periodic windows (the windowing pass writes
    bit-reversed order, with its own handling of sample n/2), and work ==
    frame (the in-place path): all equal to the reference."""
    import ctypes as C

    from emml.dsp.native import ptr

    cfg = LogMelConfig(sample_rate=8000, n_fft=n_fft, hop_length=n_fft, n_mels=20, window=window,
                       periodic=periodic, n_mfcc=0)
    nat = LogMelNative(cfg, name=f"lm_{window}_{int(periodic)}_{n_fft}")
    frames = _synthetic_frames(cfg, n=30, seed=3)
    want = cfg.logmel_q15(frames)
    assert np.array_equal(nat.logmel_q15(frames), want)
    out = np.zeros(cfg.n_mels, np.int16)
    for i, f in enumerate(frames):
        buf = np.array(f, dtype=np.int16)
        nat.lib.emml_logmel_frame_q15(nat._q15, ptr(buf), ptr(buf), ptr(out))
        assert np.array_equal(out, want[i]), i


TARGET_CONFIGS = [
    LogMelConfig(sample_rate=16000, n_fft=512, hop_length=256, n_mels=40),
    LogMelConfig(sample_rate=8000, n_fft=256, hop_length=128, n_mels=32, scale="htk", norm=None,
                 window="hann", periodic=False, n_mfcc=0),
    LogMelConfig(sample_rate=8000, n_fft=64, hop_length=64, n_mels=12, window="rect", n_mfcc=0),
]


@pytest.mark.firmware
@pytest.mark.parametrize("board", ["qemu_m0", "qemu_rv32e"])
def test_q15_on_target_bit_exact(board, need_tool, tmp_path):
    """The generated <name>_logmel_frame on the target (ARMv6-M: the
    assembly window and FFT loops; RV32E: the C) equals the reference, run
    in the unicorn emulator on synthetic frames of every level."""
    from emml import boards, firmware
    from emml.profile import profile_function

    need_tool(boards.load(board).toolchain_prefix + "gcc")
    sources = []
    for i, cfg in enumerate(TARGET_CONFIGS):
        sources.append(cfg.write_c(f"tlm{i}", tmp_path, f32=False)[1])
    calls = "".join(f"        tlm{i}_logmel_frame(0, 0, 0);\n" for i in range(len(TARGET_CONFIGS)))
    includes = "".join(f'#include "tlm{i}.h"\n' for i in range(len(TARGET_CONFIGS)))
    (tmp_path / "main.c").write_text(f"{includes}int main(void);\nint main(void)\n{{\n    volatile int run = 0;\n"
                                     f"    if (run) {{\n{calls}    }}\n    return 0;\n}}\n")
    elf = firmware.build(board, [tmp_path / "main.c", *sources], include_dirs=[tmp_path],
                         name=f"logmel_target_{board}").elf
    for i, cfg in enumerate(TARGET_CONFIGS):
        frames = _synthetic_frames(cfg, n=8, seed=i)
        want = cfg.logmel_q15(frames)
        for k, f in enumerate(frames):
            r = profile_function(elf, f"tlm{i}_logmel_frame", (f.copy(), np.zeros(cfg.n_fft, np.int16),
                                                               np.zeros(cfg.n_mels, np.int16)))
            assert np.array_equal(r.buffers[2], want[k]), (i, k)
