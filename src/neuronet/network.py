"""Networks: ``Sequential`` (layers in a row) and the ``MLP`` builder.

A feed-forward network applies its layers one after the other (forward) and
sends the loss gradient back through them in reverse order (backward), each
layer applying the chain rule to its own part (the notes' eq. 15 and 28, chapter 8).

All parameters of a ``Sequential`` live in one flat buffer, the decayed ones
(weights) first, then the rest (biases); each layer's ``params`` are views into
it (and its ``grads`` into a twin gradient buffer). An optimizer step is then a
few vectorized operations over two arrays instead of a Python loop over every
matrix, and the numerical gradient can perturb the whole network through one
vector. The buffer is public: ``parameter_vector()``, ``gradient_vector()``,
``set_parameter_vector(v)``, ``parameter_layout()`` and ``decayed_slice``.

A network lives on one device (``net.device``, ``net.to("cuda")``): its own, not
the process's, so networks on the CPU and the GPU can share a process.

    >>> import neuronet
    >>> net = neuronet.MLP([2, 3, 3], activation="sigmoid", rng=0)   # the notes' 2-layer net (chapter 5)
    >>> net
    Sequential(Dense(2, 3, dtype=float32), Sigmoid(), Dense(3, 3, dtype=float32))
    >>> sorted(net.parameters())
    ['0.W', '0.b', '2.W', '2.b']
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from . import activations as _activations
from . import backend
from . import init as _init
from . import kernels as _kernels
from . import losses as _losses
from . import optim as _optim
from . import training_data as _data
from .errors import ConfigurationError, DataError, WrongType
from .layers import Dense, Dropout, Flatten, Layer, activation_layer
from .memory import check_fits, network_bytes
from .trainer import evaluate as _evaluate
from .trainer import weight_penalty
from .training import fit as _fit
from .validation import check_features, prepare_targets

__all__ = ["Sequential", "MLP", "build_mlp", "as_network", "predict_in_chunks", "UntrainedNetworkWarning"]

_PREDICT_BATCH = 4096  # rows per forward pass in predict/evaluate: bounds memory


class UntrainedNetworkWarning(UserWarning):
    """``predict`` or ``evaluate`` on a network no optimizer has stepped and no file has filled:
    its outputs come from its random initial weights."""


class Sequential:
    """Layers applied in order: ``(batch, in_features) -> (batch, out_features)``.

    ``Sequential(Dense(2, 3), Sigmoid(), Dense(3, 3))`` or ``Sequential([...])``.
    After ``fit``, ``loss`` and ``optimizer`` hold what trained it and ``classes``
    the labels the outputs stand for.
    """

    def __init__(self, *layers: Layer | Iterable[Layer], kernels: str = "auto"):
        if len(layers) == 1 and not isinstance(layers[0], Layer):
            layers = tuple(layers[0])  # type: ignore[arg-type]
        if not layers:
            raise ConfigurationError("Sequential: expected at least one layer")
        for position, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise WrongType(f"Sequential: layer {position} is a {type(layer).__name__}, not a neuronet Layer")
        width = None
        for position, layer in enumerate(layers):
            try:
                width = layer.output_features(width)
            except ValueError as error:
                raise ConfigurationError(f"Sequential: layer {position}: {error}") from None
        dtypes = {np.dtype(layer.dtype) for layer in layers if hasattr(layer, "dtype")}
        if len(dtypes) > 1:
            raise WrongType(f"Sequential: all layers must share one dtype, got {sorted(d.name for d in dtypes)}")
        self.dtype = dtypes.pop() if dtypes else np.dtype(np.float32)
        self.layers: list[Layer] = list(layers)
        self.loss: _losses.Loss | None = None
        self.optimizer = None
        self.classes: np.ndarray | None = None
        self.metadata: dict = {}
        self.encoder: Any = None  # a fitted neuronet.tables.TableEncoder when trained on a table
        self.stop_training = False
        # False until an optimizer steps it or a model file fills it; predict() warns once before that
        self.trained = False
        self.kernels = kernels  # validated; "auto" resolves to "numba" where installed
        self._bind_flat_buffers()

    # --- kernels ------------------------------------------------------------------------
    @property
    def kernels(self) -> str:
        """``"numpy"`` (the readable reference) or ``"numba"`` (compiled): how this network's steps
        are computed. Set it to ``"auto"``, ``"numpy"`` or ``"numba"`` (anything else is a
        ``ConfigurationError``); ``NEURONET_KERNELS`` overrides it for the whole process."""
        return self.__dict__.get("_kernels", "numpy")

    @kernels.setter
    def kernels(self, value: str) -> None:
        self._kernels = _kernels.resolve(value)
        self.kernels_asked = value

    def kernel_plan(self, loss: Any, optimizer: Any, gradient: str = "backprop") -> Any:
        """How a step of training this network on ``loss`` with ``optimizer`` is computed: a
        ``neuronet.kernels.plan.KernelPlan``, either the compiled step or the first reason it cannot
        be (``str(plan)``: "numba kernels", "numpy kernels: Dropout has no compiled form")."""
        from .kernels.plan import KernelPlan

        return KernelPlan.for_network(self, _losses.get(loss), _optim.get(optimizer), gradient)

    # --- parameters ---------------------------------------------------------------------
    def _bind_flat_buffers(self, xp: Any = None) -> None:
        entries = [(f"{i}.{key}", layer, key) for i, layer in enumerate(self.layers) for key in layer.params]
        entries.sort(key=lambda entry: entry[2] not in entry[1].decayed)  # stable: decayed first, then the rest
        sizes = [int(np.prod(layer.params[key].shape)) for _, layer, key in entries]
        if xp is None:
            first = next((layer.params[key] for _, layer, key in entries), np.zeros(0))
            xp = backend.array_module(first)
        self._flat_params = xp.zeros(sum(sizes), dtype=self.dtype)
        self._flat_grads = xp.zeros(sum(sizes), dtype=self.dtype)
        self._n_weights = sum(size for (_, layer, key), size in zip(entries, sizes) if key in layer.decayed)
        self._layout = []
        offset = 0
        for (name, layer, key), size in zip(entries, sizes):
            shape = tuple(layer.params[key].shape)
            param = self._flat_params[offset:offset + size].reshape(shape)
            param[...] = backend.move(layer.params[key], xp)
            layer.params[key] = param
            layer.grads[key] = self._flat_grads[offset:offset + size].reshape(shape)
            self._layout.append((name, slice(offset, offset + size), shape))
            offset += size

    def __setstate__(self, state: dict) -> None:
        # Pickle and deepcopy copy each parameter view on its own: put them back into one buffer.
        if "kernels" in state:  # pickled before ``kernels`` was a property
            state["_kernels"] = state.pop("kernels")
        self.__dict__.update(state)
        self._bind_flat_buffers()

    def parameters(self) -> dict[str, Any]:
        """Every parameter by name, ``"<layer index>.<key>"`` (e.g. ``"0.W"``), as live views."""
        return {f"{i}.{key}": value for i, layer in enumerate(self.layers) for key, value in layer.params.items()}

    def gradients(self) -> dict[str, Any]:
        """The gradients ``backward`` filled, under the names of ``parameters()``."""
        return {f"{i}.{key}": value for i, layer in enumerate(self.layers) for key, value in layer.grads.items()}

    def parameter_vector(self) -> Any:
        """Every parameter in one flat vector (a live view: writing to it changes the network).
        Its layout is ``parameter_layout()``: the decayed parameters (weights) first."""
        return self._flat_params

    def gradient_vector(self) -> Any:
        """The gradients ``backward`` filled, flat, in the layout of ``parameter_vector()`` (live)."""
        return self._flat_grads

    def set_parameter_vector(self, vector: Any) -> None:
        """Copy ``vector`` (as laid out by ``parameter_layout()``) into every parameter."""
        vector = backend.array_module(self._flat_params).asarray(vector)
        if vector.shape != self._flat_params.shape:
            raise ConfigurationError(f"vector: expected shape {self._flat_params.shape}, got {tuple(vector.shape)}")
        self._flat_params[...] = vector

    def parameter_layout(self) -> list[tuple[str, slice, tuple[int, ...]]]:
        """``[(name, slice, shape), ...]``: where each parameter (``"0.W"``, ...) sits in the vector."""
        return list(self._layout)

    @property
    def decayed_slice(self) -> slice:
        """The part of the vector that weight decay / L2 applies to (the layers' ``decayed``
        parameters: Dense weights, not biases)."""
        return slice(0, self._n_weights)

    def flat_parameters(self) -> dict[str, Any]:
        """``{"W": every decayed parameter, "b": the rest}`` as two flat views."""
        return {"W": self._flat_params[:self._n_weights], "b": self._flat_params[self._n_weights:]}

    # --- device ---------------------------------------------------------------------------
    @property
    def device(self) -> str:
        """``"cpu"`` or ``"cuda"``: where this network's parameters live."""
        return backend.device_of(self._flat_params)

    def to(self, device: str) -> "Sequential":
        """Move the parameters (and the optimizer's state) to ``device``; returns the network."""
        xp = backend.module(device)
        if backend.array_module(self._flat_params) is xp:
            return self
        for layer in self.layers:
            layer.release_buffers()
        self._bind_flat_buffers(xp)
        if self.optimizer is not None:
            for slots in self.optimizer.state.values():
                for slot, array in slots.items():
                    slots[slot] = backend.move(array, xp)
        return self
    @property
    def n_parameters(self) -> int:
        return int(self._flat_params.size)

    @property
    def in_features(self) -> int:
        return next(layer.in_features for layer in self.layers if isinstance(layer, Dense))

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one sample: ``(in_features,)``, or a leading ``Flatten``'s ``in_shape``."""
        first = self.layers[0]
        if isinstance(first, Flatten) and first.in_shape is not None:
            return first.in_shape
        return (self.in_features,)

    def as_rows(self, X: Any) -> Any:
        """X as validated rows ``(n, in_features)`` in the network's dtype and device: image tensors
        ``(n, *input_shape)`` are flattened first; a table (a DataFrame, an Arrow table, a CSV path) is
        encoded by ``self.encoder`` where the network was trained on one."""
        encoder = self.__dict__.get("encoder")
        if not isinstance(X, np.ndarray) and _data.has_columns(X):
            _data.check_lazy(X)
            if encoder is None:
                return self._numeric_table(X)
            if _data.is_dask_frame(X):
                raise DataError("X: a Dask DataFrame: pass its rows in memory (X.compute(), or a partition at a time)")
            from .tables.read import is_table

            if _data.is_in_memory_table(X) or is_table(X):
                X = encoder.transform(X)
        shape = np.shape(X)
        if len(shape) > 2 and tuple(shape[1:]) == self.input_shape:
            X = np.reshape(X, (shape[0], -1)) if backend.array_module(X) is np else X.reshape(shape[0], -1)
        return check_features(X, self.in_features, self.dtype, backend.array_module(self._flat_params))

    def _numeric_table(self, X: Any) -> Any:
        """A table given to a network without a table encoding: its columns as the features when they
        are numbers, else a ``DataError`` saying the network has no encoding to read it with."""
        if isinstance(X, (str, os.PathLike)):
            what = f"the file {str(X)!r}"
        else:
            what = "a dict of columns" if isinstance(X, dict) else \
                f"a {type(X).__module__.split('.')[0]} {type(X).__name__}"
        unreadable = DataError(f"X: this network has no table encoding, so it cannot read {what} (fit it on a "
                               f"table, or set net.encoder); else pass a numeric array of shape "
                               f"(n_samples, {self.in_features})")
        if _data.is_dask_frame(X) or isinstance(X, (str, os.PathLike, dict)):  # never read as numbers
            raise unreadable
        try:
            return check_features(X, self.in_features, self.dtype, backend.array_module(self._flat_params))
        except DataError as error:
            if str(error).startswith("X: expected"):  # not numbers, or not the network's width
                raise unreadable from None
            raise

    @property
    def out_features(self) -> int:
        width = None
        for layer in self.layers:
            width = layer.output_features(width)
        return int(width)

    # --- forward and backward -----------------------------------------------------------
    def forward(self, x: Any, training: bool = True) -> Any:
        """``(batch, in_features) -> (batch, out_features)``; a 1-D x is one sample."""
        x = backend.array_module(self._flat_params).asarray(x)
        single = x.ndim == 1
        if single:
            x = x[None, :]
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x[0] if single else x

    def backward(self, grad_output: Any) -> Any:
        """Backpropagate dLoss/doutput through every layer (in reverse) and return dLoss/dx.

        Fills every layer's ``grads``; returns None when the first layer was told not to
        compute its input gradient (the training loop does that)."""
        grad = grad_output
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
            if grad is None:
                break
        return grad

    def __call__(self, x: Any) -> Any:
        return self.forward(x, training=False)

    def update(self, optimizer: Any) -> None:
        """One optimizer step on every parameter, from the gradients ``backward`` filled
        (the whole flat buffer at once: ``Optimizer.step_flat``)."""
        optimizer.step_flat(self._flat_params, self._flat_grads, self._n_weights, kernels=self.kernels)
        self.trained = True

    @contextmanager
    def training_mode(self) -> Iterator[None]:
        """The training loops' fast path while inside: layers reuse their workspaces, and the
        first Dense skips dL/dx (nothing consumes it). Restored on the way out."""
        first = self.layers[0]
        skips_input_grad = isinstance(first, Dense)
        self.set_reuse_buffers(True)
        if skips_input_grad:
            first.input_grad = False
        try:
            yield
        finally:
            self.set_reuse_buffers(False)
            if skips_input_grad:
                first.input_grad = True

    def set_reuse_buffers(self, on: bool) -> None:
        """Let layers reuse workspaces between steps (the training loop's fast path)."""
        for layer in self.layers:
            layer.reuse_buffers = on
            if not on:
                layer.release_buffers()

    # --- using a trained network --------------------------------------------------------
    def scores(self, X: Any) -> np.ndarray:
        """The network's raw outputs for validated ``X``, ``(n, in_features) -> (n, out_features)``,
        on the host, computed in chunks of rows so memory stays bounded."""
        self._warn_if_untrained(stacklevel=4)
        return predict_in_chunks(self, self.as_rows(X))

    def _warn_if_untrained(self, stacklevel: int) -> None:
        if not self.__dict__.get("trained", True) and not self.__dict__.get("_warned_untrained"):
            self._warned_untrained = True
            warnings.warn("this network has not been trained (no optimizer step, not loaded from a file): its "
                          "outputs come from its random initial weights", UntrainedNetworkWarning,
                          stacklevel=stacklevel)

    def output_loss(self) -> _losses.Loss:
        """The loss that gives the outputs their meaning: the one it was trained with, else softmax
        cross-entropy for several outputs and squared error for one."""
        if self.loss is not None:
            return self.loss
        return _losses.SoftmaxCrossEntropy() if self.out_features > 1 else _losses.MSE()

    def predict(self, X: Any) -> np.ndarray:
        """Class labels for a classifier (the argmax, mapped through ``classes``), the outputs for
        a regressor. ``(n, in_features) -> (n,)`` or ``(n, out_features)``."""
        loss = self.output_loss()
        predictions = loss.predict(self.scores(X))
        if loss.is_classification and self.classes is not None:
            return self.classes[predictions]
        return predictions

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, ``(n, in_features) -> (n, n_classes)`` (softmax or sigmoid outputs)."""
        return self.output_loss().probabilities(self.scores(X))

    def evaluate(self, X: Any, y: Any) -> dict[str, float]:
        """``{"loss": ..., "accuracy": ...}`` on (X, y); accuracy only for classifiers. For a network
        trained on a table, X may be raw rows and y the target column's name."""
        if isinstance(y, str):
            _data.check_target_name(self, y)  # the network's own target, read through its encoding
            from .tables.read import is_table

            if not (_data.is_in_memory_table(X) or is_table(X)):  # by type first: no LazyFrame plan resolved
                self.as_rows(X)  # a Dask DataFrame: its own message
                raise _data.column_needs_table(y)
            X, y = _data.encode_table(self, X, y)  # a LazyFrame: its own message
        loss = self.output_loss()
        self._warn_if_untrained(stacklevel=3)
        X = self.as_rows(X)
        targets = prepare_targets(self, loss, y, X.shape[0], fit=False)
        value, accuracy = _evaluate(self, loss, X, targets)
        return {"loss": value, **({"accuracy": float(accuracy)} if accuracy is not None else {})}

    def objective(self, X: Any, y: Any, l2: float = 0.0, l1: float = 0.0) -> float:
        """The number ``fit`` minimizes: the mean data loss on (X, y) plus (l2 / 2) ||W||^2 (and
        l1 ||W||_1) over the decayed parameters (the regularized loss of chapter 11; ``l2``, ``l1`` as in
        ``fit``)."""
        loss = self.output_loss()
        scores = predict_in_chunks(self, self.as_rows(X))  # no "untrained" warning: the first loss is a check
        targets = prepare_targets(self, loss, y, scores.shape[0], fit=False)
        weights = backend.to_numpy(self._flat_params[self.decayed_slice])
        return loss(scores, targets) + weight_penalty(weights, float(l2), float(l1))

    def fit(self, X: Any, y: Any = None, **options: Any):
        """Train with minibatch gradient descent; see ``neuronet.training.fit`` for the options.
        Returns a ``History``."""
        return _fit(self, X, y, **options)

    # --- description --------------------------------------------------------------------
    def config(self) -> dict:
        """The JSON description of the architecture (no arrays)."""
        return {"layers": [layer.config() for layer in self.layers], "dtype": self.dtype.name}

    def summary(self) -> str:
        """A table of the layers, their output widths and parameter counts."""
        rows, width = [], None
        for i, layer in enumerate(self.layers):
            width = layer.output_features(width)
            count = sum(int(np.prod(p.shape)) for p in layer.params.values())
            rows.append(f"{i:>3}  {repr(layer):<36} {('(batch, %d)' % width):<16} {count:>10,}")
        header = f"{'':>3}  {'layer':<36} {'output':<16} {'parameters':>10}"
        return "\n".join([header, *rows, f"total parameters: {self.n_parameters:,}"])

    def __repr__(self) -> str:
        return f"Sequential({', '.join(repr(layer) for layer in self.layers)})"


