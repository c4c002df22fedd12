"""Neural networks: scikit-learn MLPs, Keras models and int8 .tflite files to
plain C99 with a conversion-time activation-memory plan, see :func:`convert`.

TensorFlow is imported only by :func:`quantize`; reading a .tflite file needs
the flatbuffer schema from ``tflite-micro`` (``pip install 'emml[nn]'``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from emml.model import UnsupportedError
from emml.nn.model import NNModel

SUPPORTED = ("MLPClassifier", "MLPRegressor", "keras.Model (Sequential or single-path functional)",
             ".tflite (fully int8-quantized)")

__all__ = ["NNModel", "SUPPORTED", "convert", "quantize", "supports"]


def _is_path(obj: Any) -> bool:
    return isinstance(obj, (str, os.PathLike)) and Path(obj).suffix.lower() in (".tflite", ".keras", ".h5")


def _is_tflite_bytes(obj: Any) -> bool:
    return isinstance(obj, (bytes, bytearray, memoryview)) and bytes(obj[4:8]) == b"TFL3"


def supports(obj: Any) -> bool:
    from emml.nn.readers import is_keras, is_sklearn_mlp

    return _is_path(obj) or _is_tflite_bytes(obj) or is_keras(obj) or is_sklearn_mlp(obj)


def convert(obj: Any, method: str = "auto", dtype: str = "auto", task: str | None = None,
            representative_data: Any = None, verbose: bool = False) -> NNModel:
    """Convert a network; see emml.convert.

    obj: MLPClassifier/MLPRegressor, a Keras model, a path to a .tflite/.keras
        file, or .tflite bytes.
    dtype: for scikit-learn/Keras: "float32" (the weights as they are; the
        default) or "int8" (a Keras model quantized with representative_data
        by TFLite's converter). A .tflite file is always an int8 network; its
        float entry points quantize the input, the *_i8 ones take int8.
    task: "classifier" or "regressor"; default from the output activation
        (softmax, or one sigmoid unit -> classifier).
    verbose: print the flash/RAM table per layer.
    """
    from emml.nn.readers import is_keras, is_sklearn_mlp, read_keras, read_sklearn
    from emml.nn.tflite import read_tflite

    if method not in ("auto", "layers"):
        raise UnsupportedError(f"method={method!r} is not supported for neural networks; use 'auto'")
    if dtype not in ("auto", "float32", "int8"):
        raise UnsupportedError(f"dtype={dtype!r} is not supported for neural networks; use 'float32' or 'int8'")
    source = type(obj).__name__
    if _is_path(obj):
        path = Path(obj)
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist")
        source = path.name
        if path.suffix.lower() == ".tflite":
            obj = path.read_bytes()
        else:
            from emml.extras import require

            keras = require("keras", "nn", f"loading {path.name}")
            obj = keras.models.load_model(path, compile=False)
    if _is_tflite_bytes(obj):
        net = read_tflite(bytes(obj), source if source not in ("bytes", "bytearray") else ".tflite", task)
    elif is_sklearn_mlp(obj):
        if dtype == "int8":
            raise UnsupportedError(f"dtype='int8' for {source}: rebuild the MLP in Keras and use emml.nn.quantize, "
                                   "or convert with dtype='float32'")
        if task is not None and task != ("classifier" if source == "MLPClassifier" else "regressor"):
            raise UnsupportedError(f"task={task!r} does not match {source}")
        net = read_sklearn(obj)
    elif is_keras(obj):
        if dtype == "int8":
            if representative_data is None:
                raise UnsupportedError("dtype='int8' for a Keras model needs representative_data "
                                       "(a few hundred typical input rows) to calibrate the quantization")
            net = read_tflite(quantize(obj, representative_data), f"{source} {obj.name!r} quantized by emml", task)
        else:
            net = read_keras(obj, task)
    else:
        raise UnsupportedError(f"{source} is not a neural network emml can read; supported: {', '.join(SUPPORTED)}")
    model = NNModel(net, {"task": net.task})
    if verbose:
        print(model.summary())
    return model


def quantize(keras_model: Any, representative_data: Any, n_samples: int = 200) -> bytes:
    """Quantize a Keras model to a fully int8 .tflite (int8 input and output)
    with TFLite's converter, calibrated on rows of representative_data."""
    import numpy as np

    from emml.extras import require

    tf = require("tensorflow", "nn", "emml.nn.quantize")
    data = np.asarray(representative_data, np.float32)
    in_shape = tuple(int(d) for d in keras_model.inputs[0].shape[1:])
    data = data.reshape((-1,) + in_shape)[:n_samples]

    def rep():
        for row in data:
            yield [row[None, ...]]

    conv = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return bytes(conv.convert())
