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

__all__ = ["RemoteFile", "data_home", "fetch", "is_cached", "DownloadError", "ChecksumError"]

_CHUNK = 1 << 16


class DownloadError(OSError):
    """A file could not be downloaded; the message says how to get it by hand."""


class ChecksumError(DownloadError):
    """A downloaded or cached file does not have the expected SHA-256."""


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


def is_cached(remote: RemoteFile, folder: Path) -> bool:
    return (folder / remote.name).is_file()


def _by_hand(remote: RemoteFile, folder: Path) -> str:
    return (f"To install it by hand, download {remote.url} on a machine with internet access and put it in "
            f"{folder}/ as {remote.name} (SHA-256 {remote.sha256}).")


def fetch(remote: RemoteFile, folder: Path | None = None, *, verbose: bool = True, timeout: float = 60.0) -> Path:
    """The path of ``remote`` in the cache, downloading and checking it first if needed."""
    folder = Path(folder) if folder is not None else data_home()
    final = folder / remote.name
    if final.is_file():
        if sha256_of(final) == remote.sha256:
            return final
        final.unlink()  # altered or damaged since it was checked: fetch it again
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(f"cannot create the data folder {folder}: {error.strerror}; "
                            "set NEURONET_DATA to a writable folder") from None
    part = folder / (remote.name + ".part")
    _download(remote, part, folder, verbose, timeout)
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
            with part.open(mode) as handle:
                for block in iter(lambda: response.read(_CHUNK), b""):
                    handle.write(block)
                    received += len(block)
        except (OSError, urllib.error.URLError, ConnectionError) as error:
            raise DownloadError(f"download of {remote.url} broke off after {received:,} bytes ({error}); "
                                "run again to resume") from None
    if expected is not None and received < expected:
        raise DownloadError(f"download of {remote.url} broke off after {received:,} of {expected:,} bytes; "
                            "run again to resume")
