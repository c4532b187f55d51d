"""Kernel sets: how a network's hot loops are computed. Two speeds, one meaning.

- ``"numpy"``: the readable reference, one NumPy call per formula (the code a learner reads).
- ``"numba"``: compiled kernels (``pip install "neuronet[fast]"``, part of ``[cli]``) that fuse
  several passes over memory into one, tested against the reference to float tolerance: every
  optimizer's update of the flat parameter buffer in one pass, bias + activation, activation
  derivative, softmax cross-entropy (and the other losses) with its gradient, the minibatch
  gather, and whole minibatch steps in one call (``neuronet.kernels.steps``), with the matrix
  products in NumPy's own BLAS (``neuronet.kernels.blas``).

A network chooses its kernels when it is built (``MLP(..., kernels="auto")``, or
``net.kernels = "numpy"``, a validated property): ``"auto"`` is ``"numba"`` where Numba is
installed, else ``"numpy"``; the environment variable ``NEURONET_KERNELS`` (``auto``, ``numpy``
or ``numba``) overrides it for the whole process. Nothing else here is process-wide state, and
model files do not record which kernels trained them.

Whether a step is compiled is a plan (``neuronet.kernels.plan.KernelPlan``): the compiled step,
or the first reason it cannot be ("Dropout has no compiled form", "gradient='numerical'",
"CuPy arrays", "kernels='numpy'"). ``net.kernel_plan(loss, optimizer)`` and ``trainer.plan``
give it; a network built with ``kernels="numba"`` that cannot have them is warned
(``KernelFallbackWarning``) and trains on the NumPy path, with the same results.

Their cost: the first run ever compiles them (about 8 s of CPU per dtype, cached on disk);
later processes load them from the cache, which with importing Numba takes about half a second
to a second. A one-shot job that would train for less than that on the NumPy path does better
without them:
``for_one_run`` (what ``neuronet train --kernels auto`` uses) weighs the two.
"""

from __future__ import annotations

import os
import sys
from importlib.util import find_spec

from ..errors import ConfigurationError, MissingExtra

__all__ = ["NAMES", "available", "resolve", "for_one_run", "LOAD_SECONDS"]

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


LOAD_SECONDS = 1.0  # importing Numba and loading the cached kernels in a fresh process (measured: 0.8-1.0 s)


def numpy_seconds(n_parameters: int, samples: int, batches: int) -> float:
    """A rough time for training on the NumPy path: a fixed ~100 us of NumPy calls per step,
    plus three multiply-adds per parameter and sample at ~10^10 per second."""
    return batches * 1e-4 + 3.0 * n_parameters * samples / 1e10


def for_one_run(kernels: str, n_parameters: int, samples: int, batches: int) -> str:
    """The kernels for a one-shot run (a command-line job) of ``samples`` sample-steps in
    ``batches`` steps: as ``resolve``, except that ``"auto"`` takes the compiled ones only where
    they are already loaded or would save more than they cost to load (they make a step about
    twice as fast or more, so: where the NumPy path would take over ``2 * LOAD_SECONDS``)."""
    chosen = resolve(kernels)
    if kernels != "auto" or chosen != "numba" or "neuronet.kernels.compiled" in sys.modules:
        return chosen
    return "numba" if numpy_seconds(n_parameters, samples, batches) > 2 * LOAD_SECONDS else "numpy"
