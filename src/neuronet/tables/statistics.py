"""What one streaming pass learns per column before the encoder decides its kind: moments merged
batch by batch (Chan et al.), a reservoir sample for quantiles, category counts, and the check that
refuses a text slip in a column of numbers."""


from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import DataError
from .cells import MOSTLY, NUMBER, _first_row, _number_text, _numbers, _plain, _row, _text, _text_numbers, column_kind

__all__ = []

# --- streaming statistics ----------------------------------------------------------------------
class _Moments:
    """Count, mean and sum of squared deviations, merged batch by batch (Chan et al. 1979)."""

    def __init__(self) -> None:
        self.n, self.mean, self.m2 = 0, 0.0, 0.0

    def add(self, values: np.ndarray) -> None:
        n_b = values.size
        if not n_b:
            return
        with np.errstate(over="ignore", invalid="ignore"):  # a value too large to square: scale checks it
            mean_b = float(values.mean())
            m2_b = float(np.sum((values - mean_b) ** 2))
        n = self.n + n_b
        delta = mean_b - self.mean
        self.mean += delta * n_b / n
        self.m2 += m2_b + delta * delta * self.n * n_b / n
        self.n = n

    @property
    def std(self) -> float:
        return math.sqrt(self.m2 / self.n) if self.n else 0.0


class _Reservoir:
    """A uniform sample of at most ``size`` of the values seen (Vitter's algorithm R, by batches)."""

    def __init__(self, size: int, rng: np.random.Generator) -> None:
        self.size, self.rng, self.seen = size, rng, 0
        self.sample = np.empty(0)

    @property
    def values(self) -> np.ndarray:
        return self.sample[:min(self.seen, self.size)]

    def add(self, values: np.ndarray) -> None:
        room = self.size - self.seen
        if room > 0:  # the first ``size`` values are all kept
            take = min(room, len(values))
            if len(self.sample) < self.seen + take:
                grown = np.empty(min(self.size, max(2 * len(self.sample), self.seen + take)))
                grown[:self.seen] = self.sample[:self.seen]
                self.sample = grown
            self.sample[self.seen:self.seen + take] = values[:take]
            self.seen += take
            values = values[take:]
        if len(values):  # then value number t replaces a random slot with probability size / (t + 1)
            positions = self.seen + np.arange(len(values))
            picks = (self.rng.random(len(values)) * (positions + 1)).astype(np.int64)
            keep = picks < self.size
            self.sample[picks[keep]] = values[keep]  # later rows overwrite earlier ones, as in the serial order
            self.seen += len(values)


