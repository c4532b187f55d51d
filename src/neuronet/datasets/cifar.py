"""CIFAR-10 from its *binary* version (never the pickled Python one).

Returns ``(X_train, y_train), (X_test, y_test)``: X float32 of shape (n, 3072),
pixels scaled to [0, 1], in the file's channel-first order (reshape to
(n, 3, 32, 32): red plane, green plane, blue plane); y int64 labels 0-9
(``CLASSES``). 50,000 training and 10,000 test images.

Each record of ``data_batch_1.bin`` ... ``data_batch_5.bin`` and ``test_batch.bin``
is 3,073 bytes: one label byte, then 1,024 red, 1,024 green and 1,024 blue
bytes. The members are read straight from the tar.gz, nothing is extracted.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np

from ..errors import DataError
from .download import RemoteFile, fetch

__all__ = ["ARCHIVE", "CLASSES", "read_batches", "load_cifar10"]

ARCHIVE = RemoteFile("cifar-10-binary.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                     "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", 170052171)
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
RECORD = 1 + 3 * 32 * 32
TRAIN_MEMBERS = [f"data_batch_{i}.bin" for i in range(1, 6)]
TEST_MEMBERS = ["test_batch.bin"]


def read_batches(archive: Path, members: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Labels and pixels of the named batch files inside the archive."""
    images, labels = [], []
    with tarfile.open(archive, "r:gz") as tar:
        by_name = {Path(info.name).name: info for info in tar.getmembers() if info.isfile()}
        for member in members:
            if member not in by_name:
                raise DataError(f"{archive}: no {member} inside; is this the CIFAR-10 binary version?")
            data = tar.extractfile(by_name[member]).read()
            if len(data) % RECORD:
                raise DataError(f"{archive}: {member} is not a whole number of {RECORD}-byte records")
            records = np.frombuffer(data, dtype=np.uint8).reshape(-1, RECORD)
            labels.append(records[:, 0].astype(np.int64))
            images.append(records[:, 1:])
    return np.concatenate(images), np.concatenate(labels)


def load_cifar10(base_url: str | None = None, folder: Path | None = None, verbose: bool = True):
    archive = fetch(ARCHIVE.at(base_url), folder, verbose=verbose)
    result = []
    for members in (TRAIN_MEMBERS, TEST_MEMBERS):
        pixels, labels = read_batches(archive, members)
        result.append(((pixels / np.float32(255)).astype(np.float32), labels))
    return tuple(result)
