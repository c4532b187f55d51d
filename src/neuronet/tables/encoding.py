"""The encoding of a table into the matrix a network takes, learned from the training rows only.

    >>> encoder = TableEncoder(target="species").fit(table)      # doctest: +SKIP
    >>> X, y = encoder.transform_xy(table)                         # float32 (n, width), int64 (n,)
    >>> encoder.target.decode(net.predict(X))                      # the labels as given: 'Adelie', ...

Per column (the kind is chosen from the column's type, or named by the user):

- **numeric** (floats; integers with many values): ``scaling="standard"``: z = (x - mean) / std;
  ``scaling="robust"`` (RealMLP's robust scaling with smooth clipping, Holzmüller et al. 2024):
  z = (x - median) / IQR (half the range where the IQR is 0), then z / sqrt(1 + (z / 3)^2), which
  leaves small values nearly as they are and bends outliers smoothly towards +-3; ``"none"``: x
  as it is. A missing value (null or NaN) is filled with the centre (so z = 0) and, where the
  training rows had missing values in that column (``missing_indicator="auto"``; ``"always"``,
  ``"never"``), an indicator column is 1. An infinite value is a ``DataError``, and so is a value
  too large to scale (z beyond the range of ``dtype``, or a mean or variance beyond float64's),
  naming the column, the row and the value. Integers beyond 2^53 are taken as the nearest float64.
- **categorical** (text, bool, integers with at most ``integer_categories`` distinct values, and
  every column named in ``categorical=``): one-hot over the categories seen in training (the
  ``max_categories`` most frequent; rarer ones count as unseen), then a "missing" slot where the
  training rows had missing values, then an "unseen" slot. At prediction, a category never seen
  goes to the unseen slot (``handle_unknown="slot"``) or is a ``DataError`` naming the column and
  the value (``handle_unknown="error"``); a missing value goes to the missing slot, or to the
  unseen slot when training had none. An empty string is a missing value. Integer categories are
  kept exact (int64, or uint64 beyond 2^63), beyond 2^53 too. A text column whose cells all read
  as numbers but a few (at most 10 %, at least one) is a ``DataError`` at ``fit`` naming the first
  such cell, unless it is named in ``categorical=``: most likely a slip that would make a numeric
  column categories (``check_columns(data)`` looks for it over all of a table when only a part of
  it is fitted). One where more are text but at least half are numbers is categories, with a
  note (``notes``, and a ``TableNote`` warning).
- **text that reads as numbers**: a text column (Parquet, pandas, Arrow) whose cells all read as
  numbers is read as numbers, as a CSV reader reads it: spaces trimmed, "", "NA", "NaN", "null"
  and the rest of ``MISSING_TEXT`` missing, whole numbers an integer column (so its kind is then
  chosen as for numbers).
- **the target** (``TargetEncoder``): class labels kept as given (text, integers or bools; they
  come back from ``decode`` as they went in), or numbers for regression.

Columns are matched **by name**, never by position: a column of the training data that is missing
is a ``DataError`` naming it; an extra column is ignored. Text where numbers were learned (as
numbers or as number categories) is taken as the number when it reads as one ("3.5"), and is a
``DataError`` naming the column, the row and the value otherwise; so are bytes that are not UTF-8
text. Numbers where text categories were learned are taken in their text form (a CSV reader may
read the text column "007" as the number 7: name such columns in ``categorical=`` when reading).
Rows whose target is missing are not learned from, and ``transform_xy`` leaves them out.

The encoder is fitted in one pass over record batches (``fit`` takes a table, a path or any
iterable of batches): means and variances are merged batch by batch (Chan et al.'s pairwise
update), categories counted; robust scaling takes its quantiles from a uniform sample (reservoir)
of at most ``sample_size`` values per column, exact when the column has fewer values.

The model-file form is ``to_config()`` -> (JSON-able dict, with no NaN or infinity; a dict of
1-d numpy arrays of numbers or fixed-width text, never object dtype, each named as ``ARRAY_NAMES``
matches) and ``TableEncoder.from_config(config, arrays)``, which checks everything it reads and
raises ``ModelFileError`` for a damaged description.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from typing import Any, Iterable

import numpy as np
import pyarrow as pa

from ..errors import ConfigurationError, DataError, ModelFileError
from .read import as_arrow, iter_batches
from .cells import _numbers, _too_large
from .columns import CategoricalColumn, NumericColumn
from .statistics import _ColumnStats
from .target import TargetEncoder, _integer_dtype

__all__ = ["TableEncoder", "TableNote", "FORMAT", "VERSION", "ARRAY_NAMES", "SCALINGS", "INDICATORS", "UNKNOWN", "DTYPES",
           "as_batches"]

FORMAT = "neuronet.tables.TableEncoder"
ARRAY_NAMES = re.compile(r"numeric\.(?:center|scale)|categories\.\d{1,6}|target\.(?:classes|counts)")  # every to_config array
VERSION = 1
SCALINGS = ("standard", "robust", "none")
INDICATORS = ("auto", "always", "never")
UNKNOWN = ("slot", "error")
DTYPES = ("float32", "float64")

# --- the table ---------------------------------------------------------------------------------
def _names(argument: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not all(isinstance(name, str) for name in value):
        raise ConfigurationError(f"{argument}: expected a list of column names, got {value!r}")
    return tuple(value)


def as_batches(data: Any, rows: int = 65536) -> Iterable[pa.RecordBatch | pa.Table]:
    """What ``fit`` accepts, as an iterable of Arrow batches: a path (streamed), an in-memory table,
    or an iterable of batches, tables or DataFrames."""
    if isinstance(data, (str, os.PathLike)):
        return iter_batches(data, rows)
    if isinstance(data, (pa.Table, pa.RecordBatch, dict)) or hasattr(data, "columns"):
        return [as_arrow(data)]
    if isinstance(data, Iterable):
        return (item if isinstance(item, (pa.Table, pa.RecordBatch)) else as_arrow(item) for item in data)
    raise DataError(f"data: expected a path, a table or an iterable of record batches, got {type(data).__name__}")


class TableNote(UserWarning):
    """What ``fit`` tells the user about the encoding it chose (e.g. a column of mostly numbers that
    holds text too, taken as categories); also kept in ``TableEncoder.notes``."""


class TableEncoder:
    """Learns a table's encoding from training rows and applies it (see the module's docstring).

    - ``target``: the target column's name (None: features only); ``task``: "auto",
      "classification" or "regression".
    - ``categorical`` / ``numeric``: columns whose kind you name; ``ignore``: columns left out.
    - ``scaling``: "standard", "robust" or "none"; ``missing_indicator``: "auto", "always", "never".
    - ``max_categories``: categories kept per column (the most frequent); ``integer_categories``: an
      integer column with at most this many distinct values is categorical (0: never).
    - ``handle_unknown``: "slot" (an unseen category -> the unseen slot) or "error".
    - ``dtype``: of the matrix, "float32" or "float64"; ``sample_size`` and ``seed``: the reservoir
      that robust scaling's quantiles come from.
    """

    def __init__(self, target: str | None = None, *, task: str = "auto", categorical: Any = None, numeric: Any = None,
                 ignore: Any = None, scaling: str = "standard", missing_indicator: str = "auto",
                 max_categories: int = 256, integer_categories: int = 10, handle_unknown: str = "slot",
                 dtype: str = "float32", sample_size: int = 100_000, seed: int = 0) -> None:
        self.target_name = target
        self.categorical, self.numeric = _names("categorical", categorical), _names("numeric", numeric)
        self.ignore = _names("ignore", ignore)
        both = set(self.categorical) & set(self.numeric)
        if both:
            raise ConfigurationError(f"categorical, numeric: column {sorted(both)[0]!r} is named in both")
        for argument, value, choices in (("scaling", scaling, SCALINGS), ("missing_indicator", missing_indicator,
                                         INDICATORS), ("handle_unknown", handle_unknown, UNKNOWN), ("dtype", dtype, DTYPES)):
            if value not in choices:
                raise ConfigurationError(f"{argument}: expected one of {choices}, got {value!r}")
        for argument, value, low in (("max_categories", max_categories, 1), ("integer_categories", integer_categories, 0),
                                     ("sample_size", sample_size, 1), ("seed", seed, 0)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ConfigurationError(f"{argument}: expected a whole number >= {low}, got {value!r}")
        self.scaling, self.missing_indicator, self.handle_unknown, self.dtype = scaling, missing_indicator, \
            handle_unknown, dtype
        self.max_categories, self.integer_categories = int(max_categories), int(integer_categories)
        self.sample_size, self.seed = int(sample_size), int(seed)
        self.target: TargetEncoder | None = TargetEncoder(target, task) if target is not None else None
        self.columns: list[NumericColumn | CategoricalColumn] = []
        self._stats: dict[str, _ColumnStats] | None = None
        self._rows = self._raw_rows = 0  # rows learned from (with a target) and rows seen, in this pass
        self.n_rows = 0  # training rows learned from
        self.notes: list[str] = []  # what the user should know about the last fit (also warned as TableNote)

    # --- fitting ---------------------------------------------------------------------------
    @property
    def fitted(self) -> bool:
        return bool(self.columns) and self._stats is None

    def fit(self, data: Any) -> "TableEncoder":
        """Learn the encoding in one pass over ``data`` (a table, a path, or batches); returns self."""
        self.reset()
        for batch in as_batches(data):
            self.partial_fit(batch)
        return self.finish()

    def reset(self) -> None:
        self.columns, self._stats, self._rows, self._raw_rows, self.n_rows = [], None, 0, 0, 0
        if self.target is not None:
            self.target = TargetEncoder(self.target.name, self.target.requested)

    def partial_fit(self, batch: Any, row_offset: int | None = None) -> "TableEncoder":
        """Learn from one more batch (an Arrow record batch or table, or a DataFrame); ``finish()``
        ends the pass. ``fit`` is ``reset``, ``partial_fit`` per batch, ``finish``. Messages number
        the batch's rows from ``row_offset`` + 1 (default: the rows of the earlier batches, counted), so
        that a caller fitting on some parts of a file names the row where it sits in the file."""
        batch = batch if isinstance(batch, (pa.Table, pa.RecordBatch)) else as_arrow(batch)
        names = batch.schema.names
        if self._stats is None:
            if self.columns:
                self.reset()
            if self.target_name is not None and self.target_name not in names:
                raise DataError(f"target {self.target_name!r}: no such column (columns: {', '.join(names[:20])})")
            for argument, listed in (("categorical", self.categorical), ("numeric", self.numeric), ("ignore", self.ignore)):
                for name in listed:
                    if name not in names:
                        raise DataError(f"{argument}: no column {name!r} (columns: {', '.join(names[:20])})")
            rng = np.random.default_rng(self.seed)
            features = [name for name in names if name != self.target_name and name not in self.ignore]
            if not features:
                raise DataError("data: no feature columns (every column is the target or ignored)")
            self._stats = {name: _ColumnStats(name, "categorical" if name in self.categorical else "numeric"
                                              if name in self.numeric else None, self.integer_categories,
                                              self.scaling == "robust", self.sample_size, rng) for name in features}
        else:
            missing = [name for name in self._stats if name not in names]
            if missing:
                raise DataError(f"column {missing[0]!r}: missing from a later batch of the data")
        start = self._raw_rows if row_offset is None else int(row_offset)
        for name, stats in self._stats.items():  # every row, those without a target too
            stats.numbers_in_text(batch.column(name), start)
        rows: Any = start  # the data rows of the batch's rows, for messages
        self._raw_rows += batch.num_rows
        if self.target is not None:
            column = batch.column(self.target_name)
            self.target.partial_fit(column)
            keep = self.target.present(column)
            if not keep.all():
                batch = batch.filter(pa.array(keep))
                rows = rows + np.flatnonzero(keep) + 1
        for name, stats in self._stats.items():
            stats.add(batch.column(name), rows)
        self._rows += batch.num_rows
        return self

    def check_columns(self, data: Any) -> None:
        """Look over all of ``data`` (a table, a path or batches) for the slip ``fit`` refuses: a text
        column whose cells all read as numbers but a few. For a caller that fits on a part of the data
        (a training split), so that a slip in the other part is found too, with its row in ``data``."""
        stats: dict[str, _ColumnStats] = {}
        rows = 0
        for batch in as_batches(data):
            batch = batch if isinstance(batch, (pa.Table, pa.RecordBatch)) else as_arrow(batch)
            for name in batch.schema.names:
                if name != self.target_name and name not in self.ignore:
                    forced = "categorical" if name in self.categorical else "numeric" if name in self.numeric else None
                    stats.setdefault(name, _ColumnStats(name, forced, 0, False, 1, None))
                    stats[name].numbers_in_text(batch.column(name), rows)
            rows += batch.num_rows
        for column in stats.values():
            column.check_text()

    def finish(self) -> "TableEncoder":
        """End the pass: decide each column's kind and fix its parameters."""
        if self._stats is None:
            raise DataError("data: no batches to learn from")
        if self._rows == 0:
            raise DataError("data: no rows to learn from" + (" (every target is missing)" if self.target else ""))
        columns: list[NumericColumn | CategoricalColumn] = []
        notes = []
        for name, stats in self._stats.items():
            stats.settle()
            count = self._rows - stats.missing
            kind = stats.decide(count)
            if stats.note:
                notes.append(stats.note)
            if kind == "numeric":
                columns.append(self._numeric(stats, count))
            else:
                columns.append(self._categorical(stats, count))
        if self.target is not None:
            self.target.finish()
        self.columns, self.n_rows, self._stats, self.notes = columns, self._rows, None, notes
        for note in notes:
            warnings.warn(f"neuronet: {note}", TableNote, stacklevel=3)
        return self

    def _numeric(self, stats: _ColumnStats, count: int) -> NumericColumn:
        if self.scaling == "standard":
            center, scale = stats.moments.mean, stats.moments.std
        elif self.scaling == "robust":
            q25, q50, q75 = np.quantile(stats.reservoir.values, [0.25, 0.5, 0.75])
            center, scale = float(q50), float(q75 - q25)
            if not scale > 0:
                scale = (stats.max - stats.min) / 2
        else:
            center, scale = 0.0, 1.0
        if not (math.isfinite(center) and math.isfinite(scale)):  # a value too large to square or sum
            value, row = max((stats.min, stats.min_row), (stats.max, stats.max_row), key=lambda pair: abs(pair[0]))
            raise _too_large(stats.name, value, row, self.dtype)
        if not scale > 0:
            scale = 1.0
        limit = float(np.finfo(self.dtype).max)
        for value, row in ((stats.min, stats.min_row), (stats.max, stats.max_row)):
            if not abs((value - center) / scale) <= limit:
                raise _too_large(stats.name, value, row, self.dtype)
        indicator = self.missing_indicator == "always" or (self.missing_indicator == "auto" and stats.missing > 0)
        return NumericColumn(stats.name, self.scaling, float(center), float(scale), indicator, count, stats.missing)

    def _categorical(self, stats: _ColumnStats, count: int) -> CategoricalColumn:
        counts = stats.counts or {}
        values = "text" if stats.kind == "text" else "number"
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        kept = ranked[: self.max_categories]
        other = sum(n for _, n in ranked[self.max_categories:])
        labels = sorted(value for value, _ in kept)
        dtype = np.str_ if values == "text" else np.float64 if stats.kind != "integer" else _integer_dtype(
            f"column {stats.name!r}", labels, "categories")
        categories = np.asarray(labels, dtype=dtype)
        if values == "text" and not len(categories):
            categories = np.zeros(0, dtype="<U1")
        return CategoricalColumn(stats.name, values, categories, stats.missing > 0, count, stats.missing, other)

    # --- applying --------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not self.fitted:
            raise ConfigurationError("the table encoder is not fitted yet: call fit first")

    @property
    def width(self) -> int:
        """The number of columns of the encoded matrix (the network's ``in_features``)."""
        self._check_fitted()
        return sum(column.width for column in self.columns)

    @property
    def feature_names(self) -> list[str]:
        """One name per column of the encoded matrix: ``x``, ``x (missing)``, ``c=value``, ``c (unseen)``."""
        self._check_fitted()
        return [name for column in self.columns for name in column.feature_names()]

    @property
    def input_columns(self) -> list[tuple[str, str]]:
        """(name, "text" or "number") of each raw column the encoding reads, in order."""
        self._check_fitted()
        return [(column.name, column.values if isinstance(column, CategoricalColumn) else "number")
                for column in self.columns]

    def _table(self, data: Any) -> pa.Table | pa.RecordBatch:
        if isinstance(data, (pa.Table, pa.RecordBatch)):
            return data
        if isinstance(data, (str, os.PathLike)):
            from .read import read_table

            return read_table(data)
        return as_arrow(data)

    def transform(self, data: Any, *, row_offset: int = 0) -> np.ndarray:
        """The encoded matrix (n, width) of ``data`` (a table, a DataFrame, a path or a record
        batch); columns are found by name, extra ones ignored. ``row_offset`` numbers the rows in
        messages (for a batch deep inside a file)."""
        self._check_fitted()
        table = self._table(data)
        names = set(table.schema.names)
        absent = [column.name for column in self.columns if column.name not in names]
        if absent:
            raise DataError(f"column {absent[0]!r}: the model was trained on it but the data has no such column "
                            f"(columns: {', '.join(table.schema.names[:20])})")
        out = np.empty((table.num_rows, self.width), dtype=np.dtype(self.dtype))
        start = 0
        for column in self.columns:
            block = out[:, start:start + column.width]
            raw = table.column(column.name)
            if isinstance(column, NumericColumn):
                values = _numbers(raw, column.name, row_offset)
                scratch = np.empty(block.shape, np.float64)
                column.encode(values, scratch, out.dtype, row_offset)
                block[...] = scratch
            else:
                column.encode(raw, block, self.handle_unknown, row_offset)
            start += column.width
        return out

    def transform_target(self, data: Any, *, row_offset: int = 0) -> np.ndarray:
        """The target of ``data``: class indices (int64) or numbers (float64)."""
        self._check_fitted()
        if self.target is None:
            raise ConfigurationError("the encoder has no target column (TableEncoder(target=...))")
        table = self._table(data)
        if self.target.name not in table.schema.names:
            raise DataError(f"target {self.target.name!r}: the data has no such column")
        return self.target.encode(table.column(self.target.name), row_offset)

    def transform_xy(self, data: Any, *, row_offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(X, y) of the rows of ``data`` that have a target (rows without one are left out, as in fit)."""
        self._check_fitted()
        table = self._table(data)
        if self.target is None:
            raise ConfigurationError("the encoder has no target column (TableEncoder(target=...))")
        if self.target.name not in table.schema.names:
            raise DataError(f"target {self.target.name!r}: the data has no such column")
        keep = self.target.present(table.column(self.target.name))
        X = self.transform(table, row_offset=row_offset)  # the whole table, so that messages number its rows
        if keep.all():
            return X, self.transform_target(table, row_offset=row_offset)
        return X[keep], self.target.encode(table.column(self.target.name).filter(pa.array(keep)))

    def fit_transform_xy(self, data: Any) -> tuple[np.ndarray, np.ndarray]:
        """``fit(data)`` then ``transform_xy(data)``, for a table in memory (or a path read whole)."""
        table = self._table(data)
        return self.fit(table).transform_xy(table)

    def describe(self) -> list[str]:
        """One short line per column (for ``neuronet info``), the target's last."""
        self._check_fitted()
        lines = [column.describe() for column in self.columns]
        if self.target is not None:
            lines.append(self.target.describe())
        return lines

    def __repr__(self) -> str:
        if not self.fitted:
            return f"TableEncoder(target={self.target_name!r}, not fitted)"
        return f"TableEncoder(target={self.target_name!r}, {len(self.columns)} columns -> {self.width} features)"

    # --- the model-file form ---------------------------------------------------------------
    def to_config(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON-able description, arrays) that ``from_config`` reads back: no object arrays, no pickle."""
        self._check_fitted()
        numeric = [column for column in self.columns if isinstance(column, NumericColumn)]
        arrays: dict[str, np.ndarray] = {
            "numeric.center": np.asarray([column.center for column in numeric], dtype=np.float64),
            "numeric.scale": np.asarray([column.scale for column in numeric], dtype=np.float64)}
        described = []
        for index, column in enumerate(self.columns):
            entry: dict[str, Any] = {"name": column.name, "count": column.count, "missing": column.missing}
            if isinstance(column, NumericColumn):
                entry.update(kind="numeric", indicator=column.indicator)
            else:
                entry.update(kind="categorical", values=column.values, missing_slot=column.missing_slot,
                             other=column.other)
                arrays[f"categories.{index}"] = column.categories
            described.append(entry)
        config: dict[str, Any] = {
            "format": FORMAT, "version": VERSION, "width": self.width, "n_rows": self.n_rows,
            "settings": {"scaling": self.scaling, "missing_indicator": self.missing_indicator,
                         "handle_unknown": self.handle_unknown, "dtype": self.dtype,
                         "max_categories": self.max_categories, "integer_categories": self.integer_categories,
                         "categorical": list(self.categorical), "numeric": list(self.numeric),
                         "ignore": list(self.ignore), "sample_size": self.sample_size, "seed": self.seed},
            "columns": described, "target": None}
        if self.target is not None:
            config["target"], target_arrays = self.target.config()
            arrays.update(target_arrays)
        return config, arrays

    @classmethod
    def from_config(cls, config: Any, arrays: Any) -> "TableEncoder":
        """The encoder ``to_config`` described; a ``ModelFileError`` saying what is wrong otherwise."""
        return _Reader(config, arrays).encoder()


class _Reader:
    """Reads ``to_config``'s form back, checking every field (a model file is untrusted input)."""

    def __init__(self, config: Any, arrays: Any) -> None:
        self.config, self.arrays = config, arrays

    def fail(self, what: str) -> ModelFileError:
        return ModelFileError(f"table encoding: {what}")

    def field(self, mapping: Any, key: str, kind: Any, where: str) -> Any:
        if not isinstance(mapping, dict) or key not in mapping:
            raise self.fail(f"{where} has no {key!r}")
        value = mapping[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise self.fail(f"{where}.{key}: expected a whole number >= 0, got {value!r}")
        if kind is float and (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)):
            raise self.fail(f"{where}.{key}: expected a finite number, got {value!r}")
        if kind in (str, bool, list) and not isinstance(value, kind):
            raise self.fail(f"{where}.{key}: expected {kind.__name__}, got {value!r}")
        if isinstance(kind, tuple) and value not in kind:
            raise self.fail(f"{where}.{key}: expected one of {kind}, got {value!r}")
        return value

    def array(self, key: str, kinds: str, shape: tuple | None = None) -> np.ndarray:
        if not hasattr(self.arrays, "__getitem__") or key not in self.arrays:
            raise self.fail(f"the array {key!r} is missing")
        value = self.arrays[key]
        if not isinstance(value, np.ndarray) or value.dtype.kind not in kinds or value.ndim != 1:
            raise self.fail(f"the array {key!r}: expected a 1-d array of kind {kinds!r}, got "
                            f"{getattr(value, 'dtype', type(value).__name__)} {getattr(value, 'shape', '')}")
        if shape is not None and value.shape != shape:
            raise self.fail(f"the array {key!r}: expected shape {shape}, got {value.shape}")
        return value

    def encoder(self) -> TableEncoder:
        config = self.config
        if not isinstance(config, dict):
            raise self.fail(f"expected a JSON object, got {type(config).__name__}")
        if config.get("format") != FORMAT:
            raise self.fail(f"format: expected {FORMAT!r}, got {config.get('format')!r}")
        if config.get("version") != VERSION:
            raise self.fail(f"version {config.get('version')!r} is not one this neuronet reads ({VERSION})")
        settings = config.get("settings")
        if not isinstance(settings, dict):
            raise self.fail("settings: expected a JSON object")
        if "target" not in config or not (config["target"] is None or isinstance(config["target"], dict)):
            raise self.fail("target: expected a JSON object or null")
        target = config["target"]
        kwargs: dict[str, Any] = {}
        for key, choices in (("scaling", SCALINGS), ("missing_indicator", INDICATORS), ("handle_unknown", UNKNOWN),
                             ("dtype", DTYPES)):
            kwargs[key] = self.field(settings, key, choices, "settings")
        for key in ("max_categories", "integer_categories", "sample_size", "seed"):
            kwargs[key] = self.field(settings, key, int, "settings")
        for key in ("categorical", "numeric", "ignore"):
            names = self.field(settings, key, list, "settings")
            if not all(isinstance(name, str) for name in names):
                raise self.fail(f"settings.{key}: expected column names")
            kwargs[key] = names
        try:
            if target is not None:
                name = self.field(target, "name", str, "target")
                encoder = TableEncoder(name, task=self.field(target, "task", ("classification", "regression"),
                                                                   "target"), **kwargs)
            else:
                encoder = TableEncoder(None, **kwargs)
        except ConfigurationError as error:
            raise self.fail(str(error)) from None
        described = self.field(config, "columns", list, "encoding")
        if not described:
            raise self.fail("columns: expected at least one column")
        numeric_count = sum(1 for entry in described if isinstance(entry, dict) and entry.get("kind") == "numeric")
        center = self.array("numeric.center", "f", (numeric_count,))
        scale = self.array("numeric.scale", "f", (numeric_count,))
        if not (np.all(np.isfinite(center)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
            raise self.fail("numeric.center / numeric.scale: expected finite numbers and positive scales")
        columns: list[NumericColumn | CategoricalColumn] = []
        seen: set[str] = set()
        numeric_index = 0
        for index, entry in enumerate(described):
            where = f"columns[{index}]"
            name = self.field(entry, "name", str, where)
            if not name or name in seen or (target is not None and name == encoder.target_name):
                raise self.fail(f"{where}.name: {name!r} is empty, repeated or the target")
            seen.add(name)
            kind = self.field(entry, "kind", ("numeric", "categorical"), where)
            count, missing = self.field(entry, "count", int, where), self.field(entry, "missing", int, where)
            if kind == "numeric":
                columns.append(NumericColumn(name, encoder.scaling, float(center[numeric_index]),
                                             float(scale[numeric_index]), self.field(entry, "indicator", bool, where),
                                             count, missing))
                numeric_index += 1
            else:
                values = self.field(entry, "values", ("text", "number"), where)
                categories = self.array(f"categories.{index}", "U" if values == "text" else "fiu")
                if values == "number" and categories.dtype.kind == "f" and not np.all(np.isfinite(categories)):
                    raise self.fail(f"categories.{index}: expected finite numbers")
                if len(np.unique(categories)) != len(categories):
                    raise self.fail(f"categories.{index}: a category appears twice")
                if values == "text" and np.any(categories == ""):
                    raise self.fail(f"categories.{index}: the empty string (a missing value) cannot be a category")
                if categories.dtype.kind in "iu":
                    categories = categories.astype(np.uint64 if categories.dtype.kind == "u" else np.int64)
                elif values == "number":
                    categories = categories.astype(np.float64)
                columns.append(CategoricalColumn(name, values, categories, self.field(entry, "missing_slot", bool, where),
                                                 count, missing, self.field(entry, "other", int, where)))
        if target is not None:
            self._target(encoder.target, target)
        encoder.columns, encoder.n_rows = columns, self.field(config, "n_rows", int, "encoding")
        if self.field(config, "width", int, "encoding") != encoder.width:
            raise self.fail(f"width: {config['width']} does not match its columns ({encoder.width})")
        return encoder

    def _target(self, encoder: TargetEncoder, target: dict) -> None:
        encoder.task = target["task"]
        encoder.label_type = self.field(target, "label_type", ("text", "integer", "bool", "float"), "target")
        encoder.count = self.field(target, "count", int, "target")
        encoder.mean, encoder.std = self.field(target, "mean", float, "target"), self.field(target, "std", float, "target")
        if encoder.task == "classification":
            kinds = {"text": "U", "integer": "iu", "bool": "b", "float": "f"}[encoder.label_type]
            classes = self.array("target.classes", kinds)
            if len(classes) < 2 or len(np.unique(classes)) != len(classes):
                raise self.fail("target.classes: expected at least 2 distinct classes")
            if kinds == "f" and not np.all(np.isfinite(classes)):
                raise self.fail("target.classes: expected finite numbers")
            counts = self.array("target.counts", "i", classes.shape)
            if np.any(counts < 0):
                raise self.fail("target.counts: expected counts >= 0")
            encoder.classes, encoder.class_counts = classes, counts.astype(np.int64)
        elif encoder.label_type == "text":
            raise self.fail("target: regression on text labels")
