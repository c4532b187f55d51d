"""The ``sgd`` and ``adam`` solvers: scikit-learn's epoch loop (shuffling, early stopping,
``n_iter_no_change``, learning-rate schedules) around the engine's one ``Trainer``.

The solver is an object with explicit inputs and outputs: ``StochasticSolver`` is built from the
estimator's public parameters (``StochasticSettings``) and what the estimator knows of its
targets (how to report a loss, how to score outputs, how to turn 0/1 rows back into labels);
``run`` trains a network on one call's data and returns the ``Progress`` that carries over to
the next call (warm start, ``partial_fit``) and that the estimator publishes as its fitted
attributes (``n_iter_``, ``loss_curve_``, ``best_loss_``, ...).
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Callable

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from .. import optim as _optim
from .. import schedules as _schedules
from ..errors import ConfigurationError
from ..losses import Loss, weight_total
from ..network import Sequential
from ..trainer import Trainer, evaluate

__all__ = ["StochasticSettings", "Progress", "StochasticSolver", "make_optimizer"]


@dataclasses.dataclass(frozen=True)
class StochasticSettings:
    """The estimator's parameters that the stochastic solvers read (scikit-learn's names)."""

    solver: str = "adam"
    learning_rate: str = "constant"
    learning_rate_init: float = 0.001
    power_t: float = 0.5
    momentum: float = 0.9
    nesterovs_momentum: bool = True
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    alpha: float = 0.0001
    batch_size: Any = "auto"
    max_iter: int = 200
    shuffle: bool = True
    tol: float = 1e-4
    n_iter_no_change: Any = 10
    early_stopping: bool = False
    validation_fraction: float = 0.1
    verbose: Any = False

    @classmethod
    def from_params(cls, params: dict) -> "StochasticSettings":
        """The settings among an estimator's ``get_params()``."""
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in params.items() if name in names})


@dataclasses.dataclass
class Progress:
    """What the solver carries from one call to the next, and what it reports: the estimator
    publishes the fields as ``n_iter_``, ``t_``, ``loss_``, ``loss_curve_``, ``best_loss_``,
    ``validation_scores_``, ``best_validation_score_`` and ``validation_loss_curve_``."""

    early_stopping: bool
    n_iter: int = 0
    t: int = 0
    loss: float | None = None
    loss_curve: list = dataclasses.field(default_factory=list)
    best_loss: float | None = None
    validation_scores: list | None = None
    best_validation_score: float | None = None
    validation_loss_curve: list | None = None
    no_improvement_count: int = 0
    best_parameters: np.ndarray | None = None
    optimizer: _optim.Optimizer | None = None
    schedule: _schedules.Schedule | None = None

    def __post_init__(self) -> None:
        if self.early_stopping:
            self.validation_scores = [] if self.validation_scores is None else self.validation_scores
            self.validation_loss_curve = [] if self.validation_loss_curve is None else self.validation_loss_curve
            self.best_validation_score = -np.inf if self.best_validation_score is None else self.best_validation_score
        elif self.best_loss is None:
            self.best_loss = np.inf

    def fitted_attributes(self) -> dict[str, Any]:
        """The estimator's fitted attributes, by scikit-learn's names."""
        return {"n_iter_": self.n_iter, "t_": self.t, "loss_": self.loss, "loss_curve_": self.loss_curve,
                "best_loss_": self.best_loss, "validation_scores_": self.validation_scores,
                "best_validation_score_": self.best_validation_score,
                "validation_loss_curve_": self.validation_loss_curve}


