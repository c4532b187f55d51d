"""Fused optimizer updates: one pass over the flat parameter buffer instead of one NumPy call
(one pass over memory) per term of the formula.

Each kernel is the reference update of ``neuronet.optim`` written out per element, with the
same operations in the same order and every constant in the buffer's dtype, so float32 and
float64 results match the NumPy path to the last bits or within rounding; weight decay adds
``wd * w`` to the first ``n_decayed`` gradients (the weights), as ``Optimizer.step`` does.
Compiled on first use and cached on disk (``cache=True``); large buffers are split across cores.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

__all__ = ["fused_step", "KERNELS"]

PARALLEL_ABOVE = 1 << 62  # for now never: on 2 cores the threads compete with BLAS (see README)
_loop = range  # numba.prange in the parallel variants: the loops' iterations are independent


def _sgd(p, g, n, wd, lr):
    for i in _loop(n):
        p[i] -= (p[i] * wd + g[i]) * lr
    for i in _loop(n, p.shape[0]):
        p[i] -= g[i] * lr


def _momentum(p, g, velocity, n, wd, lr, mu):
    for i in _loop(p.shape[0]):
        gi = p[i] * wd + g[i] if i < n else g[i]
        velocity[i] = velocity[i] * mu - gi * lr
        p[i] += velocity[i]


def _nesterov(p, g, velocity, n, wd, lr, mu):
    for i in _loop(p.shape[0]):
        gi = p[i] * wd + g[i] if i < n else g[i]
        step = gi * lr
        velocity[i] = velocity[i] * mu - step
        p[i] = (p[i] - step) + velocity[i] * mu


def _adagrad(p, g, sum_squares, n, wd, lr, eps):
    for i in _loop(p.shape[0]):
        gi = p[i] * wd + g[i] if i < n else g[i]
        sum_squares[i] += gi * gi
        p[i] -= (gi / (np.sqrt(sum_squares[i]) + eps)) * lr


def _rmsprop(p, g, mean_squares, n, wd, lr, rho, one_minus_rho, eps):
    for i in _loop(p.shape[0]):
        gi = p[i] * wd + g[i] if i < n else g[i]
        mean_squares[i] = mean_squares[i] * rho + (gi * gi) * one_minus_rho
        p[i] -= (gi / (np.sqrt(mean_squares[i]) + eps)) * lr


def _adam(p, g, m, v, n, wd, step_size, beta1, one_minus_beta1, beta2, one_minus_beta2, eps):
    # two branch-free loops (the decayed weights, then the rest), so the compiler can vectorize
    for i in _loop(n):
        gi = p[i] * wd + g[i]
        m[i] = m[i] * beta1 + gi * one_minus_beta1
        v[i] = v[i] * beta2 + (gi * gi) * one_minus_beta2
        p[i] -= (m[i] / (np.sqrt(v[i]) + eps)) * step_size
    for i in _loop(n, p.shape[0]):
        gi = g[i]
        m[i] = m[i] * beta1 + gi * one_minus_beta1
        v[i] = v[i] * beta2 + (gi * gi) * one_minus_beta2
        p[i] -= (m[i] / (np.sqrt(v[i]) + eps)) * step_size


def _arguments(optimizer: Any, state: dict, dtype: np.dtype) -> tuple:
    """The slot arrays and the constants (in the buffer's dtype) of each optimizer's kernel."""
    c = dtype.type
    name = optimizer.name
    if name == "sgd":
        return (c(optimizer.lr),)
    if name in ("momentum", "nesterov"):
        return state["velocity"], c(optimizer.lr), c(optimizer.momentum)
    if name == "adagrad":
        return state["sum_squares"], c(optimizer.lr), c(optimizer.eps)
    if name == "rmsprop":
        return state["mean_squares"], c(optimizer.lr), c(optimizer.rho), c(1 - optimizer.rho), c(optimizer.eps)
    t = optimizer.iterations
    step_size = optimizer.lr * np.sqrt(1 - optimizer.beta2 ** t) / (1 - optimizer.beta1 ** t)
    return (state["m"], state["v"], c(float(step_size)), c(optimizer.beta1), c(1 - optimizer.beta1),
            c(optimizer.beta2), c(1 - optimizer.beta2), c(optimizer.eps))


KERNELS = {"sgd": _sgd, "momentum": _momentum, "nesterov": _nesterov, "adagrad": _adagrad, "rmsprop": _rmsprop,
           "adam": _adam}
_SLOTS_FIRST = {"sgd": 0, "momentum": 1, "nesterov": 1, "adagrad": 1, "rmsprop": 1, "adam": 2}
_compiled: dict[tuple[str, bool], Any] = {}


def _kernel(name: str, parallel: bool) -> Any:
    key = (name, parallel)
    if key not in _compiled:
        import numba

        function = KERNELS[name]
        if parallel:  # the same loop over numba.prange: iterations are independent, the order of
            # each element's operations is unchanged, so the result is the same bit for bit
            source_globals = dict(function.__globals__, _loop=numba.prange)
            function = type(function)(function.__code__, source_globals, function.__name__ + "_parallel")
            function.__qualname__ = function.__name__  # its own entry in the on-disk cache
        # error_model="numpy": a division by zero gives inf/nan as in NumPy (the trainer checks for
        # them) instead of Python's exception check on every division, which stops vectorization
        _compiled[key] = numba.njit(cache=True, parallel=parallel, fastmath=False, nogil=True,
                                    error_model="numpy")(function)
    return _compiled[key]


_announced = False


def fused_step(optimizer: Any, params: np.ndarray, grads: np.ndarray, n_decayed: int) -> bool:
    """One step of ``optimizer`` over the flat buffer with a fused kernel; False (nothing done)
    when there is no kernel for it (an optimizer registered without one): the caller then takes
    the NumPy path."""
    global _announced
    name = optimizer.name
    if name not in KERNELS or type(optimizer).__module__ != "neuronet.optim":
        return False  # a registered optimizer of one's own, or a subclass that may change the formula
    if params.dtype not in (np.float32, np.float64) or grads.dtype != params.dtype:
        return False
    state = optimizer.flat_state(params)
    optimizer.iterations += 1
    dtype = params.dtype
    extra = _arguments(optimizer, state, dtype)
    slots = _SLOTS_FIRST[name]
    arguments = (params, grads, *extra[:slots], np.int64(n_decayed), dtype.type(optimizer.weight_decay),
                 *extra[slots:])
    kernel = _kernel(name, params.shape[0] > PARALLEL_ABOVE)
    if not kernel.signatures and not _announced:
        _announced = True
        started = time.perf_counter()
        kernel(*arguments)
        seconds = time.perf_counter() - started
        if seconds > 0.05:  # it compiled (a cached kernel loads in milliseconds)
            print(f"neuronet: compiling kernels, once ({seconds:.1f} s; cached for next time)", file=sys.stderr)
        return True
    kernel(*arguments)
    return True
