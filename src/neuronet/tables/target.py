"""The target column of a table: class labels kept as given (text, integers or bools) or numbers for
regression, with their model-file form."""


from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ConfigurationError, DataError
from .cells import _display, _first_row, _float64, _numbers, _plain, _text, column_kind
from .statistics import _Moments

__all__ = ["TargetEncoder", "TASKS"]

TASKS = ("auto", "classification", "regression")


def _integer_dtype(what: str, labels: list, called: str = "labels") -> Any:
    """int64 for sorted integer ``labels``, uint64 when one is beyond int64 (2^63 and above); a
    ``DataError`` naming ``what`` when neither holds them all (negative ones with ones beyond int64)."""
    if not labels or labels[-1] <= np.iinfo(np.int64).max:
        return np.int64
    if labels[0] >= 0:
        return np.uint64
    raise DataError(f"{what}: its integer {called} run from {labels[0]} to {labels[-1]}, beyond what one "
                    "64-bit integer type holds; map them to smaller numbers or text")


def _as_integers(column: Any, dtype: Any) -> Any:
    """An integer column as ``dtype`` (int64 or uint64), exactly; a value that type cannot hold is
    missing (it is no class)."""
    target = pa.from_numpy_dtype(dtype)
    if dtype == np.int64 and pa.types.is_unsigned_integer(column.type):
        column = pc.if_else(pc.less_equal(column, pa.scalar(np.iinfo(np.int64).max, column.type)), column, None)
    elif dtype == np.uint64 and pa.types.is_signed_integer(column.type):
        column = pc.if_else(pc.greater_equal(column, pa.scalar(0, column.type)), column, None)
    return pc.cast(column, target)


