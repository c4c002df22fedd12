"""Model blobs (emml/blob.h, emml.blob): the C loader gives scikit-learn's
answers and the converted C's exact bits, and rejects every truncated,
corrupted or hostile blob with the right status instead of reading out of
bounds or looping.

The C here runs through ctypes; tests/test_fuzz.py runs the same loader
under ASan + UBSan on a corpus of blobs and libFuzzer's mutations of them."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_digits, make_classification
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    IsolationForest,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import emml
from emml import blob as B

SEED = 0


def _digits():
    X, y = load_digits(return_X_y=True)
    return X.astype(np.float32), y


def _binary():
    X, y = make_classification(300, 8, n_informative=5, random_state=SEED)
    return X.astype(np.float32), y


def _regression():
    X, y = load_diabetes(return_X_y=True)
    return X.astype(np.float32), y


# name -> (estimator, data); small models, every tree family and output transform
CASES = {
    "decision_tree": (lambda: DecisionTreeClassifier(max_depth=8, random_state=SEED), _digits),
    "random_forest": (lambda: RandomForestClassifier(6, max_depth=7, random_state=SEED), _digits),
    "extra_trees": (lambda: ExtraTreesClassifier(4, max_depth=6, random_state=SEED), _digits),
    "gb_binary": (lambda: GradientBoostingClassifier(n_estimators=15, random_state=SEED), _binary),
    "gb_multiclass": (lambda: GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=SEED), _digits),
    "hgb_binary": (lambda: HistGradientBoostingClassifier(max_iter=10, random_state=SEED), _binary),
    "tree_regressor": (lambda: DecisionTreeRegressor(max_depth=6, random_state=SEED), _regression),
    "forest_regressor": (lambda: RandomForestRegressor(5, max_depth=6, random_state=SEED), _regression),
    "gb_regressor": (lambda: GradientBoostingRegressor(n_estimators=15, random_state=SEED), _regression),
    "hgb_regressor": (lambda: HistGradientBoostingRegressor(max_iter=10, random_state=SEED), _regression),
    "isolation_forest": (lambda: IsolationForest(n_estimators=15, random_state=SEED), _binary),
}


@pytest.fixture(scope="module")
def fitted():
    cache = {}

    def get(name):
        if name not in cache:
            make, data = CASES[name]
            X, y = data()
            n = len(X) * 2 // 3
            est = make()
            est.fit(X[:n]) if name == "isolation_forest" else est.fit(X[:n], y[:n])
            cache[name] = (est, X[n:])
        return cache[name]

    return get


def recrc(data: bytes | bytearray) -> bytes:
    """The blob with its CRC recomputed: a hostile blob that passes the CRC,
    so the structural checks behind it are what must catch it."""
    data = bytearray(data)
    total = struct.unpack_from("<I", data, 8)[0]
    struct.pack_into("<I", data, 12, zlib.crc32(bytes(data[16:total])))
    return bytes(data)


def bits(a) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(a, dtype=np.float32)).view(np.uint32)


@pytest.mark.parametrize("name", CASES)
def test_blob_matches_scikit_learn_and_the_converted_c(fitted, name):
    est, X = fitted(name)
    blob = B.Blob(B.encode(est))
    model = emml.convert(est)
    if blob.info.task == "classifier":
        index = blob.predict(X)
        np.testing.assert_array_equal(est.classes_[index], est.predict(X))
        proba = blob.predict_proba(X)
        np.testing.assert_allclose(proba, est.predict_proba(X), atol=2e-6)
        np.testing.assert_array_equal(bits(proba), bits(model.predict_proba(X)))
    elif blob.info.task == "regressor":
        values = blob.regress(X)
        np.testing.assert_array_equal(bits(values), bits(model.regress(X)))
        np.testing.assert_allclose(values, est.predict(X), rtol=1e-5, atol=1e-3)
    else:
        np.testing.assert_array_equal(np.array([-1, 1])[blob.predict(X)], est.predict(X))
        np.testing.assert_array_equal(bits(blob.score_samples(X)), bits(model.score_samples(X)))


def test_blob_bytes_are_deterministic_and_the_header_reads_back(fitted):
    est, _ = fitted("random_forest")
    a, b = B.encode(est), B.encode(est)
    assert a == b
    info = B.inspect(a)
    assert (info.size, info.version, info.task, info.post) == (len(a), 1, "classifier", "mean_proba")
    assert (info.n_features, info.n_outputs, info.n_trees) == (64, 10, 6)
    assert info.n_nodes == sum(e.tree_.node_count for e in est.estimators_)


def test_write_accepts_an_estimator_or_a_converted_model(fitted, tmp_path):
    est, X = fitted("random_forest")
    p1 = B.write(est, tmp_path / "a.emlb")
    p2 = B.write(emml.convert(est), tmp_path / "b.emlb")
    assert p1.read_bytes() == p2.read_bytes()
    blob = B.Blob(p1, classes=est.classes_)
    np.testing.assert_array_equal(blob.predict(X), est.predict(X))


def test_nan_inputs_follow_the_model_or_are_rejected(fitted):
    X, y = _binary()
    X = X.copy()
    rng = np.random.default_rng(SEED)
    X[rng.random(X.shape) < 0.1] = np.nan
    hgb = HistGradientBoostingClassifier(max_iter=10, random_state=SEED).fit(X[:200], y[:200])
    blob = B.Blob(B.encode(hgb))
    assert blob.info.allow_nan
    np.testing.assert_array_equal(hgb.classes_[blob.predict(X[200:])], hgb.predict(X[200:]))
    np.testing.assert_allclose(blob.predict_proba(X[200:]), hgb.predict_proba(X[200:]), atol=2e-6)
    # a model without NaN routing: the device refuses the row, it does not guess
    est, Xt = fitted("random_forest")
    row = Xt[:1].copy()
    row[0, 3] = np.nan
    with pytest.raises(B.BlobError, match="EMML_ERR_NUMERIC"):
        B.Blob(B.encode(est)).predict(row)


def test_infinite_inputs_compare_like_floats(fitted):
    est, X = fitted("random_forest")
    blob = B.Blob(B.encode(est))
    rows = np.repeat(X[:4], 2, axis=0)
    rows[0::2, :] = np.inf
    rows[1::2, :] = -np.inf
    # scikit-learn refuses Inf; +-FLT_MAX goes the same way at every (finite) threshold
    big = np.finfo(np.float32).max
    np.testing.assert_array_equal(est.classes_[blob.predict(rows)], est.predict(np.clip(rows, -big, big)))


def test_wrong_feature_count_and_small_buffers_are_errors(fitted):
    est, X = fitted("random_forest")
    blob = B.Blob(B.encode(est))
    with pytest.raises(ValueError, match=r"shape \(n_samples, 64\)"):
        blob.predict(X[:, :10])


@pytest.mark.parametrize(
    "estimator, match",
    [
        (LogisticRegression(), "cannot be written as a blob"),
        ("multi_output", "multi-output|outputs: blobs hold single-output"),
        ("many_classes", "EMML_BLOB_MAX_OUTPUTS"),
    ],
)
def test_unsupported_models_are_refused_with_the_reason(estimator, match):
    X, y = _digits()
    if estimator == "multi_output":
        estimator = DecisionTreeClassifier(max_depth=3).fit(X, np.c_[y, y % 2])
    elif estimator == "many_classes":
        return_X = np.repeat(X[:200], 2, axis=0)
        estimator = DecisionTreeClassifier(max_depth=3).fit(return_X, np.arange(len(return_X)) % 20)
    else:
        estimator.fit(X[:200], y[:200])
    with pytest.raises(emml.UnsupportedError, match=match):
        B.encode(estimator)


# ---- rejected blobs ---------------------------------------------------------

@pytest.fixture(scope="module")
def small_blob():
    """A depth-3 tree on the digits, some leaves impure (dense rows)."""
    return B.encode(DecisionTreeClassifier(max_depth=3, random_state=SEED).fit(*_digits()))


def header(data: bytes) -> dict:
    k = ("task", "post", "flags", "frac", "n_features", "n_outputs", "row_width", "n_trees", "n_nodes", "n_rows")
    return dict(zip(k, struct.unpack_from("<BBBBHHHHII", data, 16)))


def node_offset(data: bytes, i: int) -> int:
    h = header(data)
    return 48 + 4 * h["n_outputs"] + 8 * h["n_trees"] + 8 * i


def test_every_truncation_is_rejected(small_blob):
    statuses = {B.open_status(small_blob[:n]) for n in range(len(small_blob))}
    assert 0 not in statuses
    assert statuses <= {-6, -7}  # FORMAT (VERSION when the cut leaves a partial version field)
    assert B.open_status(small_blob) == 0
    # a blob in a larger flash slot: the bytes after it are ignored
    assert B.open_status(small_blob + b"\xff" * 100) == 0


def test_every_bit_flip_is_detected(small_blob):
    accepted = []
    for pos in range(len(small_blob)):
        for bit in (0, 3, 7):
            bad = bytearray(small_blob)
            bad[pos] ^= 1 << bit
            if B.open_status(bytes(bad)) == 0:
                accepted.append((pos, bit))
    assert accepted == []


def _mutate(data: bytes, offset: int, fmt: str, value) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return recrc(out)


HOSTILE = {
    # name: (mutation, expected status)
    "bad magic": (lambda d: b"EMLX" + d[4:], -6),
    "other version": (lambda d: _mutate(d, 4, "<H", 2), -7),
    "header size": (lambda d: _mutate(d, 6, "<H", 52), -6),
    "size beyond data": (lambda d: _mutate(d, 8, "<I", len(d) + 8), -6),
    "size below header": (lambda d: _mutate(d, 8, "<I", 20), -6),
    "crc": (lambda d: d[:12] + bytes(4) + d[16:], -8),
    "unknown task": (lambda d: _mutate(d, 16, "<B", 9), -6),
    "unknown post": (lambda d: _mutate(d, 17, "<B", 0), -6),
    "task/post mismatch": (lambda d: _mutate(d, 17, "<B", 4), -6),
    "unknown flag": (lambda d: _mutate(d, 18, "<B", 0x80), -6),
    "frac bits overflow": (lambda d: _mutate(d, 19, "<B", 32), -6),
    "zero features": (lambda d: _mutate(d, 20, "<H", 0), -6),
    "too many outputs": (lambda d: _mutate(d, 22, "<H", 40), -5),
    "row width > outputs": (lambda d: _mutate(d, 24, "<H", 11), -6),
    "zero trees": (lambda d: _mutate(d, 26, "<H", 0), -6),
    "node count overflows": (lambda d: _mutate(d, 28, "<I", 0x20000001), -6),
    "node count off by one": (lambda d: _mutate(d, 28, "<I", header(d)["n_nodes"] + 1), -6),
    "row count mismatch": (lambda d: _mutate(d, 32, "<I", header(d)["n_rows"] + 1), -6),
    "NaN parameter": (lambda d: _mutate(d, 36, "<I", 0x7FC00000), -6),
    "reserved word": (lambda d: _mutate(d, 44, "<I", 1), -6),
    "feature out of range": (lambda d: _mutate(d, node_offset(d, 0), "<H", 64), -6),
    "self loop (skip 0 on a decision node is a leaf with junk)": (lambda d: _mutate(d, node_offset(d, 0) + 2, "<H", 0), -6),
    "right child = left child": (lambda d: _mutate(d, node_offset(d, 0) + 2, "<H", 1), -6),
    "right child outside the tree": (lambda d: _mutate(d, node_offset(d, 0) + 2, "<H", header(d)["n_nodes"]), -6),
    "NaN threshold": (lambda d: _mutate(d, node_offset(d, 0) + 4, "<I", 0x7FC00001), -6),
    "negative zero threshold": (lambda d: _mutate(d, node_offset(d, 0) + 4, "<I", 0x80000000), -6),
    "leaf row out of range": (lambda d: _leaf(d, lambda h: h["n_rows"]), -6),
    "one-hot class out of range": (lambda d: _leaf(d, lambda h: 0x80000000 | h["n_outputs"]), -6),
    "first tree not at node 0": (lambda d: _mutate(d, 48 + 4 * header(d)["n_outputs"], "<I", 1), -6),
    "probability above 1": (lambda d: _row0(d, 0xFFFFFFFF), -6),
}


def _leaf(data: bytes, ref) -> bytes:
    h = header(data)
    for i in range(h["n_nodes"]):
        o = node_offset(data, i)
        if struct.unpack_from("<H", data, o + 2)[0] == 0:
            return _mutate(data, o + 4, "<I", ref(h))
    raise AssertionError("no leaf")


def _row0(data: bytes, value: int) -> bytes:
    h = header(data)
    if h["n_rows"] == 0:
        pytest.skip("no dense rows in this blob")
    return _mutate(data, node_offset(data, h["n_nodes"]), "<I", value)


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_blobs_are_rejected_with_the_right_status(small_blob, case):
    mutate, want = HOSTILE[case]
    assert B.open_status(small_blob) == 0
    bad = mutate(small_blob)
    assert B.open_status(bad) == want
    with pytest.raises(B.BlobError, match=B.STATUS[want][0]):
        B.Blob(bad)


def test_a_backward_child_cannot_create_a_cycle(fitted):
    """A tree's second tree node redirected at its own root: the skip field
    is unsigned, so the only way back is a wrap-around, which the bound check
    refuses (the C walker can only move forward)."""
    est, _ = fitted("random_forest")
    data = B.encode(est)
    h = header(data)
    for skip in (0xFFFF, 0x8000, h["n_nodes"] - 1):
        bad = _mutate(data, node_offset(data, 0) + 2, "<H", skip)
        assert B.open_status(bad) == -6


def test_random_structural_mutations_never_get_past_the_loader_unchecked(fitted):
    """Thousands of random field rewrites with a valid CRC: every accepted
    blob must still predict without error on random inputs (no status, no
    crash); the ASan run of the same idea is tests/test_fuzz.py."""
    est, X = fitted("random_forest")
    data = B.encode(est)
    rng = np.random.default_rng(SEED)
    accepted = 0
    for _ in range(3000):
        bad = bytearray(data)
        for _ in range(rng.integers(1, 4)):
            pos = int(rng.integers(16, len(bad)))
            bad[pos] = int(rng.integers(0, 256))
        bad = recrc(bad)
        if B.open_status(bad) == 0:
            accepted += 1
            opened = B.Blob(bad)  # a rewritten header may change the feature count: feed what it asks for
            opened.predict(rng.normal(0, 8, (3, opened.n_features)).astype(np.float32))
    assert accepted < 3000  # most mutations are caught
