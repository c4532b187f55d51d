"""The ``sgd`` and ``adam`` solvers: scikit-learn's epoch loop (shuffling, early stopping,
``n_iter_no_change``, learning-rate schedules) around the engine's one ``Trainer``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from .. import optim as _optim
from .. import schedules as _schedules
from ..errors import ConfigurationError
from ..network import Sequential
from ..trainer import Trainer

__all__ = ["fit_stochastic", "make_optimizer"]


def make_optimizer(est: Any) -> tuple[_optim.Optimizer, _schedules.Schedule]:
    """scikit-learn's solver settings as a neuronet optimizer and learning-rate schedule."""
    if est.solver == "adam":
        optimizer = _optim.Adam(est.learning_rate_init, est.beta_1, est.beta_2, est.epsilon)
    elif est.momentum == 0:
        optimizer = _optim.SGD(est.learning_rate_init)
    elif est.nesterovs_momentum:
        optimizer = _optim.Nesterov(est.learning_rate_init, est.momentum)
    else:
        optimizer = _optim.Momentum(est.learning_rate_init, est.momentum)
    if est.solver == "sgd" and est.learning_rate == "invscaling":
        schedule = _schedules.InverseScaling(est.learning_rate_init, est.power_t)
    elif est.solver == "sgd" and est.learning_rate == "adaptive":
        # reduced by the estimator itself when its n_iter_no_change rule triggers, as scikit-learn does
        schedule = _schedules.ReduceOnPlateau(est.learning_rate_init, factor=0.2, min_lr=1e-6)
    else:
        schedule = _schedules.Constant(est.learning_rate_init)
    return optimizer, schedule


def _batch_size(est: Any, n_samples: int) -> int:
    if est.batch_size == "auto":
        return min(200, n_samples)
    if est.batch_size > n_samples:
        warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
                      stacklevel=4)
    return int(np.clip(est.batch_size, 1, n_samples))


def _split(est: Any, X: Any, y: np.ndarray, sample_weight: np.ndarray | None):
    """scikit-learn's early-stopping split, drawn from the same RandomState after the weights."""
    # stratified by the labels themselves (same classes, same order, so the same split as by their
    # 0/1 encoding), so that a message about them names them as the user wrote them: 'False', not '0.0'
    stratify = est._label_binarizer.inverse_transform(y) if is_classifier(est) and est.n_outputs_ == 1 else None
    arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
    split = train_test_split(*arrays, random_state=est._random_state, test_size=est.validation_fraction,
                             stratify=stratify)
    X_train, X_val, y_train, y_val = split[:4]
    weight_train, weight_val = (split[4], split[5]) if sample_weight is not None else (None, None)
    if X_val.shape[0] < 2:
        raise ConfigurationError("The validation set is too small. Increase 'validation_fraction' or the size of "
                         "your dataset.")
    return X_train, y_train, weight_train, (X_val, y_val, weight_val)


