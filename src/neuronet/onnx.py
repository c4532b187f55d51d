"""Export a trained network (or a ``neuronet.sklearn`` estimator) to ONNX.

    >>> neuronet.onnx.export(net, "model.onnx")            # doctest: +SKIP

The graph is the network written out as ONNX operators, each layer, activation and loss
writing its own nodes through a small builder (``Graph``): each ``Dense`` is one
``Gemm`` (y = x W + b), each activation its ONNX op (``Relu``, ``Sigmoid``, ``Tanh``,
``LeakyRelu``, ``Softmax``; ``Step`` as ``Greater`` + ``Cast``), ``Dropout`` is left
out (it is the identity at inference). An activation registered without an ONNX form
stops the export with ``NoOnnxForm`` instead of writing a wrong graph. The outputs follow
the network's loss:

| loss | outputs |
|---|---|
| softmax cross-entropy, cross-entropy, hinge (K > 1) | ``probabilities`` (batch, K) and ``label`` (batch,), the class index |
| hinge, one output (binary SVM) | ``scores`` (batch, 1) and ``label`` (batch,): 1 where the score is > 0 |
| binary cross-entropy, one output | ``probabilities`` (batch, 2) = [1 - p, p] and ``label`` |
| binary cross-entropy, K outputs (multi-label) | ``probabilities`` (batch, K) and ``label`` (batch, K) 0/1 |
| MSE | ``predictions`` (batch, outputs) |
| Poisson | ``predictions`` = exp(scores) |

The input is float32, named ``input`` (or ``input_name``), shape ``(batch, in_features)``
with a dynamic batch axis; the class labels are stored as JSON in the model's
metadata (``classes``). A model file trained by ``neuronet train`` on CSV data keeps its
standardisation; the graph then starts with it (``Sub``, ``Div``), so it takes raw features.

A network with a table encoding (``net.encoder``, a ``neuronet.tables.TableEncoder``: a model
trained on a table with text columns or missing values) takes the **raw columns** instead: one
input per column the encoding reads, named as the column, shape ``(batch,)``: ``tensor(string)``
for a text column ("" for a missing value), ``tensor(double)`` for every other one (NaN for a
missing value; a bool as 0/1). The encoding's nodes (``neuronet.tables.onnx_form``) compute the
network's input from them exactly as ``encoder.transform`` does; ``onnx_inputs(model)`` lists
them, and ``neuronet.tables.onnx_form.onnx_feeds(encoder, table)`` makes the feeds from a table.
The model's metadata then also holds ``columns``: the inputs as JSON ``[[name, "text" or
"number"], ...]``. The graph cannot refuse a row: a category not seen in training goes to its
column's unseen slot, as with ``handle_unknown="slot"``. An encoding learned with
``handle_unknown="error"`` (``neuronet train --unseen error``), which refuses such a row in Python,
is exported with a ``UserWarning`` saying so and the metadata ``unseen_categories`` =
``"unseen slot"`` (else ``"unseen slot (as trained)"``): check the categories before scoring.
Needs the ``onnx`` extra: ``pip install "neuronet[onnx]"``.
"""

from __future__ import annotations

import inspect
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .activations import NoOnnxForm
from .atomic import atomic_write
from .errors import ConfigurationError, MissingExtra
from .network import as_network

__all__ = ["export", "to_onnx", "write_model", "onnx_inputs", "Graph", "NoOnnxForm", "DEFAULT_OPSET"]

_ENCODED = "encoded"  # the network part's input, behind a table encoding

DEFAULT_OPSET = 17


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise MissingExtra("neuronet.onnx needs the onnx package: pip install 'neuronet[onnx]'") from None
    return onnx


class Graph:
    """What layers, activations and losses write their ONNX form into (``to_onnx(graph, ...)``)."""

    def __init__(self) -> None:
        from onnx import TensorProto, helper, numpy_helper

        self._helper, self._numpy_helper, self._types = helper, numpy_helper, {
            "float": TensorProto.FLOAT, "int64": TensorProto.INT64}
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.outputs: list[Any] = []

    def node(self, op: str, inputs: list[str], name: str, **attributes: Any) -> str:
        """Add ``op(inputs) -> name``; a ``to=`` attribute may name a type ("float", "int64")."""
        if isinstance(attributes.get("to"), str):
            attributes["to"] = self._types[attributes["to"]]
        self.nodes.append(self._helper.make_node(op, inputs, [name], name=f"{op}_{len(self.nodes)}", **attributes))
        return name

    def constant(self, name: str, value: Any, dtype: str = "float") -> str:
        """A constant tensor (float32, or int64 with ``dtype="int64"``) named ``name``."""
        array = np.asarray(value, dtype=np.int64 if dtype == "int64" else np.float32)
        self.initializers.append(self._numpy_helper.from_array(array, name))
        return name

    def output(self, name: str, dtype: str, shape: list[Any]) -> None:
        self.outputs.append(self._helper.make_tensor_value_info(name, self._types[dtype], shape))