class _ColumnStats:
    """What one pass learns about one column: its kind, missing count, moments, counts of values."""

    def __init__(self, name: str, forced: str | None, integer_categories: int, robust: bool,
                 sample_size: int, rng: np.random.Generator) -> None:
        self.name, self.forced = name, forced
        self.kind = "null"
        self.missing = 0
        self.moments = _Moments()
        self.min, self.max = math.inf, -math.inf
        self.min_row = self.max_row = 0  # the data rows of the extremes, for messages
        self.cells = self.numbers = 0     # text cells with a value, and those of them that read as numbers
        self.first_text: tuple[int, str] | None = None  # (data row, value) of the first text cell that does not
        self.reservoir = _Reservoir(sample_size, rng) if robust else None
        self.counts: dict[Any, int] | None = {}
        self.integer_categories = integer_categories
        self.robust, self.sample_size, self.rng = robust, sample_size, rng
        self.as_numbers: _ColumnStats | None | bool = None  # a text column's cells read as numbers; False: not all are
        self.note: str | None = None

    def _merge_kind(self, kind: str) -> None:
        if kind == "other":
            raise DataError(f"column {self.name!r}: its type cannot be encoded (expected numbers, text or bools); "
                            "leave it out with ignore=[...]")
        if kind == "null" or kind == self.kind:
            return
        if self.kind == "null":
            self.kind = kind
        elif {self.kind, kind} <= {"integer", "float"}:
            self.kind = "float"
        elif {self.kind, kind} <= {"integer", "bool"} or {self.kind, kind} <= {"float", "bool"}:
            self.kind = "float" if "float" in (self.kind, kind) else "integer"
        else:
            raise DataError(f"column {self.name!r}: holds {self.kind} in one part of the data and {kind} in another")

    def add(self, column: Any, row_offset: Any) -> None:
        """Learn from one more batch's column; ``row_offset`` numbers its rows in messages (see ``_row``)."""
        column = _plain(column)
        kind = column_kind(column.type)
        values = None
        if self.forced == "numeric" and kind == "text":
            values = _numbers(column, self.name, row_offset)  # text that reads as numbers, or the error
            kind = "float"
        self._merge_kind(kind)
        if kind == "text":
            if self.forced is None and self.as_numbers is not False:
                self._add_as_numbers(column, row_offset)
            column = _text(column, self.name, row_offset)
            self.missing += column.null_count
            self._count(pc.value_counts(column.drop_null()))
            return
        if kind == "null":
            self.missing += len(column)
            return
        if values is None:
            values = _numbers(column, self.name, row_offset)
        present = values[~np.isnan(values)]
        self.missing += len(values) - len(present)
        self.moments.add(present)
        if present.size:
            rows = np.flatnonzero(~np.isnan(values))
            low, high = int(np.argmin(present)), int(np.argmax(present))
            if present[low] < self.min:
                self.min, self.min_row = float(present[low]), _row(row_offset, int(rows[low]))
            if present[high] > self.max:
                self.max, self.max_row = float(present[high]), _row(row_offset, int(rows[high]))
        if self.reservoir is not None:
            self.reservoir.add(present)
        if self.counts is not None and self.forced != "numeric" and kind != "float" or self.forced == "categorical":
            if kind == "integer":  # exact, beyond 2^53 too
                self._count(pc.value_counts(column.drop_null()))
            else:
                unique, counts = np.unique(present, return_counts=True)
                self._count(zip(unique.tolist(), counts.tolist()))
            if self.forced is None and kind == "integer" and len(self.counts) > self.integer_categories:
                self.counts = None  # too many values: numeric (unless named categorical)

    def _add_as_numbers(self, column: Any, row_offset: Any) -> None:
        """Learn a text column's cells as numbers too, as long as they all read as numbers (a CSV
        reader would have read such a column as numbers)."""
        numbers = _text_numbers(column, self.name, row_offset)
        if numbers is None:
            self.as_numbers = False
            return
        if self.as_numbers is None:
            self.as_numbers = _ColumnStats(self.name, None, self.integer_categories, self.robust, self.sample_size,
                                           self.rng)
        self.as_numbers.add(numbers, row_offset)

    def settle(self) -> None:
        """At the end of the pass: a text column whose cells all read as numbers takes what was
        learned of them as numbers, as if it had been read as numbers (one whose cells all say a
        value is missing, "NA" and the like, has no values, as read from a CSV file)."""
        numbers = self.as_numbers
        if (self.kind == "text" and self.first_text is None and isinstance(numbers, _ColumnStats)
                and numbers.kind in ("integer", "float", "null")):  # (no text in the rows without a target either)
            for key in ("kind", "missing", "moments", "min", "max", "min_row", "max_row", "reservoir", "counts"):
                setattr(self, key, getattr(numbers, key))
        self.as_numbers = None

    def numbers_in_text(self, column: Any, row_offset: int) -> None:
        """Count the cells of a raw column that are text reading as numbers, and keep the first text
        cell that does not (nothing for a column of another type, or one named categorical)."""
        if self.forced is not None or column_kind(_plain(column).type) != "text":
            return
        column = _number_text(_text(column, self.name, row_offset))
        present = column.is_valid()
        numeric = pc.and_(present, pc.match_substring_regex(column, NUMBER, ignore_case=True))
        self.cells += len(column) - column.null_count
        self.numbers += pc.sum(numeric).as_py() or 0
        if self.first_text is None:
            other = np.asarray(pc.and_kleene(present, pc.invert(numeric)).to_numpy(zero_copy_only=False), dtype=bool)
            if other.any():
                row = _first_row(other)
                self.first_text = (row_offset + row, column[row - 1].as_py())

    def check_text(self) -> str | None:
        """A ``DataError`` for a text column whose cells all read as numbers but a few (at most MOSTLY
        of them, at least one): most likely a slip in those cells, which would make the column
        categories. For one where more are text but most are numbers, the note to give (else None)."""
        if self.first_text is None or self.numbers < 2:
            return None
        row, value = self.first_text
        if self.cells - self.numbers > MOSTLY * self.cells:
            if 2 * self.numbers < self.cells:
                return None
            return (f"column {self.name!r}: {self.numbers} of its {self.cells} values are numbers, but it holds "
                    f"text too ({value!r} in data row {row}), so it is taken as categories; fix the text cells "
                    "(leave them empty where a value is missing) to read it as numbers, or declare it categorical")
        raise DataError(f"column {self.name!r}: {value!r} in data row {row} is text, but {self.numbers} of the "
                        f"column's {self.cells} values are numbers; fix the cell (leave it empty if the value is "
                        "missing), or declare the column categorical (categorical=[...] in the API, --categorical "
                        "on the command line)")

    def _count(self, pairs: Any) -> None:
        if self.counts is None:
            return
        if isinstance(pairs, (pa.StructArray, pa.ChunkedArray)):
            pairs = zip(pairs.field("values").to_pylist(), pairs.field("counts").to_pylist())
        for value, count in pairs:
            self.counts[value] = self.counts.get(value, 0) + int(count)

    def decide(self, count: int) -> str:
        """"numeric" or "categorical" (``settle`` first); ``note`` is then a note for the user, or None."""
        self.note = None
        if self.kind == "null" or count == 0:
            raise DataError(f"column {self.name!r}: no values in the training data; leave it out with ignore=[...]")
        if self.forced:
            if self.forced == "numeric" and self.kind == "text":
                raise DataError(f"column {self.name!r}: named numeric but holds text")
            return self.forced
        self.note = self.check_text()
        if self.kind in ("text", "bool"):
            return "categorical"
        if self.kind == "integer" and self.counts is not None and len(self.counts) <= self.integer_categories:
            return "categorical"
        return "numeric"
