"""emml.convert of a scikit-learn Pipeline [HarFeatures or LogMel, model]:
one generated C entry point on raw int16 windows (emml.pipeline).

Contracts:
  * the C front end gives exactly the transformer's float features;
  * predictions equal the Python Pipeline's on every window (trees, and
    the linear model here); tree probabilities within 1e-6 (float32 sums);
  * the same C on the emulated targets (qemu_m0, qemu_rv32e) predicts what
    the host predicts.
"""

from __future__ import annotations

import glob
import shutil

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import emml
from emml.dsp import HarConfig, HarFeatures, LogMel, LogMelConfig
from emml.model import UnsupportedError
from emml import datasets
from emml.pipeline import PipelineModel

HAR = HarConfig(window=52, sample_rate=26, gravity="filter")


def _har_data(per_class: int = 3):
    d = datasets.find("st_har_26hz")
    if d is None:
        pytest.skip("st_har_26hz data set not found (emml data fetch st_har_26hz, or set EMML_DATA_DIR)")
    root = d / "dataset"
    X, y = [], []
    for cls in ("walking", "stationary", "running"):
        for f in sorted(glob.glob(str(root / cls / "*.csv")))[:per_class]:
            a = np.loadtxt(f, delimiter=",", dtype=np.int64)
            k = len(a) // HAR.window
            X.append(a[: k * HAR.window].reshape(k, HAR.window, 3))
            y += [cls] * k
    return np.concatenate(X).astype(np.int16), np.array(y)


@pytest.fixture(scope="module")
def har_data():
    return _har_data()


@pytest.fixture(scope="module")
def har_forest(har_data):
    X, y = har_data
    pipe = make_pipeline(HarFeatures(HAR), RandomForestClassifier(12, max_depth=6, random_state=0)).fit(X, y)
    return pipe, emml.convert(pipe)


def test_har_forest_equals_pipeline(har_data, har_forest):
    X, _ = har_data
    pipe, model = har_forest
    assert isinstance(model, PipelineModel)
    assert model.n_features == 3 * HAR.window
    assert np.array_equal(model.features(X), pipe[0].transform(X).astype(np.float32))
    assert np.array_equal(model.predict(X), pipe.predict(X))
    assert np.abs(model.predict_proba(X) - pipe.predict_proba(X)).max() <= 1e-6
    # the flattened (n, 3 * window) form is accepted too
    assert np.array_equal(model.predict(X.reshape(len(X), -1)[:5]), pipe.predict(X[:5]))


def test_har_scaled_linear_equals_pipeline(har_data):
    X, y = har_data
    pipe = make_pipeline(HarFeatures(HarConfig(window=52, sample_rate=26), output="int"), StandardScaler(),
                         LogisticRegression(max_iter=3000)).fit(X, y)
    model = emml.convert(pipe)
    assert np.array_equal(model.predict(X), pipe.predict(X))
    assert np.abs(model.predict_proba(X) - pipe.predict_proba(X)).max() <= 1e-4


def _fsdd(digits=(0, 1, 2), per_digit=40, n_samples=2048):
    d = datasets.find("fsdd")
    if d is None:
        pytest.skip("FSDD data set not found (emml data fetch fsdd, or set EMML_DATA_DIR)")
    from scipy.io import wavfile

    X, y = [], []
    for digit in digits:
        for f in sorted(glob.glob(str(d / "recordings" / f"{digit}_*.wav")))[:per_digit]:
            x = wavfile.read(f)[1].astype(np.int16)
            w = np.zeros(n_samples, np.int16)
            w[: min(len(x), n_samples)] = x[:n_samples]
            X.append(w)
            y.append(digit)
    return np.array(X), np.array(y)


@pytest.mark.parametrize("output", ["logmel", "mfcc"])
def test_logmel_tree_equals_pipeline(output):
    X, y = _fsdd()
    cfg = LogMelConfig(sample_rate=8000, n_fft=256, hop_length=256, n_mels=20, n_mfcc=10)
    pipe = make_pipeline(LogMel(cfg, output=output), DecisionTreeClassifier(max_depth=6, random_state=0)).fit(X, y)
    model = emml.convert(pipe)
    assert model.n_features == X.shape[1]
    assert np.array_equal(model.features(X), pipe[0].transform(X).astype(np.float32))
    assert np.array_equal(model.predict(X), pipe.predict(X))


def test_generated_c_is_deterministic(har_forest):
    _, model = har_forest
    assert model.sources("har") == model.sources("har")
    src = model.sources("har")
    assert set(src) == {"har.h", "har.c", "har_fe.h", "har_model.h"}
    assert "int32_t har_predict(const int16_t *samples, int32_t n_samples, har_scratch_t *scratch);" in src["har.h"]


def test_bad_input_and_unsupported(har_forest):
    _, model = har_forest
    with pytest.raises(ValueError, match="windows of 156 int16 samples"):
        model.predict(np.zeros((2, 50, 3), np.int16))
    with pytest.raises(TypeError, match="int16 samples"):
        model.predict(np.zeros((2, 52, 3), np.float32))
    X, y = _fsdd(per_digit=5)
    unfitted = make_pipeline(LogMel(LogMelConfig(sample_rate=8000, n_fft=256, n_mels=20)),
                             DecisionTreeClassifier(max_depth=2))
    unfitted.steps[1][1].fit(np.zeros((2, 7 * 20)), [0, 1])
    with pytest.raises(UnsupportedError, match="not fitted"):
        emml.convert(unfitted)
    lonely = make_pipeline(HarFeatures(HAR))
    with pytest.raises(UnsupportedError, match="add the model"):
        emml.convert(lonely)


@pytest.mark.firmware
@pytest.mark.parametrize("board", ["qemu_m0", "qemu_rv32e"])
def test_pipeline_on_target_equals_host(board, har_data, har_forest, need_tool, tmp_path):
    """har_predict built for the board and run in the unicorn emulator
    returns the host's class for each window."""
    from emml import boards, firmware
    from emml.profile import profile_function

    need_tool(boards.load(board).toolchain_prefix + "gcc")
    X, _ = har_data
    _, model = har_forest
    model.save(tmp_path, "har")
    (tmp_path / "main.c").write_text('#include "har.h"\nint main(void);\nint main(void)\n{\n    volatile int run = 0;\n'
                                     "    return run ? (int)har_predict(0, 0, 0) : 0;\n}\n")
    elf = firmware.build(board, [tmp_path / "main.c", tmp_path / "har.c"], include_dirs=[tmp_path],
                         name=f"pipeline_{board}").elf
    rows = X[:: max(1, len(X) // 12)]
    want = np.searchsorted(model.classes_, model.predict(rows))
    for row, cls in zip(rows, want):
        r = profile_function(elf, "har_predict", (row.reshape(-1).copy(), row.size,
                                                  np.zeros(model.front.scratch_bytes(), np.uint8)),
                             max_instructions=50_000_000)
        assert r.return_signed == cls


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="no arm-none-eabi-gcc")
def test_har_pipeline_report_measures_the_whole_entry_point(har_data, har_forest):
    X, _ = har_data
    _, model = har_forest
    r = model.report("py32f003", X=X[:2])
    assert r["entry_point"] == model.report_entry
    # the entry point runs the HAR features too: a front end's worth of flash and cycles
    assert r["flash_bytes"] > 2000 and r["cycles_mean"] > 10_000
    assert r["instructions_mean"] > 0 and r["stack_bytes"] > 0
    assert r["scratch_bytes"] == model.front.scratch_bytes() > 0
