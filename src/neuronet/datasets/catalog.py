"""The catalogue of named datasets: ``load(name)``, ``names()``, and what is cached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConfigurationError
from .bundled import BUNDLED, load_bundled
from .download import cache_status, data_home

__all__ = ["DOWNLOADED", "load", "names", "catalogue"]


DOWNLOADED = {
    "mnist": "handwritten digits, 70,000 28x28 images, 10 classes (download 11 MB)",
    "fashion_mnist": "clothing, 70,000 28x28 images, 10 classes (download 30 MB)",
    "cifar10": "colour photos, 60,000 32x32x3 images, 10 classes (download 163 MB)",
}


def names() -> list[str]:
    """Every name ``load`` accepts."""
    return [*BUNDLED, *DOWNLOADED]


def load(name: str, *, base_url: str | None = None, folder: str | Path | None = None, verbose: bool = True) -> Any:
    """``(X_train, y_train), (X_test, y_test)`` for a dataset name.

    For the downloaded sets, ``base_url`` points at a mirror holding the same files and
    ``folder`` overrides the cache folder.
    """
    if name in BUNDLED:
        return load_bundled(name)
    folder = Path(folder) if folder is not None else None
    if name in ("mnist", "fashion_mnist"):
        from .mnist import load_mnist

        return load_mnist(name, base_url=base_url, folder=folder, verbose=verbose)
    if name == "cifar10":
        from .cifar import load_cifar10

        return load_cifar10(base_url=base_url, folder=folder, verbose=verbose)
    raise ConfigurationError(f"dataset: unknown name {name!r}; expected one of {names()}")


def catalogue(folder: str | Path | None = None) -> list[dict[str, Any]]:
    """One entry per dataset: name, description, kind (bundled/download), whether it is available,
    and for the downloaded ones ``status``: cached (SHA-256 checked), damaged (will be fetched again)
    or missing."""
    from .cifar import ARCHIVE
    from .mnist import FILES

    folder = Path(folder) if folder is not None else data_home()
    entries = [{"name": n, "description": d, "kind": "bundled", "available": True} for n, d in BUNDLED.items()]
    remote = {"mnist": list(FILES["mnist"].values()), "fashion_mnist": list(FILES["fashion_mnist"].values()),
              "cifar10": [ARCHIVE]}
    for name, description in DOWNLOADED.items():
        states = [cache_status(file, folder) for file in remote[name]]
        status = "cached" if all(s == "cached" for s in states) else ("damaged" if "damaged" in states else "missing")
        entries.append({"name": name, "description": description, "kind": "download", "available": status == "cached",
                        "status": status})
    return entries
