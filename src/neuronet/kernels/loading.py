"""Compiling (or loading from the on-disk cache) the kernels: once per process and signature,
with a notice on stderr when it takes long enough to be noticed ("compiling kernels, once"),
and the time it took kept for ``neuronet bench`` to report."""

from __future__ import annotations

import sys
import threading
import time
import warnings
from typing import Any, Callable


__all__ = ["compiled", "prepare", "seconds", "NOTICE_AFTER"]

NOTICE_AFTER = 1.0  # seconds: a load from the cache takes less, a compilation several seconds
seconds: dict[str, float] = {}  # kernel name -> time its first calls took in this process
_ready: set[tuple] = set()


_unusable: list[str] = []  # why the compiled module cannot be loaded in this process, once known


def compiled() -> Any:
    """``neuronet.kernels.compiled``, or None (with one warning) where it cannot be loaded: Numba
    broken, or no writable place for its cache (it needs one: ``NUMBA_CACHE_DIR`` names one)."""
    if _unusable:
        return None
    try:
        from . import compiled as module
    except (ImportError, RuntimeError, OSError) as error:
        _unusable.append(str(error))
        warnings.warn(f"neuronet: the compiled kernels cannot be loaded ({error}); training takes the NumPy path",
                      RuntimeWarning, stacklevel=3)
        return None
    return module


def prepare(kernel: Any, kind: Any, first_call: Callable[[], Any]) -> bool:
    """The first time ``kernel`` runs with arguments of ``kind`` in this process (a hashable the
    caller derives from what decides the compiled signature, such as the dtypes), call
    ``first_call`` (a call of it, which compiles it or loads it from the cache) with a notice on
    stderr if that takes longer than ``NOTICE_AFTER``, and return True; later, return False."""
    key = (kernel.__name__, kind)
    if key in _ready:
        return False
    timer = threading.Timer(NOTICE_AFTER, print, ("neuronet: compiling kernels, once (they are cached for next "
                                                  "time) ...",), {"file": sys.stderr, "flush": True})
    timer.daemon = True
    started = time.perf_counter()
    timer.start()
    try:
        first_call()
    finally:
        timer.cancel()
        seconds[kernel.__name__] = seconds.get(kernel.__name__, 0.0) + time.perf_counter() - started
    _ready.add(key)
    return True
