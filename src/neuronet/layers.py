"""Layers: the Layer protocol, Dense, the activation layers and Dropout.

Every layer has ``forward(x, training=True)``, which computes the output and
keeps only what ``backward`` needs, and ``backward(grad_output)``, which returns
dLoss/dx and fills ``self.grads``. Parameters live in ``self.params`` (a dict),
their gradients in ``self.grads`` under the same keys; ``decayed`` names the
parameters L2 regularization pulls towards zero (Dense's weights, not its biases).

``LAYER_TYPES`` is the registry of layer classes a model file may name
(``register_layer`` adds one); activation layers come from the activation registry
(``activation_layer(name)``), so a newly registered activation is a layer at once.

Update parameters in place (``layer.params["W"][...] = new``): a ``Sequential``
keeps every parameter as a view into one flat buffer, so that an optimizer step
is a few vectorized operations over the whole network.

Speed comes from buffers, not from cleverness: when ``reuse_buffers`` is on
(the training loop turns it on), a layer writes its output and its input
gradient into workspaces it keeps between steps instead of allocating new ones.
Those workspaces are overwritten by the next call, which is why it is off for
ordinary use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import activations as _activations
from . import backend
from . import init as _init
from .errors import ConfigurationError, WrongType
from .memory import check_fits
from .validation import fraction

__all__ = [
    "Layer", "Dense", "ActivationLayer", "Step", "Sigmoid", "Tanh", "ReLU", "LeakyReLU",
    "Identity", "Softmax", "Dropout", "Flatten", "from_config", "check_config", "parameter_shapes", "LAYER_TYPES",
    "register_layer", "activation_layer",
]


class Layer:
    """Base class. Subclasses set ``params``/``grads`` and implement forward and backward."""

    decayed: tuple[str, ...] = ()  # parameters that weight decay / L2 applies to

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self.grads: dict[str, Any] = {}
        self.reuse_buffers = False
        self._buffers: dict[str, Any] = {}

    def forward(self, x: Any, training: bool = True) -> Any:
        raise NotImplementedError

    def backward(self, grad_output: Any) -> Any:
        raise NotImplementedError

    def __call__(self, x: Any) -> Any:
        return self.forward(x, training=False)

    def output_features(self, in_features: int | None) -> int | None:
        """Width of the output for an input of width ``in_features`` (None: unknown)."""
        return in_features

    compiled_as: str | None = None  # its formula's name in the kernel module, if it has one there

    @property
    def kernel(self) -> _activations.KernelForm | None:
        """Its compiled form, or None: a network with this layer trains on the NumPy path (and
        ``net.kernel_plan(...)`` says that this layer is why)."""
        return _activations.declared_kernel(self, ("forward", "backward"))

    def kernel_parameters(self) -> dict:
        return {}

    def config(self) -> dict:
        """The JSON description a model file stores for this layer (no arrays)."""
        return {"type": type(self).__name__}

    @classmethod
    def check_config(cls, config: dict) -> dict:
        """Validate this class's description from an untrusted source (a model file) without
        building anything; returns the cleaned config. A layer with settings overrides it."""
        return {"type": config["type"]}

    @classmethod
    def from_config(cls, config: dict, dtype: Any = np.float32) -> "Layer":
        """Build from a checked config, parameters at zero (the caller fills them in)."""
        return cls()

    def to_onnx(self, graph: Any, x: str, out: str) -> str:
        """Add this layer's ONNX node(s) to ``graph``; returns the output's name."""
        raise _activations.NoOnnxForm(f"layer {type(self).__name__} has no ONNX form")

    def _workspace(self, key: str, shape: tuple, dtype: Any, like: Any = None) -> Any:
        """An array to write into, on the device of ``like``: a reused buffer when
        ``reuse_buffers`` is on.

        The buffer is allocated for the largest batch seen and a view of its first
        rows is returned, so a smaller last batch needs no new allocation.
        """
        if not self.reuse_buffers:
            return backend.array_module(like).empty(shape, dtype=dtype)
        buffer = self._buffers.get(key)
        if (buffer is None or buffer.shape[1:] != shape[1:] or buffer.shape[0] < shape[0] or buffer.dtype != dtype
                or type(buffer) is not type(like)):  # a buffer on another device (after net.to)
            buffer = backend.array_module(like).empty(shape, dtype=dtype)
            self._buffers[key] = buffer
        return buffer[: shape[0]]

    def release_buffers(self) -> None:
        """Forget the workspaces and cached arrays (after training, to free memory)."""
        self._buffers.clear()

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_buffers": {}}  # workspaces are scratch: never pickled or copied

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Dense(Layer):
    """Fully connected (affine) layer: y = x @ W + b, ``(batch, in_features) -> (batch, out_features)``.

    This is the matrix form of the formal neuron, many at once: each column of W
    holds one neuron's weights w, so y_j = sum_i x_i W_ij + b_j (the notes' eq. 5
    and matrix form, chapter 4, written with the batch along the rows).

    Backward, for grad_output = dL/dy of shape ``(batch, out_features)``:
    dL/dW = x^T grad_output, dL/db = sum over the batch of grad_output (the notes'
    eq. 25-26, chapter 8), dL/dx = grad_output W^T (eq. 28).

    W has shape ``(in_features, out_features)``: the transpose of the notes' w_ji
    (row j = neuron, column i = input), because the batch runs along the rows here.
    """

    compiled_as = "dense"  # the compiled step's matmul + bias (forward) and dW, db, dL/dx (backward)

    decayed = ("W",)

    def __init__(self, in_features: int, out_features: int, *, init: str = "he", std: float = 0.01,
                 rng: Any = None, dtype: Any = np.float32):
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ConfigurationError(f"Dense: {name} must be a positive integer, got {value!r}")
        self.dtype = _check_dtype(dtype)
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        # the weights, their gradient, and the float64 draw they are made from
        check_fits(self.in_features * self.out_features * (2 * self.dtype.itemsize + 8),
                   f"Dense({self.in_features}, {self.out_features})")
        self.init = init
        weights = _init.get(init)(self.in_features, self.out_features, _init.make_rng(rng), self.dtype, std)
        self.params = {"W": weights, "b": np.zeros(self.out_features, self.dtype)}
        self.grads = {"W": np.zeros(weights.shape, self.dtype), "b": np.zeros(self.out_features, self.dtype)}
        # The first layer of a network needs no dL/dx: the training loop turns this off there.
        self.input_grad = True
        self._input = None

    def forward(self, x, training=True):
        """``(batch, in_features) -> (batch, out_features)``; x is cast to the layer's dtype and
        moved to its device."""
        W = self.params["W"]
        x = backend.array_module(W).asarray(x, dtype=self.dtype)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ConfigurationError(
                f"Dense: expected input of shape (batch, {self.in_features}), got {tuple(x.shape)}"
            )
        self._input = x
        out = self._workspace("out", (x.shape[0], self.out_features), self.dtype, W)
        np.matmul(x, self.params["W"], out=out)
        out += self.params["b"]
        return out

    def backward(self, grad_output):
        """``(batch, out_features) -> (batch, in_features)``; fills grads["W"] and grads["b"]."""
        np.matmul(self._input.T, grad_output, out=self.grads["W"])
        np.sum(grad_output, axis=0, out=self.grads["b"])
        if not self.input_grad:
            return None
        grad_input = self._workspace("grad_input", (grad_output.shape[0], self.in_features), self.dtype, grad_output)
        return np.matmul(grad_output, self.params["W"].T, out=grad_input)

    def output_features(self, in_features):
        if in_features is not None and in_features != self.in_features:
            raise ConfigurationError(
                f"Dense({self.in_features}, {self.out_features}): expects {self.in_features} input "
                f"features but the previous layer gives {in_features}"
            )
        return self.out_features

    def config(self):
        return {"type": "Dense", "in_features": self.in_features, "out_features": self.out_features,
                "dtype": np.dtype(self.dtype).name}

    def to_onnx(self, graph, x, out):
        W = graph.constant(f"{out}.W", backend.to_numpy(self.params["W"]))
        b = graph.constant(f"{out}.b", backend.to_numpy(self.params["b"]))
        return graph.node("Gemm", [x, W, b], out)

    @staticmethod
    def parameter_shapes(config: dict) -> dict[str, tuple[int, ...]]:
        return {"W": (config["in_features"], config["out_features"]), "b": (config["out_features"],)}

    @classmethod
    def check_config(cls, config):
        clean = {"type": config["type"], "in_features": _config_int(config, "in_features"),
                 "out_features": _config_int(config, "out_features")}
        if "dtype" in config:
            if config["dtype"] not in ("float32", "float64"):
                raise ConfigurationError(f"layer Dense: dtype must be 'float32' or 'float64', got {config['dtype']!r}")
            clean["dtype"] = config["dtype"]
        return clean

    @classmethod
    def from_config(cls, config, dtype=np.float32):
        return cls(config["in_features"], config["out_features"], init="zeros", dtype=config.get("dtype", dtype))

    def __repr__(self):
        return f"Dense({self.in_features}, {self.out_features}, dtype={np.dtype(self.dtype).name})"


class ActivationLayer(Layer):
    """An elementwise activation as a layer: ``(batch, features) -> (batch, features)``.

    Forward keeps the output y = f(x); backward multiplies grad_output by
    f'(x) written from that output (``derivative_from_output``). ``ActivationLayer(f)``
    wraps any registered activation; the named subclasses below are the classic ones.
    """

    compiled_as = "activation"  # the layer itself: f and f' are the function's (``kernel`` below)
    function: _activations.Activation = _activations.identity

    def __init__(self, function: _activations.Activation | str | None = None) -> None:
        super().__init__()
        if function is not None:
            self.function = _activations.get(function)
            if not self.function.elementwise:
                raise ConfigurationError(f"activation {self.function.name!r} is not elementwise: use its own layer")
        self._output = None

    def forward(self, x, training=True):
        """``(batch, features) -> (batch, features)``: y = f(x)."""
        x = backend.array_module(x).asarray(x)
        self._output = self.function(x, out=self._workspace("out", x.shape, x.dtype, x))
        return self._output

    def backward(self, grad_output):
        """``(batch, features) -> (batch, features)``: dL/dx = dL/dy * f'(x)."""
        grad_input = self._workspace("grad_input", grad_output.shape, grad_output.dtype, grad_output)
        self.function.derivative_from_output(self._output, out=grad_input)
        grad_input *= grad_output
        return grad_input

    def config(self):
        if type(self) is ActivationLayer:  # any registered activation, by its registry name
            return {"type": "Activation", "activation": self.function.config()}
        return super().config()

    def to_onnx(self, graph, x, out):
        return self.function.to_onnx(graph, x, out)

    @property
    def kernel(self):
        """Its activation's compiled form (``function.kernel``), unless this class rewrote the layer's
        own forward or backward."""
        own = _activations.declared_kernel(self, ("forward", "backward"))
        return self.function.kernel if own is not None else None

    def __repr__(self):
        return f"Activation({self.function.name!r})" if type(self) is ActivationLayer else super().__repr__()

    @classmethod
    def check_config(cls, config):
        if cls is not ActivationLayer:  # a named activation layer (Sigmoid, ReLU, ...): no settings
            return super().check_config(config)
        function = _activations.from_config(config.get("activation"))  # a registered name, checked settings
        if not function.elementwise:
            raise ConfigurationError(f"layer Activation: {function.name!r} is not elementwise")
        return {"type": config["type"], "activation": function.config()}

    @classmethod
    def from_config(cls, config, dtype=np.float32):
        if cls is not ActivationLayer:
            return cls()
        return cls(_activations.from_config(config["activation"]))


