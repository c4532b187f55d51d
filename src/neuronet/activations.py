"""Activation functions f(x) and their derivatives f'(x), one small class each.

Every activation is callable on an array of any shape and has ``derivative(x)``,
f'(x) elementwise. The elementwise ones also have ``derivative_from_output(y)``:
the same f'(x), written with the output y = f(x), which is how the notes give
the sigmoid's (f' = f(1 - f), chapter 2) and how a layer computes it in backward
without keeping x.

    >>> from neuronet.activations import sigmoid, get
    >>> float(sigmoid(0.0)), float(sigmoid.derivative(0.0))
    (0.5, 0.25)
    >>> get("tanh").name
    'tanh'

All are numerically stable for |x| up to 1e4 in float32 and float64: no overflow
warning, no NaN, exact saturation (``sigmoid(-1000) == 0``).

The registry is the one list of activation names: the command line's choices, the
playground's menus, ``plot.activations()``, model files and the ONNX export all read
it. An activation carries what they need: ``name``, ``display_name``, ``elementwise``
(usable between layers), ``config()`` and ``to_onnx``. ``register(MyActivation)`` adds
one everywhere at once (see CONTRIBUTING.md).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .errors import ConfigurationError, WrongType
from .registry import Registry

__all__ = [
    "Activation", "Step", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Identity", "Softmax",
    "step", "sigmoid", "tanh", "relu", "leaky_relu", "identity", "softmax", "get", "names", "hidden_names",
    "register", "unregister", "from_config", "NoOnnxForm", "KernelForm", "declared_kernel",
]


class NoOnnxForm(NotImplementedError):
    """An activation (or layer, or loss) that has no ONNX equivalent: the export stops with this
    rather than write a graph that computes something else."""


class KernelForm(NamedTuple):
    """An object's compiled form: the name of its formula in the kernel module
    (``neuronet.kernels.compiled``: ``"relu"``, ``"hinge"``, ``"adam"``) and the parameters that
    formula takes (Leaky ReLU's slope, the hinge's margin, Adam's betas)."""

    name: str
    parameters: dict


def declared_kernel(obj: Any, formulas: tuple[str, ...]) -> KernelForm | None:
    """``obj``'s compiled form: the ``compiled_as`` name its class declares with its
    ``kernel_parameters()``, or None. A kernel belongs to the class that declares it: a subclass
    that rewrites one of the ``formulas`` methods without declaring a kernel of its own has none
    (its formula is no longer the kernel's)."""
    classes = type(obj).__mro__
    declaring = next(i for i, cls in enumerate(classes) if "compiled_as" in cls.__dict__)
    name = classes[declaring].__dict__["compiled_as"]
    if name is None:
        return None
    for method in formulas:
        if any(method in cls.__dict__ for cls in classes[:declaring]):
            return None
    return KernelForm(name, dict(obj.kernel_parameters()))


def _as_float_array(x: Any) -> np.ndarray:
    """Python numbers and integer arrays become float64; float arrays keep their dtype."""
    if hasattr(x, "dtype") and x.dtype.kind == "f":
        return x
    return np.asarray(x, dtype=np.float64)


class Activation:
    """Base class: ``f(x)`` by ``__call__``, ``f'(x)`` by ``derivative``."""

    name = "activation"
    display_name = "activation"
    elementwise = True     # f applies to each number alone: usable as a hidden layer
    aliases: tuple[str, ...] = ()
    init = "xavier"        # the initial weights that keep its layer's outputs in range (He for ReLUs)
    compiled_as: str | None = None  # its formula's name in the kernel module, if it has one there

    def __call__(self, x: Any, out: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    @property
    def kernel(self) -> KernelForm | None:
        """Its compiled form (``compiled_as`` and ``kernel_parameters()``), or None: networks using
        it then train on the NumPy path, and ``net.kernel_plan(...)`` says so."""
        return declared_kernel(self, ("__call__", "derivative_from_output", "derivative"))

    def kernel_parameters(self) -> dict:
        """The settings its kernel takes (none by default)."""
        return {}

    def derivative(self, x: Any) -> np.ndarray:
        """f'(x), elementwise: computed from the output, f'(x) = g(f(x))."""
        y = self(_as_float_array(x))
        return self.derivative_from_output(y, out=np.empty_like(y))

    def derivative_from_output(self, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def config(self) -> dict:
        """The JSON description a model file stores for this activation: its name and settings."""
        return {"name": self.name}

    @classmethod
    def from_settings(cls, config: dict) -> "Activation":
        """Build from ``config()`` (an untrusted dict from a model file): override where there are
        settings to read and check."""
        return cls()

    def to_onnx(self, graph: Any, x: str, out: str) -> str:
        """Add the ONNX node(s) computing f(x) to ``graph`` (``neuronet.onnx``'s builder); returns the
        output's name. The default: an activation without an ONNX form says so."""
        raise NoOnnxForm(f"activation {self.name!r} has no ONNX form; give it a to_onnx method "
                         "(see CONTRIBUTING.md) or export a network without it")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Step(Activation):
    """Step (Heaviside) function: f(x) = 1 if x > 0 else 0 (the activation-function notes, chapter 2).

    Its derivative is 0 everywhere it exists (and undefined at 0), so gradient
    descent gets no signal through it: the reason the notes move on to the
    sigmoid (chapter 2). ``derivative`` returns 0 everywhere.
    """

    name = "step"
    compiled_as = "step"
    display_name = "step"

    def __call__(self, x, out=None):
        x = _as_float_array(x)
        return np.greater(x, 0, out=out if out is not None else np.empty_like(x), casting="unsafe")

    def to_onnx(self, graph, x, out):
        positive = graph.node("Greater", [x, graph.constant(f"{out}.zero", np.zeros(1))], f"{out}.positive")
        return graph.node("Cast", [positive], out, to="float")

    def derivative_from_output(self, y, out=None):
        if out is None:
            return np.zeros_like(y)
        out.fill(0)
        return out


class Sigmoid(Activation):
    """Logistic sigmoid: f(x) = 1 / (1 + exp(-x)) (the notes' eq. 4, chapter 1); f'(x) = f(x)(1 - f(x)).

    For very negative x, exp(-x) overflows to inf and 1 / (1 + inf) is exactly 0,
    which is the right limit, so the overflow warning is silenced, not avoided.
    """

    name = "sigmoid"
    compiled_as = "sigmoid"
    display_name = "sigmoid"
    aliases = ("logistic",)  # scikit-learn's name

    def to_onnx(self, graph, x, out):
        return graph.node("Sigmoid", [x], out)

    def __call__(self, x, out=None):
        x = _as_float_array(x)
        out = np.negative(x, out=np.empty_like(x) if out is None else out)
        with np.errstate(over="ignore"):
            np.exp(out, out=out)
        out += 1
        return np.reciprocal(out, out=out)

    def derivative_from_output(self, y, out=None):
        # f(1 - f) = f - f^2
        out = np.multiply(y, y, out=out)
        return np.subtract(y, out, out=out)


class Tanh(Activation):
    """Hyperbolic tangent: f(x) = (e^x - e^-x) / (e^x + e^-x) = 2 sigmoid(2x) - 1 (the notes, chapter 2);
    f'(x) = 1 - f(x)^2."""

    name = "tanh"
    compiled_as = "tanh"
    display_name = "tanh"

    def to_onnx(self, graph, x, out):
        return graph.node("Tanh", [x], out)

    def __call__(self, x, out=None):
        return np.tanh(_as_float_array(x), out=out)

    def derivative_from_output(self, y, out=None):
        out = np.multiply(y, y, out=out)
        np.subtract(1, out, out=out)
        return out


class ReLU(Activation):
    """Rectified linear unit: f(x) = max(0, x) (chapter 10; chapter 12's s = W2 max(0, W1 x));
    f'(x) = 1 if x > 0 else 0."""

    name = "relu"
    compiled_as = "relu"
    display_name = "ReLU"
    init = "he"

    def to_onnx(self, graph, x, out):
        return graph.node("Relu", [x], out)

    def __call__(self, x, out=None):
        return np.maximum(_as_float_array(x), 0, out=out)

    def derivative_from_output(self, y, out=None):
        return np.greater(y, 0, out=out if out is not None else np.empty_like(y), casting="unsafe")


class LeakyReLU(Activation):
    """Leaky ReLU: f(x) = x if x > 0 else alpha * x (the activation-function notes, alpha = 0.01; chapter 10);
    f'(x) = 1 if x > 0 else alpha."""

    name = "leaky_relu"
    compiled_as = "leaky_relu"
    display_name = "Leaky ReLU"
    init = "he"

    def __init__(self, alpha: float = 0.01):
        alpha = float(alpha)
        if not 0.0 <= alpha < 1.0:
            raise ConfigurationError(f"LeakyReLU: alpha must be in [0, 1), got {alpha}")
        self.alpha = alpha

    def __call__(self, x, out=None):
        x = _as_float_array(x)
        # max(x, alpha x) equals the two-branch definition when 0 <= alpha < 1
        out = np.multiply(x, x.dtype.type(self.alpha), out=np.empty_like(x) if out is None else out)
        return np.maximum(x, out, out=out)

    def derivative_from_output(self, y, out=None):
        # y > 0 exactly where x > 0, since alpha >= 0
        positive = np.greater(y, 0)
        out = np.multiply(positive, y.dtype.type(1 - self.alpha), out=out, casting="unsafe")
        out += y.dtype.type(self.alpha)
        return out

    def config(self):
        return {"name": self.name, "alpha": self.alpha}

    def kernel_parameters(self):
        return {"alpha": self.alpha}

    @classmethod
    def from_settings(cls, config):
        alpha = config.get("alpha", 0.01)
        if not isinstance(alpha, (int, float)) or isinstance(alpha, bool):
            raise ConfigurationError(f"leaky_relu: alpha must be a number, got {alpha!r}")
        return cls(alpha)

    def to_onnx(self, graph, x, out):
        return graph.node("LeakyRelu", [x], out, alpha=float(self.alpha))

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


class Identity(Activation):
    """Identity: f(x) = x; f'(x) = 1. The output of regression networks (the activation-function notes)."""

    name = "identity"
    compiled_as = "identity"
    display_name = "identity"
    aliases = ("linear",)

    def to_onnx(self, graph, x, out):
        return x  # nothing to compute

    def __call__(self, x, out=None):
        x = _as_float_array(x)
        if out is None:
            return x.copy()
        np.copyto(out, x)
        return out

    def derivative_from_output(self, y, out=None):
        if out is None:
            return np.ones_like(y)
        out.fill(1)
        return out


class Softmax(Activation):
    """Softmax over an axis: y_i = exp(a_i) / sum_j exp(a_j) (the notes' eq. 7, chapter 5).

    The maximum is subtracted first, which changes nothing mathematically and
    keeps exp from overflowing. Not elementwise: ``derivative(x)`` is the full
    Jacobian dy_i/da_j = y_i (delta_ij - y_j) (the notes' eq. 18-19, chapter 6), of shape
    ``x.shape + (K,)`` for the last axis of size K.
    """

    name = "softmax"
    display_name = "softmax (2 classes)"
    elementwise = False  # each output depends on every input: an output layer, not a hidden one

    def to_onnx(self, graph, x, out):
        return graph.node("Softmax", [x], out, axis=-1)

    def __call__(self, x, axis: int = -1, out=None):
        x = _as_float_array(x)
        out = np.subtract(x, x.max(axis=axis, keepdims=True), out=np.empty_like(x) if out is None else out)
        np.exp(out, out=out)
        out /= out.sum(axis=axis, keepdims=True)
        return out

    def derivative(self, x):
        """Jacobian J[..., i, j] = y_i (delta_ij - y_j), shape ``x.shape + (K,)``."""
        y = self(x)
        jacobian = -y[..., :, None] * y[..., None, :]
        diagonal = np.einsum("...ii->...i", jacobian)
        diagonal += y
        return jacobian

    def derivative_from_output(self, y, out=None):
        raise WrongType("softmax is not elementwise: use derivative(x) for its Jacobian")


step = Step()
sigmoid = Sigmoid()
tanh = Tanh()
relu = ReLU()
leaky_relu = LeakyReLU()
identity = Identity()
softmax = Softmax()

REGISTRY: Registry[Activation] = Registry("activation", Activation)
register, unregister = REGISTRY.register, REGISTRY.unregister

for _class in (Step, Sigmoid, Tanh, ReLU, LeakyReLU, Identity, Softmax):
    register(_class)


def names() -> list[str]:
    """The canonical activation names ``get`` accepts, in registration order."""
    return REGISTRY.names()


def hidden_names() -> list[str]:
    """The elementwise activations: those a hidden layer can use (softmax is an output layer)."""
    return [cls.name for cls in REGISTRY.classes() if cls.elementwise]


def get(name: str | Activation, **kwargs: Any) -> Activation:
    """Look an activation up by name (``"tanh"``) or pass an instance through.

    ``get("leaky_relu", alpha=0.1)`` forwards keyword arguments to the class.
    """
    if isinstance(name, Activation):
        return name
    return REGISTRY.lookup(name)(**kwargs)


def from_config(config: dict) -> Activation:
    """Rebuild an activation from ``Activation.config()``: a registered name only, settings checked
    by the class (nothing in the file becomes code)."""
    if not isinstance(config, dict) or not isinstance(config.get("name"), str):
        raise ConfigurationError("activation: expected an object with a 'name'")
    return REGISTRY.lookup(config["name"]).from_settings(config)
