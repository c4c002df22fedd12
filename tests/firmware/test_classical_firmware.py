"""One model of each classical family runs in QEMU (Cortex-M0+ and RV32EC, no
FPU: soft float, no libm) and gives the host's answers: the same class on
every row, float outputs equal to the host's within 2 float32 ulp (both are
IEEE single arithmetic in the same order; the allowance covers compilers
that contract or reorder)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.covariance import EllipticEnvelope
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import emml
from emml.dut import run

APP = __import__("pathlib").Path(__file__).resolve().parent / "classical_app"
BOARDS = ["qemu_m0", "qemu_rv32e"]
X, Y = load_iris(return_X_y=True)
ROWS = X[::7]


def _probability_svc():
    with warnings.catch_warnings():  # probability=True is deprecated from scikit-learn 1.9
        warnings.simplefilter("ignore", FutureWarning)
        return SVC(gamma=0.5, probability=True, random_state=0).fit(X, Y)


def models():
    return {
        "linear": emml.convert(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, Y)),
        "linear_int8": emml.convert(LogisticRegression(max_iter=1000).fit(X, Y), dtype="int8", X_calibration=X),
        "svm": emml.convert(_probability_svc()),  # predict_proba: Platt + pairwise coupling on the device
        "svm_linear_int16": emml.convert(SVC(kernel="linear").fit(X, Y), dtype="int16", X_calibration=X),
        "bayes": emml.convert(GaussianNB().fit(X, Y)),
        "neighbors": emml.convert(KNeighborsClassifier(5, weights="distance").fit(X, Y)),
        "neighbors_int8": emml.convert(KNeighborsClassifier(5, weights="distance").fit(X, Y), dtype="int8"),
        "mixture": emml.convert(GaussianMixture(3, covariance_type="full", random_state=0).fit(X)),
        "envelope": emml.convert(EllipticEnvelope(random_state=0).fit(X)),
    }


MODELS = ["linear", "linear_int8", "svm", "svm_linear_int16", "bayes", "neighbors", "neighbors_int8", "mixture",
          "envelope"]
_cache: dict = {}


def _model(kind):
    if not _cache:
        _cache.update(models())
    return _cache[kind]


def _vectors(model, path):
    rows = ", ".join(f"{np.float32(v)!r}f".replace("np.float32(", "").replace(")", "")
                     for v in ROWS.astype(np.float32).reshape(-1))
    entry = next(e for e in ("predict_proba", "regress", "decision") if e in model.entry_points)
    n_out = {"predict_proba": model.n_outputs, "regress": 1, "decision": model.n_decision}[entry]
    path.write_text(
        f"#define VEC_N_ROWS {len(ROWS)}\n#define APP_HAS_PREDICT {int('predict' in model.entry_points)}\n"
        f"#define APP_ROWS model_{entry}\n#define APP_N_OUT {n_out}\n"
        f"static const float vec_x[] = {{ {rows} }};\n")
    return entry, n_out


@pytest.mark.firmware
@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("kind", MODELS)
def test_model_in_qemu_matches_host(build_app, need_tool, tmp_path, board, kind):
    from emml import boards

    need_tool(boards.load(board).qemu[0])
    model = _model(kind)
    model.save(tmp_path, "model")
    entry, n_out = _vectors(model, tmp_path / "vectors.h")
    image = build_app(APP, board, extra_sources=[tmp_path / "model.c"], include_dirs=[tmp_path])
    status, out = run(board, image.elf, timeout=30)
    assert status == 0, out
    got = re.findall(r"row (\d+) p=(-?\d+|-) o=([0-9a-f,]+)", out)
    assert len(got) == len(ROWS), out
    if "predict" in model.entry_points:
        host = model.predict(ROWS)
        labels = model.classes_[[int(p) for _, p, _ in got]]
        np.testing.assert_array_equal(labels, host)
    host_out = model._rows(entry, ROWS, n_out)
    dev = np.array([[np.uint32(int(h, 16)).view(np.float32) for h in o.split(",")] for _, _, o in got])
    ulp = np.spacing(np.abs(host_out).astype(np.float32))
    assert (np.abs(dev - host_out) <= 2 * ulp + 1e-30).all(), (dev, host_out)
