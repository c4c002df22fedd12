"""emml.micropython: generated MicroPython modules predict exactly as the C.

The modules run on two real MicroPythons: the WebAssembly port 1.27 (npm,
under Node.js) and the micro:bit firmware 1.9.2 in QEMU's microbit machine,
driven over its raw REPL. Each test compares with the host build of the same
model's C (Model.predict & co.): class indices and integer features must be
equal, float outputs equal bit for bit (compared as float32 bit patterns).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import emml
from emml.micropython import generate, runner
from emml.model import UnsupportedError



def _need_wasm() -> None:
    why = runner.webassembly_missing()
    if why:
        pytest.skip(f"MicroPython (WebAssembly) not available: {why}")


def _need_microbit() -> None:
    why = runner.microbit_missing()
    if why:
        pytest.skip(f"micro:bit MicroPython not available: {why}")


def _on_wasm(model, name: str, X, entries, int_input: bool = False) -> dict:
    out = runner.run_webassembly(runner.rows_script(name, X, entries, int_input), {f"/{name}.py": generate(model, name)})
    return runner.parse_rows(out, entries)


def _class_index(model, X) -> np.ndarray:
    return np.searchsorted(model.classes_, model.predict(X)) if model.classes_ is not None else model.predict(X)


def _assert_same_f32(got, want) -> None:
    got = np.asarray(got, np.float32).reshape(np.shape(want))
    want = np.asarray(want, np.float32)
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), f"max diff {np.abs(got - want).max()}"


@pytest.fixture(scope="module")
def har():
    """Windows of the ST HAR recordings (52 frames, 2 s at 26 Hz), split by file."""
    from emml.dsp import HarConfig

    from emml import datasets

    root = datasets.find("st_har_26hz")
    if root is None:
        pytest.skip("ST HAR recordings not found (emml data fetch st_har_26hz, or set EMML_DATA_DIR)")
    train, test = ([], []), ([], [])
    for label, activity in enumerate(("stationary", "walking", "running")):
        files = sorted((root / "dataset" / activity).glob("*.csv"))[:8]
        for k, f in enumerate(files):
            a = np.loadtxt(f, delimiter=",").astype(np.int64)
            dest = test if k % 4 == 3 else train
            for s in range(0, len(a) - 52, 52):
                dest[0].append(a[s:s + 52])
                dest[1].append(label)
    cfg = HarConfig(window=52, sample_rate=26, gravity="filter",
                    stats=("mean", "std", "min", "max", "rms", "crossings", "q25", "median", "q75"))
    Wtr, Wte = np.array(train[0]), np.array(test[0])
    return {"cfg": cfg, "W_train": Wtr, "y_train": np.array(train[1]), "W_test": Wte, "y_test": np.array(test[1]),
            "X_train": cfg.features_f32(Wtr), "X_test": cfg.features_f32(Wte)}


@pytest.fixture(scope="module")
def iris():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    return X.astype(np.float32), y


# ---- CPython: the same modules import and agree without a MicroPython ----------
def _load_cpython(text: str, name: str, tmp_path: Path):
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _estimators():
    from sklearn.decomposition import PCA
    from sklearn.ensemble import (GradientBoostingClassifier, HistGradientBoostingClassifier, IsolationForest,
                                  RandomForestClassifier, RandomForestRegressor)
    from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor, NearestCentroid
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "forest": (RandomForestClassifier(8, max_depth=5, random_state=0), {}),
        "forest_i16": (RandomForestClassifier(4, max_depth=4, random_state=0), {"dtype": "int16"}),
        "forest_u8_affine": (RandomForestClassifier(4, max_depth=4, random_state=0), {"dtype": "uint8", "calib": True}),
        "gbdt": (GradientBoostingClassifier(n_estimators=8, random_state=0), {}),
        "hgb_nan": (HistGradientBoostingClassifier(max_iter=6, random_state=0), {"nan": True}),
        "forest_reg": (RandomForestRegressor(4, max_depth=4, random_state=0), {"target": 0}),
        "iforest": (IsolationForest(n_estimators=6, random_state=0), {"unsupervised": True}),
        "logreg": (LogisticRegression(max_iter=500), {}),
        "logreg_i8": (LogisticRegression(max_iter=500), {"dtype": "int8", "calib": True}),
        "sgd_huber": (SGDClassifier(loss="modified_huber", random_state=0), {}),
        "ridge": (Ridge(), {"target": 0}),
        "gnb_pca": (make_pipeline(PCA(3), GaussianNB()), {}),
        "knn_scaled": (make_pipeline(StandardScaler(), KNeighborsClassifier(5)), {}),
        "knn_distance": (KNeighborsClassifier(3, weights="distance"), {}),
        "knn_reg": (KNeighborsRegressor(4, metric="manhattan"), {"target": 0}),
        "centroid": (NearestCentroid(), {}),
        "mlp": (MLPClassifier(hidden_layer_sizes=(8,), activation="tanh", max_iter=200, random_state=0), {}),
        "mlp_reg": (MLPRegressor(hidden_layer_sizes=(6,), max_iter=200, random_state=0), {"target": 0}),
    }


def _fit_convert(key: str, X, y):
    import warnings

    est, o = _estimators()[key]
    X = X.copy()
    if o.get("nan"):
        X[::7, 1] = np.nan
    target = X[:, 1] if "target" in o else y
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X) if o.get("unsupervised") else est.fit(X, target)
    opts = {}
    if "dtype" in o:
        opts["dtype"] = o["dtype"]
        if o.get("calib"):
            opts["X_calibration"] = X
    return emml.convert(est, **opts), X


def _entries(model) -> tuple[str, ...]:
    return tuple(e for e in ("predict", "predict_proba", "regress") if e in model.entry_points)


def _compare(model, X, got: dict) -> None:
    if "predict" in got:
        assert np.array_equal(np.array(got["predict"])[:, 0], _class_index(model, X))
    if "predict_proba" in got:
        _assert_same_f32(got["predict_proba"], model.predict_proba(X))
    if "regress" in got:
        want = model._rows("regress", X, model.n_outputs)
        _assert_same_f32(got["regress"], want)


@pytest.mark.parametrize("key", list(_estimators()))
def test_cpython_import_matches_c(key, iris, tmp_path):
    """The generated module also runs on CPython (double floats, as the
    WebAssembly port): every model family, every entry point, bit for bit."""
    X, y = iris
    model, Xm = _fit_convert(key, X, y)
    mod = _load_cpython(generate(model, key), key, tmp_path)
    got = {e: [np.atleast_1d(getattr(mod, e)(row.tolist())).tolist() for row in Xm] for e in _entries(model)}
    _compare(model, Xm, got)


def _edge_windows(n: int) -> np.ndarray:
    """Windows that push the FFT to its corners: silence, full scale, alternating
    extremes (saturating butterflies), noise, and tiny values (large block shifts)."""
    rs = np.random.RandomState(3)
    return np.concatenate([np.zeros((1, n, 3), np.int64), np.full((1, n, 3), 32767), np.full((1, n, 3), -32768),
                           rs.choice([-32768, 32767], size=(2, n, 3)), rs.randint(-32768, 32768, size=(2, n, 3)),
                           rs.randint(-2, 3, size=(2, n, 3))])


@pytest.mark.parametrize("cfg_kw", [
    {"gravity": "filter", "energy_frac": 4},  # 64-point FFT: a radix-2 stage, then radix-4
    {"window": 100, "sample_rate": 50, "gravity": "mean", "channels": ("z", "mag"), "bands_hz": ((0, 2), (2, 25))},
    {"window": 40, "n_fft": 256, "stats": (), "bands_hz": ((0, 0.5), (0.5, 13))},  # radix-4 only, Nyquist bin
], ids=["w52_filter", "w100_n128_mean", "w40_n256_bands_only"])
def test_cpython_har_features_with_bands_match_c(cfg_kw, har, tmp_path):
    """HAR features including FFT band energies equal the host C
    (emml_har_compute) and its Python reference on real and edge windows."""
    from emml.dsp import HarConfig
    from emml.dsp.native import HarNative

    cfg = HarConfig(**{"window": 52, "sample_rate": 26, **cfg_kw})
    n = cfg.window
    W = np.concatenate([np.tile(har["W_test"][::5], (1, -(-n // 52), 1))[:, :n], _edge_windows(n)])
    mod = _load_cpython(generate(cfg, "har_bands"), "har_bands", tmp_path)
    got = np.array([mod.features(w.reshape(-1).tolist()) for w in W])
    want = HarNative(cfg, name="mpy_har").features(W)
    assert got.shape == want.shape and want[:, -len(cfg.bands_hz):].any()
    assert np.array_equal(got, want)
    assert np.array_equal(got, cfg.features(W))


_TREE_KEYS = ["forest", "forest_i16", "forest_u8_affine", "gbdt", "hgb_nan", "forest_reg", "iforest"]


@pytest.mark.parametrize("key", _TREE_KEYS)
def test_cpython_both_tree_forms_match_c(key, iris, tmp_path):
    """Tree ensembles written as code (one function per tree) and as node
    tables predict the same as the C; "auto" picks code for small models."""
    from emml.micropython import trees

    X, y = iris
    model, Xm = _fit_convert(key, X, y)
    auto = "code" if model.ens.n_decision <= trees.CODE_MAX_NODES else "table"
    assert generate(model, key) == generate(model, key, tree_form=auto)
    for form in ("code", "table"):
        text = generate(model, key, tree_form=form)
        assert ("def _tree0" in text) == (form == "code") and ("LEFT = " in text) == (form == "table")
        mod = _load_cpython(text, f"{key}_{form}", tmp_path)
        got = {e: [np.atleast_1d(getattr(mod, e)(row.tolist())).tolist() for row in Xm] for e in _entries(model)}
        _compare(model, Xm, got)


def test_tree_form_is_checked_and_auto_falls_back_to_tables(iris):
    from sklearn.ensemble import RandomForestClassifier

    from emml.micropython import trees

    X, y = iris
    model, _ = _fit_convert("forest", X, y)
    with pytest.raises(ValueError, match="tree_form must be one of"):
        generate(model, "m", tree_form="fast")
    big = emml.convert(RandomForestClassifier(60, random_state=0).fit(X, y))
    assert big.ens.n_decision > trees.CODE_MAX_NODES
    assert "LEFT = " in generate(big, "m") and "def _tree0" not in generate(big, "m")


def test_cpython_tree_decides_double_inputs_at_every_threshold_as_c(iris, tmp_path):
    """Float trees compare the caller's (double) numbers with a double bound
    instead of rounding every input to float32: at, just above and just below
    each threshold's rounding boundary the class is the C's (which rounds the
    input to float32 first)."""
    from sklearn.tree import DecisionTreeClassifier

    from emml.micropython.emit import float32_le_bounds

    X, y = iris
    tree = DecisionTreeClassifier(max_depth=5, random_state=0).fit(X, y)
    model = emml.convert(tree)
    mod = _load_cpython(generate(model, "iris_tree"), "iris_tree", tmp_path)
    t = tree.tree_
    rows = []
    for node in np.flatnonzero(t.feature >= 0):
        d = float32_le_bounds([np.float32(t.threshold[node])])[0]
        for v in (d, np.nextafter(d, np.inf), np.nextafter(d, -np.inf), np.float64(np.float32(t.threshold[node]))):
            R = X.astype(np.float64)
            R[:, t.feature[node]] = v
            rows.append(R)
    R = np.concatenate(rows)
    got = [mod.predict(r.tolist()) for r in R]
    assert np.array_equal(got, _class_index(model, R))


def test_float32_le_bounds_edges():
    from emml.micropython.emit import float32_le_bounds

    t = np.array([0.0, -0.0, 1.0, 1.5, np.nextafter(np.float32(1), np.float32(2)), -2.5, 3e38,
                  np.finfo(np.float32).max, -np.finfo(np.float32).max, np.finfo(np.float32).tiny / 4, np.inf],
                 np.float32)
    d = float32_le_bounds(t)
    with np.errstate(over="ignore"):
        assert np.all(d.astype(np.float32) <= t)
        assert np.all(np.nextafter(d, np.inf).astype(np.float32)[:-1] > t[:-1])


def test_generated_text_is_deterministic_and_says_where_it_came_from(iris, tmp_path):
    X, y = iris
    a, _ = _fit_convert("forest", X, y)
    b, _ = _fit_convert("forest", X, y)
    assert generate(a, "m") == generate(b, "m")
    text = generate(a, "m")
    assert text.startswith(f"# Generated by emml {emml.__version__}")
    assert f"sha256 {a.source_digest}" in text
    path = a.save_micropython(tmp_path / "forest_model.py")
    assert path.read_text() == generate(a, "forest_model")
    assert compile(path.read_text(), str(path), "exec")


def test_bad_names_and_unsupported_inputs_are_explained(iris, tmp_path):
    X, y = iris
    model, _ = _fit_convert("forest", X, y)
    with pytest.raises(ValueError, match="not a Python identifier"):
        model.save_micropython(tmp_path / "my-model.py")
    with pytest.raises(UnsupportedError, match="no MicroPython generator"):
        generate(object(), "thing")


# ---- real MicroPython (WebAssembly port 1.27) ---------------------------------
def test_webassembly_micropython_is_the_pinned_release():
    _need_wasm()
    out = runner.run_webassembly("import sys\nprint(sys.implementation.name, sys.implementation.version[:3])\n")
    assert out.strip() == "micropython (1, 27, 0)"


@pytest.mark.parametrize("key", ["forest", "forest_i16", "gbdt", "hgb_nan", "iforest", "logreg_i8", "sgd_huber",
                                 "gnb_pca", "knn_distance", "knn_reg", "mlp"])
def test_webassembly_matches_c_on_iris(key, iris):
    _need_wasm()
    X, y = iris
    model, Xm = _fit_convert(key, X, y)
    _compare(model, Xm, _on_wasm(model, key, Xm, _entries(model)))


@pytest.mark.parametrize("key", ["forest", "hgb_nan", "forest_reg"])
def test_webassembly_tree_tables_match_c_on_iris(key, iris):
    """The table form (the default for large ensembles) on the real MicroPython."""
    _need_wasm()
    X, y = iris
    model, Xm = _fit_convert(key, X, y)
    entries = _entries(model)
    out = runner.run_webassembly(runner.rows_script(key, Xm, entries),
                                 {f"/{key}.py": generate(model, key, tree_form="table")})
    _compare(model, Xm, runner.parse_rows(out, entries))


def test_har_features_match_c_reference_on_webassembly(har):
    """The HAR module, band energies included, gives emml_har_compute's int32
    features (its bit-exact Python reference) on real recordings and on edge windows."""
    _need_wasm()
    cfg = har["cfg"]
    W = np.concatenate([har["W_test"][::4][:32], _edge_windows(52)])
    got = _on_wasm(cfg, "har_features", W.reshape(len(W), -1), ("features", "features_f32"), int_input=True)
    assert np.array_equal(np.array(got["features"]), cfg.features(W))
    _assert_same_f32(got["features_f32"], cfg.features_f32(W))


@pytest.mark.parametrize("kind", ["forest", "logreg"])
def test_har_models_match_c_on_webassembly(har, kind):
    """A forest and a linear model trained on HAR features of real recordings:
    the same class (and probabilities) as the host C on held-out files."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    _need_wasm()
    est = (RandomForestClassifier(10, max_depth=6, random_state=0) if kind == "forest"
           else make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)))
    est.fit(har["X_train"], har["y_train"])
    model = emml.convert(est)
    X = har["X_test"]
    got = _on_wasm(model, f"har_{kind}", X, ("predict", "predict_proba"))
    _compare(model, X, got)
    assert np.mean(np.array(got["predict"])[:, 0] == har["y_test"]) > 0.8  # a useful model, not a constant


