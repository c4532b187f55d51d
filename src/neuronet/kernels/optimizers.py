"""Fused optimizer updates: one pass over the flat parameter buffer instead of one NumPy call
(one pass over memory) per term of the formula.

The kernels themselves (``neuronet.kernels.compiled``) are the reference updates of
``neuronet.optim`` written out per element, with the same operations in the same order and
every constant in the buffer's dtype, so float32 and float64 results match the NumPy path to
rounding; weight decay adds ``wd * w`` to the first ``n_decayed`` gradients (the weights), as
``Optimizer.step`` does. This module packs an optimizer's state and constants for them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["fused_step", "has_kernel", "arguments", "NAMES"]

NAMES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")  # the kernels' order


def has_kernel(optimizer: Any) -> bool:
    """Whether ``optimizer`` is one of neuronet's own (not a registered one of one's own, nor a
    subclass that may change the formula)."""
    return optimizer.name in NAMES and type(optimizer).__module__ == "neuronet.optim"


def arguments(optimizer: Any, params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(slot 1, slot 2, constants, hyper): the state arrays the kernel updates (empty where the
    optimizer has fewer), its constants in the buffer's dtype (``constants[7]`` the weight
    decay), and in float64 the learning rate and Adam's betas, for its step size."""
    dtype = params.dtype
    state = optimizer.flat_state(params)
    slots = [state[slot] for slot in optimizer.slots] + [np.zeros(0, dtype)] * 2
    name = optimizer.name
    if name == "sgd":
        values = [optimizer.lr]
    elif name in ("momentum", "nesterov"):
        values = [optimizer.lr, optimizer.momentum]
    elif name == "adagrad":
        values = [optimizer.lr, optimizer.eps]
    elif name == "rmsprop":
        values = [optimizer.lr, optimizer.rho, 1 - optimizer.rho, optimizer.eps]
    else:  # adam: constants[0], the step size, is set per step from hyper and the iteration count
        values = [optimizer.lr, optimizer.beta1, 1 - optimizer.beta1, optimizer.beta2, 1 - optimizer.beta2,
                  optimizer.eps]
    constants = np.zeros(8, dtype)
    constants[:len(values)] = values
    constants[7] = optimizer.weight_decay
    hyper = np.array([optimizer.lr, getattr(optimizer, "beta1", 0.0), getattr(optimizer, "beta2", 0.0)])
    return slots[0], slots[1], constants, hyper


def fused_step(optimizer: Any, params: np.ndarray, grads: np.ndarray, n_decayed: int) -> bool:
    """One step of ``optimizer`` over the flat buffer with a fused kernel; False (nothing done)
    when there is no kernel for it: the caller then takes the NumPy path."""
    if not has_kernel(optimizer) or params.dtype not in (np.float32, np.float64) or grads.dtype != params.dtype:
        return False
    from . import loading

    compiled = loading.compiled()
    if compiled is None:
        return False
    s1, s2, constants, _ = arguments(optimizer, params)
    optimizer.iterations += 1
    if optimizer.name == "adam":
        constants[0] = optimizer.step_size()
    code = NAMES.index(optimizer.name)
    decayed, rest = slice(0, n_decayed), slice(n_decayed, None)
    first = (code, params[decayed], grads[decayed], constants[7], s1[decayed], s2[decayed], constants)
    # every argument is a contiguous 1-D view in the buffer's dtype, or a scalar: the dtype is the signature
    if not loading.prepare(compiled.optimizer_step, params.dtype.char, lambda: compiled.optimizer_step(*first)):
        compiled.optimizer_step(*first)
    compiled.optimizer_step(code, params[rest], grads[rest], params.dtype.type(0), s1[rest], s2[rest], constants)
    return True
