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

import ast
import hashlib
import os
import re
import shlex
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigurationError, DataError
from .catalog import Dataset, load, names, register
from .files import _labelled, _read_rows, as_pairs, from_csv, from_npz
from .shown import shown_name, shown_names
from .split import stratified_split, train_test_indices
from .toy import GENERATORS

__all__ = ["resolve", "standardize", "apply_preprocessing", "data_for_model", "is_named", "reads_as_table", "table_kind",
           "resolve_table", "table_for_model", "split_table", "should_stream", "TEST_FRACTION", "data_record",
           "described_data_for_model", "check_columns"]

TEST_FRACTION = 0.2  # of the rows (or, streamed, of the Parquet row groups) held out as the test set
HASH_LIMIT = 64 * 2**20  # data whose files hold at most this many bytes in all is recorded with their SHA-256
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
        header, rows = _read_rows(path)  # read once: the header is recorded too
        X, y = _labelled(path, header, rows, target)
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
    return described_data_for_model(net, spec, target)[:2]


def described_data_for_model(net: Any, spec: str | None = None,
                             target: str | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """``data_for_model``'s (X, y) for a model without a table encoding, and a description of the rows."""
    metadata = net.metadata or {}
    trained_on = metadata.get("dataset") or {}
    if spec is not None and (spec in _bundled_tables() or table_kind(spec) == "parquet"):
        raise ConfigurationError(f"--data: {spec} is a table, but the model was trained on numbers without a table "
                                 "encoding (plain arrays); give the kind of data it was trained on")
    if spec is None:
        spec = _recorded_data(trained_on, tables=False)
        target = target or trained_on.get("target")
    same, note = _same_data(spec, trained_on)
    description = f"{spec}, all its rows" + (f" ({note})" if note else "")
    if is_named(spec) or spec in GENERATORS or (same and spec.lower().endswith((".csv", ".npz"))):
        description = f"{spec}, its test part" + ("" if is_named(spec) else
                                                    f" (held out in training{f'; {note}' if note else ''})")
        data = resolve(spec, target or trained_on.get("target"), int(trained_on.get("seed", 0) if same else 0),
                       standardize_files=False, noise=trained_on.get("noise") if same else None, tables=False)
        X, y = data["X_test"], data["y_test"]
    elif spec.lower().endswith(".npz"):
        (X, y), test = as_pairs(from_npz(spec))
        if test is not None:
            X, y, description = *test, f"{spec}, its test part"
    elif spec.lower().endswith(".csv"):
        X, y = from_csv(spec, target=target or metadata.get("target"))
    else:
        raise _unknown(spec)
    return apply_preprocessing(np.asarray(X, dtype=float), metadata), np.asarray(y), description


# --- tables: text columns, missing values, Parquet ------------------------------------------------
TABLE_OPTIONS = ("categorical", "numeric", "scaling")  # settings that only a table's encoding has


def _bundled_tables() -> dict:
    from .tables import TABLES

    return TABLES


def table_kind(spec: str) -> str | None:
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
    kind = table_kind(spec)
    if kind in ("bundled", "parquet"):
        return True
    if kind != "csv":
        return False
    if forced or not spec.lower().endswith(".csv"):
        return True
    from ..tables import read_table
    from ..tables.cells import column_kind
    from ..tables.read import NotText

    try:
        table = read_table(spec)
    except NotText:
        raise  # not UTF-8 text (a NUL byte, UTF-16): no reader can take it
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
    from ..tables.cells import column_kind

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
    it names it, or starts with the flag it is about); the encoder's ``ignore=[...]`` advice said as
    the command line's ``--ignore``."""
    message = str(error)
    if "leave it out with ignore=[...]" in message:
        named = re.match(r"column ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")", message)
        column = shlex.quote(ast.literal_eval(named.group(1))) if named else "COLUMN"
        message = message.replace("leave it out with ignore=[...]", f"leave it out with --ignore {column}")
    if message.startswith(tuple(f"{option}: " for option in TABLE_OPTIONS + ("ignore",))):
        message = "--" + message  # the encoder's option, as the command line names it
    if message.startswith((str(where), "--")):
        return DataError(message)
    return DataError(f"{where}: {message[len('data: '):] if message.startswith('data: ') else message}")


