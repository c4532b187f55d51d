"""One playground run: validated settings, the data, the network, and a step-by-step trainer.

Kept apart from the server (as TensorFlow Playground keeps ``nn.ts`` apart from the
page): everything here is plain NumPy and the engine, testable without a browser.
Every value from the page goes through ``validate_settings`` or ``parse_upload`` first.
"""

from __future__ import annotations

import csv
import io
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .. import losses as _losses
from .. import optim as _optim
from ..datasets import toy
from ..gradients import numerical_gradient
from ..layers import Dense, activation_layer
from ..network import Sequential

__all__ = ["LIMITS", "Settings", "SettingsError", "validate_settings", "parse_upload", "Session"]

DATASETS = ("xor", "circles", "moons", "spiral", "gaussians", "sine", "cubic", "abs", "upload")
ACTIVATIONS = ("step", "sigmoid", "tanh", "relu", "leaky_relu", "identity")
LOSSES = ("softmax_cross_entropy", "hinge", "mse")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
GRADIENTS = ("backprop", "numerical")
LIMITS = {
    "max_layers": 6, "max_neurons": 16, "min_classes": 2, "max_classes": 5, "max_upload_bytes": 1_000_000,
    "max_upload_rows": 5_000, "min_samples": 20, "max_samples": 1_000, "max_batch": 500, "grid": 50,
    "neuron_grid": 20,
}


MAX_HISTORY = 500  # points per learning curve sent to the page


class SettingsError(ValueError):
    """A value from the page is missing, of the wrong type or out of range; the message names it."""


@dataclass
class Settings:
    dataset: str = "spiral"
    classes: int = 3
    noise: float = 0.2
    samples: int = 400
    train_ratio: float = 0.5
    seed: int = 0
    layers: list = field(default_factory=lambda: [{"neurons": 8, "activation": "tanh"},
                                                 {"neurons": 8, "activation": "tanh"}])
    loss: str = "softmax_cross_entropy"
    optimizer: str = "adam"
    lr: float = 0.03
    batch_size: int = 10
    l2: float = 0.0
    gradient: str = "backprop"


def _number(raw: dict, name: str, low: float, high: float, integer: bool = False) -> Any:
    value = raw[name]
    # math.isfinite, not np.isfinite: a JSON integer may have any number of digits (np.isfinite
    # raises TypeError beyond 64 bits); the range check below then refuses it.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SettingsError(f"{name}: expected a number, got {str(value)[:40]}")
    if integer and int(value) != value:
        raise SettingsError(f"{name}: expected a whole number, got {value!r}")
    if not low <= value <= high:
        raise SettingsError(f"{name}: expected a value from {low} to {high}, got {str(value)[:40]}")
    return int(value) if integer else float(value)


def _choice(raw: dict, name: str, options: tuple[str, ...]) -> str:
    value = raw[name]
    if value not in options:
        raise SettingsError(f"{name}: expected one of {', '.join(options)}, got {value!r}")
    return value


def validate_settings(raw: Any) -> Settings:
    """Settings from an untrusted mapping (a WebSocket message); unknown keys are refused."""
    if not isinstance(raw, dict):
        raise SettingsError("settings: expected an object")
    defaults = asdict(Settings())
    unknown = sorted(set(raw) - set(defaults))
    if unknown:
        raise SettingsError(f"settings: unknown field {unknown[0]!r}")
    merged = {**defaults, **raw}
    layers = merged["layers"]
    if not isinstance(layers, list) or len(layers) > LIMITS["max_layers"]:
        raise SettingsError(f"layers: expected a list of at most {LIMITS['max_layers']} hidden layers")
    checked_layers = []
    for index, layer in enumerate(layers):
        if not isinstance(layer, dict) or set(layer) != {"neurons", "activation"}:
            raise SettingsError(f"layers[{index}]: expected {{'neurons': 1-{LIMITS['max_neurons']}, 'activation': name}}")
        checked_layers.append({"neurons": _number(layer, "neurons", 1, LIMITS["max_neurons"], integer=True),
                               "activation": _choice(layer, "activation", ACTIVATIONS)})
    return Settings(
        dataset=_choice(merged, "dataset", DATASETS),
        classes=_number(merged, "classes", LIMITS["min_classes"], LIMITS["max_classes"], integer=True),
        noise=_number(merged, "noise", 0.0, 2.0),
        samples=_number(merged, "samples", LIMITS["min_samples"], LIMITS["max_samples"], integer=True),
        train_ratio=_number(merged, "train_ratio", 0.1, 0.9),
        seed=_number(merged, "seed", 0, 2**31 - 1, integer=True),
        layers=checked_layers,
        loss=_choice(merged, "loss", LOSSES),
        optimizer=_choice(merged, "optimizer", OPTIMIZERS),
        lr=_number(merged, "lr", 1e-5, 10.0),
        batch_size=_number(merged, "batch_size", 1, LIMITS["max_batch"], integer=True),
        l2=_number(merged, "l2", 0.0, 1.0),
        gradient=_choice(merged, "gradient", GRADIENTS),
    )


