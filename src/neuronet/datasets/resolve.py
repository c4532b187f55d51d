"""From what a user names to arrays: a dataset, a toy generator, a .csv/.npz file, or a table.

The command line's ``--data``, the examples and scripts all resolve data here, so a name means
the same everywhere. ``resolve`` gives train and test arrays (standardised with the training
statistics for files, when asked) and the description a model file keeps; ``data_for_model``
finds the data a saved model should be evaluated or drawn on, scaled as it was trained.

Tables (text columns, missing values, Parquet; the bundled ``penguins`` and ``cars``) go through
``resolve_table``: the rows with a target split 80/20 (stratified by class, seeded), a
``neuronet.tables.TableEncoder`` fitted on the training rows only, and, for a Parquet table over
a quarter of the free memory, a stream (``neuronet.tables.ParquetSource``) with whole row groups
held out as the test set. ``table_for_model`` finds that test part again for a saved model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigurationError, DataError
from .catalog import Dataset, load, names, register
from .files import as_pairs, csv_header, from_csv, from_npz
from .split import stratified_split, train_test_indices
from .toy import GENERATORS

__all__ = ["resolve", "standardize", "apply_preprocessing", "data_for_model", "is_named", "reads_as_table",
           "resolve_table", "table_for_model", "split_table", "should_stream", "TEST_FRACTION"]

TEST_FRACTION = 0.2  # of the rows (or, streamed, of the Parquet row groups) held out as the test set
STREAM_SHARE = 4  # a Parquet table whose uncompressed size is over 1/STREAM_SHARE of the free memory is streamed


def is_named(spec: str) -> bool:
    """True for a dataset name ``load`` knows (``digits``, ``mnist``, ...)."""
    return spec in names()


def _unknown(spec: str) -> ConfigurationError:
    return ConfigurationError(f"--data: {spec!r} is neither a dataset ({', '.join(names())}), a generator "
                              f"({', '.join(GENERATORS)}), nor a .csv, .tsv, .parquet or .npz file or a folder of "
                              ".parquet files")


def standardize(X_train: np.ndarray, *others: np.ndarray) -> tuple[dict, list[np.ndarray]]:
    """Centre and scale every array with ``X_train``'s mean and standard deviation (constant
    columns keep a scale of 1); returns the statistics as the model file stores them."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0
    return ({"mean": mean.tolist(), "std": std.tolist()}, [(X - mean) / std for X in (X_train, *others)])


def apply_preprocessing(X: np.ndarray, metadata: dict) -> np.ndarray:
    """X scaled as a model's metadata says (its ``preprocessing``), or as it is when there is none."""
    prep = (metadata or {}).get("preprocessing")
    if not prep:
        return X
    mean, std = np.asarray(prep["mean"]), np.asarray(prep["std"])
    if mean.shape[0] != X.shape[1]:
        raise DataError(f"the data has {X.shape[1]} feature columns but the model was trained on {mean.shape[0]}")
    return (X - mean) / std


