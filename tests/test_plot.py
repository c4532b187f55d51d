import io
import re
import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

import neuronet as nn  # noqa: E402
from neuronet import plot  # noqa: E402
from neuronet.cli import main  # noqa: E402


def pixels(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=50)
    buffer.seek(0)
    return matplotlib.image.imread(buffer)


def not_blank(figure):
    image = pixels(figure)
    return image[..., :3].std() > 0.05


@pytest.fixture(scope="module")
def spiral_model():
    X, y = nn.datasets.make_spiral(300, n_classes=3, seed=0)
    net = nn.MLP([2, 16, 16, 3], activation="relu", rng=0)
    history = net.fit(X, y, epochs=40, lr=0.01, validation_split=0.2, seed=0, verbose=0)
    return net, history, X, y


def test_import_neuronet_does_not_import_matplotlib():
    code = "import sys, neuronet; neuronet.MLP([2, 2]); assert 'matplotlib' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_activations_one_panel_each_with_derivative():
    figure = plot.activations()
    assert isinstance(figure, Figure) and len(figure.axes) == 7
    titles = [ax.get_title() for ax in figure.axes]
    assert titles == ["step", "sigmoid", "tanh", "ReLU", "Leaky ReLU (α = 0.01)", "identity", "softmax (2 classes)"]
    def curves(ax):
        return [line for line in ax.lines if line.get_label() in ("f(x)", "f'(x)")]

    sigmoid_panel = figure.axes[1]
    f, derivative = curves(sigmoid_panel)
    assert derivative.get_linestyle() == "--"
    x, dy = derivative.get_data()
    assert dy[np.argmin(np.abs(x))] == pytest.approx(0.25)   # sigmoid'(0) = 1/4
    softmax_panel = figure.axes[6]
    np.testing.assert_allclose(curves(softmax_panel)[0].get_ydata(), f.get_ydata())
    assert not_blank(figure)
    without = plot.activations(["tanh", "relu"], derivatives=False)
    assert len(without.axes) == 2 and all(len(curves(ax)) == 1 for ax in without.axes)
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        plot.activations(["gelu"])


def test_the_leaky_relu_panel_draws_and_names_the_librarys_alpha():
    from neuronet import activations

    def slope_left(figure):
        x, y = figure.axes[0].lines[0].get_data()
        return (y[1] - y[0]) / (x[1] - x[0])

    library = activations.get("leaky_relu").alpha
    default = plot.activations(["leaky_relu"])
    assert default.axes[0].get_title() == f"Leaky ReLU (α = {library:g})" == "Leaky ReLU (α = 0.01)"
    assert slope_left(default) == pytest.approx(library)
    wider = plot.activations(["leaky_relu"], alpha=0.2)
    assert wider.axes[0].get_title() == "Leaky ReLU (α = 0.2)" and slope_left(wider) == pytest.approx(0.2)
    for bad in (-0.1, float("nan"), "0.1", True):
        with pytest.raises(ValueError, match="alpha: expected"):
            plot.activations(["leaky_relu"], alpha=bad)


def test_seed_001_neuron_boundary_passes_through_its_points():
    # the seed's w0 = -2, w1 = 1 and w2 = 2 on the dummy input x2 = 1: sigmoid(-2 x0 + x1 + 2)
    figure = plot.neuron(nn.Neuron([-2.0, 1.0], bias=2.0))
    ax = figure.axes[0]
    (line,) = [line for line in ax.lines if line.get_label().endswith("= 0")]
    assert line.get_label() == "−2·x0 + 1·x1 + 2 = 0"
    assert ax.get_xlabel() == "x0" and ax.get_ylabel() == "x1"
    xs, ys = line.get_data()
    # -2 x0 + x1 + 2 = 0 passes through (1, 0), (0, -2) and (2, 2)
    for point_x, point_y in [(1, 0), (0, -2), (2, 2)]:
        assert np.interp(point_x, xs, ys) == pytest.approx(point_y)
    image = ax.images[0].get_array()
    assert image.min() < 0.01 and image.max() > 0.99   # the sigmoid saturates on either side
    assert not_blank(figure)
    surface = plot.neuron(nn.Neuron([-2.0, 1.0], bias=2.0), kind="surface")
    assert surface.axes[0].name == "3d"
    with pytest.raises(ValueError, match="2 inputs"):
        plot.neuron(nn.Neuron([1.0, 2.0, 3.0]))


def test_decision_boundary_regions_and_misclassified(spiral_model):
    net, _, X, y = spiral_model
    figure = plot.decision_boundary(net, X, y)
    ax = figure.axes[0]
    regions = ax.images[0].get_array()
    assert set(np.unique(regions)) == {0, 1, 2}
    wrong = int(np.sum(net.predict(X) != y))
    labels = [collection.get_label() for collection in ax.collections]
    assert labels[:3] == ["0", "1", "2"]
    if wrong:
        assert labels[3] == f"misclassified ({wrong})" and len(ax.collections[3].get_offsets()) == wrong
    assert not_blank(figure)


def test_decision_boundary_any_number_of_classes_and_string_labels():
    X, y = nn.datasets.make_spiral(250, n_classes=5, seed=1)
    names = np.array(list("abcde"))[y]
    net = nn.MLP([2, 24, 5], activation="tanh", rng=0)
    net.fit(X, names, epochs=30, lr=0.02, seed=0, verbose=0)
    figure = plot.decision_boundary(net, X, names)
    assert figure.axes[0].get_title() == "decision regions (5 classes)"
    with pytest.raises(ValueError, match=r"2-D inputs of shape \(n, 2\)"):
        plot.decision_boundary(net, np.zeros((3, 4)), np.zeros(3))