def as_network(model: Any) -> Sequential:
    """``model`` itself when it is a ``Sequential``; an estimator's ``to_network()`` otherwise."""
    if isinstance(model, Sequential):
        return model
    to_network = getattr(model, "to_network", None)
    if callable(to_network):
        return to_network()
    raise WrongType(f"model: expected a neuronet Sequential (or an estimator with to_network()), "
                    f"got {type(model).__name__}")


def predict_in_chunks(net: Any, X: Any, chunk: int = _PREDICT_BATCH) -> np.ndarray:
    """``net.forward`` over validated rows X in chunks of ``chunk`` rows (memory stays bounded),
    gathered on the host: the one chunked forward every front end uses for prediction."""
    def rows(start: int) -> Any:
        part = X[start:start + chunk]
        return part.toarray() if hasattr(part, "toarray") else part  # a scipy.sparse matrix, densified by chunk

    parts = [backend.to_numpy(net.forward(rows(start), training=False)).copy() for start in range(0, X.shape[0], chunk)]
    if not parts:
        return np.empty((0, net.out_features), net.dtype)
    return np.concatenate(parts)


def MLP(sizes: Sequence[int], activation: str | Sequence[str] = "sigmoid", output: str | None = None, *,
        init: str | None = None, dropout: float = 0.0, alpha: float = 0.01, rng: Any = None,
        dtype: Any = np.float32, device: str | None = None, kernels: str = "auto") -> Sequential:
    """Build a multilayer perceptron: Dense layers of the given ``sizes`` with ``activation``
    between them.

    ``sizes = [in, hidden..., out]``; ``activation`` is one name for every hidden layer or
    a list with one per hidden layer; ``output`` is an optional activation after the last
    Dense (None: the network outputs scores/logits, and the loss applies softmax).
    ``init`` defaults to He for ReLU-family layers and Xavier otherwise. ``dropout`` adds
    a Dropout layer after each hidden activation.

    ``MLP([2, 3, 3], activation="sigmoid")`` is the notes' 2-layer feed-forward net (chapter 5):
    Dense(2, 3) -> Sigmoid -> Dense(3, 3) (softmax lives in the loss, eq. 7-8).

    ``kernels``: ``"auto"`` (compiled Numba kernels where installed), ``"numpy"`` (the readable
    reference) or ``"numba"``; see ``neuronet.kernels``.

    ``device="cuda"`` puts this network's parameters (and so every array it computes) on the
    GPU through CuPy (``net.to("cuda")``); nothing else in the process changes.
    """
    sizes = list(sizes)
    n_hidden = max(len(sizes) - 2, 0)
    hidden = [activation] * n_hidden if isinstance(activation, str) else list(activation)
    return build_mlp(sizes, hidden, output, init=init, dropout=dropout, alpha=alpha, rng=rng, dtype=dtype,
                     device=device, kernels=kernels)


