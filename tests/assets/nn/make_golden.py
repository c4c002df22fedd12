"""Regenerate the golden int8 networks in this folder (committed; small).

    .venv/bin/python tests/assets/nn/make_golden.py

For each model: NAME.weights.npz (the float weights, so the model can be
rebuilt exactly without relying on Keras' random initialisation),
NAME.tflite (TFLite's converter, full int8, calibrated on rows drawn with a
fixed seed) and NAME.expected.npz (int8 inputs and the outputs of
tflite-micro's interpreter for them). tests/test_nn_golden.py checks emml's
C against the committed outputs (no TensorFlow needed) and re-quantizes the
weights with the installed TensorFlow: if its converter quantizes
differently, that test says so; inspect the change, then rerun this script.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
N_INPUTS = 64
N_CALIBRATION = 100


def architectures(keras):
    """name -> (Keras model built with fixed shapes, calibration data seed)."""
    L = keras.layers
    S = keras.Sequential
    return {
        "golden_mlp": S([keras.Input((12,)), L.Dense(16, activation="relu"), L.Dense(8, activation="tanh"),
                         L.Dense(8), L.LeakyReLU(0.2), L.Dense(4, activation="softmax")], name="golden_mlp"),
        "golden_conv1d": S([keras.Input((24, 3)), L.Conv1D(8, 5, strides=2, padding="same", activation="relu"),
                            L.MaxPooling1D(2), L.DepthwiseConv1D(3, activation="relu6"), L.AveragePooling1D(2),
                            L.GlobalAveragePooling1D(), L.Dense(3, activation="softmax")], name="golden_conv1d"),
        "golden_dscnn": S([keras.Input((10, 8, 1)), L.Conv2D(4, (3, 3), strides=(2, 2), padding="same"),
                           L.BatchNormalization(), L.ReLU(), L.DepthwiseConv2D((3, 3), padding="same"),
                           L.BatchNormalization(), L.ReLU(), L.Conv2D(8, 1, activation="relu"),
                           L.SeparableConv2D(8, (2, 2), activation="relu"), L.Flatten(),
                           L.Dense(2, activation="sigmoid")], name="golden_dscnn"),
    }


def calibration(model, seed: int) -> np.ndarray:
    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    return np.random.RandomState(seed).randn(N_CALIBRATION, *shape).astype(np.float32)


def rebuild(keras, name: str):
    """The Keras model with the committed weights."""
    model = architectures(keras)[name]
    with np.load(HERE / f"{name}.weights.npz") as z:
        model.set_weights([z[f"w{i}"] for i in range(len(z.files))])
    return model


def main() -> None:
    import keras
    from tflite_micro.python.tflite_micro import runtime

    from emml.nn import quantize

    keras.utils.set_random_seed(0)
    for seed, (name, model) in enumerate(architectures(keras).items()):
        weights = model.get_weights()
        rs = np.random.RandomState(100 + seed)
        # move BatchNormalization statistics away from the identity so folding matters
        weights = [w + 0.3 * rs.randn(*w.shape).astype(np.float32) if w.ndim == 1 else w for w in weights]
        weights = [np.abs(w) + 0.5 if "variance" in v.path else w for w, v in zip(weights, model.weights)]
        model.set_weights(weights)
        np.savez(HERE / f"{name}.weights.npz", **{f"w{i}": w for i, w in enumerate(model.get_weights())})
        tfl = quantize(model, calibration(model, seed), n_samples=N_CALIBRATION)
        (HERE / f"{name}.tflite").write_bytes(tfl)
        it = runtime.Interpreter.from_bytes(tfl)
        shape = tuple(int(d) for d in model.inputs[0].shape[1:])
        inputs = np.random.RandomState(200 + seed).randint(-128, 128, size=(N_INPUTS, *shape)).astype(np.int8)
        outputs = []
        for row in inputs:
            it.set_input(row[None], 0)
            it.invoke()
            outputs.append(np.asarray(it.get_output(0)).reshape(-1).copy())
        np.savez(HERE / f"{name}.expected.npz", inputs=inputs.reshape(N_INPUTS, -1),
                 outputs=np.array(outputs, np.int8))
        print(f"{name}: {len(tfl)} bytes")


if __name__ == "__main__":
    main()
