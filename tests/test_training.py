import io
import re

import numpy as np
import pytest

import neuronet as nn
from neuronet.callbacks import Callback, EarlyStopping
from neuronet.checkpoint import ModelCheckpoint
from neuronet.datasets import make_gaussians, make_spiral
from neuronet.progress import Progress
from neuronet.training import NUMERICAL_GRADIENT_LIMIT, TrainingDiverged


@pytest.fixture
def spiral():
    X, y = make_spiral(300, n_classes=3, seed=0)
    return X, y


def test_fit_returns_history_with_keras_keys(spiral):
    X, y = spiral
    net = nn.MLP([2, 16, 3], activation="tanh", rng=0)
    history = net.fit(X, y, epochs=4, validation_split=0.2, seed=0, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 4 for values in history.history.values())
    assert history.epoch == [0, 1, 2, 3]
    assert history.params["samples"] == 240


def test_training_learns_and_evaluate_agrees_with_predict(spiral):
    X, y = spiral
    net = nn.MLP([2, 32, 32, 3], activation="relu", rng=0)
    net.fit(X, y, epochs=150, lr=0.01, seed=0, verbose=0)
    result = net.evaluate(X, y)
    assert result["accuracy"] > 0.95
    assert result["accuracy"] == pytest.approx(np.mean(net.predict(X) == y))
    probabilities = net.predict_proba(X)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(probabilities.argmax(axis=1), net.predict(X))


def test_same_seed_same_training(spiral):
    X, y = spiral
    runs = []
    for _ in range(2):
        net = nn.MLP([2, 8, 3], rng=3)
        runs.append(net.fit(X, y, epochs=3, seed=5, verbose=0).history["loss"])
    assert runs[0] == runs[1]


def test_string_labels_are_mapped_and_returned():
    X, y = make_gaussians(300, seed=0)
    names = np.array(["cat", "dog", "eel"])[y]
    net = nn.MLP([2, 8, 3], rng=0)
    net.fit(X, names, epochs=5, seed=0, verbose=0)
    by_index = nn.MLP([2, 8, 3], rng=0)
    by_index.fit(X, y, epochs=5, seed=0, verbose=0)
    assert list(net.classes) == ["cat", "dog", "eel"]
    np.testing.assert_array_equal(net.predict(X), np.array(["cat", "dog", "eel"])[by_index.predict(X)])
    assert net.evaluate(X, names) == by_index.evaluate(X, y)
    with pytest.raises(ValueError, match="'fox' is not one of the classes"):
        net.evaluate(X[:1], ["fox"])


def test_class_count_must_match_output_layer():
    X, y = make_gaussians(90, seed=0)
    with pytest.raises(ValueError, match="found 3 classes .* output layer distinguishes 4"):
        nn.MLP([2, 4, 4], rng=0).fit(X, np.array(["a", "b", "c"])[y], verbose=0)


def test_fit_validates_inputs():
    net = nn.MLP([2, 4, 3], rng=0)
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match=r"y: expected 10 targets"):
        net.fit(X, np.zeros(9, int), verbose=0)
    with pytest.raises(ValueError, match="NaN or infinity"):
        net.fit(np.full((10, 2), np.nan), np.zeros(10, int), verbose=0)
    with pytest.raises(ValueError, match="epochs: expected a positive integer"):
        net.fit(X, np.zeros(10, int), epochs=0, verbose=0)
    with pytest.raises(ValueError, match="unknown name 'adamm'"):
        net.fit(X, np.zeros(10, int), optimizer="adamm", verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        net.fit(X, np.zeros(10, int), validation_split=1.5, verbose=0)


def test_float32_training_stays_float32(spiral):
    X, y = spiral
    net = nn.MLP([2, 8, 3], rng=0)
    net.fit(X.astype(np.float64), y, epochs=1, verbose=0)
    assert all(p.dtype == np.float32 for p in net.parameters().values())
    assert all(a.dtype == np.float32 for slots in net.optimizer.state.values() for a in slots.values())


def test_regression_with_mse():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (400, 1))
    y = np.sin(3 * X[:, 0])
    net = nn.MLP([1, 32, 1], activation="tanh", rng=0)
    history = net.fit(X, y, loss="mse", epochs=200, lr=0.01, seed=0, verbose=0)
    assert "accuracy" not in history.history
    assert np.mean((net.predict(X)[:, 0] - y) ** 2) < 0.01


