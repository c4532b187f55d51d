"""Download once, check, cache: the files behind ``mnist``, ``fashion_mnist`` and ``cifar10``.

- The cache folder is ``$NEURONET_DATA`` if set, else ``$XDG_CACHE_HOME/neuronet``,
  else ``~/.cache/neuronet`` (the XDG base-directory convention).
- A file is written as ``NAME.part`` and renamed to ``NAME`` only after its
  SHA-256 matches the known value, so a half or corrupted file never sits
  under the final name.
- An interrupted download resumes from the ``.part`` file with an HTTP Range
  request; a server that ignores Range makes it start again cleanly.
- Offline, the error names the URL and the folder to put the file in by hand.
"""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import ChecksumError, DownloadError

__all__ = ["RemoteFile", "data_home", "fetch", "is_cached", "cache_status", "DownloadError", "ChecksumError"]

_CHUNK = 1 << 16


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
    """The cache folder (not created here)."""
    if os.environ.get("NEURONET_DATA"):
        return Path(os.environ["NEURONET_DATA"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
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


def fetch(remote: RemoteFile, folder: Path | None = None, *, verbose: bool = True, timeout: float = 60.0) -> Path:
    """The path of ``remote`` in the cache, downloading and checking it first if needed."""
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
        _download(remote, part, folder, verbose, timeout)
    except DownloadError as error:
        raise DownloadError(damaged + str(error)) from None
    actual = sha256_of(part)
    if actual != remote.sha256:
        part.unlink()
        raise ChecksumError(f"{remote.url}: downloaded file has SHA-256 {actual}, expected {remote.sha256}; "
                            f"it was removed. Run again to retry. {_by_hand(remote, folder)}")
    os.replace(part, final)
    return final


def _download(remote: RemoteFile, part: Path, folder: Path, verbose: bool, timeout: float) -> None:
    offset = part.stat().st_size if part.is_file() else 0
    request = urllib.request.Request(remote.url, headers={"User-Agent": "neuronet"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:  # the .part is already whole (or longer): start again
            part.unlink()
            return _download(remote, part, folder, verbose, timeout)
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
        expected = start + int(length) if length is not None else remote.size
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
                for block in iter(lambda: response.read(_CHUNK), b""):
                    try:
                        handle.write(block)
                    except OSError as error:
                        raise DownloadError(f"cannot write {part} after {received:,} bytes: {error.strerror} "
                                            "(disk full?)") from None
                    received += len(block)
        except (OSError, urllib.error.URLError, ConnectionError) as error:
            if isinstance(error, DownloadError):
                raise
            raise DownloadError(f"download of {remote.url} broke off after {received:,} bytes ({error}); "
                                "run again to resume") from None
    if expected is not None and received < expected:
        raise DownloadError(f"download of {remote.url} broke off after {received:,} of {expected:,} bytes; "
                            "run again to resume")
