"""neuronet.onnx: the exported graph, run in onnxruntime, predicts what the library predicts."""

import json
import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import neuronet as nn  # noqa: E402
from neuronet import cli  # noqa: E402
from neuronet.sklearn import MLPClassifier, MLPRegressor  # noqa: E402


def _run(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (inputs,) = session.get_inputs()
    assert inputs.type == "tensor(float)" and inputs.shape[0] == "batch"  # float32, dynamic batch axis
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, {inputs.name: np.asarray(X, np.float32)})))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6)).astype(np.float32)
    return X, (X[:, 0] + X[:, 1] ** 2 > 1).astype(int) + (X[:, 2] > 0.5)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "identity", "step"])
def test_network_with_each_activation_matches(tmp_path, data, activation):
    X, y = data
    net = nn.MLP([6, 12, 8, 3], activation=activation, rng=0)
    if activation != "step":
        net.fit(X, y, epochs=3, verbose=0, seed=0)
    path = nn.onnx.export(net, tmp_path / "net.onnx")
    outputs = _run(path, X)
    np.testing.assert_allclose(outputs["probabilities"], net.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(outputs["label"], net.predict(X))
    model = onnx.load(str(path))
    assert model.opset_import[0].version >= 13
    ops = {node.op_type for node in model.graph.node}
    assert "Gemm" in ops and "Softmax" in ops


def test_classifier_estimators_binary_multiclass_multilabel(tmp_path, data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for target in (y, (y > 0).astype(int), np.stack([y > 0, y > 1, X[:, 3] > 0], axis=1).astype(int)):
            model = MLPClassifier(hidden_layer_sizes=(10, 5), activation=["leaky_relu", "tanh"], max_iter=50,
                                  random_state=0).fit(X, target)
            path = nn.onnx.export(model, tmp_path / "model.onnx")
            outputs = _run(path, X)
            np.testing.assert_allclose(outputs["probabilities"], model.predict_proba(X), atol=1e-5)
            if target.ndim == 1:
                np.testing.assert_array_equal(model.classes_[outputs["label"]], model.predict(X))
            else:
                np.testing.assert_array_equal(outputs["label"], model.predict(X))
    classes = json.loads({p.key: p.value for p in onnx.load(str(path)).metadata_props}["classes"])
    assert classes is None  # multi-label: the columns are the labels


def test_regressors(tmp_path, data):
    X, _ = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        linear = MLPRegressor(hidden_layer_sizes=(8,), max_iter=50, random_state=0).fit(X, X[:, :2].sum(axis=1))
        poisson = MLPRegressor(loss="poisson", max_iter=50, random_state=0).fit(X, np.abs(X[:, 0]))
    for model in (linear, poisson):
        outputs = _run(nn.onnx.export(model, tmp_path / "r.onnx"), X)
        np.testing.assert_allclose(outputs["predictions"][:, 0], model.predict(X), rtol=1e-5, atol=1e-5)


def test_bad_arguments_and_no_partial_file(tmp_path, data):
    net = nn.MLP([6, 4, 3], rng=0)
    with pytest.raises(ValueError, match="opset"):
        nn.onnx.export(net, tmp_path / "a.onnx", opset=11)
    with pytest.raises(TypeError, match="model"):
        nn.onnx.export("not a model", tmp_path / "b.onnx")
    with pytest.raises(FileNotFoundError):
        nn.onnx.export(net, tmp_path / "missing" / "c.onnx")
    assert list(tmp_path.iterdir()) == []


def test_cli_export_keeps_the_standardisation(tmp_path, capsys):
    rng = np.random.default_rng(2)
    X = rng.normal(50, 10, size=(200, 3))
    y = (X[:, 0] > 50).astype(int)
    csv = tmp_path / "data.csv"
    csv.write_text("a,b,c,label\n" + "\n".join(f"{r[0]},{r[1]},{r[2]},{t}" for r, t in zip(X, y)) + "\n")
    model = tmp_path / "model.npz"
    assert cli.main(["train", "--data", str(csv), "--target", "label", "--hidden", "8", "--epochs", "5",
                     "--verbose", "0", "--out", str(model)]) == 0
    assert cli.main(["export", str(model), "--onnx", str(tmp_path / "model.onnx")]) == 0
    net = nn.load(model)
    from neuronet.datasets.resolve import apply_preprocessing as _apply_preprocessing
    expected = net.predict_proba(_apply_preprocessing(X, net.metadata))
    np.testing.assert_allclose(_run(tmp_path / "model.onnx", X)["probabilities"], expected, atol=1e-5)
    capsys.readouterr()
    assert cli.main(["export", str(model), "--onnx", str(tmp_path / "model.txt")]) == 2
    assert "--onnx" in capsys.readouterr().err