def _check_named(settings: dict, target: str, names: list[str]) -> None:
    """The columns named --categorical, --numeric or --ignore are columns of the table, features (never
    the target), and each is named by one of those flags only: a column left out (--ignore) cannot be
    encoded, nor a column be both a category and a number."""
    options = ("categorical", "numeric", "ignore")
    for option in options:
        if target in settings[option]:
            raise ConfigurationError(f"--{option}: {target!r} is the target, not a feature column; leave it out of "
                                     f"--{option}")
        absent = [name for name in settings[option] if name not in names]
        if absent:
            raise ConfigurationError(f"--{option}: no column {absent[0]!r} (columns: {shown_names(names)})")
    for i, first in enumerate(options):
        for second in options[i + 1:]:
            both = [name for name in settings[first] if name in settings[second]]
            if both:
                column = shown_name(both[0])
                why = ("a column is a category or a number, not both" if second == "numeric" else
                       "a column left out is not encoded at all")
                raise ConfigurationError(f"--{first} {column} and --{second} {column} contradict each other: {why}; "
                                         "name it in one of them")


def _check_categorical(encoder: Any, settings: dict) -> None:
    """A column named --categorical holds whole numbers or text: decimal numbers, one category per
    distinct value, would make a category of nearly every row."""
    for column in encoder.columns:
        categories = getattr(column, "categories", None)
        if column.name not in settings["categorical"] or categories is None or categories.dtype.kind != "f":
            continue
        decimal = categories[categories != np.round(categories)]
        if decimal.size:
            raise ConfigurationError(f"--categorical: column {column.name!r} holds decimal numbers (e.g. "
                                     f"{decimal[0]:g}); name only integer columns, or leave it out of --categorical "
                                     "to scale it as a number")


def _same_columns_despite(folder: Path, ignore: list[str]) -> None:
    """The folder check (every file with the same columns), saying so when the column it names is one
    that --ignore leaves out: the files of a folder are one table whatever the encoding reads."""
    try:
        _parquet_files(folder)
    except DataError as error:
        named = re.search(r"has no column ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"), which", str(error))
        if named and ast.literal_eval(named.group(1)) in ignore:
            raise DataError(f"{error} (--ignore leaves a column out of the encoding, not out of the folder's files: "
                            "write them all with the same columns)") from None
        raise


def _check_target(names: list[str], target: str | None, where: Any) -> str:
    target = target if target is not None else names[-1]
    if target not in names:
        raise DataError(f"--target: {where} has no column {target!r} (columns: {shown_names(names)})")
    if len(names) < 2:
        raise DataError(f"{where}: has only the column {target!r}; a table needs feature columns besides "
                        "the target")
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
                  stream: bool | None = None, ignore: Any = None, check_classes: Any = None) -> dict[str, Any]:
    """A table (a bundled one, a CSV or Parquet file, a folder of Parquet files) split, encoded and
    ready to train on, as ``resolve`` returns it plus ``encoder`` (a ``TableEncoder`` fitted on the
    training rows only), ``task``, ``columns`` (the raw columns it reads) and ``test_batches``
    (a function giving the test part as (X, y) batches, y the labels as given).

    In memory (the default): the rows with a target are split 80/20 (``split_table``: stratified
    for classes, seeded). Streamed (a Parquet table over a quarter of the free memory, or
    ``stream=True``): whole row groups are held out as the test set (a seeded 20 %, at least one),
    the encoding is learned in one streaming pass over the others, and ``train_source`` is a
    ``neuronet.tables.ParquetSource`` of the training row groups; X_train and y_train are None.
    Row groups without a target are never held out, and a class found only in the held-out row
    groups is refused before any training. ``ignore``: columns left out of the encoding.
    ``n_train``, ``n_test`` count rows with a target; ``n_unlabeled`` the rows without one.

    ``check_classes(target, classes, n_train)``, where given, is called when the target is learned
    as class labels, with its training rows' labels, before anything else is said about them (in
    particular, streamed, before the held-out row groups' labels are checked): a front end's rule
    about which labels make classes (e.g. not decimal numbers) holds at both speeds."""
    from ..tables import TableEncoder, read_table

    path, target, source = _locate(spec, target)
    where = spec if spec in _bundled_tables() else path  # what messages name
    kind = "csv" if spec in _bundled_tables() else table_kind(spec)
    if stream and kind != "parquet":
        raise ConfigurationError(f"--stream: streams a Parquet file or folder, but {spec} is not one")
    if kind == "parquet" and not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if kind == "parquet" and path.is_dir() and ignore:
        _same_columns_despite(path, list(ignore))
    streamed = kind == "parquet" and (stream if stream is not None else should_stream(path))
    settings = {"categorical": list(categorical or []), "numeric": list(numeric or []), "ignore": list(ignore or []),
                "scaling": scaling or "standard", "dtype": dtype, "seed": seed}
    if streamed:
        return _streamed_table(path, target, seed, task, settings, source, check_classes)
    try:
        table = read_table(path)
        target = _check_target(table.column_names, target, where)
        _check_named(settings, target, table.column_names)
        classification = _is_classification(table.column(target), task)
        train, test = split_table(table, target, seed, classification)
        # the encoder learns from the training rows; a slip (text in a column of numbers) in the test
        # rows is found too, with its row in the file
        TableEncoder(target, task=task, **settings).check_columns(table)
        encoder = _fit_encoder(lambda: TableEncoder(target, task=task, **settings), table.take(train), table)
        if check_classes is not None and encoder.target.task == "classification":
            check_classes(target, np.asarray(encoder.target.classes), len(train))
        _check_categorical(encoder, settings)
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


