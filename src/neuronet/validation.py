"""Checks at the public edge, shared by every front end: numbers in range, feature matrices,
and the encoding of targets (class labels to indices).

This module sits low in the layering (it knows losses and errors, nothing of networks or
training), so the network, the training loop, the estimators and the playground all validate
the same way and say the same thing.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import ConfigurationError, DataError

__all__ = ["positive", "non_negative", "fraction", "positive_int", "check_features", "all_finite",
           "prepare_targets", "infer_classes", "encode_labels", "check_rows", "check_sample_weight", "check_order"]


def _real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ConfigurationError(f"{name}: expected a number, got {value!r}")
    return float(value)


def positive(name: str, value: Any) -> float:
    """``value`` as a float > 0 and finite, else a ``ConfigurationError`` naming ``name``."""
    value = _real(name, value)
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"{name}: expected a positive number, got {value}")
    return value


def non_negative(name: str, value: Any) -> float:
    value = _real(name, value)
    if not math.isfinite(value) or value < 0:
        raise ConfigurationError(f"{name}: expected a number >= 0, got {value}")
    return value


def fraction(name: str, value: Any) -> float:
    """A number in [0, 1)."""
    value = _real(name, value)
    if not 0.0 <= value < 1.0:
        raise ConfigurationError(f"{name}: expected a number in [0, 1), got {value}")
    return value


def positive_int(name: str, value: Any) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ConfigurationError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def all_finite(array: Any, rows: int = 4096) -> bool:
    """``isfinite(array).all()`` in blocks of rows: no boolean copy of a whole large dataset."""
    return all(bool(np.isfinite(array[start:start + rows]).all()) for start in range(0, array.shape[0], rows))


def check_features(X: Any, in_features: int, dtype: Any, xp: Any = np) -> Any:
    """Validate an input matrix at the public edge: ``(n_samples, in_features)``, real, finite;
    cast to ``dtype`` and moved to the array module ``xp`` (NumPy or CuPy). A 1-D X of
    ``in_features`` values is one sample."""
    if isinstance(X, xp.ndarray) and X.dtype == dtype and X.ndim == 2 and X.shape[1] == in_features:
        array = X
    elif np.iscomplexobj(X):
        raise DataError("X: complex numbers are not supported; pass real features (e.g. the real part and the "
                        "magnitude as separate columns)")
    else:
        try:
            with np.errstate(over="ignore"):  # an overflow is found and named below
                array = np.asarray(X, dtype=dtype) if xp is np else xp.asarray(X, dtype=dtype)
        except (TypeError, ValueError):
            raise DataError(f"X: expected a numeric array of shape (n_samples, {in_features})") from None
        if array.ndim == 1 and in_features == array.shape[0]:
            array = array[None, :]
        if array.ndim != 2 or array.shape[1] != in_features:
            raise DataError(f"X: expected shape (n_samples, {in_features}), got {tuple(array.shape)}")
    if not all_finite(array):
        raise DataError(_non_finite_message(X, array, dtype))
    return array


def _non_finite_message(X: Any, array: Any, dtype: Any) -> str:
    """Why the cast X is not finite: values too large for ``dtype`` (the original was finite), or
    NaN or infinity in the data itself."""
    try:
        original = np.asarray(X, dtype=np.float64)
        finite = original.shape == tuple(array.shape) and all_finite(original)
    except (TypeError, ValueError, OverflowError):
        finite = False
    if finite:
        largest = float(np.max(np.abs(original)))
        name = np.dtype(dtype).name
        return (f"X: values up to {largest:.3g} overflow {name} (largest {np.finfo(dtype).max:.3g}); scale the data "
                "or use float64")
    return "X: contains NaN or infinity; clean or impute the data first"


def prepare_targets(net: Any, loss: Any, y: Any, n_samples: int, fit: bool) -> np.ndarray:
    """Validate ``y`` against the network's outputs and encode class labels as indices.

    For a classifier, ``fit=True`` decides ``net.classes``: 0..K-1 when the labels
    are integers in that range, otherwise the sorted distinct labels (strings too),
    which must number K. One-hot rows are accepted as they are. Labels keep their own
    type in every message (``['True']``, not ``['1.0']``).
    """
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != n_samples:
        raise DataError(f"y: expected {n_samples} targets (one per row of X), got shape {y.shape}")
    out = net.out_features
    if loss.is_classification and not (y.ndim == 2 and y.shape[1] == out and out > 1):
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.reshape(-1)
        if y.ndim != 1:
            raise DataError(f"y: expected class labels of shape ({n_samples},) or one-hot ({n_samples}, {out}), "
                            f"got {y.shape}")
        n_classes = loss.n_classes(out)
        if fit:
            net.classes = infer_classes(y, n_classes)
        y = encode_labels(y, net.classes)
    return loss.check_targets(np.empty((n_samples, out), net.dtype), y)


def infer_classes(y: np.ndarray, n_classes: int) -> np.ndarray:
    """The class labels of ``y`` for an output layer distinguishing ``n_classes``: ``0..K-1``
    when the labels are whole numbers in that range, else the sorted distinct labels."""
    if y.dtype.kind in "iub" or (y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y))):
        if y.size and y.min() >= 0 and y.max() < n_classes:
            return np.arange(n_classes).astype(y.dtype if y.dtype.kind != "b" else np.int64)
    classes = np.unique(y)
    if len(classes) != n_classes:
        shown = ", ".join(map(str, classes[:10])) + (", ..." if len(classes) > 10 else "")
        raise DataError(f"y: found {len(classes)} classes ({shown}) but the network's output layer "
                        f"distinguishes {n_classes}; change the last layer's size")
    return classes


def encode_labels(y: np.ndarray, classes: np.ndarray | None) -> np.ndarray:
    """Each label's index in ``classes`` (the labels themselves when ``classes`` is None)."""
    if classes is None:
        return y
    try:
        index = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
        known = classes[index] == y
    except TypeError:
        raise DataError(f"y: labels of type {y.dtype} do not compare with the classes the network "
                        f"was trained on ({classes.dtype})") from None
    if not np.all(known):
        unknown = y[~known][0].item()
        raise DataError(f"y: label {unknown!r} is not one of the classes the network was trained on "
                        f"({', '.join(map(str, classes[:10]))})")
    return index


