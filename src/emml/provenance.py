"""One fingerprint of a converted model's source parameters, for the
provenance comment on top of every generated file ("Source: ..., sha256 ...").

    model_digest("linear", [W, b], meta=("LogisticRegression", "softmax"))

The hash covers the model kind, the metadata (anything with a stable
``repr``: strings, numbers, tuples, sorted dict items) and, for each array,
its dtype, shape and bytes (C order), so two models whose parameters differ
only in shape or type never share a digest. Same parameters, same digest, on
every machine and Python version: nothing depends on object ids, dict order
or the time. Every model family should use this one helper.
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterable

import numpy as np

__all__ = ["model_digest"]


def _canonical(meta: Any) -> str:
    if isinstance(meta, dict):
        meta = sorted(meta.items())
    return repr(meta)


def model_digest(kind: str, arrays: Iterable[Any], meta: Any = ()) -> str:
    """sha256 hex digest of (kind, meta, arrays); see the module docstring."""
    h = hashlib.sha256()
    h.update(f"emml-model\0{kind}\0{_canonical(meta)}\0".encode())
    for a in arrays:
        a = np.ascontiguousarray(a)
        if a.dtype == object:
            raise TypeError(f"model_digest: an object array cannot be hashed reproducibly ({kind})")
        h.update(f"{a.dtype.str}{a.shape}\0".encode())
        h.update(a.tobytes())
    return h.hexdigest()
