"""The plan: how a network's training step is computed, and why.

``KernelPlan.for_network(net, loss, optimizer, gradient)`` asks each part of the step for its
compiled form (``layer.kernel``, ``loss.kernel``, ``optimizer.kernel``) and gives either the
compiled step (``plan.step``, a ``steps.StepKernel`` with the network's layout) or the first
reason it cannot be taken (``plan.reason``: "Dropout has no compiled form", "gradient='numerical'",
"kernels='numpy'", ...). ``str(plan)`` is a short phrase for a first output line ("numba
kernels", "numpy kernels: Dropout has no compiled form"). ``net.kernel_plan(...)`` and
``trainer.plan`` (with the data's own checks) give it.

Nothing here tests a type: the objects say what they are. Everything before the last checks is
decided without importing Numba.
"""

from __future__ import annotations

import os
import warnings
from importlib.util import find_spec
from typing import Any

import numpy as np

__all__ = ["KernelPlan", "KernelFallbackWarning"]


class KernelFallbackWarning(UserWarning):
    """A network built with ``kernels="numba"`` trains on the NumPy path; the message says why."""


class KernelPlan:
    """Either the compiled step (``step``) or the reason there is none (``reason``); ``asked``: the
    network asked for the compiled kernels by name (``kernels="numba"``), so a fallback warns."""

    def __init__(self, step: Any = None, reason: str | None = None, asked: bool = False):
        self.step, self.reason, self.asked = step, reason, asked

    @property
    def compiled(self) -> bool:
        return self.step is not None

    def __bool__(self) -> bool:
        return self.compiled

    def __str__(self) -> str:
        return "numba kernels" if self.compiled else f"numpy kernels: {self.reason}"

    def __repr__(self) -> str:
        return f"KernelPlan({str(self)!r})"

    def refused(self, reason: str) -> "KernelPlan":
        """This plan for data the compiled step cannot take (``reason``): the NumPy path."""
        return KernelPlan(None, reason, self.asked)

    def warn(self) -> None:
        """Where the network asked for the compiled kernels and will not get them: one warning."""
        if self.asked and not self.compiled:
            warnings.warn(f"neuronet: kernels='numba' asked for, but this step runs on the NumPy path: {self.reason}",
                          KernelFallbackWarning, stacklevel=4)

    @classmethod
    def for_network(cls, net: Any, loss: Any, optimizer: Any, gradient: str = "backprop") -> "KernelPlan":
        """The plan for training ``net`` on ``loss`` with ``optimizer`` by ``gradient``."""
        asked = getattr(net, "kernels_asked", None) == "numba"
        reason = _first_reason(net, loss, optimizer, gradient)
        if reason is not None:
            return cls(None, reason, asked)
        from . import loading

        compiled = loading.compiled()
        if compiled is None:
            return cls(None, loading.unusable() or "the compiled kernels cannot be loaded", asked)
        try:
            step = _step_kernel(compiled, net, loss, optimizer)
        except _NoKernel as missing:
            return cls(None, str(missing), asked)
        return cls(step, None, asked)


class _NoKernel(Exception):
    """A part of the step whose kernel the kernel module does not define."""


def _first_reason(net: Any, loss: Any, optimizer: Any, gradient: str) -> str | None:
    """The first reason, from the network's own settings to its parts, that the step cannot be
    compiled; None where nothing stands in the way (short of loading the kernels)."""
    kernels = getattr(net, "kernels", "numpy")
    if kernels != "numba":
        forced = os.environ.get("NEURONET_KERNELS", "").strip().lower()
        if forced == "numpy":
            return "NEURONET_KERNELS=numpy"
        if find_spec("numba") is None:
            return "Numba is not installed (pip install 'neuronet[fast]')"
        return f"kernels={kernels!r}"
    if gradient != "backprop":
        return f"gradient={gradient!r}"
    params = net.parameter_vector()
    if type(params) is not np.ndarray:
        return f"{type(params).__module__.split('.')[0]} arrays (the network is on {getattr(net, 'device', 'a GPU')})"
    if params.dtype not in (np.float32, np.float64):
        return f"dtype {params.dtype.name}"
    previous = None
    for position, layer in enumerate(net.layers):  # Dense layers, each followed by at most one activation
        form = layer.kernel
        function = getattr(layer, "function", None)
        if form is None:
            if function is not None:
                return f"activation {function.name!r} ({type(function).__name__}) has no compiled form"
            return f"{type(layer).__name__} has no compiled form"
        if form.name != "dense" and (previous is None or previous.name != "dense"):
            return f"layer {position} ({type(layer).__name__}) does not follow a Dense layer"
        previous = form
    if loss.kernel is None:
        return f"{type(loss).__name__} has no compiled form"
    if optimizer.kernel is None:
        return f"{type(optimizer).__name__} has no compiled form"
    return None


def _step_kernel(compiled: Any, net: Any, loss: Any, optimizer: Any) -> Any:
    """The ``StepKernel`` of a network whose every part has a kernel: the names translated into
    the kernel module's codes (``_NoKernel`` for one it does not define), the layout laid out."""
    from . import blas as _blas
    from .steps import StepKernel

    def code(table: dict, owner: Any, form: Any) -> int:
        if form.name not in table:
            raise _NoKernel(f"{type(owner).__name__}'s kernel {form.name!r} is not in the kernel module")
        return table[form.name]

    offsets = {name: part.start for name, part, _ in net.parameter_layout()}
    rows, activations, alphas = [], [], []
    for position, layer in enumerate(net.layers):
        form = layer.kernel
        if form.name == "dense":
            rows.append([offsets[f"{position}.W"], offsets[f"{position}.b"], layer.in_features, layer.out_features])
            activations.append(compiled.IDENTITY)
            alphas.append(0.0)
        else:
            activations[-1] = code(compiled.ACTIVATIONS, getattr(layer, "function", layer), form)
            alphas[-1] = float(form.parameters.get("alpha", 0.0))
    loss_form = loss.kernel
    parameters = loss_form.parameters
    loss_kernel = compiled.LossForm(code(compiled.LOSSES, loss, loss_form), float(parameters.get("margin", 1.0)),
                                    bool(parameters.get("clip", False)), float(np.finfo(net.dtype).eps))
    optimizer_code = code(compiled.OPTIMIZERS, optimizer, optimizer.kernel)
    gemm = _blas.gemm(np.dtype(net.dtype).name)
    if gemm is None and find_spec("scipy") is None:
        raise _NoKernel("no BLAS the compiled code can call (NumPy's was not found, and Numba's needs SciPy)")
    blas = compiled.Blas(_blas.ROW_MAJOR, _blas.NO_TRANS, _blas.TRANS)
    return StepKernel(compiled, net, np.array(rows, dtype=np.int64), np.array(activations, dtype=np.int64),
                      np.array(alphas), loss_kernel, optimizer_code, gemm, blas)
