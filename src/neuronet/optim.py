"""Optimizers: gradient descent and its refinements.

``optimizer.step(params, grads)`` updates every array of ``params`` (a dict
name -> array) in place from ``grads`` (same keys). Plain gradient descent is
the notes' eq. 27 (chapter 9), w <- w - alpha dE/dw; the others keep per-parameter state
(velocities, squared-gradient averages) under the same names.

``weight_decay`` adds the L2 penalty's gradient lambda w to the gradient: the
linear-classification notes' "gradual forgetting" (chapter 11), every step pulling the
synapse weights towards zero. Which arrays it applies to is the caller's to say
(``step(..., decayed=names)``; all of them by default); a network says it from its layers
(Dense decays its weights, not its biases) and steps its flat buffer with the decayed part first.

A ``Sequential`` hands its optimizer two entries, ``{"W": all weights, "b": all
biases}``, each a flat view of its parameter buffer, so one step is a handful
of vectorized operations whatever the depth of the network.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import backend
from .activations import KernelForm, declared_kernel
from .errors import ConfigurationError
from .registry import Registry
from .validation import fraction, non_negative, positive

__all__ = ["Optimizer", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam", "get", "names", "register",
           "unregister", "from_config"]


class Optimizer:
    """Base class: validation, weight decay, per-parameter state, ``state_dict``."""

    name = "optimizer"
    slots: tuple[str, ...] = ()
    nonnegative_slots: tuple[str, ...] = ()  # running sums of squared gradients
    compiled_as: str | None = None  # its formula's name in the kernel module, if it has one there

    @property
    def kernel(self) -> KernelForm | None:
        """Its compiled form (``compiled_as`` and ``kernel_parameters()``: the constants of its
        formula), or None: the update then runs in NumPy, and ``net.kernel_plan(...)`` says so."""
        return declared_kernel(self, ("update", "step", "step_flat", "step_sizes"))

    def kernel_parameters(self) -> dict:
        """The constants its kernel takes besides the learning rate and weight decay."""
        return {}

    def step_sizes(self, count: int) -> np.ndarray:
        """The learning rate of each of the next ``count`` updates (float64): ``lr`` for all, unless
        the optimizer corrects it per iteration (Adam). The compiled step takes them from here."""
        return np.full(count, self.lr)

    def __init__(self, lr: float, weight_decay: float = 0.0):
        self.lr = positive("lr", lr)
        self.weight_decay = non_negative("weight_decay", weight_decay)
        self.iterations = 0
        self.state: dict[str, dict[str, Any]] = {}
        self._scratch: dict[str, Any] = {}

    def step(self, params: dict[str, Any], grads: dict[str, Any], decayed: Any = None) -> None:
        """Update each ``params[name]`` in place from ``grads[name]``; weight decay applies to the
        names in ``decayed`` (every name when None)."""
        self.iterations += 1
        for name, param in params.items():
            grad = grads[name]
            scratch = self._temporary(name, param)
            if self.weight_decay and (decayed is None or name in decayed):
                # dE/dw + lambda w, without touching the caller's gradient array
                decayed = self._temporary(name + "+decay", param)
                np.multiply(param, self.weight_decay, out=decayed)
                decayed += grad
                grad = decayed
            state = self.state.get(name)
            if state is None or next(iter(state.values()), param).shape != param.shape:
                state = self.state[name] = {slot: np.zeros_like(param) for slot in self.slots}
            self.update(param, grad, state, scratch)

    def step_flat(self, params: Any, grads: Any, n_weights: int, kernels: str = "numpy") -> None:
        """One step over a network's whole flat parameter buffer (the ``n_weights`` decayed
        parameters first, then the rest, as ``Sequential`` keeps them). Without weight decay,
        all update alike, so the buffer is stepped in one piece ("Wb"): one pass of each
        vectorized operation over every parameter instead of one per array. With
        ``kernels="numba"`` one fused pass does the whole update (``neuronet.kernels``)."""
        if kernels == "numba" and type(params) is np.ndarray:
            from .kernels.optimizers import fused_step

            if fused_step(self, params, grads, n_weights):
                return
        if self.weight_decay:
            self._split_state(n_weights)
            self.step({"W": params[:n_weights], "b": params[n_weights:]},
                      {"W": grads[:n_weights], "b": grads[n_weights:]}, decayed=("W",))
        else:
            self._join_state()
            self.step({"Wb": params}, {"Wb": grads})

    def flat_state(self, params: Any) -> dict[str, Any]:
        """The state of a flat buffer stepped in one piece ("Wb"), made of zeros on the first step
        and joined from the weights' and biases' parts if they were stepped apart: what a fused
        kernel updates in place."""
        self._join_state()
        state = self.state.get("Wb")
        if state is None or next(iter(state.values()), params).shape != params.shape:
            state = self.state["Wb"] = {slot: np.zeros_like(params) for slot in self.slots}
        return state

    def _join_state(self) -> None:
        if "W" in self.state and "b" in self.state and "Wb" not in self.state:
            weights, biases = self.state.pop("W"), self.state.pop("b")
            self.state["Wb"] = {slot: backend.array_module(weights[slot]).concatenate([weights[slot], biases[slot]])
                                for slot in weights}

    def _split_state(self, n_weights: int) -> None:
        joined = self.state.pop("Wb", None)
        if joined is not None:
            self.state["W"] = {slot: array[:n_weights].copy() for slot, array in joined.items()}
            self.state["b"] = {slot: array[n_weights:].copy() for slot, array in joined.items()}

    def _temporary(self, key: str, like: Any) -> Any:
        array = self._scratch.get(key)
        if array is None or array.shape != like.shape or array.dtype != like.dtype or type(array) is not type(like):
            array = self._scratch[key] = np.empty_like(like)
        return array

    def update(self, param: Any, grad: Any, state: dict[str, Any], scratch: Any) -> None:
        """One array's update, in place: ``param``, ``grad``, each ``state[slot]`` and ``scratch`` (a
        temporary) all have the same shape, e.g. ``(n_parameters,)`` for a network's flat buffer."""
        raise NotImplementedError

    def config(self) -> dict:
        return {"name": self.name, "lr": self.lr, "weight_decay": self.weight_decay}

    def state_dict(self) -> dict:
        """Arrays and counters to resume training: ``{"iterations": int, "state": {name: {slot: array}}}``."""
        return {"iterations": self.iterations,
                "state": {name: {slot: np.array(backend.to_numpy(a), copy=True) for slot, a in slots.items()}
                          for name, slots in self.state.items()}}

    def load_state_dict(self, state: dict) -> None:
        """Resume from ``state_dict()``'s output, validated first: a whole step count >= 0, known
        slots, finite arrays, and no negative running sums of squares (which would make the next
        step divide by the square root of a negative number)."""
        iterations = state.get("iterations", 0)
        if not isinstance(iterations, (int, np.integer)) or isinstance(iterations, bool) or iterations < 0:
            raise ConfigurationError(f"optimizer state: iterations must be a whole number >= 0, got {iterations!r}")
        loaded: dict[str, dict[str, Any]] = {}
        for name, slots in state.get("state", {}).items():
            if set(slots) != set(self.slots):
                raise ConfigurationError(f"optimizer state {name}: expected the slots {list(self.slots)} of "
                                 f"{type(self).__name__}, got {sorted(slots)}")
            for slot, array in slots.items():
                array = np.asarray(array)
                if array.dtype.kind != "f" or not np.all(np.isfinite(array)):
                    raise ConfigurationError(f"optimizer state {name}/{slot}: expected finite floating-point numbers")
                if slot in self.nonnegative_slots and np.any(array < 0):
                    raise ConfigurationError(f"optimizer state {name}/{slot}: a running sum of squares cannot be negative")
            loaded[name] = {slot: np.array(array, copy=True) for slot, array in slots.items()}
        self.iterations = int(iterations)
        self.state = loaded

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({arguments})"


