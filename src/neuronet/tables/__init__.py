"""Tables: what practitioners bring (CSV, Parquet, DataFrames), read with Arrow, encoded into the
matrix a network takes, and streamed when larger than memory.

    >>> from neuronet.tables import read_table, TableEncoder
    >>> table = read_table("penguins.csv")                        # doctest: +SKIP
    >>> encoder = TableEncoder(target="species").fit(table)       # doctest: +SKIP
    >>> X, y = encoder.transform_xy(table)                        # doctest: +SKIP

- ``read``: ``read_table`` and ``iter_batches`` (CSV, Parquet files and folders, DataFrames);
- ``encoding``: ``TableEncoder`` (numeric scaling with missing indicators, one-hot categories with
  an unseen slot, the target) and its model-file form (``to_config`` / ``from_config``);
- ``onnx_form``: the encoding as ONNX nodes, so an exported graph takes the raw columns;
- ``sources``: batches for training from arrays, memory-mapped ``.npy``, Parquet, or any iterable,
  with bounded memory and a documented shuffle.
"""

from .columns import CategoricalColumn, NumericColumn
from .encoding import TableEncoder, TableNote
from .target import TargetEncoder
from .read import NotText, is_table, iter_batches, read_table
from .sources import (ArraySource, Batch, IterableSource, NpySource, ParquetSource, ShuffleBuffer, Source, as_source,
                      train_epoch)

__all__ = ["read_table", "iter_batches", "is_table", "NotText", "TableEncoder", "TableNote", "TargetEncoder",
           "NumericColumn", "CategoricalColumn", "Source", "Batch", "ArraySource", "NpySource", "ParquetSource",
           "IterableSource", "ShuffleBuffer", "as_source", "train_epoch"]
