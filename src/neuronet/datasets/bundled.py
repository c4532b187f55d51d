"""Small real datasets that ship with scikit-learn: no network needed.

``load_bundled(name)`` returns ``(X_train, y_train), (X_test, y_test)``: X float32,
scaled as described below, y int64 labels; split 80/20, stratified, with a fixed
seed, so every run and every user sees the same split.

- ``digits``: 1,797 8x8 images of handwritten digits, 10 classes; pixels 0-16 scaled to [0, 1].
- ``iris``: 150 flowers, 4 measurements, 3 species.
- ``wine``: 178 wines, 13 chemical measurements, 3 cultivars.
- ``breast_cancer``: 569 tumours, 30 features, 2 classes (malignant 0, benign 1).

The tabular sets are standardised (zero mean, unit variance) with the training
part's statistics, applied to both parts.
"""

from __future__ import annotations

import numpy as np

from ..errors import MissingExtra
from .split import stratified_split

__all__ = ["BUNDLED", "load_bundled"]

BUNDLED = {
    "digits": "8x8 handwritten digits, 1,797 samples, 64 features, 10 classes",
    "iris": "iris flowers, 150 samples, 4 features, 3 classes",
    "wine": "wine cultivars, 178 samples, 13 features, 3 classes",
    "breast_cancer": "breast tumours, 569 samples, 30 features, 2 classes",
}
SPLIT_SEED = 0
TEST_FRACTION = 0.2


def load_bundled(name: str):
    try:
        from sklearn import datasets as sk
    except ImportError:
        raise MissingExtra(f"dataset {name!r} is loaded through scikit-learn: pip install 'neuronet[cli]'") from None
    loaders = {"digits": sk.load_digits, "iris": sk.load_iris, "wine": sk.load_wine,
               "breast_cancer": sk.load_breast_cancer}
    X, y = loaders[name](return_X_y=True)
    X, y = X.astype(np.float64), y.astype(np.int64)
    train, test = stratified_split(y, TEST_FRACTION, SPLIT_SEED)
    X_train, X_test = X[train], X[test]
    if name == "digits":
        X_train, X_test = X_train / 16.0, X_test / 16.0
    else:
        mean, std = X_train.mean(axis=0), X_train.std(axis=0)
        std[std == 0] = 1.0
        X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    return (X_train.astype(np.float32), y[train]), (X_test.astype(np.float32), y[test])
