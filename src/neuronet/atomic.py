"""Atomic file writes: write a temporary file beside the target, then rename it over the target.

A crash or kill mid-write leaves the previous file untouched, never a half-written file
under the final name. What a kill leaves behind is a hidden temporary file beside the target,
``.NAME.DIGEST.PID.RANDOM.tmp``; the next save to the same target removes those whose writing
process is gone (or that are more than a day old, for a process id reused since).

- The temporary name always fits: ``NAME`` is shortened so that the whole name stays within
  the file system's limit (255 bytes on most), and ``DIGEST`` (of the full target name)
  keeps two long names that share a beginning apart.
- A new file gets the permissions a plain ``open(path, "w")`` would give it: the
  temporary file is created with mode 0o666 and the kernel applies the process umask
  (nothing here reads or changes the umask, which is process-wide and shared by threads).
- A file being replaced keeps its permissions (a 0600 model stays 0600) and, where
  the process may set them, its owner and group. A file the process may not write
  (``chmod a-w``) is not replaced, although renaming over it would be allowed.
- A path that is a symbolic link is written through: the link's target is replaced and
  the link stays a link. A loop of links is refused.
- Only regular files are replaced: a folder, a device (``/dev/full``, ``/dev/null``), a FIFO,
  a socket, anything under ``/proc`` and this process's own standard streams
  (``/dev/stdout``) are refused, before anything is written (``check_writable`` says so
  before a long computation starts). An empty or blank name, and a name ending in ``/`` (a
  folder's), are refused too.
- An error of the operating system while writing names the target, not the temporary file.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .errors import ConfigurationError, PathError

__all__ = ["atomic_write", "check_writable", "temporary_name", "remove_stale_temporaries", "pid_is_gone"]

STALE_AFTER = 24 * 3600  # seconds: a temporary file this old is stale whoever wrote it
# seconds since its last write before a temporary whose process is gone here is removed: a save
# running on another machine that shares the folder has a process id unknown here, but it writes
QUIET_FOR = 60
_NAME_MAX = 255


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return _NAME_MAX


def _digest(name: str) -> str:
    return hashlib.sha256(os.fsencode(name)).hexdigest()[:8]


def _shortened(name: str, limit: int) -> str:
    """``name`` cut to at most ``limit`` bytes of the file system's encoding, never inside a character."""
    encoded = os.fsencode(name)
    if len(encoded) <= limit:
        return name
    cut = encoded[:limit]
    for _ in range(4):  # a UTF-8 character is at most four bytes: drop a partial one at the end
        try:
            cut.decode("utf-8")
            break
        except UnicodeDecodeError:
            cut = cut[:-1]
    return os.fsdecode(cut)


def _stem(name: str, folder: Path) -> str:
    """The part of every temporary name for target ``name`` before the process id."""
    # ".", the name, ".", 8 hex digits, ".", a process id of up to 10 digits, ".", 8 hex digits, ".tmp"
    room = _name_max(folder) - (1 + 1 + 8 + 1 + 10 + 1 + 8 + 4)
    return f".{_shortened(name, max(room, 1))}.{_digest(name)}"


def temporary_name(path: str | Path, pid: int | None = None, token: str | None = None) -> Path:
    """The temporary file a save to ``path`` writes first (beside it, hidden, within the name limit)."""
    path = Path(path)
    folder = path.parent
    pid = os.getpid() if pid is None else pid
    token = token if token is not None else os.urandom(4).hex()
    return folder / f"{_stem(path.name, folder)}.{pid}.{token}.tmp"


def pid_is_gone(pid: int) -> bool:
    """Whether no process ``pid`` runs on this machine (a process of another user counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    except (OverflowError, ValueError, OSError):  # no such process id can exist
        return True
    return False


def remove_stale_temporaries(path: str | Path) -> list[Path]:
    """Remove the temporary files an interrupted save to ``path`` left beside it: those whose
    writing process is gone and that nothing has written for ``QUIET_FOR`` seconds (another
    machine's save in progress keeps writing), or older than ``STALE_AFTER``. Also those of the earlier naming,
    ``.NAME.PID.RANDOM.tmp``. Returns what was removed; what cannot be removed is left."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    patterns = [re.compile(re.escape(_stem(path.name, folder)) + r"\.(\d{1,10})\.[0-9a-f]{8}\.tmp"),
                re.compile(re.escape(f".{path.name}") + r"\.(\d{1,10})\.[0-9a-f]{8}\.tmp")]
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = next((m for m in (p.fullmatch(entry.name) for p in patterns) if m), None)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                continue
            quiet = now - info.st_mtime
            if (pid_is_gone(int(match.group(1))) and quiet > QUIET_FOR) or quiet > STALE_AFTER:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _standard_streams() -> list[os.stat_result]:
    streams = []
    for descriptor in (0, 1, 2):
        try:
            streams.append(os.fstat(descriptor))
        except OSError:
            pass
    return streams


