"""Export a trained network (or a ``neuronet.sklearn`` estimator) to ONNX.

    >>> neuronet.onnx.export(net, "model.onnx")            # doctest: +SKIP

The graph is the network written out as ONNX operators: each ``Dense`` is one
``Gemm`` (y = x W + b), each activation its ONNX op (``Relu``, ``Sigmoid``, ``Tanh``,
``LeakyRelu``, ``Softmax``; ``Step`` as ``Greater`` + ``Cast``), ``Dropout`` is left
out (it is the identity at inference). The outputs follow the network's loss:

| loss | outputs |
|---|---|
| softmax cross-entropy, cross-entropy, hinge | ``probabilities`` (batch, K) and ``label`` (batch,), the class index |
| binary cross-entropy, one output | ``probabilities`` (batch, 2) = [1 - p, p] and ``label`` |
| binary cross-entropy, K outputs (multi-label) | ``probabilities`` (batch, K) and ``label`` (batch, K) 0/1 |
| MSE | ``predictions`` (batch, outputs) |
| Poisson | ``predictions`` = exp(scores) |

The input is float32, named ``input`` (or ``input_name``), shape ``(batch, in_features)``
with a dynamic batch axis; the class labels are stored as JSON in the model's
metadata (``classes``). A model file trained by ``neuronet train`` on CSV data keeps its
standardisation; the graph then starts with it (``Sub``, ``Div``), so it takes raw features.
Needs the ``onnx`` extra: ``pip install "neuronet[onnx]"``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from . import losses as _losses
from .atomic import atomic_write
from .errors import ConfigurationError
from .layers import Dense, Dropout, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Step, Tanh
from .network import as_network

__all__ = ["export", "to_onnx", "DEFAULT_OPSET"]

DEFAULT_OPSET = 17
_SIMPLE_OPS = {ReLU: "Relu", Sigmoid: "Sigmoid", Tanh: "Tanh"}


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("neuronet.onnx needs the onnx package: pip install 'neuronet[onnx]'") from None
    return onnx


def to_onnx(model: Any, *, input_name: str = "input", opset: int = DEFAULT_OPSET) -> Any:
    """The ``onnx.ModelProto`` for ``model`` (checked with ``onnx.checker``)."""
    onnx = _require_onnx()
    from onnx import TensorProto, helper, numpy_helper

    newest = onnx.defs.onnx_opset_version()
    if not isinstance(opset, int) or isinstance(opset, bool) or not 13 <= opset <= newest:
        raise ConfigurationError(f"opset: expected a whole number from 13 (Softmax along one axis) to {newest} (the "
                                 f"newest this onnx {onnx.__version__} knows), got {opset!r}")
    if not isinstance(input_name, str) or not input_name:
        raise ValueError(f"input_name: expected a non-empty string, got {input_name!r}")
    net = as_network(model)
    nodes, initializers = [], []
    current = input_name

    def node(op: str, inputs: list[str], name: str, **attributes: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=f"{op}_{len(nodes)}", **attributes))
        return name

    def constant(name: str, value: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    preprocessing = (net.metadata or {}).get("preprocessing")
    if preprocessing:  # the model file's standardisation (neuronet train on CSV data) goes into the graph
        mean, std = np.asarray(preprocessing["mean"]), np.asarray(preprocessing["std"])
        if mean.shape != (net.in_features,) or std.shape != (net.in_features,):
            raise ValueError(f"model: its preprocessing has {mean.shape[0]} features, the network {net.in_features}")
        current = node("Sub", [current, constant("preprocessing.mean", mean)], "centered")
        current = node("Div", [current, constant("preprocessing.std", std)], "standardized")
    for index, layer in enumerate(net.layers):
        out = f"layer{index}"
        if isinstance(layer, Dense):
            W = constant(f"layer{index}.W", np.asarray(layer.params["W"]))
            b = constant(f"layer{index}.b", np.asarray(layer.params["b"]))
            current = node("Gemm", [current, W, b], out)
        elif type(layer) in _SIMPLE_OPS:
            current = node(_SIMPLE_OPS[type(layer)], [current], out)
        elif isinstance(layer, LeakyReLU):
            current = node("LeakyRelu", [current], out, alpha=float(layer.alpha))
        elif isinstance(layer, Softmax):
            current = node("Softmax", [current], out, axis=-1)
        elif isinstance(layer, Step):
            positive = node("Greater", [current, constant(f"layer{index}.zero", np.zeros(1))], f"{out}.positive")
            current = node("Cast", [positive], out, to=TensorProto.FLOAT)
        elif isinstance(layer, (Identity, Dropout)):
            continue  # the identity at inference
        else:
            raise TypeError(f"model: layer {index} ({type(layer).__name__}) has no ONNX export")
    scores = current
    loss = net._output_loss()
    width = net.out_features
    outputs = []
    if isinstance(loss, (_losses.MSE, _losses.Poisson)):
        predictions = node("Exp" if isinstance(loss, _losses.Poisson) else "Identity", [scores], "predictions")
        outputs.append(helper.make_tensor_value_info(predictions, TensorProto.FLOAT, ["batch", width]))
    elif isinstance(loss, _losses.BinaryCrossEntropy) and width > 1:
        node("Sigmoid", [scores], "probabilities")
        positive = node("Greater", [scores, constant("zero", np.zeros(1))], "positive")
        node("Cast", [positive], "label", to=TensorProto.INT64)
        outputs += [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", width]),
                    helper.make_tensor_value_info("label", TensorProto.INT64, ["batch", width])]
    else:
        if isinstance(loss, _losses.BinaryCrossEntropy):
            p1 = node("Sigmoid", [scores], "p1")
            p0 = node("Sub", [constant("one", np.ones(1)), p1], "p0")
            probabilities = node("Concat", [p0, p1], "probabilities", axis=1)
        elif isinstance(loss, _losses.CrossEntropy):  # the network already ends in Softmax
            probabilities = node("Identity", [scores], "probabilities")
        else:
            probabilities = node("Softmax", [scores], "probabilities", axis=1)
        node("ArgMax", [probabilities], "label", axis=1, keepdims=0)
        n_classes = loss.n_classes(width)
        outputs += [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", n_classes]),
                    helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"])]
    graph = helper.make_graph(
        nodes, "neuronet", [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", net.in_features])],
        outputs, initializer=initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="neuronet",
                              producer_version=__version__)
    proto.ir_version = min(proto.ir_version, 8)  # readable by onnxruntime releases from 2022 on
    classes = None if net.classes is None else np.asarray(net.classes).tolist()
    props = {"classes": json.dumps(classes), "loss": loss.name, "architecture": json.dumps(net.config())}
    if (net.metadata or {}).get("features"):
        props["features"] = json.dumps(net.metadata["features"])
    helper.set_model_props(proto, props)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def export(model: Any, path: str | Path, *, input_name: str = "input", opset: int = DEFAULT_OPSET) -> Path:
    """Write ``model`` (a ``Sequential`` or a fitted ``neuronet.sklearn`` estimator) to ``path``
    as ONNX; the file appears whole or not at all. Returns the path."""
    proto = to_onnx(model, input_name=input_name, opset=opset)
    path = Path(path)
    with atomic_write(path) as handle:
        handle.write(proto.SerializeToString())
    return path
