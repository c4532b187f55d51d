"""Tables in: CSV and Parquet files, Parquet folders, and in-memory tables, read with Arrow.

    >>> table = read_table("penguins.csv")                    # doctest: +SKIP
    >>> for batch in iter_batches("big.parquet", rows=65536): # doctest: +SKIP
    ...     ...

``read_table(source)`` returns one ``pyarrow.Table``; ``iter_batches(source, rows)`` streams the
same rows as ``pyarrow.RecordBatch`` es of at most ``rows`` rows, so that a file larger than memory
can be read in one bounded pass (a streamed CSV file takes its column types from its first 4 MB; a
column that changes type later, integers then "3.5", is a ``DataError`` saying so). A source is:

- a path to a ``.csv`` / ``.tsv`` file (optionally ``.gz`` / ``.bz2``), read by Arrow's typed CSV
  reader (the delimiter from the header line: comma, semicolon or tab; ``NA``, ``N/A``, ``NaN``,
  ``null`` and an empty cell are missing, in text columns too);
- a path to a ``.parquet`` / ``.pq`` file, or to a folder of them (read as one table, the files
  in name order; a file that lacks a column another has is a ``DataError`` naming both);
- a ``pyarrow.Table`` or ``RecordBatch``, a pandas or polars ``DataFrame``, or a dict of
  equal-length columns.

Whatever cannot be read is a ``DataError`` naming the file (and the column where Arrow says which);
for a CSV file, a byte that is not UTF-8, a NUL byte (not a text file: UTF-16 without a byte-order
mark, or binary data) or a row with more or fewer cells than the header is named by its line, as
the plain reader (``neuronet.datasets.files``) names it; the first two are ``NotText``. A pandas or
dict column of mixed cells (a "39.5" string among floats, NaN among text) is read as text cell by
cell (None and NaN missing); a cell that is no text, number or bool is a ``DataError`` naming it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..errors import DataError

__all__ = ["read_table", "iter_batches", "parquet_files", "as_arrow", "is_table", "NotText", "CSV_SUFFIXES",
           "PARQUET_SUFFIXES", "MISSING_TEXT"]

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
COMPRESSIONS = (".gz", ".bz2")
MISSING_TEXT = ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A")
DELIMITERS = (",", ";", "\t")
NOT_TEXT = "if it is text in UTF-16 or UTF-32 without a byte-order mark, save it as UTF-8"


class NotText(DataError):
    """A CSV file that is not UTF-8 text: a byte that is not UTF-8, or a NUL byte (UTF-16 or UTF-32
    text without a byte-order mark, or not text at all); the message names the line."""


def _not_text(path: Path, problem: str | None) -> DataError | None:
    return NotText(f"{path}: {problem}") if problem and problem.startswith("not ") else None


def _first_line(reason: Any) -> str:
    if isinstance(reason, UnicodeDecodeError):
        return f"not UTF-8 text (byte {reason.object[reason.start:reason.start + 1]!r} at {reason.start})"
    text = str(reason).strip().splitlines()
    return text[0] if text else type(reason).__name__


def _kind(path: Path) -> str:
    """"csv", "parquet" or "folder" for a path, from its suffix; a ``DataError`` otherwise."""
    if path.is_dir():
        return "folder"
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSIONS:
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in CSV_SUFFIXES:
        return "csv"
    if suffixes and suffixes[-1] in PARQUET_SUFFIXES:
        return "parquet"
    raise DataError(f"{path}: expected a .csv, .tsv, .parquet or .pq file, or a folder of Parquet files")


def _existing(source: str | os.PathLike) -> Path:
    path = Path(source)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    return path


def parquet_files(folder: str | os.PathLike) -> list[Path]:
    """The Parquet files of ``folder`` (and its subfolders, as a partitioned dataset writes them),
    in name order; a ``DataError`` when there are none, or when one file lacks a column another
    has (the files of a folder are one table: filling the gap with missing values would hide it)."""
    folder = Path(folder)
    files = sorted(path for path in folder.rglob("*") if path.is_file() and path.suffix.lower() in PARQUET_SUFFIXES
                   and not any(part.startswith((".", "_")) for part in path.relative_to(folder).parts))
    if not files:
        raise DataError(f"{folder}: the folder holds no .parquet files")
    _same_columns(folder, files)
    return files


def _same_columns(folder: Path, files: list[Path]) -> None:
    """A ``DataError`` naming the first file (and column) where the files' column names differ."""
    first: list[str] | None = None
    for file in files:
        try:
            names = pq.read_schema(file).names
        except Exception as error:  # noqa: BLE001 - Arrow's many error kinds for a damaged file
            raise DataError(f"{file}: cannot be read as parquet: {_first_line(error)}") from None
        if first is None:
            first = names
            continue
        lacking = [name for name in first if name not in names]
        extra = [name for name in names if name not in first]
        if lacking or extra:
            name, has, lacks = (lacking[0], files[0], file) if lacking else (extra[0], file, files[0])
            raise DataError(f"{folder}: {lacks.relative_to(folder)} has no column {name!r}, which "
                            f"{has.relative_to(folder)} has; every file of a folder must have the same columns")