class Step(ActivationLayer):
    """Step function layer (its gradient is zero: it cannot learn by backpropagation)."""

    function = _activations.step


class Sigmoid(ActivationLayer):
    """Sigmoid layer: y = 1 / (1 + exp(-x)); dL/dx = dL/dy * y (1 - y)."""

    function = _activations.sigmoid


class Tanh(ActivationLayer):
    """tanh layer: y = tanh(x); dL/dx = dL/dy * (1 - y^2)."""

    function = _activations.tanh


class ReLU(ActivationLayer):
    """ReLU layer: y = max(0, x); dL/dx = dL/dy where x > 0, else 0."""

    function = _activations.relu


class Identity(ActivationLayer):
    """Identity layer: y = x; dL/dx = dL/dy."""

    function = _activations.identity


class LeakyReLU(ActivationLayer):
    """Leaky ReLU layer: y = x if x > 0 else alpha x; dL/dx = dL/dy * (1 or alpha)."""

    def __init__(self, alpha: float = 0.01):
        super().__init__()
        self.function = _activations.LeakyReLU(alpha)
        self.alpha = self.function.alpha

    def config(self):
        return {"type": "LeakyReLU", "alpha": self.alpha}

    @classmethod
    def check_config(cls, config):
        return {"type": config["type"], "alpha": _config_fraction(config, "alpha")}

    @classmethod
    def from_config(cls, config, dtype=np.float32):
        return cls(config["alpha"])

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


