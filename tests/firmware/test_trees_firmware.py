"""A converted tree model runs in QEMU (Cortex-M0 and RV32E) and gives the
host's answers: the same class as Model.predict and scikit-learn for every
row, and bit-identical probabilities to Model.predict_proba."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier

import emml

APP = Path(__file__).parent / "trees_app"
BOARDS = ["qemu_m0", "qemu_rv32e"]
SEED = 0
N_ROWS = 40


@pytest.fixture(scope="module")
def digits_forest():
    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float32)
    est = RandomForestClassifier(n_estimators=6, max_depth=7, random_state=SEED).fit(X[:1200], y[:1200])
    return est, X[1200:1200 + N_ROWS]


def row_line(row: np.ndarray) -> str:
    return " ".join(f"{int(b):08x}" for b in np.asarray(row, dtype=np.float32).view(np.uint32))


@pytest.mark.firmware
@pytest.mark.parametrize("method", ["table", "inline"])
@pytest.mark.parametrize("board", BOARDS)
def test_tree_model_in_qemu_matches_host(run_app, tmp_path, digits_forest, board, method):
    est, X = digits_forest
    model = emml.convert(est, method=method)
    model.save(tmp_path, "tree_model")
    host_class = model.predict(X)
    host_proba = model.predict_proba(X)
    np.testing.assert_array_equal(host_class, est.predict(X))
    index = np.searchsorted(model.classes_, host_class)
    with run_app(APP, board, extra_sources=[tmp_path / "tree_model.c"], include_dirs=[tmp_path]) as dut:
        dut.expect(r"ready features=64 classes=10")
        for i, row in enumerate(X):
            dut.write_line(row_line(row))
            got = dut.expect(r"row (\d+) class (\d+) proba ([0-9a-f]{8})")
            assert int(got.group(1)) == i
            assert int(got.group(2)) == index[i], f"row {i}: firmware class differs from the host"
            want = int(np.float32(host_proba[i, index[i]]).view(np.uint32))
            assert int(got.group(3), 16) == want, f"row {i}: firmware probability differs from the host"
        dut.write_line("1234")
        dut.expect(rf"row {len(X)} error malformed")
        dut.write_line("end")
        dut.expect(rf"done rows={len(X) + 1}")
        assert dut.wait_exit() == 0


@pytest.mark.firmware
@pytest.mark.parametrize("method", ["table", "inline"])
@pytest.mark.parametrize("board", BOARDS)
def test_multi_output_forest_in_qemu_matches_host(run_app, tmp_path, board, method):
    """Multi-output classification (digit, parity, >= 5): every output's class
    and every probability bit-identical to the host, classes equal to scikit-learn."""
    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float32)
    Y = np.c_[y, y % 2, (y >= 5).astype(int)]
    est = RandomForestClassifier(n_estimators=4, max_depth=6, random_state=SEED).fit(X[:1200], Y[:1200])
    X = X[1200:1200 + N_ROWS]
    model = emml.convert(est, method=method)
    model.save(tmp_path, "tree_model")
    host_class = model.predict(X)
    np.testing.assert_array_equal(host_class, est.predict(X))
    host_proba = np.concatenate(model.predict_proba(X), axis=1)
    index = np.stack([np.searchsorted(c, host_class[:, k]) for k, c in enumerate(model.classes_)], axis=1)
    with run_app(APP, board, extra_sources=[tmp_path / "tree_model.c"], include_dirs=[tmp_path]) as dut:
        dut.expect(r"ready features=64 targets=3 outputs=14")
        for i, row in enumerate(X):
            dut.write_line(row_line(row))
            got = dut.expect(r"row (\d+) class ([\d ]+) proba ([0-9a-f ]+)\r?\n")
            assert int(got.group(1)) == i
            assert [int(v) for v in got.group(2).split()] == index[i].tolist(), f"row {i}: classes differ"
            want = [f"{int(b):08x}" for b in host_proba[i].astype(np.float32).view(np.uint32)]
            assert got.group(3).split() == want, f"row {i}: probabilities differ from the host"
        dut.write_line("end")
        dut.expect(rf"done rows={len(X)}")
        assert dut.wait_exit() == 0
