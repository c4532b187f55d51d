"""neuronet.tables.onnx_form: onnxruntime fed the raw columns (text, missing values, unseen
categories) computes exactly what TableEncoder.transform computes."""

import numpy as np
import pyarrow as pa
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from neuronet.datasets.tables import load_cars, load_penguins  # noqa: E402
from neuronet.errors import ConfigurationError  # noqa: E402
from neuronet.tables.encoding import TableEncoder  # noqa: E402
from neuronet.tables.onnx_form import encoder_model, encoder_to_onnx, onnx_feeds, prepend_encoder  # noqa: E402


def _run(model, feeds):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def _hostile_rows(table, changes):
    rows = table.slice(0, len(next(iter(changes.values())))).to_pydict()
    rows.update(changes)
    return pa.table(rows, schema=table.schema)


@pytest.mark.parametrize("scaling", ["standard", "robust", "none"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_penguins_graph_equals_transform_on_raw_columns(scaling, dtype):
    table, target = load_penguins()
    encoder = TableEncoder(target=target, scaling=scaling, dtype=dtype).fit(table)
    model = encoder_model(encoder)
    assert {value.name for value in model.graph.input} == {name for name, _ in encoder.input_columns}
    strange = _hostile_rows(table, {"island": ["Atlantis", None, "Dream", ""], "sex": [None, "", "unknown", "male"],
                                    "year": [2031, None, 2008, 2009], "bill_length_mm": [None, 1e6, -3.0, 40.0]})
    for rows in (table, strange):
        (out,) = _run(model, onnx_feeds(encoder, rows))
        expected = encoder.transform(rows)
        assert out.dtype == expected.dtype and out.shape == expected.shape
        np.testing.assert_allclose(out, expected, rtol=1e-12 if dtype == "float64" else 1e-6, atol=1e-12)


def test_cars_regression_table_and_float_inputs():
    table, target = load_cars()
    encoder = TableEncoder(target=target, scaling="robust").fit(table)
    (out,) = _run(encoder_model(encoder), onnx_feeds(encoder, table))
    np.testing.assert_array_equal(out, encoder.transform(table))
    (out32,) = _run(encoder_model(encoder, number_type="float"), onnx_feeds(encoder, table, number_type="float"))
    np.testing.assert_allclose(out32, encoder.transform(table), rtol=1e-5, atol=1e-6)


def test_bool_and_numeric_categories_with_missing_values():
    table = pa.table({"flag": [True, False, None, True], "level": [1, 2, 2, None], "x": [0.5, None, 2.0, 3.0],
                      "label": ["a", "b", "a", "b"]})
    encoder = TableEncoder(target="label", categorical=["level"]).fit(table)
    later = pa.table({"flag": [None, True], "level": [7, None], "x": [float("nan"), 1.0]})
    for rows in (table, later):
        (out,) = _run(encoder_model(encoder), onnx_feeds(encoder, rows))
        np.testing.assert_array_equal(out, encoder.transform(rows))


@pytest.mark.parametrize("opset", [13, 17, 19])
def test_prepended_to_a_network_the_graph_takes_raw_rows(opset):
    from neuronet.network import MLP
    from neuronet.onnx import to_onnx

    table, target = load_penguins()
    encoder = TableEncoder(target=target, scaling="robust").fit(table)
    net = MLP([encoder.width, 8, 3], activation="relu", rng=np.random.default_rng(0))
    model = prepend_encoder(encoder, to_onnx(net, opset=opset))
    assert {entry.domain: entry.version for entry in model.opset_import}[""] == opset
    assert sorted(value.name for value in model.graph.input) == sorted(name for name, _ in encoder.input_columns)
    outputs = dict(zip([value.name for value in model.graph.output], _run(model, onnx_feeds(encoder, table))))
    probabilities = outputs.get("probabilities")
    assert probabilities is not None and probabilities.shape == (344, 3)
    np.testing.assert_allclose(probabilities.argmax(axis=1), outputs["label"])
    direct = _run(to_onnx(net, opset=opset), {"input": encoder.transform(table)})
    np.testing.assert_allclose(probabilities, direct[0], rtol=1e-6, atol=1e-7)


def test_names_and_arguments_are_checked():
    table = pa.table({"features": [1.0, 2.0], "y": [0.0, 1.0]})
    encoder = TableEncoder().fit(table)
    with pytest.raises(ConfigurationError, match="clashes with the graph's own names"):
        encoder_to_onnx(encoder)
    with pytest.raises(ConfigurationError, match="number_type"):
        encoder_to_onnx(encoder, output="out", number_type="half")
    with pytest.raises(ConfigurationError, match="a fitted TableEncoder"):
        encoder_to_onnx(TableEncoder())
