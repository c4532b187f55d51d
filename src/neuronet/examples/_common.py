"""What every example shares: ``--out`` and ``--fast``, and saving a figure."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence


def arguments(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", default=".", help="folder for the figure (default: here)")
    parser.add_argument("--fast", action="store_true", help="smaller settings, for a quick run")
    args = parser.parse_args(argv)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    return args


def save(figure, out: str, name: str) -> Path:
    path = Path(out) / name
    try:
        figure.savefig(path, dpi=100, bbox_inches="tight")
    except OSError as error:  # a failed write (a full disk) names no file: say which one
        if error.filename is None:
            raise OSError(error.errno, error.strerror or str(error), str(path)) from None
        raise
    print(f"wrote {path}")
    return path
