"""Learning-rate schedules: the rate for each epoch, as small objects every front end shares.

    >>> from neuronet.schedules import StepDecay
    >>> schedule = StepDecay(0.1, drop=0.5, every=10)
    >>> [schedule.rate(epoch) for epoch in (0, 9, 10, 25)]
    [0.1, 0.1, 0.05, 0.025]

``fit(lr=schedule)``, the scikit-learn estimators (``learning_rate="invscaling"`` is
``InverseScaling``, ``"adaptive"`` is ``ReduceOnPlateau``), ``neuronet train
--lr-schedule NAME`` and the playground all take them. The trainer asks
``rate(epoch, samples_seen)`` before each epoch and tells ``observe(epoch, logs)`` after
it (only ``ReduceOnPlateau`` listens).

| schedule | rate |
|---|---|
| ``Constant(lr)`` | lr |
| ``StepDecay(lr, drop, every)`` | lr * drop ** floor(epoch / every) |
| ``Exponential(lr, gamma)`` | lr * gamma ** epoch |
| ``InverseScaling(lr, power_t)`` | lr / (samples_seen + 1) ** power_t (scikit-learn's invscaling) |
| ``Cosine(lr, epochs, min_lr)`` | min_lr + (lr - min_lr) (1 + cos(pi epoch / epochs)) / 2 |
| ``ReduceOnPlateau(lr, factor, patience)`` | lr, times factor whenever the monitored metric stalls |
"""

from __future__ import annotations

import inspect
import math
from typing import Any

from .errors import ConfigurationError
from .registry import Registry
from .validation import fraction, non_negative, positive, positive_int

__all__ = ["Schedule", "Constant", "StepDecay", "Exponential", "InverseScaling", "Cosine", "ReduceOnPlateau",
           "get", "names", "display_names", "register", "from_config"]


class Schedule:
    """Base class: ``rate(epoch, samples_seen)`` is the learning rate for that epoch."""

    name = "schedule"
    display_name = "schedule"

    def __init__(self, lr: float):
        self.lr = positive("lr", lr)

    def rate(self, epoch: int, samples_seen: int = 0) -> float:
        raise NotImplementedError

    def observe(self, epoch: int, logs: dict) -> None:
        """Called after each epoch with its metrics; most schedules ignore them."""

    def config(self) -> dict:
        return {"name": self.name, **{k: v for k, v in vars(self).items() if not k.startswith("_")}}

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({settings})"


class Constant(Schedule):
    """The same rate every epoch."""

    name = "constant"
    display_name = "constant"

    def rate(self, epoch, samples_seen=0):
        return self.lr


