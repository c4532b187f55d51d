"""The training loop: ``fit``, ``History`` and callbacks around the one ``Trainer``.

One epoch is one pass over the shuffled training set in minibatches; each
minibatch is one ``Trainer.step`` (forward, loss, backward or the numerical
gradient, update: see ``neuronet.trainer``). After each epoch the loss and
accuracy on the training set (averaged over its batches) and on the validation
set are recorded in ``History.history`` and handed to the callbacks.

``fit`` reads top to bottom as its steps: check the options, prepare the data,
choose the optimizer and schedule, then run the epochs.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from . import losses as _losses
from . import optim as _optim
from . import schedules as _schedules
from . import weights as _weighting
from .callbacks import Callback
from .errors import ConfigurationError, DataError, TrainingDiverged, WrongType
from . import training_data as _data
from .init import make_rng
from .memory import check_fits
from .progress import Progress
from .trainer import Trainer, evaluate
from .validation import check_sample_weight, non_negative, positive, positive_int, prepare_targets

__all__ = ["fit", "History", "TrainingDiverged", "prepare_targets", "NUMERICAL_GRADIENT_LIMIT"]

# Forward passes one fit() may spend on numerical gradients (2 per parameter per step).
NUMERICAL_GRADIENT_LIMIT = 2_000_000


class History(Callback):
    """What ``fit`` returns: ``history`` maps each metric (``loss``, ``accuracy``, ``val_loss``,
    ``val_accuracy``, ``lr``) to its per-epoch list; ``epoch`` lists the epoch indices."""

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


# --- the steps of fit ------------------------------------------------------------------------
def _resolve_optimizer(net: Any, optimizer: Any, lr: float | None) -> _optim.Optimizer:
    """An optimizer instance; a name matching the network's current optimizer resumes it."""
    if isinstance(optimizer, _optim.Optimizer):
        if lr is not None:
            optimizer.lr = positive("lr", lr)
        return optimizer
    current = net.optimizer
    if isinstance(optimizer, str) and current is not None and current.name == optimizer.lower():
        if lr is not None:
            current.lr = positive("lr", lr)
        return current
    return _optim.get(optimizer, lr)


def _split_validation(X: Any, targets: Any, weights: np.ndarray | None, fraction: float, rng: np.random.Generator):
    """(X, targets, weights) for training and (X, targets) held out: a ``fraction`` of the rows."""
    if not 0.0 <= fraction < 1.0:
        raise ConfigurationError(f"validation_split: expected a fraction in [0, 1), got {fraction}")
    n_validation = int(round(X.shape[0] * fraction))
    if n_validation == 0:
        return X, targets, weights, None
    if n_validation >= X.shape[0]:
        raise ConfigurationError("validation_split: leaves no training samples")
    order = rng.permutation(X.shape[0])
    train, validation = order[n_validation:], order[:n_validation]
    if weights is not None:
        weights = weights[train]
        if not weights.any():
            raise DataError("sample_weight: every training sample left after validation_split weighs zero")
    return X[train], targets[train], weights, (X[validation], targets[validation])


def _weights(net: Any, loss: _losses.Loss, targets: np.ndarray, sample_weight: Any, class_weight: Any,
             n: int) -> np.ndarray | None:
    """Each sample's weight in the loss: its sample weight times its class's weight."""
    samples = _weighting.sample_weights(sample_weight, n)
    if class_weight is None:
        return samples
    if not loss.is_classification:
        raise ConfigurationError(f"class_weight: needs a classification loss, got {loss.name}")
    if targets.ndim == 1:
        index = targets
    elif targets.shape[1] == 1:
        index = targets[:, 0]
    elif np.all(targets.sum(axis=1) == 1):
        index = targets.argmax(axis=1)
    else:
        raise ConfigurationError("class_weight: needs one class per sample, not multi-label targets")
    n_classes = loss.n_classes(net.out_features)
    classes = net.classes if net.classes is not None else np.arange(n_classes)
    return _weighting.combined(samples, _weighting.class_weights(class_weight, index.astype(np.intp), classes))


