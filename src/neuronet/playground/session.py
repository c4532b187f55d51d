"""One playground run: the data, the network and the engine's ``Trainer``, stepped one minibatch
at a time so the page can watch.

Kept apart from the server (as TensorFlow Playground keeps ``nn.ts`` apart from the page):
everything here is plain NumPy and the engine, testable without a browser. Settings come
validated (``settings.py``); what the page draws is made in ``render.py``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .. import activations as _activations
from .. import losses as _losses
from .. import optim as _optim
from .. import schedules as _schedules
from ..datasets import toy
from ..layers import Dense, activation_layer
from ..network import Sequential
from ..trainer import Trainer
from . import render
from .settings import LIMITS, Settings, SettingsError, parse_upload, validate_settings

__all__ = ["LIMITS", "Settings", "SettingsError", "validate_settings", "parse_upload", "Session", "make_data"]

MAX_HISTORY = 500  # points per learning curve sent to the page


def make_data(settings: Settings, upload: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
    if settings.dataset == "upload":
        if upload is None:
            raise SettingsError("dataset: 'upload' needs a CSV file uploaded first")
        return upload
    _, generate = toy.PLANE_SETS[settings.dataset]
    return generate(settings.samples, settings.noise, settings.seed, settings.classes)


class Session:
    """The data, the network and the trainer of one run; ``step()`` trains one minibatch.

    ``dtype`` and ``shuffle`` are for tests and scripts (the page always uses float32 and
    shuffles): with ``shuffle=False`` every epoch visits the training points in order.
    """

    def __init__(self, settings: Settings, upload: tuple[np.ndarray, np.ndarray] | None = None, *,
                 dtype: Any = np.float32, shuffle: bool = True):
        self.settings = settings
        self.shuffle = shuffle
        X, y = make_data(settings, upload)
        self.raw_X = np.asarray(X, dtype=float)
        # Standardise with the data's own statistics so every set fits the same view.
        self.mean, self.scale = X.mean(axis=0), X.std(axis=0) + 1e-12
        X = ((X - self.mean) / self.scale).astype(dtype)
        self.classes = int(y.max()) + 1 if len(y) else 2
        order = np.random.default_rng(settings.seed).permutation(len(X))
        n_train = min(max(1, int(round(settings.train_ratio * len(X)))), len(X) - 1)
        self.X_train, self.y_train = np.ascontiguousarray(X[order[:n_train]]), y[order[:n_train]]
        self.X_test, self.y_test = X[order[n_train:]], y[order[n_train:]]
        self.net = self._network(np.random.default_rng(settings.seed), dtype)
        self.loss = _losses.get(settings.loss)
        self.optimizer = _optim.get(settings.optimizer, settings.lr)
        self.net.loss, self.net.optimizer, self.net.classes = self.loss, self.optimizer, np.arange(self.classes)
        self.trainer = Trainer(self.net, self.loss, self.optimizer, l2=settings.l2, gradient=settings.gradient,
                               eps=1e-3, schedule=_schedules.get(settings.lr_schedule, settings.lr),
                               on_nonfinite="skip")  # a diverging run on the page just stops moving
        self.targets_train = self.targets(self.y_train)
        self.rng = np.random.default_rng(settings.seed)
        self.order = self._order()
        self.position = self.steps = self.epoch = 0
        self.epoch_losses: list[float] = []  # the mean minibatch loss of each epoch (as fit reports it)
        self._epoch_total = 0.0
        self.history: dict[str, list[float]] = {"train_loss": [], "test_loss": [], "train_accuracy": [],
                                                "test_accuracy": []}
        self.rates = self._measure_rates()
        self.speed = 0.0
        self.trainer.begin_epoch(0)
        self._record()

    def _network(self, rng: np.random.Generator, dtype: Any) -> Sequential:
        layers, width = [], 2
        for layer in self.settings.layers:
            init = _activations.get(layer["activation"]).init
            layers += [Dense(width, layer["neurons"], init=init, rng=rng, dtype=dtype),
                       activation_layer(layer["activation"])]
            width = layer["neurons"]
        layers.append(Dense(width, self.classes, init="xavier", rng=rng, dtype=dtype))
        return Sequential(layers)

    def _order(self) -> np.ndarray:
        return self.rng.permutation(len(self.X_train)) if self.shuffle else np.arange(len(self.X_train))

    def targets(self, labels: np.ndarray) -> np.ndarray:
        """Class labels as the loss takes them (one-hot rows for squared error)."""
        return self.loss.check_targets(np.empty((len(labels), self.classes), self.net.dtype), labels)

    # --- training ---------------------------------------------------------------------------
    def step(self) -> None:
        """One minibatch of gradient descent (the trainer's step); an epoch ends when every
        training point was used."""
        batch = self.settings.batch_size
        index = self.order[self.position:self.position + batch]
        with np.errstate(over="ignore", invalid="ignore"):
            result = self.trainer.step(self.trainer.gather(self.X_train, index), self.targets_train[index])
        self._epoch_total += (result.loss + result.penalty) * len(index)
        self.steps += 1
        self.position += batch
        if self.position >= len(self.X_train):
            self.epoch_losses.append(self._epoch_total / len(self.X_train))
            self._epoch_total = 0.0
            self.trainer.end_epoch(self.epoch, {"loss": self.epoch_losses[-1]})
            self.epoch += 1
            self.position = 0
            self.order = self._order()
            self.trainer.begin_epoch(self.epoch)
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
        saved = self.net.parameter_vector().copy()
        index = self.order[:self.settings.batch_size]
        x, t = self.X_train[index], self.targets_train[index]
        rates = {}
        for method, repeats in (("backprop", 20), ("numerical", 2)):
            timer = Trainer(self.net, self.loss, self.optimizer, l2=self.settings.l2, gradient=method, eps=1e-3)
            start = time.perf_counter()
            with np.errstate(over="ignore", invalid="ignore"):
                for _ in range(repeats):
                    timer.compute_gradient(x, t)
            rates[method] = repeats / max(time.perf_counter() - start, 1e-9)
        self.net.set_parameter_vector(saved)
        return rates

    # --- what the page draws ----------------------------------------------------------------
    def metrics(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
        """(loss, accuracy, predicted classes) on (X, y), in one forward pass."""
        if len(X) == 0:
            return float("nan"), float("nan"), np.zeros(0, dtype=int)
        with np.errstate(over="ignore", invalid="ignore"):
            scores = self.net.forward(X, training=False)
            predicted = scores.argmax(axis=1)  # K outputs for K classes, whatever the loss
            value = self.loss.forward(scores, self.targets(y))
        return float(value), float(np.mean(predicted == y)), predicted

    def _record(self) -> None:
        if len(self.history["train_loss"]) >= MAX_HISTORY:  # keep every other point: the curve's shape stays
            for values in self.history.values():
                del values[1::2]
        for part, (X, y) in (("train", (self.X_train, self.y_train)), ("test", (self.X_test, self.y_test))):
            value, accuracy, _ = self.metrics(X, y)
            self.history[f"{part}_loss"].append(value if np.isfinite(value) else None)
            self.history[f"{part}_accuracy"].append(accuracy)

    def extent(self) -> tuple[float, float, float, float]:
        X = self.raw_X
        low, high = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
        return float(low[0]), float(high[0]), float(low[1]), float(high[1])

    def snapshot(self) -> dict:
        """Everything the page draws, as JSON-ready lists (``render.snapshot``)."""
        return render.snapshot(self)

    def model_file(self) -> bytes:
        """The network as the ``.npz`` that ``neuronet.load`` reads (``render.model_file``)."""
        return render.model_file(self)

    def weights_json(self) -> dict:
        return render.weights_json(self)