def _csv_options(path: Path, delimiter: str | None, block_size: int | None = None) -> dict:
    if delimiter is None:
        try:
            with _opener(path)(path, "rt", encoding="utf-8", errors="replace") as handle:
                header = handle.readline()
        except OSError as error:
            raise DataError(f"{path}: cannot be read: {_first_line(error)}") from None
        counts = {candidate: header.count(candidate) for candidate in DELIMITERS}
        delimiter = max(DELIMITERS, key=counts.__getitem__) if any(counts.values()) else ","
    elif delimiter not in DELIMITERS:
        raise DataError(f"delimiter: expected one of {DELIMITERS}, got {delimiter!r}")
    read = pa_csv.ReadOptions(**({"block_size": block_size} if block_size else {}))
    return {"read_options": read, "parse_options": pa_csv.ParseOptions(delimiter=delimiter),
            "convert_options": pa_csv.ConvertOptions(null_values=list(MISSING_TEXT), strings_can_be_null=True)}


def _opener(path: Path) -> Any:
    import bz2
    import gzip

    return {".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix.lower(), open)


def _csv_problem(path: Path, delimiter: str | None) -> str | None:
    """What Arrow could not take in a CSV file, with its line, found by reading it again the way the
    plain CSV reader (``neuronet.datasets.files.parse_csv``) does: a byte that is not UTF-8, or a
    row whose number of cells differs from the header's. None when neither is found."""
    import csv

    try:
        with _opener(path)(path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                if b"\x00" in raw:
                    return f"not a text file (line {number} holds a NUL byte); {NOT_TEXT}"
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    byte = raw[error.start:error.start + 1]
                    return f"not UTF-8 text (line {number}: byte {byte!r}); save it as UTF-8"
        delimiter = _csv_options(path, delimiter)["parse_options"].delimiter
        with _opener(path)(path, "rt", encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            header = None
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                if header is None:
                    header = row
                elif len(row) != len(header):
                    return (f"line {reader.line_num} has {len(row)} cells but the header has {len(header)} "
                            f"(columns separated by {delimiter!r})")
    except (OSError, csv.Error, EOFError, UnicodeDecodeError):
        return None
    return None


def _check_text(table_or_schema: Any, path: Path, delimiter: str | None) -> None:
    """A ``DataError`` when Arrow read a CSV column as bytes (its text is not UTF-8), or when a
    column name or a text cell holds a NUL byte (not a text file: UTF-16 without a byte-order mark,
    or binary data), naming the line."""
    schema = table_or_schema.schema if hasattr(table_or_schema, "schema") else table_or_schema
    binary = [field.name for field in schema if pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type)]
    if binary:
        raise _not_text(path, _csv_problem(path, delimiter)) or NotText(
            f"{path}: column {binary[0]!r} is not UTF-8 text; save the file as UTF-8")
    nul = any("\x00" in name for name in schema.names)
    if not nul and hasattr(table_or_schema, "schema"):
        nul = any(pa.types.is_string(field.type) and pc.any(pc.match_substring(table_or_schema.column(index),
                                                                                 "\x00")).as_py()
                  for index, field in enumerate(schema))
    if nul:
        raise _not_text(path, _csv_problem(path, delimiter)) or NotText(
            f"{path}: not a text file (a NUL byte); {NOT_TEXT}")


def _csv_error(path: Path, delimiter: str | None, error: BaseException) -> DataError:
    """The ``DataError`` for a CSV file Arrow refused: the line at fault where it can be found."""
    problem = _csv_problem(path, delimiter) if isinstance(error, (pa.ArrowInvalid, UnicodeDecodeError)) else None
    if problem:
        return _not_text(path, problem) or DataError(f"{path}: cannot be read as csv: {problem}")
    hint = ("; streamed, a CSV file's column types come from its first 4 MB: read it whole (read_table) or "
            "convert it to Parquet" if "conversion error" in str(error) else "")
    return DataError(f"{path}: cannot be read as csv: {_first_line(error)}{hint}")


def _check_names(table_or_schema: Any, where: str, csv: Path | None = None, delimiter: str | None = None) -> None:
    """A ``DataError`` for names that are not UTF-8 (for a ``csv`` file, naming the line as reading
    it does), empty or repeated."""
    try:
        names = list(table_or_schema.schema.names if hasattr(table_or_schema, "schema") else table_or_schema.names)
    except UnicodeDecodeError as error:
        problem = _not_text(csv, _csv_problem(csv, delimiter)) if csv is not None else None
        if problem:
            raise problem from None
        raise DataError(f"{where}: the column names are {_first_line(error)}") from None
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise DataError(f"{where}: a column has no name (columns: {names[:8]})")
        if name in seen:
            raise DataError(f"{where}: column {name!r} appears twice")
        seen.add(name)


def is_table(data: Any) -> bool:
    """Whether ``data`` is something ``read_table`` reads as a table with named columns: an Arrow
    table or record batch, a pandas or polars DataFrame, or a path to a CSV or Parquet file or a
    folder (an existing one). Plain arrays and ``.npy``/``.npz`` paths are not."""
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        return True
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        try:
            return _kind(path) in ("csv", "parquet", "folder")
        except DataError:
            return False
    return type(data).__module__.split(".")[0] in ("pandas", "polars") and hasattr(data, "columns")


def as_arrow(data: Any, where: str = "data") -> pa.Table:
    """An in-memory table as a ``pyarrow.Table``: an Arrow table or record batch, a pandas or polars
    DataFrame, or a dict of equal-length columns. A ``DataError`` for anything else."""
    if isinstance(data, pa.Table):
        table = data
    elif isinstance(data, pa.RecordBatch):
        table = pa.Table.from_batches([data])
    elif type(data).__module__.split(".")[0] == "polars" and hasattr(data, "to_arrow"):
        try:
            table = data.to_arrow()
        except Exception as error:  # noqa: BLE001 - polars' own error kinds
            raise DataError(f"{where}: the polars DataFrame cannot be converted to Arrow: {_first_line(error)}") from None
    elif type(data).__module__.split(".")[0] == "pandas" and hasattr(data, "columns"):
        columns = list(data.columns)
        if any(not isinstance(column, str) for column in columns):
            raise DataError(f"{where}: expected text column names, got {columns[:8]} (set df.columns to names)")
        try:
            table = pa.Table.from_pandas(data, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as error:
            table = _by_column({name: data[name] for name in columns}, where, error, "the DataFrame cannot be "
                               "converted to Arrow")
    elif isinstance(data, dict):
        try:
            table = pa.table(data)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError) as error:
            table = _by_column(data, where, error, "the dict of columns cannot be made a table")
    else:
        raise DataError(f"{where}: expected a path, a pyarrow Table, a pandas or polars DataFrame or a dict of "
                        f"columns, got {type(data).__name__}")
    _check_names(table, where)
    return table


_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError)


def _by_column(columns: dict, where: str, error: BaseException, what: str) -> pa.Table:
    """A table made column by column, for columns Arrow could not take whole: a column of mixed
    cells (text among numbers, NaN among text) is read as text, each cell as a CSV file would hold
    it (None and NaN missing); a cell that is none of text, a number or a bool is a ``DataError``
    naming the column, the row and the value."""
    arrays = {}
    for name, values in columns.items():
        try:
            arrays[name] = (pa.Array.from_pandas(values) if type(values).__module__.split(".")[0] == "pandas"
                            else pa.chunked_array([values]) if isinstance(values, pa.Array) else
                            values if isinstance(values, pa.ChunkedArray) else pa.array(values, from_pandas=True))
        except _ARROW_ERRORS:
            try:
                cells = list(values)
            except TypeError:
                raise DataError(f"{where}: {what}: column {name!r}: {_first_line(error)}") from None
            arrays[name] = pa.array([_cell_text(name, cell, row, where) for row, cell in enumerate(cells, 1)],
                                    pa.string())
    try:
        return pa.table(arrays)
    except _ARROW_ERRORS as error:
        raise DataError(f"{where}: {what}: {_first_line(error)}") from None


def _cell_text(name: str, cell: Any, row: int, where: str) -> str | None:
    """One cell of a mixed column as text (None for a missing one)."""
    import math

    if cell is None or type(cell).__name__ in ("NAType", "NaTType") or (
            isinstance(cell, float) and math.isnan(cell)):
        return None
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bytes):
        try:
            return cell.decode("utf-8")
        except UnicodeDecodeError:
            pass
    elif hasattr(cell, "dtype") and getattr(cell, "ndim", 1) == 0 and cell.dtype.kind in "biuf":
        cell = cell.item()
        return None if isinstance(cell, float) and math.isnan(cell) else str(cell)
    elif isinstance(cell, (bool, int, float)):
        return str(cell)
    raise DataError(f"{where}: column {name!r}: {cell!r} in data row {row} is a {type(cell).__name__}; "
                    "expected numbers, text or bools")


