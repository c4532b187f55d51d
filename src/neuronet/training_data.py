"""What ``fit`` can train from, turned into what the trainer consumes.

- **Arrays** in memory (NumPy, CuPy, SciPy sparse): as they are.
- **Tables** in memory (pandas or polars DataFrames, Arrow tables, dicts of columns) and **CSV files**: encoded by
  the network's ``TableEncoder`` (``neuronet.tables``), learned here from the training rows when
  the network has none yet. ``y`` is the target column's name, or one target per row. The
  encoder becomes ``net.encoder``, so ``predict``, ``save``, ``neuronet predict`` and ONNX export
  apply the same encoding to raw rows.
- **Streams**, for data larger than memory: a ``neuronet.tables`` source (``ParquetSource``,
  ``NpySource``, ``IterableSource``, ...), a ``.parquet`` file or folder (its encoding learned in
  one streaming pass first), a ``.npy`` file (memory-mapped), any iterable of (X, y) batches, and
  Dask arrays and DataFrames, whose partitions are computed a few at a time
  (``DASK_PARTITIONS_AT_ONCE``), never the whole collection. A Dask array's ``y`` and
  ``sample_weight`` (Dask or NumPy arrays) are cut along X's row blocks; a Dask DataFrame takes no
  sample weights.
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
    if isinstance(data, dict) and not hasattr(data, "shape"):  # a dict of columns (not a sparse dok matrix)
        return True
    module = type(data).__module__.split(".")[0]
    if module == "polars":  # by type: asking a LazyFrame for its columns resolves its whole plan
        return type(data).__name__ in ("DataFrame", "LazyFrame")
    return module in ("pandas", "pyarrow") and hasattr(data, "column_names" if module == "pyarrow" else "columns")


def is_dask_frame(data: Any) -> bool:
    """Whether ``data`` is a Dask DataFrame (or Series)."""
    return _is_dask(data) and not hasattr(data, "chunks")


def has_columns(data: Any) -> bool:
    """Whether ``data`` is rows of named columns (a table in memory, a path, a Dask DataFrame), which
    a network reads through a table encoding; checked by type, without reading anything."""
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        return path.suffix.lower() in (".csv", ".tsv", ".txt", ".parquet", ".pq") or path.is_dir()
    return is_in_memory_table(data) or is_dask_frame(data)


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


def new_encoder(net: Any, target: str | None, encoding: dict) -> Any:
    """An unfitted ``TableEncoder`` for ``net`` with the options of ``fit(..., encoding=...)``; a
    ``ConfigurationError`` naming an option it does not have."""
    import inspect

    tables = _tables()
    options = [name for name in inspect.signature(tables.TableEncoder).parameters if name not in ("target", "dtype")]
    for name in encoding:
        if name not in options:
            raise ConfigurationError(f"encoding: unknown option {name!r} (options: {', '.join(options)})")
    return tables.TableEncoder(target=target, dtype=np.dtype(net.dtype).name, **encoding)


def check_target_name(net: Any, y: Any) -> None:
    """A ``DataError`` when ``y``, a column name, is not the target the network's encoding was
    learned for (or the network has no table encoding to read it with)."""
    encoder = getattr(net, "encoder", None)
    if encoder is None:
        raise DataError(f"y: {y!r} is a column name, and this network has no table encoding (fit it on a table, "
                        "or set net.encoder)")
    if encoder.target is None:
        raise DataError(f"y: the network's encoding has no target column; pass the targets, not the name {y!r}")
    if encoder.target.name != y:
        raise DataError(f"y: the network was trained to predict {encoder.target.name!r}, not {y!r}")


def _keep_encoding(net: Any, target: str | None, encoding: dict) -> None:
    """The checks for data read through the encoding the network already has: no new encoding
    options, and ``target`` (a column name, or None) the one it was learned for."""
    if encoding:
        raise ConfigurationError(f"{', '.join(encoding)}: the network already has its encoding (net.encoder); "
                                 "set net.encoder = None to learn a new one")
    if target is not None:
        check_target_name(net, target)


def column_needs_table(y: str, instead: str = "with arrays, pass one target per row") -> DataError:
    """The error for a column name ``y`` given with data that has no columns (``instead``: what to pass)."""
    return DataError(f"y: {y!r}: a column name as y needs a table (a DataFrame, an Arrow table, a CSV or Parquet "
                     f"file); {instead}")


def check_lazy(X: Any) -> None:
    """A ``DataError`` for a polars LazyFrame: it is a query, not rows."""
    if type(X).__module__.split(".")[0] == "polars" and type(X).__name__ == "LazyFrame":
        raise DataError("X: a polars LazyFrame is a query, not rows; pass X.collect()")


def encode_table(net: Any, X: Any, y: Any, **encoding: Any) -> tuple[np.ndarray, Any]:
    """(matrix, targets) for a table ``X``: the targets are the column named ``y`` (labels as
    given), or ``y`` itself. Fits ``net.encoder`` on these rows when the network has none."""
    check_lazy(X)
    tables = _tables()
    target = _target_name(y)
    encoder = getattr(net, "encoder", None)
    if encoder is None:
        fresh = new_encoder(net, target, encoding)
        table = tables.read_table(X)
        encoder = fresh.fit(table)
        net.encoder = encoder
    else:
        _keep_encoding(net, target, encoding)
        table = tables.read_table(X)
    if target is not None:
        matrix, index = encoder.transform_xy(table)
        labels = encoder.target.decode(index) if encoder.target.classes is not None else index
        return matrix, labels
    if y is None:
        raise DataError("y: expected the target column's name or one target per row, got None")
    return encoder.transform(table), y


def _by_rows(part: Any, name: str, X: Any) -> list | None:
    """``part`` (y or sample_weight: a Dask or NumPy array, or None) cut into X's row blocks: a Dask
    array is rechunked to X's rows, a NumPy array sliced by them."""
    if part is None:
        return None
    rows = X.chunks[0]
    if any(np.isnan(size) for size in rows):
        raise DataError("X: a Dask array with unknown chunk sizes; call X.compute_chunk_sizes() first")
    n = int(sum(rows))
    shape = getattr(part, "shape", None)
    if shape is None or len(shape) == 0 or (not np.isnan(shape[0]) and shape[0] != n):
        raise DataError(f"{name}: expected {n} values (one per row of X), got shape {shape}")
    if _is_dask(part):
        if not hasattr(part, "chunks"):  # a Dask Series
            part = part.to_dask_array(lengths=True)
        if any(np.isnan(size) for size in part.chunks[0]):
            raise DataError(f"{name}: a Dask array with unknown chunk sizes; call {name}.compute_chunk_sizes() first")
        if part.chunks[0] != rows:  # chunked unlike X: cut along X's row blocks
            part = part.rechunk({0: rows} if part.ndim == 1 else {0: rows, **{i: -1 for i in range(1, part.ndim)}})
        return list(part.to_delayed().ravel())
    part = np.asarray(part)
    bounds = np.cumsum((0,) + tuple(int(size) for size in rows))
    return [part[bounds[i]:bounds[i + 1]] for i in range(len(rows))]