def test_history_panels(spiral_model):
    _, history, _, _ = spiral_model
    figure = plot.history(history)
    assert [ax.get_title() for ax in figure.axes] == ["loss", "accuracy"]
    assert [line.get_label() for line in figure.axes[1].lines] == ["training accuracy", "validation accuracy"]
    np.testing.assert_allclose(figure.axes[0].lines[1].get_ydata(), history.history["val_loss"])
    assert len(plot.history({"history": {"loss": [1, 0.5]}}).axes) == 1


def test_confusion_matrix_counts(spiral_model):
    net, _, X, y = spiral_model
    figure = plot.confusion_matrix(net, X, y)
    ax = figure.axes[0]
    counts = [int(text.get_text()) for text in ax.texts]
    assert len(counts) == 9 and sum(counts) == len(y)
    diagonal = [counts[0], counts[4], counts[8]]
    assert sum(diagonal) == int(np.sum(net.predict(X) == y))


def test_weights_as_images():
    (X, y), _ = nn.datasets.load("digits")
    net = nn.MLP([64, 12, 10], activation="relu", rng=0)
    figure = plot.weights(net, image_shape=(8, 8))
    assert len(figure.axes) == 12 and figure.axes[0].images[0].get_array().shape == (8, 8)
    with pytest.raises(ValueError, match=r"\(28, 28\) holds 784 pixels but the layer has 64 inputs"):
        plot.weights(net, image_shape=(28, 28))


def test_colour_weights_are_read_channel_first():
    layer = nn.Dense(3 * 32 * 32, 2, rng=0)
    layer.params["W"][...] = 0
    layer.params["W"][: 32 * 32, 0] = 1.0   # unit 0 sees only the red plane
    figure = plot.weights(layer, image_shape=(32, 32, 3))
    image = figure.axes[0].images[0].get_array()
    assert image.shape == (32, 32, 3)
    assert np.all(image[..., 0] == 1) and np.all(image[..., 1:] == 0)


def test_network_diagram_edges(spiral_model):
    net = nn.MLP([3, 4, 2], rng=0)
    figure = plot.network(net)
    ax = figure.axes[0]
    assert len(ax.lines) == 3 * 4 + 4 * 2
    weights = np.concatenate([net.parameters()["0.W"].ravel(), net.parameters()["2.W"].ravel()])
    colours = [line.get_color() for line in ax.lines]
    assert colours.count(plot.POSITIVE) == int(np.sum(weights >= 0))
    assert not_blank(figure)


def test_drawing_into_given_axes(spiral_model):
    net, _, X, y = spiral_model
    figure = Figure()
    left, right = figure.subplots(1, 2)
    assert plot.decision_boundary(net, X, y, ax=left) is figure
    assert plot.confusion_matrix(net, X, y, ax=right) is figure
    assert len(left.images) == 1


def test_cli_plots_and_report(tmp_path, capsys):
    model, history, report = tmp_path / "m.npz", tmp_path / "h.json", tmp_path / "run.html"
    assert main(["train", "--data", "moons", "--hidden", "8", "--epochs", "5", "--verbose", "0", "--out", str(model),
                 "--history", str(history), "--report", str(report)]) == 0
    for kind, extra in [("activations", []), ("neuron", ["--weights", "1,2", "--bias", "-2"]),
                        ("boundary", [str(model)]), ("confusion", [str(model)]), ("network", [str(model)]),
                        ("weights", [str(model), "--shape", "2,1"]), ("history", [str(history)])]:
        output = tmp_path / f"{kind}.png"
        assert main(["plot", kind, *extra, "-o", str(output)]) == 0, kind
        assert output.read_bytes()[:4] == b"\x89PNG"
    assert main(["plot", "neuron", "-o", str(tmp_path / "n.svg")]) == 0
    assert (tmp_path / "n.svg").read_text().lstrip().startswith("<?xml")
    capsys.readouterr()
    assert main(["plot", "boundary", "-o", str(tmp_path / "b.png")]) == 2
    assert main(["plot", "activations", "-o", str(tmp_path / "a.gif")]) == 2
    assert ".png, .svg or .pdf" in capsys.readouterr().err
    page = report.read_text()
    assert page.count("data:image/png;base64,") == 4   # curves, confusion, regions (2-D data), network
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "test" in page and "accuracy" in page


def test_report_without_decision_regions_for_higher_dimensional_data(tmp_path):
    report = tmp_path / "iris.html"
    assert main(["train", "--data", "iris", "--hidden", "8", "--epochs", "3", "--verbose", "0",
                 "--report", str(report)]) == 0
    page = report.read_text()
    assert page.count("data:image/png;base64,") == 3 and "Decision regions" not in page


def test_backprop_graph_draws_every_path_of_eq_28():
    figure = plot.backprop_graph(4)
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert all(rf"$a_{{{k}}}$" in texts and rf"$v_{{{k}j}}$" in texts for k in range(4))   # z_j feeds every score
    assert r"$w_{ji}$" in texts and r"$E_n$" in texts and r"$h'(b_j)$" in texts
    assert any(r"\sum_k (y_k - t_k)\, v_{kj}" in text for text in texts)                  # the backward sum over k
    assert len(figure.axes[0].patches) == 4 + 4   # w, b, z, E and the four scores
    assert not_blank(figure)
    for bad in (0, 7, 2.5, True, "3"):
        with pytest.raises(ValueError, match="outputs: expected the number of output scores"):
            plot.backprop_graph(bad)
