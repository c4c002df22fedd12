"""scikit-learn transformers HarFeatures / LogMel: Pipeline use, the output
equals the C the config generates (host build of the saved files), clone /
get_params work with the single config parameter."""

from __future__ import annotations

import ctypes as C
import glob

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from emml.dsp import HarConfig, HarFeatures, LogMel, LogMelConfig  # noqa: E402
from emml.dsp.native import HarNative, ptr  # noqa: E402
from emml.host import compile_c  # noqa: E402
from emml import datasets  # noqa: E402



def _har_dataset():
    d = datasets.find("st_har_26hz")
    if d is None:
        pytest.skip("st_har_26hz data set not found (emml data fetch st_har_26hz, or set EMML_DATA_DIR)")
    root = d / "dataset"
    X, y, g = [], [], []
    for i, f in enumerate(sorted(glob.glob(str(root / "*" / "*.csv")))):
        a = np.loadtxt(f, delimiter=",", dtype=np.int64)
        k = len(a) // 52
        X.append(a[: 52 * k].reshape(k, 52, 3))
        y += [f.split("/")[-2]] * k
        g += [i] * k
    return np.concatenate(X).astype(np.int16), np.array(y), np.array(g)


def test_har_pipeline_trains_and_matches_c(tmp_path):
    X, y, files = _har_dataset()
    test = files % 4 == 0  # split by file (continuous recordings)
    cfg = HarConfig(gravity="mean", energy_frac=2)
    pipe = make_pipeline(HarFeatures(cfg), RandomForestClassifier(n_estimators=20, random_state=0))
    pipe.fit(X[~test], y[~test])
    acc = (pipe.predict(X[test]) == y[test]).mean()
    assert acc > 0.85
    feats = pipe[0].transform(X[test][:50])
    nat = HarNative(cfg, name="har_pipe")
    assert np.array_equal(feats, nat.to_f32(nat.features(X[test][:50])).astype(np.float64))
    h, c = pipe[0].save(tmp_path, "har")
    assert h.read_text() == cfg.header_c("har") and c.read_text() == cfg.source_c("har")
    assert list(pipe[0].get_feature_names_out()) == cfg.feature_names()


def test_har_transformer_params_and_int_output():
    t = HarFeatures(HarConfig(window=26), output="int")
    t2 = clone(t)
    assert t2.get_params()["config"] == HarConfig(window=26)
    x = np.random.default_rng(1).integers(-4000, 4000, (20, 26, 3)).astype(np.int16)
    assert t2.fit(x).transform(x).dtype == np.int32
    assert np.array_equal(t2.transform(x.reshape(len(x), -1)), t2.transform(x))
    with pytest.raises(TypeError):
        HarFeatures(config=LogMelConfig()).fit(x)


def test_logmel_transformer_equals_generated_entry_point(tmp_path):
    cfg = LogMelConfig(sample_rate=8000, n_fft=256, hop_length=128, n_mels=24, n_mfcc=8)
    rng = np.random.default_rng(0)
    t = np.arange(2048)
    X = np.stack([np.round(8000 * np.sin(2 * np.pi * f * t / 8000) + rng.normal(0, 200, len(t)))
                  for f in (300, 700, 1500)]).astype(np.int16)
    tr = LogMel(cfg, output="int").fit(X)
    out = tr.transform(X)
    assert out.shape == (3, tr.n_frames_ * 24)
    tr.save(tmp_path, "kws")
    lib = C.CDLL(str(compile_c([tmp_path / "kws.c"], output_name="kws_entry", shared=True,
                               include_dirs=[tmp_path])))
    assert lib.kws_check() == 0
    work = np.zeros(256, np.int16)
    got = np.zeros(24, np.int16)
    frame = np.ascontiguousarray(cfg.frames(X[1])[2])
    lib.kws_logmel_frame(ptr(frame), ptr(work), ptr(got))
    assert np.array_equal(got, out[1].reshape(-1, 24)[2])
    mf = np.zeros(8, np.int16)
    lib.kws_mfcc(ptr(got), ptr(mf))
    assert np.array_equal(mf, cfg.mfcc_q15(got[None])[0])
    db = LogMel(cfg).fit(X).transform(X)
    assert np.array_equal(db, out / 256.0)
    assert LogMel(cfg, output="mfcc").fit(X).transform(X).shape == (3, tr.n_frames_ * 8)