def test_int8_network_matches_c_on_webassembly():
    """A synthetic int8 MLP (per-channel fc, leaky ReLU, logistic, softmax)
    built directly in emml's network IR: forward_i8 equals the C for random inputs."""
    from emml.nn import qmath
    from emml.nn.ir import Layer, Net
    from emml.nn.model import NNModel

    _need_wasm()
    rs = np.random.RandomState(1)

    def fc(name, n_in, n_out, in_zero, out_zero, lo=-128, gain=1.0):
        w = rs.randint(-127, 128, size=(n_out, n_in)).astype(np.int8)
        bias = rs.randint(-3000, 3000, size=n_out).astype(np.int64)
        mult, shift = zip(*[qmath.quantize_multiplier(m) for m in gain * rs.uniform(2e-4, 8e-4, n_out)])
        return Layer("fc", name, (n_in,), (n_out,),
                     {"in_zero": in_zero, "out_zero": out_zero, "act_min": lo, "act_max": 127, "per_channel": True},
                     {"w": w, "bias": bias.astype(np.int32), "b": (bias - in_zero * w.astype(np.int64).sum(1)).astype(np.int32),
                      "mult": np.array(mult, np.int32), "shift": np.array(shift, np.int8)})

    sig = qmath.sigmoid_params(0.05, 3)
    mp, sp = qmath.quantize_multiplier(0.9)
    mn, sn = qmath.quantize_multiplier(0.09)
    sm = qmath.softmax_params(1.0, 0.08)
    sm.update(rows=1, depth=5)
    layers = [fc("fc0", 12, 10, -5, 3, lo=3),
              Layer("leaky", "leaky", (10,), (10,), {"in_zero": 3, "out_zero": -2, "mult_pos": mp, "shift_pos": sp,
                                                     "mult_neg": mn, "shift_neg": sn}),
              fc("fc1", 10, 8, -2, 3, gain=4.0),
              Layer("logistic", "sig", (8,), (8,), dict(sig)),
              fc("fc2", 8, 5, -128, 0, gain=20.0),
              Layer("softmax", "softmax", (5,), (5,), sm)]
    net = Net("int8", "synthetic int8 MLP", (12,), (5,), layers, task="classifier", output="softmax",
              classes=np.arange(5), in_q=(0.02, -5), out_q=(1 / 256, -128), digest="synthetic")
    model = NNModel(net)
    Xq = rs.randint(-128, 128, size=(60, 12)).astype(np.int8)
    got = _on_wasm(model, "int8_mlp", Xq, ("forward_i8", "predict_i8"), int_input=True)
    want = model.forward_i8(Xq)
    assert np.array_equal(np.array(got["forward_i8"]), want)
    assert len(set(map(tuple, want))) > 10  # the net does not collapse to one output
    Xf = rs.uniform(-2, 2, size=(40, 12)).astype(np.float32)
    got = _on_wasm(model, "int8_mlp", Xf, ("predict", "predict_proba"))
    _compare(model, Xf, got)