def fit_stochastic(est: Any, X: Any, y: np.ndarray, sample_weight: np.ndarray | None, incremental: bool) -> None:
    dtype = est.coefs_[0].dtype
    if est.dropout:  # the dropout masks follow random_state too
        seed = int(est._random_state.randint(np.iinfo(np.int32).max))
        net = est._build_network(est._layer_units(), est._activations, dtype, est.coefs_, est.intercepts_,
                                 dropout=est.dropout, rng=np.random.default_rng(seed))
    else:
        net = est._network(dtype)
    est._adopt(net)
    if not incremental or not hasattr(est, "_optimizer"):
        est._optimizer, est._schedule = make_optimizer(est)
    if est.early_stopping and incremental:
        raise ConfigurationError("partial_fit does not support early_stopping=True")
    if est.early_stopping:
        X_train, y_train, weight_train, validation = _split(est, X, y, sample_weight)
    else:
        X_train, y_train, weight_train, validation = X, y, sample_weight, None
    loss = est._loss()
    targets = loss.check_targets(np.empty(y_train.shape, dtype), y_train)
    n_samples = X_train.shape[0]
    batch_size = _batch_size(est, n_samples)
    trainer = Trainer(net, loss, est._optimizer, l2=est.alpha, l2_per_sample=True, schedule=est._schedule,
                      on_nonfinite="ignore", samples_seen=est.t_)
    sample_index = np.arange(n_samples, dtype=int)
    with net.training_mode():
        try:
            est.n_iter_ = 0 if not incremental else est.n_iter_
            for _ in range(est.max_iter):
                if est.shuffle:  # sklearn.utils.shuffle's draw, without its per-call validation
                    order = np.arange(n_samples)
                    est._random_state.shuffle(order)
                    sample_index = sample_index[order]
                trainer.begin_epoch(est.n_iter_)
                accumulated = 0.0

                def account(size: int, step: Any) -> None:
                    nonlocal accumulated
                    accumulated += (est._reported(step.loss) + step.penalty) * size

                trainer.run_epoch(X_train, targets, sample_index, batch_size, weight_train, on_batch=account)
                est.n_iter_ += 1
                est.loss_ = accumulated / n_samples
                est.t_ += n_samples
                est.loss_curve_.append(est.loss_)
                if est.verbose:
                    print("Iteration %d, loss = %.8f" % (est.n_iter_, est.loss_))
                if validation is not None:
                    _validation_step(est, net, trainer, *validation)
                else:
                    if est.loss_curve_[-1] > est.best_loss_ - est.tol:
                        est._no_improvement_count += 1
                    else:
                        est._no_improvement_count = 0
                    est.best_loss_ = min(est.best_loss_, est.loss_curve_[-1])
                if est._no_improvement_count > est.n_iter_no_change:
                    what = "Validation score" if est.early_stopping else "Training loss"
                    message = (f"{what} did not improve more than tol={est.tol:f} for "
                               f"{est.n_iter_no_change} consecutive epochs.")
                    if _trigger_stopping(est, message):
                        break
                    est._no_improvement_count = 0
                if incremental:
                    break
                if est.n_iter_ == est.max_iter:
                    warnings.warn(f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached and the "
                                  "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=4)
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=4)
    if est.early_stopping and est._best_parameters is not None:
        net.set_parameter_vector(est._best_parameters)


def _validation_step(est: Any, net: Sequential, trainer: Trainer, X_val: Any, y_val: np.ndarray,
                     weight_val: np.ndarray | None) -> None:
    loss = trainer.loss
    scores = est._scores(X_val, net)
    targets = loss.check_targets(scores, y_val)
    value = est._reported(loss.forward(scores, targets, weight_val))
    total = float(weight_val.sum()) if weight_val is not None else X_val.shape[0]
    est.validation_loss_curve_.append(value + trainer.penalty(est.alpha / total))
    labels = est._label_binarizer.inverse_transform(y_val) if is_classifier(est) else y_val
    score = est._score_outputs(loss.output(scores), labels, weight_val)
    est.validation_scores_.append(score)
    if est.verbose:
        print("Validation score: %f" % score)
    if score < est.best_validation_score_ + est.tol:
        est._no_improvement_count += 1
    else:
        est._no_improvement_count = 0
    if score > est.best_validation_score_:
        est.best_validation_score_ = score
        est._best_parameters = net.parameter_vector().copy()


def _trigger_stopping(est: Any, message: str) -> bool:
    """Stop, or (sgd with learning_rate='adaptive') lower the learning rate by 5 and go on."""
    if est.solver == "adam" or est.learning_rate != "adaptive":
        if est.verbose:
            print(message + " Stopping.")
        return True
    if not est._schedule.reduce():
        if est.verbose:
            print(message + " Learning rate too small. Stopping.")
        return True
    if est.verbose:  # the trainer sets the optimizer's rate from the schedule at the next epoch
        print(message + " Setting learning rate to %f" % est._schedule.rate(est.n_iter_))
    return False
