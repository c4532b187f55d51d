"""Registries are the only source of names: an activation registered here (defined in this test)
appears in every front end at once, and exports to ONNX or says it cannot."""

import json

import numpy as np
import pytest

import neuronet as nn
from neuronet import activations
from neuronet.cli import main


class Softsign(activations.Activation):
    """f(x) = x / (1 + |x|); f'(x) = 1 / (1 + |x|)^2 = (1 - |f(x)|)^2."""

    name = "softsign"
    display_name = "softsign"

    def __call__(self, x, out=None):
        x = np.asarray(x, dtype=float) if not hasattr(x, "dtype") or x.dtype.kind != "f" else x
        result = x / (1 + np.abs(x))
        if out is None:
            return result
        out[...] = result
        return out

    def derivative_from_output(self, y, out=None):
        result = np.square(1 - np.abs(y))
        if out is None:
            return result
        out[...] = result
        return out

    def to_onnx(self, graph, x, out):
        return graph.node("Softsign", [x], out)


class Cube(activations.Activation):
    """f(x) = x^3, with no ONNX form declared."""

    name = "cube"
    display_name = "cube"

    def __call__(self, x, out=None):
        result = np.power(x, 3)
        if out is None:
            return result
        out[...] = result
        return out

    def derivative(self, x):
        return 3 * np.square(x)

    def derivative_from_output(self, y, out=None):
        result = 3 * np.cbrt(y) ** 2
        if out is None:
            return result
        out[...] = result
        return out


@pytest.fixture
def registered():
    activations.register(Softsign)
    activations.register(Cube)
    yield
    activations.unregister("softsign")
    activations.unregister("cube")


def test_the_registry_refuses_duplicates_and_bad_names(registered):
    with pytest.raises(ValueError, match="taken"):
        activations.register(Softsign)
    with pytest.raises(ValueError, match="lower-case identifier"):
        activations.register(type("Bad", (activations.Activation,), {"name": "Bad Name"}))


def test_a_registered_activation_is_a_cli_choice(registered, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["train", "--help"])
    assert caught.value.code == 0
    help_text = capsys.readouterr().out
    assert "softsign" in help_text and "cube" in help_text
    assert main(["train", "--data", "moons", "--hidden", "4", "--activation", "softsign", "--epochs", "2",
                 "--verbose", "0"]) == 0


def test_a_registered_activation_is_drawn_by_default(registered):
    pytest.importorskip("matplotlib")
    from neuronet import plot

    figure = plot.activations()
    titles = [ax.get_title() for ax in figure.axes]
    assert "softsign" in titles and "cube" in titles and "ReLU" in titles


def test_a_registered_activation_is_in_the_playground_menus(registered):
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from neuronet.playground.server import create_app

    with TestClient(create_app(), base_url="http://127.0.0.1:8000") as client, \
            client.websocket_connect("ws://127.0.0.1:8000/ws") as ws:
        hello = json.loads(ws.receive_text())
        assert ["softsign", "softsign"] in hello["menus"]["activation"]
        ws.send_text(json.dumps({"type": "configure", "settings": {
            "dataset": "xor", "samples": 40, "layers": [{"neurons": 4, "activation": "softsign"}]}}))
        state = json.loads(ws.receive_text())
        assert state["type"] == "state" and len(state["neurons"]) == 1


def test_a_registered_activation_trains_saves_loads_and_passes_the_gradient_check(registered, tmp_path):
    X, y = nn.datasets.make_moons(200, noise=0.1, seed=0)
    net = nn.MLP([2, 8, 2], activation="softsign", rng=0)
    net.fit(X, y, epochs=30, lr=0.01, verbose=0, seed=0)
    assert net.evaluate(X, y)["accuracy"] > 0.8
    loaded = nn.load(nn.save(net, tmp_path / "softsign.npz"))
    assert repr(loaded) == repr(net) and "Activation('softsign')" in repr(loaded)
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))
    small = nn.MLP([3, 4, 2], activation="softsign", rng=0, dtype=np.float64)
    errors = nn.gradient_check(small, "softmax_cross_entropy", np.random.default_rng(0).normal(size=(5, 3)),
                               np.array([0, 1, 0, 1, 1]))
    assert max(errors.values()) < 1e-7


def test_a_registered_activation_exports_to_onnx_or_says_it_cannot(registered, tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    X = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    net = nn.MLP([2, 5, 3], activation="softsign", rng=0)
    net.trained = True
    path = nn.onnx.export(net, tmp_path / "softsign.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    probabilities = session.run(["probabilities"], {"input": X})[0]
    np.testing.assert_allclose(probabilities, net.predict_proba(X), atol=1e-5)
    with pytest.raises(nn.onnx.NoOnnxForm, match="'cube' has no ONNX form"):
        nn.onnx.export(nn.MLP([2, 5, 3], activation="cube", rng=0), tmp_path / "cube.onnx")
    assert not (tmp_path / "cube.onnx").exists()


def test_a_one_output_hinge_model_exports_scores_and_labels(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    X, y = nn.datasets.make_moons(100, noise=0.1, seed=0)
    net = nn.MLP([2, 6, 1], activation="relu", rng=0)
    net.fit(X, y, loss="hinge", epochs=20, lr=0.01, verbose=0, seed=0)
    path = nn.onnx.export(net, tmp_path / "svm.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    scores, labels = session.run(["scores", "label"], {"input": X.astype(np.float32)})
    np.testing.assert_array_equal(labels, net.predict(X))
    np.testing.assert_allclose(scores, net.scores(X), atol=1e-5)


@pytest.mark.parametrize("registry, names", [
    (nn.losses, ["softmax_cross_entropy", "cross_entropy", "binary_cross_entropy", "hinge", "mse", "poisson"]),
    (nn.optim, ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]),
    (nn.schedules, ["constant", "step", "exponential", "invscaling", "cosine", "plateau"]),
])
def test_every_front_end_reads_the_same_lists(registry, names, capsys):
    from neuronet.cli import build_parser

    assert registry.names() == names
    flag = {"losses": "--loss", "optim": "--optimizer", "schedules": "--lr-schedule"}[registry.__name__.rsplit(".", 1)[1]]
    parser = build_parser()
    for name in names:  # every registered name is a choice of neuronet train
        assert parser.parse_args(["train", flag, name]) is not None
        assert getattr(parser.parse_args(["train", flag, name]), flag[2:].replace("-", "_")) == name
    with pytest.raises(SystemExit) as refused:  # and the refusal of another lists exactly the registry's names
        parser.parse_args(["train", flag, "not_a_registered_name"])
    assert refused.value.code == 2
    message = capsys.readouterr().err
    assert "not_a_registered_name" in message and all(repr(name) in message for name in names)
