"""Numerical differentiation, and checking backpropagation against it.

The derivative as a limit (the notes' eq. 9-11, chapter 7): nudge one parameter by a small
epsilon, see how much the loss moves. ``"forward"`` is the notes' one-sided
difference, (f(x + eps) - f(x)) / eps, with an error of order eps; ``"central"``,
(f(x + eps) - f(x - eps)) / (2 eps), has an error of order eps^2 and is the
default. Either costs one or two evaluations of f *per parameter*, which is why
backpropagation, which gets every derivative from one backward pass, replaced
it (the notes, "the difficulty of this method"; chapter 7).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import losses as _losses
from .errors import ConfigurationError, WrongType

__all__ = ["numerical_gradient", "gradient_check", "relative_error", "resolution", "difference_errors"]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-4,
                       method: str = "central") -> np.ndarray:
    """dF/dx by finite differences, same shape as ``x``.

    ``f`` takes ``x`` and returns a number; ``x`` is a float array that is nudged in
    place, one element at a time, and restored exactly afterwards (so ``x`` may be a
    network's parameter array and ``f`` a closure that runs the network).
    """
    if method not in ("central", "forward"):
        raise ConfigurationError(f"method: expected 'central' or 'forward', got {method!r}")
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise WrongType("x: expected a float NumPy array (it is perturbed in place)")
    eps = _check_eps(eps)
    grad = np.zeros(x.shape, dtype=np.float64)
    base = None if method == "central" else float(f(x))
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = float(f(x))
        if method == "central":
            x[index] = original - eps
            minus = float(f(x))
            slope = (plus - minus) / (2 * eps)
        else:
            slope = (plus - base) / eps
        x[index] = original
        grad[index] = slope
    return grad.astype(x.dtype, copy=False)


def _check_eps(eps: Any) -> float:
    try:
        eps = float(eps)
    except (TypeError, ValueError):
        raise ConfigurationError(f"eps: expected a positive number, got {eps!r}") from None
    if not 0 < eps < float("inf"):
        raise ConfigurationError(f"eps: expected a positive number, got {eps!r}")
    return eps


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 0.0) -> float:
    """max |a - n| / max(|a| + |n|, floor): the largest disagreement, relative to the gradient's scale.

    Measured against the largest entry rather than each entry's own size, so entries that
    are exactly zero in backprop (a dead ReLU) and 1e-11 in finite differences do not read
    as 100 % wrong. ``floor`` is the smallest scale finite differences can resolve (see
    ``resolution``): a gradient that is zero everywhere is compared on that scale. In
    float64, < 1e-7 means right; > 1e-2 means wrong (CS231n's rule).
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    scale = max(float(np.max(np.abs(analytic) + np.abs(numeric), initial=0.0)), floor)
    if scale == 0.0:
        return 0.0
    return float(np.max(np.abs(analytic - numeric), initial=0.0) / scale)


def resolution(value: float, eps: float, dtype: Any = np.float64) -> float:
    """The gradient scale below which central differences of a function of size ``value``
    are mostly rounding noise (noise ~ machine epsilon * |f| / eps), with a margin of 1e8
    so that a correct gradient still reads < 1e-7 relative to it."""
    return 1e8 * float(np.finfo(dtype).eps) * max(1.0, abs(value)) / eps


def difference_errors(f: Callable[[float], float], derivative: float, x: float,
                      steps: Any = None) -> dict[str, np.ndarray]:
    """How far the forward and central differences of ``f`` at ``x`` are from the true
    ``derivative``, for each step size in ``steps`` (default: 1e-16 to 1, 33 sizes):
    ``{"eps": steps, "forward": errors, "central": errors}``.

    Two errors compete. Truncation: the forward difference is off by about |f''(x)| eps / 2
    (order eps), the central one by about |f^(3)(x)| eps^2 / 6 (order eps^2). Rounding: f is
    known only to about machine epsilon * |f|, and dividing by eps magnifies that, so below some
    eps the error grows again. The best eps is about sqrt(machine epsilon) ~ 1e-8 for forward
    differences and about machine epsilon^(1/3) ~ 1e-5 for central ones (in float64);
    ``resolution`` is the same rounding floor, used by ``gradient_check``.
    """
    steps = np.logspace(-16, 0, 33) if steps is None else np.asarray(steps, dtype=np.float64)
    errors: dict[str, list[float]] = {"forward": [], "central": []}
    for eps in steps:
        point = np.array([float(x)])
        for method in errors:
            estimate = numerical_gradient(lambda v: f(float(v[0])), point, eps=float(eps), method=method)[0]
            errors[method].append(abs(estimate - derivative))
    return {"eps": steps, "forward": np.array(errors["forward"]), "central": np.array(errors["central"])}


def gradient_check(net: Any, loss: Any, X: Any, y: Any, eps: float = 1e-6) -> dict[str, float]:
    """Compare backpropagation with the central numerical gradient, parameter by parameter.

    Returns ``{"0.W": error, "0.b": error, ...}`` with ``relative_error`` of each (on a
    scale no finer than finite differences resolve, ``resolution``). The
    network is run with ``training=False`` (no dropout), so both gradients see the same
    function. Use a float64 network: in float32 rounding swamps the comparison.
    """
    eps = _check_eps(eps)
    loss = _losses.get(loss)
    X = np.asarray(X, dtype=net.dtype)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ConfigurationError(f"X: expected a non-empty batch of shape (n_samples, n_features), got {X.shape}")
    targets = loss.check_targets(net.forward(X, training=False), y)

    def objective(_: np.ndarray) -> float:
        return loss.forward(net.forward(X, training=False), targets)

    value = objective(None)
    net.backward(loss.backward())
    analytic = {name: np.array(grad, copy=True) for name, grad in net.gradients().items()}
    floor = resolution(value, eps, net.dtype)
    return {name: relative_error(analytic[name], numerical_gradient(objective, param, eps=eps), floor)
            for name, param in net.parameters().items()}
