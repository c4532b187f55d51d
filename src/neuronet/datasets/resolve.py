"""From what a user names to arrays: a dataset, a toy generator, or a .csv/.npz file.

The command line's ``--data``, the examples and scripts all resolve data here, so a name means
the same everywhere. ``resolve`` gives train and test arrays (standardised with the training
statistics for files, when asked) and the description a model file keeps; ``data_for_model``
finds the data a saved model should be evaluated or drawn on, scaled as it was trained.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigurationError, DataError
from .catalog import load, names
from .files import as_pairs, csv_header, from_csv, from_npz
from .split import stratified_split, train_test_indices
from .toy import GENERATORS

__all__ = ["resolve", "standardize", "apply_preprocessing", "data_for_model", "is_named"]


def is_named(spec: str) -> bool:
    """True for a dataset name ``load`` knows (``digits``, ``mnist``, ...)."""
    return spec in names()


def _unknown(spec: str) -> ConfigurationError:
    return ConfigurationError(f"--data: {spec!r} is neither a dataset ({', '.join(names())}), a generator "
                              f"({', '.join(GENERATORS)}), nor a .csv or .npz file")


def standardize(X_train: np.ndarray, *others: np.ndarray) -> tuple[dict, list[np.ndarray]]:
    """Centre and scale every array with ``X_train``'s mean and standard deviation (constant
    columns keep a scale of 1); returns the statistics as the model file stores them."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0
    return ({"mean": mean.tolist(), "std": std.tolist()}, [(X - mean) / std for X in (X_train, *others)])


def apply_preprocessing(X: np.ndarray, metadata: dict) -> np.ndarray:
    """X scaled as a model's metadata says (its ``preprocessing``), or as it is when there is none."""
    prep = (metadata or {}).get("preprocessing")
    if not prep:
        return X
    mean, std = np.asarray(prep["mean"]), np.asarray(prep["std"])
    if mean.shape[0] != X.shape[1]:
        raise DataError(f"the data has {X.shape[1]} feature columns but the model was trained on {mean.shape[0]}")
    return (X - mean) / std


def resolve(spec: str, target: str | None = None, seed: int = 0, standardize_files: bool = True,
            n_samples: int = 1000, noise: float | None = None) -> dict[str, Any]:
    """Train and test arrays for ``spec``: a dataset name (its fixed split, already scaled), a toy
    generator (``n_samples`` points, a stratified 80/20 split), or a .csv/.npz file (split 80/20
    unless the .npz holds its own test part). Generated and file data are standardised with the
    training statistics when ``standardize_files``. Returns ``X_train, y_train, X_test, y_test`` and what describes them:
    ``source``, ``preprocessing``, ``features``, ``target``."""
    path = Path(spec)
    if is_named(spec):
        (X_train, y_train), (X_test, y_test) = load(spec)
        return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test,
                "source": spec, "preprocessing": None, "features": None, "target": None}
    if spec in GENERATORS:
        kwargs = {"n_samples": n_samples, "seed": seed}
        if noise is not None:
            kwargs["noise"] = noise
        X, y = GENERATORS[spec](**kwargs)
        train, test = stratified_split(y, 0.2, seed)
        pairs = ((X[train], y[train]), (X[test], y[test]))
        features, source = ["x1", "x2"], f"{spec} (generated, {n_samples} samples, seed {seed})"
    elif path.suffix.lower() == ".csv":
        X, y = from_csv(path, target=target)
        header = csv_header(path)
        target = target or header[-1]  # recorded, so that predict knows which column to leave out
        features = [name for name in header if name != target]
        train, test = train_test_indices(y, seed)
        pairs, source = ((X[train], y[train]), (X[test], y[test])), str(path)
    elif path.suffix.lower() == ".npz":
        pairs = as_pairs(from_npz(path))
        if pairs[1] is None:
            X, y = pairs[0]
            train, test = train_test_indices(y, seed)
            pairs = ((X[train], y[train]), (X[test], y[test]))
        features, source = None, str(path)
    else:
        raise _unknown(spec)
    (X_train, y_train), (X_test, y_test) = pairs
    preprocessing = None
    if standardize_files:
        preprocessing, (X_train, X_test) = standardize(np.asarray(X_train, float), np.asarray(X_test, float))
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test, "source": source,
            "preprocessing": preprocessing, "features": features, "target": target}


def data_for_model(net: Any, spec: str | None = None, target: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) to evaluate or draw a saved model on, scaled as the model was trained.

    With no ``spec``: the test split of the data the model was trained on (from its metadata).
    A dataset or generator name: its test split. A CSV/NPZ file: all of it (an NPZ's test
    part when it has one)."""
    metadata = net.metadata or {}
    trained_on = metadata.get("dataset") or {}
    if spec is None:
        spec = trained_on.get("spec")
        if spec is None:
            raise ConfigurationError("--data: the model does not record its data; give a dataset name or a "
                                     ".csv/.npz file")
        target = target or trained_on.get("target")
        if not (is_named(spec) or spec in GENERATORS) and not Path(spec).exists():
            raise ConfigurationError(f"--data: the model was trained on {spec}, which is not here; give --data")
    same = spec == trained_on.get("spec")
    if is_named(spec) or spec in GENERATORS or (same and spec.lower().endswith((".csv", ".npz"))):
        data = resolve(spec, target or trained_on.get("target"), int(trained_on.get("seed", 0) if same else 0),
                       standardize_files=False, noise=trained_on.get("noise") if same else None)
        X, y = data["X_test"], data["y_test"]
    elif spec.lower().endswith(".npz"):
        (X, y), test = as_pairs(from_npz(spec))
        if test is not None:
            X, y = test
    elif spec.lower().endswith(".csv"):
        X, y = from_csv(spec, target=target or metadata.get("target"))
    else:
        raise _unknown(spec)
    return apply_preprocessing(np.asarray(X, dtype=float), metadata), np.asarray(y)
