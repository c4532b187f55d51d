"""The formal neuron and the perceptron.

A formal neuron weighs its inputs, adds a bias and passes the sum through an
activation function (the notes' eq. 1-4, chapter 1):

    a = sum_{i=0}^{n-1} w_i x_i,   y = f(a)          (the notes: the last input x_{n-1} = 1)
    y = f(w . x + b)                                 (neuronet: the bias b is its own parameter)

The notes fold the bias into the weights with a dummy input that is always 1: its weight
w_{n-1} is the bias. neuronet keeps the bias apart (``bias=``), so ``weights`` holds only the
weights of the real inputs: the notes' (w_0, ..., w_{n-2}, w_{n-1}) is
``Neuron([w_0, ..., w_{n-2}], bias=w_{n-1})``.

The perceptron is the formal neuron with a step activation, y = 1 if
w . x > theta else 0 (the perceptron notes, chapter 3), with the bias b = -theta. It learns with the
perceptron rule: after each sample, w <- w + lr (t - y) x and b <- b + lr (t - y),
which changes nothing when the answer was right.

    >>> from neuronet import Neuron
    >>> neuron = Neuron([-2.0, 1.0], bias=2.0)      # chapter 1's example: w0=-2, w1=1, w2=2 (x2 = 1)
    >>> round(float(neuron([0.0, 0.0])), 3)         # sigmoid(2)
    0.881
    >>> round(float(neuron([2.0, 0.0])), 3)         # sigmoid(-2)
    0.119
    >>> float(neuron([1.0, 0.0]))                   # on the line -2 x0 + x1 + 2 = 0: sigmoid(0)
    0.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import activations as _activations
from .errors import ConfigurationError
from .init import make_rng

__all__ = ["Neuron", "Perceptron"]


def _inputs(x: Any, n_inputs: int, owner: str) -> tuple[np.ndarray, bool]:
    """x as a float (batch, n_inputs) matrix, and whether it was a single sample."""
    array = np.asarray(x, dtype=np.float64)
    single = array.ndim == 1
    if single:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != n_inputs:
        raise ConfigurationError(f"{owner}: expected x of shape ({n_inputs},) or (batch, {n_inputs}), got {np.shape(x)}")
    if not np.all(np.isfinite(array)):
        raise ConfigurationError(f"{owner}: x contains NaN or infinity")
    return array, single


class Neuron:
    """A formal neuron y = f(w . x + b): ``(n_inputs,) -> scalar`` or ``(batch, n_inputs) -> (batch,)``."""

    def __init__(self, weights: Any, bias: float = 0.0, activation: str | _activations.Activation = "sigmoid"):
        weights = np.asarray(weights, dtype=np.float64)
        if weights.ndim != 1 or weights.size == 0:
            raise ConfigurationError(f"Neuron: weights must be a non-empty 1-D array, got shape {weights.shape}")
        self.weights = weights
        self.bias = float(bias)
        self.activation = _activations.get(activation)

    @property
    def n_inputs(self) -> int:
        return self.weights.shape[0]

    def net_input(self, x: Any) -> Any:
        """The weighted sum a = w . x + b before the activation (the notes' eq. 1-3, chapter 1)."""
        array, single = _inputs(x, self.n_inputs, "Neuron")
        a = array @ self.weights + self.bias
        return a[0] if single else a

    def __call__(self, x: Any) -> Any:
        """y = f(a), the neuron's output (the notes' eq. 4 for the sigmoid, chapter 1)."""
        return self.activation(self.net_input(x))

    def __repr__(self) -> str:
        return f"Neuron(weights={self.weights.tolist()}, bias={self.bias}, activation={self.activation.name!r})"


class Perceptron:
    """Rosenblatt's perceptron: a step-output neuron that learns with the perceptron rule.

    ``Perceptron(2)`` starts with small random weights (from ``rng``);
    ``Perceptron(2, weights=[0.5, 0.5], bias=-0.7)`` is the AND gate. ``predict`` maps
    ``(batch, n_inputs) -> (batch,)`` of 0/1.
    """

    def __init__(self, n_inputs: int, *, weights: Any = None, bias: float = 0.0, lr: float = 0.1, rng: Any = None):
        if not isinstance(n_inputs, (int, np.integer)) or n_inputs < 1:
            raise ConfigurationError(f"Perceptron: n_inputs must be a positive integer, got {n_inputs!r}")
        if weights is None:
            weights = make_rng(rng).normal(0.0, 0.01, int(n_inputs))
        self.neuron = Neuron(weights, bias, activation="step")
        if self.neuron.n_inputs != n_inputs:
            raise ConfigurationError(f"Perceptron: weights must have {n_inputs} entries, got {self.neuron.n_inputs}")
        if not float(lr) > 0:
            raise ConfigurationError(f"Perceptron: lr must be positive, got {lr}")
        self.lr = float(lr)
        self.errors_: list[int] = []

    @property
    def weights(self) -> np.ndarray:
        return self.neuron.weights

    @property
    def bias(self) -> float:
        return self.neuron.bias

    @property
    def threshold(self) -> float:
        """theta = -b: the neuron fires when w . x > theta (the perceptron notes, chapter 3)."""
        return -self.neuron.bias

    def predict(self, X: Any) -> np.ndarray:
        """0/1 outputs: 1 where w . x + b > 0."""
        return self.neuron(X).astype(np.int64)

    __call__ = predict

    def fit(self, X: Any, y: Any, epochs: int = 20) -> "Perceptron":
        """Train with the perceptron rule, one sample at a time, for at most ``epochs`` passes.

        Stops early after a pass without mistakes; ``errors_`` lists the mistakes of each
        pass (it never reaches 0 for data that no line separates, such as XOR).
        """
        X, _ = _inputs(X, self.neuron.n_inputs, "Perceptron.fit")
        y = np.asarray(y).reshape(-1)
        if y.shape[0] != X.shape[0]:
            raise ConfigurationError(f"Perceptron.fit: y has {y.shape[0]} entries but X has {X.shape[0]} rows")
        if not np.all((y == 0) | (y == 1)):
            raise ConfigurationError("Perceptron.fit: y must hold 0/1 labels")
        if not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ConfigurationError(f"Perceptron.fit: epochs must be a positive integer, got {epochs!r}")
        self.errors_ = []
        for _ in range(int(epochs)):
            mistakes = 0
            for x, target in zip(X, y):
                error = target - int(self.neuron(x))
                if error:
                    self.neuron.weights += self.lr * error * x
                    self.neuron.bias += self.lr * error
                    mistakes += 1
            self.errors_.append(mistakes)
            if mistakes == 0:
                break
        return self

    def __repr__(self) -> str:
        return f"Perceptron(weights={self.weights.tolist()}, bias={self.bias})"