def _held_out(units: list, seed: int, where: Path, labeled: list[int] | None = None) -> np.ndarray:
    """The indices of the row groups a streamed table holds out as its test set: a seeded 20 % (at
    least one) of those with rows (with a target, where ``labeled`` counts them per row group)."""
    counts = labeled if labeled is not None else [rows for _, _, rows in units]
    candidates = np.flatnonzero(np.asarray(counts, dtype=np.int64) > 0) if units else np.zeros(0, np.intp)
    if len(candidates) < 2:
        how = "so write it with several (pyarrow.parquet.write_table(..., row_group_size=...))"
        held = ""
        if len(candidates) < len(units):
            held = " holding rows with a target" if labeled is not None else " holding rows"
            how = "so it needs two or more of them (write its rows shuffled, or train it in memory)"
        raise DataError(f"{where}: has {('no', 'one')[len(candidates)]} row group{held}; a streamed table holds out "
                        f"whole row groups as its test set, {how}")
    n_test = max(1, int(round(len(candidates) * TEST_FRACTION)))
    return np.sort(candidates[np.random.default_rng(seed).choice(len(candidates), n_test, replace=False)])


def _unit_targets(units: list, target: str, labels: bool) -> list[tuple[int, set]]:
    """(rows with a target, the labels among them when ``labels``) of every row group, reading the
    target column alone (cheap next to the encoding pass)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..tables import TargetEncoder

    found = []
    for unit in units:
        present, seen = 0, set()
        for batch in _unit_batches([unit], [target]):
            column = batch.column(0)
            mask = TargetEncoder(target).present(column)
            present += int(mask.sum())
            if labels and mask.any():
                seen.update(pc.unique(column.filter(pa.array(mask))).to_pylist())
        found.append((present, seen))
    return found


def _target_labels(path: Path, target: str, task: str) -> bool:
    """True when the target is learned as class labels (a classification loss, or labels that are not
    decimal numbers), so that its labels per row group are worth collecting."""
    import pyarrow.parquet as pq

    from ..tables.cells import column_kind

    if task != "auto":
        return task == "classification"
    files = _parquet_files(path)
    return column_kind(pq.read_schema(files[0]).field(target).type) not in ("float", "other")


def _is_text_type(kind: Any) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _streamed_table(path: Path, target: str | None, seed: int, task: str, settings: dict,
                    source: str, check_classes: Any = None) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from ..tables import ParquetSource, TableEncoder

    units = _parquet_units(path)
    try:
        schema = pq.read_schema(units[0][0] if units else _parquet_files(path)[0])
    except Exception as error:  # noqa: BLE001
        raise DataError(f"{path}: cannot be read as parquet: {str(error).splitlines()[0]}") from None
    names = schema.names
    target = _check_target(names, target, path)
    _check_named(settings, target, names)
    try:
        labeled = _target_labels(path, target, task)
        targets = _unit_targets(units, target, labeled)
    except DataError as error:
        raise _in(path, error) from None
    test = _held_out(units, seed, path, [present for present, _ in targets])
    train = np.setdiff1d(np.arange(len(units)), test)
    if labeled and check_classes is not None:  # as in memory: the training rows' labels, before the held-out ones'
        check_classes(target, _as_classes(set().union(*(targets[i][1] for i in train))),
                      sum(targets[i][0] for i in train))
    _check_held_out_labels(units, targets, train, test, target)
    encoder = TableEncoder(target, task=task, **settings)
    counted: dict[Any, int] = {}
    try:
        text = [field.name for field in schema if field.name != target and _is_text_type(field.type)]
        if text:  # a slip in any row group, held out or not: one pass over the text columns only
            encoder.check_columns(_unit_batches(units, text))
        encoder.reset()
        firsts = np.cumsum([0] + [rows for _, _, rows in units])  # rows count in the file order, held-out ones too
        for i in train:
            offset = int(firsts[i])
            for batch in _unit_batches([units[i]], None):
                encoder.partial_fit(batch, row_offset=offset)
                offset += batch.num_rows
                _count_labels(batch.column(target), target, counted)
        encoder.finish()
        _check_categorical(encoder, settings)
        train_source = ParquetSource(path, encoder=encoder, row_groups=train)  # the training row groups only
    except DataError as error:
        raise _in(path, error) from None
    test_units = [units[i] for i in test]
    labels = encoder.target.classes.tolist() if encoder.target.task == "classification" else []
    counts = np.array([counted.get(label, 0) for label in labels], dtype=np.int64)
    n_train, n_test = sum(targets[i][0] for i in train), sum(targets[i][0] for i in test)
    return {"class_counts": counts, "X_train": None, "y_train": None, "X_test": None, "y_test": None,
            "source": source + " (streamed)",
            "preprocessing": None, "features": encoder.feature_names, "target": target, "encoder": encoder,
            "task": encoder.target.task, "columns": [name for name, _ in encoder.input_columns], "stream": True,
            "train_source": train_source, "n_train": n_train, "n_test": n_test,
            "n_unlabeled": sum(rows for _, _, rows in units) - n_train - n_test,
            "test_batches": lambda: _encoded_units(test_units, encoder, units)}


def _as_classes(labels: set) -> np.ndarray:
    """A set of labels (Arrow's Python values) as a sorted array, as a fitted target keeps its classes."""
    try:
        return np.asarray(sorted(labels))
    except (TypeError, OverflowError):  # labels that do not sort or fit one numpy type: as they are
        return np.asarray(list(labels), dtype=object)


def _check_held_out_labels(units: list, targets: list, train: np.ndarray, test: np.ndarray, target: str) -> None:
    """Refuse, before training, a class that only held-out row groups hold: the network could never
    learn it, and the test part could not be scored against it."""
    known: set = set().union(*(targets[i][1] for i in train))
    for i in test:
        unseen = sorted(map(str, targets[i][1] - known))
        if unseen:
            file, group, _ = units[i]
            shown = ", ".join(repr(label) for label in unseen[:5]) + (", ..." if len(unseen) > 5 else "")
            raise DataError(f"{file}: row group {group}, held out as test data, holds target {target!r} "
                            f"label{'s' if len(unseen) > 1 else ''} {shown} that no training row group has; a "
                            "streamed table holds out whole row groups, so write its rows shuffled (or give "
                            "another --seed, or train it in memory)")


def _encoded_units(test_units: list, encoder: Any, units: list) -> Any:
    """(X, y labels) of the row groups ``test_units`` (rows without a target left out); a problem is
    named by its file and its row there."""
    firsts, offset, last = {}, 0, None
    for file, group, rows in units:
        offset = 0 if file != last else offset
        firsts[(file, group)], offset, last = offset, offset + rows, file
    for file, group, rows in test_units:
        yield from _encoded(_unit_batches([(file, group, rows)], None), encoder, file, firsts[(file, group)])


def _count_labels(column: Any, target: str, counted: dict) -> None:
    """Add the rows of each label of a target column (rows with a target) to ``counted``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..tables import TargetEncoder

    present = column.filter(pa.array(TargetEncoder(target).present(column)))
    values = pc.value_counts(present)
    for label, count in zip(values.field("values").to_pylist(), values.field("counts").to_pylist()):
        counted[label] = counted.get(label, 0) + int(count)


def _encoded(batches: Any, encoder: Any, where: Any, offset: int = 0) -> Any:
    """(X, y labels) of each record batch (rows without a target left out), rows numbered across batches
    (from ``offset``)."""
    for batch in batches:
        check_columns(encoder, batch.schema.names, where)
        try:
            X, y = encoder.transform_xy(batch, row_offset=offset)
        except DataError as error:
            raise _in(where, error) from None
        offset += batch.num_rows
        if len(X):
            yield X, encoder.target.decode(y)


def _file_entries(path: Path) -> list[tuple[list, Path]]:
    """([name, size, modification time in ns], the file) of each file of the data at ``path``."""
    folder = path.is_dir()
    entries = []
    for file in _parquet_files(path) if folder else [path]:
        info = file.stat()
        entries.append(([str(file.relative_to(path)) if folder else file.name, info.st_size, info.st_mtime_ns], file))
    return entries


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_columns(encoder: Any, names: list[str], where: Any, target: bool = True) -> None:
    """A ``DataError`` naming the first column a model's table encoding reads (and, with ``target``,
    its target) that the data ``where`` lacks, with the columns it has, each name quoted when odd."""
    wanted = [name for name, _ in encoder.input_columns]
    if target and encoder.target is not None:
        wanted.append(encoder.target.name)
    absent = [name for name in wanted if name not in names]
    if absent:
        is_target = target and encoder.target is not None and absent[0] == encoder.target.name
        what = f"target {absent[0]!r}:" if is_target else f"column {absent[0]!r}: the model was trained on it but"
        raise DataError(f"{where}: {what} the data has no such column (columns: {shown_names(names)})")


def data_record(spec: str) -> dict[str, Any]:
    """What a model file keeps about a data file or folder it was trained on, so that ``evaluate``
    knows the same data again: its resolved ``path`` and each file's name, size and modification
    time (``files``), and, when the files hold at most ``HASH_LIMIT`` bytes in all, each one's
    SHA-256 (then the content decides, not the time). Empty for a dataset name, a generator or a
    bundled table."""
    if spec in _bundled_tables() or is_named(spec) or spec in GENERATORS or not Path(spec).exists():
        return {}
    path = Path(spec).resolve()
    entries = _file_entries(path)
    if sum(entry[1] for entry, _ in entries) <= HASH_LIMIT:
        return {"path": str(path), "files": [[*entry, _sha256(file)] for entry, file in entries]}
    return {"path": str(path), "files": [entry for entry, _ in entries]}


def _files_said(names: list[str], verb: str) -> str:
    return (f"{'a file was' if len(names) == 1 else f'{len(names)} files were'} {verb} "
            f"({shown_names(names, 3)})")


def _change(path: Path, recorded: Any) -> str | None:
    """How the data at ``path`` differs from the files a model recorded (``data_record``'s ``files``);
    None when it is the same data: the same files with the same checksums where recorded, else with
    the same sizes and modification times."""
    if not isinstance(recorded, list):
        return None
    then = {str(entry[0]): entry for entry in recorded if isinstance(entry, list) and entry}
    now = {entry[0]: (entry, file) for entry, file in _file_entries(path)}
    added, removed = sorted(set(now) - set(then)), sorted(set(then) - set(now))
    if added or removed:
        return "; ".join(_files_said(names, verb) for names, verb in ((added, "added"), (removed, "removed")) if names)
    for name, (entry, file) in now.items():
        whose = "its" if not path.is_dir() else f"the file {shown_name(name)}'s"
        if entry[1] != then[name][1]:
            return f"{whose} size differs"
        if len(then[name]) > 3:  # a checksum recorded: the content decides, a file touched but unchanged is the same
            if _sha256(file) != then[name][3]:
                return f"{whose} content differs (the same size, another checksum)"
        elif entry[2] != then[name][2]:
            return f"{whose} modification time differs"
    return None


def _same_data(spec: str, trained_on: dict) -> tuple[bool, str | None]:
    """(whether ``spec`` is the data the model was trained on, a note for the description: why not,
    when it is the path the model records, or how it was matched when the model records little).
    Compared by resolved path and the files (``_change``) where the model records them; a model
    file from before that records only the name as given in training, which is matched by the file
    it names from the current folder, with a note that says so."""
    recorded = trained_on.get("spec")
    if spec in _bundled_tables() or is_named(spec) or spec in GENERATORS:
        return spec == recorded, None
    if not Path(spec).exists():
        return False, None
    here = Path(spec).resolve()
    if not isinstance(trained_on.get("path"), str):  # an older model file
        if (not isinstance(recorded, str) or recorded in _bundled_tables() or is_named(recorded)
                or recorded in GENERATORS or here != Path(recorded).resolve()):
            return False, None
        how = "path" if Path(recorded).is_absolute() else "name"
        return True, (f"matched by {how} only: the model file, an older one, records its data only as {recorded!r}, "
                      f"with no {'' if how == 'path' else 'folder, '}size or time, so the file of that {how} here is "
                      "taken to be it")
    if str(here) != trained_on["path"]:
        if os.path.abspath(spec) == trained_on["path"]:
            return False, f"{spec} now leads to {here}, not to the file the model was trained on"
        return False, None
    change = _change(here, trained_on.get("files"))
    if change is not None:
        return False, f"it changed since the model was trained: {change}, so its test part cannot be found again"
    return True, None


def _recorded_data(trained_on: dict, tables: bool) -> str:
    """The data a model records, for evaluate without --data: its resolved path where recorded (so
    that it is found from any folder), else its name as given."""
    spec = trained_on.get("spec")
    if spec is None:
        kinds = "a table (a CSV or Parquet file, penguins, cars)" if tables else "a dataset name or a .csv/.npz file"
        raise ConfigurationError(f"the model does not record the data it was trained on; give {kinds} with --data")
    if isinstance(trained_on.get("path"), str):
        spec = trained_on["path"]
        if not Path(spec).exists():
            raise ConfigurationError(f"the model was trained on {spec}, which is not there any more (moved or "
                                     "deleted); give its data with --data")
    elif not (spec in _bundled_tables() or is_named(spec) or spec in GENERATORS or Path(spec).exists()):
        raise ConfigurationError(f"the model was trained on {spec!r}, named from the folder it was trained in, and "
                                 "this folder has no such file; give its data with --data")
    return spec


def table_for_model(net: Any, spec: str | None = None, target: str | None = None) -> tuple[Any, str]:
    """(a function giving (X, y labels) batches, a description of the rows) to evaluate a model with
    a table encoding (``net.encoder``) on: with no ``spec`` or the data it was trained on (the same
    resolved path, unchanged since), the same test part as in training; any other table (or one
    changed since), all its rows with a target, read in batches. A note is in the description when
    the data changed."""
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
        spec = _recorded_data(trained_on, tables=True)
    if table_kind(spec) is None:
        columns = ", ".join(name for name, _ in encoder.input_columns)[:200]
        raise ConfigurationError(f"--data: the model reads a table (columns {columns}); expected a CSV or Parquet "
                                 f"file, a folder of them, or a bundled table, got {spec!r}")
    path, _, description = _locate(spec, None)
    seed = int(trained_on.get("seed", 0))
    same, note = _same_data(spec, trained_on)
    held = f"held out in training{f'; {note}' if note else ''}"
    if same and trained_on.get("stream"):
        units = _parquet_units(path)
        targets = _unit_targets(units, encoder.target.name, False)
        test = [units[i] for i in _held_out(units, seed, path, [present for present, _ in targets])]
        described = f"{description}, its test row groups ({held})"
        return (lambda: _encoded_units(test, encoder, units)), described
    if same:
        def test_part() -> Any:
            try:
                table = read_table(path)
                if encoder.target.name not in table.column_names:
                    raise DataError(f"target {encoder.target.name!r}: the data has no such column")
                _, test = split_table(table, encoder.target.name, seed, encoder.target.task == "classification")
            except DataError as error:
                raise _in(path, error) from None
            return _encoded([table.take(test)], encoder, path)

        return test_part, f"{description}, its test part ({held})"
    whole = f"{description}, all its rows with a target" + (f" ({note})" if note else "")
    if table_kind(spec) == "parquet":  # row group by row group, so that a problem names its file
        units = _parquet_units(path)
        return (lambda: _encoded_units(units, encoder, units)), whole
    return (lambda: _encoded(iter_batches(path), encoder, path)), whole


def _encoded_table(name: str) -> Any:
    """A bundled table as arrays: its 80/20 split (seed 0), encoded by a ``TableEncoder`` fitted on
    the training part; class labels as given. ``datasets.tables`` has the table itself."""
    data = resolve_table(name)
    return (data["X_train"], data["y_train"]), (data["X_test"], data["y_test"])


for _name, _info in _bundled_tables().items():
    register(Dataset(_name, _info.description, lambda name=_name, **_: _encoded_table(name), table=True))