def _conv1d_net(pool: bool, seed: int):
    """A synthetic int8 Conv1D regressor over a (16, 2) window. pool: Conv1D 'same'
    -> MaxPooling1D 'same' stride 2 -> DepthwiseConv1D x2 stride 2 -> AveragePooling1D
    'same' -> Conv1D -> GlobalAveragePooling1D -> Flatten; else three Conv1D /
    DepthwiseConv1D layers (strides, dilation, 'same' and 'valid', one per-tensor)."""
    from emml.nn import qmath, synthetic
    from emml.nn.ir import Layer, Net, window
    from emml.nn.model import NNModel

    rs = np.random.RandomState(seed)
    shape = (16, 2)
    if not pool:
        model = synthetic.chain([("conv", 5, (1, 4), (1, 2), "same"), ("conv", 3, (1, 3), (1, 1), "same", (1, 2)),
                                 ("dw", 2, (1, 3), (1, 2), "valid"), ("dense", 3)], shape, seed=seed)
        per_tensor = model.net.layers[1]
        per_tensor.params["per_channel"] = False
        per_tensor.arrays["mult"] = per_tensor.arrays["mult"][:1]
        per_tensor.arrays["shift"] = per_tensor.arrays["shift"][:1]
        return NNModel(model.net)

    def pooling(op, x, k, stride):
        g, out = window(x.out_shape, (1, k), (1, stride), (1, 1), "same")
        return Layer(op, f"{op}_{k}", x.out_shape, out,
                     {"g": g, "act_min": x.params["act_min"], "act_max": 127,
                      "in_zero": x.params["out_zero"], "out_zero": x.params["out_zero"]})

    conv0 = synthetic.conv(rs, shape, 4, (1, 3), (1, 1), "same", in_zero=5)
    max0 = pooling("maxpool", conv0, 3, 2)
    dw = synthetic.conv(rs, max0.out_shape, 2, (1, 3), (1, 2), "same", in_zero=conv0.params["out_zero"],
                        depthwise=True, act="linear")  # both signs into the average's rounding
    avg0 = pooling("avgpool", dw, 3, 2)
    conv1 = synthetic.conv(rs, avg0.out_shape, 3, (1, 2), (1, 1), "valid", in_zero=dw.params["out_zero"],
                           act="linear")
    n_pos, depth = conv1.out_shape
    mult, shift = qmath.quantize_multiplier(0.7)
    s = min(n_pos.bit_length() - 1, 31 + shift)  # as emml.nn.tflite folds 1 / n_pos into the multiplier
    gap = Layer("mean", "gap", conv1.out_shape, (depth,),
                {"n_pos": n_pos, "depth": depth, "in_zero": conv1.params["out_zero"], "out_zero": -3,
                 "mult": (mult << s) // n_pos, "shift": shift - s})
    layers = [conv0, max0, dw, avg0, conv1, gap, Layer("reshape", "flatten", (depth,), (depth,))]
    net = Net("int8", "synthetic int8 Conv1D", shape, (depth,), layers, in_q=(0.05, 5), out_q=(0.1, -3),
              task="regressor", digest="synthetic")
    return NNModel(net)


@pytest.mark.parametrize("pool, seed", [(False, 3), (True, 5)], ids=["conv_dw", "pooling"])
def test_cpython_int8_conv1d_matches_c(pool, seed, tmp_path):
    """int8 Conv1D / DepthwiseConv1D (strides, dilation, both paddings, per-tensor
    and per-channel requantization) and the 1-D poolings: forward_i8 and
    regress equal the host C bit for bit."""
    model = _conv1d_net(pool, seed)
    assert {l.op for l in model.net.layers} >= ({"maxpool", "avgpool", "mean", "dwconv2d"} if pool
                                                else {"conv2d", "dwconv2d", "fc"})
    mod = _load_cpython(generate(model, "conv1d"), "conv1d", tmp_path)
    rs = np.random.RandomState(2)
    Xq = rs.randint(-128, 128, size=(40, model.n_features)).astype(np.int8)
    want = model.forward_i8(Xq)
    got = np.array([list(mod.forward_i8([int(v) for v in row])) for row in Xq])
    assert np.array_equal(got, want)
    assert len(set(map(tuple, want))) > 20  # outputs vary with the input, not saturated
    Xf = rs.uniform(-4, 4, size=(20, model.n_features)).astype(np.float32)
    _assert_same_f32([mod.regress([float(v) for v in row]) for row in Xf], model._rows("regress", Xf, model.n_outputs))


def test_int8_conv1d_network_matches_c_on_webassembly():
    """The Conv1D + pooling chain on the real MicroPython: bit-exact raw outputs
    and dequantized regressions."""
    _need_wasm()
    model = _conv1d_net(pool=True, seed=5)
    rs = np.random.RandomState(3)
    Xq = rs.randint(-128, 128, size=(30, model.n_features)).astype(np.int8)
    got = _on_wasm(model, "conv1d", Xq, ("forward_i8",), int_input=True)
    want = model.forward_i8(Xq)
    assert np.array_equal(np.array(got["forward_i8"]), want)
    assert len(set(map(tuple, want))) > 15
    Xf = rs.uniform(-4, 4, size=(20, model.n_features)).astype(np.float32)
    _compare(model, Xf, _on_wasm(model, "conv1d", Xf, ("regress",)))


def test_unsupported_network_layers_are_named():
    from emml.nn import synthetic
    from emml.nn.ir import Layer, Net, window
    from emml.nn.model import NNModel

    g, out = window((2, 4, 1), (2, 2), (1, 2), (1, 1), "valid")
    net = Net("int8", "pool", (2, 4, 1), out, [Layer("maxpool", "pool0", (2, 4, 1), out,
                                                     {"g": g, "act_min": -128, "act_max": 127})],
              in_q=(0.1, 0), out_q=(0.1, 0))
    with pytest.raises(UnsupportedError, match="pool0.*maxpool.*2x2 window.*1-D windows only"):
        generate(NNModel(net), "pool")
    conv2d = synthetic.chain([("conv", 2, (3, 3), (1, 1), "same")], (4, 4, 1))
    with pytest.raises(UnsupportedError, match="conv_3x3.*conv2d.*1-D windows only"):
        generate(conv2d, "conv2d")


# ---- micro:bit (MicroPython 1.9.2 in QEMU, over the raw REPL) --------------------
def test_microbit_har_features_and_int16_tree_match_c(har):
    """HAR features (64-point q15 FFT band energies included) and an int16
    decision tree on them, sent to the micro:bit's REPL block by block: the
    same int32 features and classes as the C."""
    from sklearn.tree import DecisionTreeClassifier

    from emml.dsp import HarConfig

    _need_microbit()
    # fewer statistics and bands than the fixture's: the micro:bit has about 9 kB
    # of heap, the module with its FFT takes about 6.5 kB of it
    cfg = HarConfig(window=52, sample_rate=26, bands_hz=((0, 1), (1, 3), (3, 13)), gravity="mean",
                    stats=("mean", "std", "max", "crossings"))
    F_train = cfg.features(har["W_train"])
    # trained on the int16 view the model sees (band energies beyond int16 saturate)
    tree = DecisionTreeClassifier(max_depth=4, random_state=0).fit(np.clip(F_train, -32768, 32767), har["y_train"])
    model = emml.convert(tree, dtype="int16")
    W = har["W_test"][::6][:12]
    F = cfg.features(W)
    assert F[:, -3:].any()
    # two sessions: the HAR module and the tree together do not leave the parser
    # enough of the micro:bit's ~9 kB heap
    rows = []
    with runner.MicrobitRepl() as mb:
        mb.load(generate(cfg, "har_features"))
        mb.exec("w = [0] * 156\n")  # one window buffer for all: the small heap fragments
        for w in W:
            # the window in short pieces: a long program needs one large contiguous input buffer
            flat = w.reshape(-1).tolist()
            for i in range(0, len(flat), 39):
                mb.exec(f"w[{i}:{i + 39}] = {flat[i:i + 39]}\n")
            text = mb.exec("gc.collect()\nfor v in features(w):\n    print(v)\n")
            rows.append([int(v) for v in text.split()])
    with runner.MicrobitRepl() as mb:
        mb.load(generate(model, "har_tree"))
        for r in rows:
            r.append(int(mb.exec(f"print(predict({r}))\n")))
    rows = np.array(rows)
    assert np.array_equal(rows[:, :-1], F)
    assert np.array_equal(rows[:, -1], _class_index(model, F.astype(np.float32)))


# ---- command line ------------------------------------------------------------------
def test_cli_convert_writes_the_micropython_module(iris, tmp_path):
    import joblib
    from sklearn.tree import DecisionTreeClassifier

    X, y = iris
    joblib.dump(DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y), tmp_path / "tree.joblib")
    proc = subprocess.run([sys.executable, "-m", "emml", "convert", str(tmp_path / "tree.joblib"), "-o",
                           str(tmp_path / "out"), "--name", "iris_tree", "--micropython"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    py = tmp_path / "out" / "iris_tree.py"
    assert str(py) in proc.stdout
    mod = _load_cpython(py.read_text(), "iris_tree", tmp_path)
    model = emml.convert(joblib.load(tmp_path / "tree.joblib"))
    assert [mod.predict(r.tolist()) for r in X] == _class_index(model, X).tolist()
