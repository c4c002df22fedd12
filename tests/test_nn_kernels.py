"""int8 kernels without TensorFlow: random layers of many shapes (emml.nn.synthetic)
through the generated C on the host, bit for bit against the Python integer
reference. Covers the paths the kernels choose between: word loads (aligned,
multiple of 4) and byte loops, direct and gathered convolution windows,
padding, strides, dilation, depth multipliers, and an unaligned input."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from emml.nn.model import needs_scratch
from emml.nn.synthetic import chain

CASES = {
    # dense: n_in a multiple of 4 (word loop) and not (byte tail, rows misaligned)
    "dense_words": ([("dense", 12), ("dense", 8), ("dense", 5)], (40,)),
    "dense_tail": ([("dense", 7), ("dense", 3)], (13,)),
    # 1-D convolutions: direct window (valid, k_h 1) with 3 channels, then gathered (same padding)
    "conv1d_valid": ([("conv", 8, (1, 5), (1, 2), "valid"), ("conv", 4, (1, 3), (1, 1), "same")], (1, 33, 3)),
    # 2-D: gathered windows, asymmetric same padding, strides, in_c 1 and 8
    "conv2d_same": ([("conv", 8, (3, 3), (2, 1), "same"), ("conv", 4, (2, 2), (1, 1), "same")], (9, 7, 1)),
    "pointwise": ([("conv", 8, (1, 1), (1, 1), "valid"), ("conv", 12, (1, 1), (1, 1), "valid")], (4, 5, 8)),
    "dilated": ([("conv", 4, (3, 2), (1, 1), "same", (2, 3))], (7, 9, 4)),
    # depthwise: multiplier 1 (gathered, strided dot) and 2 (tap by tap), strides, valid and same
    "dw_mult1": ([("dw", 1, (3, 3), (1, 1), "same"), ("dw", 1, (3, 1), (2, 2), "valid")], (6, 5, 8)),
    "dw_mult2": ([("dw", 2, (3, 3), (2, 1), "same")], (6, 5, 3)),
    "dscnn": ([("conv", 8, (5, 3), (2, 2), "same"), ("dw", 1, (3, 3), (1, 1), "same"),
               ("conv", 8, (1, 1), (1, 1), "valid"), ("dense", 4)], (13, 10, 1)),
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_random_int8_layers_match_reference(key):
    spec, shape = CASES[key]
    m = chain(spec, shape, seed=len(key))
    rs = np.random.RandomState(1)
    Xq = rs.randint(-128, 128, size=(40, m.n_features)).astype(np.int8)
    Xq[0] = -128  # extremes: the largest accumulators of either sign
    Xq[1] = 127
    got = m.forward_i8(Xq)
    want = m.reference_i8(Xq)
    assert (got == want).all(), f"{(got != want).any(1).sum()} of {len(Xq)} rows differ"
    # outputs are not all saturated: the test exercises the rounding
    assert len(np.unique(want)) > 10


def test_gathered_windows_get_arena_scratch():
    m = chain(CASES["dscnn"][0], CASES["dscnn"][1])
    ops = [(l.op, needs_scratch(l)) for l in m.net.layers]
    assert ops == [("conv2d", True), ("dwconv2d", True), ("conv2d", False), ("fc", False)]
    assert m.plan.scratch_bytes == 3 * 3 * 8  # the largest window: depthwise 3x3 over 8 channels (5x3x1 rounds to 16)
    assert m.plan.scratch_offset + m.plan.scratch_bytes == m.plan.arena_bytes
    c = m.sources("net")["net.c"]
    assert f"net_arena + {m.plan.scratch_offset}}};" in c
    assert "EMML_NN_ALIGN" in c and "EMML_NN_ABI != 2" in c


def test_unaligned_input_takes_the_byte_path():
    """forward_i8 reads the caller's x in place: an odd address must give the same bytes."""
    m = chain([("dense", 8), ("dense", 4)], (16,), seed=3)
    rs = np.random.RandomState(2)
    Xq = rs.randint(-128, 128, size=(10, 16)).astype(np.int8)
    want = m.reference_i8(Xq)
    fn = m._function("forward_i8", [ctypes.c_void_p, ctypes.c_int32, ctypes.c_void_p, ctypes.c_int32], ctypes.c_int)
    buf = np.zeros(16 + 3, np.int8)
    out = np.zeros(4, np.int8)
    for i, row in enumerate(Xq):
        buf[3:] = row
        assert fn(buf.ctypes.data + 3, 16, out.ctypes.data, 4) == 0
        assert (out == want[i]).all()


def test_float_entry_quantizes_exactly_like_tflite():
    """The float entry point's table quantizer against the float-division reference,
    on random floats and on every threshold and its neighbours (the rounding edges)."""
    from emml.nn.ir import Layer, Net
    from emml.nn.model import NNModel
    from emml.nn.reference import _from_keys, quantize_input, quantize_thresholds

    n = 255
    scale, zero = 0.0371, -9
    identity = Layer("requant", "identity", (n,), (n,),
                     {"in_zero": zero, "out_zero": zero, "act_min": -128, "act_max": 127, "per_channel": False},
                     {"mult": np.array([1 << 30], np.int32), "shift": np.array([1], np.int8)})
    net = Net("int8", "quantizer", (n,), (n,), [identity], in_q=(scale, zero), out_q=(scale, zero))
    m = NNModel(net, {"allow_nan": True})  # NaN quantizes to the zero point, as TFLite's
    keys = quantize_thresholds(net).astype(np.int64)
    edges = _from_keys(np.concatenate([keys - 1, keys, keys + 1])).reshape(3, n)
    rs = np.random.RandomState(0)
    X = np.vstack([edges, rs.randn(20, n).astype(np.float32) * 3, rs.randn(5, n).astype(np.float32) * 1e3,
                   np.full((1, n), np.nan, np.float32), np.r_[np.inf, -np.inf, -0.0, 0.0, 1e-45, -1e-45,
                                                               np.zeros(n - 6)].astype(np.float32)[None]])
    want = quantize_input(net, np.nan_to_num(X, nan=0.0)).astype(np.int64)
    want[np.isnan(X)] = zero
    got = np.rint(m.regress(X) / np.float32(scale)).astype(np.int64) + zero  # identity net: out = scale * (q - zero)
    assert (got == want).all(), f"{(got != want).sum()} values quantized differently"
    assert len(np.unique(want)) == 256