def read_table(source: Any, *, columns: list[str] | None = None, delimiter: str | None = None) -> pa.Table:
    """``source`` (a path or an in-memory table, see the module's docstring) as one ``pyarrow.Table``;
    ``columns`` reads only those (a ``DataError`` naming any that is not there)."""
    if not isinstance(source, (str, os.PathLike)):
        table = as_arrow(source)
        where = "data"
    else:
        path = _existing(source)
        where = str(path)
        kind = _kind(path)
        try:
            if kind == "csv":
                table = pa_csv.read_csv(path, **_csv_options(path, delimiter))
            elif kind == "parquet":
                table = pq.read_table(path)
            else:
                tables = [pq.read_table(file) for file in parquet_files(path)]
                table = _concat(tables, where)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OSError, UnicodeDecodeError) as error:
            if kind == "csv":
                raise _csv_error(path, delimiter, error) from None
            raise DataError(f"{where}: cannot be read as {kind}: {_first_line(error)}") from None
        _check_names(table, where, path if kind == "csv" else None, delimiter)
        if kind == "csv":
            _check_text(table, path, delimiter)
    if columns is not None:
        missing = [name for name in columns if name not in table.column_names]
        if missing:
            raise DataError(f"{where}: no column {missing[0]!r} (columns: {', '.join(table.column_names[:20])})")
        table = table.select(list(columns))
    return table


