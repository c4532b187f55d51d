"""Your own data: CSV and NPZ files.

``from_csv(path, target="label")`` reads a header row and numeric feature
columns; the target column may hold numbers or text labels. ``from_npz(path)``
reads arrays ``X`` and ``y`` (or ``X_train``/``y_train``/``X_test``/``y_test``),
never unpickling anything. Every problem is reported with the file, the row
or column, and what was expected.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["from_csv", "from_npz", "read_features_csv", "DataError"]


class DataError(ValueError):
    """A data file that cannot be used as it is; the message says where and why."""


def _read_rows(path: str | Path) -> tuple[list[str], list[list[str]]]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a UTF-8 text CSV file") from None
    if len(rows) < 2:
        raise DataError(f"{path}: expected a header row and at least one data row")
    header = [cell.strip() for cell in rows[0]]
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise DataError(f"{path}: line {number} has {len(row)} cells but the header has {len(header)}")
    return header, rows[1:]


def _numeric_column(path: Path, name: str, cells: list[str]) -> np.ndarray:
    values = np.empty(len(cells), dtype=np.float64)
    for row, cell in enumerate(cells):
        try:
            values[row] = float(cell)
        except ValueError:
            raise DataError(f"{path}: column {name!r}, data row {row + 1}: {cell!r} is not a number") from None
        if not np.isfinite(values[row]):
            raise DataError(f"{path}: column {name!r}, data row {row + 1}: {cell.strip()!r} is missing or not finite "
                            "(NaN/inf); clean or impute the data first")
    return values


def read_features_csv(path: str | Path, drop: tuple[str, ...] = ()) -> tuple[np.ndarray, list[str]]:
    """All numeric columns except ``drop`` as a float array ``(n_rows, n_columns)``, with their names."""
    header, rows = _read_rows(path)
    columns = [i for i, name in enumerate(header) if name not in drop]
    if not columns:
        raise DataError(f"{path}: no feature columns")
    X = np.stack([_numeric_column(Path(path), header[i], [row[i] for row in rows]) for i in columns], axis=1)
    return X, [header[i] for i in columns]


def from_csv(path: str | Path, target: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` from a CSV with a header: ``target`` names the label column (default: the last).

    X is float64 ``(n_rows, n_features)``; y holds int64 when the labels are whole
    numbers, float64 for other numbers, and strings otherwise.
    """
    header, rows = _read_rows(path)
    if target is None:
        target = header[-1]
    if target not in header:
        raise DataError(f"{path}: no column named {target!r}; the columns are {', '.join(header)}")
    index = header.index(target)
    labels = [row[index].strip() for row in rows]
    X, _ = read_features_csv(path, drop=(target,))
    try:
        y = np.array([float(label) for label in labels])
        if not np.all(np.isfinite(y)):
            raise DataError(f"{path}: column {target!r} has missing or non-finite labels")
        if np.all(y == np.round(y)):
            y = y.astype(np.int64)
    except ValueError:
        if any(label == "" for label in labels):
            raise DataError(f"{path}: column {target!r} has empty labels") from None
        y = np.array(labels)
    return X, y


def from_npz(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file (loaded with ``allow_pickle=False``), checked to be numeric
    and finite; keys ``X``, ``y`` and/or ``X_train``, ``y_train``, ``X_test``, ``y_test``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except ValueError as error:
        raise DataError(f"{path}: holds pickled objects, which are never loaded ({error})") from None
    except Exception as error:  # zipfile.BadZipFile, OSError, EOFError
        raise DataError(f"{path}: not a readable .npz file ({type(error).__name__}: {error})") from None
    has_pair = {"X", "y"} <= set(arrays)
    has_split = {"X_train", "y_train"} <= set(arrays)
    if not (has_pair or has_split):
        raise DataError(f"{path}: expected arrays 'X' and 'y' (or 'X_train', 'y_train'), found {sorted(arrays)}")
    for key, array in arrays.items():
        if key.startswith("X"):
            if array.dtype.kind not in "iuf" or array.ndim != 2:
                raise DataError(f"{path}: {key} must be a 2-D numeric array, got {array.dtype} of shape {array.shape}")
            if not np.all(np.isfinite(array)):
                raise DataError(f"{path}: {key} contains NaN or infinity")
    return arrays


def as_pairs(arrays: dict[str, np.ndarray]) -> Any:
    """``((X_train, y_train), (X_test, y_test))`` from ``from_npz``'s arrays; the test part is
    None when the file holds only X and y."""
    if "X_train" in arrays:
        test = (arrays["X_test"], arrays["y_test"]) if "X_test" in arrays else None
        return (arrays["X_train"], arrays["y_train"]), test
    return (arrays["X"], arrays["y"]), None