def resolve(spec: str, target: str | None = None, seed: int = 0, standardize_files: bool = True,
            n_samples: int = 1000, noise: float | None = None, tables: bool = True) -> dict[str, Any]:
    """Train and test arrays for ``spec``: a dataset name (its fixed split, already scaled), a toy
    generator (``n_samples`` points, a stratified 80/20 split), or a .csv/.npz file (split 80/20
    unless the .npz holds its own test part). Generated and file data are standardised with the
    training statistics when ``standardize_files``. Returns ``X_train, y_train, X_test, y_test``
    and what describes them: ``source``, ``preprocessing``, ``features``, ``target``. A table
    (``reads_as_table``: a bundled table, a Parquet file, a CSV file with text or missing values) is
    ``resolve_table``'s, with its encoding (``tables=False``: a CSV file is read by the plain
    reader, whose numbers only a model without an encoding was trained on)."""
    path = Path(spec)
    if tables and reads_as_table(spec, target=target):
        return resolve_table(spec, target, seed)
    if is_named(spec):
        (X_train, y_train), (X_test, y_test) = load(spec)
        return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test,
                "source": spec, "preprocessing": None, "features": None, "target": None}
    if spec in GENERATORS:
        kwargs = {"n_samples": n_samples, "seed": seed}
        if noise is not None:
            kwargs["noise"] = noise
        X, y = GENERATORS[spec](**kwargs)
        train, test = stratified_split(y, 0.2, seed)
        pairs = ((X[train], y[train]), (X[test], y[test]))
        features, source = ["x1", "x2"], f"{spec} (generated, {n_samples} samples, seed {seed})"
    elif path.suffix.lower() == ".csv":
        X, y = from_csv(path, target=target)
        header = csv_header(path)
        target = target or header[-1]  # recorded, so that predict knows which column to leave out
        features = [name for name in header if name != target]
        train, test = train_test_indices(y, seed)
        pairs, source = ((X[train], y[train]), (X[test], y[test])), str(path)
    elif path.suffix.lower() == ".npz":
        pairs = as_pairs(from_npz(path))
        if pairs[1] is None:
            X, y = pairs[0]
            train, test = train_test_indices(y, seed)
            pairs = ((X[train], y[train]), (X[test], y[test]))
        features, source = None, str(path)
    else:
        raise _unknown(spec)
    (X_train, y_train), (X_test, y_test) = pairs
    preprocessing = None
    if standardize_files:
        preprocessing, (X_train, X_test) = standardize(np.asarray(X_train, float), np.asarray(X_test, float))
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test, "source": source,
            "preprocessing": preprocessing, "features": features, "target": target}


