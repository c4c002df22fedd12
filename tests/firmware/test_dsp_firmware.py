"""The DSP front end in emulated firmware (qemu_m0: Cortex-M0, qemu_rv32e:
RV32E without multiply): one q15 log-mel frame of real speech, its MFCC,
a biquad cascade and the HAR feature vector of a real accelerometer window, printed as hex, equal to the host's results (the Python
reference, which the host C matches bit for bit in tests/test_dsp_*.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from emml.dsp import codegen, iir
from emml.dsp.config import LogMelConfig
from emml.dsp.har import HarConfig
from emml import datasets
from emml.paths import build_dir

from .conftest import EMULATED_BOARDS

APP = __import__("pathlib").Path(__file__).resolve().parent / "dsp_app"
CFG = LogMelConfig(sample_rate=8000, n_fft=512, hop_length=256, n_mels=40, n_mfcc=13)
SOS = signal.butter(4, 0.15, output="sos")
IIR_N = 64
HAR = HarConfig(window=52, sample_rate=26, gravity="filter", energy_frac=2)


def _har_window() -> np.ndarray:
    d = datasets.find("st_har_26hz")
    csv = None if d is None else d / "dataset" / "walking" / "walking_03_26Hz_4g_mg.csv"
    if csv is not None and csv.is_file():
        return np.loadtxt(csv, delimiter=",", dtype=np.int64)[260:312].astype(np.int16)
    rng = np.random.default_rng(11)  # no data set: a fixed synthetic window
    t = np.arange(52)[:, None]
    return np.round(1000 * np.sin(2 * np.pi * 2 * t / 26 + np.arange(3)) + rng.normal(0, 50, (52, 3))).astype(np.int16)


def _frame() -> np.ndarray:
    d = datasets.find("fsdd")
    wav = None if d is None else d / "recordings" / "3_jackson_0.wav"
    if wav is not None and wav.is_file():
        from scipy.io import wavfile

        x = wavfile.read(wav)[1]
        return CFG.frames(x)[len(CFG.frames(x)) // 2].astype(np.int16)
    rng = np.random.default_rng(7)  # no data set: a fixed synthetic frame
    t = np.arange(CFG.n_fft)
    return np.round(8000 * np.sin(2 * np.pi * 440 * t / 8000) + rng.normal(0, 300, CFG.n_fft)).astype(np.int16)


def _iir_input() -> np.ndarray:
    return np.round(np.random.default_rng(3).normal(0, 6000, IIR_N)).clip(-32768, 32767).astype(np.int16)


@pytest.fixture(scope="module")
def generated():
    out = build_dir() / "dsp_fw_gen" / CFG.digest()
    CFG.write_c("fwlm", out, f32=False)
    HAR.write_c("fwhar", out)
    coeffs, shifts = iir.quantize_sos(SOS)
    (out / "dsp_vectors.h").write_text(
        "#ifndef DSP_VECTORS_H\n#define DSP_VECTORS_H\n#include \"emml/iir.h\"\n"
        f"#define FW_IIR_N {IIR_N}\n#define FW_IIR_SECTIONS {len(shifts)}\n"
        "extern const int16_t fw_frame[];\nextern const int16_t fw_iir_in[];\nextern const int16_t fw_har_xyz[];\n"
        "extern const emml_iir_coeffs_q15_t fw_iir;\n#endif\n"
    )
    (out / "dsp_vectors.c").write_text(
        "#include \"dsp_vectors.h\"\n"
        + codegen.c_array("fw_frame", _frame(), np.int16, "FSDD speech frame", static=False)
        + codegen.c_array("fw_iir_in", _iir_input(), np.int16, "biquad input", static=False)
        + codegen.c_array("fw_har_xyz", _har_window(), np.int16, "ST HAR walking window, milli-g", static=False)
        + codegen.iir_c("fw_iir", SOS)
    )
    return out


def _hex_row(line: str) -> np.ndarray:
    digits = line.split()[1]
    return np.array([int(digits[i : i + 4], 16) for i in range(0, len(digits), 4)], dtype=np.uint16).view(np.int16)


@pytest.mark.firmware
@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_dsp_firmware_equals_host(run_app, board, generated):
    sources = [generated / "fwlm.c", generated / "fwhar.c", generated / "dsp_vectors.c"]
    with run_app(APP, board, extra_sources=sources, include_dirs=[generated], timeout=30) as dut:
        logmel = dut.expect(r"logmel ([0-9a-f]+)\r?\n")
        mfcc = dut.expect(r"mfcc ([0-9a-f]+)\r?\n")
        iir_line = dut.expect(r"iir ([0-9a-f]+)\r?\n")
        har_line = dut.expect(r"har ([0-9a-f]+)\r?\n")
        status = dut.expect(r"status (-?\d+) (-?\d+) (-?\d+) (-?\d+)\r?\n")
        dut.expect(r"cycles logmel=(\d+) har=(\d+)")
        dut.expect("done")
        assert dut.wait_exit() == 0
    assert status.groups() == ("0", "0", "0", "0")
    want_mel = CFG.logmel_q15(_frame()[None, :])[0]
    assert np.array_equal(_hex_row(logmel.group(0)), want_mel)
    assert np.array_equal(_hex_row(mfcc.group(0)), CFG.mfcc_q15(want_mel[None, :])[0])
    coeffs, shifts = iir.quantize_sos(SOS)
    assert np.array_equal(_hex_row(iir_line.group(0)), iir.sosfilt_q15(coeffs, shifts, _iir_input()))
    digits = har_line.group(0).split()[1]
    har = np.array([int(digits[i : i + 8], 16) for i in range(0, len(digits), 8)], dtype=np.uint32).view(np.int32)
    assert np.array_equal(har, HAR.features(_har_window()[None])[0])
