"""What the classifier and the regressor share: parameters, the network, fit's outline, predict.

The training objective is scikit-learn's (the notes' gradient descent, chapter 9, on a regularized loss),
computed by the engine: the loss is the ``neuronet.losses`` object matching the output
layer, and the penalty is the trainer's per-sample L2:

    loss = data loss + alpha / (2 n) * sum ||W||^2          (n: samples in the batch)
    dloss/dW = (x^T delta + alpha W) / n,   delta = output - target
"""

from __future__ import annotations

import copy
import numbers
from typing import Any

import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator, is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import activations as _activations
from .. import losses as _losses
from .. import kernels as _kernels
from .. import training_data as _data
from .. import weights as _weights
from ..errors import ConfigurationError, DataError
from ..layers import Dense
from ..memory import check_fits, network_bytes
from ..network import Sequential, build_mlp, predict_in_chunks
from . import _parameters
from ._lbfgs import LbfgsSolver
from ._stochastic import Progress, StochasticSettings, StochasticSolver

__all__ = ["BaseMLP", "OUTPUT_LOSSES"]

# scikit-learn's output activations and the neuronet loss whose link each one is
OUTPUT_LOSSES = {"softmax": _losses.SoftmaxCrossEntropy, "logistic": _losses.BinaryCrossEntropy,
                 "identity": _losses.MSE, "exp": _losses.Poisson}


def _needs_encoding(X: Any) -> bool:
    """Whether a table has a column that is not numbers, or a missing value."""
    if hasattr(X, "dtypes") and hasattr(X, "isna"):  # pandas, whatever its column names
        return any(getattr(dtype, "kind", "O") not in "iufb" for dtype in X.dtypes) or bool(X.isna().to_numpy().any())
    from ..tables.read import as_arrow

    table = as_arrow(X)
    return any(not _numeric(column.type) or column.null_count for column in table.columns)


def _numeric(arrow_type: Any) -> bool:
    import pyarrow.types as types

    return types.is_integer(arrow_type) or types.is_floating(arrow_type)