def build_mlp(sizes: Sequence[int], activations: Sequence[str], output: str | None = None, *,
              init: str | None = None, weights: Sequence[tuple[Any, Any]] | None = None, dropout: float = 0.0,
              alpha: float = 0.01, rng: Any = None, dtype: Any = np.float32, device: str | None = None,
              kernels: str = "auto") -> Sequential:
    """The one builder of a multilayer perceptron (``MLP``, the estimators and the playground build
    through it): Dense layers of ``sizes = [in, hidden..., out]``, the hidden layer i followed by
    the activation ``activations[i]`` (one name per hidden layer) and, with ``dropout``, a Dropout
    layer; ``output``: an activation after the last Dense, or None.

    The weights are drawn by ``init`` (None: each layer's activation's own, He for the ReLU family,
    Xavier otherwise and for the output layer) from ``rng``, or given: ``weights``, one ``(W, b)``
    pair per Dense layer, W of shape ``(fan_in, fan_out)``. The network's memory is checked before
    anything is allocated."""
    if device is not None:
        backend.module(device)  # a clear error before building, when CuPy or CUDA is missing
    sizes = list(sizes)
    if len(sizes) < 2 or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in sizes):
        raise ConfigurationError(f"MLP: sizes must be at least two positive integers [in, ..., out], got {sizes}")
    n_hidden = len(sizes) - 2
    hidden = list(activations)
    if len(hidden) != n_hidden:
        raise ConfigurationError(f"MLP: activation lists {len(hidden)} names but there are {n_hidden} hidden layers")
    if weights is not None and len(weights) != len(sizes) - 1:
        raise ConfigurationError(f"MLP: weights holds {len(weights)} (W, b) pairs for {len(sizes) - 1} Dense layers")
    itemsize = np.dtype(dtype).itemsize
    largest = max(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    check_fits(network_bytes(sizes, itemsize, optimizer_slots=2) + 8 * largest,  # + the float64 initial draw
               f"MLP({sizes}) with its gradients and optimizer state")
    generator = _init.make_rng(rng)
    layers: list[Layer] = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        is_output = index == n_hidden
        name = output if is_output else hidden[index]
        if weights is None:
            layer_init = init or (_activations.get(name).init if name is not None else "xavier")
            dense = Dense(fan_in, fan_out, init=layer_init, rng=generator, dtype=dtype)
        else:
            dense = Dense(fan_in, fan_out, init="zeros", dtype=dtype)
            for key, value in zip(("W", "b"), weights[index]):
                value = backend.to_numpy(value)
                if value.shape != dense.params[key].shape:
                    raise ConfigurationError(f"MLP: weights[{index}] {key} has shape {value.shape}, expected "
                                             f"{dense.params[key].shape}")
                dense.params[key] = np.asarray(value, dtype=dtype)
        layers.append(dense)
        if name is not None:
            layers.append(activation_layer(name, alpha))
        if not is_output and dropout:
            layers.append(Dropout(dropout, rng=generator))
    net = Sequential(layers, kernels=kernels)  # copies the parameters into its flat buffer
    return net.to(device) if device is not None else net
