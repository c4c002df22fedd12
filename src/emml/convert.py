"""``emml.convert``: one entry point for every model kind.

Each model family registers a converter here: a predicate saying whether it
handles an estimator, and a function returning an :class:`emml.Model`. Later
model kinds (linear, neural networks, ...) append to ``_CONVERTERS``.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from emml.model import Model, UnsupportedError

Converter = tuple[str, Callable[[Any], bool], Callable[..., Model]]


def _trees() -> Converter:
    from emml import trees

    return ("trees", trees.supports, trees.convert)


def _classical() -> Converter:
    from emml.linear import registry  # linear, svm, bayes, neighbors, mixture

    return registry.converter()


def _nn() -> Converter:
    from emml import nn  # MLP, Keras models, .tflite files

    return ("nn", nn.supports, nn.convert)


def _pipeline() -> Converter:
    from emml import pipeline  # Pipeline [emml.dsp HarFeatures/LogMel, model]: one C entry point

    return ("pipeline", pipeline.supports, pipeline.convert)


#: (family, handles(estimator), convert(estimator, **options)), tried in order
#: (the DSP pipeline first: other families also unwrap Pipelines).
_CONVERTERS: list[Callable[[], Converter]] = [_pipeline, _trees, _classical, _nn]

#: Options every family accepts; anything else is checked by the family.
COMMON_OPTIONS = ("method", "dtype")


def convert(estimator: Any, method: str = "auto", dtype: str = "float32", **options: Any) -> Model:
    """Convert a fitted estimator into an :class:`emml.Model`.

    method: "auto" (the smaller code for the target), "table" (compact arrays
        walked by the emml runtime) or "inline" (generated if/else code).
    dtype: input features: "float32", or quantized "int16", "int8", "uint8".
    Tree options: allow_nan (NaN inputs follow scikit-learn's missing-value
        routing; default on for HistGradientBoosting), leaf_values ("auto" exact,
        or "uint8" 8-bit probabilities), X_calibration (training data that fits
        the affine quantizer for real-valued inputs), target (for method="auto").
    """
    if estimator is None:
        raise TypeError("convert() takes a fitted estimator, a Keras model or a .tflite file, got None")
    families = []
    for make in _CONVERTERS:
        family, handles, fn = make()
        families.append(family)
        if handles(estimator):
            try:
                return fn(estimator, method=method, dtype=dtype, **options)
            except TypeError as e:
                if "unexpected keyword argument" in str(e):
                    bad = str(e).split("argument")[-1].strip()
                    raise UnsupportedError(
                        f"option {bad} is not supported when converting {type(estimator).__name__}"
                    ) from None
                raise
    if isinstance(estimator, (str, bytes, os.PathLike)):
        raise TypeError(
            f"convert() takes a fitted estimator object (or a .tflite/.keras file), got {estimator!r:.80}; "
            "load a .joblib file with joblib.load() first (or use the `emml convert` command)"
        )
    raise UnsupportedError(
        f"{type(estimator).__module__}.{type(estimator).__name__} is not supported by emml.convert; "
        f"supported model families: {', '.join(families)}"
        + _supported_hint()
    )


def _supported_hint() -> str:
    from emml.linear.registry import supported_names
    from emml.trees import SUPPORTED

    return f" (trees: {', '.join(SUPPORTED)}; classical: {', '.join(supported_names())})"
