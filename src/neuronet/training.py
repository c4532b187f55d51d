"""The training loop: minibatch gradient descent with ``fit``, ``History`` and callbacks.

One epoch is one pass over the shuffled training set in minibatches; for each
batch: forward, loss, backward (or the numerical gradient, as seed 001 does
before backpropagation), optimizer step. After each epoch the loss and
accuracy on the training set (averaged over its batches) and on the validation
set are recorded in ``History.history`` and handed to the callbacks.

Speed comes from buffers: the data is cast to the network's dtype once, each
batch is gathered into one reused array, the layers write into reused
workspaces, and the optimizer steps two flat arrays (all weights, all biases).
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from . import backend
from . import losses as _losses
from . import optim as _optim
from .callbacks import Callback
from .gradients import numerical_gradient
from .init import make_rng
from .layers import Dense
from .memory import check_fits
from .network import Sequential, _check_features
from .progress import Progress

__all__ = ["fit", "History", "TrainingDiverged", "prepare_targets", "NUMERICAL_GRADIENT_LIMIT"]

# Forward passes one fit() may spend on numerical gradients (2 per parameter per step).
NUMERICAL_GRADIENT_LIMIT = 2_000_000


class History(Callback):
    """What ``fit`` returns: ``history`` maps each metric (``loss``, ``accuracy``, ``val_loss``,
    ``val_accuracy``) to its per-epoch list; ``epoch`` lists the epoch indices."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.params: dict[str, Any] = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))

    def to_dict(self) -> dict:
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in self.history.items()},
                "params": dict(self.params)}

    def __repr__(self) -> str:
        last = {k: round(v[-1], 4) for k, v in self.history.items() if v}
        return f"History(epochs={len(self.epoch)}, last={last})"


from .errors import TrainingDiverged  # noqa: E402  (re-exported: it has always been importable from here)


def prepare_targets(net: Sequential, loss: _losses.Loss, y: Any, n_samples: int, fit: bool) -> np.ndarray:
    """Validate ``y`` against the network's outputs and encode class labels as indices.

    For a classifier, ``fit=True`` decides ``net.classes``: 0..K-1 when the labels
    are integers in that range, otherwise the sorted distinct labels (strings too),
    which must number K. One-hot rows are accepted as they are.
    """
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != n_samples:
        raise ValueError(f"y: expected {n_samples} targets (one per row of X), got shape {y.shape}")
    out = net.out_features
    if loss.is_classification and not (y.ndim == 2 and y.shape[1] == out and out > 1):
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.reshape(-1)
        if y.ndim != 1:
            raise ValueError(f"y: expected class labels of shape ({n_samples},) or one-hot ({n_samples}, {out}), "
                             f"got {y.shape}")
        n_classes = loss.n_classes(out)
        if fit:
            net.classes = _infer_classes(y, n_classes)
        y = _encode(y, net.classes)
    return loss.check_targets(np.empty((n_samples, out), net.dtype), y)


def _infer_classes(y: np.ndarray, n_classes: int) -> np.ndarray:
    if y.dtype.kind in "iub" or (y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y))):
        if y.size and y.min() >= 0 and y.max() < n_classes:
            return np.arange(n_classes).astype(y.dtype if y.dtype.kind != "b" else np.int64)
    classes = np.unique(y)
    if len(classes) != n_classes:
        shown = ", ".join(map(str, classes[:10])) + (", ..." if len(classes) > 10 else "")
        raise ValueError(f"y: found {len(classes)} classes ({shown}) but the network's output layer "
                         f"distinguishes {n_classes}; change the last layer's size")
    return classes


def _encode(y: np.ndarray, classes: np.ndarray | None) -> np.ndarray:
    if classes is None:
        return y
    try:
        index = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
        known = classes[index] == y
    except TypeError:
        raise TypeError(f"y: labels of type {y.dtype} do not compare with the classes the network "
                        f"was trained on ({classes.dtype})") from None
    if not np.all(known):
        unknown = y[~known][0].item()
        raise ValueError(f"y: label {unknown!r} is not one of the classes the network was trained on "
                         f"({', '.join(map(str, classes[:10]))})")
    return index


def _resolve_optimizer(net: Sequential, optimizer: Any, lr: float | None) -> _optim.Optimizer:
    """An optimizer instance; a name matching the network's current optimizer resumes it."""
    if isinstance(optimizer, _optim.Optimizer):
        if lr is not None:
            optimizer.lr = _optim._positive("lr", lr)
        return optimizer
    current = net.optimizer
    if isinstance(optimizer, str) and current is not None and current.name == optimizer.lower():
        if lr is not None:
            current.lr = _optim._positive("lr", lr)
        return current
    return _optim.get(optimizer, lr)


