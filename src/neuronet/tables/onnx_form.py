"""The encoding of a table as ONNX nodes, so that an exported graph takes the raw columns.

    >>> form = encoder_to_onnx(encoder)                       # doctest: +SKIP
    >>> model = prepend_encoder(encoder, network_model)       # raw columns in, the network's outputs out

Each raw column the encoder reads is one graph input of shape ``(batch,)``, named as the column:

- a text column (``island``) is ``tensor(string)``; a missing value is the empty string "";
- every other column (numbers, and integer or bool categories: feed a bool as 0/1) is
  ``tensor(double)`` (or ``tensor(float)`` with ``number_type="float"``), NaN for missing.

The nodes compute what ``TableEncoder.transform`` computes, in the same order and, with double
inputs, in the same precision: a numeric column ``IsNaN`` -> ``Where`` (the fill) -> ``Sub`` ->
``Div`` (-> the smooth clip ``z / Sqrt(1 + (z/3)^2)`` for robust scaling), its indicator a
``Cast`` of the ``IsNaN``; a text category ``CategoryMapper`` (domain ``ai.onnx.ml``) to its slot,
then ``Equal`` against the slot numbers (the one-hot); a number category ``Equal`` against the
categories, with the missing and unseen slots from ``IsNaN`` and ``ReduceSum``. The blocks are
joined by one ``Concat`` and cast to the encoder's dtype: the output ``features`` has shape
``(batch, encoder.width)``, the network's input.

Needs the ``onnx`` package (the ``onnx`` extra); opset 17 by default (any from 13 on) and
``ai.onnx.ml`` 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConfigurationError, MissingExtra
from .cells import CLIP
from .columns import CategoricalColumn, NumericColumn
from .encoding import TableEncoder

__all__ = ["OnnxForm", "encoder_to_onnx", "encoder_model", "prepend_encoder", "onnx_feeds", "OPSET", "ML_OPSET"]

OPSET = 17
ML_OPSET = 3


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise MissingExtra("the ONNX form of a table encoding needs the onnx package: pip install 'neuronet[onnx]'") \
            from None
    return onnx


@dataclass
class OnnxForm:
    """The encoder's part of a graph: ``nodes`` and ``initializers`` to add, the raw-column
    ``inputs`` (ValueInfoProtos), the name and width of the ``output`` matrix, and the
    ``opset_imports`` the nodes need."""

    nodes: list
    initializers: list
    inputs: list
    output: str
    width: int
    opset_imports: list


class _Builder:
    def __init__(self, prefix: str, number: int) -> None:
        onnx = _onnx()
        self.helper, self.numpy_helper, self.TensorProto = onnx.helper, onnx.numpy_helper, onnx.TensorProto
        self.prefix, self.number = prefix, number
        self.nodes: list = []
        self.initializers: list = []

    def name(self, *parts: Any) -> str:
        return "/".join([self.prefix, *map(str, parts)])

    def node(self, op: str, inputs: list[str], output: str, domain: str = "", **attributes: Any) -> str:
        self.nodes.append(self.helper.make_node(op, inputs, [output], name=self.name("node", len(self.nodes)),
                                                domain=domain, **attributes))
        return output

    def constant(self, name: str, value: Any, dtype: Any) -> str:
        self.initializers.append(self.numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name


def encoder_to_onnx(encoder: TableEncoder, *, output: str = "features", number_type: str = "double",
                    prefix: str = "table", opset: int = OPSET) -> OnnxForm:
    """The nodes that turn the raw columns into ``output`` (batch, encoder.width); see the module.
    The operators used are the same from opset 13 on, so ``opset`` (13 or newer) only sets the
    version the nodes declare."""
    if not isinstance(encoder, TableEncoder) or not encoder.fitted:
        raise ConfigurationError("encoder: expected a fitted TableEncoder")
    if isinstance(opset, bool) or not isinstance(opset, int) or opset < 13:
        raise ConfigurationError(f"opset: expected a whole number >= 13, got {opset!r}")
    if number_type not in ("double", "float"):
        raise ConfigurationError(f"number_type: expected 'double' or 'float', got {number_type!r}")
    names = [column.name for column in encoder.columns]
    for name in names:
        if name == output or name.startswith(prefix + "/"):
            raise ConfigurationError(f"the column {name!r} clashes with the graph's own names; rename it")
    number = np.float64 if number_type == "double" else np.float32
    graph = _Builder(prefix, number)
    T = graph.TensorProto
    number_code = T.DOUBLE if number_type == "double" else T.FLOAT
    axis = graph.constant(graph.name("axis1"), [1], np.int64)
    if any(isinstance(column, NumericColumn) and column.scaling == "robust" for column in encoder.columns):
        one = graph.constant(graph.name("one"), 1.0, number)
        clip = graph.constant(graph.name("clip"), CLIP, number)
    inputs, pieces = [], []
    for index, column in enumerate(encoder.columns):
        at = lambda *parts: graph.name(index, *parts)  # noqa: E731 - names of this column's values
        if isinstance(column, CategoricalColumn) and column.values == "text":
            inputs.append(graph.helper.make_tensor_value_info(column.name, T.STRING, ["batch"]))
            k = len(column.categories)
            strings = column.categories.tolist() + ([""] if column.missing_slot else [])
            codes = list(range(k)) + ([k] if column.missing_slot else [])
            slot = graph.node("CategoryMapper", [column.name], at("slot"), domain="ai.onnx.ml", cats_strings=strings,
                              cats_int64s=codes, default_int64=column.unseen_slot)
            slot = graph.node("Unsqueeze", [slot, axis], at("slot2d"))
            slots = graph.constant(at("slots"), np.arange(column.width), np.int64)
            hot = graph.node("Equal", [slot, slots], at("onehot"))
            pieces.append(graph.node("Cast", [hot], at("encoded"), to=number_code))
            continue
        inputs.append(graph.helper.make_tensor_value_info(column.name, number_code, ["batch"]))
        x = graph.node("Unsqueeze", [column.name, axis], at("x"))
        missing = graph.node("IsNaN", [x], at("missing"))
        if isinstance(column, NumericColumn):
            center = graph.constant(at("center"), [column.center], number)
            scale = graph.constant(at("scale"), [column.scale], number)
            filled = graph.node("Where", [missing, center, x], at("filled"))
            z = graph.node("Div", [graph.node("Sub", [filled, center], at("centered")), scale], at("scaled"))
            if column.scaling == "robust":
                t = graph.node("Div", [z, clip], at("t"))
                root = graph.node("Sqrt", [graph.node("Add", [one, graph.node("Mul", [t, t], at("t2"))], at("1+t2"))],
                                  at("root"))
                z = graph.node("Div", [z, root], at("clipped"))
            pieces.append(z)
            if column.indicator:
                pieces.append(graph.node("Cast", [missing], at("indicator"), to=number_code))
            continue
        if len(np.unique(column.categories.astype(number))) != len(column.categories):
            raise ConfigurationError(f"column {column.name!r}: its categories are integers that {number_type} cannot "
                                     f"tell apart (beyond 2^{53 if number == np.float64 else 24}), and the ONNX form "
                                     f"takes numbers as {number_type}s; map them to smaller numbers or text")
        categories = graph.constant(at("categories"), column.categories, number)
        hot = graph.node("Cast", [graph.node("Equal", [x, categories], at("equal"))], at("onehot"), to=number_code)
        matched = graph.node("Greater", [graph.node("ReduceSum", [hot, axis], at("matches"), keepdims=1),
                                         graph.constant(at("zero"), [0.0], number)], at("matched"))
        pieces.append(hot)
        if column.missing_slot:
            pieces.append(graph.node("Cast", [missing], at("missing_slot"), to=number_code))
            unseen = graph.node("Not", [graph.node("Or", [matched, missing], at("known"))], at("unseen"))
        else:
            unseen = graph.node("Not", [matched], at("unseen"))
        pieces.append(graph.node("Cast", [unseen], at("unseen_slot"), to=number_code))
    joined = graph.node("Concat", pieces, graph.name("joined"), axis=1)
    out_code = T.FLOAT if encoder.dtype == "float32" else T.DOUBLE
    graph.node("Cast", [joined], output, to=out_code)
    helper = graph.helper
    return OnnxForm(graph.nodes, graph.initializers, inputs, output, encoder.width,
                    [helper.make_opsetid("", opset), helper.make_opsetid("ai.onnx.ml", ML_OPSET)])


def encoder_model(encoder: TableEncoder, *, output: str = "features", number_type: str = "double",
                  ir_version: int = 8, opset: int = OPSET) -> Any:
    """The encoding alone as a checked ``onnx.ModelProto``: raw columns in, ``output`` out."""
    onnx = _onnx()
    form = encoder_to_onnx(encoder, output=output, number_type=number_type, opset=opset)
    out_type = onnx.TensorProto.FLOAT if encoder.dtype == "float32" else onnx.TensorProto.DOUBLE
    graph = onnx.helper.make_graph(form.nodes, "neuronet-table-encoding", form.inputs,
                                   [onnx.helper.make_tensor_value_info(output, out_type, ["batch", form.width])],
                                   initializer=form.initializers)
    model = onnx.helper.make_model(graph, opset_imports=form.opset_imports, producer_name="neuronet")
    model.ir_version = ir_version
    onnx.checker.check_model(model, full_check=True)
    return model


def prepend_encoder(encoder: TableEncoder, model: Any, *, input_name: str = "input",
                    number_type: str = "double") -> Any:
    """``model`` (an ``onnx.ModelProto`` whose input ``input_name`` is the encoded matrix) with the
    encoding in front: its inputs become the raw columns. Metadata and outputs are kept."""
    onnx = _onnx()
    inputs = [value.name for value in model.graph.input]
    if input_name not in inputs:
        raise ConfigurationError(f"input_name: the model has no input {input_name!r} (it has {inputs})")
    opsets = {entry.domain: entry.version for entry in model.opset_import}
    front = encoder_model(encoder, output="table/features", number_type=number_type, ir_version=model.ir_version,
                          opset=opsets.get("", OPSET))
    merged = onnx.compose.merge_models(front, model, io_map=[("table/features", input_name)])
    del merged.metadata_props[:]
    merged.metadata_props.extend(model.metadata_props)
    merged.producer_name, merged.producer_version = model.producer_name, model.producer_version
    onnx.checker.check_model(merged, full_check=True)
    return merged


def onnx_feeds(encoder: TableEncoder, table: Any, *, number_type: str = "double") -> dict[str, np.ndarray]:
    """The inputs an ONNX session takes for the rows of ``table`` (an Arrow table or DataFrame):
    text columns as str arrays with "" for missing, the others as float64 (or float32) with NaN."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .read import as_arrow

    table = table if isinstance(table, pa.Table) else as_arrow(table)
    number = np.float64 if number_type == "double" else np.float32
    feeds = {}
    for name, values in encoder.input_columns:
        column = table.column(name)
        if values == "text":
            column = pc.fill_null(pc.cast(column, pa.string()), "")
            feeds[name] = np.asarray(column.to_pylist(), dtype=object).astype(str)
        else:
            column = pc.fill_null(pc.cast(column, pa.float64()), np.nan)
            feeds[name] = np.asarray(column.to_numpy(zero_copy_only=False), dtype=number)
    return feeds