# --- what a training step is handed: checked once per call, by every path alike -------------------
def check_rows(X: Any, in_features: int | None) -> Any:
    """A batch of inputs as the training step takes it: an array (NumPy, CuPy or scipy.sparse) of
    real numbers with one row per sample and ``in_features`` values per row (a leading
    ``Flatten`` takes image-shaped rows), else a ``DataError`` naming X."""
    shape = getattr(X, "shape", None)
    dtype = getattr(X, "dtype", None)
    if shape is None or dtype is None:
        raise DataError(f"X: expected an array of shape (n_samples, {in_features}), got {type(X).__name__}")
    if len(shape) < 2 or np.dtype(dtype).kind not in "biuf":
        raise DataError(f"X: expected real numbers of shape (n_samples, {in_features}), got shape {tuple(shape)} "
                        f"of {np.dtype(dtype)}")
    if in_features is not None and math.prod(shape[1:]) != in_features:
        raise DataError(f"X: expected {in_features} features per row, got shape {tuple(shape)}")
    return X


def check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray | None:
    """``sample_weight`` as a float64 array of ``n_samples`` finite weights >= 0 (None stays None),
    else a ``DataError`` naming it."""
    if sample_weight is None:
        return None
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"sample_weight: expected {n_samples} numbers, got {type(sample_weight).__name__}") from None
    if weights.shape != (n_samples,):
        raise DataError(f"sample_weight: expected shape ({n_samples},), one weight per sample, got "
                        f"shape {weights.shape}")
    if not np.isfinite(weights).all():
        raise DataError("sample_weight: expected finite numbers, got NaN or infinity")
    if n_samples and weights.min() < 0:
        raise DataError(f"sample_weight: expected weights >= 0, got {weights.min():g}")
    return weights


def check_order(order: Any, n_samples: int) -> np.ndarray:
    """An epoch's order of rows: whole numbers in [0, n_samples), as ``intp``; else a ``DataError``."""
    array = np.asarray(order)
    if array.ndim != 1:
        raise DataError(f"order: expected a 1-D array of row indices, got shape {array.shape}")
    if array.dtype.kind == "f":
        if not (np.isfinite(array).all() and (array == np.round(array)).all()):
            raise DataError("order: expected whole row indices, got fractions or NaN")
    elif array.dtype.kind not in "iub" and array.size:
        raise DataError(f"order: expected integer row indices, got {array.dtype}")
    if array.size and (array.min() < 0 or array.max() >= n_samples):
        raise DataError(f"order: row indices must be in [0, {n_samples}), got values from {array.min()} to "
                        f"{array.max()}")
    return array.astype(np.intp, copy=False)