# --- the target --------------------------------------------------------------------------------
class TargetEncoder:
    """The target column: class labels (``classes``, as given: text, integers or bools; how many
    training rows each has in ``class_counts``) encoded as indices 0 .. K - 1, or numbers for
    regression (``mean``, ``std`` of the training targets). ``task="auto"``: text, bool and integer labels are
    classes, floats are regression."""

    def __init__(self, name: str, task: str = "auto") -> None:
        if not isinstance(name, str) or not name:
            raise ConfigurationError(f"target: expected a column name, got {name!r}")
        if task not in TASKS:
            raise ConfigurationError(f"task: expected one of {TASKS}, got {task!r}")
        self.name, self.requested = name, task
        self.task: str | None = None
        self.classes: np.ndarray | None = None
        self.class_counts: np.ndarray | None = None  # training rows per class (for class_weight="balanced")
        self.label_type = "null"
        self.count = 0
        self.mean, self.std = 0.0, 0.0
        self._labels: dict[Any, int] = {}
        self._moments = _Moments()

    @property
    def fitted(self) -> bool:
        return self.task is not None

    def present(self, column: Any) -> np.ndarray:
        """A bool mask of the rows that have a target."""
        column = _plain(column)
        if column_kind(column.type) == "text":
            column = _text(column)
        mask = np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        if column_kind(column.type) == "float":
            mask &= ~np.isnan(pc.fill_null(pc.cast(column, pa.float64()), 0.0).to_numpy(zero_copy_only=False))
        return mask

    def partial_fit(self, column: Any) -> None:
        column = _plain(column)
        kind = column_kind(column.type)
        if kind == "other":
            raise DataError(f"target {self.name!r}: expected class labels or numbers, got Arrow type {column.type}")
        if kind == "null":
            return
        if self.label_type not in ("null", kind):
            if {self.label_type, kind} <= {"integer", "float"}:
                kind = "float"
            else:
                raise DataError(f"target {self.name!r}: holds {self.label_type} in one part of the data and {kind} "
                                "in another")
        self.label_type = kind
        column = column.filter(pa.array(self.present(column)))
        self.count += len(column)
        if kind == "text":
            column = _text(column)
        if kind != "float" or self.requested == "classification":
            counted = pc.value_counts(column)
            for value, count in zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist()):
                self._labels[value] = self._labels.get(value, 0) + count
        if kind in ("integer", "float", "bool"):
            self._moments.add(np.asarray(_float64(column).to_numpy(zero_copy_only=False), dtype=np.float64))

    def finish(self) -> "TargetEncoder":
        if not self.count:
            raise DataError(f"target {self.name!r}: no rows with a target in the training data")
        task = self.requested
        if task == "auto":
            task = "regression" if self.label_type == "float" else "classification"
        if task == "regression" and self.label_type == "text":
            raise DataError(f"target {self.name!r}: regression needs numbers, the column holds text")
        self.task = task
        if task == "classification":
            labels = sorted(self._labels)
            if len(labels) < 2:
                raise DataError(f"target {self.name!r}: a classifier needs at least 2 classes, the training rows "
                                f"have {len(labels)}")
            dtype = (_integer_dtype(f"target {self.name!r}", labels) if self.label_type == "integer" else
                     {"text": np.str_, "bool": np.bool_, "float": np.float64}[self.label_type])
            self.classes = np.asarray(labels, dtype=dtype)
            self.class_counts = np.asarray([self._labels[label] for label in labels], dtype=np.int64)
        else:
            self.mean, self.std = self._moments.mean, self._moments.std
        self._labels, self._moments = {}, _Moments()
        return self

    def encode(self, column: Any, row_offset: int = 0) -> np.ndarray:
        """Class indices (int64) or numbers (float64) for a column with no missing targets."""
        if not self.fitted:
            raise ConfigurationError("the target encoder is not fitted yet: call fit first")
        column = _plain(column)
        absent = ~self.present(column)
        if absent.any():
            raise DataError(f"target {self.name!r}: missing in data row {row_offset + _first_row(absent)}")
        if self.task == "regression":
            return _numbers(column, self.name, row_offset)
        kind = column_kind(column.type)
        classes, given = self.classes, column
        if self.label_type == "text":
            lookup, column = pa.array(classes.tolist(), pa.string()), _text(column)
        else:
            if kind == "text":
                raise DataError(f"target {self.name!r}: expected {self.label_type} labels, got text")
            if self.label_type == "integer" and kind == "integer":  # exact, beyond 2^53 too
                lookup, column = pa.array(classes), _as_integers(column, classes.dtype)
            else:
                lookup, column = pa.array(classes.astype(np.float64)), _float64(column)
        index = np.asarray(pc.fill_null(pc.index_in(column, value_set=lookup), -1).to_numpy(zero_copy_only=False),
                           dtype=np.int64)
        unknown = index < 0
        if unknown.any():
            row = _first_row(unknown)
            raise DataError(f"target {self.name!r}: label {_display(given[row - 1].as_py())!r} in data row "
                            f"{row_offset + row} is not one of the training classes "
                            f"({', '.join(map(_display, classes[:10]))})")
        return index

    def decode(self, indices: Any) -> np.ndarray:
        """Class indices back to the labels as given (for regression, the numbers unchanged)."""
        if self.task != "classification":
            return np.asarray(indices)
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu" or (indices.size and not 0 <= indices.min() <= indices.max() < len(self.classes)):
            raise DataError(f"indices: expected class indices 0 .. {len(self.classes) - 1}")
        return self.classes[indices]

    def describe(self) -> str:
        if self.task == "classification":
            shown = ", ".join(map(_display, self.classes[:10])) + (", ..." if len(self.classes) > 10 else "")
            return f"{self.name} (target): {len(self.classes)} classes ({shown})"
        return f"{self.name} (target): regression (mean {self.mean:.4g}, std {self.std:.4g})"

    def config(self) -> tuple[dict, dict]:
        config = {"name": self.name, "task": self.task, "label_type": self.label_type, "count": self.count,
                  "mean": self.mean, "std": self.std}
        if self.task != "classification":
            return config, {}
        return config, {"target.classes": self.classes, "target.counts": self.class_counts}
