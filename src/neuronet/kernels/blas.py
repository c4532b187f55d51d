"""NumPy's own BLAS, for the compiled kernels' matrix products.

The compiled step calls the very ``gemm`` that ``np.matmul`` calls, through ctypes: the same
library (so one pool of BLAS threads, not two spinning against each other on a small machine)
and the same code (so its products are those of the readable path, bit for bit). NumPy's wheels
ship it as ``scipy-openblas`` (symbols ``scipy_cblas_sgemm64_``, 64-bit integers). Only symbols
whose integer size the name states are used, and each is checked on a small product first;
where none is found, ``gemm`` is None and the kernels use Numba's ``np.dot`` (SciPy's BLAS).
"""

from __future__ import annotations

import ctypes
import glob
import os
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Iterator

import numpy as np

__all__ = ["gemm", "threads", "ROW_MAJOR", "NO_TRANS", "TRANS"]

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112  # CBLAS enums
_SYMBOLS = {"float32": ("scipy_cblas_sgemm64_", "cblas_sgemm64_"),
            "float64": ("scipy_cblas_dgemm64_", "cblas_dgemm64_")}


def _libraries() -> list[str]:
    """NumPy's bundled BLAS libraries (Linux/Windows wheels: numpy.libs; macOS: numpy/.dylibs)."""
    root = os.path.dirname(np.__file__)
    found = []
    for folder in (os.path.join(root, os.pardir, "numpy.libs"), os.path.join(root, ".dylibs")):
        for pattern in ("*openblas*.so*", "*openblas*.dylib", "*openblas*.dll"):
            found += sorted(glob.glob(os.path.join(folder, pattern)))
    return found


@lru_cache(maxsize=None)
def gemm(dtype_name: str) -> Any:
    """NumPy's ``cblas_?gemm`` for ``"float32"`` or ``"float64"`` as a ctypes function, or None."""
    scalar = {"float32": ctypes.c_float, "float64": ctypes.c_double}[dtype_name]
    for path in _libraries():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in _SYMBOLS[dtype_name]:
            function = getattr(library, symbol, None)
            if function is None:
                continue
            size, pointer = ctypes.c_int64, ctypes.c_void_p
            function.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, size, size, size, scalar, pointer, size,
                                 pointer, size, scalar, pointer, size]
            function.restype = None
            if _works(function, np.dtype(dtype_name)):
                return function
    return None


def _works(function: Any, dtype: np.dtype) -> bool:
    """Whether ``function`` computes A B^T like NumPy on a small example."""
    a = np.arange(6, dtype=dtype).reshape(2, 3)
    b = np.arange(12, dtype=dtype).reshape(4, 3) - 5
    c = np.zeros((2, 4), dtype)
    function(ROW_MAJOR, NO_TRANS, TRANS, 2, 4, 3, 1.0, a.ctypes.data, 3, b.ctypes.data, 3, 0.0, c.ctypes.data, 4)
    return bool(np.array_equal(c, a @ b.T))


@lru_cache(maxsize=None)
def _thread_setter() -> Any:
    """OpenBLAS's ``openblas_set_num_threads_local`` (the calling thread's BLAS threads), or None."""
    for path in _libraries():
        try:
            function = getattr(ctypes.CDLL(path), "openblas_set_num_threads_local", None)
        except OSError:
            continue
        if function is not None:
            function.argtypes, function.restype = [ctypes.c_int], ctypes.c_int
            return function
    return None


@contextmanager
def threads(count: int | None) -> Iterator[None]:
    """Run the block with ``count`` BLAS threads for this thread only (None: as they are). Small
    products run faster on one: the other threads' wait between calls costs more than they help."""
    setter = _thread_setter() if count else None
    if setter is None:
        yield
        return
    previous = setter(count)
    try:
        yield
    finally:
        setter(previous)
