"""Callbacks: code the training loop calls at the start and end of training and of each epoch.

The vocabulary is Keras's: ``on_train_begin``, ``on_epoch_end(epoch, logs)``,
``on_train_end``; a callback stops training by setting ``model.stop_training``.
``ModelCheckpoint``, which writes model files, lives above the file format, in
``neuronet.checkpoint``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import ConfigurationError

__all__ = ["Callback", "EarlyStopping"]


class Callback:
    """Base class; every hook does nothing by default. ``self.model`` is the network."""

    model: Any = None

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_train_begin(self, logs: dict | None = None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_train_end(self, logs: dict | None = None) -> None: ...


class Monitor(Callback):
    """Shared by the callbacks that watch one metric for improvement."""

    def __init__(self, monitor: str, mode: str, min_delta: float = 0.0):
        if mode not in ("auto", "min", "max"):
            raise ConfigurationError(f"mode: expected 'auto', 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.mode = mode
        self.min_delta = abs(float(min_delta))
        self.best = math.inf if mode == "min" else -math.inf

    def _current(self, logs: dict | None) -> float:
        logs = logs or {}
        if self.monitor not in logs:
            available = ", ".join(sorted(logs)) or "none"
            raise ConfigurationError(
                f"{type(self).__name__}: monitor {self.monitor!r} is not computed (available: {available}); "
                "pass validation_split or validation_data to fit() to get val_* metrics"
            )
        return float(logs[self.monitor])

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class EarlyStopping(Monitor):
    """Stop when ``monitor`` has not improved for ``patience`` epochs; with
    ``restore_best_weights`` the network gets the weights of its best epoch back."""

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0, mode: str = "auto",
                 restore_best_weights: bool = True):
        super().__init__(monitor, mode, min_delta)
        if not isinstance(patience, (int, np.integer)) or patience < 0:
            raise ConfigurationError(f"patience: expected an integer >= 0, got {patience!r}")
        self.patience = int(patience)
        self.restore_best_weights = restore_best_weights
        self.best_weights: np.ndarray | None = None
        self.best_epoch = -1
        self.stopped_epoch = -1
        self.wait = 0

    def on_train_begin(self, logs=None):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_weights, self.best_epoch, self.stopped_epoch, self.wait = None, -1, -1, 0

    def on_epoch_end(self, epoch, logs=None):
        value = self._current(logs)
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = np.array(self.model.parameter_vector(), copy=True)
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_parameter_vector(self.best_weights)