def data_for_model(net: Any, spec: str | None = None, target: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) to evaluate or draw a saved model on, scaled as the model was trained.

    With no ``spec``: the test split of the data the model was trained on (from its metadata).
    A dataset or generator name: its test split. A CSV/NPZ file: all of it (an NPZ's test
    part when it has one). A model with a table encoding (``net.encoder``): ``table_for_model``'s
    rows, encoded, y the labels as given."""
    if getattr(net, "encoder", None) is not None:
        batches, _ = table_for_model(net, spec, target)
        parts = list(batches())
        if not parts:
            raise DataError("--data: no rows with a target")
        return np.concatenate([X for X, _ in parts]), np.concatenate([y for _, y in parts])
    metadata = net.metadata or {}
    trained_on = metadata.get("dataset") or {}
    if spec is not None and spec in _bundled_tables():
        raise ConfigurationError(f"--data: {spec} is a table, but the model was trained on numbers without a table "
                                 "encoding; give the data it was trained on")
    if spec is None:
        spec = trained_on.get("spec")
        if spec is None:
            raise ConfigurationError("--data: the model does not record its data; give a dataset name or a "
                                     ".csv/.npz file")
        target = target or trained_on.get("target")
        if not (is_named(spec) or spec in GENERATORS) and not Path(spec).exists():
            raise ConfigurationError(f"--data: the model was trained on {spec}, which is not here; give --data")
    same = spec == trained_on.get("spec")
    if is_named(spec) or spec in GENERATORS or (same and spec.lower().endswith((".csv", ".npz"))):
        data = resolve(spec, target or trained_on.get("target"), int(trained_on.get("seed", 0) if same else 0),
                       standardize_files=False, noise=trained_on.get("noise") if same else None, tables=False)
        X, y = data["X_test"], data["y_test"]
    elif spec.lower().endswith(".npz"):
        (X, y), test = as_pairs(from_npz(spec))
        if test is not None:
            X, y = test
    elif spec.lower().endswith(".csv"):
        X, y = from_csv(spec, target=target or metadata.get("target"))
    else:
        raise _unknown(spec)
    return apply_preprocessing(np.asarray(X, dtype=float), metadata), np.asarray(y)


# --- tables: text columns, missing values, Parquet ------------------------------------------------
TABLE_OPTIONS = ("categorical", "numeric", "scaling")  # settings that only a table's encoding has


def _bundled_tables() -> dict:
    from .tables import TABLES

    return TABLES


def _table_kind(spec: str) -> str | None:
    """"bundled", "parquet" (a file or a folder) or "csv" for what can be read as a table; None otherwise."""
    if spec in _bundled_tables():
        return "bundled"
    path = Path(spec)
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2"):
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in (".parquet", ".pq") or (not last and path.is_dir()):
        return "parquet"
    if last in (".csv", ".tsv", ".txt"):
        return "csv"
    return None


def reads_as_table(spec: str | None, *, target: str | None = None, forced: bool = False) -> bool:
    """True when ``spec`` is read as a table with an encoding (``resolve_table``): a bundled table
    (``penguins``, ``cars``), a Parquet file or folder, a .tsv or compressed CSV, and a plain .csv
    file with a text column, a bool column or a missing value (or whenever ``forced``: an option
    only a table has was given). A .csv file of numbers only keeps the plain reader
    (``from_csv``, standardised features)."""
    if spec is None:
        return False
    kind = _table_kind(spec)
    if kind in ("bundled", "parquet"):
        return True
    if kind != "csv":
        return False
    if forced or not spec.lower().endswith(".csv"):
        return True
    from ..tables import read_table
    from ..tables.encoding import column_kind

    try:
        table = read_table(spec)
    except DataError:
        return False  # the plain reader names the line and the cell
    label = target if target in table.column_names else table.column_names[-1]
    return any(column.null_count or (name != label and column_kind(column.type) not in ("integer", "float"))
               for name, column in zip(table.column_names, table.columns))


def should_stream(path: str | Path) -> bool:
    """True when the Parquet file or folder at ``path`` holds more (uncompressed) than a quarter of
    the free memory (``neuronet.memory.available_bytes``, which ``NEURONET_MEMORY_LIMIT`` sets)."""
    from ..memory import available_bytes

    free = available_bytes()
    return free is not None and _parquet_bytes(Path(path)) * STREAM_SHARE > free


def _parquet_files(path: Path) -> list[Path]:
    from ..tables.read import parquet_files

    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    return parquet_files(path) if path.is_dir() else [path]


def _parquet_units(path: Path) -> list[tuple[Path, int, int]]:
    """(file, row group, rows) of every row group, in the order ``ParquetSource`` numbers them."""
    import pyarrow.parquet as pq

    units = []
    for file in _parquet_files(path):
        try:
            metadata = pq.ParquetFile(file).metadata
        except Exception as error:  # noqa: BLE001 - Arrow's many error kinds for a damaged file
            raise DataError(f"{file}: cannot be read as parquet: {str(error).splitlines()[0]}") from None
        units += [(file, group, metadata.row_group(group).num_rows) for group in range(metadata.num_row_groups)]
    return units


def _parquet_bytes(path: Path) -> int:
    import pyarrow.parquet as pq

    total = 0
    for file in _parquet_files(path):
        try:
            metadata = pq.ParquetFile(file).metadata
        except Exception as error:  # noqa: BLE001
            raise DataError(f"{file}: cannot be read as parquet: {str(error).splitlines()[0]}") from None
        total += sum(metadata.row_group(group).total_byte_size for group in range(metadata.num_row_groups))
    return total


def _is_classification(column: Any, task: str) -> bool:
    from ..tables.encoding import column_kind

    if task != "auto":
        return task == "classification"
    kind = column_kind(column.type)
    return kind != "float"


def split_table(table: Any, target: str, seed: int, classification: bool,
                test_fraction: float = TEST_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(train, test)`` of the rows of ``table`` that have a target: stratified by class
    for a classifier (each class split in proportion, so a rare class is in both parts when it has
    rows enough), a seeded random split for regression. The same table and seed give the same split."""
    import pyarrow.compute as pc

    from ..tables import TargetEncoder

    column = table.column(target)
    rows = np.flatnonzero(TargetEncoder(target).present(column))
    if len(rows) < 5:
        raise DataError(f"the data has only {len(rows)} rows with a target {target!r}: too few to hold out a test set")
    if classification:
        labels = np.asarray(pc.cast(column.take(rows), "string").to_pylist(), dtype=object)
        train, test = stratified_split(labels, test_fraction, seed)
        if not len(test):
            raise DataError(f"target {target!r}: every class has too few rows to hold out a test set")
    else:
        order = np.random.default_rng(seed).permutation(len(rows))
        n_test = max(1, int(len(rows) * test_fraction))
        train, test = order[n_test:], order[:n_test]
    return rows[np.sort(train)], rows[np.sort(test)]


