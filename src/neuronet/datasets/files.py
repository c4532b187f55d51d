"""Your own data: CSV and NPZ files.

``from_csv(path, target="label")`` reads a header row and numeric feature
columns; the target column may hold numbers or text labels. ``from_npz(path)``
reads arrays ``X`` and ``y`` (or ``X_train``/``y_train``/``X_test``/``y_test``),
never unpickling anything. Every problem is reported with the file, the row
or column, and what was expected.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError

__all__ = ["from_csv", "from_npz", "read_features_csv", "csv_header", "parse_csv", "sniff_delimiter", "DataError",
           "numbers_not_names"]


DELIMITERS = (",", ";", "\t")


def sniff_delimiter(first_line: str) -> str:
    """The delimiter of a CSV file from its header line: the most frequent of comma, semicolon and
    tab (a comma when none occurs). Spreadsheets in many locales write semicolons."""
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def parse_csv(text: str, source: str = "CSV", delimiter: str | None = None) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)`` of a CSV text, strictly: a bad quote, an over-long cell, a row of the wrong
    length, a repeated column name or a first line of numbers (no header: its row would be taken for
    the names and lost) is a ``DataError`` naming the line. Blank lines are skipped."""
    if delimiter is None:
        delimiter = sniff_delimiter(text.split("\n", 1)[0])
    elif delimiter not in DELIMITERS:
        raise DataError(f"delimiter: expected one of {DELIMITERS}, got {delimiter!r}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []  # the file line each row ends on, for messages
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as error:
        detail = str(error)
        if "field larger than field limit" in detail:
            detail = f"a cell is longer than {csv.field_size_limit():,} characters"
        elif "unexpected end of data" in detail or "EOF" in detail:
            detail = "a quoted cell is never closed (a '\"' without its partner)"
        raise DataError(f"{source}: line {reader.line_num}: {detail}") from None
    if len(rows) < 2:
        raise DataError(f"{source}: expected a header row and at least one data row")
    header = [cell.strip() for cell in rows[0]]
    if numbers_not_names(header):
        raise DataError(f"{source}: the first line holds numbers, not column names; neuronet reads CSV files with a "
                        "header row")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise DataError(f"{source}: the column name {repeated[0]!r} appears more than once in the header")
    if any(not name for name in header):
        raise DataError(f"{source}: column {header.index('') + 1} of the header has no name")
    for line, row in zip(lines[1:], rows[1:]):
        if len(row) != len(header):
            raise DataError(f"{source}: line {line} has {len(row)} cells but the header has "
                            f"{len(header)} (columns separated by {delimiter!r})")
    return header, rows[1:]


def numbers_not_names(header: list[str]) -> bool:
    """True when every cell of a CSV file's first line reads as a number: a row of data, not a header
    (a file without one). pandas' default names of unnamed columns (0, 1, 2, ...) are names, though."""
    try:
        [float(cell) for cell in header]
    except ValueError:
        return False
    return header != [str(i) for i in range(len(header))]


def _read_rows(path: str | Path, delimiter: str | None = None) -> tuple[list[str], list[list[str]]]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        line = error.object[:error.start].count(b"\n") + 1
        raise DataError(f"{path}: not UTF-8 text (line {line}: byte {error.object[error.start:error.start + 1]!r}); "
                        "save it as UTF-8") from None
    nul = text.find("\x00")
    if nul >= 0:  # the table reader says the same (tables.read.NotText)
        raise DataError(f"{path}: not a text file (line {text.count(chr(10), 0, nul) + 1} holds a NUL byte); if it is "
                        "text in UTF-16 or UTF-32 without a byte-order mark, save it as UTF-8")
    return parse_csv(text, str(path), delimiter)


def csv_header(path: str | Path, delimiter: str | None = None) -> list[str]:
    """The column names of a CSV file (checked as ``from_csv`` checks them)."""
    return _read_rows(path, delimiter)[0]


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


def _features(path: str | Path, header: list[str], rows: list[list[str]],
              drop: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    columns = [i for i, name in enumerate(header) if name not in drop]
    if not columns:
        raise DataError(f"{path}: no feature columns (the columns are {', '.join(header)})")
    X = np.stack([_numeric_column(Path(path), header[i], [row[i] for row in rows]) for i in columns], axis=1)
    return X, [header[i] for i in columns]


def read_features_csv(path: str | Path, drop: tuple[str, ...] = (),
                      delimiter: str | None = None) -> tuple[np.ndarray, list[str]]:
    """All numeric columns except ``drop`` as a float array ``(n_rows, n_columns)``, with their names.
    The delimiter (comma, semicolon or tab) is detected from the header unless given."""
    header, rows = _read_rows(path, delimiter)
    return _features(path, header, rows, drop)


def from_csv(path: str | Path, target: str | None = None,
             delimiter: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` from a CSV with a header: ``target`` names the label column (default: the last).

    X is float64 ``(n_rows, n_features)``; y holds int64 when the labels are whole
    numbers, float64 for other numbers, and strings otherwise. The delimiter (comma,
    semicolon or tab) is detected from the header unless given.
    """
    header, rows = _read_rows(path, delimiter)
    return _labelled(path, header, rows, target)


def _labelled(path: str | Path, header: list[str], rows: list[list[str]],
              target: str | None) -> tuple[np.ndarray, np.ndarray]:
    """``from_csv``'s ``(X, y)`` from a CSV file's header and rows, already read."""
    if target is None:
        target = header[-1]
    if target not in header:
        raise DataError(f"{path}: no column named {target!r}; the columns are {', '.join(header)}")
    index = header.index(target)
    labels = [row[index].strip() for row in rows]
    X, _ = _features(path, header, rows, (target,))
    try:
        y = np.array([float(label) for label in labels])
    except ValueError:
        y = None
    missing = [row for row, label in enumerate(labels) if label == "" or not math.isfinite(_as_float(label))]
    if missing:
        row = missing[0]
        raise DataError(f"{path}: column {target!r}, data row {row + 1}: label {labels[row]!r} is missing or not "
                        "finite (empty, NaN or inf); clean the labels first")
    if y is None:
        return X, np.array(labels)
    if np.all(y == np.round(y)):
        y = y.astype(np.int64)
    return X, y


def _as_float(text: str) -> float:
    """The number a label spells, or 0.0 for a label that is not a number (a class name)."""
    try:
        return float(text)
    except ValueError:
        return 0.0


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
