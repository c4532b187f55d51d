"""Reading one column's cells the way the encoder needs them: numbers as float64 (text that reads as a
number taken as one, spaces trimmed and "", "NA", "NaN", "null", ... missing, as a CSV reader takes
them; integers beyond 2^53 as the nearest float64), text checked to be UTF-8, and the
errors that name the column, the row and the value; ``smooth_clip`` and ``column_kind``."""


from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import DataError
from .read import MISSING_TEXT

__all__ = ["column_kind", "smooth_clip", "CLIP", "MOSTLY", "NUMBER"]

MOSTLY = 0.1  # a text column is refused as a slip when all but this share of its values read as numbers
NUMBER = r"^\s*[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf|infinity)\s*$"  # a cell that reads as a number
CLIP = 3.0  # smooth_clip's bound: z / sqrt(1 + (z / CLIP)^2) stays within (-CLIP, CLIP)


def smooth_clip(z: np.ndarray) -> np.ndarray:
    """RealMLP's smooth clipping, z / sqrt(1 + (z / 3)^2), in the order the ONNX form computes it."""
    t = z / CLIP
    return z / np.sqrt(1.0 + t * t)


# --- Arrow types to kinds ----------------------------------------------------------------------
def column_kind(arrow_type: pa.DataType) -> str:
    """"text", "bool", "integer", "float", "null" (a column with no values) or "other"."""
    if pa.types.is_dictionary(arrow_type):
        return column_kind(arrow_type.value_type)
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or (
            hasattr(pa.types, "is_string_view") and pa.types.is_string_view(arrow_type)):
        return "text"
    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "float"
    if pa.types.is_null(arrow_type):
        return "null"
    return "other"


def _plain(column: Any) -> Any:
    """A dictionary-encoded column decoded; text as ``string``."""
    if pa.types.is_dictionary(column.type):
        column = pc.cast(column, column.type.value_type)
    if column_kind(column.type) == "text" and column.type != pa.string():
        column = pc.cast(column, pa.string())
    return column


def _text(column: Any, name: str = "", row_offset: int = 0) -> Any:
    """A text column with the empty string as a null (an empty string is a missing value); bytes that
    are not UTF-8 are a ``DataError`` naming the column ``name`` and the row."""
    column = _plain(column)
    if column_kind(column.type) != "text":
        try:
            column = pc.cast(column, pa.string())
        except pa.ArrowInvalid:
            row = next((row for row, value in enumerate(column.to_pylist()) if isinstance(value, bytes)
                        and not _utf8(value)), None)
            where = f" in data row {_row(row_offset, row)}" if row is not None else ""
            raise DataError(f"column {name!r}: not UTF-8 text{where}; save the data as UTF-8") from None
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def _number_text(column: Any) -> Any:
    """Text cells as a CSV reader takes them when reading numbers: spaces trimmed, and those that
    say a value is missing (``MISSING_TEXT``: "", "NA", "NaN", "null", ...) null."""
    column = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.is_in(column, value_set=pa.array(MISSING_TEXT, pa.string())), pa.scalar(None, pa.string()),
                      column)


def _text_numbers(column: Any, name: str, row_offset: Any = 0) -> Any:
    """A text column whose cells all read as numbers (``_number_text``), as int64 when all are
    whole numbers that int64 holds, else float64; None when a cell is text that is no number."""
    column = _number_text(_text(column, name, row_offset))
    for kind in (pa.int64(), pa.float64()):
        try:
            return pc.cast(column, kind)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return None


def _utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _float64(column: Any) -> Any:
    """A numeric Arrow column as float64; integers beyond 2^53 are rounded to the nearest float64."""
    return pc.cast(column, pa.float64(), safe=column_kind(column.type) not in ("integer", "bool"))


def _first_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0]) + 1


def _row(row_offset: Any, index: int) -> int:
    """The data row (from 1) of row ``index`` (from 0) of a column: ``row_offset`` rows come before
    it, or ``row_offset`` is an array of the data row of each row (a column with rows left out)."""
    return int(row_offset[index]) if isinstance(row_offset, np.ndarray) else row_offset + index + 1


def _numbers(column: Any, name: str, row_offset: int = 0) -> np.ndarray:
    """The column as float64 with NaN for missing (integers beyond 2^53 rounded to the nearest
    float64); text that is not a number is a ``DataError``."""
    column = _plain(column)
    kind = column_kind(column.type)
    if kind == "text":
        column = _number_text(_text(column, name, row_offset))
        try:
            column = pc.cast(column, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            # the first cell that is no number: only the cells NUMBER does not match (a subset of what
            # float() reads) are looked at one by one
            numeric = pc.fill_null(pc.match_substring_regex(column, NUMBER, ignore_case=True), True)
            for row in np.flatnonzero(~np.asarray(numeric.to_numpy(zero_copy_only=False), dtype=bool)):
                value = column[int(row)].as_py()
                try:
                    float(value)
                except ValueError:
                    raise DataError(f"column {name!r}: expected numbers, got text: {value!r} in data row "
                                    f"{_row(row_offset, int(row))}") from None
            raise DataError(f"column {name!r}: expected numbers, got text") from None
    elif kind == "null":
        return np.full(len(column), np.nan)
    elif kind not in ("bool", "integer", "float"):
        raise DataError(f"column {name!r}: expected numbers or text, got Arrow type {column.type}")
    values = pc.fill_null(_float64(column), np.nan).to_numpy(zero_copy_only=False)
    values = np.asarray(values, dtype=np.float64)
    infinite = np.isinf(values)
    if infinite.any():
        raise DataError(f"column {name!r}: an infinite value in data row {_row(row_offset, _first_row(infinite) - 1)}")
    return values


def _too_large(name: str, value: float, row: int, dtype: Any) -> DataError:
    return DataError(f"column {name!r}: the value {value:g} in data row {row} is too large: scaled, it is beyond "
                     f"{np.dtype(dtype).name}'s range (about {float(np.finfo(dtype).max):.3g}); fix the value or "
                     "rescale the column")


def _display(value: Any) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
