"""emml's optional parts: which extra brings which package, and the one-line
error a missing one gives.

``pip install emml`` converts, saves, host-predicts and sizes models of every
family except networks. The rest comes in extras (pyproject.toml):

- ``nn``: TensorFlow/Keras and TFLite Micro (Keras and .tflite models);
- ``firmware``: PlatformIO, unicorn, pexpect (firmware builds with pio, cycle
  estimates, the QEMU harness);
- ``apps``: what ``emml har|kws train`` and the data set downloads need.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

#: The extra that brings each optional module (import name -> extra).
EXTRA_OF: dict[str, str] = {
    "tensorflow": "nn",
    "keras": "nn",
    "tflite_micro": "nn",
    "platformio": "firmware",
    "unicorn": "firmware",
    "pexpect": "firmware",
    "matplotlib": "apps",
    "tqdm": "apps",
    "pooch": "apps",
}


class MissingExtraError(ImportError):
    """An optional package is not installed; the message names the extra that brings it."""


def require(module: str, extra: str | None = None, purpose: str = "this") -> ModuleType:
    """Import an optional module, or raise MissingExtraError naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = module.split(".")[0]
        which = extra or EXTRA_OF.get(top, "all")
        raise MissingExtraError(
            f"{purpose} needs {top}, which is not installed; install it with: pip install 'emml[{which}]'"
        ) from e


def available(module: str) -> bool:
    """True when an optional module can be imported (without importing it)."""
    return importlib.util.find_spec(module) is not None