class SGD(Optimizer):
    """Stochastic gradient descent: w <- w - lr * g (the notes' eq. 27, chapter 9)."""

    name = "sgd"
    compiled_as = "sgd"

    def __init__(self, lr: float = 0.01, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)

    def update(self, param, grad, state, scratch):
        np.multiply(grad, self.lr, out=scratch)
        param -= scratch


class Momentum(Optimizer):
    """SGD with momentum: v <- mu v - lr g;  w <- w + v."""

    name = "momentum"
    slots = ("velocity",)
    compiled_as = "momentum"

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        self.momentum = fraction("momentum", momentum)

    def update(self, param, grad, state, scratch):
        velocity = state["velocity"]
        velocity *= self.momentum
        np.multiply(grad, self.lr, out=scratch)
        velocity -= scratch
        param += velocity

    def config(self):
        return {**super().config(), "momentum": self.momentum}

    def kernel_parameters(self):
        return {"momentum": self.momentum}


class Nesterov(Momentum):
    """Nesterov's accelerated gradient: v <- mu v - lr g;  w <- w + mu v - lr g
    (the look-ahead form scikit-learn and Keras use)."""

    name = "nesterov"
    compiled_as = "nesterov"

    def update(self, param, grad, state, scratch):
        velocity = state["velocity"]
        velocity *= self.momentum
        np.multiply(grad, self.lr, out=scratch)
        velocity -= scratch
        param -= scratch
        np.multiply(velocity, self.momentum, out=scratch)
        param += scratch


