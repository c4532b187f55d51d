"""Fused optimizer updates: one pass over the flat parameter buffer instead of one NumPy call
(one pass over memory) per term of the formula.

The kernels themselves (``neuronet.kernels.compiled``) are the reference updates of
``neuronet.optim`` written out per element, with the same operations in the same order and
every constant in the buffer's dtype, so float32 and float64 results match the NumPy path to
rounding; weight decay adds ``wd * w`` to the first ``n_decayed`` gradients (the weights), as
``Optimizer.step`` does. An optimizer says which kernel it has (``optimizer.kernel``); this
module packs its constants and state for it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["fused_step", "hyper", "slots"]


def hyper(compiled: Any, optimizer: Any, dtype: np.dtype) -> Any:
    """``compiled.Hyper``: the constants of ``optimizer``'s kernel (``optimizer.kernel.parameters``)
    and its weight decay in the buffer's dtype, rounded as the reference's NumPy calls round them
    (``1 - rho`` in float64 first); 0 for a setting it does not have."""
    settings = optimizer.kernel.parameters
    value = np.dtype(dtype).type
    rho, beta1, beta2 = settings.get("rho", 0.0), settings.get("beta1", 0.0), settings.get("beta2", 0.0)
    return compiled.Hyper(momentum=value(settings.get("momentum", 0.0)), rho=value(rho), one_minus_rho=value(1 - rho),
                          beta1=value(beta1), one_minus_beta1=value(1 - beta1), beta2=value(beta2),
                          one_minus_beta2=value(1 - beta2), eps=value(settings.get("eps", 0.0)),
                          weight_decay=value(optimizer.weight_decay))


def slots(optimizer: Any, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The optimizer's state arrays over the whole buffer (``Optimizer.flat_state``), in the order of
    its ``slots``; an empty array for each it does not have."""
    state = optimizer.flat_state(params)
    found = [state[slot] for slot in optimizer.slots] + [np.zeros(0, params.dtype)] * 2
    return found[0], found[1]


def fused_step(optimizer: Any, params: np.ndarray, grads: np.ndarray, n_decayed: int) -> bool:
    """One step of ``optimizer`` over the flat buffer with its kernel; False (nothing done) when it
    has none: the caller then takes the NumPy path."""
    form = optimizer.kernel
    if form is None or params.dtype not in (np.float32, np.float64) or grads.dtype != params.dtype:
        return False
    from . import loading

    compiled = loading.compiled()
    if compiled is None or form.name not in compiled.OPTIMIZERS:
        return False
    s1, s2 = slots(optimizer, params)
    step_size = params.dtype.type(optimizer.step_sizes(1)[0])
    arguments = (compiled.OPTIMIZERS[form.name], hyper(compiled, optimizer, params.dtype), params, grads, n_decayed,
                 s1, s2, step_size)
    # every argument is a contiguous 1-D array in the buffer's dtype, or a scalar: the dtype is the signature
    if not loading.prepare(compiled.update_buffer, params.dtype.char, lambda: compiled.update_buffer(*arguments)):
        compiled.update_buffer(*arguments)
    optimizer.iterations += 1
    return True
