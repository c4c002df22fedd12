"""Real FFT: q15 C == Python integer reference bit for bit; q15 within a
stated SNR of numpy.fft; f32 within a stated tolerance of numpy.fft.

Stated bounds (emml/fft.h):
  f32: max |X_c - X_numpy| <= 1e-6 * max|X_numpy| (relative to the peak bin)
  q15 (X/n, q15) vs numpy.fft.rfft(x)/n:
      full-scale white noise: SNR >= 71/68/64/61/58/55 dB at n = 32/64/128/256/512/1024
          (measured 73.7/70.9/66.5/63.7/60.8/57.7)
      full-scale sine: SNR >= 75/77/75/73/76/80 dB at n = 32/64/128/256/512/1024
          (measured 77.7/79.7/78.1/76.0/79.2/83.4)
"""

import numpy as np
import pytest

from emml.dsp import fft, native

RNG = np.random.default_rng(42)
SIZES = [32, 64, 128, 256, 512, 1024]
NOISE_SNR = {32: 71, 64: 68, 128: 64, 256: 61, 512: 58, 1024: 55}
SINE_SNR = {32: 75, 64: 77, 128: 75, 256: 73, 512: 76, 1024: 80}


def _snr(ref, got):
    return 10 * np.log10(np.sum(np.abs(ref) ** 2) / np.sum(np.abs(ref - got) ** 2))


def _signals(n):
    t = np.arange(n)
    yield "noise", RNG.integers(-32768, 32768, n)
    yield "sine", np.round(32767 * np.sin(2 * np.pi * 5.3 * t / n))
    yield "extremes", RNG.choice([-32768, 32767], n)  # drives the saturation
    yield "impulse", np.eye(1, n, 3)[0] * 32767
    yield "dc", np.full(n, -32768)
    yield "quiet", RNG.integers(-40, 40, n)


@pytest.mark.parametrize("n", SIZES)
def test_q15_bit_exact_against_reference(n):
    for name, x in _signals(n):
        x = x.astype(np.int16)
        assert np.array_equal(native.rfft_q15(x), fft.rfft_q15(x)), name
    batch = RNG.integers(-32768, 32768, (20, n)).astype(np.int16)
    assert np.array_equal(native.rfft_q15(batch), fft.rfft_q15(batch))


