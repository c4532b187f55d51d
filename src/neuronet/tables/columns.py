"""The fitted columns of a ``TableEncoder``: ``NumericColumn`` (centre, scale, a missing indicator)
and ``CategoricalColumn`` (one-hot with missing and unseen slots), each with its ``transform``, its
model-file form and its ONNX nodes' parameters."""


from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import DataError
from .cells import _display, _first_row, _numbers, _plain, _text, _too_large, column_kind, smooth_clip
from .target import _as_integers

__all__ = ["NumericColumn", "CategoricalColumn"]

# --- the fitted columns ------------------------------------------------------------------------
@dataclass
class NumericColumn:
    """A numeric column: z = (x - center) / scale (then smooth clipping for ``robust``); a missing
    value is filled with ``center`` and flagged in an indicator column when ``indicator``."""

    name: str
    scaling: str
    center: float
    scale: float
    indicator: bool
    count: int = 0     # training rows with a value
    missing: int = 0   # training rows without

    @property
    def width(self) -> int:
        return 1 + int(self.indicator)

    def feature_names(self) -> list[str]:
        return [self.name] + ([f"{self.name} (missing)"] if self.indicator else [])

    def encode(self, values: np.ndarray, out: np.ndarray, dtype: Any = np.float64, row_offset: int = 0) -> None:
        """values (n,) float64 with NaN for missing -> out (n, width). A value whose scaled form is
        beyond ``dtype``'s range is a ``DataError`` naming the column, the row and the value."""
        missing = np.isnan(values)
        filled = np.where(missing, self.center, values)
        with np.errstate(over="ignore", invalid="ignore"):
            z = (filled - self.center) / self.scale
            beyond = ~(np.abs(z) <= np.finfo(dtype).max)
            if beyond.any():
                row = _first_row(beyond)
                raise _too_large(self.name, float(values[row - 1]), row_offset + row, dtype)
            if self.scaling == "robust":
                z = smooth_clip(z)
        out[:, 0] = z
        if self.indicator:
            out[:, 1] = missing

    def describe(self) -> str:
        how = {"standard": f"standardized (mean {self.center:.4g}, std {self.scale:.4g})",
               "robust": f"robust-scaled (median {self.center:.4g}, IQR {self.scale:.4g}) and smoothly clipped",
               "none": "as it is"}[self.scaling]
        fill = "the mean" if self.scaling == "standard" else "the median" if self.scaling == "robust" else "0"
        missing = (f"; {self.missing} missing in training" if self.missing else "") + (
            f"; missing -> {fill} + indicator" if self.indicator else f"; missing -> {fill}")
        return f"{self.name}: numeric, {how}{missing}"


@dataclass
class CategoricalColumn:
    """A categorical column: one-hot over ``categories`` (text, or numbers for integer and bool
    columns), then a missing slot (when ``missing_slot``), then the unseen slot."""

    name: str
    values: str                  # "text" or "number": what the column holds
    categories: np.ndarray       # str_ (text), or int64 / uint64 (an integer column) or float64 (number), sorted
    missing_slot: bool
    count: int = 0               # training rows with a value
    missing: int = 0             # training rows without
    other: int = 0               # training rows whose category was beyond max_categories
    _lookup: Any = field(default=None, repr=False, compare=False)

    @property
    def width(self) -> int:
        return len(self.categories) + int(self.missing_slot) + 1

    @property
    def unseen_slot(self) -> int:
        return self.width - 1

    def feature_names(self) -> list[str]:
        return ([f"{self.name}={_display(value)}" for value in self.categories]
                + ([f"{self.name} (missing)"] if self.missing_slot else []) + [f"{self.name} (unseen)"])

    def lookup(self) -> Any:
        if self._lookup is None:
            self._lookup = (pa.array(self.categories.tolist(), pa.string()) if self.values == "text"
                            else pa.array(self.categories, pa.float64()))
        return self._lookup

    def _exact(self, column: Any) -> Any:
        """An integer column matched to integer categories exactly (beyond 2^53 too); None when the
        column or the categories are not integers (then both are compared as float64)."""
        column = _plain(column)
        if self.categories.dtype.kind not in "iu" or column_kind(column.type) != "integer":
            return None
        return _as_integers(column, self.categories.dtype)

    def slots(self, column: Any, handle_unknown: str, row_offset: int = 0) -> np.ndarray:
        """The slot (0 .. width - 1) of every row of the raw column."""
        lookup = None
        if self.values == "text":
            column = _text(column, self.name, row_offset)
            missing = np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        elif self._exact(column) is not None:
            missing = np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
            column, lookup = self._exact(column), pa.array(self.categories)
        else:
            try:  # text that reads as numbers is taken as the numbers, as for a numeric column
                numbers = _numbers(column, self.name, row_offset)
            except DataError as error:
                raise DataError(str(error).replace("expected numbers", "expected numbers (its categories are "
                                                   "numbers)", 1)) from None
            missing = np.isnan(numbers)
            column = pa.array(numbers, pa.float64())
        index = pc.index_in(column, value_set=lookup if lookup is not None else self.lookup())
        slots = np.asarray(pc.fill_null(index, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
        unseen = (slots < 0) & ~missing
        if handle_unknown == "error" and unseen.any():
            row = _first_row(unseen)
            value = column[row - 1].as_py()
            raise DataError(f"column {self.name!r}: {_display(value)!r} in data row {row_offset + row} is a category "
                            f"not seen in training (known: {', '.join(map(_display, self.categories[:10]))})")
        slots[missing] = len(self.categories) if self.missing_slot else self.unseen_slot
        slots[unseen] = self.unseen_slot
        return slots

    def encode(self, column: Any, out: np.ndarray, handle_unknown: str, row_offset: int = 0) -> None:
        slots = self.slots(column, handle_unknown, row_offset)
        out[...] = 0
        out[np.arange(len(slots)), slots] = 1

    def describe(self) -> str:
        shown = ", ".join(map(_display, self.categories[:8])) + (", ..." if len(self.categories) > 8 else "")
        extra = (f"; {self.missing} missing in training -> missing slot" if self.missing_slot else "") + (
            f"; {self.other} rare values -> unseen slot" if self.other else "")
        return f"{self.name}: categorical ({self.values}), {len(self.categories)} categor{'y' if len(self.categories) == 1 else 'ies'} ({shown}) + unseen{extra}"
