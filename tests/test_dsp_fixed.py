"""emml/fixed.h: the C helpers equal the Python reference (emml.dsp.fixedpoint)
bit for bit, and the documented error bounds hold."""

import numpy as np
import pytest

from emml.dsp import fixedpoint as fx
from emml.dsp import native

RNG = np.random.default_rng(1234)


def _u32_samples():
    powers = [1 << e for e in range(32)]
    near = [p + d for p in powers for d in (-1, 1) if 0 < p + d < 2**32]
    rand = RNG.integers(1, 2**32, 3000, dtype=np.uint64).tolist()
    small = list(range(1, 300))
    return np.array(sorted(set(powers + near + rand + small + [2**32 - 1])), dtype=np.int64)


def test_log2_table_is_the_generated_one():
    src = (native.lib and __import__("emml.paths", fromlist=["x"]).runtime_dir() / "src" / "fixed.c").read_text()
    body = src.split("log2_table_q16[33] = {")[1].split("}")[0]
    assert [int(v.strip().rstrip("u")) for v in body.split(",") if v.strip()] == fx.log2_table()


def test_log2_q16_matches_reference_and_error_bound():
    x = _u32_samples()
    L = native.lib()
    c = np.array([L.emml_log2_q16(int(v)) for v in x])
    ref = fx.log2_q16(x)
    assert np.array_equal(c, ref)
    err = np.abs(c / 65536.0 - np.log2(x.astype(np.float64)))
    assert err.max() <= 2.0e-4  # documented in fixed.h
    assert L.emml_log2_q16(0) == fx.LOG2_ZERO_Q16
    for e in range(32):
        assert L.emml_log2_q16(1 << e) == e << 16


def test_ln_q16_matches_reference_and_error_bound():
    x = _u32_samples()
    L = native.lib()
    c = np.array([L.emml_ln_q16(int(v)) for v in x])
    assert np.array_equal(c, fx.ln_q16(x))
    assert np.abs(c / 65536.0 - np.log(x.astype(np.float64))).max() <= 2.0e-4


def test_isqrt_exact():
    L = native.lib()
    x32 = _u32_samples()
    for v in x32:
        r = L.emml_isqrt_u32(int(v))
        assert r * r <= v < (r + 1) * (r + 1)
    x64 = RNG.integers(0, 2**63, 2000, dtype=np.uint64).tolist() + [2**64 - 1, 2**32, 2**32 - 1]
    for v in x64:
        r = L.emml_isqrt_u64(int(v))
        assert r * r <= v < (r + 1) * (r + 1)
    assert np.array_equal(fx.isqrt(np.array(x64[:500], dtype=np.uint64)),
                          [L.emml_isqrt_u64(int(v)) for v in x64[:500]])


def test_clz():
    L = native.lib()
    x = _u32_samples()
    assert np.array_equal([L.emml_clz32(int(v)) for v in x], fx.clz32(x))
    assert L.emml_clz32(0) == 32


@pytest.mark.parametrize("scale", [1e-40, 1e-30, 1e-3, 1.0, 7.5, 1e20, 3e38])
def test_float_log2_and_sqrt(scale):
    L = native.lib()
    x = (RNG.random(300) + 1e-3) * scale
    x = x.astype(np.float32)
    x = x[np.isfinite(x) & (x > 0)]
    lg = np.array([L.emml_log2_f32(float(v)) for v in x])
    ref = np.log2(x.astype(np.float64))
    assert np.max(np.abs(lg - ref) / np.maximum(np.abs(ref), 1.0)) < 5e-7
    sq = np.array([L.emml_sqrt_f32(float(v)) for v in x], dtype=np.float32)
    ref = np.sqrt(x.astype(np.float64))
    assert np.max(np.abs(sq - ref) / ref) < 2.4e-7  # about 2 ulp
    assert L.emml_log2_f32(0.0) < -1e38
    assert L.emml_sqrt_f32(0.0) == 0.0
