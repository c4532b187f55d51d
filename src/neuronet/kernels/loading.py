"""Compiling (or loading from the on-disk cache) the kernels: once per process and signature,
with a notice on stderr when it takes long enough to be noticed ("compiling kernels, once"),
and the time it took kept for ``neuronet bench`` to report.

The cache is a convenience, never a condition: a cache that cannot be read (truncated,
corrupted, from another build) or written (a read-only or full disk) costs one warning and a
compilation in memory; only when Numba cannot compile at all do the kernels become unusable,
and training takes the NumPy path.
"""

from __future__ import annotations

import sys
import threading
import time
import warnings
from typing import Any, Callable

__all__ = ["compiled", "prepare", "seconds", "NOTICE_AFTER", "unusable", "KernelsUnavailable"]

NOTICE_AFTER = 1.0  # seconds: a load from the cache takes less, a compilation several seconds
seconds: dict[str, float] = {}  # kernel name -> time its first calls took in this process
_ready: set[tuple] = set()
_unusable: list[str] = []  # why the compiled module cannot be used in this process, once known
_uncached: list[str] = []  # why the disk cache was switched off in this process, once known


class KernelsUnavailable(RuntimeError):
    """The compiled kernels cannot be compiled in this process (``unusable()`` says why)."""


def unusable() -> str | None:
    """Why the compiled kernels cannot be used in this process, or None (as far as is known)."""
    return _unusable[0] if _unusable else None


def compiled() -> Any:
    """``neuronet.kernels.compiled``, or None (with one warning) where it cannot be loaded: Numba
    broken or missing. Where Numba finds no writable place for its cache (``NUMBA_CACHE_DIR``
    names one), the kernels are cached in a temporary folder for this process instead."""
    if _unusable:
        return None
    try:
        from . import compiled as module
    except RuntimeError as error:
        if "cannot cache" not in str(error):
            _give_up(f"the compiled kernels cannot be loaded ({error})")
            return None
        module = _import_with_a_temporary_cache(error)
    except (ImportError, OSError) as error:
        _give_up(f"the compiled kernels cannot be loaded ({error})")
        return None
    return module


def _import_with_a_temporary_cache(error: BaseException) -> Any:
    """Import the kernels with Numba's cache in a temporary folder (one warning), or give up."""
    import atexit
    import importlib
    import shutil
    import tempfile

    from numba.core import config

    _uncached.append(str(error))
    warnings.warn(f"neuronet: the compiled kernels' disk cache cannot be used ({error}); compiling them into a "
                  "temporary folder for this process", RuntimeWarning, stacklevel=4)
    folder = tempfile.mkdtemp(prefix="neuronet-kernels-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # a cache for this process only
    config.CACHE_DIR = folder
    sys.modules.pop(__package__ + ".compiled", None)
    try:
        return importlib.import_module(__package__ + ".compiled")
    except (ImportError, RuntimeError, OSError) as again:
        _give_up(f"the compiled kernels cannot be loaded ({again})")
        return None


def _give_up(reason: str) -> None:
    _unusable.append(reason)
    warnings.warn(f"neuronet: {reason}; training takes the NumPy path", RuntimeWarning, stacklevel=4)


def _without_cache(module: Any, error: BaseException) -> None:
    """Switch every kernel of ``module`` to in-memory compilation (one warning per process)."""
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    if not _uncached:
        _uncached.append(f"{type(error).__name__}: {error}")
        warnings.warn(f"neuronet: the compiled kernels' disk cache cannot be used ({type(error).__name__}: {error}); "
                      "compiling them in memory for this process", RuntimeWarning, stacklevel=4)
    for value in vars(module).values():
        if isinstance(value, CPUDispatcher):
            value._cache = NullCache()


def _is_a_bug(error: BaseException) -> bool:
    """Whether compiling failed in the kernels' own code (typing, lowering, an unsupported
    construct, an argument of the wrong kind) rather than in the machine's (a damaged or full
    cache, no memory): the former must surface, the latter only costs the compiled path."""
    from numba.core import errors

    return isinstance(error, (errors.TypingError, errors.LoweringError, errors.UnsupportedError, TypeError,
                              IndexError, AssertionError))


def prepare(kernel: Any, kind: Any, first_call: Callable[[], Any]) -> bool:
    """The first time ``kernel`` runs with arguments of ``kind`` in this process (a hashable the
    caller derives from what decides the compiled signature, such as the dtypes), call
    ``first_call`` (a call of it, which compiles it or loads it from the cache) with a notice on
    stderr if that takes longer than ``NOTICE_AFTER``, and return True; later, return False.

    A first call that fails while Numba reads or writes its cache (a damaged file, a read-only or
    full disk) is repeated with the cache off; one that fails again raises ``KernelsUnavailable``
    (and the kernels stay unusable in this process): the caller takes the NumPy path. A first
    call compiles or loads and then runs, so nothing has run when it fails."""
    key = (kernel.__name__, kind)
    if key in _ready:
        return False
    if _unusable:
        raise KernelsUnavailable(_unusable[0])
    timer = threading.Timer(NOTICE_AFTER, print, ("neuronet: compiling kernels, once (they are cached for next "
                                                  "time) ...",), {"file": sys.stderr, "flush": True})
    timer.daemon = True
    started = time.perf_counter()
    timer.start()
    try:
        try:
            first_call()
        except Exception as error:  # noqa: BLE001 - a cache Numba cannot read or write fails in many ways
            if _uncached or _is_a_bug(error):
                raise
            _without_cache(sys.modules[kernel.__module__], error)
            first_call()
    except Exception as error:  # noqa: BLE001 - what the machine does to compiling stops only the compiled path
        if _is_a_bug(error):
            raise  # a kernel that does not type-check or lower is a bug to see, not a slow path to hide
        _give_up(f"the compiled kernels cannot be compiled ({type(error).__name__}: {error})")
        raise KernelsUnavailable(_unusable[0]) from error
    finally:
        timer.cancel()
        seconds[kernel.__name__] = seconds.get(kernel.__name__, 0.0) + time.perf_counter() - started
    _ready.add(key)
    return True