def _locate(spec: str, target: str | None) -> tuple[Path, str | None, str]:
    """(the file or folder, the target (a bundled table's own by default), a description)."""
    if spec in _bundled_tables():
        from .tables import path as bundled_path

        return bundled_path(spec), target or _bundled_tables()[spec].target, f"{spec} (bundled table)"
    return Path(spec), target, spec


def _in(where: Any, error: DataError) -> DataError:
    """A ``DataError`` of the table's reading or encoding, with the file it is about in front (unless
    it names it, or starts with the flag it is about)."""
    message = str(error)
    return DataError(message if message.startswith((str(where), "--")) else f"{where}: {message}")


def _check_target(names: list[str], target: str | None, where: Any) -> str:
    target = target if target is not None else names[-1]
    if target not in names:
        raise DataError(f"--target: {where} has no column {target!r} (columns: {', '.join(names[:20])})")
    if len(names) < 2:
        raise DataError(f"{where}: has only the column {target!r}; a table needs feature columns besides the target")
    return target


def _fit_encoder(make: Any, train: Any, whole: Any) -> Any:
    """``make().fit(train)``; a ``DataError`` re-told with the row number in the whole table where the
    whole table has the same problem (the training rows are a subset, their numbers are not the file's)."""
    try:
        return make().fit(train)
    except DataError as error:
        try:
            make().fit(whole)
        except DataError as located:
            raise located from None
        raise error from None


def resolve_table(spec: str, target: str | None = None, seed: int = 0, *, categorical: Any = None,
                  numeric: Any = None, scaling: str | None = None, task: str = "auto", dtype: str = "float32",
                  stream: bool | None = None) -> dict[str, Any]:
    """A table (a bundled one, a CSV or Parquet file, a folder of Parquet files) split, encoded and
    ready to train on, as ``resolve`` returns it plus ``encoder`` (a ``TableEncoder`` fitted on the
    training rows only), ``task``, ``columns`` (the raw columns it reads) and ``test_batches``
    (a function giving the test part as (X, y) batches, y the labels as given).

    In memory (the default): the rows with a target are split 80/20 (``split_table``: stratified
    for classes, seeded). Streamed (a Parquet table over a quarter of the free memory, or
    ``stream=True``): whole row groups are held out as the test set (a seeded 20 %, at least one),
    the encoding is learned in one streaming pass over the others, and ``train_source`` is a
    ``neuronet.tables.ParquetSource`` of the training row groups; X_train and y_train are None."""
    from ..tables import TableEncoder, read_table

    path, target, source = _locate(spec, target)
    where = spec if spec in _bundled_tables() else path  # what messages name
    kind = "csv" if spec in _bundled_tables() else _table_kind(spec)
    if stream and kind != "parquet":
        raise ConfigurationError(f"--stream: streams a Parquet file or folder, but {spec} is not one")
    if kind == "parquet" and not path.exists():
        raise DataError(f"{path}: no such file or folder")
    streamed = kind == "parquet" and (stream if stream is not None else should_stream(path))
    settings = {"categorical": list(categorical or []), "numeric": list(numeric or []),
                "scaling": scaling or "standard", "dtype": dtype, "seed": seed}
    if streamed:
        return _streamed_table(path, target, seed, task, settings, source)
    try:
        table = read_table(path)
        target = _check_target(table.column_names, target, where)
        classification = _is_classification(table.column(target), task)
        train, test = split_table(table, target, seed, classification)
        encoder = _fit_encoder(lambda: TableEncoder(target, task=task, **settings), table.take(train), table)
        X_train, y_train = encoder.transform_xy(table.take(train))
        X_test, y_test = encoder.transform_xy(table.take(test))
    except DataError as error:
        raise _in(where, error) from None
    y_train, y_test = encoder.target.decode(y_train), encoder.target.decode(y_test)
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test, "source": source,
            "preprocessing": None, "features": encoder.feature_names, "target": target, "encoder": encoder,
            "task": encoder.target.task, "columns": [name for name, _ in encoder.input_columns], "stream": False,
            "train_source": None, "n_train": len(X_train), "n_test": len(X_test),
            "n_unlabeled": table.num_rows - len(train) - len(test),
            "test_batches": lambda: iter([(X_test, y_test)])}


