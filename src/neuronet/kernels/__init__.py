"""Kernel sets: how a network's hot loops are computed. Two speeds, one meaning.

- ``"numpy"``: the readable reference, one NumPy call per formula (the code a learner reads).
- ``"numba"``: compiled kernels (``pip install "neuronet[fast]"``) that fuse several passes over
  memory into one, tested against the reference to float tolerance. So far: every optimizer's
  update of the whole flat parameter buffer (weight decay included) in one pass, across cores
  for large networks, where the NumPy path makes six to ten passes.

A network chooses its kernels when it is built (``MLP(..., kernels="auto")``, or
``net.kernels = "numpy"``): ``"auto"`` is ``"numba"`` where Numba is installed, else
``"numpy"``; the environment variable ``NEURONET_KERNELS=numpy`` forces the reference. Nothing
here is process-wide state, and model files do not record which kernels trained them.
"""

from __future__ import annotations

import os
from importlib.util import find_spec

from ..errors import ConfigurationError, MissingExtra

__all__ = ["NAMES", "available", "resolve"]

NAMES = ("numpy", "numba")


def available() -> list[str]:
    """The kernel sets this installation can run."""
    return ["numpy", *(["numba"] if find_spec("numba") is not None else [])]


def resolve(kernels: str = "auto") -> str:
    """``"numpy"`` or ``"numba"`` for a network asking for ``kernels`` ("auto", "numpy", "numba")."""
    if kernels not in ("auto", *NAMES):
        raise ConfigurationError(f"kernels: expected 'auto', 'numpy' or 'numba', got {kernels!r}")
    forced = os.environ.get("NEURONET_KERNELS", "").strip().lower()
    if forced:
        if forced not in ("auto", *NAMES):
            raise ConfigurationError(f"NEURONET_KERNELS: expected 'auto', 'numpy' or 'numba', got {forced!r}")
        if forced != "auto":
            kernels = forced
    if kernels == "auto":
        return "numba" if "numba" in available() else "numpy"
    if kernels == "numba" and "numba" not in available():
        raise MissingExtra("kernels='numba' needs Numba: pip install 'neuronet[fast]' (or use kernels='numpy')")
    return kernels
