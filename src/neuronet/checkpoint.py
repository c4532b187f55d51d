"""``ModelCheckpoint``: save the network during training (it sits above ``io``, which it uses)."""

from __future__ import annotations

import math
from pathlib import Path

from .callbacks import Monitor
from .io import save

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(Monitor):
    """Save the network with ``neuronet.save`` after each epoch, or only when ``monitor``
    improved (``save_best_only``). ``path`` may contain ``{epoch}`` and metric names,
    e.g. ``"model-{epoch:02d}-{val_loss:.3f}.npz"``."""

    def __init__(self, path: str | Path, monitor: str = "val_loss", save_best_only: bool = False,
                 mode: str = "auto"):
        super().__init__(monitor, mode)
        self.path = str(path)
        self.save_best_only = save_best_only
        self.saved: list[str] = []

    def on_train_begin(self, logs=None):
        self.best = math.inf if self.mode == "min" else -math.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            value = self._current(logs)
            if not self._improved(value):
                return
            self.best = value
        path = self.path.format(epoch=epoch + 1, **logs)
        save(self.model, path)
        self.saved.append(path)
