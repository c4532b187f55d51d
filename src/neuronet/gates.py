"""Logic gates made of perceptrons (chapter 3; the perceptron notes, after "Deep Learning from Scratch", ch. 2).

AND, OR and NAND are single perceptrons with the textbook weights; each draws
one straight line through the input square. XOR cannot be drawn with one line,
so it takes two layers: XOR(x1, x2) = AND(NAND(x1, x2), OR(x1, x2)).

    >>> from neuronet.gates import AND, XOR
    >>> AND(1, 1), AND(1, 0), XOR(1, 0), XOR(1, 1)
    (1, 0, 1, 0)
    >>> XOR([[0, 0], [0, 1], [1, 0], [1, 1]]).tolist()
    [0, 1, 1, 0]
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .errors import ConfigurationError
from .neuron import Perceptron

__all__ = ["Gate", "AND", "OR", "NAND", "XOR", "TRUTH_TABLE"]

TRUTH_TABLE = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


class Gate:
    """A two-input logic gate: ``gate(x1, x2) -> 0/1`` or ``gate(X) -> (N,)`` for X of shape (N, 2)."""

    def __init__(self, name: str, function: Callable[[np.ndarray], np.ndarray], perceptron: Perceptron | None = None):
        self.name = name
        self._function = function
        self.perceptron = perceptron

    def __call__(self, x1: Any, x2: Any = None) -> Any:
        if x2 is None:
            X = np.asarray(x1)
            if X.ndim != 2 or X.shape[1] != 2:
                raise ConfigurationError(f"{self.name}: expected (x1, x2) or an array of shape (N, 2), got shape {X.shape}")
            return self._function(X)
        return int(self._function(np.array([[x1, x2]]))[0])

    def __repr__(self) -> str:
        return f"<gate {self.name}>"


def _single(name: str, weights: list[float], bias: float) -> Gate:
    perceptron = Perceptron(2, weights=weights, bias=bias)
    return Gate(name, perceptron.predict, perceptron)


AND = _single("AND", [0.5, 0.5], -0.7)
OR = _single("OR", [0.5, 0.5], -0.2)
NAND = _single("NAND", [-0.5, -0.5], 0.7)
XOR = Gate("XOR", lambda X: AND(np.stack([NAND(X), OR(X)], axis=1)))