class StepDecay(Schedule):
    """Multiply the rate by ``drop`` every ``every`` epochs."""

    name = "step"
    display_name = "step decay"

    def __init__(self, lr: float, drop: float = 0.5, every: int = 10):
        super().__init__(lr)
        self.drop = positive("drop", drop)
        self.every = positive_int("every", every)

    def rate(self, epoch, samples_seen=0):
        return self.lr * self.drop ** (epoch // self.every)


class Exponential(Schedule):
    """Multiply the rate by ``gamma`` every epoch."""

    name = "exponential"
    display_name = "exponential decay"

    def __init__(self, lr: float, gamma: float = 0.95):
        super().__init__(lr)
        self.gamma = positive("gamma", gamma)

    def rate(self, epoch, samples_seen=0):
        return self.lr * self.gamma ** epoch


class InverseScaling(Schedule):
    """lr / (t + 1) ** power_t, t the number of samples seen so far: scikit-learn's ``invscaling``
    (its rate changes between epochs, as scikit-learn's does)."""

    name = "invscaling"
    display_name = "inverse scaling"

    def __init__(self, lr: float, power_t: float = 0.5):
        super().__init__(lr)
        self.power_t = non_negative("power_t", power_t)

    def rate(self, epoch, samples_seen=0):
        return self.lr / (samples_seen + 1) ** self.power_t


class Cosine(Schedule):
    """Cosine annealing from ``lr`` down to ``min_lr`` over ``epochs`` epochs, then ``min_lr``."""

    name = "cosine"
    display_name = "cosine annealing"

    def __init__(self, lr: float, epochs: int = 100, min_lr: float = 0.0):
        super().__init__(lr)
        self.epochs = positive_int("epochs", epochs)
        self.min_lr = non_negative("min_lr", min_lr)

    def rate(self, epoch, samples_seen=0):
        progress = min(epoch, self.epochs) / self.epochs
        return self.min_lr + (self.lr - self.min_lr) * (1 + math.cos(math.pi * progress)) / 2


class ReduceOnPlateau(Schedule):
    """Multiply the rate by ``factor`` when ``monitor`` has not improved by ``min_delta`` for more than
    ``patience`` epochs (Keras's ReduceLROnPlateau; scikit-learn's ``adaptive`` is factor 0.2);
    once the rate is at or below ``min_lr`` it is not reduced again."""

    name = "plateau"
    display_name = "reduce on plateau"

    def __init__(self, lr: float, factor: float = 0.2, patience: int = 10, min_delta: float = 1e-4,
                 min_lr: float = 1e-6, monitor: str = "loss"):
        super().__init__(lr)
        self.factor = fraction("factor", factor)
        if self.factor == 0:
            raise ConfigurationError("factor: expected a number in (0, 1), got 0")
        if not isinstance(patience, int) or isinstance(patience, bool) or patience < 0:
            raise ConfigurationError(f"patience: expected a whole number >= 0, got {patience!r}")
        self.patience = patience
        self.min_delta = non_negative("min_delta", min_delta)
        self.min_lr = non_negative("min_lr", min_lr)
        self.monitor = monitor
        self._current, self._best, self._wait = self.lr, math.inf, 0

    def rate(self, epoch, samples_seen=0):
        return self._current

    def reduce(self) -> bool:
        """Lower the rate now; False (and no change) once it is at ``min_lr``."""
        if self._current <= self.min_lr:
            return False
        self._current /= 1.0 / self.factor  # 0.2 -> divide by exactly 5, as scikit-learn does
        return True

    def observe(self, epoch, logs):
        value = logs.get(self.monitor)
        if value is None:
            raise ConfigurationError(f"ReduceOnPlateau: monitor {self.monitor!r} is not computed "
                             f"(available: {', '.join(sorted(logs)) or 'none'})")
        sign = -1 if "acc" in self.monitor else 1  # lower loss or higher accuracy is better
        if sign * value < self._best - self.min_delta:
            self._best, self._wait = sign * value, 0
            return
        self._wait += 1
        if self._wait > self.patience:
            self.reduce()
            self._wait = 0


REGISTRY: Registry[Schedule] = Registry("lr schedule", Schedule)
register = REGISTRY.register

for _class in (Constant, StepDecay, Exponential, InverseScaling, Cosine, ReduceOnPlateau):
    register(_class)


def names() -> list[str]:
    return REGISTRY.names()


def display_names() -> dict[str, str]:
    """``{name: display name}`` of every registered schedule, for menus."""
    return {cls.name: cls.display_name for cls in REGISTRY.classes()}


def get(name: str | Schedule | float, lr: float | None = None, epochs: int | None = None, **kwargs: Any) -> Schedule:
    """A schedule by name (``"cosine"``) starting at ``lr``, a number (a constant rate), or an instance.
    ``epochs``, the length of the run, goes to the schedules that take it (cosine annealing)."""
    if isinstance(name, Schedule):
        return name
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        return Constant(name)
    cls = REGISTRY.lookup(name)
    if lr is None:
        raise ConfigurationError(f"lr schedule {name!r}: needs a starting learning rate (lr)")
    if epochs is not None and "epochs" in inspect.signature(cls.__init__).parameters:
        kwargs.setdefault("epochs", epochs)
    return cls(lr, **kwargs)


def from_config(config: dict) -> Schedule:
    settings = {k: v for k, v in config.items() if k != "name"}
    return get(config.get("name"), **settings)
