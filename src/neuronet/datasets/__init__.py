"""Datasets: bundled, downloaded, generated, and your own files.

    >>> from neuronet import datasets
    >>> (X_train, y_train), (X_test, y_test) = datasets.load("digits")   # doctest: +SKIP
    >>> X, y = datasets.make_spiral(n_classes=3, seed=0)

``load(name)`` returns ``(X_train, y_train), (X_test, y_test)`` with X float32
and y int64 labels:

- bundled (through scikit-learn, no network): ``digits``, ``iris``, ``wine``,
  ``breast_cancer``; see ``bundled.py`` for scaling and the fixed split;
- downloaded once into the cache (``download.data_home()``), checked by SHA-256:
  ``mnist``, ``fashion_mnist``, ``cifar10``;
- bundled real tables with text columns and missing values (``tables.py``): ``penguins``
  (classification) and ``cars`` (regression); ``load`` gives them encoded (y: the labels as
  given, or numbers), ``tables.load_penguins()`` the Arrow table itself.

``resolve(spec)`` turns what a user names (a dataset, a generator, a .csv/.npz file) into
train and test arrays, as ``neuronet train --data`` does (``resolve_table`` for a table: a CSV
with text or missing cells, a Parquet file or folder, a bundled table, with its fitted
encoding); ``stratified_split`` holds out a test set with each class in proportion.
"""

from __future__ import annotations

from .catalog import DATASETS, Dataset, catalogue, load, names, register
from .download import ChecksumError, DownloadError, cache_status, data_home, is_cached
from .files import DataError, as_pairs, from_csv, from_npz
from .resolve import data_for_model, reads_as_table, resolve, resolve_table
from .split import stratified_split, train_test_indices
from .toy import (
    GENERATORS,
    make_boundary,
    make_circles,
    make_gaussians,
    make_moons,
    make_spiral,
    make_xor,
)

__all__ = [
    "load", "names", "catalogue", "data_home", "from_csv", "from_npz", "as_pairs",
    "make_xor", "make_circles", "make_moons", "make_spiral", "make_gaussians", "make_boundary", "GENERATORS",
    "DataError", "DownloadError", "ChecksumError", "is_cached", "cache_status", "resolve", "data_for_model",
    "stratified_split", "train_test_indices", "Dataset", "DATASETS", "register", "reads_as_table", "resolve_table",
]
