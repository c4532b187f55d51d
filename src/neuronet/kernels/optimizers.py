"""Fused optimizer updates: one pass over the flat parameter buffer instead of one NumPy call
(one pass over memory) per term of the formula.

Each kernel is the reference update of ``neuronet.optim`` written out per element, with the
same operations in the same order and every constant in the buffer's dtype, so float32 and
float64 results match the NumPy path to the last bits or within rounding; weight decay adds
``wd * w`` to the first ``n_decayed`` gradients (the weights), as ``Optimizer.step`` does.
Compiled on first use and cached on disk (``cache=True``).
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

__all__ = ["fused_step", "KERNELS"]

# Each kernel updates all of p with the gradient g + wd * p. The fused step calls it on two views of
# the buffer: the decayed weights (wd = weight decay) and the rest (wd = 0, where p * 0 + g is g).
# The loops run over range(len) with no branch in their body, so the compiler vectorizes them
# (a loop over range(start, stop) was measured 8x slower: it was not vectorized).
def _sgd(p, g, wd, lr):
    for i in range(p.shape[0]):
        p[i] -= (p[i] * wd + g[i]) * lr


def _momentum(p, g, wd, velocity, lr, mu):
    for i in range(p.shape[0]):
        velocity[i] = velocity[i] * mu - (p[i] * wd + g[i]) * lr
        p[i] += velocity[i]


def _nesterov(p, g, wd, velocity, lr, mu):
    for i in range(p.shape[0]):
        step = (p[i] * wd + g[i]) * lr
        velocity[i] = velocity[i] * mu - step
        p[i] = (p[i] - step) + velocity[i] * mu


def _adagrad(p, g, wd, sum_squares, lr, eps):
    for i in range(p.shape[0]):
        gi = p[i] * wd + g[i]
        sum_squares[i] += gi * gi
        p[i] -= (gi / (np.sqrt(sum_squares[i]) + eps)) * lr


def _rmsprop(p, g, wd, mean_squares, lr, rho, one_minus_rho, eps):
    for i in range(p.shape[0]):
        gi = p[i] * wd + g[i]
        mean_squares[i] = mean_squares[i] * rho + (gi * gi) * one_minus_rho
        p[i] -= (gi / (np.sqrt(mean_squares[i]) + eps)) * lr


def _adam(p, g, wd, m, v, step_size, beta1, one_minus_beta1, beta2, one_minus_beta2, eps):
    for i in range(p.shape[0]):
        gi = p[i] * wd + g[i]
        m[i] = m[i] * beta1 + gi * one_minus_beta1
        v[i] = v[i] * beta2 + (gi * gi) * one_minus_beta2
        p[i] -= (m[i] / (np.sqrt(v[i]) + eps)) * step_size


def _arguments(optimizer: Any, state: dict, dtype: np.dtype) -> tuple[tuple, tuple]:
    """Each optimizer's slot arrays and its constants (in the buffer's dtype): the kernel's
    arguments after (p, g, wd)."""
    c = dtype.type
    name = optimizer.name
    if name == "sgd":
        return (), (c(optimizer.lr),)
    if name in ("momentum", "nesterov"):
        return (state["velocity"],), (c(optimizer.lr), c(optimizer.momentum))
    if name == "adagrad":
        return (state["sum_squares"],), (c(optimizer.lr), c(optimizer.eps))
    if name == "rmsprop":
        return (state["mean_squares"],), (c(optimizer.lr), c(optimizer.rho), c(1 - optimizer.rho), c(optimizer.eps))
    t = optimizer.iterations
    step_size = optimizer.lr * np.sqrt(1 - optimizer.beta2 ** t) / (1 - optimizer.beta1 ** t)
    return (state["m"], state["v"]), (c(float(step_size)), c(optimizer.beta1), c(1 - optimizer.beta1),
                                      c(optimizer.beta2), c(1 - optimizer.beta2), c(optimizer.eps))


KERNELS = {"sgd": _sgd, "momentum": _momentum, "nesterov": _nesterov, "adagrad": _adagrad, "rmsprop": _rmsprop,
           "adam": _adam}
_compiled: dict[str, Any] = {}  # the compiled kernels of this process (the disk cache spans processes)


def _kernel(name: str) -> Any:
    if name not in _compiled:
        import numba

        # error_model="numpy": a division by zero gives inf/nan as in NumPy (the trainer checks for
        # them) instead of Python's exception check on every division, which stops vectorization.
        # One core: on a 2-core machine threaded kernels competed with BLAS's threads and lost.
        _compiled[name] = numba.njit(cache=True, fastmath=False, nogil=True, error_model="numpy")(KERNELS[name])
    return _compiled[name]


def fused_step(optimizer: Any, params: np.ndarray, grads: np.ndarray, n_decayed: int) -> bool:
    """One step of ``optimizer`` over the flat buffer with a fused kernel; False (nothing done)
    when there is no kernel for it (an optimizer registered without one): the caller then takes
    the NumPy path."""
    name = optimizer.name
    if name not in KERNELS or type(optimizer).__module__ != "neuronet.optim":
        return False  # a registered optimizer of one's own, or a subclass that may change the formula
    if params.dtype not in (np.float32, np.float64) or grads.dtype != params.dtype:
        return False
    state = optimizer.flat_state(params)
    optimizer.iterations += 1
    dtype = params.dtype
    slots, constants = _arguments(optimizer, state, dtype)
    kernel = _kernel(name)
    first_call = not kernel.signatures
    started = time.perf_counter()
    for part, decay in ((slice(0, n_decayed), optimizer.weight_decay), (slice(n_decayed, None), 0.0)):
        kernel(params[part], grads[part], dtype.type(decay), *(slot[part] for slot in slots), *constants)
    if first_call and time.perf_counter() - started > 0.05:  # it compiled (a cached kernel loads in ms)
        print(f"neuronet: compiling kernels, once ({time.perf_counter() - started:.1f} s; cached for next time)",
              file=sys.stderr)
    return True
