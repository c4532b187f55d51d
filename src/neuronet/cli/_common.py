"""What the commands share: the command line's own error, argument types that name what they
expect, and writing or reading the files a command is given."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..datasets.shown import printable, shown_name, shown_names
from ..errors import NeuronetError

__all__ = ["UserError", "EXIT_USER_ERROR", "sizes", "seed", "positive_int", "positive_float", "non_negative_float",
           "fraction", "finite_float", "numbers", "target_for", "data_of", "write_text", "load_model", "save_figure",
           "shown_name", "shown_names", "printable", "named_lines", "flags_named",
           "Known"]

EXIT_USER_ERROR = 2


class UserError(NeuronetError):
    """A problem with what the user asked for on the command line; shown as one line, no traceback."""


def sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer sizes like 256,128, got {text!r}") from None
    if any(size < 1 for size in values):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return values


def _whole(text: str, low: int, high: int = 2**63) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value < high:
        raise argparse.ArgumentTypeError(f"expected a whole number >= {low}, got {text!r}")
    return value


def seed(text: str) -> int:
    return _whole(text, 0)


def positive_int(text: str) -> int:
    return _whole(text, 1)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _number(text: str, expected: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def finite_float(text: str) -> float:
    return _number(text, "a finite number")


def non_negative_float(text: str) -> float:
    value = _number(text, "a finite number >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def fraction(text: str) -> float:
    """A number in [0, 1): a share of the data, a dropout probability."""
    value = _number(text, "a number from 0 up to (not including) 1")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 up to (not including) 1, got {text!r}")
    return value


def target_for(spec: str | None, target: str | None) -> None:
    """``--target`` names a column of a table (a CSV or Parquet file, a folder of Parquet files, a
    bundled table); with anything else it would mean nothing, so say so."""
    from ..datasets.resolve import reads_as_table

    if target is not None and spec is not None and not spec.lower().endswith(".csv") and not reads_as_table(spec):
        raise UserError(f"--target: names a label column of a CSV file, but the data, {spec}, is not one (a data "
                        "set, a generator or an .npz file has its own labels); leave --target out")


def data_of(net: Any, spec: str | None) -> str | None:
    """The data a saved model is evaluated or drawn on: ``spec``, else what its metadata records."""
    if spec is not None:
        return spec
    recorded = (getattr(net, "metadata", None) or {}).get("dataset") or {}
    return recorded.get("spec") if isinstance(recorded.get("spec"), str) else None


def numbers(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers like 1,2, got {text!r}") from None
    if not values or not all(np.isfinite(values)):
        raise argparse.ArgumentTypeError(f"expected comma-separated finite numbers like 1,2, got {text!r}")
    return values


def named_lines(names: list[str], lines: list[str]) -> list[str]:
    """Listing lines that each start with ``name: ``, with the names shown by ``shown_name`` and any
    other unprintable character escaped."""
    shown = []
    for name, line in zip(names, lines):
        if line.startswith(f"{name}:"):
            line = shown_name(name) + line[len(name):]
        shown.append(printable(line))
    return shown + [printable(line) for line in lines[len(names):]]


@contextlib.contextmanager
def flags_named(flags: dict[str, str]) -> Iterator[None]:
    """A context where an error about one of the API's arguments (``{"class_weight": "--class-weight"}``:
    ``class_weight: ...``) is said as the command line's flag that sets it (``--class-weight: ...``)."""
    try:
        yield
    except NeuronetError as error:
        message = str(error)
        for argument, flag in flags.items():
            if message.startswith(f"{argument}:"):
                raise UserError(flag + message[len(argument):]) from None
        raise


class Known:
    """A model whose predictions are already made: ``predict`` gives back what it is handed, so that
    ``plot.confusion_matrix(Known(), predictions, labels)`` draws predictions computed batch by batch."""

    def predict(self, predictions: Any) -> Any:
        return predictions


def write_text(path: str, text: str) -> None:
    from ..atomic import atomic_write

    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def load_model(path: str) -> Any:
    from .. import io

    return io.load(path)


def save_figure(figure: Any, path: str) -> None:
    """Save a figure atomically, in the format its extension names."""
    from ..atomic import atomic_write

    extension = Path(path).suffix.lower().lstrip(".")
    if extension not in ("png", "svg", "pdf"):
        raise UserError(f"-o: expected a .png, .svg or .pdf file name, got {path!r}")
    with atomic_write(path) as handle:
        figure.savefig(handle, format=extension, dpi=110)


def distinct_paths(outputs: dict[str, Any], inputs: dict[str, Any]) -> None:
    """Refuse, before any work, an output that names the same file as an input (the data, the
    model) or as another output: the write would replace what the run reads or what another
    output holds."""
    import os

    def key(path: Any) -> str:
        return os.path.realpath(os.fspath(path))

    seen: dict[str, str] = {}
    for label, path in inputs.items():
        if path and os.path.exists(os.fspath(path)) and not os.path.isdir(os.fspath(path)):
            seen.setdefault(key(path), label)
    for flag, path in outputs.items():
        if not path:
            continue
        other = seen.get(key(path))
        if other is not None:
            raise UserError(f"{flag}: {path} is also {other}; writing it would replace that, so name another file")
        seen[key(path)] = flag
