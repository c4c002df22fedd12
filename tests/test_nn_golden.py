"""Committed golden int8 networks (tests/assets/nn, made by make_golden.py).

1. emml's C for each committed .tflite reproduces the committed outputs of
   tflite-micro's interpreter bit for bit (needs only the flatbuffer schema,
   not TensorFlow): a change in the kernels or the reader that breaks
   bit-exactness fails here even where TensorFlow is not installed.
2. The installed TensorFlow, quantizing the committed float weights on the
   same calibration rows, yields the same int8 network: a TF upgrade that
   changes quantization is noticed (then inspect and rerun make_golden.py).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

import emml

GOLDEN = Path(__file__).resolve().parent / "assets" / "nn"
NAMES = ["golden_mlp", "golden_conv1d", "golden_dscnn"]


def _make_golden():
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _numbers(model) -> list:
    """Everything of an int8 network but its tensor names (Keras numbers those per process)."""
    net = model.net
    out: list = [net.in_shape, net.out_shape, net.in_q, net.out_q]
    for l in net.layers:
        out += [l.op, l.in_shape, l.out_shape, sorted((k, repr(v)) for k, v in l.params.items())]
        out += [(k, a.dtype.str, a.shape, a.tobytes()) for k, a in sorted(l.arrays.items())]
    return out


@pytest.mark.parametrize("name", NAMES)
def test_committed_tflite_matches_committed_tflm_outputs(name):
    pytest.importorskip("tflite_micro")
    m = emml.convert(GOLDEN / f"{name}.tflite")
    with np.load(GOLDEN / f"{name}.expected.npz") as z:
        inputs, outputs = z["inputs"], z["outputs"]
    assert len(inputs) == 64 and len(np.unique(outputs)) > 3  # not a degenerate golden file
    assert (m.reference_i8(inputs) == outputs).all(), "the Python reference differs from TFLM's committed outputs"
    assert (m.forward_i8(inputs) == outputs).all(), "the generated C differs from TFLM's committed outputs"


@pytest.mark.parametrize("name", NAMES)
def test_installed_tensorflow_quantizes_like_the_golden_file(name):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    keras = pytest.importorskip("keras")
    pytest.importorskip("tensorflow")
    from emml.nn import quantize

    mg = _make_golden()
    model = mg.rebuild(keras, name)
    seed = list(mg.architectures(keras)).index(name)
    fresh = quantize(model, mg.calibration(model, seed), n_samples=mg.N_CALIBRATION)
    want = _numbers(emml.convert(GOLDEN / f"{name}.tflite"))
    got = _numbers(emml.convert(fresh))
    assert len(got) == len(want) and got == want, (
        f"TensorFlow's converter quantizes {name} differently from the committed golden file; "
        "check the change, then regenerate with tests/assets/nn/make_golden.py")