def test_l2_shrinks_weights(spiral):
    X, y = spiral
    norms = []
    for l2 in (0.0, 0.1):
        net = nn.MLP([2, 16, 3], rng=0)
        net.fit(X, y, epochs=30, l2=l2, seed=0, verbose=0)
        norms.append(np.linalg.norm(net.flat_parameters()["W"]))
    assert norms[1] < 0.6 * norms[0]


def test_numerical_gradient_training_matches_backprop():
    X, y = make_gaussians(60, seed=0)
    weights = []
    for gradient in ("backprop", "numerical"):
        net = nn.MLP([2, 3, 3], activation="sigmoid", rng=0, dtype=np.float64)
        net.fit(X, y, optimizer="sgd", lr=0.5, epochs=2, batch_size=20, seed=0, verbose=0, gradient=gradient)
        weights.append(net._flat_params.copy())
    np.testing.assert_allclose(weights[0], weights[1], rtol=1e-6, atol=1e-8)


def test_numerical_gradient_refuses_large_networks():
    X = np.zeros((1000, 64))
    net = nn.MLP([64, 128, 10], rng=0)
    with pytest.raises(ValueError, match=r"2 forward passes per parameter per step.*backpropagation"):
        net.fit(X, np.zeros(1000, int), gradient="numerical", epochs=10, verbose=0)
    assert NUMERICAL_GRADIENT_LIMIT < 2 * net.n_parameters * 32 * 10


def test_divergence_stops_with_clear_error_and_finite_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(0, 1000, (200, 4))
    y = rng.normal(0, 1000, 200)
    net = nn.MLP([4, 32, 1], activation="relu", rng=0)
    with pytest.raises(TrainingDiverged, match=r"epoch \d+, batch \d+.*learning rate \(lr is 10\)") as caught:
        net.fit(X, y, loss="mse", optimizer="sgd", lr=10.0, epochs=50, verbose=0)
    assert np.all(np.isfinite(net._flat_params))
    assert isinstance(caught.value.history, nn.History)


class Recorder(Callback):
    def __init__(self):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model._flat_params.copy())


def test_early_stopping_restores_best_weights(spiral):
    X, y = spiral
    rng = np.random.default_rng(1)
    # validation labels that disagree with the training labels: val_loss soon rises
    X_val, y_val = X[:60], rng.permutation(y[:60])
    net = nn.MLP([2, 32, 3], activation="relu", rng=0)
    stopper, recorder = EarlyStopping(patience=2), Recorder()
    history = net.fit(X, y, epochs=200, lr=0.01, validation_data=(X_val, y_val), seed=0, verbose=0,
                      callbacks=[recorder, stopper])
    epochs_run = len(history.epoch)
    assert epochs_run < 200 and stopper.stopped_epoch == epochs_run - 1
    best = int(np.argmin(history.history["val_loss"]))
    assert stopper.best_epoch == best and epochs_run - 1 - best == 3
    np.testing.assert_array_equal(net._flat_params, recorder.weights[best])
    assert not np.array_equal(net._flat_params, recorder.weights[-1])


def test_early_stopping_needs_the_monitored_metric(spiral):
    X, y = spiral
    with pytest.raises(ValueError, match="monitor 'val_loss' is not computed.*validation_split"):
        nn.MLP([2, 4, 3], rng=0).fit(X, y, epochs=2, verbose=0, callbacks=[EarlyStopping()])


def test_model_checkpoint_saves_best_only(tmp_path, spiral):
    X, y = spiral
    net = nn.MLP([2, 16, 3], rng=0)
    checkpoint = ModelCheckpoint(tmp_path / "best-{epoch}.npz", monitor="val_accuracy", save_best_only=True)
    history = net.fit(X, y, epochs=8, validation_split=0.2, seed=0, verbose=0, callbacks=[checkpoint])
    scores = history.history["val_accuracy"]
    improvements = sum(1 for i, s in enumerate(scores) if s > max(scores[:i], default=-1))
    assert len(checkpoint.saved) == improvements and all((tmp_path / p).exists() for p in checkpoint.saved)
    best = nn.load(checkpoint.saved[-1])
    assert best.metadata == {}


