"""The registry of named datasets: ``load(name)``, ``names()``, and what is cached.

Each entry says how to load the set and, for a downloaded one, which files it needs, so
``neuronet datasets`` can say what is cached without loading anything. ``register`` adds a
dataset to ``load``, ``neuronet train --data`` and ``neuronet datasets`` at once. The bundled
tables (``penguins``, ``cars``: kind "table") are registered by ``resolve``, which encodes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import ConfigurationError
from .bundled import BUNDLED, load_bundled
from .cifar import ARCHIVE, load_cifar10
from .download import RemoteFile, cache_status, data_home
from .mnist import FILES, load_mnist

__all__ = ["Dataset", "DATASETS", "register", "load", "names", "catalogue"]


@dataclass(frozen=True)
class Dataset:
    """A named dataset. ``loader(base_url=, folder=, verbose=)`` returns ``(X_train, y_train),
    (X_test, y_test)``; ``files()`` lists what a downloaded set fetches (None for a bundled one)."""

    name: str
    description: str
    loader: Callable[..., Any]
    files: Callable[[], tuple[RemoteFile, ...]] | None = field(default=None)
    table: bool = False  # a table with text columns and missing values (``datasets.tables``)

    @property
    def kind(self) -> str:
        return "table" if self.table else "download" if self.files is not None else "bundled"


DATASETS: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    if not isinstance(dataset, Dataset) or not dataset.name.isidentifier() or dataset.name in DATASETS:
        raise ConfigurationError(f"register: expected a Dataset with a new name, got {dataset!r}")
    DATASETS[dataset.name] = dataset
    return dataset


for _name, _description in BUNDLED.items():
    register(Dataset(_name, _description, lambda name=_name, **_: load_bundled(name)))
register(Dataset("mnist", "handwritten digits, 70,000 28x28 images, 10 classes (download 11 MB)",
                 lambda **options: load_mnist("mnist", **options), lambda: tuple(FILES["mnist"].values())))
register(Dataset("fashion_mnist", "clothing, 70,000 28x28 images, 10 classes (download 30 MB)",
                 lambda **options: load_mnist("fashion_mnist", **options),
                 lambda: tuple(FILES["fashion_mnist"].values())))
register(Dataset("cifar10", "colour photos, 60,000 32x32x3 images, 10 classes (download 163 MB)",
                 load_cifar10, lambda: (ARCHIVE,)))


def names() -> list[str]:
    """Every name ``load`` accepts."""
    return list(DATASETS)


def load(name: str, *, base_url: str | None = None, folder: str | Path | None = None, verbose: bool = True) -> Any:
    """``(X_train, y_train), (X_test, y_test)`` for a dataset name.

    For the downloaded sets, ``base_url`` points at a mirror holding the same files and
    ``folder`` overrides the cache folder.
    """
    if name not in DATASETS:
        raise ConfigurationError(f"dataset: unknown name {name!r}; expected one of {names()}")
    return DATASETS[name].loader(base_url=base_url, folder=Path(folder) if folder is not None else None,
                                 verbose=verbose)


def catalogue(folder: str | Path | None = None) -> list[dict[str, Any]]:
    """One entry per dataset: name, description, kind (bundled/download), whether it is available,
    and for the downloaded ones ``status``: cached (SHA-256 checked), damaged (will be fetched again)
    or missing."""
    folder = Path(folder) if folder is not None else data_home()
    entries = []
    for dataset in DATASETS.values():
        entry = {"name": dataset.name, "description": dataset.description, "kind": dataset.kind, "available": True}
        if dataset.files is not None:
            states = [cache_status(file, folder) for file in dataset.files()]
            status = "cached" if all(s == "cached" for s in states) else ("damaged" if "damaged" in states else "missing")
            entry.update(available=status == "cached", status=status)
        entries.append(entry)
    return entries
