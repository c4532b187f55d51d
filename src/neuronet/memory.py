"""How many bytes a network needs, checked before anything is allocated.

A network of ``Dense(2, 10**9)`` asks for 8 GB of weights, as many again for their
gradients and two more copies of optimizer state; allocating first and failing later
ends in a ``MemoryError`` traceback, or in the kernel killing the process. Every
place that builds a network (``Dense``, ``MLP``, ``fit``, ``load``, the scikit-learn
estimators) asks ``check_fits`` first, which compares the estimate with the memory
available: ``MemAvailable`` of ``/proc/meminfo`` (Linux), else the physical memory, and no
more than the process's address-space limit (``ulimit -v``, ``RLIMIT_AS``) leaves or its
control group's memory limit (``memory.max``) leaves; or ``NEURONET_MEMORY_LIMIT`` (bytes,
or a number with K/M/G/T) where it is set.
"""

from __future__ import annotations

import math
import os
from typing import Iterable

from .errors import ConfigurationError, TooLargeError

__all__ = ["available_bytes", "check_fits", "network_bytes", "human_bytes"]

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _parse_limit(text: str) -> int:
    """``NEURONET_MEMORY_LIMIT``'s value in bytes: a finite positive number, optionally with K, M, G or T
    (``2G``, ``500M``, ``1.5GiB``); anything else is a ``ConfigurationError`` naming the variable."""
    given = text
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = text[-1:] if text[-1:] in _UNITS and text[-1:] else ""
    try:
        value = float(text[:-1] if unit else text) * _UNITS[unit]
    except ValueError:
        raise ConfigurationError(f"NEURONET_MEMORY_LIMIT: expected a number of bytes such as 2G or 500M, "
                                 f"got {given!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise ConfigurationError(f"NEURONET_MEMORY_LIMIT: expected a finite positive size such as 2G or 500M, "
                                 f"got {given!r}")
    return max(1, int(value))


def available_bytes() -> int | None:
    """The memory a new allocation may use, in bytes (None when it cannot be told)."""
    limit = os.environ.get("NEURONET_MEMORY_LIMIT")
    if limit:
        return _parse_limit(limit)
    bounds = [bound for bound in (_system_available(), _address_space_left(), _control_group_left())
              if bound is not None]
    return min(bounds) if bounds else None


def _system_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def _address_space_left() -> int | None:
    """What ``RLIMIT_AS`` leaves beyond the process's current virtual size (None: no limit)."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY:
            return None
        with open("/proc/self/status", encoding="ascii") as handle:
            size = next(int(line.split()[1]) * 1024 for line in handle if line.startswith("VmSize:"))
        return max(soft - size, 0)
    except (ImportError, OSError, ValueError, StopIteration):
        return None


def _control_group_left() -> int | None:
    """What the control group's ``memory.max`` leaves beyond its ``memory.current`` (cgroup v2)."""
    try:
        with open("/proc/self/cgroup", encoding="ascii") as handle:
            group = next(line.split(":", 2)[2].strip() for line in handle if line.startswith("0::"))
        folder = os.path.join("/sys/fs/cgroup", group.lstrip("/"))
        with open(os.path.join(folder, "memory.max"), encoding="ascii") as handle:
            maximum = handle.read().strip()
        if maximum == "max":
            return None
        with open(os.path.join(folder, "memory.current"), encoding="ascii") as handle:
            current = int(handle.read().strip())
        return max(int(maximum) - current, 0)
    except (OSError, ValueError, StopIteration, IndexError):
        return None


def human_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


def network_bytes(sizes: Iterable[int], itemsize: int, optimizer_slots: int = 2, batch: int = 0) -> int:
    """Bytes to train a Dense network of layer widths ``sizes``: the parameters, their gradients,
    ``optimizer_slots`` arrays of optimizer state, and the forward/backward workspaces of a batch."""
    sizes = [int(s) for s in sizes]
    n_parameters = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    workspaces = 3 * batch * sum(sizes)  # an output, an activation and an input gradient per layer
    return itemsize * ((2 + optimizer_slots) * n_parameters + workspaces)


def check_fits(nbytes: int, what: str) -> None:
    """Raise ``TooLargeError`` naming ``what`` and its size when ``nbytes`` exceed the memory available."""
    available = available_bytes()
    if available is not None and nbytes > available:
        raise TooLargeError(
            f"{what} needs about {human_bytes(nbytes)}, more than the {human_bytes(available)} of memory "
            f"available{' (NEURONET_MEMORY_LIMIT)' if os.environ.get('NEURONET_MEMORY_LIMIT') else ''}; "
            "use fewer or smaller layers")