class Softmax(Layer):
    """Softmax over the features, as an output layer: ``(batch, K) -> (batch, K)`` (the notes' eq. 7, chapter 5).

    Backward is the Jacobian-vector product of eq. 18-19:
    dL/dx_j = y_j (dL/dy_j - sum_i dL/dy_i y_i).
    For training, ``losses.SoftmaxCrossEntropy`` fuses this layer with the loss
    (gradient y - t), which is faster and more accurate.
    """

    def __init__(self) -> None:
        super().__init__()
        self._output = None

    def forward(self, x, training=True):
        """``(batch, K) -> (batch, K)``: y = softmax(x) along the features."""
        x = backend.array_module(x).asarray(x)
        self._output = _activations.softmax(x, out=self._workspace("out", x.shape, x.dtype, x))
        return self._output

    def backward(self, grad_output):
        """``(batch, K) -> (batch, K)``: the Jacobian-vector product of eq. 18-19."""
        y = self._output
        grad_input = self._workspace("grad_input", grad_output.shape, grad_output.dtype, grad_output)
        np.multiply(grad_output, y, out=grad_input)
        dot = grad_input.sum(axis=1, keepdims=True)
        np.subtract(grad_output, dot, out=grad_input)
        grad_input *= y
        return grad_input

    def to_onnx(self, graph, x, out):
        return graph.node("Softmax", [x], out, axis=-1)


