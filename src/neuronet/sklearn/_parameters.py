"""The estimators' parameters, declared once: each name with the values it may take.

``validate(estimator)`` checks every constructor parameter against ``CONSTRAINTS`` (the
way scikit-learn's ``_parameter_constraints`` does) and raises ``InvalidParameterError``
naming the parameter, what it must be, and what it got.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .. import activations as _activations
from .. import kernels as _kernels
from ..errors import ConfigurationError

__all__ = ["InvalidParameterError", "Interval", "Options", "CONSTRAINTS", "validate", "hidden_activations"]


class InvalidParameterError(ConfigurationError, TypeError):
    """A constructor parameter has a wrong type or value (a ValueError and a TypeError, as in
    scikit-learn, so code that catches either keeps working)."""


class Interval:
    """Numbers of ``kind`` (``numbers.Real`` or ``numbers.Integral``) from ``low`` to ``high``
    (None: unbounded); ``closed`` says which ends belong: "left", "right", "both", "neither"."""

    def __init__(self, kind: type, low: float | None, high: float | None, closed: str = "left"):
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        if not math.isfinite(float(value)) and not (self.high is None and value == math.inf
                                                     and self.kind is numbers.Real):
            return False
        if self.low is not None and (value < self.low or (value == self.low and self.closed in ("right", "neither"))):
            return False
        if self.high is not None and (value > self.high or (value == self.high and self.closed in ("left", "neither"))):
            return False
        return True

    def __str__(self) -> str:
        what = "an int" if self.kind is numbers.Integral else "a number"
        left = "[" if self.closed in ("left", "both") else "("
        right = "]" if self.closed in ("right", "both") else ")"
        low = "-inf" if self.low is None else self.low
        high = "inf" if self.high is None else self.high
        return f"{what} in the range {left}{low}, {high}{right}"


class Options:
    def __init__(self, *values: Any):
        self.values = values

    def accepts(self, value: Any) -> bool:
        return any(value is option or (type(value) is type(option) and value == option) for option in self.values)

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


class _Boolean:
    def accepts(self, value: Any) -> bool:
        return isinstance(value, (bool, np.bool_))

    def __str__(self) -> str:
        return "True or False"


class _Sizes:
    def accepts(self, value: Any) -> bool:
        sizes = [value] if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
        try:
            sizes = list(sizes)
        except TypeError:
            return False
        return all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in sizes)

    def __str__(self) -> str:
        return "a positive int or a sequence of positive ints"


def hidden_activations() -> tuple[str, ...]:
    """scikit-learn's names (``identity``, ``logistic``, ``tanh``, ``relu``) and every elementwise
    activation of neuronet's registry (``leaky_relu``, ...)."""
    names = ["identity", "logistic", "tanh", "relu"]
    return tuple(names + [n for n in _activations.hidden_names() if n not in names and n != "sigmoid"])


class _Activations:
    def accepts(self, value: Any) -> bool:
        allowed = hidden_activations()
        if isinstance(value, str):
            return value in allowed
        return isinstance(value, (list, tuple)) and len(value) > 0 and all(
            isinstance(v, str) and v in allowed for v in value)

    def __str__(self) -> str:
        return f"one of {hidden_activations()} or a list of them, one per hidden layer"


class _Dtype:
    def accepts(self, value: Any) -> bool:
        if value is None:
            return True
        try:
            return np.dtype(value) in (np.float32, np.float64)
        except TypeError:
            return False

    def __str__(self) -> str:
        return "None (follow the input: float32 stays float32, anything else is float64), numpy.float32 or numpy.float64"


class _Encoder:
    def accepts(self, value: Any) -> bool:
        return value is None or (type(value).__name__ == "TableEncoder" and hasattr(value, "transform"))

    def __str__(self) -> str:
        return "None or a neuronet.tables.TableEncoder (fitted: used as it is; else fitted on the training table)"


Real, Integral = numbers.Real, numbers.Integral

CONSTRAINTS: dict[str, list[Any]] = {
    "hidden_layer_sizes": [_Sizes()],
    "activation": [_Activations()],
    "solver": [Options("lbfgs", "sgd", "adam")],
    "alpha": [Interval(Real, 0, None, "left")],
    "batch_size": [Options("auto"), Interval(Integral, 1, None, "left")],
    "learning_rate": [Options("constant", "invscaling", "adaptive")],
    "learning_rate_init": [Interval(Real, 0, None, "neither")],
    "power_t": [Interval(Real, 0, None, "left")],
    "max_iter": [Interval(Integral, 1, None, "left")],
    "shuffle": [_Boolean()],
    "random_state": [None.__class__, Integral, np.random.RandomState],
    "tol": [Interval(Real, 0, None, "left")],
    "verbose": [_Boolean(), Interval(Integral, 0, None, "left")],
    "warm_start": [_Boolean()],
    "momentum": [Interval(Real, 0, 1, "both")],
    "nesterovs_momentum": [_Boolean()],
    "early_stopping": [_Boolean()],
    "validation_fraction": [Interval(Real, 0, 1, "neither")],
    "beta_1": [Interval(Real, 0, 1, "left")],
    "beta_2": [Interval(Real, 0, 1, "left")],
    "epsilon": [Interval(Real, 0, None, "neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, "left"), Options(np.inf)],
    "max_fun": [Interval(Integral, 1, None, "left")],
    "dropout": [Interval(Real, 0, 1, "left")],
    "dtype": [_Dtype()],
    "loss": [Options("squared_error", "poisson")],
    "kernels": [Options("auto", *_kernels.NAMES)],
    "class_weight": [None.__class__, Options("balanced"), dict],
    "encoder": [_Encoder()],
}


def _accepts(constraint: Any, value: Any) -> bool:
    if isinstance(constraint, type):
        return isinstance(value, constraint) and not (constraint is Integral and isinstance(value, bool))
    return constraint.accepts(value)


def _describe(constraint: Any) -> str:
    if constraint is None.__class__:
        return "None"
    if isinstance(constraint, type):
        return "an int" if constraint is Integral else f"a {constraint.__name__}"
    return str(constraint)


def validate(estimator: Any) -> None:
    """Check every parameter of ``estimator`` that ``CONSTRAINTS`` knows."""
    owner = type(estimator).__name__
    for name, value in estimator.get_params(deep=False).items():
        constraints = CONSTRAINTS.get(name)
        if constraints is None or any(_accepts(c, value) for c in constraints):
            continue
        expected = " or ".join(_describe(c) for c in constraints)
        raise InvalidParameterError(f"{owner}: {name} must be {expected}, got {value!r}")
    sizes = estimator.hidden_layer_sizes
    n_hidden = 1 if isinstance(sizes, numbers.Integral) else len(list(sizes))
    if isinstance(estimator.activation, (list, tuple)) and len(estimator.activation) != n_hidden:
        raise InvalidParameterError(f"{owner}: activation must be a list of {n_hidden} names, one per hidden layer, "
                                    f"got {estimator.activation!r}")
    if estimator.dropout and estimator.solver == "lbfgs":
        raise InvalidParameterError(f"{owner}: dropout needs solver 'sgd' or 'adam' (L-BFGS needs a deterministic "
                                    "loss), got solver='lbfgs'")