class AdaGrad(Optimizer):
    """AdaGrad: h <- h + g^2;  w <- w - lr g / (sqrt(h) + eps)."""

    name = "adagrad"
    slots = ("sum_squares",)
    nonnegative_slots = slots
    compiled_as = "adagrad"

    def __init__(self, lr: float = 0.01, eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        self.eps = positive("eps", eps)

    def update(self, param, grad, state, scratch):
        sum_squares = state["sum_squares"]
        np.square(grad, out=scratch)
        sum_squares += scratch
        _scaled_step(param, grad, sum_squares, self.lr, self.eps, scratch)

    def config(self):
        return {**super().config(), "eps": self.eps}

    def kernel_parameters(self):
        return {"eps": self.eps}


class RMSProp(Optimizer):
    """RMSProp: h <- rho h + (1 - rho) g^2;  w <- w - lr g / (sqrt(h) + eps)."""

    name = "rmsprop"
    slots = ("mean_squares",)
    nonnegative_slots = slots
    compiled_as = "rmsprop"

    def __init__(self, lr: float = 0.001, rho: float = 0.9, eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        self.rho = fraction("rho", rho)
        self.eps = positive("eps", eps)

    def update(self, param, grad, state, scratch):
        mean_squares = state["mean_squares"]
        mean_squares *= self.rho
        np.square(grad, out=scratch)
        scratch *= 1 - self.rho
        mean_squares += scratch
        _scaled_step(param, grad, mean_squares, self.lr, self.eps, scratch)

    def config(self):
        return {**super().config(), "rho": self.rho, "eps": self.eps}

    def kernel_parameters(self):
        return {"rho": self.rho, "eps": self.eps}


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015):

        m <- beta1 m + (1 - beta1) g
        v <- beta2 v + (1 - beta2) g^2
        w <- w - lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)
    """

    name = "adam"
    slots = ("m", "v")
    nonnegative_slots = ("v",)
    compiled_as = "adam"

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        self.beta1 = fraction("beta1", beta1)
        self.beta2 = fraction("beta2", beta2)
        self.eps = positive("eps", eps)

    def update(self, param, grad, state, scratch):
        m, v = state["m"], state["v"]
        m *= self.beta1
        np.multiply(grad, 1 - self.beta1, out=scratch)
        m += scratch
        v *= self.beta2
        np.square(grad, out=scratch)
        scratch *= 1 - self.beta2
        v += scratch
        _scaled_step(param, m, v, self.step_size(), self.eps, scratch)

    def step_size(self) -> float:
        """lr sqrt(1 - beta2^t) / (1 - beta1^t) at step t = ``iterations``: the bias-corrected rate."""
        return float(self._bias_corrected(np.array([self.iterations], dtype=np.float64))[0])

    def step_sizes(self, count):
        """The bias-corrected rate of the next ``count`` updates (t = iterations + 1, + 2, ...)."""
        return self._bias_corrected(np.arange(self.iterations + 1, self.iterations + count + 1, dtype=np.float64))

    def _bias_corrected(self, t: np.ndarray) -> np.ndarray:
        return self.lr * np.sqrt(1 - self.beta2 ** t) / (1 - self.beta1 ** t)

    def config(self):
        return {**super().config(), "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def kernel_parameters(self):
        return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


def _scaled_step(param, numerator, squares, lr, eps, scratch) -> None:
    """param -= lr * numerator / (sqrt(squares) + eps), through ``scratch``."""
    np.sqrt(squares, out=scratch)
    scratch += eps
    np.divide(numerator, scratch, out=scratch)
    scratch *= lr
    param -= scratch


REGISTRY: Registry[Optimizer] = Registry("optimizer", Optimizer)
register, unregister = REGISTRY.register, REGISTRY.unregister

for _class in (SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam):
    register(_class)


def names() -> list[str]:
    return REGISTRY.names()


def get(name: str | Optimizer, lr: float | None = None, **kwargs: Any) -> Optimizer:
    """An optimizer by name (``"adam"``) with its default learning rate unless ``lr`` is given,
    or an instance passed through."""
    if isinstance(name, Optimizer):
        return name
    cls = REGISTRY.lookup(name)
    if lr is not None:
        kwargs["lr"] = lr
    return cls(**kwargs)


def from_config(config: dict) -> Optimizer:
    """Rebuild from ``config()``: known names and finite numeric settings only."""
    if not isinstance(config, dict):
        raise ConfigurationError("optimizer: expected an object")
    name = config.get("name")
    REGISTRY.lookup(name)
    settings = {}
    for key, value in config.items():
        if key == "name":
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not np.isfinite(value):
            raise ConfigurationError(f"optimizer {name}: setting {key!r} must be a finite number, got {value!r}")
        settings[key] = float(value)
    return get(name, **settings)
