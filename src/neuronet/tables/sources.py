"""Where training batches come from: arrays in memory, or data larger than memory, streamed.

    >>> source = ParquetSource("big.parquet", encoder=encoder)            # doctest: +SKIP
    >>> for X, y, w in source.batches(256, rng=np.random.default_rng(0)):  # one epoch
    ...     trainer.step(X, y, w)

A **source** is any object with ``batches(batch_size, *, rng=None) -> iterator of Batch`` (one
epoch per call; ``Batch`` is ``(X, y, sample_weight)``, y and the weights None where there are
none), ``n_features`` (the width of X) and ``n_rows`` (rows per epoch, None when unknown). Every
row is in exactly one batch per epoch; every batch has ``batch_size`` rows except the epoch's
last. ``rng=None`` keeps the stored order.

| source | reads | with an ``rng``, the order of an epoch is |
|---|---|---|
| ``ArraySource(X, y, w)`` | arrays in memory | a uniform random permutation of all rows |
| ``NpySource("X.npy", y)`` | a memory-mapped ``.npy``, ``block_rows`` contiguous rows at a time | blocks in random order, through the shuffle buffer |
| ``ParquetSource(path, ...)`` | a Parquet file or folder, ``read_rows`` rows at a time (through a ``TableEncoder``, or numeric columns as they are) | row groups in random order, through the shuffle buffer |
| ``IterableSource(batches)`` | any iterable of (X, y) or (X, y, w), or a function returning one per epoch (its width read from the first batch) | as they come, through the shuffle buffer |

**What randomness you get** from the streamed sources: the units of the data (row groups, or
blocks of ``block_rows`` rows) are read in a uniformly random order (``rng.permutation``); their
rows enter a buffer of ``buffer_rows`` rows, and each batch is drawn from the rows in the buffer
uniformly without replacement (``rng.choice``); the buffer is refilled as it empties and, at the
end of the epoch, the rows left are emitted in a random permutation. So a batch mixes rows from
the last few units read, not from the whole file: two rows further apart than ``buffer_rows`` plus
a unit's rows are rarely in one batch. The shuffle is a uniform permutation of the epoch when
``buffer_rows`` is at least the number of rows. Everything random comes from the ``numpy``
``Generator`` passed in: the same seed gives the same batches.

``train_epoch(trainer, source, batch_size, rng=...)`` runs one epoch of a ``neuronet.trainer.Trainer``
over a source, a run of batches per ``Trainer.run_epoch`` call (so the compiled step applies);
``as_source(data, y, ...)`` picks the source for what ``fit`` is given.

**Memory** stays bounded by the buffer (``buffer_rows`` rows), one unit being read (``read_rows``
or ``block_rows`` rows; a Parquet reader also holds one row group's compressed column chunks), and
one batch, whatever the size of the data.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Protocol, runtime_checkable

import numpy as np

from ..errors import ConfigurationError, DataError

__all__ = ["Batch", "Source", "ArraySource", "NpySource", "ParquetSource", "IterableSource", "ShuffleBuffer",
           "as_source", "train_epoch"]

DEFAULT_BUFFER_ROWS = 65536
DEFAULT_READ_ROWS = 16384


class Batch(NamedTuple):
    X: np.ndarray
    y: np.ndarray | None
    sample_weight: np.ndarray | None


@runtime_checkable
class Source(Protocol):
    """What a trainer consumes: one epoch of batches per ``batches`` call."""

    n_features: int
    n_rows: int | None

    def batches(self, batch_size: int, *, rng: np.random.Generator | None = None) -> Iterator[Batch]:
        ...


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigurationError(f"{name}: expected a whole number >= 1, got {value!r}")
    return int(value)


def _rng(rng: Any) -> np.random.Generator | None:
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ConfigurationError(f"rng: expected a numpy.random.Generator or None, got {type(rng).__name__}")
    return rng


def _parts(batch: Batch) -> tuple:
    return tuple(part for part in batch if part is not None)


def _batch(parts: tuple, has_y: bool, has_w: bool) -> Batch:
    items = iter(parts)
    X = next(items)
    return Batch(X, next(items) if has_y else None, next(items) if has_w else None)


class ShuffleBuffer:
    """A buffer of at most ``capacity`` rows from which batches are drawn uniformly without
    replacement (see the module's docstring). ``push`` adds rows and yields the batches that became
    due; ``drain`` yields the rest in a random order. ``peak`` is the most rows it ever held."""

    def __init__(self, capacity: int, batch_size: int, rng: np.random.Generator) -> None:
        self.batch_size = _positive("batch_size", batch_size)
        self.capacity = max(_positive("buffer_rows", capacity), self.batch_size)
        self.rng = rng
        self.buffers: list[np.ndarray] | None = None
        self.size = 0
        self.peak = 0

    def _allocate(self, parts: tuple) -> None:
        if self.buffers is None:
            self.buffers = [np.empty((self.capacity, *np.shape(part)[1:]), dtype=np.asarray(part).dtype)
                            for part in parts]
        elif len(parts) != len(self.buffers) or any(np.shape(part)[1:] != buffer.shape[1:]
                                                     for part, buffer in zip(parts, self.buffers)):
            raise DataError("batches: every batch must have the same parts (X, y, weights) and row widths")

    def push(self, parts: tuple) -> Iterator[tuple]:
        self._allocate(parts)
        n, start = len(parts[0]), 0
        while start < n:
            take = min(self.capacity - self.size, n - start)
            for buffer, part in zip(self.buffers, parts):
                buffer[self.size:self.size + take] = part[start:start + take]
            self.size += take
            start += take
            self.peak = max(self.peak, self.size)
            if self.size == self.capacity:
                yield self._draw(self.batch_size)

    def _draw(self, count: int) -> tuple:
        pick = self.rng.choice(self.size, size=count, replace=False)
        drawn = tuple(buffer[pick] for buffer in self.buffers)
        remaining = self.size - count
        holes = pick[pick < remaining]               # emptied rows below the new end ...
        moved = np.ones(self.size - remaining, bool)  # ... filled with the kept rows above it
        moved[pick[pick >= remaining] - remaining] = False
        tail = remaining + np.flatnonzero(moved)
        for buffer in self.buffers:
            buffer[holes] = buffer[tail]
        self.size = remaining
        return drawn

    def drain(self) -> Iterator[tuple]:
        if not self.size:
            return
        order = self.rng.permutation(self.size)
        for start in range(0, self.size, self.batch_size):
            index = order[start:start + self.batch_size]
            yield tuple(buffer[index] for buffer in self.buffers)
        self.size = 0


def _rebatch(chunks: Iterable[tuple], batch_size: int) -> Iterator[tuple]:
    """Chunks of any length as batches of exactly ``batch_size`` rows (the last one shorter), in order."""
    pending: list[tuple] = []
    held = 0
    for parts in chunks:
        pending.append(parts)
        held += len(parts[0])
        while held >= batch_size:
            joined = tuple(np.concatenate(column) if len(pending) > 1 else column[0] for column in zip(*pending))
            yield tuple(part[:batch_size] for part in joined)
            rest = tuple(part[batch_size:] for part in joined)
            held -= batch_size
            pending = [rest] if held else []
    if held:
        yield tuple(np.concatenate(column) for column in zip(*pending))


def _stream(chunks: Iterable[tuple], batch_size: int, rng: np.random.Generator | None, buffer_rows: int,
            has_y: bool, has_w: bool, monitor: Any = None) -> Iterator[Batch]:
    """Chunks of rows as batches: through a shuffle buffer with an ``rng``, in order without."""
    if rng is None:
        for parts in _rebatch(chunks, batch_size):
            yield _batch(parts, has_y, has_w)
        return
    buffer = ShuffleBuffer(buffer_rows, batch_size, rng)
    if monitor is not None:
        monitor.buffer = buffer
    for parts in chunks:
        for drawn in buffer.push(parts):
            yield _batch(drawn, has_y, has_w)
    for drawn in buffer.drain():
        yield _batch(drawn, has_y, has_w)


def _check_xyw(X: Any, y: Any, w: Any, where: str) -> tuple:
    if not isinstance(X, np.ndarray) or X.ndim != 2 or X.dtype.kind not in "fiu":
        raise DataError(f"{where}: X: expected a 2-d numeric array, got "
                        f"{getattr(X, 'shape', type(X).__name__)} {getattr(X, 'dtype', '')}")
    for name, part in (("y", y), ("sample_weight", w)):
        if part is not None and (not hasattr(part, "shape") or part.ndim == 0 or part.shape[0] != X.shape[0]):
            raise DataError(f"{where}: {name}: expected {X.shape[0]} rows (one per row of X), got "
                            f"{getattr(part, 'shape', type(part).__name__)}")
    return X, y, w


class ArraySource:
    """Arrays in memory: X (n, features), y (n, ...) or None, sample_weight (n,) or None."""

    def __init__(self, X: Any, y: Any = None, sample_weight: Any = None) -> None:
        X = np.asarray(X)
        y = None if y is None else np.asarray(y)
        w = None if sample_weight is None else np.asarray(sample_weight)
        self.X, self.y, self.sample_weight = _check_xyw(X, y, w, "ArraySource")
        self.n_rows, self.n_features = X.shape

    def batches(self, batch_size: int, *, rng: np.random.Generator | None = None) -> Iterator[Batch]:
        batch_size, rng = _positive("batch_size", batch_size), _rng(rng)
        order = rng.permutation(self.n_rows) if rng is not None else None
        for start in range(0, self.n_rows, batch_size):
            index = order[start:start + batch_size] if order is not None else slice(start, start + batch_size)
            yield Batch(self.X[index], None if self.y is None else self.y[index],
                        None if self.sample_weight is None else self.sample_weight[index])


def _npy(value: Any, name: str) -> np.ndarray | None:
    if value is None:
        return None
    if isinstance(value, (str, os.PathLike)):
        path = Path(value)
        try:
            return np.load(path, mmap_mode="r", allow_pickle=False)
        except FileNotFoundError:
            raise DataError(f"{path}: no such file") from None
        except (ValueError, OSError) as error:
            raise DataError(f"{path}: not a readable .npy array ({str(error).splitlines()[0]})") from None
    return np.asarray(value)


class NpySource:
    """X from a ``.npy`` file, memory-mapped (never read whole); y and sample_weight arrays or
    ``.npy`` paths (memory-mapped too). Read ``block_rows`` contiguous rows at a time."""

    def __init__(self, X: Any, y: Any = None, sample_weight: Any = None, *, block_rows: int = DEFAULT_READ_ROWS,
                 buffer_rows: int = DEFAULT_BUFFER_ROWS) -> None:
        self.X, self.y, self.sample_weight = _check_xyw(_npy(X, "X"), _npy(y, "y"), _npy(sample_weight, "sample_weight"),
                                                        str(X))
        self.n_rows, self.n_features = self.X.shape
        self.block_rows, self.buffer_rows = _positive("block_rows", block_rows), _positive("buffer_rows", buffer_rows)
        self.buffer: ShuffleBuffer | None = None  # the last epoch's, for inspection

    def _chunks(self, rng: np.random.Generator | None) -> Iterator[tuple]:
        starts = np.arange(0, self.n_rows, self.block_rows)
        if rng is not None:
            starts = starts[rng.permutation(len(starts))]
        for start in starts:
            stop = min(start + self.block_rows, self.n_rows)
            yield tuple(np.array(part[start:stop]) for part in (self.X, self.y, self.sample_weight) if part is not None)

    def batches(self, batch_size: int, *, rng: np.random.Generator | None = None) -> Iterator[Batch]:
        batch_size, rng = _positive("batch_size", batch_size), _rng(rng)
        return _stream(self._chunks(rng), batch_size, rng, self.buffer_rows, self.y is not None,
                       self.sample_weight is not None, self)


class ParquetSource:
    """A Parquet file or a folder of them, read ``read_rows`` rows at a time, row group by row group.

    With ``encoder`` (a fitted ``neuronet.tables.TableEncoder``), each record batch is encoded
    (``encoder.transform_xy``, or ``transform`` when it has no target) by column name. Without one,
    ``features`` (default: every column but ``target`` and ``weight``) must be numeric without
    missing values and are stacked as they are, as ``dtype``. ``weight`` names a column of sample
    weights. ``row_groups``: read only these units (positions in the list of every file's row
    groups, in file order), e.g. the training part of a split by row group.
    """

    def __init__(self, path: str | os.PathLike, *, encoder: Any = None, target: str | None = None,
                 features: list[str] | None = None, weight: str | None = None, dtype: Any = np.float32,
                 read_rows: int = DEFAULT_READ_ROWS, buffer_rows: int = DEFAULT_BUFFER_ROWS,
                 row_groups: Any = None) -> None:
        import pyarrow.parquet as pq

        from .read import parquet_files

        path = Path(path)
        if not path.exists():
            raise DataError(f"{path}: no such file or folder")
        self.path, self.encoder, self.weight, self.dtype = path, encoder, weight, np.dtype(dtype)
        self.read_rows, self.buffer_rows = _positive("read_rows", read_rows), _positive("buffer_rows", buffer_rows)
        self.files = parquet_files(path) if path.is_dir() else [path]
        self.units: list[tuple[int, int, int]] = []  # (file, row group, its first row in the file)
        self.n_rows = 0
        sizes: list[int] = []
        schema = None
        for index, file in enumerate(self.files):
            try:
                metadata = pq.ParquetFile(file).metadata
                file_schema = pq.read_schema(file)
            except Exception as error:  # noqa: BLE001 - Arrow's many error kinds for a damaged file
                raise DataError(f"{file}: cannot be read as parquet: {str(error).splitlines()[0]}") from None
            schema = schema or file_schema
            rows = [int(metadata.row_group(group).num_rows) for group in range(metadata.num_row_groups)]
            firsts = np.cumsum([0] + rows)
            self.units += [(index, group, int(firsts[group])) for group in range(metadata.num_row_groups)]
            self.n_rows += metadata.num_rows
            sizes += rows
        if row_groups is not None:
            chosen = [int(i) for i in row_groups]
            if any(i < 0 or i >= len(self.units) for i in chosen) or len(set(chosen)) != len(chosen):
                raise ConfigurationError(f"row_groups: expected distinct positions 0..{len(self.units) - 1}")
            self.units = [self.units[i] for i in chosen]
            self.n_rows = sum(sizes[i] for i in chosen)
        names = schema.names
        if encoder is not None:
            if not getattr(encoder, "fitted", False):
                raise ConfigurationError("encoder: expected a fitted TableEncoder (fit it first, e.g. on this path)")
            self.target = encoder.target.name if encoder.target is not None else None
            self.columns = [name for name, _ in encoder.input_columns] + ([self.target] if self.target else [])
            self.n_features = encoder.width
        else:
            self.target = target
            self.features = features if features is not None else [
                name for name in names if name not in (target, weight)]
            self.columns = list(self.features) + ([target] if target else [])
            self.n_features = len(self.features)
        if weight is not None:
            self.columns.append(weight)
        absent = [name for name in self.columns if name not in names]
        if absent:
            raise DataError(f"{self.files[0]}: no column {absent[0]!r} (columns: {', '.join(names[:20])})")
        self.buffer: ShuffleBuffer | None = None
        self.largest_read = 0  # the most rows one read returned (for inspection)

    def _encode(self, batch: Any, row_offset: int) -> tuple:
        weights = None
        if self.weight is not None:
            weights = np.asarray(batch.column(self.weight).to_numpy(zero_copy_only=False), dtype=np.float64)
        if self.encoder is not None:
            if self.target is not None:
                if self.weight is not None:  # keep the weights of the rows transform_xy keeps
                    weights = weights[self.encoder.target.present(batch.column(self.target))]
                X, y = self.encoder.transform_xy(batch, row_offset=row_offset)
            else:
                X, y = self.encoder.transform(batch, row_offset=row_offset), None
        else:
            X = np.empty((self.n_features, batch.num_rows), dtype=self.dtype).T  # columns written whole
            for j, name in enumerate(self.features):
                column = batch.column(name)
                if column.null_count:
                    raise DataError(f"column {name!r} has missing values; use a TableEncoder to fill them")
                X[:, j] = column.to_numpy(zero_copy_only=False)
            y = None if self.target is None else batch.column(self.target).to_numpy(zero_copy_only=False)
        return tuple(part for part in (X, y, weights) if part is not None)

    def _chunks(self, rng: np.random.Generator | None) -> Iterator[tuple]:
        import pyarrow.parquet as pq

        order = rng.permutation(len(self.units)) if rng is not None else range(len(self.units))
        handles: dict[int, Any] = {}
        for unit in order:
            file, group, offset = self.units[unit]
            if file not in handles:
                handles.clear()  # one open file at a time
                handles[file] = pq.ParquetFile(self.files[file])
            handle = handles[file]
            if handle.metadata.row_group(group).num_rows <= self.read_rows:  # small enough: one read, less overhead
                pieces = handle.read_row_group(group, columns=self.columns).to_batches()
            else:
                pieces = handle.iter_batches(batch_size=self.read_rows, row_groups=[group], columns=self.columns)
            for batch in pieces:
                self.largest_read = max(self.largest_read, batch.num_rows)
                try:
                    parts = self._encode(batch, offset)
                except DataError as error:
                    raise DataError(f"{self.files[file]}: {error}") from None
                offset += batch.num_rows
                if len(parts[0]):
                    yield parts

    def batches(self, batch_size: int, *, rng: np.random.Generator | None = None) -> Iterator[Batch]:
        batch_size, rng = _positive("batch_size", batch_size), _rng(rng)
        return _stream(self._chunks(rng), batch_size, rng, self.buffer_rows, self.target is not None,
                       self.weight is not None, self)


class IterableSource:
    """Any iterable of (X, y) or (X, y, sample_weight) batches, or a function returning a fresh one
    per epoch (an iterator can be read once: a second epoch from it is a ``DataError``). With an
    ``rng``, rows pass through the shuffle buffer; without, they are re-cut into ``batch_size`` rows."""

    def __init__(self, batches: Iterable | Callable[[], Iterable], *, n_features: int | None = None,
                 n_rows: int | None = None, buffer_rows: int = DEFAULT_BUFFER_ROWS) -> None:
        if not callable(batches) and not isinstance(batches, Iterable):
            raise ConfigurationError(f"batches: expected an iterable of (X, y) or a function returning one, got "
                                     f"{type(batches).__name__}")
        self.source, self.n_features, self.n_rows = batches, n_features, n_rows
        self.buffer_rows = _positive("buffer_rows", buffer_rows)
        self.buffer: ShuffleBuffer | None = None
        self._spent = False
        self._layout: tuple[bool, bool] | None = None
        self._held: list = []  # an iterator's first item, read to learn n_features
        if n_features is None:  # learn the width from the first batch (an iterator's is kept for the epoch)
            source = batches() if callable(batches) else batches
            if iter(source) is source and not callable(batches):
                self._held = [item for item in [next(source, None)] if item is not None]
                first = self._held[:1]
            else:
                first = [item for item in [next(iter(source), None)] if item is not None]
            if first:
                item = first[0]
                X = np.asarray(item[0]) if isinstance(item, tuple) and item else None
                self.n_features = X.shape[1] if X is not None and X.ndim == 2 else None

    def _chunks(self) -> Iterator[tuple]:
        source = self.source() if callable(self.source) else self.source
        if not callable(self.source) and iter(source) is source:  # an iterator: one pass only
            if self._spent:
                raise DataError("batches: the iterator was used up by an earlier epoch; pass a function that returns "
                                "a fresh iterable for each epoch")
            self._spent = True
            held, self._held = self._held, []
            source = itertools.chain(held, source)
        for number, item in enumerate(source):
            if not isinstance(item, tuple) or len(item) not in (2, 3):
                raise DataError(f"batches: item {number}: expected (X, y) or (X, y, sample_weight), got "
                                f"{type(item).__name__}")
            X, y, w = _check_xyw(np.asarray(item[0]), None if item[1] is None else np.asarray(item[1]),
                                 None if len(item) == 2 or item[2] is None else np.asarray(item[2]), f"batch {number}")
            layout = (y is not None, w is not None)
            if self._layout is not None and layout != self._layout:
                raise DataError(f"batches: item {number} has {'no ' if not layout[0] else ''}targets and "
                                f"{'no ' if not layout[1] else ''}weights, unlike the first")
            self._layout = layout
            if self.n_features is None:
                self.n_features = X.shape[1]
            elif X.shape[1] != self.n_features:
                raise DataError(f"batches: item {number}: X has {X.shape[1]} columns, expected {self.n_features}")
            yield tuple(part for part in (X, y, w) if part is not None)

    def batches(self, batch_size: int, *, rng: np.random.Generator | None = None) -> Iterator[Batch]:
        batch_size, rng = _positive("batch_size", batch_size), _rng(rng)
        chunks = self._chunks()
        first = next(chunks, None)
        if first is None:
            return iter(())

        def all_chunks() -> Iterator[tuple]:
            yield first
            yield from chunks

        has_y, has_w = self._layout
        return _stream(all_chunks(), batch_size, rng, self.buffer_rows, has_y, has_w, self)


def as_source(data: Any, y: Any = None, sample_weight: Any = None, **options: Any) -> Source:
    """What ``fit`` can train from, as a source: a source as it is; arrays (an ``ArraySource``); a
    ``.npy`` path (an ``NpySource``, y an array or ``.npy`` path); a Parquet file or folder (a
    ``ParquetSource``: pass ``encoder=`` or ``target=``); an iterable of (X, y) batches or a function
    returning one (an ``IterableSource``)."""
    if isinstance(data, Source) and not isinstance(data, type):
        return data
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if path.suffix.lower() == ".npy":
            return NpySource(path, y, sample_weight, **options)
        if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
            if y is not None or sample_weight is not None:
                raise ConfigurationError("y, sample_weight: a Parquet source takes them as columns (target=, weight=)")
            return ParquetSource(path, **options)
        raise DataError(f"{path}: expected a .npy file, a .parquet file or a folder of them")
    if isinstance(data, np.ndarray) or hasattr(data, "__array__"):
        return ArraySource(data, y, sample_weight)
    if callable(data) or isinstance(data, Iterable):
        return IterableSource(data, **options)
    raise DataError(f"data: expected arrays, a .npy or .parquet path, or an iterable of (X, y) batches, got "
                    f"{type(data).__name__}")


def train_epoch(trainer: Any, source: Source, batch_size: int, *, rng: np.random.Generator | None = None,
                batches_per_call: int = 16, on_batch: Any = None) -> tuple[float, int, int]:
    """One epoch of ``trainer`` (a ``neuronet.trainer.Trainer``) over ``source``: the source yields
    ``batches_per_call`` batches of rows at a time, in its shuffled order, and ``trainer.run_epoch``
    steps through them in that order, ``batch_size`` rows per step (so the compiled step runs a
    run of batches per call). Returns (mean loss over the rows, correct count, rows seen)."""
    batch_size = _positive("batch_size", batch_size)
    rows = batch_size * _positive("batches_per_call", batches_per_call)
    total, correct, seen = 0.0, 0, 0
    for X, y, w in source.batches(rows, rng=rng):
        n = X.shape[0]
        loss, right = trainer.run_epoch(X, y, np.arange(n), batch_size, w, on_batch=on_batch)
        total += loss * n
        correct += right
        seen += n
    return total / max(seen, 1), correct, seen
