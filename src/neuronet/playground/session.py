"""One playground run: the data, the network and the engine's ``Trainer``, stepped one minibatch
at a time so the page can watch.

Kept apart from the server (as TensorFlow Playground keeps ``nn.ts`` apart from the page):
everything here is plain NumPy and the engine, testable without a browser. Settings come
validated (``settings.py``); what the page draws is made in ``render.py``.
"""

from __future__ import annotations

import threading
import time
import warnings
from typing import Any

import numpy as np

from .. import losses as _losses
from .. import optim as _optim
from .. import schedules as _schedules
from ..datasets import toy
from ..errors import MissingExtra
from ..kernels.plan import KernelFallbackWarning
from ..network import Sequential, build_mlp
from ..trainer import Trainer, evaluate
from . import render
from .settings import REGRESSION_SETS, LIMITS, Settings, SettingsError, features, parse_upload, validate_settings

__all__ = ["LIMITS", "Settings", "SettingsError", "validate_settings", "parse_upload", "Session", "make_data"]

MAX_HISTORY = 500  # points per learning curve sent to the page
_QUIET = threading.Lock()  # warnings.catch_warnings changes process-wide filters: one at a time


def make_data(settings: Settings, upload: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
    if settings.problem == "regression":
        return REGRESSION_SETS[settings.dataset][1](settings.samples, settings.noise, settings.seed)
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
        self.regression = settings.problem == "regression"
        # classification: one output per class; regression: one real-valued output (no classes)
        self.classes = 0 if self.regression else int(y.max()) + 1 if len(y) else 2
        self.outputs = 1 if self.regression else self.classes
        order = np.random.default_rng(settings.seed).permutation(len(X))
        n_train = min(max(1, int(round(settings.train_ratio * len(X)))), len(X) - 1)
        # the points as drawn (standardised x1, x2) and as the network sees them (the chosen features)
        self.points_train, self.points_test = X[order[:n_train]], X[order[n_train:]]
        self.X_train, self.y_train = self.inputs(self.points_train), y[order[:n_train]]
        self.X_test, self.y_test = self.inputs(self.points_test), y[order[n_train:]]
        self.net = self._network(np.random.default_rng(settings.seed), dtype)
        self.loss = _losses.get(settings.loss)
        self.optimizer = _optim.get(settings.optimizer, settings.lr)
        self.net.loss, self.net.optimizer = self.loss, self.optimizer
        self.net.classes = None if self.regression else np.arange(self.classes)
        self.trainer = Trainer(self.net, self.loss, self.optimizer, l2=settings.l2, l1=settings.l1,
                               gradient=settings.gradient,
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
        """The network of the settings, by the engine's one MLP builder: one input per feature, the hidden
        layers as the page lists them, one output per class (the loss applies its link)."""
        layers = self.settings.layers
        try:
            return build_mlp([len(self.settings.features), *(layer["neurons"] for layer in layers), self.outputs],
                             [layer["activation"] for layer in layers], rng=rng, dtype=dtype,
                             kernels=self.settings.kernels)
        except MissingExtra as error:
            raise SettingsError(f"kernels: {error}") from None

    def inputs(self, points: np.ndarray) -> np.ndarray:
        """The network's input columns (``settings.features``) for standardised points (n, 2)."""
        return features(self.settings.features, points)

    def _order(self) -> np.ndarray:
        return self.rng.permutation(len(self.X_train)) if self.shuffle else np.arange(len(self.X_train))

    def targets(self, labels: np.ndarray) -> np.ndarray:
        """Class labels as the loss takes them (one-hot rows for squared error), or the real
        targets of a regression as a column."""
        if self.regression:
            labels = np.asarray(labels, dtype=self.net.dtype).reshape(-1, 1)
        return self.loss.check_targets(np.empty((len(labels), self.outputs), self.net.dtype), labels)

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
        """Steps per second of each gradient method on this network (timed, not applied).

        Each method computes one untimed gradient first: the first call of a process loads (or
        compiles) the compiled kernels, a one-time cost of about a second that is no part of
        either method's speed and would show backpropagation slower than numerical
        differentiation. The training that follows uses the same, now loaded, kernels."""
        saved = self.net.parameter_vector().copy()
        index = self.order[:self.settings.batch_size]
        x, t = self.trainer.gather(self.X_train, index), self.targets_train[index]  # as step() gathers
        rates = {}
        for method, repeats in (("backprop", 20), ("numerical", 2)):
            timer = Trainer(self.net, self.loss, self.optimizer, l2=self.settings.l2, l1=self.settings.l1,
                            gradient=method, eps=1e-3)
            # a network that asked for the compiled kernels is told when a step cannot use them; the
            # numerical gradient measured here never can, and is not what this run trains with
            with _QUIET, warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
                warnings.simplefilter("ignore", KernelFallbackWarning)
                timer.compute_gradient(x, t)  # warm-up: one-time loading, not timed
                start = time.perf_counter()
                for _ in range(repeats):
                    timer.compute_gradient(x, t)
                rates[method] = repeats / max(time.perf_counter() - start, 1e-9)
        self.net.set_parameter_vector(saved)
        return rates

    # --- what the page draws ----------------------------------------------------------------
    def metrics(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float | None, np.ndarray]:
        """(loss, accuracy, predicted classes) on (X, y) by ``trainer.evaluate``, the evaluation
        every front end reports, in one forward pass; a regression has no accuracy (None) and
        predicts values. The page's classes are the argmax of the K outputs, which is what each
        classifier loss offered here counts as correct."""
        if len(X) == 0:
            return float("nan"), None if self.regression else float("nan"), np.zeros(0, dtype=int)
        with np.errstate(over="ignore", invalid="ignore"):
            value, accuracy, scores = evaluate(self.net, self.loss, X, self.targets(y), return_scores=True,
                                              classify=not self.regression)
        if self.regression:
            return float(value), None, scores[:, 0].copy()
        return float(value), float(accuracy), scores.argmax(axis=1)

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