def _unit_batches(units: list[tuple[Path, int, int]], columns: list[str] | None, rows: int = 65536) -> Any:
    """The record batches of the row groups ``units``, one file open at a time."""
    import pyarrow.parquet as pq

    handle, opened = None, None
    for file, group, _ in units:
        if opened != file:
            handle, opened = pq.ParquetFile(file), file
        yield from handle.iter_batches(batch_size=rows, row_groups=[group], columns=columns)


def _held_out(units: list, seed: int, where: Path) -> np.ndarray:
    """The indices of the row groups a streamed table holds out as its test set."""
    if len(units) < 2:
        raise DataError(f"{where}: has one row group; a streamed table holds out whole row groups as its test set, "
                        "so write it with several (pyarrow.parquet.write_table(..., row_group_size=...))")
    n_test = max(1, int(round(len(units) * TEST_FRACTION)))
    return np.sort(np.random.default_rng(seed).choice(len(units), n_test, replace=False))


def _streamed_table(path: Path, target: str | None, seed: int, task: str, settings: dict,
                    source: str) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from ..tables import ParquetSource, TableEncoder

    units = _parquet_units(path)
    try:
        names = pq.read_schema(units[0][0] if units else _parquet_files(path)[0]).names
    except Exception as error:  # noqa: BLE001
        raise DataError(f"{path}: cannot be read as parquet: {str(error).splitlines()[0]}") from None
    target = _check_target(names, target, path)
    test = _held_out(units, seed, path)
    train = np.setdiff1d(np.arange(len(units)), test)
    encoder = TableEncoder(target, task=task, **settings)
    counted: dict[Any, int] = {}
    try:
        encoder.reset()
        for batch in _unit_batches([units[i] for i in train], None):
            encoder.partial_fit(batch)
            _count_labels(batch.column(target), target, counted)
        encoder.finish()
        train_source = ParquetSource(path, encoder=encoder, row_groups=train)  # the training row groups only
    except DataError as error:
        raise _in(path, error) from None
    test_units = [units[i] for i in test]
    labels = encoder.target.classes.tolist() if encoder.target.task == "classification" else []
    counts = np.array([counted.get(label, 0) for label in labels], dtype=np.int64)
    return {"class_counts": counts, "X_train": None, "y_train": None, "X_test": None, "y_test": None,
            "source": source + " (streamed)",
            "preprocessing": None, "features": encoder.feature_names, "target": target, "encoder": encoder,
            "task": encoder.target.task, "columns": [name for name, _ in encoder.input_columns], "stream": True,
            "train_source": train_source, "n_train": train_source.n_rows,
            "n_test": int(sum(rows for _, _, rows in test_units)),
            "test_batches": lambda: _encoded(_unit_batches(test_units, None), encoder, path)}


