"""What the page draws, made from a session: the decision regions, each neuron's output over
the plane, the metrics and curves, and the two downloads (model file, weights as JSON)."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..io import save
from ..layers import Dense
from .settings import FEATURES, LIMITS

__all__ = ["snapshot", "neuron_maps", "input_maps", "model_file", "weights_json", "output_link"]


def _grid(session: Any, size: int) -> np.ndarray:
    x0, x1, y0, y1 = session.extent()
    xs, ys = np.linspace(x0, x1, size), np.linspace(y1, y0, size)  # rows top to bottom
    gx, gy = np.meshgrid(xs, ys)
    raw = np.stack([gx.ravel(), gy.ravel()], axis=1)
    points = ((raw - session.mean) / session.scale).astype(session.net.dtype)  # standardised, as the data
    return session.inputs(points)  # the features the network takes


def _points(X: np.ndarray, y: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> list:
    original = X * scale + mean  # drawn in the data's own coordinates
    return [[round(float(a), 4), round(float(b), 4), round(float(label), 4) if y.dtype.kind == "f" else int(label)]
            for (a, b), label in zip(original, y)]


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None


def snapshot(session: Any) -> dict:
    """Everything the page draws, as JSON-ready lists."""
    net = session.net
    with np.errstate(over="ignore", invalid="ignore"):
        scores = net.forward(_grid(session, LIMITS["grid"]), training=False).copy()
    regions, confidence, values = np.zeros(0, int), np.zeros(0), np.zeros(0)
    if session.regression:  # the predicted value over the plane, clipped to the targets' [-1, 1]
        values = np.clip(np.nan_to_num(scores[:, 0].astype(float)), -1, 1)
        if session.settings.discretize:  # its sign only
            values = np.sign(values)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            probabilities = _softmax_view(session.loss, scores)
        regions = probabilities.argmax(axis=1)
        confidence = np.nan_to_num(probabilities.max(axis=1))
        if session.settings.discretize:  # each region in its class's full colour
            confidence = np.ones_like(confidence)
    train_loss, train_accuracy, _ = session.metrics(session.X_train, session.y_train)
    test_loss, test_accuracy, test_predicted = session.metrics(session.X_test, session.y_test)
    confusion = np.zeros((session.classes, session.classes), dtype=int)
    if not session.regression:
        np.add.at(confusion, (session.y_test, test_predicted), 1)
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    return {
        "epoch": session.epoch, "steps": session.steps, "classes": session.classes, "extent": session.extent(),
        "problem": session.settings.problem, "outputs": session.outputs, "values": np.round(values, 3).tolist(),
        "grid": LIMITS["grid"], "regions": regions.tolist(), "confidence": np.round(confidence, 3).tolist(),
        "neurons": neuron_maps(session), "weights": [np.round(np.asarray(d.params["W"], float), 4).tolist()
                                                     for d in dense],
        "train": _points(session.points_train, session.y_train, session.mean, session.scale),
        "test": _points(session.points_test, session.y_test, session.mean, session.scale),
        "features": [FEATURES[name][0] for name in session.settings.features], "inputs": input_maps(session),
        "metrics": {"train_loss": _finite(train_loss), "test_loss": _finite(test_loss),
                    "train_accuracy": train_accuracy, "test_accuracy": test_accuracy},
        "history": session.history, "confusion": confusion.tolist(), "lr": session.optimizer.lr,
        "rates": {name: round(rate, 1) for name, rate in session.rates.items()}, "speed": round(session.speed, 1),
        "plan": str(session.trainer.plan),  # how a step is computed, and why: "numba kernels", "numpy kernels: ..."
    }


def _softmax_view(loss: Any, scores: np.ndarray) -> np.ndarray:
    """Class confidences for the picture: the loss's probabilities where it has them (softmax
    cross-entropy), else the softmax of its scores (hinge, squared error), which orders the
    classes the same way."""
    if loss.gives_probabilities:
        return loss.probabilities(scores)
    from ..activations import softmax

    return softmax(scores)


def input_maps(session: Any) -> list[list[float]]:
    """Each input feature over the plane, scaled to [-1, 1]: what the input column shows."""
    x = _grid(session, LIMITS["neuron_grid"]).astype(float)
    scale = np.abs(x).max(axis=0) + 1e-9
    return np.round(x / scale, 3).T.tolist()


def neuron_maps(session: Any) -> list[list[list[float]]]:
    """Each hidden neuron's output over the plane, scaled to [-1, 1]: one list per layer."""
    maps, x = [], _grid(session, LIMITS["neuron_grid"])
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in session.net.layers[:-1]:
            x = layer.forward(x, training=False)
            if not isinstance(layer, Dense):
                scale = np.nan_to_num(np.abs(x).max(axis=0)) + 1e-9
                maps.append(np.round(np.nan_to_num(x / scale).T, 3).tolist())
            x = x.copy()
    return maps


def model_file(session: Any) -> bytes:
    """The network as the ``.npz`` that ``neuronet.load`` reads (the view's standardisation in
    its metadata)."""
    session.net.metadata = {"source": "neuronet playground", "preprocessing":
                            {"mean": session.mean.tolist(), "std": session.scale.tolist(),
                             "features": list(session.settings.features)},
                            "settings": asdict(session.settings)}
    with tempfile.TemporaryDirectory() as folder:
        path = save(session.net, Path(folder) / "model.npz")
        return path.read_bytes()


def output_link(loss: Any) -> str:
    """The name of the function that turns the network's scores into its prediction under
    ``loss``: the loss's own link (``loss.output``: softmax for softmax cross-entropy, the
    identity for squared error and hinge), named by the registered activation that computes
    the same on a probe; ``"<loss name> output"`` where no activation does."""
    from .. import activations

    probe = np.array([[-1.5, 0.25, 2.0], [0.5, -0.75, 0.0]])
    with np.errstate(all="ignore"):
        link = np.asarray(loss.output(probe.copy()), dtype=float)
        for name in activations.names():
            try:
                same = np.allclose(activations.get(name)(probe.copy()), link)
            except (ValueError, TypeError):
                continue
            if same:
                return name
    return f"{loss.name} output"


def weights_json(session: Any) -> dict:
    """The weights as JSON: per Dense layer W, b and the activation that follows it (for the
    output layer the loss's link, ``output_link``), with the settings and preprocessing."""
    dense = [layer for layer in session.net.layers if isinstance(layer, Dense)]
    layers = session.settings.layers
    output = output_link(session.loss)
    return {"settings": asdict(session.settings),
            "preprocessing": {"mean": session.mean.tolist(), "std": session.scale.tolist(),
                              "features": list(session.settings.features)},
            "loss": {"name": session.loss.name, "display_name": session.loss.display_name, "output": output},
            "layers": [{"W": np.asarray(d.params["W"], float).tolist(), "b": np.asarray(d.params["b"], float).tolist(),
                        "activation": layers[i]["activation"] if i < len(layers) else output}
                       for i, d in enumerate(dense)]}