def _resolve(path: Path, what: str) -> Path:
    """The file a write to ``path`` should replace (the end of a chain of symbolic links), after
    refusing what is not a place for a regular file."""
    name = os.fsencode(path.name)
    folder = path.parent if str(path.parent) else Path(".")
    limit = _name_max(folder) if folder.is_dir() else _NAME_MAX
    if len(name) > limit:
        raise PathError(f"{what}{path}: the file name is {len(name)} bytes long, over the file system's limit "
                        f"of {limit}")
    try:
        links = 0
        hop = path
        while hop.is_symlink() and links < 40:
            target = os.readlink(hop)
            if target.startswith("/proc/") or target.startswith("pipe:") or target.startswith("socket:"):
                raise PathError(f"{what}{path}: leads to a process's open file ({target}), not a file that can "
                                "be saved")
            hop = hop.parent / target
            links += 1
        resolved = Path(os.path.realpath(path, strict=True)) if path.is_symlink() else path
    except FileNotFoundError:  # a link to a file not written yet: written through
        resolved = Path(os.path.realpath(path))
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise PathError(f"{what}{path}: a loop of symbolic links, not a file that can be written") from None
        raise
    if str(resolved).startswith("/proc/"):
        raise PathError(f"{what}{path}: under /proc, not a file that can be saved")
    try:
        info = os.stat(resolved)
    except FileNotFoundError:
        return resolved
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise PathError(f"{what}{path}: a loop of symbolic links, not a file that can be written") from None
        if error.errno == errno.ENOTDIR:
            raise PathError(f"{what}{path}: a part of the path is a file, not a folder") from None
        raise
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(f"{what}{path} is a folder, expected a file name")
    if not stat.S_ISREG(info.st_mode):
        kind = ("a character device" if stat.S_ISCHR(info.st_mode) else "a block device" if stat.S_ISBLK(info.st_mode)
                else "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else "a socket"
                if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise PathError(f"{what}{path} is {kind}; neuronet writes what it saves (a model, predictions, a plot, a "
                        "history, a report) only as a regular file, so give a file name")
    if any(os.path.samestat(info, stream) for stream in _standard_streams()):
        raise PathError(f"{what}{path} is this process's standard input, output or error; give a file name")
    return resolved


def check_writable(path: str | Path, what: str = "output") -> Path:
    """Fail early, before any long computation, if ``path`` could not be written later: its
    folder must exist and be writable, and the path must be a regular file or not exist yet
    (not a folder, a device, a FIFO, a link loop, a standard stream, an over-long name). An empty
    or blank name is refused too, and so is one ending in a separator (``out/``: a folder's name)."""
    _check_name(path, f"{what}: ")
    path = _resolve(Path(path), f"{what}: ")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        if folder.exists():
            raise NotADirectoryError(f"{what}: {folder} is a file, not a folder (for {path})")
        raise FileNotFoundError(f"{what}: the folder {folder} does not exist (for {path})")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"{what}: the folder {folder} is not writable (for {path})")
    if path.exists() and not os.access(path, os.W_OK):
        raise PermissionError(f"{what}: {path} is read-only; it is not replaced (make it writable, or give "
                              "another name)")
    return path


def _check_name(path: str | Path, what: str) -> None:
    """Refuse a name that cannot be a file's: an empty or blank one (``--out ''`` would otherwise fall
    back to the default output, ``--out ' '`` write a file named by a space), or one ending in a
    path separator, which names a folder (``Path`` would drop the separator and write a file)."""
    text = os.fspath(path)
    text = os.fsdecode(text) if isinstance(text, bytes) else text
    if not text.strip():
        raise PathError(f"{what}{'an empty' if not text else 'a blank'} file name ({text!r}); give a file name")
    if text.endswith(tuple(filter(None, (os.sep, os.altsep)))):
        raise PathError(f"{what}{text}: ends in {text[-1]!r}, so it names a folder, not a file; give a file name "
                        "(without the trailing separator)")


def _naming(error: OSError, path: Path) -> OSError:
    """The same OS error, about ``path`` (the target) instead of the temporary file."""
    if error.errno is None:
        return error
    named = type(error)(error.errno, error.strerror or os.strerror(error.errno), str(path))
    return named


@contextmanager
def atomic_write(path: str | Path, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """``with atomic_write("model.npz") as handle: ...``: the file appears whole, or not at all."""
    if mode not in ("w", "wb"):
        raise ConfigurationError(f"mode: expected 'w' or 'wb', got {mode!r}")
    _check_name(path, "")
    given = Path(path)
    path = _resolve(given, "")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"the folder {folder} does not exist", str(given))
    remove_stale_temporaries(path)
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        existing = None
    if existing is not None and not os.access(path, os.W_OK):  # what its owner protected stays
        raise PermissionError(errno.EACCES, "read-only; it is not replaced", str(given))
    for attempt in range(100):
        temporary = temporary_name(path)
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            break
        except FileExistsError:
            continue
        except OSError as error:
            raise _naming(error, given) from None
    else:  # pragma: no cover - 100 random names taken
        raise FileExistsError(errno.EEXIST, "could not create a temporary file beside it", str(given))
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
    except OSError as error:
        temporary.unlink(missing_ok=True)
        if error.filename in (None, str(temporary)) and error.errno is not None:
            raise _naming(error, given) from None
        raise
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
