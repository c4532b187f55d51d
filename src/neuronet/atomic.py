"""Atomic file writes: write a temporary file beside the target, then rename it over the target.

A crash or kill mid-write leaves the previous file untouched (at worst a hidden
``.NAME.*.tmp`` beside it), never a half-written file under the final name. The
result gets the permissions a plain ``open(path, "w")`` would give it.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

__all__ = ["atomic_write"]


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_write(path: str | Path, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """``with atomic_write("model.npz") as handle: ...``: the file appears whole, or not at all."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"{path}: the folder {folder} does not exist")
    handle = tempfile.NamedTemporaryFile(mode, dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False,
                                         encoding=encoding)
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, _default_mode())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
