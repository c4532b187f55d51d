"""Weight initialisation: He, Xavier (Glorot) and plain normal.

Each function returns a ``(fan_in, fan_out)`` array drawn from the
``numpy.random.Generator`` it is given, so the same seed gives the same weights.

- ``he``: N(0, 2 / fan_in), for ReLU-family layers (He et al., 2015);
- ``xavier``: N(0, 2 / (fan_in + fan_out)) (Glorot and Bengio, 2010), for sigmoid and tanh layers;
- ``normal``: N(0, std^2), the "small random numbers" of the textbooks (std = 0.01);
- ``zeros``: all zero. Every neuron of a layer then computes the same thing and gets the same
  gradient, so they never become different: the reason weights start random. Loading a model
  file builds its layers with it (the values come from the file).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ConfigurationError, WrongType

__all__ = ["he", "xavier", "normal", "zeros", "get", "names", "make_rng"]


def make_rng(rng: Any = None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None``, a seed, or a Generator (NEP 19)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise WrongType(f"rng: expected None, an int seed or a numpy.random.Generator, got {type(rng).__name__}")


def he(fan_in: int, fan_out: int, rng: np.random.Generator, dtype: Any = np.float32, std: float | None = None) -> np.ndarray:
    return (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(dtype)


def xavier(fan_in: int, fan_out: int, rng: np.random.Generator, dtype: Any = np.float32, std: float | None = None) -> np.ndarray:
    return (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))).astype(dtype)


def normal(fan_in: int, fan_out: int, rng: np.random.Generator, dtype: Any = np.float32, std: float | None = 0.01) -> np.ndarray:
    return (rng.standard_normal((fan_in, fan_out)) * (0.01 if std is None else std)).astype(dtype)


def zeros(fan_in: int, fan_out: int, rng: np.random.Generator, dtype: Any = np.float32, std: float | None = None) -> np.ndarray:
    return np.zeros((fan_in, fan_out), dtype=dtype)


_REGISTRY = {"he": he, "xavier": xavier, "glorot": xavier, "normal": normal, "zeros": zeros}


def names() -> list[str]:
    return ["he", "xavier", "normal", "zeros"]


def get(name: str):
    """The initialiser called ``name`` (``"he"``, ``"xavier"``, ``"normal"``)."""
    if not isinstance(name, str) or name.lower() not in _REGISTRY:
        raise ConfigurationError(f"init: unknown initialiser {name!r}; expected one of {names()}")
    return _REGISTRY[name.lower()]