def _split_validation(X, targets, fraction, rng):
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"validation_split: expected a fraction in [0, 1), got {fraction}")
    n_validation = int(round(X.shape[0] * fraction))
    if n_validation == 0:
        return X, targets, None
    if n_validation >= X.shape[0]:
        raise ValueError("validation_split: leaves no training samples")
    order = rng.permutation(X.shape[0])
    train, validation = order[n_validation:], order[:n_validation]
    return X[train], targets[train], (X[validation], targets[validation])


def _numerical_cost(net: Sequential, n_samples: int, batch_size: int, epochs: int) -> int:
    return 2 * net.n_parameters * math.ceil(n_samples / batch_size) * epochs


def fit(net: Sequential, X: Any, y: Any, *, loss: str | _losses.Loss = "softmax_cross_entropy",
        optimizer: str | _optim.Optimizer = "adam", lr: float | None = None, epochs: int = 10,
        batch_size: int = 32, validation_split: float = 0.0, validation_data: tuple | None = None,
        l2: float = 0.0, shuffle: bool = True, seed: Any = None, callbacks: Iterable[Callback] = (),
        verbose: int = 1, gradient: str = "backprop") -> History:
    """Train ``net`` on (X, y) and return a ``History``.

    - ``loss``: a name from ``neuronet.losses.names()`` or a Loss; ``optimizer``: a name from
      ``neuronet.optim.names()`` (with ``lr``, else its default rate) or an Optimizer.
    - ``validation_split``: a fraction of (X, y), drawn at random with ``seed``, held out
      for ``val_loss``/``val_accuracy``; or ``validation_data=(X_val, y_val)``.
    - ``l2``: adds (l2 / 2) * sum of squared weights to the loss (biases excluded).
    - ``gradient``: ``"backprop"``, or ``"numerical"`` for central differences over every
      parameter (seed 001's method before backpropagation; only for small networks).
    - ``verbose``: 0 silent, 1 progress bar, 2 one line per epoch (on stderr).

    Raises ``TrainingDiverged`` when the loss turns NaN or infinite, leaving the weights at
    their last finite values.
    """
    if not isinstance(net, Sequential):
        raise TypeError(f"net: expected a neuronet Sequential, got {type(net).__name__}")
    loss = _losses.get(loss)
    if gradient not in ("backprop", "numerical"):
        raise ValueError(f"gradient: expected 'backprop' or 'numerical', got {gradient!r}")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    l2 = _optim._non_negative("l2", l2)
    rng = make_rng(seed)
    X = _check_features(X, net.in_features, net.dtype)
    n_total = X.shape[0]
    if n_total == 0:
        raise ValueError("X: has no rows")
    targets = prepare_targets(net, loss, y, n_total, fit=True)
    if validation_data is not None:
        if len(validation_data) != 2:
            raise ValueError("validation_data: expected a pair (X_val, y_val)")
        X_val = _check_features(validation_data[0], net.in_features, net.dtype)
        validation = (X_val, prepare_targets(net, loss, validation_data[1], X_val.shape[0], fit=False))
    else:
        X, targets, validation = _split_validation(X, targets, float(validation_split), rng)
    X = np.ascontiguousarray(X)
    n = X.shape[0]
    batch_size = min(int(batch_size), n)
    if gradient == "numerical":
        cost = _numerical_cost(net, n, batch_size, int(epochs))
        if cost > NUMERICAL_GRADIENT_LIMIT:
            raise ValueError(
                f"gradient='numerical' needs 2 forward passes per parameter per step: 2 x {net.n_parameters:,} "
                f"parameters x {math.ceil(n / batch_size):,} steps x {epochs} epochs = {cost:,} passes, over the "
                f"limit of {NUMERICAL_GRADIENT_LIMIT:,}. That is why backpropagation exists: use "
                "gradient='backprop', or a smaller network, fewer epochs or larger batches."
            )

    optimizer = _resolve_optimizer(net, optimizer, lr)
    widths = sum(layer.output_features(None) or 0 for layer in net.layers if isinstance(layer, Dense)) + X.shape[1]
    check_fits(net.dtype.itemsize * (net.n_parameters * len(optimizer.slots) + 3 * batch_size * widths),
               f"training {net.n_parameters:,} parameters with {optimizer.name} at batch size {batch_size}")
    net.loss, net.optimizer, net.stop_training = loss, optimizer, False
    history = History()
    history.params = {"epochs": int(epochs), "batch_size": batch_size, "samples": n, "loss": loss.name,
                      "optimizer": optimizer.name, "lr": optimizer.lr, "l2": l2, "gradient": gradient}
    callbacks = [history, *callbacks]
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise TypeError(f"callbacks: expected neuronet Callback objects, got {type(callback).__name__}")
        callback.set_model(net)
    progress = Progress(int(epochs), n, verbose)

    weights, weight_grads = net.flat_parameters()["W"], net.flat_gradients()["W"]
    x_batch = backend.empty((batch_size, X.shape[1]), net.dtype)
    l2_scratch = backend.empty(weights.shape, net.dtype) if l2 else None

    def penalty() -> float:
        return 0.5 * l2 * float(np.dot(weights, weights)) if l2 else 0.0

    def objective(x: Any, t: Any) -> float:
        return loss.forward(net.forward(x, training=False), t) + penalty()

    for callback in callbacks:
        callback.on_train_begin()
    # A diverging run overflows before its loss turns inf; that is checked and reported at every
    # step (TrainingDiverged), so NumPy's overflow warnings would only repeat it.
    with np.errstate(over="ignore", invalid="ignore"), net.training_mode():
        for epoch in range(int(epochs)):
            for callback in callbacks:
                callback.on_epoch_begin(epoch)
            progress.start(epoch)
            order = rng.permutation(n) if shuffle else np.arange(n)
            correct = 0
            for batch, start in enumerate(range(0, n, batch_size)):
                index = order[start:start + batch_size]
                x = np.take(X, index, axis=0, out=x_batch[: index.shape[0]])
                t = targets[index]
                scores = net.forward(x, training=gradient == "backprop")
                value = loss.forward(scores, t) + penalty()
                if loss.is_classification:
                    correct += _count_correct(loss, scores, t)
                if gradient == "backprop":
                    net.backward(loss.backward())
                    if l2:
                        np.multiply(weights, l2, out=l2_scratch)
                        weight_grads += l2_scratch
                else:
                    net._flat_grads[...] = numerical_gradient(lambda _: objective(x, t), net._flat_params)
                _check_finite(value, net._flat_grads, epoch, batch, optimizer, history)
                net.update(optimizer)
                progress.update(index.shape[0], value)
            logs = {"loss": progress.mean_loss()}
            if loss.is_classification:
                logs["accuracy"] = correct / n
            if validation is not None:
                val_loss, val_accuracy = _evaluate(net, loss, *validation)
                logs["val_loss"] = val_loss + penalty()
                if val_accuracy is not None:
                    logs["val_accuracy"] = val_accuracy
            progress.end(epoch, logs)
            for callback in callbacks:
                callback.on_epoch_end(epoch, logs)
            if net.stop_training:
                break
    for callback in callbacks:
        callback.on_train_end()
    return history


