"""One emml.convert registration for every classical family (linear, svm,
bayes, neighbors, mixture): ``emml.convert`` tries :func:`converter`."""

from __future__ import annotations

import importlib
from typing import Any, Callable

FAMILIES = ("linear", "svm", "bayes", "neighbors", "mixture")


def _family(estimator: Any) -> Any:
    for fam in FAMILIES:
        mod = importlib.import_module(f"emml.{fam}")
        if mod.supports(estimator):
            return mod
    return None


def supports(estimator: Any) -> bool:
    return _family(estimator) is not None


def convert(estimator: Any, **options: Any) -> Any:
    return _family(estimator).convert(estimator, **options)


def supported_names() -> list[str]:
    names: list[str] = []
    for fam in FAMILIES:
        names += list(importlib.import_module(f"emml.{fam}").SUPPORTED)
    return names


def converter() -> tuple[str, Callable[[Any], bool], Callable[..., Any]]:
    return ("classical (linear, svm, bayes, neighbors, mixture)", supports, convert)