def to_onnx(model: Any, *, input_name: str = "input", opset: int = DEFAULT_OPSET) -> Any:
    """The ``onnx.ModelProto`` for ``model`` (checked with ``onnx.checker``)."""
    onnx = _require_onnx()
    from onnx import TensorProto, helper

    newest = onnx.defs.onnx_opset_version()
    if not isinstance(opset, int) or isinstance(opset, bool) or not 13 <= opset <= newest:
        raise ConfigurationError(f"opset: expected a whole number from 13 (Softmax along one axis) to {newest} (the "
                                 f"newest this onnx {onnx.__version__} knows), got {opset!r}")
    if not isinstance(input_name, str) or not input_name:
        raise ConfigurationError(f"input_name: expected a non-empty string, got {input_name!r}")
    net = as_network(model)
    encoder = getattr(net, "encoder", None)
    if encoder is not None:
        if input_name != "input":
            raise ConfigurationError(f"input_name: a model with a table encoding takes its raw columns as inputs, "
                                     f"each named as its column; leave input_name out (got {input_name!r})")
        input_name = _ENCODED
    graph = Graph()
    current = input_name
    preprocessing = (net.metadata or {}).get("preprocessing")
    if preprocessing:  # the model file's standardisation (neuronet train on CSV data) goes into the graph
        mean, std = np.asarray(preprocessing["mean"]), np.asarray(preprocessing["std"])
        if mean.shape != (net.in_features,) or std.shape != (net.in_features,):
            raise ConfigurationError(f"model: its preprocessing has {mean.shape[0]} features, the network "
                                     f"{net.in_features}")
        current = graph.node("Sub", [current, graph.constant("preprocessing.mean", mean)], "centered")
        current = graph.node("Div", [current, graph.constant("preprocessing.std", std)], "standardized")
    for index, layer in enumerate(net.layers):
        current = layer.to_onnx(graph, current, f"layer{index}")
    loss = net.output_loss()
    loss.to_onnx(graph, current, net.out_features)
    onnx_graph = helper.make_graph(
        graph.nodes, "neuronet",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", net.in_features])],
        graph.outputs, initializer=graph.initializers)
    proto = helper.make_model(onnx_graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="neuronet",
                              producer_version=__version__)
    proto.ir_version = min(proto.ir_version, 8)  # readable by onnxruntime releases from 2022 on
    classes = None if net.classes is None else np.asarray(net.classes).tolist()
    props = {"classes": json.dumps(classes), "loss": loss.name, "architecture": json.dumps(net.config())}
    if (net.metadata or {}).get("features"):
        props["features"] = json.dumps(net.metadata["features"])
    if encoder is not None:
        proto = _with_encoder(proto, encoder, net)
        props["columns"] = json.dumps([list(column) for column in encoder.input_columns])
        props["unseen_categories"] = _unseen_categories(encoder)
    helper.set_model_props(proto, props)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _with_encoder(proto: Any, encoder: Any, net: Any) -> Any:
    """The network's graph behind the table encoding's nodes: the raw columns in."""
    import copy

    from .tables.onnx_form import prepend_encoder

    graph = proto.graph
    taken = ({name for node in graph.node for name in node.output} | {init.name for init in graph.initializer}
             | {output.name for output in graph.output} | {_ENCODED})
    for name, _ in encoder.input_columns:
        if name in taken:
            raise ConfigurationError(f"encoder: the column {name!r} has the name of one of the network graph's own "
                                     "values; rename the column to export the model")
    if encoder.width != net.in_features:
        raise ConfigurationError(f"encoder: makes {encoder.width} features, the network takes {net.in_features}")
    if encoder.dtype != "float32":  # the network graph takes float32, whatever the encoding's own dtype
        encoder = copy.copy(encoder)
        encoder.dtype = "float32"
    return prepend_encoder(encoder, proto, input_name=_ENCODED)


def _unseen_categories(encoder: Any) -> str:
    """What the graph does with a category not seen in training; a ``UserWarning`` where the
    encoding refuses one in Python (``handle_unknown="error"``) and the graph cannot."""
    categorical = [column.name for column in encoder.columns if hasattr(column, "categories")]
    if encoder.handle_unknown != "error" or not categorical:
        return "unseen slot (as trained)"
    level, frame = 1, inspect.currentframe()
    while frame is not None and frame.f_code.co_filename == __file__:  # said at the caller's line
        level, frame = level + 1, frame.f_back
    warnings.warn(f"neuronet.onnx: the encoding refuses categories not seen in training (handle_unknown='error'), "
                  f"the ONNX graph cannot: it maps them to the unseen slot of {', '.join(map(repr, categorical[:5]))}"
                  f"{', ...' if len(categorical) > 5 else ''} and scores the row; check the categories before "
                  "scoring with it", UserWarning, stacklevel=level)
    return "unseen slot"


def onnx_inputs(proto: Any) -> list[str]:
    """The inputs of an ONNX model as ``name: type (shape)`` lines, e.g. ``island: string (batch)``."""
    from onnx import TensorProto

    lines = []
    for value in proto.graph.input:
        tensor = value.type.tensor_type
        dims = ", ".join(d.dim_param or str(d.dim_value) for d in tensor.shape.dim)
        lines.append(f"{value.name}: {TensorProto.DataType.Name(tensor.elem_type).lower()} ({dims})")
    return lines


def export(model: Any, path: str | Path, *, input_name: str = "input", opset: int = DEFAULT_OPSET) -> Path:
    """Write ``model`` (a ``Sequential`` or a fitted ``neuronet.sklearn`` estimator) to ``path``
    as ONNX; the file appears whole or not at all. Returns the path."""
    return write_model(to_onnx(model, input_name=input_name, opset=opset), path)


def write_model(proto: Any, path: str | Path) -> Path:
    """Write an ``onnx.ModelProto`` (``to_onnx``'s) to ``path``, whole or not at all. Returns the path."""
    path = Path(path)
    with atomic_write(path) as handle:
        handle.write(proto.SerializeToString())
    return path