@pytest.mark.parametrize("n", [32, 64, 256])
def test_q15_smaller_size_from_larger_table(n):
    x = RNG.integers(-32768, 32768, n).astype(np.int16)
    assert np.array_equal(native.rfft_q15(x, table_n=1024), fft.rfft_q15(x, table_n=1024))
    # a 1024 table decimated is the same table as the n table here (values agree)
    assert np.array_equal(fft.twiddle_q15(1024)[:: 1024 // n], fft.twiddle_q15(n))


@pytest.mark.parametrize("n", SIZES)
def test_q15_snr_against_numpy(n):
    x = np.random.default_rng(n).integers(-32768, 32768, n)
    ref = np.fft.rfft(x / 32768.0) / n
    got = fft.unpack(fft.rfft_q15(x.astype(np.int16))) / 32768.0
    assert _snr(ref, got) >= NOISE_SNR[n]
    t = np.arange(n)
    s = np.round(32767 * np.sin(2 * np.pi * 3.0 * t / n + 0.3))
    ref = np.fft.rfft(s / 32768.0) / n
    got = fft.unpack(fft.rfft_q15(s.astype(np.int16))) / 32768.0
    assert _snr(ref, got) >= SINE_SNR[n]


@pytest.mark.parametrize("n", SIZES)
def test_f32_matches_numpy(n):
    x = RNG.standard_normal(n).astype(np.float32)
    ref = np.fft.rfft(x.astype(np.float64))
    got = fft.unpack(native.rfft_f32(x))
    assert np.max(np.abs(got - ref)) <= 1e-6 * np.max(np.abs(ref)) * np.log2(n)
    got_small = fft.unpack(native.rfft_f32(x, table_n=1024))
    assert np.max(np.abs(got_small - ref)) <= 1e-6 * np.max(np.abs(ref)) * np.log2(n)


def test_power_and_magnitude_q15():
    import ctypes as C

    n = 256
    x = RNG.integers(-32768, 32768, n).astype(np.int16)
    spec = fft.rfft_q15(x)
    spec[0], spec[1] = -32768, -32768
    power = np.zeros(n // 2 + 1, np.uint32)
    native.lib().emml_fft_power_q15(native.ptr(spec), C.c_uint32(n), native.ptr(power))
    assert np.array_equal(power, fft.power_q15(spec))
    mag = np.zeros(n // 2 + 1, np.uint16)
    native.lib().emml_fft_magnitude_q15(native.ptr(spec), C.c_uint32(n), native.ptr(mag))
    assert np.array_equal(mag, np.floor(np.sqrt(fft.power_q15(spec))).astype(np.uint16))


def test_init_rejects_bad_sizes():
    import ctypes as C

    tw = np.zeros(256, np.int16)
    table = native.FftTableQ15(256, native.ptr(tw))
    inst = native.FftQ15()
    L = native.lib()
    assert L.emml_fft_init_q15(C.byref(inst), C.byref(table), 256) == 0
    assert L.emml_fft_init_q15(C.byref(inst), C.byref(table), 512) == -3  # table too small
    assert L.emml_fft_init_q15(C.byref(inst), C.byref(table), 100) == -2
    assert L.emml_fft_init_q15(C.byref(inst), C.byref(table), 16) == -2
    assert L.emml_fft_init_q15(None, C.byref(table), 256) == -1


FFT_TARGET_C = r"""
#include "emml/fft.h"
#include "tw1024.h"

int32_t fft_run(int16_t *buf, uint32_t n);
int main(void);

/* the profiler calls this directly: init for n, transform buf in place */
int32_t fft_run(int16_t *buf, uint32_t n)
{
    emml_fft_q15_t f;
    emml_status_t st = emml_fft_init_q15(&f, &tw1024, n);
    if (st == EMML_OK) {
        emml_fft_rfft_q15(&f, buf);
    }
    return (int32_t)st;
}

int main(void)
{
    volatile int run = 0;
    return run ? (int)fft_run(0, 32u) : 0;
}
"""


@pytest.mark.firmware
@pytest.mark.parametrize("board", ["qemu_m0", "qemu_rv32e"])
def test_q15_on_target_bit_exact(board, need_tool, tmp_path):
    """The target's FFT (on ARMv6-M the assembly radix-4 loop, on RV32E the
    C without a multiply instruction) equals the reference for every size,
    saturating inputs included, run in the unicorn emulator."""
    from emml import boards, firmware
    from emml.dsp import codegen
    from emml.profile import profile_function

    need_tool(boards.load(board).toolchain_prefix + "gcc")
    (tmp_path / "tw1024.h").write_text('#include "emml/fft.h"\nextern const emml_fft_table_q15_t tw1024;\n')
    (tmp_path / "tw1024.c").write_text('#include "tw1024.h"\n' + codegen.fft_table_c("tw1024", 1024, "q15"))
    (tmp_path / "main.c").write_text(FFT_TARGET_C)
    elf = firmware.build(board, [tmp_path / "main.c", tmp_path / "tw1024.c"], include_dirs=[tmp_path],
                         name=f"fft_target_{board}").elf
    rng = np.random.default_rng(5)
    for n in SIZES:
        signals = dict(_signals(n))
        signals["noise2"] = rng.integers(-32768, 32768, n)
        signals["extremes2"] = rng.choice([-32768, 32767], n)
        for name, x in signals.items():
            x = x.astype(np.int16)
            r = profile_function(elf, "fft_run", (x.copy(), n), max_instructions=50_000_000)
            assert r.return_value == 0
            assert np.array_equal(r.buffers[0], fft.rfft_q15(x, table_n=1024)), (n, name)
