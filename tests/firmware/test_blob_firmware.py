"""Model blobs on the device (QEMU, Cortex-M0 and RV32E): the blob linked
into flash and a blob received over the UART give the host's answers bit for
bit; a corrupted or truncated update is rejected with its status and the
model already running keeps answering."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_digits
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier

from emml import blob as B

APP = Path(__file__).parent / "blob_app"
BOARDS = ["qemu_m0", "qemu_rv32e"]
SEED = 0
N_ROWS = 25


def row_line(row: np.ndarray) -> str:
    return " ".join(f"{int(b):08x}" for b in np.asarray(row, dtype=np.float32).view(np.uint32))


def send_blob(dut, data: bytes) -> None:
    dut.write_line(f"load {len(data)}")
    for i in range(0, len(data), 64):
        dut.write_line(data[i:i + 64].hex())


@pytest.fixture(scope="module")
def models():
    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float32)
    forest = RandomForestClassifier(n_estimators=3, max_depth=5, random_state=SEED).fit(X[:1200], y[:1200])
    Xr, yr = load_diabetes(return_X_y=True)
    Xr = Xr.astype(np.float32)
    boosting = GradientBoostingRegressor(n_estimators=8, max_depth=3, random_state=SEED).fit(Xr[:300], yr[:300])
    return forest, X[1200:1200 + N_ROWS], boosting, Xr[300:300 + N_ROWS]


@pytest.mark.firmware
@pytest.mark.parametrize("board", BOARDS)
def test_blob_from_flash_and_from_the_uart(run_app, tmp_path, models, board):
    forest, X, boosting, Xr = models
    flash = B.encode(forest)
    for name, text in B.c_sources(flash, "blob_flash").items():
        (tmp_path / name).write_text(text)
    host = B.Blob(flash)
    host_class, host_proba = host.predict(X), host.predict_proba(X)
    np.testing.assert_array_equal(forest.classes_[host_class], forest.predict(X))

    update = B.encode(boosting)
    host_values = B.Blob(update).regress(Xr)
    assert len(update) <= 4096, "the app's receive buffer is 4096 bytes"

    with run_app(APP, board, extra_sources=[tmp_path / "blob_flash.c"], include_dirs=[tmp_path]) as dut:
        dut.expect(rf"ready flash=0 size={len(flash)} features=64 classes=10\r?\n")
        for i, row in enumerate(X):
            dut.write_line(row_line(row))
            got = dut.expect(r"row (\d+) class (\d+) proba ([0-9a-f]{8})\r?\n")
            assert int(got.group(1)) == i
            assert int(got.group(2)) == host_class[i], f"row {i}: class differs from the host"
            want = int(np.float32(host_proba[i, host_class[i]]).view(np.uint32))
            assert int(got.group(3), 16) == want, f"row {i}: probability differs from the host"

        # updates that must be refused: the flash model keeps answering
        corrupted = bytearray(update)
        corrupted[len(update) // 2] ^= 0x10
        send_blob(dut, bytes(corrupted))
        dut.expect(rf"load -8 size={len(update)} features=0 classes=0\r?\n")  # EMML_ERR_CHECKSUM
        send_blob(dut, update[:100])
        dut.expect(r"load -6 size=100 features=0 classes=0\r?\n")  # EMML_ERR_FORMAT: truncated
        dut.write_line(row_line(X[0]))
        got = dut.expect(r"row (\d+) class (\d+) proba")
        assert int(got.group(2)) == host_class[0]

        # a good update replaces the model
        send_blob(dut, update)
        dut.expect(rf"load 0 size={len(update)} features=10 classes=0\r?\n")
        for i, row in enumerate(Xr):
            dut.write_line(row_line(row))
            got = dut.expect(r"row \d+ value ([0-9a-f]{8})\r?\n")
            want = int(np.float32(host_values[i]).view(np.uint32))
            assert int(got.group(1), 16) == want, f"row {i}: regression value differs from the host"
        nan_row = Xr[0].copy()
        nan_row[2] = np.nan
        dut.write_line(row_line(nan_row))
        dut.expect(r"row \d+ error -9\r?\n")  # EMML_ERR_NUMERIC: no NaN routing in this model
        dut.write_line("end")
        dut.expect(rf"done rows={2 * N_ROWS + 2}\r?\n")
        assert dut.wait_exit() == 0