def _concat(tables: list[pa.Table], where: str) -> pa.Table:
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise DataError(f"{where}: its files do not share one set of column types: {_first_line(error)}") from None


def iter_batches(source: Any, rows: int = 65536, *, columns: list[str] | None = None,
                 delimiter: str | None = None) -> Iterator[pa.RecordBatch]:
    """The rows of ``source`` as record batches of at most ``rows`` rows, in file order, reading no
    more than about one batch at a time from a file (a Parquet file row group by row group, a CSV
    file block by block). An in-memory table is sliced without copying."""
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise DataError(f"rows: expected a whole number >= 1, got {rows!r}")
    if not isinstance(source, (str, os.PathLike)):
        table = as_arrow(source)
        if columns is not None:
            table = read_table(table, columns=columns)
        yield from table.to_batches(max_chunksize=rows)
        return
    path = _existing(source)
    kind = _kind(path)
    if kind == "csv":
        yield from _csv_batches(path, rows, columns, delimiter)
        return
    for file in ([path] if kind == "parquet" else parquet_files(path)):
        try:
            handle = pq.ParquetFile(file)
            _check_names(handle.schema_arrow, str(file))
            if columns is not None:
                missing = [name for name in columns if name not in handle.schema_arrow.names]
                if missing:
                    raise DataError(f"{file}: no column {missing[0]!r}")
            yield from handle.iter_batches(batch_size=rows, columns=columns)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OSError, UnicodeDecodeError) as error:
            raise DataError(f"{file}: cannot be read as parquet: {_first_line(error)}") from None


def _csv_batches(path: Path, rows: int, columns: list[str] | None, delimiter: str | None) -> Iterator[pa.RecordBatch]:
    try:
        reader = pa_csv.open_csv(path, **_csv_options(path, delimiter, block_size=1 << 22))
        _check_names(reader.schema, str(path), path, delimiter)
        _check_text(reader.schema, path, delimiter)
        for batch in reader:
            _check_text(batch, path, delimiter)
            if columns is not None:
                missing = [name for name in columns if name not in batch.schema.names]
                if missing:
                    raise DataError(f"{path}: no column {missing[0]!r}")
                batch = batch.select(columns)
            for start in range(0, batch.num_rows, rows):
                yield batch.slice(start, rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OSError, UnicodeDecodeError) as error:
        raise _csv_error(path, delimiter, error) from None