def make_optimizer(settings: StochasticSettings) -> tuple[_optim.Optimizer, _schedules.Schedule]:
    """scikit-learn's solver settings as a neuronet optimizer and learning-rate schedule."""
    s = settings
    if s.solver == "adam":
        optimizer = _optim.Adam(s.learning_rate_init, s.beta_1, s.beta_2, s.epsilon)
    elif s.momentum == 0:
        optimizer = _optim.SGD(s.learning_rate_init)
    elif s.nesterovs_momentum:
        optimizer = _optim.Nesterov(s.learning_rate_init, s.momentum)
    else:
        optimizer = _optim.Momentum(s.learning_rate_init, s.momentum)
    if s.solver == "sgd" and s.learning_rate == "invscaling":
        schedule = _schedules.InverseScaling(s.learning_rate_init, s.power_t)
    elif s.solver == "sgd" and s.learning_rate == "adaptive":
        # reduced by the solver itself when its n_iter_no_change rule triggers, as scikit-learn does
        schedule = _schedules.ReduceOnPlateau(s.learning_rate_init, factor=0.2, min_lr=1e-6)
    else:
        schedule = _schedules.Constant(s.learning_rate_init)
    return optimizer, schedule


class StochasticSolver:
    """scikit-learn's ``sgd``/``adam`` loop for one estimator.

    - ``settings``: the estimator's parameters;
    - ``random_state``: the ``numpy.random.RandomState`` the initial weights were drawn from (the
      shuffles and the early-stopping split follow it, as in scikit-learn);
    - ``report_scale``: what the data loss is multiplied by in the reported loss (scikit-learn
      averages a multi-output squared error over the outputs; its gradient is the plain sum);
    - ``score(outputs, y, sample_weight)``: the validation score (accuracy or R^2);
    - ``labels(y)``: the targets as the user's labels (classifiers), for the stratified split and
      the score; None for regressors.
    """

    def __init__(self, settings: StochasticSettings, random_state: np.random.RandomState, *,
                 report_scale: float = 1.0, score: Callable[[np.ndarray, Any, Any], float],
                 labels: Callable[[np.ndarray], Any] | None = None):
        self.settings = settings
        self.random_state = random_state
        self.report_scale = report_scale
        self.score = score
        self.labels = labels

    def batch_size(self, n_samples: int) -> int:
        size = self.settings.batch_size
        if size == "auto":
            return min(200, n_samples)
        if size > n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
                          stacklevel=5)
        return int(np.clip(size, 1, n_samples))

    def _split(self, X: Any, y: np.ndarray, sample_weight: np.ndarray | None):
        """scikit-learn's early-stopping split, drawn from the same RandomState after the weights."""
        # stratified by the labels themselves (same classes, same order, so the same split as by their
        # 0/1 encoding), so that a message about them names them as the user wrote them: 'False', not '0.0'
        stratify = self.labels(y) if self.labels is not None and y.shape[1] == 1 else None
        arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
        split = train_test_split(*arrays, random_state=self.random_state,
                                 test_size=self.settings.validation_fraction, stratify=stratify)
        X_train, X_val, y_train, y_val = split[:4]
        weight_train, weight_val = (split[4], split[5]) if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ConfigurationError("The validation set is too small. Increase 'validation_fraction' or the size of "
                                     "your dataset.")
        return X_train, y_train, weight_train, (X_val, y_val, weight_val)

    def run(self, net: Sequential, loss: Loss, X: Any, y: np.ndarray, sample_weight: np.ndarray | None,
            progress: Progress, incremental: bool = False) -> Progress:
        """Train ``net`` on (X, y) from ``progress`` (a fresh ``Progress`` on a first fit); returns
        it, updated. ``incremental``: one epoch (``partial_fit``)."""
        s = self.settings
        if progress.optimizer is None or not incremental:
            progress.optimizer, progress.schedule = make_optimizer(s)
        if s.early_stopping and incremental:
            raise ConfigurationError("partial_fit does not support early_stopping=True")
        if s.early_stopping:
            X_train, y_train, weight_train, validation = self._split(X, y, sample_weight)
        else:
            X_train, y_train, weight_train, validation = X, y, sample_weight, None
        targets = loss.check_targets(np.empty(y_train.shape, net.dtype), y_train)
        n_samples = X_train.shape[0]
        batch_size = self.batch_size(n_samples)
        trainer = Trainer(net, loss, progress.optimizer, l2=s.alpha, l2_per_sample=True, schedule=progress.schedule,
                          on_nonfinite="ignore", samples_seen=progress.t)
        sample_index = np.arange(n_samples, dtype=int)
        with net.training_mode():
            try:
                if not incremental:
                    progress.n_iter = 0
                for _ in range(s.max_iter):
                    if s.shuffle:  # sklearn.utils.shuffle's draw, without its per-call validation
                        order = np.arange(n_samples)
                        self.random_state.shuffle(order)
                        sample_index = sample_index[order]
                    trainer.begin_epoch(progress.n_iter)
                    accumulated = 0.0

                    def account(size: int, step: Any) -> None:
                        nonlocal accumulated
                        accumulated += (step.loss * self.report_scale + step.penalty) * size

                    trainer.run_epoch(X_train, targets, sample_index, batch_size, weight_train, on_batch=account)
                    progress.n_iter += 1
                    progress.loss = accumulated / n_samples
                    progress.t += n_samples
                    progress.loss_curve.append(progress.loss)
                    if s.verbose:
                        print("Iteration %d, loss = %.8f" % (progress.n_iter, progress.loss))
                    if validation is not None:
                        self._validation_step(net, trainer, progress, *validation)
                    else:
                        if progress.loss_curve[-1] > progress.best_loss - s.tol:
                            progress.no_improvement_count += 1
                        else:
                            progress.no_improvement_count = 0
                        progress.best_loss = min(progress.best_loss, progress.loss_curve[-1])
                    if progress.no_improvement_count > s.n_iter_no_change:
                        what = "Validation score" if s.early_stopping else "Training loss"
                        message = (f"{what} did not improve more than tol={s.tol:f} for "
                                   f"{s.n_iter_no_change} consecutive epochs.")
                        if self._stop(progress, message):
                            break
                        progress.no_improvement_count = 0
                    if incremental:
                        break
                    if progress.n_iter == s.max_iter:
                        warnings.warn(f"Stochastic Optimizer: Maximum iterations ({s.max_iter}) reached and the "
                                      "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=5)
            except KeyboardInterrupt:
                warnings.warn("Training interrupted by user.", stacklevel=5)
        if s.early_stopping and progress.best_parameters is not None:
            net.set_parameter_vector(progress.best_parameters)
        return progress

    def _validation_step(self, net: Sequential, trainer: Trainer, progress: Progress, X_val: Any, y_val: np.ndarray,
                         weight_val: np.ndarray | None) -> None:
        s, loss = self.settings, trainer.loss
        targets = loss.check_targets(np.empty((X_val.shape[0], net.out_features), net.dtype), y_val)
        value, _, scores = evaluate(net, loss, X_val, targets, sample_weight=weight_val, return_scores=True,
                                    classify=False)  # the estimator scores the outputs itself, below
        value *= self.report_scale
        total = weight_total(weight_val, X_val.shape[0])
        progress.validation_loss_curve.append(value + trainer.penalty(s.alpha / total))
        labels = self.labels(y_val) if self.labels is not None else y_val
        score = self.score(loss.output(scores), labels, weight_val)
        progress.validation_scores.append(score)
        if s.verbose:
            print("Validation score: %f" % score)
        if score < progress.best_validation_score + s.tol:
            progress.no_improvement_count += 1
        else:
            progress.no_improvement_count = 0
        if score > progress.best_validation_score:
            progress.best_validation_score = score
            progress.best_parameters = net.parameter_vector().copy()

    def _stop(self, progress: Progress, message: str) -> bool:
        """Stop, or (sgd with learning_rate='adaptive') lower the learning rate by 5 and go on."""
        s = self.settings
        if s.solver == "adam" or s.learning_rate != "adaptive":
            if s.verbose:
                print(message + " Stopping.")
            return True
        if not progress.schedule.reduce():
            if s.verbose:
                print(message + " Learning rate too small. Stopping.")
            return True
        if s.verbose:  # the trainer sets the optimizer's rate from the schedule at the next epoch
            print(message + " Setting learning rate to %f" % progress.schedule.rate(progress.n_iter))
        return False