class BaseMLP(BaseEstimator):
    """Parameters, validation, the network, the outline of fit, and predict."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dropout=0.0, dtype=None, kernels="auto", encoder=None):
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
        self.kernels = kernels
        self.encoder = encoder

    # --- parameters (declared in _parameters.CONSTRAINTS) ---------------------------------------
    def _check_params(self) -> tuple[list[int], list[str]]:
        _parameters.validate(self)
        sizes = self.hidden_layer_sizes
        sizes = [int(sizes)] if isinstance(sizes, numbers.Integral) else [int(s) for s in sizes]
        activations = [self.activation] * len(sizes) if isinstance(self.activation, str) else list(self.activation)
        return sizes, activations

    def _training_dtype(self, X: Any) -> np.dtype:
        """scikit-learn's rule: float32 input trains in float32, anything else in float64; ``dtype``
        overrides it; a fitted model keeps the dtype it was fitted in."""
        if self.dtype is not None:
            return np.dtype(self.dtype)
        return np.dtype(np.float32) if X.dtype == np.float32 else np.dtype(np.float64)

    # --- the network -----------------------------------------------------------------------------
    def _build_network(self, layer_units: list[int], activations: list[str], dtype: np.dtype,
                       coefs: list[np.ndarray], intercepts: list[np.ndarray], dropout: float = 0.0,
                       rng: Any = None) -> Sequential:
        """The network holding ``coefs``/``intercepts`` (``neuronet.network.build_mlp``); with
        ``dropout``, a Dropout layer after each hidden activation (training only: inference needs
        none)."""
        names = [_activations.get(name).name for name in activations]  # scikit-learn's aliases
        return build_mlp(layer_units, names, weights=list(zip(coefs, intercepts)), dropout=dropout, rng=rng,
                         dtype=dtype, kernels=self.kernels)

    @staticmethod
    def _dense_layers(net: Sequential) -> list[Dense]:
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
        if net is not None and net.dtype == dtype and net.kernels == _kernels.resolve(self.kernels):
            dense = self._dense_layers(net)
            if len(dense) == len(self.coefs_) and all(
                    d.params["W"] is W and d.params["b"] is b for d, W, b in zip(dense, self.coefs_, self.intercepts_)):
                return net
        return self._build_network(self._layer_units(), self._activations, dtype, self.coefs_, self.intercepts_)

    def _layer_units(self) -> list[int]:
        return [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_net", None)  # rebuilt from coefs_ and intercepts_, which pickle as they are
        return state

    def _init_parameters(self, layer_units: list[int], activations: list[str], dtype: np.dtype):
        """Glorot uniform, drawn exactly as scikit-learn draws it (same random_state, same weights)."""
        coefs, intercepts = [], []
        for index, (fan_in, fan_out) in enumerate(zip(layer_units[:-1], layer_units[1:])):
            hidden = activations[min(index, len(activations) - 1)] if activations else "relu"
            factor = 2.0 if _activations.get(hidden).name == "sigmoid" else 6.0
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
        if self.solver in ("sgd", "adam"):
            self._progress = Progress(early_stopping=self.early_stopping)
            self._publish(self._progress.fitted_attributes())

    # --- the engine's loss for this output layer --------------------------------------------------
    def _loss(self) -> _losses.Loss:
        """The engine's loss for the output layer; the log-losses report scikit-learn's clipped
        value (probabilities clipped to [eps, 1 - eps]; the gradient is y - t either way), so the
        loss curve and the tol/n_iter_no_change rule follow scikit-learn on any scale of data."""
        loss_class = OUTPUT_LOSSES[self.out_activation_]
        return loss_class(clip=True) if self.out_activation_ in ("softmax", "logistic") else loss_class()

    def _class_weights(self, y: np.ndarray, incremental: bool) -> np.ndarray | None:
        """Each sample's class weight (classifiers with ``class_weight``), else None."""
        return None

    def _publish(self, attributes: dict[str, Any]) -> None:
        """Set the fitted attributes a solver reports (scikit-learn's names)."""
        for name, value in attributes.items():
            setattr(self, name, value)

    def _reported(self, data_loss: float) -> float:
        """scikit-learn reports the squared error averaged over the outputs too (its gradient is not)."""
        return data_loss / self.n_outputs_ if self.out_activation_ == "identity" else data_loss

    # --- fit ---------------------------------------------------------------------------------------
    def _encode(self, X: Any, learn: bool) -> Any:
        """A table's matrix through ``encoder_`` (learned here when ``learn``); other X as it is.
        A table needs an encoding when it has a text column or a missing value, or when
        ``encoder`` is given; a numeric table without gaps goes to scikit-learn's own validation
        (which keeps its column names)."""
        if learn:
            self.encoder_ = None
            if _data.is_in_memory_table(X) and (self.encoder is not None or _needs_encoding(X)):
                from ..tables import TableEncoder

                if self.encoder is not None and self.encoder.fitted:
                    self.encoder_ = self.encoder
                else:
                    self.encoder_ = copy.deepcopy(self.encoder) if self.encoder is not None else TableEncoder()
                    self.encoder_.fit(X)
        encoder = self.__dict__.get("encoder_")
        if encoder is None:
            return X
        if not _data.is_in_memory_table(X):
            raise DataError(f"X: {type(self).__name__} was fitted on a table through its encoding; pass a table "
                            f"with the columns {', '.join(name for name, _ in encoder.input_columns)}")
        return encoder.transform(X)

    def _fit(self, X: Any, y: Any, sample_weight: Any = None, incremental: bool = False):
        sizes, activations = self._check_params()
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X = self._encode(X, learn=first_pass)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        dtype = self._training_dtype(X) if first_pass else self.coefs_[0].dtype
        X = X.astype(dtype, copy=False)
        if scipy.sparse.issparse(X):
            X = X.tocsr()
        sample_weight = _weights.combined(_weights.sample_weights(sample_weight, X.shape[0]),
                                          self._class_weights(y, incremental))
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
                raise ConfigurationError(f"{type(self).__name__}: warm_start/partial_fit needs the same layer sizes as "
                                 f"the fitted model {self._layer_units()}, got {layer_units}")
            self._activations = activations
        self.n_outputs_ = y.shape[1]
        y = y.astype(dtype, copy=False)
        if self.solver == "lbfgs":
            self._fit_lbfgs(X, y, sample_weight)
        else:
            self._fit_stochastic(X, y, sample_weight, incremental)
        if not all(np.isfinite(p).all() for p in (*self.coefs_, *self.intercepts_)):
            raise ConfigurationError("Solver produced non-finite parameter weights. The input data may contain large "
                             "values and need to be preprocessed.")
        return self

    def _fit_stochastic(self, X: Any, y: np.ndarray, sample_weight: np.ndarray | None, incremental: bool) -> None:
        dtype = self.coefs_[0].dtype
        if self.dropout:  # the dropout masks follow random_state too
            seed = int(self._random_state.randint(np.iinfo(np.int32).max))
            net = self._build_network(self._layer_units(), self._activations, dtype, self.coefs_, self.intercepts_,
                                      dropout=self.dropout, rng=np.random.default_rng(seed))
        else:
            net = self._network(dtype)
        self._adopt(net)
        solver = StochasticSolver(StochasticSettings.from_params(self.get_params(deep=False)), self._random_state,
                                  report_scale=self._reported(1.0), score=self._score_outputs,
                                  labels=self._labels_of if is_classifier(self) else None)
        self._progress = solver.run(net, self._loss(), X, y, sample_weight, self._progress, incremental)
        self._publish(self._progress.fitted_attributes())

    def _fit_lbfgs(self, X: Any, y: np.ndarray, sample_weight: np.ndarray | None) -> None:
        target_dtype = self.coefs_[0].dtype
        net = self._network(np.float64)  # the line search needs float64: L-BFGS always runs in it
        solver = LbfgsSolver(max_iter=self.max_iter, max_fun=self.max_fun, tol=self.tol, alpha=self.alpha,
                             report_scale=self._reported(1.0))
        result = solver.run(net, self._loss(), X, y, sample_weight)
        self.n_iter_, self.loss_ = result.n_iter, result.loss
        if target_dtype != np.float64:
            dense = self._dense_layers(net)
            net = self._build_network(self._layer_units(), self._activations, target_dtype,
                                      [d.params["W"] for d in dense], [d.params["b"] for d in dense])
        self._adopt(net)

    def fit(self, X: Any, y: Any, sample_weight: Any = None):
        """Fit the network to ``X`` (n_samples, n_features), dense or sparse, and targets ``y``.
        Returns self."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self) -> bool:
        if self.solver not in ("sgd", "adam"):
            raise AttributeError(f"partial_fit is only available for stochastic optimizers. {self.solver} is not "
                                 "stochastic.")
        return True

    # --- predict -----------------------------------------------------------------------------------
    def _scores(self, X: Any, net: Sequential | None = None) -> np.ndarray:
        """The network's scores ``(n, n_outputs)`` for validated ``X`` (chunked, sparse allowed)."""
        return predict_in_chunks(net or self._network(), X)

    def _forward_output(self, X: Any, net: Sequential | None = None) -> np.ndarray:
        """Output-layer values ``(n, n_outputs)``: the loss's link applied to the scores."""
        return self._loss().output(self._scores(X, net))

    def _validated_output(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = self._encode(X, learn=False)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=False)
        return self._forward_output(X.astype(self.coefs_[0].dtype, copy=False))

    def to_network(self) -> Sequential:
        """The trained network as a ``neuronet.Sequential`` (a copy): Dense and activation layers
        producing scores, with ``loss`` set to the matching neuronet loss (softmax cross-entropy,
        binary cross-entropy, MSE or Poisson), ``classes`` to ``classes_`` where that applies, and
        ``encoder`` to the table encoding it was fitted through (``encoder_``), so ``neuronet.save``,
        ``neuronet.plot`` and ``neuronet.onnx.export`` take it (with the raw columns as inputs)."""
        check_is_fitted(self)
        net = self._build_network(self._layer_units(), self._activations, self.coefs_[0].dtype, self.coefs_,
                                  self.intercepts_)  # no Dropout: it is the identity at inference
        net.loss = self._loss()
        multilabel = hasattr(self, "_label_binarizer") and self._label_binarizer.y_type_.startswith("multilabel")
        net.classes = np.asarray(self.classes_) if is_classifier(self) and not multilabel else None
        net.trained = True
        net.encoder = self.__dict__.get("encoder_")  # raw columns in: predict, save and ONNX export read them
        net.metadata = {"estimator": type(self).__name__, "params": {
            k: (v if isinstance(v, (int, float, str, bool, type(None))) else repr(v))
            for k, v in self.get_params().items()}}
        return net
