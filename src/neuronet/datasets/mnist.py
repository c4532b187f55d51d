"""MNIST and Fashion-MNIST from their IDX files (gzip-compressed, as distributed).

Returns ``(X_train, y_train), (X_test, y_test)``: X float32 of shape (n, 784),
pixels scaled to [0, 1] (row-major 28x28 images); y int64 labels 0-9.
60,000 training and 10,000 test images.

IDX format: a big-endian header (two zero bytes, a type code, the number of
dimensions, then each dimension as a 4-byte integer) followed by the data.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from ..errors import DataError
from .download import RemoteFile, fetch

__all__ = ["FILES", "read_idx", "load_mnist"]

_MNIST = "https://storage.googleapis.com/cvdf-datasets/mnist/"
_FASHION = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

FILES: dict[str, dict[str, RemoteFile]] = {
    "mnist": {
        "train_images": RemoteFile("mnist-train-images-idx3-ubyte.gz", _MNIST + "train-images-idx3-ubyte.gz",
                                   "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422),
        "train_labels": RemoteFile("mnist-train-labels-idx1-ubyte.gz", _MNIST + "train-labels-idx1-ubyte.gz",
                                   "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881),
        "test_images": RemoteFile("mnist-t10k-images-idx3-ubyte.gz", _MNIST + "t10k-images-idx3-ubyte.gz",
                                  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877),
        "test_labels": RemoteFile("mnist-t10k-labels-idx1-ubyte.gz", _MNIST + "t10k-labels-idx1-ubyte.gz",
                                  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542),
    },
    "fashion_mnist": {
        "train_images": RemoteFile("fashion-train-images-idx3-ubyte.gz", _FASHION + "train-images-idx3-ubyte.gz",
                                   "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880),
        "train_labels": RemoteFile("fashion-train-labels-idx1-ubyte.gz", _FASHION + "train-labels-idx1-ubyte.gz",
                                   "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515),
        "test_images": RemoteFile("fashion-t10k-images-idx3-ubyte.gz", _FASHION + "t10k-images-idx3-ubyte.gz",
                                  "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102),
        "test_labels": RemoteFile("fashion-t10k-labels-idx1-ubyte.gz", _FASHION + "t10k-labels-idx1-ubyte.gz",
                                  "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148),
    },
}


def read_idx(path: Path) -> np.ndarray:
    """An unsigned-byte IDX array from a .gz file, with its dimensions."""
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise DataError(f"{path}: not an unsigned-byte IDX file")
    n_dims = data[3]
    header = 4 + 4 * n_dims
    shape = struct.unpack(">" + "I" * n_dims, data[4:header])
    if len(data) - header != int(np.prod(shape)):
        raise DataError(f"{path}: IDX header says {shape} but the file holds {len(data) - header} bytes")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def load_mnist(name: str = "mnist", base_url: str | None = None, folder: Path | None = None, verbose: bool = True):
    files = {part: fetch(remote.at(base_url), folder, verbose=verbose) for part, remote in FILES[name].items()}
    arrays = {part: read_idx(path) for part, path in files.items()}
    result = []
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.shape[0] != labels.shape[0]:
            raise DataError(f"{name}: {images.shape[0]} {split} images but {labels.shape[0]} labels")
        result.append(((images.reshape(images.shape[0], -1) / np.float32(255)).astype(np.float32),
                       labels.astype(np.int64)))
    return tuple(result)