def _check_finite(value: float, flat_grads: Any, epoch: int, batch: int, optimizer: _optim.Optimizer,
                  history: History) -> None:
    """Stop before a step that would make the weights non-finite: the loss and the gradient must
    be finite (the gradient's squared norm is one fast BLAS call)."""
    if math.isfinite(value) and math.isfinite(float(np.dot(flat_grads, flat_grads))):
        return
    what = f"loss became {value}" if not math.isfinite(value) else "gradient became non-finite"
    raise TrainingDiverged(
        f"training diverged at epoch {epoch + 1}, batch {batch + 1}: the {what}. The weights are left at their "
        f"last finite values. Try a smaller learning rate (lr is {optimizer.lr:g}) or scale the inputs.",
        history,
    )


def _count_correct(loss: _losses.Loss, scores: Any, targets: Any) -> int:
    labels = targets if targets.ndim == 1 else targets.argmax(axis=1)
    return int(np.count_nonzero(loss.predict(scores) == labels))


def _evaluate(net: Sequential, loss: _losses.Loss, X: Any, targets: Any, chunk: int = 1024) -> tuple[float, float | None]:
    """Mean loss and accuracy (None for regression) over (X, targets), in chunks to bound memory."""
    total, correct = 0.0, 0
    for start in range(0, X.shape[0], chunk):
        x, t = X[start:start + chunk], targets[start:start + chunk]
        scores = net.forward(x, training=False)
        total += loss.forward(scores, t) * x.shape[0]
        if loss.is_classification:
            correct += _count_correct(loss, scores, t)
    n = max(X.shape[0], 1)
    return total / n, (correct / n if loss.is_classification else None)
