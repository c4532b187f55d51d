"""What the commands share: the command line's own error, argument types that name what they
expect, and writing or reading the files a command is given."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import NeuronetError

__all__ = ["UserError", "EXIT_USER_ERROR", "sizes", "seed", "positive_int", "positive_float", "numbers",
           "write_text", "load_model", "save_figure"]

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


def numbers(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers like 1,2, got {text!r}") from None
    if not values or not all(np.isfinite(values)):
        raise argparse.ArgumentTypeError(f"expected comma-separated finite numbers like 1,2, got {text!r}")
    return values


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
