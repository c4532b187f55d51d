"""Which array module (NumPy or CuPy) an array belongs to, and moving arrays between them.

The engine is written against NumPy's API. Elementwise functions and ``matmul``
dispatch to CuPy by themselves when given CuPy arrays (NumPy's ``__array_ufunc__``
and ``__array_function__`` protocols), so the only things the engine must ask this
module for are *new* arrays next to existing ones (``array_module(like)``) and the
module of a device (``module("cuda")``).

Nothing here is global: a network's device is the device of its parameters
(``Sequential.device``, ``Sequential.to("cuda")``), so two networks in one process
can live on different devices and nothing switches behind a caller's back.

    >>> import numpy as np
    >>> from neuronet import backend
    >>> backend.device_of(np.zeros(3))
    'cpu'
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import numpy as np

from .errors import ConfigurationError

__all__ = ["DEVICES", "module", "array_module", "device_of", "to_numpy", "move"]

DEVICES = {"cpu": "numpy", "cuda": "cupy", "gpu": "cupy"}


def module(device: str) -> Any:
    """The array module of ``device``: NumPy for ``"cpu"``, CuPy for ``"cuda"`` (checked to work)."""
    if device not in DEVICES:
        raise ConfigurationError(f"device: expected 'cpu' or 'cuda', got {device!r}")
    if DEVICES[device] == "numpy":
        return np
    try:
        cupy = importlib.import_module("cupy")
        cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # ImportError, or CUDA not usable on this machine
        raise ConfigurationError(f"device 'cuda' needs CuPy and a CUDA GPU (pip install 'neuronet[gpu]'): "
                                 f"{error}") from None
    return cupy


def array_module(array: Any) -> Any:
    """``numpy`` or ``cupy``: the module that made ``array`` (NumPy for anything that is not CuPy's)."""
    if type(array) is np.ndarray:  # the common case, first: this is called on every layer's step
        return np
    cupy = sys.modules.get("cupy")
    if cupy is not None and isinstance(array, cupy.ndarray):
        return cupy
    return np


def device_of(array: Any) -> str:
    return "cpu" if array_module(array) is np else "cuda"


def to_numpy(array: Any) -> np.ndarray:
    """A NumPy array on the host, whatever module made ``array``."""
    if isinstance(array, np.ndarray):
        return array
    get = getattr(array, "get", None)
    return np.asarray(get() if callable(get) else array)


def move(array: Any, xp: Any) -> Any:
    """``array`` as an array of module ``xp`` (NumPy or CuPy), copied across devices when needed."""
    return to_numpy(array) if xp is np else xp.asarray(array)
