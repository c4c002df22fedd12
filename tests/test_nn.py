"""Neural networks (emml.nn): scikit-learn MLPs and Keras models as float32 C,
int8 .tflite files as int8 C bit-exact with TensorFlow Lite Micro.

Float tolerance: the generated C computes in float32 (Keras does too, in a
different summation order; scikit-learn in float64), and sigmoid/tanh/softmax
use emml's own expf (<= 2 ulp), so outputs agree within
FLOAT_ATOL + FLOAT_RTOL * |y|; class predictions agree on every row whose top
two probabilities differ by more than that.

int8: the generated C, the Python integer reference (emml.nn.reference) and
TFLM's interpreter (its reference kernels) give identical bytes on random
int8 inputs and on quantized real inputs, for every layer type.

Models are small with random (untrained) or briefly trained weights and fixed
seeds; TensorFlow/TFLM tests are skipped when the `nn` extra is missing.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import emml
from emml.model import UnsupportedError
from emml.nn import qmath
from emml.nn.ir import Layer, Net
from emml.nn.model import NNModel

FLOAT_ATOL = 2e-5
FLOAT_RTOL = 2e-5
N_RANDOM = 300


# ---- scikit-learn ------------------------------------------------------------
@pytest.fixture(scope="module")
def iris():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    return X.astype(np.float32), y


def _fit(est, X, y):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_mlp_classifier_matches_sklearn(iris, activation):
    from sklearn.neural_network import MLPClassifier

    X, y = iris
    est = _fit(MLPClassifier(hidden_layer_sizes=(12, 7), activation=activation, max_iter=200, random_state=0), X, y)
    m = emml.convert(est)
    ref = est.predict_proba(X)
    got = m.predict_proba(X)
    assert np.abs(got - ref).max() <= FLOAT_ATOL + FLOAT_RTOL
    assert (m.predict(X) == est.predict(X)).all()
    assert m.n_outputs == 3 and list(m.classes_) == [0, 1, 2]


def test_mlp_binary_classifier_and_string_classes(iris):
    from sklearn.neural_network import MLPClassifier

    X, y = iris
    labels = np.where(y == 2, "virginica", "other")
    est = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=300, random_state=1), X, labels)
    m = emml.convert(est)
    assert np.abs(m.predict_proba(X) - est.predict_proba(X)).max() <= FLOAT_ATOL
    assert (m.predict(X) == est.predict(X)).all()


def test_mlp_regressor_multi_output():
    from sklearn.neural_network import MLPRegressor

    rs = np.random.RandomState(0)
    X = rs.randn(200, 6).astype(np.float32)
    Y = np.c_[X[:, 0] * 2 - X[:, 1], np.tanh(X[:, 2])]
    est = _fit(MLPRegressor(hidden_layer_sizes=(16,), activation="tanh", max_iter=300, random_state=0), X, Y)
    m = emml.convert(est)
    ref = est.predict(X)
    assert np.abs(m.regress(X) - ref).max() <= FLOAT_ATOL + FLOAT_RTOL * np.abs(ref).max()
    assert m.entry_points == ("regress",)


def test_multilabel_mlp_is_rejected(iris):
    from sklearn.neural_network import MLPClassifier

    X, y = iris
    Y = np.c_[y == 0, y == 1].astype(int)
    est = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=50, random_state=0), X, Y)
    with pytest.raises(UnsupportedError, match="multi-label"):
        emml.convert(est)


def test_sources_are_deterministic_and_state_the_arena(iris, tmp_path):
    from sklearn.neural_network import MLPClassifier

    X, y = iris
    est = _fit(MLPClassifier(hidden_layer_sizes=(32, 16), max_iter=50, random_state=0), X, y)
    a = emml.convert(est).sources("iris_mlp")
    b = emml.convert(est).sources("iris_mlp")
    assert a == b
    h = a["iris_mlp.h"]
    # buffers 4x32 and 4x16 floats, ping-pong: 32 + 16 floats live together
    assert "#define IRIS_MLP_ARENA_BYTES 192" in h
    assert "static float iris_mlp_arena[48];" in a["iris_mlp.c"]
    assert "int32_t iris_mlp_predict(const float *x, int32_t n_features);" in h
    files = emml.convert(est).save(tmp_path, "iris_mlp")
    assert sorted(p.name for p in files) == ["iris_mlp.c", "iris_mlp.h"]


def test_arena_plan_is_the_largest_live_pair():
    from emml.nn.model import plan_arena

    shapes = [(10,), (40,), (8,), (30,), (3,)]
    layers = [Layer("dense", f"d{i}", shapes[i], shapes[i + 1], {"act": "relu", "alpha": 0.0},
                    {"w": np.zeros((shapes[i + 1][0], shapes[i][0]), np.float32),
                     "b": np.zeros(shapes[i + 1][0], np.float32)}) for i in range(4)]
    layers.append(Layer("softmax", "s", (3,), (3,)))
    net = Net("float32", "test", (10,), (3,), layers)
    p = plan_arena(net)
    assert p.arena_bytes == 4 * (40 + 8)  # largest consecutive pair; buffer 0 is the caller's x
    assert p.layer_io[-1] == (4, 4)  # softmax in place
    for k in range(1, len(p.sizes) - 1):  # producer and consumer never overlap
        lo = sorted([(p.offsets[k], p.sizes[k]), (p.offsets[k + 1], p.sizes[k + 1])])
        assert lo[0][0] + lo[0][1] <= lo[1][0]


# ---- fixed point without TensorFlow ----------------------------------------------
def test_fixed_point_helpers_approximate_their_functions():
    for a in np.linspace(-31.9, 0, 200):
        q = int(round(a * (1 << 26)))
        assert abs(qmath.exp_neg(q, 5) / 2**31 - np.exp(q / 2**26)) < 2e-6
    for x in np.linspace(0, 0.999, 50):
        q = int(x * 2**31)
        assert abs(qmath.one_over_one_plus(q) / 2**31 - 1 / (1 + q / 2**31)) < 2e-8


@pytest.mark.parametrize("scale", [0.004, 0.11])
def test_int8_logistic_tanh_softmax_c_matches_reference(scale):
    """Every int8 input, through the C kernels and the Python reference."""
    zp = -7
    sig = qmath.sigmoid_params(scale, zp)
    layers = [Layer("logistic", "sig", (256,), (256,), dict(sig))]
    net = Net("int8", "test", (256,), (256,), layers, in_q=(scale, zp), out_q=(1 / 256, -128))
    xs = np.arange(-128, 128, dtype=np.int8)[None, :]
    m = NNModel(net)
    assert (m.forward_i8(xs) == m.reference_i8(xs)).all()
    layers = [Layer("tanh", "tanh", (256,), (256,), dict(sig))]
    m = NNModel(Net("int8", "test", (256,), (256,), layers, in_q=(scale, zp), out_q=(1 / 128, 0)))
    assert (m.forward_i8(xs) == m.reference_i8(xs)).all()
    # softmax rows of 10 random logits, and rows with ties and extremes
    sm = qmath.softmax_params(1.0, scale)
    sm.update(rows=40, depth=10)
    layers = [Layer("softmax", "sm", (40, 10), (40, 10), sm)]
    m = NNModel(Net("int8", "test", (40, 10), (40, 10), layers, in_q=(scale, zp), out_q=(1 / 256, -128),
                    task="regressor"))
    rs = np.random.RandomState(int(scale * 1000))
    X = rs.randint(-128, 128, size=(5, 400)).astype(np.int8)
    X[0, :10] = 127
    X[0, 10:20] = -128
    X[1, :20] = [127, -128] * 10
    assert (m.forward_i8(X) == m.reference_i8(X)).all()


def test_requantize_matches_exact_rounding():
    rs = np.random.RandomState(0)
    for _ in range(2000):
        real = float(np.exp(rs.uniform(np.log(1e-6), np.log(2.0))))
        mult, shift = qmath.quantize_multiplier(real)
        acc = int(rs.randint(-(1 << 20), 1 << 20))
        exact = acc * mult * 2.0**shift / 2**31
        got = qmath.requantize(acc, mult, shift)
        assert abs(got - exact) <= 0.5 + 1e-9 + (0.5 if shift < 0 else 0)  # double rounding
        assert int(qmath.requantize_v(np.array([acc]), mult, shift)[0]) == got


# ---- Keras / TFLite Micro -------------------------------------------------------
@pytest.fixture(scope="module")
def tf_stack():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    keras = pytest.importorskip("keras")
    pytest.importorskip("tensorflow")
    runtime = pytest.importorskip("tflite_micro.python.tflite_micro.runtime")
    keras.utils.set_random_seed(0)
    return keras, runtime


def _models(keras):
    L = keras.layers
    rs = np.random.RandomState(0)
    X_dense = rs.randn(300, 10).astype(np.float32)
    X_1d = rs.randn(300, 32, 3).astype(np.float32)
    X_2d = rs.randn(300, 12, 10, 1).astype(np.float32)
    S = keras.Sequential
    return {
        # Dense with every activation, a standalone LeakyReLU and a folded BatchNormalization
        "dense": (S([keras.Input((10,)), L.Dense(16, activation="relu"), L.Dense(12), L.BatchNormalization(),
                     L.Activation("relu6"), L.Dropout(0.3), L.Dense(8, activation="tanh"), L.Dense(8),
                     L.LeakyReLU(0.1), L.Dense(4, activation="softmax")], name="dense"), X_dense),
        "sigmoid": (S([keras.Input((10,)), L.Dense(6, activation="sigmoid"), L.Dense(1, activation="sigmoid")],
                      name="sigmoid"), X_dense),
        # Conv1D, MaxPooling1D, DepthwiseConv1D, AveragePooling1D (same), SeparableConv1D, GlobalAveragePooling1D
        "conv1d": (S([keras.Input((32, 3)), L.Conv1D(8, 5, padding="same", activation="relu"), L.MaxPooling1D(2),
                      L.DepthwiseConv1D(3, depth_multiplier=2), L.AveragePooling1D(2, padding="same"),
                      L.SeparableConv1D(6, 3, strides=2, activation="relu"), L.GlobalAveragePooling1D(),
                      L.Dense(3, activation="softmax")], name="conv1d"), X_1d),
        # Conv2D (strided, same), BatchNormalization folded, ReLU layer, DepthwiseConv2D, MaxPooling2D,
        # SeparableConv2D, Conv2D, AveragePooling2D, Flatten, Reshape
        "conv2d": (S([keras.Input((12, 10, 1)), L.Conv2D(4, (3, 3), strides=(2, 1), padding="same"),
                      L.BatchNormalization(), L.ReLU(), L.DepthwiseConv2D((3, 3), padding="same", activation="relu"),
                      L.MaxPooling2D((2, 2)), L.SeparableConv2D(8, (2, 2), activation="relu"),
                      L.Conv2D(6, (2, 2), padding="same", activation="relu"),
                      L.AveragePooling2D((2, 1)), L.Flatten(), L.Reshape((4, 6)), L.Flatten(),
                      L.Dense(5, activation="softmax")], name="conv2d"), X_2d),
        # dilation: float only (TFLite lowers it to SPACE_TO_BATCH_ND around the convolution)
        "dilated": (S([keras.Input((12, 10, 1)), L.Conv2D(3, (3, 2), dilation_rate=(2, 3), padding="same"),
                       L.DepthwiseConv2D((2, 2), dilation_rate=2, activation="tanh"), L.GlobalMaxPooling2D(),
                       L.Dense(2)], name="dilated"), X_2d),
        "gap2d": (S([keras.Input((12, 10, 1)), L.Conv2D(4, (3, 3), activation="relu"), L.GlobalAveragePooling2D(),
                     L.Dense(2)], name="gap2d"), X_2d),
    }


@pytest.fixture(scope="module")
def keras_models(tf_stack):
    keras, _ = tf_stack
    models = _models(keras)
    # move BatchNormalization statistics away from the identity
    for model, X in models.values():
        for layer in model.layers:
            if type(layer).__name__ == "BatchNormalization":
                c = layer.moving_mean.shape[0]
                rs = np.random.RandomState(3)
                layer.set_weights([rs.uniform(0.5, 2, c), rs.randn(c) * 0.1, rs.randn(c) * 0.2,
                                   rs.uniform(0.5, 2, c)])
    return models


@pytest.fixture(scope="module")
def quantized(keras_models):
    from emml.nn import quantize

    return {k: quantize(m, X) for k, (m, X) in keras_models.items() if k != "dilated"}


@pytest.mark.parametrize("key", ["dense", "sigmoid", "conv1d", "conv2d", "dilated", "gap2d"])
def test_keras_float_matches_keras(keras_models, key):
    model, X = keras_models[key]
    m = emml.convert(model)
    ref = np.asarray(model(X[:100], training=False))
    Xf = X[:100].reshape(100, -1)
    if m.task == "classifier":
        got = m.predict_proba(Xf)
        if ref.shape[1] == 1:
            ref = np.c_[1 - ref, ref]
        assert np.abs(got - ref).max() <= FLOAT_ATOL + FLOAT_RTOL
        top2 = np.sort(ref, axis=1)[:, -2:]
        clear = (top2[:, 1] - top2[:, 0]) > 1e-4
        assert (m.predict(Xf)[clear] == ref.argmax(1)[clear]).all()
    else:
        got = m.regress(Xf).reshape(ref.shape)
        assert np.abs(got - ref).max() <= FLOAT_ATOL + FLOAT_RTOL * np.abs(ref).max()


def _tflm(runtime, tfl: bytes, Xq: np.ndarray, in_shape) -> np.ndarray:
    it = runtime.Interpreter.from_bytes(tfl)
    out = []
    for row in Xq:
        it.set_input(row.reshape((1,) + tuple(in_shape)), 0)
        it.invoke()
        out.append(np.asarray(it.get_output(0)).reshape(-1).copy())
    return np.array(out, np.int8)


@pytest.mark.parametrize("key", ["dense", "sigmoid", "conv1d", "conv2d", "gap2d"])
def test_int8_bit_exact_with_tflm(tf_stack, keras_models, quantized, key):
    _, runtime = tf_stack
    model, X = keras_models[key]
    tfl = quantized[key]
    m = emml.convert(tfl)
    assert m.dtype == "int8"
    rs = np.random.RandomState(7)
    Xq = np.vstack([rs.randint(-128, 128, size=(N_RANDOM, m.n_features)).astype(np.int8),
                    m.quantize_input(X[:100].reshape(100, -1))])
    want = _tflm(runtime, tfl, Xq, model.inputs[0].shape[1:])
    got = m.forward_i8(Xq)
    ref = m.reference_i8(Xq)
    assert (ref == want).all(), f"reference differs from TFLM on {(ref != want).any(1).sum()} rows"
    assert (got == want).all(), f"C differs from TFLM on {(got != want).any(1).sum()} rows"
    # the float entry point quantizes like TFLite's QUANTIZE, then runs the same int8 code
    if m.task == "classifier":
        real = Xq[N_RANDOM:]
        cls = m.predict(X[:100].reshape(100, -1))
        assert (cls == m.predict_i8(real)).all()
        if m.net.output == "softmax":
            assert (cls == want[N_RANDOM:].argmax(1)).all()
        proba = m.predict_proba(X[:100].reshape(100, -1))
        sc, zp = m.net.out_q
        deq = sc * (want[N_RANDOM:].astype(np.float32) - zp)
        assert np.allclose(proba[:, -1], deq[:, -1], atol=1e-7)


def test_keras_int8_by_convert_and_tflite_path(tf_stack, keras_models, quantized, tmp_path):
    model, X = keras_models["dense"]
    path = tmp_path / "dense.tflite"
    path.write_bytes(quantized["dense"])
    a = emml.convert(str(path))
    b = emml.convert(path)
    c = emml.convert(quantized["dense"])
    assert a.sources("m")["m.c"].split("*/", 1)[1] == c.sources("m")["m.c"].split("*/", 1)[1]
    assert b.n_features == 10 and b.entry_points == ("predict", "predict_proba", "forward_i8", "predict_i8")
    d = emml.convert(model, dtype="int8", representative_data=X)
    assert d.dtype == "int8" and d.n_outputs == 4
    h = a.sources("dense_q")["dense_q.h"]
    assert f"#define DENSE_Q_ARENA_BYTES {a.plan.arena_bytes}" in h
    assert "int32_t dense_q_predict_i8(const int8_t *x, int32_t n_features);" in h


def test_unsupported_layers_are_named(tf_stack):
    keras, _ = tf_stack
    L = keras.layers
    lstm = keras.Sequential([keras.Input((20, 3)), L.LSTM(4, name="my_lstm"), L.Dense(2)])
    with pytest.raises(UnsupportedError, match=r"'my_lstm' \(LSTM\).*Conv1D"):
        emml.convert(lstm)
    elu = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="elu", name="d_elu")])
    with pytest.raises(UnsupportedError, match="'elu' in d_elu"):
        emml.convert(elu)
    inp = keras.Input((4,))
    branch = keras.Model(inp, L.Add()([L.Dense(3)(inp), L.Dense(3)(inp)]))
    with pytest.raises(UnsupportedError, match="Add"):
        emml.convert(branch)


def test_bn_after_activation_in_tflite_gives_advice(tf_stack):
    keras, _ = tf_stack
    from emml.nn import quantize

    L = keras.layers
    m = keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(2, 3, activation="relu"), L.BatchNormalization(),
                          L.Flatten(), L.Dense(2)])
    tfl = quantize(m, np.random.RandomState(0).randn(50, 8, 8, 1))
    with pytest.raises(UnsupportedError, match="BatchNormalization"):
        emml.convert(tfl)
