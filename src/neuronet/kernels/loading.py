"""Compiling (or loading from the on-disk cache) the kernels: once per process and signature,
with a notice on stderr when it takes long enough to be noticed ("compiling kernels, once"),
and the time it took kept for ``neuronet bench`` to report."""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

__all__ = ["compiling_notice", "seconds", "NOTICE_AFTER"]

NOTICE_AFTER = 1.0  # seconds: a load from the cache takes less, a compilation several seconds
seconds: dict[str, float] = {}  # kernel name -> time its first calls took in this process
_ready: set[tuple] = set()


def _key(kernel: Any, args: tuple) -> tuple:
    return (kernel.__name__, *((a.dtype.char, a.ndim, a.flags.c_contiguous) if isinstance(a, np.ndarray)
                               else type(a) for a in args))


@contextmanager
def compiling_notice(kernel: Any, args: tuple) -> Iterator[None]:
    """Run the block (a first call of ``kernel`` with ``args``) with a notice if it compiles."""
    key = _key(kernel, args)
    if key in _ready:
        yield
        return
    timer = threading.Timer(NOTICE_AFTER, print, ("neuronet: compiling kernels, once (they are cached for next "
                                                  "time) ...",), {"file": sys.stderr, "flush": True})
    timer.daemon = True
    started = time.perf_counter()
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        seconds[kernel.__name__] = seconds.get(kernel.__name__, 0.0) + time.perf_counter() - started
    _ready.add(key)
