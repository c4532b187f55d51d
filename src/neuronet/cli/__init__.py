"""The ``neuronet`` command.

    neuronet train                      # digits, a 64-256-128-10 ReLU net, Adam: ~98 % in about a second
    neuronet train --data iris --hidden 16 --epochs 100 --out iris.npz
    neuronet evaluate iris.npz --data iris
    neuronet predict iris.npz flowers.csv --out predictions.csv
    neuronet info iris.npz                  # the network, its classes, its table encoding, its metadata
    neuronet datasets
    neuronet gradcheck

Results go to stdout; progress, notes and errors to stderr. A mistake of the user's (any
``neuronet.errors.NeuronetError``: a bad value, a missing column, a damaged model file) and
every error of the operating system (any ``OSError``: a missing folder, a full disk, a
read-only file system, a name too long, an existing file where a folder is wanted) is one
line on stderr, naming the path and the reason, and exit status 2, never a traceback.
Anything else is a bug, and surfaces as one.

One module per command group: ``train`` (train, evaluate, predict), ``info`` (datasets,
info, gradcheck), ``plot``, ``export``, ``playground``, ``tour``, ``bench``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from ..errors import NeuronetError
from . import bench, export, info, playground, plot, tour, train
from ._common import EXIT_USER_ERROR, UserError, printable

__all__ = ["main", "build_parser", "describe", "UserError", "EXIT_USER_ERROR", "USER_ERRORS"]

# What a user's own mistake can raise: neuronet's errors, and the operating system's word on a
# path the user named or on the machine (disk full, read-only, name too long): every OSError.
USER_ERRORS = (NeuronetError, OSError)


def describe(error: BaseException) -> str:
    """One line for a user error: an OS error as ``PATH: reason`` (``PATH -> OTHER: reason``
    for a rename), anything else as its message; a control character in it (from a file's column
    name or label) is written as its escape, never sent to the terminal."""
    if isinstance(error, OSError) and not isinstance(error, NeuronetError) and error.errno is not None:
        reason = error.strerror or os.strerror(error.errno)
        if error.filename is not None:
            where = os.fsdecode(error.filename) if isinstance(error.filename, bytes) else str(error.filename)
            if error.filename2 is not None:
                where += f" -> {error.filename2}"
            return printable(f"{where}: {reason}")
        return reason
    message = str(error) or type(error).__name__
    return printable(" ".join(message.split("\n")) if "\n" in message else message)


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(prog="neuronet", description="Build, train, understand and ship neural networks.")
    parser.add_argument("--version", action="version", version=f"neuronet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for group in (train, info, plot, export, playground, tour, bench):
        group.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("neuronet: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (neuronet tour | head): not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except USER_ERRORS as error:
        print(f"neuronet {args.command}: error: {describe(error)}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