class _CheckedStream:
    """A stream whose every batch passes the checks of data in memory, before the trainer sees it:
    targets present, X finite (``net.as_rows``: the same check, cast to the network's dtype and
    device), sample weights finite and >= 0. An error names the batch (``batch 3 of epoch 1``)."""

    def __init__(self, net: Any, source: Any) -> None:
        self.net, self.source = net, source
        self.n_features, self.n_rows = source.n_features, source.n_rows
        self.epoch = 0
        self.weighed = None  # after an epoch with weights: whether any was > 0

    def batches(self, batch_size: int, *, rng: Any = None) -> Any:
        self.epoch += 1
        for number, (X, y, w) in enumerate(self.source.batches(batch_size, rng=rng)):
            if y is None:
                raise DataError(NO_TARGETS)
            try:
                X = self.net.as_rows(X)
                w = None if w is None else check_sample_weight(w, X.shape[0])
            except DataError as error:
                raise DataError(f"batch {number} of epoch {self.epoch}: {error}") from None
            if w is not None:
                self.weighed = bool(self.weighed) or bool(w.any())
            yield X, y, w


NO_TARGETS = ("y: the source has no targets; give it some (NpySource(X, y), ParquetSource(..., target=...), "
              "batches of (X, y))")


def _stream_targets(source: Any) -> None:
    """A ``DataError`` before training for a source that says it has no targets."""
    if getattr(source, "y", False) is None or getattr(source, "target", False) is None:
        raise DataError(NO_TARGETS)


def _tables_module() -> Any:
    from . import tables

    return tables


def _check_numerical_cost(net: Any, n: int, batch_size: int, epochs: int) -> None:
    cost = 2 * net.n_parameters * math.ceil(n / batch_size) * epochs
    if cost > NUMERICAL_GRADIENT_LIMIT:
        raise ConfigurationError(
            f"gradient='numerical' needs 2 forward passes per parameter per step: 2 x {net.n_parameters:,} "
            f"parameters x {math.ceil(n / batch_size):,} steps x {epochs} epochs = {cost:,} passes, over the "
            f"limit of {NUMERICAL_GRADIENT_LIMIT:,}. That is why backpropagation exists: use "
            "gradient='backprop', or a smaller network, fewer epochs or larger batches.")


def _check_memory(net: Any, optimizer: _optim.Optimizer, batch_size: int) -> None:
    widths = sum(layer.output_features(None) or 0 for layer in net.layers) + net.in_features
    check_fits(net.dtype.itemsize * (net.n_parameters * len(optimizer.slots) + 3 * batch_size * widths),
               f"training {net.n_parameters:,} parameters with {optimizer.name} at batch size {batch_size}")


