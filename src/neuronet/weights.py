"""Sample and class weights, checked at the public edge: what ``fit``, the estimators and the
command line turn ``sample_weight`` and ``class_weight`` into (one weight per sample, which the
trainer uses in its weighted mean loss).

- ``sample_weight``: a number (every sample's weight) or one finite, non-negative weight per
  sample, not all zero.
- ``class_weight``: ``"balanced"`` (each class weighted n_samples / (n_classes * count), so that
  every class carries the same total weight: scikit-learn's ``compute_class_weight`` rule) or a
  mapping from class label, as the user wrote it, to its weight (classes left out weigh 1).

A sample's weight is its sample weight times its class's weight.
"""

from __future__ import annotations

import numbers
from typing import Any, Mapping

import numpy as np

from .errors import DataError
from .validation import check_sample_weight

__all__ = ["sample_weights", "class_weights", "balanced", "combined"]


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
        per_class[matches[0]] = float(weight)
    weights = per_class[label_index]
    if not weights.any():
        raise DataError("class_weight: every sample's class weighs zero: nothing to learn from")
    return weights


def combined(sample_weight: np.ndarray | None, class_weight: np.ndarray | None) -> np.ndarray | None:
    """Sample weight times class weight (either may be None)."""
    if sample_weight is None:
        return class_weight
    if class_weight is None:
        return sample_weight
    weights = sample_weight * class_weight
    if not weights.any():
        raise DataError("sample_weight and class_weight: every sample weighs zero: nothing to learn from")
    return weights