def _dask_batches(X: Any, y: Any, sample_weight: Any = None) -> Iterator[tuple]:
    """(X, y) or (X, y, sample_weight) per Dask partition, computed ``DASK_PARTITIONS_AT_ONCE`` at a
    time."""
    import dask

    if hasattr(X, "to_delayed") and not hasattr(X, "columns"):  # a Dask array: blocks along the rows
        if X.ndim != 2 or len(X.chunks[1]) != 1:
            raise DataError("X: a Dask array must be 2-D and chunked along its rows only (one block of columns)")
        blocks = [block for row in X.to_delayed() for block in row]
        targets, weights = _by_rows(y, "y", X), _by_rows(sample_weight, "sample_weight", X)
        for start in range(0, len(blocks), DASK_PARTITIONS_AT_ONCE):
            at = slice(start, start + DASK_PARTITIONS_AT_ONCE)
            wanted = [blocks[at]] + [part[at] for part in (targets, weights) if part is not None]
            computed = iter(dask.compute(*wanted))
            parts = [next(computed), *(next(computed) if part is not None else None for part in (targets, weights))]
            for i in range(len(parts[0])):
                batch = tuple(None if part is None else np.asarray(part[i]) for part in parts)
                yield batch if weights is not None else batch[:2]
        return
    for start in range(0, X.npartitions, DASK_PARTITIONS_AT_ONCE):  # a Dask DataFrame
        parts = [X.get_partition(i) for i in range(start, min(start + DASK_PARTITIONS_AT_ONCE, X.npartitions))]
        for frame in dask.compute(*parts):
            yield frame, None


def classes_as_given(labels: np.dtype, classes: np.ndarray) -> np.ndarray:
    """``classes`` as ``validation.infer_classes`` decided them for labels of dtype ``labels``, but
    the two classes of bool labels as ``[False, True]``, so that predictions come back as given."""
    return np.array([False, True]) if labels.kind == "b" and len(classes) == 2 else classes


def _dask_classes(net: Any, y: Any, n_classes: int) -> np.ndarray | None:
    """The classes of one label per row ``y`` (a Dask or NumPy array, or a Dask Series), from its
    distinct labels found in one pass over ``y``, decided as for labels in memory
    (``validation.infer_classes``: 0..K-1 for such integers, else the sorted labels; bools stay
    bools); set as ``net.classes``. None for one-hot rows."""
    from .validation import infer_classes

    if _is_dask(y) and not hasattr(y, "chunks"):  # a Dask Series
        y = y.to_dask_array(lengths=True)
    if len(y.shape) != 1:
        return None
    if _is_dask(y):
        import dask.array as da

        distinct = np.asarray(da.unique(y).compute())
    else:
        distinct = np.unique(np.asarray(y))
    classes = classes_as_given(distinct.dtype, infer_classes(distinct, n_classes))
    net.classes = classes
    return classes


