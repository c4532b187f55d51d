"""neuronet: neural networks from first principles, in NumPy.

The engine (neurons, activations, layers, losses, gradients, optimizers) is
imported at once; the heavier parts (datasets, plot, sklearn, onnx, the
playground) are submodules loaded the first time they are used, so
``import neuronet`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import activations, backend, errors, gates, init, losses, optim, schedules
from .gradients import gradient_check, numerical_gradient
from .layers import (
    Dense,
    Dropout,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
)
from .network import MLP, Sequential
from .neuron import Neuron, Perceptron

__version__ = "0.1.0"

__all__ = [
    "activations", "backend", "gates", "init", "losses", "optim",
    "Neuron", "Perceptron", "Dense", "Step", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Identity",
    "Softmax", "Dropout", "Sequential", "MLP", "numerical_gradient", "gradient_check",
    "save", "load", "History", "EarlyStopping", "ModelCheckpoint", "Callback", "fit", "Trainer", "Flatten",
    "schedules", "errors",
]

_LAZY_MODULES = {"datasets", "training", "callbacks", "checkpoint", "progress", "io", "plot", "sklearn", "onnx",
                 "cli", "playground", "gradients", "layers", "network", "neuron", "report", "bench", "tour", "trainer",
                 "validation", "memory", "atomic"}
_LAZY_NAMES = {
    "save": ("io", "save"), "load": ("io", "load"),
    "History": ("training", "History"),
    "EarlyStopping": ("callbacks", "EarlyStopping"), "ModelCheckpoint": ("checkpoint", "ModelCheckpoint"),
    "Callback": ("callbacks", "Callback"), "fit": ("training", "fit"), "Trainer": ("trainer", "Trainer"),
    "Flatten": ("layers", "Flatten"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY_NAMES:
        module, attribute = _LAZY_NAMES[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    raise AttributeError(f"module 'neuronet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_NAMES))
