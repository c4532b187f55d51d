"""Progress display for the training loop, on stderr.

verbose=0: nothing. verbose=1: on a terminal, a bar per epoch (tqdm when it is
installed) that ends as one summary line; elsewhere (a log file, CI) just the
summary line. verbose=2: the summary line only. The summary reads like Keras's:

    epoch 3/10  loss 0.2811  accuracy 0.9235  val_loss 0.3016  val_accuracy 0.9167  41,230 samples/s  0.8s
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from .errors import ConfigurationError

__all__ = ["Progress", "format_logs"]


def format_logs(logs: dict[str, float]) -> str:
    return "  ".join(f"{name} {value:.4f}" for name, value in logs.items())


class Progress:
    """One epoch at a time: ``start(epoch)``, ``update(samples, loss)`` per batch, ``end(logs)``."""

    def __init__(self, epochs: int, n_samples: int, verbose: int = 1, stream: IO[str] | None = None):
        if verbose not in (0, 1, 2):
            raise ConfigurationError(f"verbose: expected 0, 1 or 2, got {verbose!r}")
        self.epochs, self.n_samples, self.verbose = epochs, n_samples, verbose
        self.stream = stream if stream is not None else sys.stderr
        self.live = verbose == 1 and hasattr(self.stream, "isatty") and self.stream.isatty()
        self._bar: Any = None
        self._seen = 0
        self._loss_sum = 0.0
        self._started = 0.0

    def start(self, epoch: int) -> None:
        self._seen, self._loss_sum, self._started = 0, 0.0, time.perf_counter()
        if self.live:
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(total=self.n_samples, desc=f"epoch {epoch + 1}/{self.epochs}", unit="samples",
                                 file=self.stream, leave=False, dynamic_ncols=True, mininterval=0.2)

    def update(self, samples: int, loss: float) -> None:
        self._seen += samples
        self._loss_sum += loss * samples
        if self._bar is not None:
            self._bar.update(samples)
            self._bar.set_postfix_str(f"loss {self._loss_sum / self._seen:.4f}", refresh=False)
        elif self.live:
            width = 30
            done = int(width * self._seen / max(self.n_samples, 1))
            self.stream.write(f"\r[{'=' * done}{'.' * (width - done)}] {self._seen}/{self.n_samples}"
                              f"  loss {self._loss_sum / self._seen:.4f}")
            self.stream.flush()

    def mean_loss(self) -> float:
        """The epoch's training loss so far, averaged over samples."""
        return self._loss_sum / max(self._seen, 1)

    def elapsed(self) -> float:
        return time.perf_counter() - self._started

    def end(self, epoch: int, logs: dict[str, float]) -> None:
        seconds = self.elapsed()
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.live:
            self.stream.write("\r\033[K")
        if self.verbose:
            rate = self._seen / seconds if seconds > 0 else float("inf")
            self.stream.write(f"epoch {epoch + 1}/{self.epochs}  {format_logs(logs)}  "
                              f"{rate:,.0f} samples/s  {seconds:.1f}s\n")
            self.stream.flush()