def parse_upload(text: Any) -> tuple[np.ndarray, np.ndarray]:
    """An uploaded CSV of ``x1,x2,label`` rows (a header line is optional) -> (X, y), labels
    mapped to 0..K-1. At most 1 MB and 5,000 rows, 2 to 5 classes, finite numbers only."""
    if not isinstance(text, str):
        raise SettingsError("upload: expected the CSV file's text")
    if len(text.encode("utf-8")) > LIMITS["max_upload_bytes"]:
        raise SettingsError(f"upload: the file is larger than {LIMITS['max_upload_bytes'] // 1_000_000} MB")
    try:
        rows = [row for row in csv.reader(io.StringIO(text), strict=True) if row and any(cell.strip() for cell in row)]
    except csv.Error as error:  # an unclosed quote, a cell over the csv module's 128 KB limit
        raise SettingsError(f"upload: not a readable CSV file ({error})") from None
    if rows and not _is_number(rows[0][0]):
        rows = rows[1:]  # a header
    if not rows:
        raise SettingsError("upload: no data rows; expected lines of x1,x2,label")
    if len(rows) > LIMITS["max_upload_rows"]:
        raise SettingsError(f"upload: {len(rows):,} rows; at most {LIMITS['max_upload_rows']:,} are allowed")
    X, labels = np.empty((len(rows), 2)), []
    for number, row in enumerate(rows, start=1):
        if len(row) != 3 or not (_is_number(row[0]) and _is_number(row[1])):
            raise SettingsError(f"upload: data row {number}: expected x1,x2,label, got {','.join(row)[:60]!r}")
        X[number - 1] = float(row[0]), float(row[1])
        labels.append(row[2].strip())
    if not np.all(np.isfinite(X)):
        raise SettingsError("upload: coordinates must be finite numbers")
    classes, y = np.unique(labels, return_inverse=True)
    if not LIMITS["min_classes"] <= len(classes) <= LIMITS["max_classes"]:
        raise SettingsError(f"upload: {len(classes)} classes; expected 2 to 5")
    return X, y.astype(np.int64)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def make_data(settings: Settings, upload: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
    seed, n, noise = settings.seed, settings.samples, settings.noise
    name = settings.dataset
    if name == "upload":
        if upload is None:
            raise SettingsError("dataset: 'upload' needs a CSV file uploaded first")
        return upload
    if name == "spiral":
        return toy.make_spiral(n, noise=noise, n_classes=settings.classes, seed=seed)
    if name in ("sine", "cubic", "abs"):
        return toy.make_boundary(n, kind=name, noise=noise, seed=seed)
    return toy.GENERATORS[name](n, noise=noise, seed=seed)


class Session:
    """The data, the network and the optimizer of one run; ``step()`` trains one minibatch."""

    def __init__(self, settings: Settings, upload: tuple[np.ndarray, np.ndarray] | None = None):
        self.settings = settings
        X, y = make_data(settings, upload)
        self.raw_X = np.asarray(X, dtype=float)
        # Standardise with the data's own statistics so every set fits the same view.
        self.mean, self.scale = X.mean(axis=0), X.std(axis=0) + 1e-12
        X = ((X - self.mean) / self.scale).astype(np.float32)
        self.classes = int(y.max()) + 1 if len(y) else 2
        order = np.random.default_rng(settings.seed).permutation(len(X))
        n_train = min(max(1, int(round(settings.train_ratio * len(X)))), len(X) - 1)
        self.X_train, self.y_train = X[order[:n_train]], y[order[:n_train]]
        self.X_test, self.y_test = X[order[n_train:]], y[order[n_train:]]
        rng = np.random.default_rng(settings.seed)
        layers, width = [], 2
        for layer in settings.layers:
            init = "he" if layer["activation"] in ("relu", "leaky_relu") else "xavier"
            layers += [Dense(width, layer["neurons"], init=init, rng=rng), activation_layer(layer["activation"])]
            width = layer["neurons"]
        layers.append(Dense(width, self.classes, init="xavier", rng=rng))
        self.net = Sequential(layers)
        self.loss = _losses.get(settings.loss)
        self.net.loss = self.loss
        self.net.classes = np.arange(self.classes)
        self.optimizer = _optim.get(settings.optimizer)
        self.optimizer.lr = settings.lr
        self.optimizer.weight_decay = settings.l2
        self.net.optimizer = self.optimizer
        self.rng = np.random.default_rng(settings.seed)
        self.order = self.rng.permutation(len(self.X_train))
        self.position = 0
        self.steps = 0
        self.epoch = 0
        self.history: dict[str, list[float]] = {"train_loss": [], "test_loss": [], "train_accuracy": [],
                                                "test_accuracy": []}
        self.rates = self._measure_rates()
        self.speed = 0.0
        self._record()

    # --- training ---------------------------------------------------------------------------
    def _targets(self, labels: np.ndarray) -> np.ndarray:
        if isinstance(self.loss, _losses.MSE):
            return np.eye(self.classes, dtype=np.float32)[labels]
        return labels

    def _gradient(self, x: np.ndarray, t: np.ndarray, method: str) -> float:
        if method == "numerical":
            objective = lambda _: self.loss.forward(self.net.forward(x, training=False), t)  # noqa: E731
            value = objective(None)
            self.net._flat_grads[...] = numerical_gradient(objective, self.net._flat_params, eps=1e-3)
            return value
        value = self.loss.forward(self.net.forward(x), t)
        self.net.backward(self.loss.backward())
        return value

    def step(self) -> None:
        """One minibatch of gradient descent; an epoch ends when every training point was used."""
        batch = self.settings.batch_size
        index = self.order[self.position:self.position + batch]
        x, t = self.X_train[index], self._targets(self.y_train[index])
        with np.errstate(over="ignore", invalid="ignore"):
            self._gradient(x, t, self.settings.gradient)
            if np.all(np.isfinite(self.net._flat_grads)):
                self.net.update(self.optimizer)
        self.steps += 1
        self.position += batch
        if self.position >= len(self.X_train):
            self.epoch += 1
            self.position = 0
            self.order = self.rng.permutation(len(self.X_train))
            self._record()

    def run(self, seconds: float) -> None:
        """Train for about ``seconds`` (at least one step)."""
        start, steps = time.perf_counter(), self.steps
        deadline = start + seconds
        self.step()
        while time.perf_counter() < deadline:
            self.step()
        self.speed = (self.steps - steps) / max(time.perf_counter() - start, 1e-9)

    def _measure_rates(self) -> dict[str, float]:
        """Steps per second of each gradient method on this network (timed, not applied)."""
        saved = self.net._flat_params.copy()
        index = self.order[:self.settings.batch_size]
        x, t = self.X_train[index], self._targets(self.y_train[index])
        rates = {}
        for method, repeats in (("backprop", 20), ("numerical", 2)):
            start = time.perf_counter()
            with np.errstate(over="ignore", invalid="ignore"):
                for _ in range(repeats):
                    self._gradient(x, t, method)
            rates[method] = repeats / max(time.perf_counter() - start, 1e-9)
        self.net._flat_params[...] = saved
        return rates

    # --- what the page draws ----------------------------------------------------------------------
    def _metrics(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
        """(loss, accuracy, predicted classes) on (X, y), in one forward pass."""
        if len(X) == 0:
            return float("nan"), float("nan"), np.zeros(0, dtype=int)
        with np.errstate(over="ignore", invalid="ignore"):
            scores = self.net.forward(X, training=False)
            predicted = scores.argmax(axis=1)
            value = self.loss.forward(scores, self._targets(y))
        return float(value), float(np.mean(predicted == y)), predicted

    def _record(self) -> None:
        if len(self.history["train_loss"]) >= MAX_HISTORY:  # keep every other point: the curve's shape stays
            for values in self.history.values():
                del values[1::2]
        for part, (X, y) in (("train", (self.X_train, self.y_train)), ("test", (self.X_test, self.y_test))):
            value, accuracy, _ = self._metrics(X, y)
            self.history[f"{part}_loss"].append(value if np.isfinite(value) else None)
            self.history[f"{part}_accuracy"].append(accuracy)

    def extent(self) -> tuple[float, float, float, float]:
        X = self.raw_X
        low, high = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
        return float(low[0]), float(high[0]), float(low[1]), float(high[1])

    def _grid(self, size: int) -> np.ndarray:
        x0, x1, y0, y1 = self.extent()
        xs, ys = np.linspace(x0, x1, size), np.linspace(y1, y0, size)  # rows top to bottom
        gx, gy = np.meshgrid(xs, ys)
        raw = np.stack([gx.ravel(), gy.ravel()], axis=1)
        return ((raw - self.mean) / self.scale).astype(np.float32)  # the network sees standardised inputs

    def snapshot(self) -> dict:
        """Everything the page draws, as JSON-ready lists."""
        grid = self._grid(LIMITS["grid"])
        with np.errstate(over="ignore", invalid="ignore"):
            scores = self.net.forward(grid, training=False).copy()
            probabilities = _losses.SoftmaxCrossEntropy().probabilities(scores)
        regions = probabilities.argmax(axis=1)
        confidence = np.nan_to_num(probabilities.max(axis=1))
        neurons = self._neuron_maps()
        train_loss, train_accuracy, _ = self._metrics(self.X_train, self.y_train)
        test_loss, test_accuracy, test_predicted = self._metrics(self.X_test, self.y_test)
        confusion = np.zeros((self.classes, self.classes), dtype=int)
        np.add.at(confusion, (self.y_test, test_predicted), 1)
        dense = [layer for layer in self.net.layers if isinstance(layer, Dense)]
        return {
            "epoch": self.epoch, "steps": self.steps, "classes": self.classes, "extent": self.extent(),
            "grid": LIMITS["grid"], "regions": regions.tolist(), "confidence": np.round(confidence, 3).tolist(),
            "neurons": neurons, "weights": [np.round(np.asarray(d.params["W"], float), 4).tolist() for d in dense],
            "train": _points(self.X_train, self.y_train, self.mean, self.scale),
            "test": _points(self.X_test, self.y_test, self.mean, self.scale),
            "metrics": {"train_loss": _finite(train_loss), "test_loss": _finite(test_loss),
                        "train_accuracy": train_accuracy, "test_accuracy": test_accuracy},
            "history": self.history, "confusion": confusion.tolist(),
            "rates": {name: round(rate, 1) for name, rate in self.rates.items()}, "speed": round(self.speed, 1),
        }

    def _neuron_maps(self) -> list[list[list[float]]]:
        """Each hidden neuron's output over the plane, scaled to [-1, 1]: one list per layer."""
        grid = self._grid(LIMITS["neuron_grid"])
        maps, x = [], grid
        with np.errstate(over="ignore", invalid="ignore"):
            for layer in self.net.layers[:-1]:
                x = layer.forward(x, training=False)
                if not isinstance(layer, Dense):
                    scale = np.nan_to_num(np.abs(x).max(axis=0)) + 1e-9
                    maps.append(np.round(np.nan_to_num(x / scale).T, 3).tolist())
                x = x.copy()
        return maps

    def model_file(self) -> bytes:
        """The network as the ``.npz`` that ``neuronet.load`` reads (the view's standardisation in
        its metadata)."""
        import tempfile
        from pathlib import Path

        from ..io import save

        self.net.metadata = {"source": "neuronet playground", "preprocessing":
                             {"mean": self.mean.tolist(), "std": self.scale.tolist()},
                             "settings": asdict(self.settings)}
        with tempfile.TemporaryDirectory() as folder:
            path = save(self.net, Path(folder) / "model.npz")
            return path.read_bytes()

    def weights_json(self) -> dict:
        dense = [layer for layer in self.net.layers if isinstance(layer, Dense)]
        return {"settings": asdict(self.settings), "preprocessing": {"mean": self.mean.tolist(),
                                                                    "std": self.scale.tolist()},
                "layers": [{"W": np.asarray(d.params["W"], float).tolist(), "b": np.asarray(d.params["b"], float).tolist(),
                            "activation": (self.settings.layers[i]["activation"] if i < len(self.settings.layers)
                                           else "softmax")} for i, d in enumerate(dense)]}


def _points(X: np.ndarray, y: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> list:
    original = X * scale + mean  # drawn in the data's own coordinates
    return [[round(float(a), 4), round(float(b), 4), int(label)] for (a, b), label in zip(original, y)]


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None
