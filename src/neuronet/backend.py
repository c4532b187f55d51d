"""The one place that knows which array module (NumPy or CuPy) is in use.

The engine is written against NumPy's API. Elementwise functions and ``matmul``
dispatch to CuPy by themselves when given CuPy arrays (NumPy's ``__array_ufunc__``
and ``__array_function__`` protocols), so the only things the engine must ask
this module for are *new* arrays: ``empty``, ``zeros``, ``asarray``, and random
numbers. ``use("cupy")`` switches where those are made; ``to_numpy`` brings a
result back to the host.

    >>> import neuronet
    >>> neuronet.backend.use("numpy")
    >>> neuronet.backend.name()
    'numpy'
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

_xp: Any = np
_name = "numpy"


def use(name: str) -> None:
    """Select the array module: ``"numpy"`` (default) or ``"cupy"`` (NVIDIA GPUs)."""
    global _xp, _name
    if name not in ("numpy", "cupy"):
        raise ValueError(f"backend: expected 'numpy' or 'cupy', got {name!r}")
    if name == "cupy":
        try:
            module = importlib.import_module("cupy")
            module.cuda.runtime.getDeviceCount()
        except Exception as error:  # ImportError, or CUDA not usable on this machine
            raise RuntimeError(
                "backend 'cupy' needs CuPy and a CUDA GPU "
                f"(pip install 'neuronet[gpu]'): {error}"
            ) from None
        _xp = module
    else:
        _xp = np
    _name = name


def name() -> str:
    """The name of the array module in use: ``"numpy"`` or ``"cupy"``."""
    return _name


def xp() -> Any:
    """The array module in use (``numpy`` or ``cupy``)."""
    return _xp


def empty(shape: Any, dtype: Any) -> Any:
    return _xp.empty(shape, dtype=dtype)


def zeros(shape: Any, dtype: Any) -> Any:
    return _xp.zeros(shape, dtype=dtype)


def asarray(values: Any, dtype: Any = None) -> Any:
    """``values`` as an array of the module in use (no copy when already one)."""
    return _xp.asarray(values, dtype=dtype)


def to_numpy(array: Any) -> np.ndarray:
    """A NumPy array on the host, whatever module made ``array``."""
    if isinstance(array, np.ndarray):
        return array
    get = getattr(array, "get", None)
    return np.asarray(get() if callable(get) else array)


def is_array(value: Any) -> bool:
    return isinstance(value, (np.ndarray, _xp.ndarray))
