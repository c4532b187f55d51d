"""Atomic file writes: write a temporary file beside the target, then rename it over the target.

A crash or kill mid-write leaves the previous file untouched (at worst a hidden
``.NAME.*.tmp`` beside it), never a half-written file under the final name.

- A new file gets the permissions a plain ``open(path, "w")`` would give it: the
  temporary file is created with mode 0o666 and the kernel applies the process umask
  (nothing here reads or changes the umask, which is process-wide and shared by threads).
- A file being replaced keeps its permissions (a 0600 model stays 0600) and, where
  the process may set them, its owner and group.
- A path that is a symbolic link is written through: the link's target is replaced and
  the link stays a link.
"""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .errors import ConfigurationError

__all__ = ["atomic_write", "check_writable"]


def _resolve(path: Path) -> Path:
    """The file a write to ``path`` should replace: the end of a chain of symbolic links."""
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def check_writable(path: str | Path, what: str = "output") -> Path:
    """Fail early, before any long computation, if ``path`` could not be written later:
    its folder must exist and be writable, and it must not be a folder itself."""
    path = _resolve(Path(path))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"{what}: the folder {folder} does not exist (for {path})")
    if path.is_dir():
        raise IsADirectoryError(f"{what}: {path} is a folder, expected a file name")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"{what}: the folder {folder} is not writable (for {path})")
    return path


@contextmanager
def atomic_write(path: str | Path, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """``with atomic_write("model.npz") as handle: ...``: the file appears whole, or not at all."""
    if mode not in ("w", "wb"):
        raise ConfigurationError(f"mode: expected 'w' or 'wb', got {mode!r}")
    path = _resolve(Path(path))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"{path}: the folder {folder} does not exist")
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        existing = None
    for attempt in range(100):
        temporary = folder / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 random names taken
        raise FileExistsError(f"{folder}: could not create a temporary file")
    try:
        with os.fdopen(descriptor, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if existing is not None:
            os.chmod(temporary, stat.S_IMODE(existing.st_mode))
            try:
                os.chown(temporary, existing.st_uid, existing.st_gid)
            except (PermissionError, AttributeError):
                pass  # only the owner's permission bits can be kept
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
