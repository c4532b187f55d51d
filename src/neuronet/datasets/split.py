"""Holding out a test set: a stratified split, and the split ``neuronet train`` uses for files."""

from __future__ import annotations

import numpy as np

from ..errors import DataError

__all__ = ["stratified_split", "train_test_indices"]


def stratified_split(y: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, test)`` with each class split in the same proportion (``test_fraction`` of
    each class, rounded), both shuffled; the same seed gives the same split.

        >>> import numpy as np
        >>> train, test = stratified_split(np.array([0] * 8 + [1] * 4), 0.25, seed=0)
        >>> len(train), len(test)
        (9, 3)
    """
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        n_test = int(round(len(members) * test_fraction))
        test.append(members[:n_test])
        train.append(members[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def train_test_indices(y: np.ndarray, seed: int, test_fraction: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """The 80/20 split of a data file: stratified when ``y`` looks like class labels (few distinct
    values), a plain random split otherwise (regression targets). A class too rare to give the
    test set a row (one or two rows at 20 %) stays wholly in training, so the network always
    learns every class it may be tested on."""
    if len(y) < 5:
        raise DataError(f"the data has only {len(y)} row{'s' if len(y) != 1 else ''}: too few to hold out a test "
                        "set")
    classes = np.unique(y)
    if len(classes) <= max(2, len(y) // 5):
        return stratified_split(y, test_fraction, seed)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = max(1, int(len(y) * test_fraction))
    return order[n_test:], order[:n_test]