class Flatten(Layer):
    """Flatten every sample to one row: ``(batch, d1, d2, ...) -> (batch, d1 * d2 * ...)``, so image
    tensors such as (N, C, H, W) go straight into a Dense layer. Backward restores the shape.
    ``in_shape`` (the per-sample shape, e.g. ``(3, 32, 32)``) states what it expects."""

    def __init__(self, in_shape: tuple[int, ...] | None = None) -> None:
        super().__init__()
        if in_shape is not None:
            in_shape = tuple(int(d) for d in in_shape)
            if not in_shape or any(d < 1 for d in in_shape):
                raise ConfigurationError(f"Flatten: in_shape must be positive sizes, got {in_shape}")
        self.in_shape = in_shape
        self._shape = None

    def forward(self, x, training=True):
        """``(batch, *in_shape) -> (batch, prod(in_shape))``."""
        x = backend.array_module(x).asarray(x)
        if self.in_shape is not None and tuple(x.shape[1:]) != self.in_shape and x.shape[1:] != (self.width,):
            raise ConfigurationError(f"Flatten: expected samples of shape {self.in_shape}, got {tuple(x.shape[1:])}")
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_output):
        """``(batch, prod(in_shape)) -> (batch, *in_shape)``."""
        return grad_output.reshape(self._shape)

    @property
    def width(self) -> int | None:
        return None if self.in_shape is None else int(np.prod(self.in_shape))

    def output_features(self, in_features):
        if self.in_shape is None:
            return in_features
        return self.width

    def config(self):
        return {"type": "Flatten", "in_shape": list(self.in_shape) if self.in_shape else None}

    @classmethod
    def check_config(cls, config):
        shape = config.get("in_shape")
        if shape is not None:
            if (not isinstance(shape, list) or not 1 <= len(shape) <= 8
                    or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= _MAX_FEATURES
                               for d in shape)):
                raise ConfigurationError(f"layer Flatten: in_shape must be a list of positive sizes, got {shape!r}")
        return {"type": config["type"], "in_shape": shape}

    @classmethod
    def from_config(cls, config, dtype=np.float32):
        return cls(config["in_shape"])

    def to_onnx(self, graph, x, out):
        return graph.node("Flatten", [x], out, axis=1)

    def __repr__(self):
        return f"Flatten(in_shape={self.in_shape})" if self.in_shape else "Flatten()"


class Dropout(Layer):
    """Inverted dropout: in training, zero each input with probability p and scale the
    rest by 1 / (1 - p); at inference, the identity. ``(batch, features) -> same``."""

    def __init__(self, p: float = 0.5, rng: Any = None):
        super().__init__()
        p = float(p)
        if not 0.0 <= p < 1.0:
            raise ConfigurationError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = p
        self.rng = _init.make_rng(rng)
        self._mask = None

    @classmethod
    def check_config(cls, config):
        return {"type": config["type"], "p": _config_fraction(config, "p")}

    @classmethod
    def from_config(cls, config, dtype=np.float32):
        return cls(config["p"])

    def forward(self, x, training=True):
        """``(batch, features) -> (batch, features)``."""
        xp = backend.array_module(x)
        x = xp.asarray(x)
        if not training or self.p == 0.0:
            self._mask = None
            return x
        mask = self._workspace("mask", x.shape, x.dtype, x)
        if isinstance(mask, np.ndarray):
            self.rng.random(out=mask, dtype=mask.dtype)
        else:  # a GPU array: draw on the host generator, copy over
            mask[...] = xp.asarray(self.rng.random(x.shape, dtype=x.dtype))
        keep = np.greater_equal(mask, self.p)
        np.multiply(keep, x.dtype.type(1.0 / (1.0 - self.p)), out=mask, casting="unsafe")
        self._mask = mask
        return np.multiply(x, mask, out=self._workspace("out", x.shape, x.dtype, x))

    def backward(self, grad_output):
        """``(batch, features) -> (batch, features)``: the same mask and scale."""
        if self._mask is None:
            return grad_output
        return np.multiply(grad_output, self._mask,
                           out=self._workspace("grad_input", grad_output.shape, grad_output.dtype, grad_output))

    def to_onnx(self, graph, x, out):
        return x  # the identity at inference

    def config(self):
        return {"type": "Dropout", "p": self.p}

    def __repr__(self):
        return f"Dropout(p={self.p})"


