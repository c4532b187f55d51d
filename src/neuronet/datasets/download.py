"""Download once, check, cache: the files behind ``mnist``, ``fashion_mnist`` and ``cifar10``.

- The cache folder is ``$NEURONET_DATA`` if set, else ``$XDG_CACHE_HOME/neuronet``,
  else ``~/.cache/neuronet`` (the XDG base-directory convention).
- A file is written as ``NAME.part`` and renamed to ``NAME`` only after its
  SHA-256 matches the known value, so a half or corrupted file never sits
  under the final name.
- An interrupted download (the connection broke off, or the overall deadline passed) keeps
  its ``.part`` file and the next run resumes from it with an HTTP Range request; a server
  that ignores Range makes it start again cleanly. Any other failure (a full disk, a
  server that sends more than the catalogue's size for the file, a wrong SHA-256) removes
  the ``.part`` file: what it holds is of no use.
- A download stops at the catalogue's known size: a mirror that serves more is refused,
  after reading at most one block beyond it.
- A whole download has a deadline (``deadline`` seconds, 30 minutes by default), besides
  the ``timeout`` of each network read, so a server that trickles bytes cannot hold it forever.
- Offline, the error names the URL and the folder to put the file in by hand.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import ChecksumError, ConfigurationError, DownloadError

__all__ = ["RemoteFile", "data_home", "fetch", "is_cached", "cache_status", "DownloadError", "ChecksumError"]

_CHUNK = 1 << 16
DEADLINE = 1800.0  # seconds for one whole file


@dataclass(frozen=True)
class RemoteFile:
    """A file to download: its name in the cache, where it comes from, its SHA-256 and size."""

    name: str
    url: str
    sha256: str
    size: int | None = None

    def at(self, base_url: str | None) -> "RemoteFile":
        """The same file from a mirror: ``base_url`` replaces the folder part of the URL."""
        if not base_url:
            return self
        return RemoteFile(self.name, base_url.rstrip("/") + "/" + self.url.rsplit("/", 1)[-1], self.sha256, self.size)


def data_home() -> Path:
    """The cache folder (not created here). ``NEURONET_DATA`` must name a folder (or a path where
    one can be made); ``XDG_CACHE_HOME`` is used only when it is an absolute path, as the XDG
    specification says (a relative one is ignored)."""
    value = os.environ.get("NEURONET_DATA")
    if value:
        folder = Path(value).expanduser()
        if folder.exists() and not folder.is_dir():
            raise ConfigurationError(f"NEURONET_DATA: expected a folder for the data cache, but {value!r} "
                                     "is a file")
        return folder
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "neuronet"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp(path: Path) -> Path:
    return path.with_name(f".{path.name}.verified")


def _verified(path: Path, sha256: str) -> bool:
    """Whether ``path`` has ``sha256``; the answer is remembered in a stamp file beside it (size,
    modification time, digest), so an unchanged file is hashed once, not at every listing."""
    info = path.stat()
    signature = f"{info.st_size} {info.st_mtime_ns} {sha256}"
    stamp = _stamp(path)
    try:
        if stamp.read_text(encoding="ascii") == signature:
            return True
    except (OSError, UnicodeDecodeError):
        pass
    if sha256_of(path) != sha256:
        return False
    try:
        stamp.write_text(signature, encoding="ascii")
    except OSError:
        pass  # a read-only cache still works; it is only hashed again next time
    return True


def cache_status(remote: RemoteFile, folder: Path) -> str:
    """``"cached"`` (present, SHA-256 checked), ``"damaged"`` (present, wrong SHA-256: it will be
    downloaded again) or ``"missing"``."""
    path = Path(folder) / remote.name
    if not path.is_file():
        return "missing"
    return "cached" if _verified(path, remote.sha256) else "damaged"


def is_cached(remote: RemoteFile, folder: Path) -> bool:
    """True when the file is in the cache with its expected SHA-256."""
    return cache_status(remote, folder) == "cached"


def _by_hand(remote: RemoteFile, folder: Path) -> str:
    return (f"To install it by hand, download {remote.url} on a machine with internet access and put it in "
            f"{folder}/ as {remote.name} (SHA-256 {remote.sha256}).")


def fetch(remote: RemoteFile, folder: Path | None = None, *, verbose: bool = True, timeout: float = 60.0,
          deadline: float = DEADLINE) -> Path:
    """The path of ``remote`` in the cache, downloading and checking it first if needed.
    ``timeout`` bounds each network read, ``deadline`` the whole download (seconds)."""
    if not (deadline > 0 and timeout > 0):
        raise ConfigurationError(f"timeout and deadline: expected positive seconds, got {timeout!r} and {deadline!r}")
    folder = Path(folder) if folder is not None else data_home()
    final = folder / remote.name
    damaged = ""
    if final.is_file():
        if _verified(final, remote.sha256):
            return final
        # altered or damaged since it was checked: remove it and fetch it again
        damaged = (f"The cached file {final} did not have the expected SHA-256 (damaged or altered) and was "
                   "removed. ")
        final.unlink()
        _stamp(final).unlink(missing_ok=True)
        if verbose:
            print(damaged + "Downloading it again.", file=sys.stderr)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(f"{damaged}cannot create the data folder {folder}: {error.strerror}; "
                            "set NEURONET_DATA to a writable folder") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DownloadError(f"{damaged}cannot write to the data folder {folder} (permission denied); "
                            "set NEURONET_DATA to a writable folder")
    part = folder / (remote.name + ".part")
    try:
        _download(remote, part, folder, verbose, timeout, time.monotonic() + deadline)
    except _Resumable as error:  # the .part file stays: the next run resumes from it
        raise DownloadError(damaged + str(error)) from None
    except DownloadError as error:
        _remove(part)
        raise DownloadError(damaged + str(error)) from None
    except BaseException:
        _remove(part)
        raise
    actual = sha256_of(part)
    if actual != remote.sha256:
        part.unlink()
        raise ChecksumError(f"{remote.url}: downloaded file has SHA-256 {actual}, expected {remote.sha256}; "
                            f"it was removed. Run again to retry. {_by_hand(remote, folder)}")
    os.replace(part, final)
    return final


class _Resumable(DownloadError):
    """The download stopped part-way (the connection broke off, the deadline passed): its ``.part``
    file is good as far as it goes."""


def _remove(part: Path) -> None:
    try:
        if part.is_file() and not part.is_symlink():
            part.unlink()
    except OSError:
        pass


def _download(remote: RemoteFile, part: Path, folder: Path, verbose: bool, timeout: float, deadline: float) -> None:
    offset = part.stat().st_size if part.is_file() else 0
    if remote.size is not None and offset > remote.size:  # longer than the file can be: start again
        part.unlink()
        offset = 0
    request = urllib.request.Request(remote.url, headers={"User-Agent": "neuronet"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=min(timeout, max(deadline - time.monotonic(), 0.001)))
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:  # the .part is already whole (or longer): start again
            part.unlink()
            return _download(remote, part, folder, verbose, timeout, deadline)
        raise DownloadError(f"could not download {remote.url}: HTTP {error.code} {error.reason}. "
                            f"{_by_hand(remote, folder)}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadError(f"could not download {remote.url} ({reason}): offline? {_by_hand(remote, folder)}") from None
    with response:
        resumed = offset and response.status == 206
        mode = "ab" if resumed else "wb"
        start = offset if resumed else 0
        length = response.headers.get("Content-Length")
        try:
            announced = start + int(length) if length is not None else None
        except ValueError:
            announced = None
        limit = remote.size
        if limit is not None and announced is not None and announced > limit:
            raise DownloadError(f"{remote.url}: the server offers {announced:,} bytes, but the file is "
                                f"{limit:,}; not downloaded (a wrong mirror?). {_by_hand(remote, folder)}")
        expected = announced if announced is not None else limit
        received = start
        if verbose:
            print(f"downloading {remote.url} -> {part.parent}/" + (f" (resuming at {start:,} bytes)" if start else ""),
                  file=sys.stderr)
        try:
            handle = part.open(mode)
        except OSError as error:
            raise DownloadError(f"cannot write {part}: {error.strerror}; set NEURONET_DATA to a writable "
                                "folder") from None
        try:
            with handle:
                while True:
                    if time.monotonic() > deadline:
                        raise _Resumable(f"download of {remote.url} did not finish in time (received {received:,} "
                                         "bytes); run again to resume")
                    block = response.read1(_CHUNK)  # what one read brings: the deadline is checked between them
                    if not block:
                        break
                    if limit is not None and received + len(block) > limit:
                        raise DownloadError(f"{remote.url}: the server sent more than the file's {limit:,} bytes; "
                                            f"stopped and removed (a wrong mirror?). {_by_hand(remote, folder)}")
                    try:
                        handle.write(block)
                        handle.flush()
                    except OSError as error:
                        raise DownloadError(f"cannot write {part} after {received:,} bytes: "
                                            f"{error.strerror or error} (disk full?); the partial file was "
                                            "removed") from None
                    received += len(block)
        except DownloadError:
            raise
        except OSError as error:  # closing the file on a full disk, or the connection breaking
            if isinstance(error, (ConnectionError, TimeoutError, urllib.error.URLError)) or error.errno is None:
                raise _Resumable(f"download of {remote.url} broke off after {received:,} bytes ({error}); "
                                 "run again to resume") from None
            raise DownloadError(f"cannot write {part} after {received:,} bytes: {error.strerror or error}; the "
                                "partial file was removed") from None
        except http.client.HTTPException as error:
            raise _Resumable(f"download of {remote.url} broke off after {received:,} bytes ({error!r}); "
                             "run again to resume") from None
    if expected is not None and received < expected:
        raise _Resumable(f"download of {remote.url} broke off after {received:,} of {expected:,} bytes; "
                         "run again to resume")