def _count_labels(column: Any, target: str, counted: dict) -> None:
    """Add the rows of each label of a target column (rows with a target) to ``counted``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..tables import TargetEncoder

    present = column.filter(pa.array(TargetEncoder(target).present(column)))
    values = pc.value_counts(present)
    for label, count in zip(values.field("values").to_pylist(), values.field("counts").to_pylist()):
        counted[label] = counted.get(label, 0) + int(count)


def _encoded(batches: Any, encoder: Any, where: Any) -> Any:
    """(X, y labels) of each record batch (rows without a target left out), rows numbered across batches."""
    offset = 0
    for batch in batches:
        try:
            X, y = encoder.transform_xy(batch, row_offset=offset)
        except DataError as error:
            raise _in(where, error) from None
        offset += batch.num_rows
        if len(X):
            yield X, encoder.target.decode(y)


def table_for_model(net: Any, spec: str | None = None, target: str | None = None) -> tuple[Any, str]:
    """(a function giving (X, y labels) batches, a description) to evaluate a model with a table
    encoding (``net.encoder``) on: with no ``spec`` or the data it was trained on, the same test
    part as in training; any other table, all its rows with a target, read in batches."""
    from ..tables import iter_batches, read_table

    encoder = net.encoder
    if encoder.target is None:
        raise ConfigurationError("the model's table encoding has no target column, so there are no labels to "
                                 "evaluate against")
    if target is not None and target != encoder.target.name:
        raise ConfigurationError(f"--target: the model was trained to predict {encoder.target.name!r}, not "
                                 f"{target!r}; leave --target out")
    trained_on = (net.metadata or {}).get("dataset") or {}
    if spec is None:
        spec = trained_on.get("spec")
        if spec is None:
            raise ConfigurationError("--data: the model does not record its data; give a table (a CSV or Parquet "
                                     "file, penguins, cars)")
        if spec not in _bundled_tables() and not Path(spec).exists():
            raise ConfigurationError(f"--data: the model was trained on {spec}, which is not here; give --data")
    if _table_kind(spec) is None:
        columns = ", ".join(name for name, _ in encoder.input_columns)[:200]
        raise ConfigurationError(f"--data: the model reads a table (columns {columns}); expected a CSV or Parquet "
                                 f"file, a folder of them, or a bundled table, got {spec!r}")
    path, _, description = _locate(spec, None)
    seed = int(trained_on.get("seed", 0))
    if spec == trained_on.get("spec") and trained_on.get("stream"):
        units = _parquet_units(path)
        test = [units[i] for i in _held_out(units, seed, path)]
        return (lambda: _encoded(_unit_batches(test, None), encoder, path)), f"{description} (its test row groups)"
    if spec == trained_on.get("spec"):
        def test_part() -> Any:
            try:
                table = read_table(path)
                if encoder.target.name not in table.column_names:
                    raise DataError(f"target {encoder.target.name!r}: the data has no such column")
                _, test = split_table(table, encoder.target.name, seed, encoder.target.task == "classification")
            except DataError as error:
                raise _in(path, error) from None
            return _encoded([table.take(test)], encoder, path)

        return test_part, f"{description} (its test part)"
    return (lambda: _encoded(iter_batches(path), encoder, path)), description


def _encoded_table(name: str) -> Any:
    """A bundled table as arrays: its 80/20 split (seed 0), encoded by a ``TableEncoder`` fitted on
    the training part; class labels as given. ``datasets.tables`` has the table itself."""
    data = resolve_table(name)
    return (data["X_train"], data["y_train"]), (data["X_test"], data["y_test"])


for _name, _info in _bundled_tables().items():
    register(Dataset(_name, _info.description, lambda name=_name, **_: _encoded_table(name), table=True))