def test_progress_lines_on_a_non_terminal_stream():
    stream = io.StringIO()
    progress = Progress(epochs=2, n_samples=10, verbose=1, stream=stream)
    for epoch in range(2):
        progress.start(epoch)
        progress.update(10, 0.5)
        progress.end(epoch, {"loss": 0.5, "accuracy": 0.75})
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("epoch 1/2  loss 0.5000  accuracy 0.7500")
    assert "samples/s" in lines[1]
    silent = io.StringIO()
    quiet = Progress(epochs=1, n_samples=10, verbose=0, stream=silent)
    quiet.start(0), quiet.update(10, 1.0), quiet.end(0, {"loss": 1.0})
    assert silent.getvalue() == ""


def test_fit_prints_one_line_per_epoch_to_stderr(capsys, spiral):
    X, y = spiral
    nn.MLP([2, 4, 3], rng=0).fit(X, y, epochs=3, verbose=2)
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 3


def test_resuming_continues_the_optimizer(tmp_path, spiral):
    X, y = spiral
    net = nn.MLP([2, 8, 3], rng=0)
    net.fit(X, y, epochs=2, batch_size=50, seed=0, verbose=0)
    steps = net.optimizer.iterations
    nn.save(net, tmp_path / "m.npz")
    again = nn.load(tmp_path / "m.npz")
    again.fit(X, y, epochs=1, batch_size=50, seed=0, verbose=0)
    assert again.optimizer.iterations == steps + 6
    net.fit(X, y, epochs=1, batch_size=50, seed=0, verbose=0)
    np.testing.assert_allclose(again._flat_params, net._flat_params, rtol=1e-6)


def test_sample_weight_and_class_weight_in_fit_equal_the_explicit_weights():
    """fit's class_weight is the per-sample weight its classes give: 'balanced' equals
    n / (K * count) per sample, a mapping equals those weights times sample_weight."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 3)).astype(np.float32)
    y = np.array(["b"] * 10 + ["a"] * 80)
    balanced = np.where(y == "b", 90 / (2 * 10), 90 / (2 * 80))

    def trained(**weights):
        net = nn.MLP([3, 5, 2], "tanh", rng=0, kernels="numpy")
        history = net.fit(X, y, epochs=3, batch_size=16, seed=0, verbose=0, **weights)
        return net.parameter_vector().copy(), history.history["loss"]

    by_class, by_class_loss = trained(class_weight="balanced")
    by_sample, by_sample_loss = trained(sample_weight=balanced)
    np.testing.assert_array_equal(by_class, by_sample)
    assert by_class_loss == by_sample_loss
    mapped, _ = trained(class_weight={"b": 4.0}, sample_weight=np.full(90, 0.5))
    explicit, _ = trained(sample_weight=np.where(y == "b", 2.0, 0.5))
    np.testing.assert_array_equal(mapped, explicit)
    plain, _ = trained()
    assert not np.array_equal(plain, by_class)


@pytest.mark.parametrize("options, message", [
    ({"sample_weight": np.ones(5)}, "sample_weight: expected shape (90,)"),
    ({"sample_weight": np.zeros(90)}, "every weight is zero"),
    ({"class_weight": {"c": 1.0}}, "'c' is not a class of y"),
    ({"class_weight": "even"}, "class_weight: expected 'balanced'"),
])
def test_bad_weights_in_fit_are_named(options, message):
    X = np.zeros((90, 3), np.float32)
    y = np.array(["b"] * 10 + ["a"] * 80)
    net = nn.MLP([3, 5, 2], "tanh", rng=0)
    with pytest.raises(ValueError, match=re.escape(message)):
        net.fit(X, y, epochs=1, verbose=0, **options)


def test_multi_label_binary_cross_entropy_with_a_validation_split_reports_exact_match_accuracy():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 4)).astype(np.float32)
    Y = (X[:, :3] > 0).astype(np.float32)  # three independent 0/1 labels per row
    net = nn.MLP([4, 8, 3], "tanh", rng=0)
    history = net.fit(X, Y, loss="binary_cross_entropy", epochs=60, batch_size=16, validation_split=0.25,
                      verbose=0, seed=0, lr=0.05)
    assert 0.8 < history.history["accuracy"][-1] <= 1.0
    assert 0.0 <= history.history["val_accuracy"][-1] <= 1.0
    exact = np.mean(np.all((net(X) > 0) == (Y > 0.5), axis=1))
    assert net.evaluate(X, Y)["accuracy"] == pytest.approx(exact)
