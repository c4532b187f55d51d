"""Sample and class weights, checked at the public edge: what ``fit``, the estimators and the
command line turn ``sample_weight`` and ``class_weight`` into (one weight per sample, which the
trainer uses in its weighted mean loss).

- ``sample_weight``: a number (every sample's weight) or one finite, non-negative weight per
  sample, not all zero.
- ``class_weight``: ``"balanced"`` (each class weighted n_samples / (n_classes * count), so that
  every class carries the same total weight: scikit-learn's ``compute_class_weight`` rule) or a
  mapping from class label, as the user wrote it, to its weight (classes left out weigh 1).

A sample's weight is its sample weight times its class's weight.

The weights' scale is bounded: the heaviest weight must lie between ``MIN_WEIGHT`` (1e-6) and
``MAX_WEIGHT`` (1e6). The loss is their weighted mean, computed in the network's dtype (float32 by
default: largest value 3.4e38, smallest normal 1.2e-38), and the heaviest weight sets the scale
of its sums: heavier, they overflow (a NaN loss); lighter, they underflow towards zero. Below the
heaviest, any weight is fine: a sample weighing 1e-9 of another counts for next to nothing, as
asked. The weights are relative, so the bound costs nothing: a class weighted 1e6 against 1 is
as far as it goes. The command line caps ``--class-weight`` at the same value.
"""

from __future__ import annotations

import numbers
from typing import Any, Mapping

import numpy as np

from .errors import DataError
from .validation import check_sample_weight

__all__ = ["sample_weights", "class_weights", "balanced", "combined", "check_range", "MAX_WEIGHT", "MIN_WEIGHT"]

MAX_WEIGHT = 1e6  # the heaviest weight allowed
MIN_WEIGHT = 1e-6  # the heaviest weight must be at least this


def balanced(counts: np.ndarray) -> np.ndarray:
    """Each class's "balanced" weight from its count: n / (classes present * count), 1 for a class
    with no samples."""
    counts = np.asarray(counts, dtype=np.float64)
    present = counts > 0
    per_class = np.ones(len(counts))
    per_class[present] = counts.sum() / (np.count_nonzero(present) * counts[present])
    return per_class


def sample_weights(sample_weight: Any, n_samples: int) -> np.ndarray | None:
    """``sample_weight`` as float64 ``(n_samples,)`` (None stays None): the trainer's own check
    (``validation.check_sample_weight``), plus what only the public edge refuses: text, a mapping,
    and weights that are all zero."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, (str, bytes, bool, Mapping)):
        raise DataError(f"sample_weight: expected a number or an array of {n_samples} numbers, "
                        f"got {type(sample_weight).__name__}")
    if isinstance(sample_weight, numbers.Real):  # one weight for every sample
        sample_weight = np.full(n_samples, float(sample_weight))
    weights = check_sample_weight(sample_weight, n_samples)  # shape, finite, >= 0: the trainer's own check
    if n_samples and not weights.any():
        raise DataError("sample_weight: every weight is zero: nothing to learn from")
    return check_range(weights, "sample_weight")


def check_range(weights: np.ndarray, name: str) -> np.ndarray:
    """``weights`` (finite, >= 0) as they are, or a ``DataError`` naming ``name`` when the heaviest
    is above ``MAX_WEIGHT`` or below ``MIN_WEIGHT`` (all zero is the callers' own error)."""
    heaviest = float(weights.max()) if weights.size else 0.0
    if heaviest > MAX_WEIGHT:
        raise DataError(f"{name}: a weight of {heaviest:g} is over the limit of {MAX_WEIGHT:g} (the loss, their "
                        f"weighted mean, would overflow float32 arithmetic); weights are relative: scale them down")
    if 0 < heaviest < MIN_WEIGHT:
        raise DataError(f"{name}: the heaviest weight is {heaviest:g}, under {MIN_WEIGHT:g} (the loss, their "
                        f"weighted mean, would underflow float32 arithmetic); weights are relative: scale them up")
    return weights


def class_weights(class_weight: Any, label_index: np.ndarray, classes: np.ndarray) -> np.ndarray | None:
    """The weight of each sample's class: ``label_index[i]`` is sample i's index in ``classes``
    (the labels as the user wrote them). None where ``class_weight`` is None."""
    if class_weight is None:
        return None
    classes = np.asarray(classes)
    label_index = np.asarray(label_index, dtype=np.intp)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise DataError(f"class_weight: expected 'balanced', a mapping from class label to weight, or None, "
                            f"got {class_weight!r}")
        # at most n_samples / 2: never near float32's overflow, so not held to MAX_WEIGHT
        return balanced(np.bincount(label_index, minlength=len(classes)))[label_index]
    if not isinstance(class_weight, Mapping):
        raise DataError(f"class_weight: expected 'balanced', a mapping from class label to weight, or None, "
                        f"got {type(class_weight).__name__}")
    per_class = np.ones(len(classes))
    shown = [str(c) for c in classes]
    for label, weight in class_weight.items():
        matches = [i for i, known in enumerate(classes) if known == label or str(known) == str(label)]
        if not matches:
            listed = ", ".join(shown[:10]) + (", ..." if len(shown) > 10 else "")
            raise DataError(f"class_weight: {label!r} is not a class of y (classes: {listed})")
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or not np.isfinite(weight) or weight < 0:
            raise DataError(f"class_weight: the weight of class {label!r} must be a finite number >= 0, got {weight!r}")
        if weight > MAX_WEIGHT:
            raise DataError(f"class_weight: the weight of class {label!r} must be at most {MAX_WEIGHT:g} (weights "
                            f"are relative: 2 doubles that class's; a heavier one overflows the loss), got {weight!r}")
        per_class[matches[0]] = float(weight)
    weights = per_class[label_index]
    if not weights.any():
        raise DataError("class_weight: every sample's class weighs zero: nothing to learn from")
    return check_range(weights, "class_weight")


def combined(sample_weight: np.ndarray | None, class_weight: np.ndarray | None) -> np.ndarray | None:
    """Sample weight times class weight (either may be None)."""
    if sample_weight is None:
        return class_weight
    if class_weight is None:
        return sample_weight
    weights = sample_weight * class_weight
    if not weights.any():
        raise DataError("sample_weight and class_weight: every sample weighs zero: nothing to learn from")
    return check_range(weights, "sample_weight times class_weight")