def fit(net: Any, X: Any, y: Any = None, *, loss: str | _losses.Loss = "softmax_cross_entropy",
        optimizer: str | _optim.Optimizer = "adam", lr: Any = None, epochs: int = 10,
        batch_size: int = 32, validation_split: float = 0.0, validation_data: tuple | None = None,
        l2: float = 0.0, shuffle: bool = True, seed: Any = None, callbacks: Iterable[Callback] = (),
        verbose: int = 1, gradient: str = "backprop", sample_weight: Any = None,
        class_weight: Any = None, encoding: dict | None = None, l1: float = 0.0) -> History:
    """Train ``net`` on (X, y) and return a ``History``.

    - ``loss``: a name from ``neuronet.losses.names()`` or a Loss; ``optimizer``: a name from
      ``neuronet.optim.names()`` or an Optimizer.
    - ``lr``: a learning rate (else the optimizer's default), or a schedule from
      ``neuronet.schedules`` (``Cosine(0.01, epochs=50)``): the rate of each epoch is
      recorded in ``history["lr"]``.
    - ``validation_split``: a fraction of (X, y), drawn at random with ``seed``, held out
      for ``val_loss``/``val_accuracy``; or ``validation_data=(X_val, y_val)``.
    - ``l2``: adds (l2 / 2) * sum of squared weights to the loss (biases excluded):
      ``net.objective(X, y, l2)`` is the number minimized. ``l1``: adds l1 * sum of |w|, which
      drives small weights to exactly zero (the readable path computes it; no compiled form);
      ``net.objective(X, y, l2, l1)`` is then the number minimized.
    - ``gradient``: ``"backprop"``, or ``"numerical"`` for central differences over every
      parameter (the notes' method before backpropagation, chapter 7; only for small networks).
    - ``verbose``: 0 silent, 1 progress bar, 2 one line per epoch (on stderr).
    - X may also be a table (a pandas or polars DataFrame, an Arrow table, a CSV path) with ``y``
      the target column's name (or one target per row): it is encoded by ``net.encoder``, learned
      from these rows when the network has none (``encoding=``: options of
      ``neuronet.tables.TableEncoder``, e.g. ``{"categorical": ["year"], "scaling": "robust"}``);
      or a stream, for data larger than memory: a ``.parquet`` file or folder (``y`` its target
      column), a memory-mapped ``.npy`` (``y`` an array or ``.npy``), a ``neuronet.tables``
      source, an iterable of (X, y) batches, a Dask array or DataFrame (see
      ``neuronet.training_data``). A stream is read batch by batch every epoch and shuffled
      through a bounded buffer (``neuronet.tables.sources``); ``validation_split`` needs data in
      memory (use ``validation_data``).
    - ``sample_weight``: one weight per sample of (X, y) in the mean loss; ``class_weight``:
      ``"balanced"`` or ``{label: weight}``, multiplying each sample's weight by its class's
      (see ``neuronet.weights``). The validation loss is unweighted. A stream carries its own
      weights (a source's batches, a Parquet ``weight=`` column); ``sample_weight=`` goes with a
      ``.npy`` path or a Dask array, checked whole before training. Each streamed batch gets the
      checks of data in memory (finite X, targets present, weights finite and >= 0).

    Raises ``TrainingDiverged`` when the loss turns NaN or infinite, leaving the weights at
    their last finite values.
    """
    # 1. the options
    if not all(hasattr(net, name) for name in ("forward", "backward", "update", "parameter_vector", "as_rows")):
        raise WrongType(f"net: expected a neuronet Sequential, got {type(net).__name__}")
    loss = _losses.get(loss)
    if gradient not in ("backprop", "numerical"):
        raise ConfigurationError(f"gradient: expected 'backprop' or 'numerical', got {gradient!r}")
    epochs, batch_size = positive_int("epochs", epochs), positive_int("batch_size", batch_size)
    l2 = non_negative("l2", l2)
    rng = make_rng(seed)

    # 2. the data: validated once here, then trusted
    source = None
    if _data.is_stream(X):
        if validation_split:
            raise ConfigurationError("validation_split: needs the data in memory; with a stream, pass validation_data")
        if class_weight is not None:
            raise ConfigurationError("class_weight: needs the data in memory to count the classes; with a stream, "
                                     "put the weights in the stream (a sample weight per row)")
        n_classes = loss.n_classes(net.out_features) if loss.is_classification else None
        source = _data.stream_source(net, X, y, sample_weight, n_classes=n_classes, **(encoding or {}))
        _stream_targets(source)
        source = _CheckedStream(net, source)
        encoder = getattr(net, "encoder", None)
        if loss.is_classification and encoder is not None and encoder.target is not None:
            net.classes = np.asarray(encoder.target.classes)
        if source.n_features is not None and source.n_features != net.in_features:
            raise DataError(f"X: the data has {source.n_features} features after encoding, the network takes "
                            f"{net.in_features}")
        n = source.n_rows or 0
        weights = targets = None
    else:
        if _data.is_in_memory_table(X):
            X, y = _data.encode_table(net, X, y, **(encoding or {}))
        elif encoding:
            raise ConfigurationError("encoding: applies to tables (a DataFrame, an Arrow table, a CSV or Parquet file)")
        elif isinstance(y, str):
            raise _data.column_needs_table(y)
        X = net.as_rows(X)
        if X.shape[0] == 0:
            raise DataError("X: has no rows")
        targets = prepare_targets(net, loss, y, X.shape[0], fit=True)
        labels = y.dtype if hasattr(y, "dtype") else np.asarray(y).dtype
        if loss.is_classification and np.ndim(y) == 1 and net.classes is not None:
            net.classes = _data.classes_as_given(labels, net.classes)
        weights = _weights(net, loss, targets, sample_weight, class_weight, X.shape[0])
    if validation_data is not None:
        if len(validation_data) != 2:
            raise ConfigurationError("validation_data: expected a pair (X_val, y_val)")
        X_val, y_val = validation_data
        if _data.is_in_memory_table(X_val) and getattr(net, "encoder", None) is not None:
            X_val, y_val = _data.encode_table(net, X_val, y_val)
        X_val = net.as_rows(X_val)
        validation = (X_val, prepare_targets(net, loss, y_val, X_val.shape[0], fit=False))
    elif source is None:
        X, targets, weights, validation = _split_validation(X, targets, weights, float(validation_split), rng)
    else:
        validation = None
    if source is None:
        X = np.ascontiguousarray(X) if isinstance(X, np.ndarray) else X
        n = X.shape[0]
        batch_size = min(batch_size, n)
    if gradient == "numerical":
        _check_numerical_cost(net, n or batch_size, batch_size, epochs)

    # 3. optimizer, schedule, trainer, callbacks
    schedule = lr if isinstance(lr, _schedules.Schedule) else None
    optimizer = _resolve_optimizer(net, optimizer, schedule.lr if schedule else lr)
    _check_memory(net, optimizer, batch_size)
    net.loss, net.optimizer, net.stop_training = loss, optimizer, False
    trainer = Trainer(net, loss, optimizer, l2=l2, l1=non_negative("l1", l1), gradient=gradient, schedule=schedule,
                      count_correct=loss.is_classification)
    history = History()
    history.params = {"epochs": epochs, "batch_size": batch_size, "samples": n, "loss": loss.name,
                      "optimizer": optimizer.name, "lr": optimizer.lr, "l2": l2, "l1": l1, "gradient": gradient,
                      "schedule": schedule.config() if schedule else None}
    callbacks = [history, *callbacks]
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise WrongType(f"callbacks: expected neuronet Callback objects, got {type(callback).__name__}")
        callback.set_model(net)
    progress = Progress(epochs, n, verbose)

    # 4. the epochs
    for callback in callbacks:
        callback.on_train_begin()
    # A diverging run overflows before its loss turns inf; that is checked and reported at every
    # step (TrainingDiverged), so NumPy's overflow warnings would only repeat it.
    with np.errstate(over="ignore", invalid="ignore"), net.training_mode():
        for epoch in range(epochs):
            for callback in callbacks:
                callback.on_epoch_begin(epoch)
            trainer.begin_epoch(epoch)
            progress.start(epoch)
            on_batch = lambda size, step: progress.update(size, step.loss + step.penalty)  # noqa: E731
            try:
                if source is None:
                    order = rng.permutation(n) if shuffle else np.arange(n)
                    _, correct = trainer.run_epoch(X, targets, order, batch_size, weights, on_batch=on_batch)
                    seen = n
                else:
                    _, correct, seen = _tables_module().train_epoch(trainer, source, batch_size,
                                                                    rng=rng if shuffle else None, on_batch=on_batch)
                    if seen == 0:
                        raise DataError("X: the stream gave no rows to train on")
                    if source.weighed is False:
                        raise DataError("sample_weight: every weight in the stream is zero: nothing to learn from")
            except TrainingDiverged as error:
                raise TrainingDiverged(str(error), history) from None
            logs = {"loss": progress.mean_loss()}
            if loss.is_classification and trainer.count_correct:
                logs["accuracy"] = correct / max(seen, 1)
            if validation is not None:
                val_loss, val_accuracy = evaluate(net, loss, *validation)
                logs["val_loss"] = val_loss + trainer.penalty(l2)
                if val_accuracy is not None:
                    logs["val_accuracy"] = val_accuracy
            if schedule is not None:
                logs["lr"] = optimizer.lr
            trainer.end_epoch(epoch, logs)
            progress.end(epoch, logs)
            for callback in callbacks:
                callback.on_epoch_end(epoch, logs)
            if net.stop_training:
                break
    for callback in callbacks:
        callback.on_train_end()
    return history
