"""Drop-in replacements for scikit-learn's ``MLPClassifier`` and ``MLPRegressor``.

Change one import line and the rest of the code runs unchanged::

    # from sklearn.neural_network import MLPClassifier
    from neuronet.sklearn import MLPClassifier

Same constructor parameters (names, defaults, meaning), methods, fitted attributes,
warnings and random-number use as scikit-learn's estimators: with the same
``random_state`` the initial weights, the shuffling and the early-stopping split are
the very ones scikit-learn draws. The training itself runs on a ``neuronet.Sequential``
(Dense and activation layers whose parameters live in one flat buffer), in float32 by
default, with the optimizer stepping all parameters at once.

Beyond scikit-learn: ``activation`` also takes ``"leaky_relu"`` or a list with one
activation per hidden layer; ``dropout``; ``dtype``; ``validation_loss_curve_``; and
``to_network()``, which hands back the trained ``neuronet`` network for
``neuronet.save``, ``neuronet.plot`` and ``neuronet.onnx.export``.

The training objective is scikit-learn's (seed 001's gradient descent on a
regularized loss):

    loss = data loss + alpha / (2 n) * sum ||W||^2          (n: samples in the batch)
    dloss/dW = (x^T delta + alpha W) / n,   delta = output - target
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

try:
    import scipy.optimize
    import scipy.sparse
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import LabelBinarizer
    from sklearn.utils import check_random_state
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.multiclass import type_of_target, unique_labels
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d, validate_data
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError("neuronet.sklearn needs scikit-learn and SciPy: pip install 'neuronet[sklearn]'") from error

from . import losses as _losses
from . import optim as _optim
from .layers import Dense, Dropout, activation_layer
from .memory import check_fits, network_bytes
from .network import Sequential

__all__ = ["MLPClassifier", "MLPRegressor", "InvalidParameterError", "ConvergenceWarning"]

HIDDEN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu", "leaky_relu")
_LAYER_NAMES = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu",
                "leaky_relu": "leaky_relu"}
_PREDICT_BATCH = 4096


class InvalidParameterError(ValueError, TypeError):
    """A constructor parameter has a wrong type or value (a ValueError and a TypeError, as in
    scikit-learn, so code that catches either keeps working)."""


# --- the output layer: link function and loss, as scikit-learn defines them -----------------
def _output(kind: str, scores: np.ndarray) -> np.ndarray:
    """Output activation ``(batch, outputs) -> (batch, outputs)``, in place on ``scores``."""
    if kind == "softmax":
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
    elif kind == "logistic":
        # 1 / (1 + exp(-z)), computed without overflow for large |z|
        np.negative(scores, out=scores)
        np.clip(scores, -88.0, 88.0, out=scores)
        np.exp(scores, out=scores)
        scores += 1
        np.reciprocal(scores, out=scores)
    elif kind == "exp":
        np.exp(scores, out=scores)
    return scores


def _data_loss(kind: str, y: np.ndarray, out: np.ndarray, weights: np.ndarray | None) -> float:
    """scikit-learn's losses: log loss (softmax), binary log loss (logistic), half squared
    error (identity), half Poisson deviance (exp); averaged over samples (weighted)."""
    if kind in ("softmax", "logistic"):
        eps = np.finfo(out.dtype).eps
        p = np.clip(out, eps, 1 - eps)
        if kind == "softmax":
            per_sample = -(np.log(p) * y).sum(axis=1)
        else:
            per_sample = -np.where(y, np.log(p), np.log1p(-p)).sum(axis=1)
    elif kind == "identity":
        per_sample = 0.5 * np.square(out - y).mean(axis=1)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / out), 0.0)
        per_sample = (ratio - y + out).sum(axis=1)
    if weights is None:
        return float(per_sample.mean())
    return float(np.average(per_sample, weights=weights))


class _BaseMLP(BaseEstimator):
    """What the classifier and the regressor share: parameters, the training loops, predict."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dropout=0.0, dtype=np.float32):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.dtype = dtype

    # --- parameter validation (once, at the public edge) ---------------------------------
    def _fail(self, name: str, expected: str) -> InvalidParameterError:
        value = getattr(self, name)
        return InvalidParameterError(f"{type(self).__name__}: {name} must be {expected}, got {value!r}")

    def _check_params(self) -> tuple[list[int], list[str], np.dtype]:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, numbers.Integral) else sizes
        try:
            sizes = list(sizes)
        except TypeError:
            raise self._fail("hidden_layer_sizes", "a positive int or a sequence of positive ints") from None
        if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in sizes):
            raise self._fail("hidden_layer_sizes", "a positive int or a sequence of positive ints")
        sizes = [int(s) for s in sizes]
        if isinstance(self.activation, str):
            activations = [self.activation] * len(sizes)
        elif isinstance(self.activation, (list, tuple)):
            activations = list(self.activation)  # one per hidden layer
        else:
            raise self._fail("activation", f"one of {HIDDEN_ACTIVATIONS} or a list of them")
        if not all(isinstance(a, str) and a in HIDDEN_ACTIVATIONS for a in activations):
            raise self._fail("activation", f"one of {HIDDEN_ACTIVATIONS} or a list of them")
        if len(activations) != len(sizes):
            raise self._fail("activation", f"a list of {len(sizes)} names, one per hidden layer")
        choices = {"solver": ("lbfgs", "sgd", "adam"), "learning_rate": ("constant", "invscaling", "adaptive")}
        for name, options in choices.items():
            if getattr(self, name) not in options:
                raise self._fail(name, f"one of {options}")
        if self.batch_size != "auto" and not (isinstance(self.batch_size, numbers.Integral)
                                              and not isinstance(self.batch_size, bool) and self.batch_size >= 1):
            raise self._fail("batch_size", "'auto' or an int >= 1")
        ranges = {"alpha": (0, None, True), "learning_rate_init": (0, None, False), "power_t": (0, None, True),
                  "tol": (0, None, True), "momentum": (0, 1, True), "validation_fraction": (0, 1, False),
                  "beta_1": (0, 1, True), "beta_2": (0, 1, True), "epsilon": (0, None, False),
                  "dropout": (0, 1, True)}
        for name, (low, high, closed) in ranges.items():
            value = getattr(self, name)
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
            ok = ok and (value >= low if closed else value > low)
            if ok and high is not None:
                ok = value <= high if name == "momentum" else value < high
            if not ok:
                upper = "" if high is None else (f" and <= {high}" if name == "momentum" else f" and < {high}")
                raise self._fail(name, f"a number {'>=' if closed else '>'} {low}{upper}")
        for name in ("max_iter", "max_fun"):
            value = getattr(self, name)
            if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1):
                raise self._fail(name, "an int >= 1")
        n = self.n_iter_no_change
        if not ((isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1) or n == np.inf):
            raise self._fail("n_iter_no_change", "an int >= 1 or numpy.inf")
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise self._fail(name, "True or False")
        if not isinstance(self.verbose, (bool, numbers.Integral)):
            raise self._fail("verbose", "a bool or an int")
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:
            raise self._fail("dtype", "numpy.float32 or numpy.float64") from None
        if dtype not in (np.float32, np.float64):
            raise self._fail("dtype", "numpy.float32 or numpy.float64")
        if self.dropout and self.solver == "lbfgs":
            raise InvalidParameterError(f"{type(self).__name__}: dropout needs solver 'sgd' or 'adam' "
                                        "(L-BFGS needs a deterministic loss), got solver='lbfgs'")
        return sizes, activations, dtype

    # --- the network ---------------------------------------------------------------------
    def _build_network(self, layer_units: list[int], activations: list[str], dtype: np.dtype,
                       coefs: list[np.ndarray], intercepts: list[np.ndarray], dropout: float = 0.0,
                       rng: Any = None) -> Sequential:
        """Dense and activation layers holding ``coefs``/``intercepts``; with ``dropout``, a
        Dropout layer after each hidden activation (training only: inference needs none)."""
        layers = []
        for index, (fan_in, fan_out) in enumerate(zip(layer_units[:-1], layer_units[1:])):
            dense = Dense(fan_in, fan_out, init="normal", std=0.0, rng=0, dtype=dtype)
            dense.params["W"] = np.asarray(coefs[index], dtype=dtype)
            dense.params["b"] = np.asarray(intercepts[index], dtype=dtype)
            layers.append(dense)
            if index < len(activations):
                layers.append(activation_layer(_LAYER_NAMES[activations[index]]))
                if dropout:
                    layers.append(Dropout(dropout, rng=rng))
        return Sequential(layers)  # copies the values into its flat buffer

    def _dense_layers(self, net: Sequential) -> list[Dense]:
        return [layer for layer in net.layers if isinstance(layer, Dense)]

    def _adopt(self, net: Sequential) -> None:
        """Make ``coefs_``/``intercepts_`` the live views of ``net``'s parameters."""
        dense = self._dense_layers(net)
        self.coefs_ = [layer.params["W"] for layer in dense]
        self.intercepts_ = [layer.params["b"] for layer in dense]
        self._net = net

    def _network(self, dtype: np.dtype | None = None) -> Sequential:
        """The network for ``coefs_``/``intercepts_``; rebuilt when they were replaced or unpickled."""
        net = self.__dict__.get("_net")
        dtype = np.dtype(dtype or self.coefs_[0].dtype)
        if net is not None and net.dtype == dtype:
            dense = self._dense_layers(net)
            if len(dense) == len(self.coefs_) and all(
                    d.params["W"] is W and d.params["b"] is b for d, W, b in zip(dense, self.coefs_, self.intercepts_)):
                return net
        return self._build_network(self._layer_units(), self._activations, dtype, self.coefs_, self.intercepts_)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_net", None)  # rebuilt from coefs_ and intercepts_, which pickle as they are
        return state

    def _init_parameters(self, layer_units: list[int], activations: list[str], dtype: np.dtype):
        """Glorot uniform, drawn exactly as scikit-learn draws it (same random_state, same weights)."""
        coefs, intercepts = [], []
        for index, (fan_in, fan_out) in enumerate(zip(layer_units[:-1], layer_units[1:])):
            hidden = activations[min(index, len(activations) - 1)] if activations else "relu"
            factor = 2.0 if hidden == "logistic" else 6.0
            bound = np.sqrt(factor / (fan_in + fan_out))
            coefs.append(self._random_state.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype))
            intercepts.append(self._random_state.uniform(-bound, bound, fan_out).astype(dtype))
        return coefs, intercepts

    def _initialize(self, y: np.ndarray, layer_units: list[int], activations: list[str], dtype: np.dtype) -> None:
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._out_activation()
        self._activations = activations
        coefs, intercepts = self._init_parameters(layer_units, activations, dtype)
        self._adopt(self._build_network(layer_units, activations, dtype, coefs, intercepts))
        self._best_parameters = None
        if self.solver in ("sgd", "adam"):
            self.loss_curve_ = []
            self._no_improvement_count = 0
            self.validation_loss_curve_ = [] if self.early_stopping else None
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    # --- fit --------------------------------------------------------------------------------
    def _fit(self, X: Any, y: Any, sample_weight: Any = None, incremental: bool = False):
        sizes, activations, dtype = self._check_params()
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        X = X.astype(dtype, copy=False)
        if scipy.sparse.issparse(X):
            X = X.tocsr()
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        layer_units = [X.shape[1]] + sizes + [y.shape[1]]
        batch = X.shape[0] if self.solver == "lbfgs" else min(200 if self.batch_size == "auto" else self.batch_size,
                                                               X.shape[0])
        # the float64 draw of the initial weights, the network, its gradients, the optimizer's state
        check_fits(network_bytes(layer_units, 8, optimizer_slots=2, batch=batch),
                   f"{type(self).__name__} with layers {layer_units}")
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, layer_units, activations, dtype)
        else:
            expected = [c.shape for c in self.coefs_]
            if expected != list(zip(layer_units[:-1], layer_units[1:])):
                raise ValueError(f"{type(self).__name__}: warm_start/partial_fit needs the same layer sizes as "
                                 f"the fitted model {self._layer_units()}, "
                                 f"got {layer_units}")
            self._activations = activations
        self.n_outputs_ = y.shape[1]
        y = y.astype(dtype, copy=False)
        if self.solver == "lbfgs":
            self._fit_lbfgs(X, y, sample_weight)
        else:
            self._fit_stochastic(X, y, sample_weight, incremental)
        if not all(np.isfinite(p).all() for p in (*self.coefs_, *self.intercepts_)):
            raise ValueError("Solver produced non-finite parameter weights. The input data may contain large "
                             "values and need to be preprocessed.")
        return self

    def _penalty(self, net: Sequential, total: float) -> float:
        """alpha / (2 n) * sum ||W||^2, n the (weighted) number of samples."""
        weights = net.flat_parameters()["W"]
        return 0.5 * self.alpha * float(np.dot(weights, weights)) / total

    def _loss_and_delta(self, net: Sequential, x: Any, y: np.ndarray, weights: np.ndarray | None,
                        training: bool) -> tuple[float, np.ndarray]:
        """Forward pass, loss, and the output gradient (out - y) * w / sum(w) (the canonical link)."""
        out = _output(self.out_activation_, net.forward(x, training=training))
        total = float(weights.sum()) if weights is not None else out.shape[0]
        value = _data_loss(self.out_activation_, y, out, weights) + self._penalty(net, total)
        delta = out
        delta -= y
        if weights is not None:
            delta *= weights.astype(delta.dtype)[:, None]
        delta /= total
        return value, delta

    def _backward(self, net: Sequential, delta: np.ndarray, total: float) -> None:
        net.backward(delta)
        if self.alpha:
            grads, params = net.flat_gradients()["W"], net.flat_parameters()["W"]
            grads += (self.alpha / total) * params

    def _fit_lbfgs(self, X: Any, y: np.ndarray, sample_weight: np.ndarray | None) -> None:
        # The line search needs float64 precision: L-BFGS always runs in float64.
        target_dtype = self.coefs_[0].dtype
        net = self._network(np.float64)
        X64 = X.astype(np.float64)
        if scipy.sparse.issparse(X64):
            X64 = X64.toarray()
        y64 = y.astype(np.float64)
        total = float(sample_weight.sum()) if sample_weight is not None else X.shape[0]
        flat = net._flat_params

        def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
            flat[...] = theta
            value, delta = self._loss_and_delta(net, X64, y64, sample_weight, training=True)
            self._backward(net, delta, total)
            return value, net._flat_grads.copy()

        result = scipy.optimize.minimize(
            loss_and_gradient, flat.copy(), method="L-BFGS-B", jac=True,
            options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol})
        if not result.success:
            warnings.warn(f"lbfgs failed to converge after {result.nit} iteration(s) (status={result.status}): "
                          f"{result.message}.\n\nIncrease the number of iterations to improve the convergence "
                          f"(max_iter={self.max_iter}).", ConvergenceWarning, stacklevel=3)
        self.n_iter_ = min(result.nit, self.max_iter)
        self.loss_ = float(result.fun)
        flat[...] = result.x
        if target_dtype != np.float64:
            dense = self._dense_layers(net)
            net = self._build_network(self._layer_units(), self._activations, target_dtype,
                                      [d.params["W"] for d in dense], [d.params["b"] for d in dense])
        self._adopt(net)

    def _layer_units(self) -> list[int]:
        return [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]

    def _make_optimizer(self) -> _optim.Optimizer:
        if self.solver == "adam":
            return _optim.Adam(self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)
        if self.momentum == 0:
            return _optim.SGD(self.learning_rate_init)
        if self.nesterovs_momentum:
            return _optim.Nesterov(self.learning_rate_init, self.momentum)
        return _optim.Momentum(self.learning_rate_init, self.momentum)

    def _fit_stochastic(self, X: Any, y: np.ndarray, sample_weight: np.ndarray | None, incremental: bool) -> None:
        dtype = self.coefs_[0].dtype
        if self.dropout:  # the dropout masks follow random_state too
            seed = int(self._random_state.randint(np.iinfo(np.int32).max))
            net = self._build_network(self._layer_units(), self._activations, dtype, self.coefs_,
                                      self.intercepts_, dropout=self.dropout, rng=np.random.default_rng(seed))
        else:
            net = self._network(dtype)
        self._adopt(net)
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer()
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        if self.early_stopping:
            stratify = y if is_classifier(self) and self.n_outputs_ == 1 else None
            arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
            split = train_test_split(*arrays, random_state=self._random_state, test_size=self.validation_fraction,
                                     stratify=stratify)
            X_train, X_val, y_train, y_val = split[:4]
            weight_train, weight_val = (split[4], split[5]) if sample_weight is not None else (None, None)
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase 'validation_fraction' or the size of "
                                 "your dataset.")
            labels_val = self._label_binarizer.inverse_transform(y_val) if is_classifier(self) else y_val
        else:
            X_train, y_train, weight_train = X, y, sample_weight
            X_val = y_val = labels_val = weight_val = None
        n_samples = X_train.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
                              stacklevel=3)
            batch_size = int(np.clip(self.batch_size, 1, n_samples))
        sparse = scipy.sparse.issparse(X_train)
        batch_buffer = None if sparse else np.empty((batch_size, X_train.shape[1]), dtype)
        sample_index = np.arange(n_samples, dtype=int)
        with net.training_mode():
            try:
                self.n_iter_ = 0 if not incremental else self.n_iter_
                for _ in range(self.max_iter):
                    if self.shuffle:  # sklearn.utils.shuffle's draw, without its per-call validation
                        order = np.arange(n_samples)
                        self._random_state.shuffle(order)
                        sample_index = sample_index[order]
                    accumulated = 0.0
                    for start in range(0, n_samples, batch_size):
                        index = sample_index[start:start + batch_size]
                        if sparse:
                            x = X_train[index].toarray()
                        else:
                            x = np.take(X_train, index, axis=0, out=batch_buffer[: index.shape[0]])
                        weights = weight_train[index] if weight_train is not None else None
                        total = float(weights.sum()) if weights is not None else index.shape[0]
                        value, delta = self._loss_and_delta(net, x, y_train[index], weights, training=True)
                        self._backward(net, delta, total)
                        net.update(self._optimizer)
                        accumulated += value * index.shape[0]
                    self.n_iter_ += 1
                    self.loss_ = accumulated / n_samples
                    self.t_ += n_samples
                    self.loss_curve_.append(self.loss_)
                    if self.verbose:
                        print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))
                    if self.early_stopping:
                        self._validation_step(net, X_val, y_val, labels_val, weight_val)
                    else:
                        if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                            self._no_improvement_count += 1
                        else:
                            self._no_improvement_count = 0
                        self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])
                    if self.solver == "sgd" and self.learning_rate == "invscaling":
                        self._optimizer.lr = self.learning_rate_init / (self.t_ + 1) ** self.power_t
                    if self._no_improvement_count > self.n_iter_no_change:
                        what = "Validation score" if self.early_stopping else "Training loss"
                        message = (f"{what} did not improve more than tol={self.tol:f} for "
                                   f"{self.n_iter_no_change} consecutive epochs.")
                        if self._trigger_stopping(message):
                            break
                        self._no_improvement_count = 0
                    if incremental:
                        break
                    if self.n_iter_ == self.max_iter:
                        warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                                      "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3)
            except KeyboardInterrupt:
                warnings.warn("Training interrupted by user.", stacklevel=3)
        if self.early_stopping and self._best_parameters is not None:
            net._flat_params[...] = self._best_parameters

    def _validation_step(self, net: Sequential, X_val: Any, y_val: np.ndarray, labels_val: Any,
                         weight_val: np.ndarray | None) -> None:
        out = self._forward_output(X_val, net)
        value = _data_loss(self.out_activation_, y_val, out, weight_val)
        total = float(weight_val.sum()) if weight_val is not None else X_val.shape[0]
        self.validation_loss_curve_.append(value + self._penalty(net, total))
        score = self._score_outputs(out, labels_val, weight_val)
        self.validation_scores_.append(score)
        if self.verbose:
            print("Validation score: %f" % score)
        if score < self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            self._best_parameters = net._flat_params.copy()

    def _trigger_stopping(self, message: str) -> bool:
        """Stop, or (sgd with learning_rate='adaptive') divide the learning rate by 5 and go on."""
        if self.solver == "adam" or self.learning_rate != "adaptive":
            if self.verbose:
                print(message + " Stopping.")
            return True
        if self._optimizer.lr <= 1e-6:
            if self.verbose:
                print(message + " Learning rate too small. Stopping.")
            return True
        self._optimizer.lr /= 5.0
        if self.verbose:
            print(message + " Setting learning rate to %f" % self._optimizer.lr)
        return False

    def fit(self, X: Any, y: Any, sample_weight: Any = None):
        """Fit the network to ``X`` (n_samples, n_features), dense or sparse, and targets ``y``.
        Returns self."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self) -> bool:
        if self.solver not in ("sgd", "adam"):
            raise AttributeError(f"partial_fit is only available for stochastic optimizers. {self.solver} is not "
                                 "stochastic.")
        return True

    # --- predict ----------------------------------------------------------------------------
    def _forward_output(self, X: Any, net: Sequential | None = None) -> np.ndarray:
        """Output-layer values ``(n, n_outputs)`` for validated ``X``, in batches."""
        net = net or self._network()
        parts = []
        for start in range(0, X.shape[0], _PREDICT_BATCH):
            chunk = X[start:start + _PREDICT_BATCH]
            if scipy.sparse.issparse(chunk):
                chunk = chunk.toarray()
            parts.append(_output(self.out_activation_, net.forward(chunk, training=False).copy()))
        if not parts:
            return np.empty((0, self.n_outputs_), net.dtype)
        return np.concatenate(parts)

    def _validated_output(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=False)
        return self._forward_output(X.astype(self.coefs_[0].dtype, copy=False))

    def to_network(self) -> Sequential:
        """The trained network as a ``neuronet.Sequential`` (a copy): Dense and activation layers
        producing scores, with ``loss`` set to the matching neuronet loss (softmax cross-entropy,
        binary cross-entropy, MSE or Poisson) and ``classes`` to ``classes_`` where that applies,
        so ``neuronet.save``, ``neuronet.plot`` and ``neuronet.onnx.export`` take it."""
        check_is_fitted(self)
        net = self._build_network(self._layer_units(), self._activations, self.coefs_[0].dtype, self.coefs_,
                                  self.intercepts_)  # no Dropout: it is the identity at inference
        net.loss = {"softmax": _losses.SoftmaxCrossEntropy, "logistic": _losses.BinaryCrossEntropy,
                    "identity": _losses.MSE, "exp": _losses.Poisson}[self.out_activation_]()
        multilabel = hasattr(self, "_label_binarizer") and self._label_binarizer.y_type_.startswith("multilabel")
        net.classes = np.asarray(self.classes_) if is_classifier(self) and not multilabel else None
        net.trained = True
        net.metadata = {"estimator": type(self).__name__, "params": {
            k: (v if isinstance(v, (int, float, str, bool, type(None))) else repr(v))
            for k, v in self.get_params().items()}}
        return net


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier trained on the log loss (scikit-learn's parameters and
    attributes; see the module docstring for what neuronet adds).

    Multiclass targets get a softmax output, binary and multi-label targets logistic outputs.
    """

    def _out_activation(self) -> str:
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(f"warm_start can only be used where `y` has the same classes as in the previous "
                                     f"call to fit. Previously got {self.classes_}, `y` has {classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. "
                                 f"'y' has {classes}.")
        return X, self._label_binarizer.transform(y).astype(bool)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None):
        """One pass over (X, y) with the stochastic solver; ``classes`` is required on the first call."""
        first_call = getattr(self, "classes_", None) is None
        if first_call and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if classes is not None and not first_call and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"`classes={classes!r}` is not the same as on last call to partial_fit, was: "
                             f"{self.classes_!r}")
        if first_call:
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
            self.classes_ = self._label_binarizer.classes_
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X: Any) -> np.ndarray:
        """Class labels ``(n,)``, or a 0/1 indicator matrix ``(n, n_labels)`` for multi-label targets."""
        out = self._validated_output(X)
        if self.n_outputs_ == 1:
            out = out.ravel()
        return self._label_binarizer.inverse_transform(out)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities ``(n, n_classes)``, columns in the order of ``classes_``."""
        out = self._validated_output(X)
        if self.n_outputs_ == 1:
            p = out.ravel()
            return np.vstack([1 - p, p]).T
        return out

    def predict_log_proba(self, X: Any) -> np.ndarray:
        probabilities = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(probabilities, out=probabilities)

    def _score_outputs(self, out: np.ndarray, labels: Any, weights: Any) -> float:
        if not np.isfinite(out).all():
            return np.nan
        predicted = self._label_binarizer.inverse_transform(out.ravel() if self.n_outputs_ == 1 else out)
        return float(accuracy_score(labels, predicted, sample_weight=weights))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: ``loss="squared_error"`` (identity output) or
    ``"poisson"`` (exp output), scikit-learn's parameters and attributes."""

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dropout=0.0, dtype=np.float32):
        super().__init__(hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
                         learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t,
                         max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
                         warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
                         early_stopping=early_stopping, validation_fraction=validation_fraction, beta_1=beta_1,
                         beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
                         dropout=dropout, dtype=dtype)
        self.loss = loss

    def _check_params(self):
        if self.loss not in ("squared_error", "poisson"):
            raise self._fail("loss", "'squared_error' or 'poisson'")
        return super()._check_params()

    def _out_activation(self) -> str:
        return "exp" if self.loss == "poisson" else "identity"

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True, y_numeric=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("MLPRegressor: loss='poisson' needs y >= 0 (counts or rates)")
        return X, y

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None):
        """One pass over (X, y) with the stochastic solver."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X: Any) -> np.ndarray:
        """Predictions ``(n,)`` for one output, ``(n, n_outputs)`` for several."""
        out = self._validated_output(X)
        return out.ravel() if out.shape[1] == 1 else out

    def _score_outputs(self, out: np.ndarray, y: Any, weights: Any) -> float:
        if not np.isfinite(out).all():
            return np.nan
        return float(r2_score(y, out.ravel() if out.shape[1] == 1 else out, sample_weight=weights))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
