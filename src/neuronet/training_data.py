"""What ``fit`` can train from, turned into what the trainer consumes.

- **Arrays** in memory (NumPy, CuPy, SciPy sparse): as they are.
- **Tables** in memory (pandas or polars DataFrames, Arrow tables) and **CSV files**: encoded by
  the network's ``TableEncoder`` (``neuronet.tables``), learned here from the training rows when
  the network has none yet. ``y`` is the target column's name, or one target per row. The
  encoder becomes ``net.encoder``, so ``predict``, ``save``, ``neuronet predict`` and ONNX export
  apply the same encoding to raw rows.
- **Streams**, for data larger than memory: a ``neuronet.tables`` source (``ParquetSource``,
  ``NpySource``, ``IterableSource``, ...), a ``.parquet`` file or folder (its encoding learned in
  one streaming pass first), a ``.npy`` file (memory-mapped), any iterable of (X, y) batches, and
  Dask arrays and DataFrames, whose partitions are computed a few at a time
  (``DASK_PARTITIONS_AT_ONCE``), never the whole collection.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .errors import ConfigurationError, DataError, MissingExtra

__all__ = ["is_in_memory_table", "is_stream", "encode_table", "stream_source", "DASK_PARTITIONS_AT_ONCE"]

DASK_PARTITIONS_AT_ONCE = 2  # Dask partitions computed together when streaming a collection


def _tables() -> Any:
    try:
        from . import tables
    except ImportError as error:  # pyarrow missing
        raise MissingExtra(f"tables need pyarrow: pip install 'neuronet[tables]' ({error})") from None
    return tables


def _is_dask(data: Any) -> bool:
    return type(data).__module__.split(".")[0] in ("dask", "dask_expr")


def is_in_memory_table(data: Any) -> bool:
    """Whether ``fit`` encodes ``data`` whole (``encode_table``) rather than streaming it: a pandas or
    polars DataFrame, an Arrow table or record batch, or a CSV path (rows of named columns read into
    memory). ``tables.is_table`` asks another question (can Arrow read it at all), and so does
    ``datasets.reads_as_table`` (does the command line read ``--data`` as an encoded table)."""
    if _is_dask(data):
        return False
    if isinstance(data, (str, os.PathLike)):
        return Path(data).suffix.lower() in (".csv", ".tsv", ".txt")
    module = type(data).__module__.split(".")[0]
    return module in ("pandas", "polars", "pyarrow") and hasattr(data, "column_names" if module == "pyarrow"
                                                                   else "columns")


def is_stream(data: Any) -> bool:
    """A source, a .npy or .parquet path, a Parquet folder, a Dask collection, or an iterable of
    batches (anything iterable that is not an array or a table)."""
    if _is_dask(data):
        return True
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        return path.suffix.lower() in (".npy", ".parquet", ".pq") or path.is_dir()
    if hasattr(data, "batches") and hasattr(data, "n_features"):
        return True
    if isinstance(data, (list, tuple)) and data and isinstance(data[0], tuple) and len(data[0]) in (2, 3) \
            and np.ndim(data[0][0]) == 2:  # a list of (X, y) batches, not rows of numbers
        return True
    if is_in_memory_table(data) or isinstance(data, (np.ndarray, list, tuple, dict)) or hasattr(data, "__array__") \
            or hasattr(data, "shape"):
        return False
    return callable(data) or hasattr(data, "__iter__")


def _target_name(y: Any) -> str | None:
    return y if isinstance(y, str) else None


def encode_table(net: Any, X: Any, y: Any, **encoding: Any) -> tuple[np.ndarray, Any]:
    """(matrix, targets) for a table ``X``: the targets are the column named ``y`` (labels as
    given), or ``y`` itself. Fits ``net.encoder`` on these rows when the network has none."""
    tables = _tables()
    table = tables.read_table(X)
    target = _target_name(y)
    encoder = getattr(net, "encoder", None)
    if encoder is None:
        encoder = tables.TableEncoder(target=target, dtype=np.dtype(net.dtype).name, **encoding).fit(table)
        net.encoder = encoder
    elif encoding:
        raise ConfigurationError(f"{', '.join(encoding)}: the network already has its encoding (net.encoder); "
                                 "set net.encoder = None to learn a new one")
    if target is not None:
        if encoder.target is None or encoder.target.name != target:
            raise DataError(f"y: the network's encoding has no target column {target!r}")
        matrix, index = encoder.transform_xy(table)
        labels = encoder.target.decode(index) if encoder.target.classes is not None else index
        return matrix, labels
    if y is None:
        raise DataError("y: expected the target column's name or one target per row, got None")
    return encoder.transform(table), y


def _dask_batches(X: Any, y: Any) -> Iterator[tuple]:
    """(X, y) per Dask partition, computed ``DASK_PARTITIONS_AT_ONCE`` at a time."""
    import dask

    if hasattr(X, "to_delayed") and not hasattr(X, "columns"):  # a Dask array: blocks along the rows
        if X.ndim != 2 or len(X.chunks[1]) != 1:
            raise DataError("X: a Dask array must be 2-D and chunked along its rows only (one block of columns)")
        blocks = [block for row in X.to_delayed() for block in row]
        targets = list(y.to_delayed().ravel()) if y is not None and hasattr(y, "to_delayed") else None
        if targets is not None and len(targets) != len(blocks):
            raise DataError(f"y: a Dask array chunked like X's rows, expected {len(blocks)} blocks, got {len(targets)}")
        for start in range(0, len(blocks), DASK_PARTITIONS_AT_ONCE):
            parts = blocks[start:start + DASK_PARTITIONS_AT_ONCE]
            wanted = parts + (targets[start:start + DASK_PARTITIONS_AT_ONCE] if targets is not None else [])
            computed = dask.compute(*wanted)
            for i in range(len(parts)):
                yield np.asarray(computed[i]), (np.asarray(computed[len(parts) + i]) if targets is not None else None)
        return
    for start in range(0, X.npartitions, DASK_PARTITIONS_AT_ONCE):  # a Dask DataFrame
        parts = [X.get_partition(i) for i in range(start, min(start + DASK_PARTITIONS_AT_ONCE, X.npartitions))]
        for frame in dask.compute(*parts):
            yield frame, None


def stream_source(net: Any, X: Any, y: Any, sample_weight: Any, *, batch_rows: int = 65536, **encoding: Any) -> Any:
    """A ``neuronet.tables`` source for a stream ``X``; a Parquet file or a Dask DataFrame is
    encoded by ``net.encoder`` (learned in one streaming pass first when the network has none)."""
    tables = _tables()
    if hasattr(X, "batches") and hasattr(X, "n_features"):
        if y is not None or sample_weight is not None:
            raise ConfigurationError("y, sample_weight: a source carries its own targets and weights; pass y=None")
        return X
    target = _target_name(y)
    if _is_dask(X):
        if hasattr(X, "columns"):  # a Dask DataFrame: learn the encoding partition by partition
            if target is None:
                raise DataError("y: with a Dask DataFrame, name the target column (y='column')")
            if getattr(net, "encoder", None) is None:
                encoder = tables.TableEncoder(target=target, dtype=np.dtype(net.dtype).name, **encoding)
                for frame, _ in _dask_batches(X, None):
                    encoder.partial_fit(frame)
                net.encoder = encoder.finish()
            encoder = net.encoder

            def encoded() -> Iterator[tuple]:
                for frame, _ in _dask_batches(X, None):
                    matrix, index = encoder.transform_xy(frame)
                    yield matrix, index

            return tables.IterableSource(encoded, n_features=encoder.width)
        if isinstance(y, str):
            raise DataError("y: with a Dask array, pass the targets as a Dask array chunked like X's rows")
        return tables.IterableSource(lambda: ((np.asarray(Xb, dtype=net.dtype), yb) for Xb, yb in _dask_batches(X, y)),
                                     n_features=int(X.shape[1]))
    if isinstance(X, (str, os.PathLike)) and (Path(X).suffix.lower() in (".parquet", ".pq") or Path(X).is_dir()):
        if sample_weight is not None:
            raise ConfigurationError("sample_weight: a Parquet source takes its weights as a column")
        if getattr(net, "encoder", None) is None:
            if target is None:
                raise DataError("y: with a Parquet file, name the target column (y='column')")
            net.encoder = tables.TableEncoder(target=target, dtype=np.dtype(net.dtype).name, **encoding).fit(X)
        return tables.ParquetSource(X, encoder=net.encoder)
    if isinstance(X, (str, os.PathLike)):
        return tables.as_source(X, y, sample_weight)
    if y is not None or sample_weight is not None:
        raise ConfigurationError("y, sample_weight: an iterable of batches carries its own targets; pass y=None")
    return tables.IterableSource(X)