def _check_dtype(dtype: Any) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise WrongType(f"dtype: expected float32 or float64, got {dtype}")
    return dtype


_NAMED_ACTIVATION_LAYERS = {"step": Step, "sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU, "identity": Identity}
LAYER_TYPES: dict[str, type[Layer]] = {}


def register_layer(cls: type[Layer]) -> type[Layer]:
    """Let model files name ``cls`` (by its class name); usable as a decorator. The class builds
    itself from its config with ``from_config`` below, or a ``from_settings(config)`` classmethod."""
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise WrongType(f"register_layer: expected a Layer subclass, got {cls!r}")
    if cls.__name__ in LAYER_TYPES and LAYER_TYPES[cls.__name__] is not cls:
        raise ConfigurationError(f"register_layer: the layer type {cls.__name__!r} is taken")
    LAYER_TYPES[cls.__name__] = cls
    return cls


for _class in (Dense, Step, Sigmoid, Tanh, ReLU, LeakyReLU, Identity, Softmax, Dropout, Flatten):
    register_layer(_class)
LAYER_TYPES["Activation"] = ActivationLayer  # any registered activation, by name


def activation_layer(name: str | _activations.Activation, alpha: float = 0.01) -> Layer:
    """The layer for an activation name: ``"relu"`` -> ``ReLU()``; any other registered activation
    -> ``ActivationLayer(its instance)``; ``"softmax"`` -> ``Softmax()``."""
    function = _activations.get(name, **({"alpha": alpha} if name == "leaky_relu" else {}))
    if isinstance(function, _activations.LeakyReLU):
        return LeakyReLU(function.alpha)
    if isinstance(function, _activations.Softmax):
        return Softmax()
    if type(function).name in _NAMED_ACTIVATION_LAYERS and type(function) is type(_activations.get(function.name)):
        return _NAMED_ACTIVATION_LAYERS[function.name]()
    return ActivationLayer(function)


_MAX_FEATURES = 2**31 - 1


def _config_int(config: dict, key: str) -> int:
    value = config.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= _MAX_FEATURES:
        raise ConfigurationError(f"layer {config.get('type')}: {key} must be a whole number from 1 to {_MAX_FEATURES}, "
                         f"got {value!r}")
    return value


def _config_fraction(config: dict, key: str) -> float:
    return fraction(f"layer {config.get('type')}: {key}", config.get(key))


def check_config(config: Any) -> dict:
    """Validate a layer description from an untrusted source (a model file) without building
    anything: a known type, then its class's own ``check_config`` (whole positive sizes, numbers in
    range). Returns the cleaned config."""
    if not isinstance(config, dict):
        raise ConfigurationError(f"layer: expected an object, got {type(config).__name__}")
    kind = config.get("type")
    if kind not in LAYER_TYPES:
        raise ConfigurationError(f"layer type: unknown {kind!r}; expected one of {sorted(LAYER_TYPES)}")
    return LAYER_TYPES[kind].check_config(config)


def parameter_shapes(config: dict) -> dict[str, tuple[int, ...]]:
    """The shapes of the parameters a layer built from ``config`` holds, without building it."""
    shapes = getattr(LAYER_TYPES[config["type"]], "parameter_shapes", None)
    return dict(shapes(config)) if shapes is not None else {}


def from_config(config: dict, dtype: Any = np.float32) -> Layer:
    """Build a layer from ``Layer.config()``: only the known types above, each by its own class's
    ``from_config``, never a callable named by the file. Parameters start at zero (the caller
    fills them in)."""
    config = check_config(config)
    return LAYER_TYPES[config["type"]].from_config(config, dtype)
