"""Two-dimensional toy datasets for teaching and for pictures.

Each generator returns ``(X, y)``: X of shape ``(n_samples, 2)`` (float64), y of
shape ``(n_samples,)`` (int64 class labels), and takes ``n_samples``, ``noise``
and ``seed`` (an int or a ``numpy.random.Generator``); the same seed gives the
same data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigurationError
from ..init import make_rng

__all__ = ["make_xor", "make_circles", "make_moons", "make_spiral", "make_gaussians", "make_boundary", "GENERATORS",
           "PLANE_SETS"]


def _check(n_samples: Any, noise: Any) -> tuple[int, float]:
    if not isinstance(n_samples, (int, np.integer)) or isinstance(n_samples, bool) or n_samples < 1:
        raise ConfigurationError(f"n_samples: expected a positive integer, got {n_samples!r}")
    noise = float(noise)
    if not np.isfinite(noise) or noise < 0:
        raise ConfigurationError(f"noise: expected a number >= 0, got {noise}")
    return int(n_samples), noise


def _split_counts(n_samples: int, shares: np.ndarray) -> np.ndarray:
    """Class sizes in the given proportions, summing exactly to n_samples."""
    counts = np.floor(shares * n_samples).astype(int)
    counts[: n_samples - counts.sum()] += 1
    return counts


def make_xor(n_samples: int = 200, noise: float = 0.0, seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-1, 1]^2, class 1 where x1 and x2 have different signs (XOR);
    ``noise`` jitters the points by N(0, noise^2) after labelling."""
    n_samples, noise = _check(n_samples, noise)
    rng = make_rng(seed)
    X = rng.uniform(-1, 1, (n_samples, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)
    return X + rng.normal(0, noise, X.shape), y


def make_circles(n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (class 1, radius ``factor``) inside a large one (class 0, radius 1)."""
    n_samples, noise = _check(n_samples, noise)
    if not 0 < factor < 1:
        raise ConfigurationError(f"factor: expected a number in (0, 1), got {factor}")
    rng = make_rng(seed)
    outer = n_samples // 2
    angles = rng.uniform(0, 2 * np.pi, n_samples)
    radius = np.where(np.arange(n_samples) < outer, 1.0, factor)
    X = np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    y = (np.arange(n_samples) >= outer).astype(np.int64)
    return X + rng.normal(0, noise, X.shape), y


def make_moons(n_samples: int = 200, noise: float = 0.1, seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles."""
    n_samples, noise = _check(n_samples, noise)
    rng = make_rng(seed)
    upper = n_samples // 2
    t = rng.uniform(0, np.pi, n_samples)
    is_lower = np.arange(n_samples) >= upper
    X = np.where(is_lower[:, None],
                 np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1),
                 np.stack([np.cos(t), np.sin(t)], axis=1))
    return X + rng.normal(0, noise, X.shape), is_lower.astype(np.int64)


def make_spiral(n_samples: int = 300, noise: float = 0.2, n_classes: int = 3, turns: float = 1.0,
                seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms (CS231n's spiral data), radius up to 1."""
    n_samples, noise = _check(n_samples, noise)
    if not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ConfigurationError(f"n_classes: expected an integer >= 2, got {n_classes!r}")
    rng = make_rng(seed)
    y = np.arange(n_samples) % n_classes
    r = rng.uniform(0.05, 1.0, n_samples)
    theta = y * 2 * np.pi / n_classes + r * turns * 2 * np.pi + rng.normal(0, noise, n_samples)
    X = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1)
    return X, y.astype(np.int64)


# The notes' three-class problem (chapter 9): means, per-axis standard deviations, class shares.
GAUSSIAN_MEANS = np.array([[-0.5, -0.5], [0.5, 1.0], [1.0, -0.5]])
GAUSSIAN_STDS = np.array([[0.7, 0.7], [0.8, 0.3], [0.3, 0.8]])
GAUSSIAN_SHARES = np.array([0.4, 0.4, 0.2])


def make_gaussians(n_samples: int = 300, noise: float = 1.0, seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """The notes' 3-class problem (chapter 9): class means (-0.5, -0.5), (0.5, 1.0), (1.0, -0.5), per-axis
    standard deviations (0.7, 0.7), (0.8, 0.3), (0.3, 0.8), class shares 40/40/20 %.

    ``noise`` scales the standard deviations (1.0 is the notes' data)."""
    n_samples, noise = _check(n_samples, noise)
    rng = make_rng(seed)
    counts = _split_counts(n_samples, GAUSSIAN_SHARES)
    y = np.repeat(np.arange(3), counts)
    X = GAUSSIAN_MEANS[y] + rng.standard_normal((n_samples, 2)) * GAUSSIAN_STDS[y] * noise
    order = rng.permutation(n_samples)
    return X[order], y[order].astype(np.int64)


_CURVES = {
    "sine": lambda x: 0.5 * np.sin(np.pi * x),
    "cubic": lambda x: x ** 3 - 0.5 * x,
    "abs": lambda x: np.abs(x) - 0.5,
}


def make_boundary(n_samples: int = 200, kind: str = "sine", noise: float = 0.0, seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-1, 1]^2, class 1 above the curve x2 = g(x1) and 0 below, for g one of
    ``"sine"`` (0.5 sin(pi x)), ``"cubic"`` (x^3 - x/2) or ``"abs"`` (|x| - 1/2). ``noise`` jitters
    the points after labelling."""
    n_samples, noise = _check(n_samples, noise)
    if kind not in _CURVES:
        raise ConfigurationError(f"kind: expected one of {sorted(_CURVES)}, got {kind!r}")
    rng = make_rng(seed)
    X = rng.uniform(-1, 1, (n_samples, 2))
    y = (X[:, 1] > _CURVES[kind](X[:, 0])).astype(np.int64)
    return X + rng.normal(0, noise, X.shape), y


GENERATORS = {
    "xor": make_xor, "circles": make_circles, "moons": make_moons, "spiral": make_spiral,
    "gaussians": make_gaussians, "boundary": make_boundary,
}


# The two-dimensional sets by name, with a display label: the one list the playground offers.
# Each takes (n_samples, noise, seed, n_classes); only the spiral uses n_classes.
PLANE_SETS: dict[str, tuple[str, Any]] = {
    "spiral": ("spiral", lambda n, noise, seed, classes: make_spiral(n, noise=noise, n_classes=classes, seed=seed)),
    "xor": ("xor", lambda n, noise, seed, classes: make_xor(n, noise=noise, seed=seed)),
    "circles": ("circles", lambda n, noise, seed, classes: make_circles(n, noise=noise, seed=seed)),
    "moons": ("moons", lambda n, noise, seed, classes: make_moons(n, noise=noise, seed=seed)),
    "gaussians": ("3 gaussians (chapter 9)", lambda n, noise, seed, classes: make_gaussians(n, noise=noise, seed=seed)),
    **{kind: (f"boundary: {'|x|' if kind == 'abs' else kind}",
              lambda n, noise, seed, classes, kind=kind: make_boundary(n, kind=kind, noise=noise, seed=seed))
       for kind in _CURVES},
}