def stream_source(net: Any, X: Any, y: Any, sample_weight: Any, *, batch_rows: int = 65536,
                  n_classes: int | None = None, **encoding: Any) -> Any:
    """A ``neuronet.tables`` source for a stream ``X``; a Parquet file or a Dask DataFrame is
    encoded by ``net.encoder`` (learned in one streaming pass first when the network has none).
    A source with its own encoder (``ParquetSource(..., encoder=enc)``) gives it to the network.
    ``n_classes`` (a classification loss's): a Dask array's labels are encoded as class indices,
    the classes learned in one pass over ``y`` first, as labels in memory are."""
    tables = _tables()
    if hasattr(X, "batches") and hasattr(X, "n_features"):
        if y is not None or sample_weight is not None:
            raise ConfigurationError("y, sample_weight: a source carries its own targets and weights; pass y=None")
        own = getattr(X, "encoder", None)
        if own is not None and getattr(net, "encoder", None) is None:
            net.encoder = own  # predict, save and export then read raw rows as the source did
        elif own is not None and own is not net.encoder:
            raise ConfigurationError("X: the source encodes with another encoder than the network's (net.encoder); "
                                     "pass encoder=net.encoder, or set net.encoder = None first")
        return X
    target = _target_name(y)
    if _is_dask(X):
        if hasattr(X, "columns"):  # a Dask DataFrame: learn the encoding partition by partition
            if target is None:
                raise DataError("y: with a Dask DataFrame, name the target column (y='column')")
            if sample_weight is not None:
                raise ConfigurationError("sample_weight: a Dask DataFrame cannot carry sample weights; stream the "
                                         "batches with their weights (IterableSource of (X, y, w)), or write them "
                                         "as a column of a Parquet file (ParquetSource(..., weight='column'))")
            if getattr(net, "encoder", None) is None:
                encoder = new_encoder(net, target, encoding)
                for frame, _ in _dask_batches(X, None):
                    encoder.partial_fit(frame)
                net.encoder = encoder.finish()
            else:
                _keep_encoding(net, target, encoding)
            encoder = net.encoder

            def encoded() -> Iterator[tuple]:
                for frame, _ in _dask_batches(X, None):
                    matrix, index = encoder.transform_xy(frame)
                    yield matrix, index

            return tables.IterableSource(encoded, n_features=encoder.width)
        if isinstance(y, str):
            raise DataError("y: with a Dask array, pass the targets as a Dask array chunked like X's rows")
        if y is None:
            raise DataError("y: the Dask array X has no targets; pass y, a Dask or NumPy array with one per row")
        if sample_weight is not None and not _is_dask(sample_weight):
            from .weights import sample_weights

            sample_weight = sample_weights(sample_weight, int(X.shape[0]))  # all zero, NaN, wrong length: now

        _by_rows(y, "y", X)  # a length unlike X's: refused before training
        _by_rows(sample_weight, "sample_weight", X)
        classes = None if n_classes is None else _dask_classes(net, y, n_classes)

        def cast(batches: Iterator[tuple]) -> Iterator[tuple]:
            from .validation import encode_labels

            for Xb, yb, *rest in batches:
                yield (np.asarray(Xb, dtype=net.dtype), yb if classes is None else encode_labels(yb, classes), *rest)

        weighted = () if sample_weight is None else (sample_weight,)
        return tables.IterableSource(lambda: cast(_dask_batches(X, y, *weighted)), n_features=int(X.shape[1]))
    if isinstance(X, (str, os.PathLike)) and (Path(X).suffix.lower() in (".parquet", ".pq") or Path(X).is_dir()):
        if sample_weight is not None:
            raise ConfigurationError("sample_weight: a Parquet source takes its weights as a column")
        if getattr(net, "encoder", None) is None:
            if target is None:
                raise DataError("y: with a Parquet file, name the target column (y='column')")
            net.encoder = new_encoder(net, target, encoding).fit(X)
        else:
            _keep_encoding(net, target, encoding)
        return tables.ParquetSource(X, encoder=net.encoder)
    if isinstance(X, (str, os.PathLike)):
        if isinstance(y, str) and Path(y).suffix.lower() != ".npy":
            raise column_needs_table(y, "with a .npy file, pass the targets as an array or a .npy path")
        source = tables.as_source(X, y, sample_weight)
        if getattr(source, "sample_weight", None) is not None:  # the in-memory checks, before training
            from .weights import sample_weights

            sample_weights(np.asarray(source.sample_weight), source.n_rows)
        return source
    if y is not None or sample_weight is not None:
        raise ConfigurationError("y, sample_weight: an iterable of batches carries its own targets; pass y=None")
    return tables.IterableSource(X)
