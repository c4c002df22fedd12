"""An int8 CNN (emml.convert of a TFLite-quantized Keras model) runs in QEMU
on qemu_m0 and qemu_rv32e and prints the same int8 output bytes and classes
as the same generated C run on the host."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import emml

APP = Path(__file__).resolve().parent / "nn_app"
N_VECTORS = 12


@pytest.fixture(scope="module")
def cnn(tmp_path_factory):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    keras = pytest.importorskip("keras")
    pytest.importorskip("tensorflow")
    from emml.nn import quantize

    keras.utils.set_random_seed(0)
    L = keras.layers
    model = keras.Sequential([
        keras.Input((32, 3)),
        L.Conv1D(8, 5, strides=2, padding="same", activation="relu"),
        L.DepthwiseConv1D(3, padding="same", activation="relu6"),
        L.MaxPooling1D(2),
        L.SeparableConv1D(8, 3, activation="relu"),
        L.GlobalAveragePooling1D(),
        L.Dense(4, activation="softmax"),
    ])
    rs = np.random.RandomState(0)
    X = rs.randn(200, 32, 3).astype(np.float32)
    m = emml.convert(quantize(model, X))
    d = tmp_path_factory.mktemp("nn_fw")
    m.save(d, "nn_model")
    Xq = np.vstack([rs.randint(-128, 128, size=(N_VECTORS // 2, m.n_features)),
                    m.quantize_input(X[: N_VECTORS - N_VECTORS // 2].reshape(-1, m.n_features))]).astype(np.int8)
    rows = ",\n".join("    {" + ", ".join(str(int(v)) for v in r) + "}" for r in Xq)
    (d / "nn_vectors.h").write_text(
        "#include <stdint.h>\n"
        f"#define NN_N_VECTORS {len(Xq)}u\n"
        f"static const int8_t nn_vectors[{len(Xq)}][{m.n_features}] = {{\n{rows}\n}};\n")
    return m, Xq, d


@pytest.mark.firmware
@pytest.mark.parametrize("board", ["qemu_m0", "qemu_rv32e"])
def test_int8_cnn_in_qemu_matches_host(run_app, cnn, board):
    m, Xq, d = cnn
    want = m.forward_i8(Xq)
    classes = m.predict_i8(Xq)
    with run_app(APP, board, extra_sources=[d / "nn_model.c"], include_dirs=[d], timeout=60) as dut:
        dut.expect(rf"nn {m.n_features} {m.net.n_out}")
        for i in range(len(Xq)):
            got = dut.expect(rf"out {i} ([0-9a-f]+)\r?\n")
            assert bytes.fromhex(got.group(1)) == want[i].tobytes(), f"vector {i} differs on {board}"
            cls = dut.expect(rf"class {i} (-?\d+)\r?\n")
            assert int(cls.group(1)) == int(classes[i])
        dut.expect(r"cycles (\d+)")
        stack = dut.expect(r"stack used=(\d+)")
        dut.expect("done")
        assert dut.wait_exit() == 0
    assert 0 < int(stack.group(1)) < 1024
