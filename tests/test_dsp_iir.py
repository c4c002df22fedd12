"""IIR filters: q15 biquad cascade == Python integer reference bit for bit
(also when streamed in chunks) and close to scipy.signal.sosfilt; f32 ==
scipy.signal.sosfilt within tolerance; DC blocker and gravity separator.

Stated bounds:
  f32 vs scipy.signal.sosfilt: max abs error <= 1e-5 (input in [-1, 1]).
  q15 vs scipy (float, same sos), white noise input (std -16 dBFS):
  SNR >= 60 dB for cutoffs >= 0.05 fs (MIN_SNR), but only >= 38 dB for a
  4th-order low-pass at 0.02 fs: poles close to z = 1 suffer from the q14
  coefficients and 16-bit state of direct form I. For accelerometer gravity
  use emml_gravity_q15 (32-bit state) instead of a very low biquad.
"""

import ctypes as C

import numpy as np
import pytest
from scipy import signal

from emml.dsp import iir, native

DESIGNS = {
    "lowpass": signal.butter(4, 0.2, output="sos"),
    "lowpass_low": signal.butter(4, 0.04, output="sos"),
    "highpass": signal.butter(4, 0.1, btype="highpass", output="sos"),
    "bandpass": signal.butter(2, [0.1, 0.3], btype="bandpass", output="sos"),
    "cheby": signal.cheby1(4, 1, 0.25, output="sos"),
}
MIN_SNR = {"lowpass_low": 38}


def _noise(n, seed, level=0.5):
    rng = np.random.default_rng(seed)
    return np.clip(np.round(rng.standard_normal(n) * level * 32768 / 3), -32768, 32767).astype(np.int16)


@pytest.mark.parametrize("design", DESIGNS)
def test_q15_bit_exact_and_streaming(design):
    coeffs, shifts = iir.quantize_sos(DESIGNS[design])
    x = _noise(3000, 1)
    x[100:110] = 32767  # drive the saturation too
    x[200:210] = -32768
    ref = iir.sosfilt_q15(coeffs, shifts, x)
    f = native.IirFilterQ15(coeffs, shifts)
    assert np.array_equal(f(x), ref)
    g = native.IirFilterQ15(coeffs, shifts)
    chunks = np.concatenate([g(x[:7]), g(x[7:1000]), g(x[1000:])])
    assert np.array_equal(chunks, ref)


@pytest.mark.parametrize("design", DESIGNS)
def test_q15_close_to_scipy(design):
    sos = DESIGNS[design]
    coeffs, shifts = iir.quantize_sos(sos)
    x = _noise(4000, 2)
    got = iir.sosfilt_q15(coeffs, shifts, x) / 32768.0
    ref = signal.sosfilt(sos, x / 32768.0)
    snr = 10 * np.log10(np.sum(ref[200:] ** 2) / np.sum((ref[200:] - got[200:]) ** 2))
    assert snr >= MIN_SNR.get(design, 60), snr


@pytest.mark.parametrize("design", DESIGNS)
def test_f32_matches_scipy(design):
    sos = DESIGNS[design]
    x = np.random.default_rng(3).uniform(-1, 1, 2000)
    f = native.IirFilterF32(sos)
    got = np.concatenate([f(x[:500]), f(x[500:])])
    ref = signal.sosfilt(sos, x.astype(np.float32).astype(np.float64))
    assert np.max(np.abs(got - ref)) <= 1e-5


def test_quantize_keeps_accumulator_safe():
    for sos in DESIGNS.values():
        coeffs, shifts = iir.quantize_sos(sos)
        assert np.all(np.abs(coeffs.astype(np.int64)).sum(axis=1) <= 65535)
        assert np.all(shifts <= 14)
        assert np.all(shifts >= 12)  # precision kept by the gain normalization


def test_init_validates():
    L = native.lib()
    c = np.zeros(5, np.int16)
    s = np.array([15], np.uint8)
    coeffs = native.IirCoeffsQ15(1, native.ptr(c), s.ctypes.data_as(C.POINTER(C.c_uint8)))
    state = np.zeros(4, np.int16)
    inst = native.IirQ15()
    assert L.emml_iir_init_q15(C.byref(inst), C.byref(coeffs), native.ptr(state), C.c_uint32(4)) == -6
    s[0] = 14
    assert L.emml_iir_init_q15(C.byref(inst), C.byref(coeffs), native.ptr(state), C.c_uint32(3)) == -4
    assert L.emml_iir_init_q15(C.byref(inst), C.byref(coeffs), native.ptr(state), C.c_uint32(4)) == 0
    assert L.emml_iir_init_q15(None, C.byref(coeffs), native.ptr(state), C.c_uint32(4)) == -1


def test_dcblock_bit_exact_and_removes_dc():
    L = native.lib()
    r = iir.dcblock_r_q15(5.0, 8000.0)
    x = np.clip(_noise(4000, 4, 0.3).astype(np.int32) + 12000, -32768, 32767).astype(np.int16)
    x[50:60] = [32767, -32768] * 5
    dc = native.DcBlockQ15()
    assert L.emml_dcblock_init_q15(C.byref(dc), C.c_int16(r)) == 0
    out = np.zeros_like(x)
    L.emml_dcblock_process_q15(C.byref(dc), native.ptr(x[:1000]), native.ptr(out[:1000]), C.c_uint32(1000))
    rest = np.ascontiguousarray(x[1000:])
    tail = np.zeros_like(rest)
    L.emml_dcblock_process_q15(C.byref(dc), native.ptr(rest), native.ptr(tail), C.c_uint32(len(rest)))
    out[1000:] = tail
    assert np.array_equal(out, iir.dcblock_q15(x, r))
    assert abs(out[2000:].mean()) < 50 and abs(x.mean()) > 10000


def test_gravity_bit_exact_and_separates():
    L = native.lib()
    fs = 26.0
    t = np.arange(520) / fs
    grav = np.stack([1000 * np.cos(0.05 * t), 0 * t, 1000 * np.sin(0.05 * t)], axis=1)
    motion = 300 * np.sin(2 * np.pi * 2.0 * t)[:, None] * np.array([1, 0.5, -0.3])
    xyz = np.round(grav + motion).astype(np.int16)
    alpha = iir.gravity_alpha_q15(0.3, fs)
    st = native.GravityQ15()
    assert L.emml_gravity_init_q15(C.byref(st), C.c_int16(alpha)) == 0
    body = np.zeros_like(xyz)
    g = np.zeros_like(xyz)
    for lo, hi in ((0, 1), (1, 300), (300, 520)):
        chunk = np.ascontiguousarray(xyz[lo:hi])
        b = np.zeros_like(chunk)
        gg = np.zeros_like(chunk)
        L.emml_gravity_process_q15(C.byref(st), native.ptr(chunk), native.ptr(b), native.ptr(gg),
                                   C.c_uint32(hi - lo))
        body[lo:hi], g[lo:hi] = b, gg
    rb, rg = iir.gravity_q15(xyz, alpha)
    assert np.array_equal(body, rb) and np.array_equal(g, rg)
    # after the start, gravity is within 25% of the motion amplitude of the truth
    assert np.max(np.abs(g[100:] - grav[100:])) < 0.25 * 300
