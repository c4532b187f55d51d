"""The training step, once, for every front end: ``fit``, the scikit-learn estimators and the
playground all train through a ``Trainer``.

One minibatch step (the notes' gradient descent, eq. 27, chapter 9):

1. forward the batch through the network: scores = net(x);
2. the loss, averaged over the batch (weighted by ``sample_weight`` if given), plus the L2
   penalty (l2 / 2) ||W||^2 over the weights (``decayed`` parameters, not the biases);
3. the gradient of both with respect to every parameter: by backpropagation, or by central
   differences (the notes' method before backpropagation, chapter 7; two forward passes per parameter);
4. a finiteness check (a NaN or infinite loss or gradient stops before it reaches the weights);
5. the optimizer's update of the whole flat parameter vector.

``run_epoch`` gathers the minibatches of one pass in a given order into one reused buffer and
steps through them; ``objective`` is the same computation as a function of the flat parameter
vector, for full-batch solvers such as L-BFGS. The learning-rate schedule is asked for the
rate before each epoch.

Two speeds, one meaning: where the network's kernels are compiled (``kernels="numba"``) and every
part of the step has a kernel, the same step runs as one compiled call for a run of batches
(``neuronet.kernels.steps``); otherwise, and always for the reader, the steps below run layer by
layer in NumPy. ``trainer.plan`` says which, and why (``neuronet.kernels.plan``). Both paths get
the same data, checked once at the boundary (``check_data``), and the same numbers decided here
(``coefficient``, ``losses.weight_total``, ``optimizer.step_sizes``). The tests hold the two to
the same loss curve.

A Trainer needs of the network only its public face: ``forward``, ``backward``,
``update(optimizer)``, ``parameter_vector()``, ``gradient_vector()`` and ``decayed_slice``.
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

import numpy as np

from . import backend
from .errors import ConfigurationError, TrainingDiverged
from .gradients import numerical_gradient
from .kernels.plan import KernelPlan
from .kernels.steps import StepKernel
from .losses import weight_total
from .schedules import Schedule
from .validation import check_order, check_rows, check_sample_weight, non_negative, positive, positive_int

__all__ = ["Trainer", "StepResult", "weight_penalty", "evaluate"]


def evaluate(net: Any, loss: Any, X: Any, targets: Any, chunk: int = 1024, *, sample_weight: Any = None,
             return_scores: bool = False, classify: bool | None = None) -> tuple:
    """The mean loss and the accuracy (None for a regression loss) of ``net`` on checked rows ``X``
    and targets (``loss.check_targets``'s form), forward in chunks of rows so memory stays bounded:
    the one evaluation every front end reports (``Sequential.evaluate``, ``fit``'s validation, the
    estimators' validation step, the playground's curves).

    - ``sample_weight`` (checked, one per row): the loss is their weighted mean, as in training
      (``losses.weight_total`` normalises); the accuracy still counts rows.
    - Accuracy counts the rows ``loss.count_correct`` calls right (multi-label: exact matches);
      ``classify`` (default: ``loss.is_classification``) says whether to count, for a loss such
      as ``mse`` that trains a classifier on one-hot targets.
    - ``return_scores``: the network's scores for every row come third (the estimators score
      them, the playground draws its regions and confusion matrix from them)."""
    classify = loss.is_classification if classify is None else classify
    total, weights, correct, n, kept = 0.0, 0.0, 0, X.shape[0], []
    for start in range(0, n, chunk):
        x, t = X[start:start + chunk], targets[start:start + chunk]
        w = None if sample_weight is None else sample_weight[start:start + chunk]
        if hasattr(x, "toarray"):  # scipy.sparse: densified chunk by chunk
            x = x.toarray()
        scores = backend.to_numpy(net.forward(x, training=False))
        part = weight_total(w, x.shape[0])
        if part:  # a chunk whose weights are all 0 holds no data (as in training)
            total += loss.forward(scores, backend.to_numpy(t), w) * part
            weights += part
        if classify:
            correct += loss.count_correct(scores, backend.to_numpy(t))
        if return_scores:
            kept.append(scores.copy())  # forward may reuse its output buffer for the next chunk
    value = total / weights if weights else (0.0 if n == 0 else float("nan"))
    accuracy = correct / max(n, 1) if classify else None
    if not return_scores:
        return value, accuracy
    return value, accuracy, (np.concatenate(kept) if kept else np.zeros((0, net.out_features), net.dtype))


def weight_penalty(weights: Any, l2: float = 0.0, l1: float = 0.0) -> float:
    """(l2 / 2) ||W||^2 + l1 ||W||_1 of the decayed weights ``W`` (the regularized loss of chapter 11, and
    its L1 variant): the one formula the trainer and ``Sequential.objective`` add to the loss."""
    value = 0.5 * l2 * float(np.dot(weights, weights)) if l2 else 0.0
    return value + (l1 * float(np.abs(weights).sum()) if l1 else 0.0)


class StepResult(NamedTuple):
    loss: float      # the data loss of the batch (weighted mean)
    penalty: float   # the L2 penalty added to it
    correct: int     # correctly classified samples of the batch (0 unless counted)


class Trainer:
    """Trains ``net`` on ``loss`` with ``optimizer``.

    - ``l2``: the L2 coefficient; the penalty is (l2 / 2) ||W||^2, or with ``l2_per_sample``
      (scikit-learn's ``alpha``) (l2 / 2n) ||W||^2 with n the batch's (weighted) size.
    - ``l1``: the L1 coefficient; the penalty l1 ||W||_1 (a sum of |w|, which drives small weights
      to exactly 0: a sparse network), gradient l1 sign(W). The compiled step has no L1 term, so
      a trainer with ``l1`` takes the readable path (its plan says so).
    - ``gradient``: ``"backprop"`` or ``"numerical"`` (central differences with step ``eps``).
    - ``schedule``: a ``neuronet.schedules.Schedule`` setting ``optimizer.lr`` for each epoch.
    - ``on_nonfinite``: what a NaN/inf loss or gradient does: ``"raise"`` ``TrainingDiverged``
      (the weights keep their last finite values), ``"skip"`` the update, or ``"ignore"`` it.
    - ``count_correct``: count correctly classified samples per step (for accuracy).
    """

    def __init__(self, net: Any, loss: Any, optimizer: Any, *, l2: float = 0.0, l2_per_sample: bool = False,
                 l1: float = 0.0, gradient: str = "backprop", eps: float = 1e-4, schedule: Schedule | None = None,
                 on_nonfinite: str = "raise", count_correct: bool = False, samples_seen: int = 0):
        if gradient not in ("backprop", "numerical"):
            raise ConfigurationError(f"gradient: expected 'backprop' or 'numerical', got {gradient!r}")
        if on_nonfinite not in ("raise", "skip", "ignore"):
            raise ConfigurationError(f"on_nonfinite: expected 'raise', 'skip' or 'ignore', got {on_nonfinite!r}")
        self.net, self.loss, self.optimizer = net, loss, optimizer
        self.l2 = non_negative("l2", l2)
        self.l2_per_sample = bool(l2_per_sample)
        self.l1 = non_negative("l1", l1)
        self.gradient_method = gradient
        self.eps = positive("eps", eps)
        self.schedule = schedule
        self.on_nonfinite = on_nonfinite
        self.count_correct = count_correct
        self.samples_seen = int(samples_seen)
        self.epoch, self.batch = 0, 0
        self.last_scores: Any = None
        self._batch_buffer: Any = None
        self._scratch: Any = None
        self._plan_key: Any = None
        self._network_plan: KernelPlan | None = None
        self._refusals: set[str] = set()
        self._plan: KernelPlan | None = None  # the plan of the last step or epoch, data checks included
        self._identity = np.zeros(0, np.intp)

    @property
    def plan(self) -> KernelPlan:
        """How this trainer's steps are computed (``neuronet.kernels.plan.KernelPlan``): the plan of
        its last step or epoch, the data's own checks included ("numpy kernels: X is float64, the
        network float32"); before any, the network's (``net.kernel_plan(loss, optimizer)``)."""
        if self._plan is None:
            return KernelPlan.for_network(self.net, self.loss, self.optimizer, self.gradient_method)
        return self._plan

    def _compiled(self, X: Any, targets: Any, sample_weight: Any) -> tuple[StepKernel, Any] | None:
        """The compiled step and its data for this call, or None: the layer-by-layer path
        (``self.plan`` says why; a network that asked for ``kernels="numba"`` is warned once)."""
        net, loss = self.net, self.loss
        key = (getattr(net, "kernels", None), id(self.optimizer), id(loss), loss.kernel, self.gradient_method,
               net.n_parameters, id(net.parameter_vector()))
        if key != self._plan_key:
            self._plan_key, self._network_plan = key, KernelPlan.for_network(net, loss, self.optimizer,
                                                                              self.gradient_method)
            self._refusals = set()
            self._network_plan.warn()
        plan = self._plan = self._network_plan
        if not plan.compiled:
            return None
        if self.l1:  # the compiled step has no L1 term: the readable path computes it
            self._plan = plan.refused("L1 regularization (l1) has no compiled form")
            if self._plan.reason not in self._refusals:
                self._refusals.add(self._plan.reason)
                self._plan.warn()
            return None
        data, reason = plan.step.data(X, targets, sample_weight)
        if data is not None and not plan.step.ready(self, data):
            self._plan_key = None  # the kernels became unusable in this process: plan again next time
            reason = "the compiled kernels cannot be compiled"
        if data is None or reason is not None:
            self._plan = plan.refused(reason)
            if reason not in self._refusals:
                self._refusals.add(reason)
                self._plan.warn()
            return None
        return plan.step, data

    # --- one minibatch ----------------------------------------------------------------------
    def coefficient(self, total: float) -> float:
        """The L2 coefficient of a batch whose weighted mean has the normaliser ``total``
        (``losses.weight_total``): ``l2``, or ``l2 / total`` with ``l2_per_sample``; 0 for a batch
        with no data (a total of 0), which is skipped."""
        if not self.l2 or not total:
            return 0.0
        return self.l2 / total if self.l2_per_sample else self.l2

    def penalty(self, coefficient: float) -> float:
        """(coefficient / 2) ||W||^2 over the decayed parameters, plus l1 ||W||_1 where ``l1`` is set."""
        if not coefficient and not self.l1:
            return 0.0
        return weight_penalty(self.net.parameter_vector()[self.net.decayed_slice], coefficient, self.l1)

    # --- the boundary: what every path is handed is checked here, once per call -----------------
    def check_data(self, X: Any, targets: Any, sample_weight: Any = None) -> tuple[Any, Any, Any]:
        """(X, targets, sample_weight) checked as the loss and the network need them, whichever path
        then computes the step: X an array of rows of the network's width; targets the loss's own
        (``loss.check_targets``: class labels whole and in range, one target per row); the
        weights finite, >= 0, one per row. A ``DataError`` naming the argument otherwise."""
        X = check_rows(X, getattr(self.net, "in_features", None))
        n = X.shape[0]
        if backend.array_module(targets) is np:  # (CuPy targets are CuPy's to check: they never reach a kernel)
            targets = self.loss.check_targets(np.empty((n, self.net.out_features), self.net.dtype), targets)
        return X, targets, check_sample_weight(sample_weight, n)

    def compute_gradient(self, x: Any, targets: Any, sample_weight: Any = None) -> tuple[float, float]:
        """Fill the network's gradient vector for the batch; returns (data loss, L2 penalty)."""
        return self._compute_gradient(*self.check_data(x, targets, sample_weight))

    def _compute_gradient(self, x: Any, targets: Any, sample_weight: Any) -> tuple[float, float]:
        total = weight_total(sample_weight, x.shape[0])
        if total == 0:  # no data: no loss, no gradient (see _step)
            self.net.gradient_vector()[...] = 0
            self.last_scores = None
            return 0.0, 0.0
        compiled = self._compiled(x, targets, sample_weight)
        if compiled is not None:
            kernel, data = compiled
            run = kernel.run(self, data, self._rows(x.shape[0]), x.shape[0], 0, 1, update=False)
            self.last_scores = kernel.scores(x.shape[0])
            return float(run.losses[0]), float(run.penalties[0])
        return self._numpy_gradient(x, targets, sample_weight, total)

    def _numpy_gradient(self, x: Any, targets: Any, sample_weight: Any, total: float) -> tuple[float, float]:
        """``_compute_gradient`` layer by layer, for a batch with data (``total``: its normaliser)."""
        net, loss = self.net, self.loss
        coefficient = self.coefficient(total)
        if self.gradient_method == "backprop":
            scores = net.forward(x, training=True)
            value = loss.forward(scores, targets, sample_weight)
            penalty = self.penalty(coefficient)
            net.backward(loss.backward())
            if coefficient or self.l1:
                decayed = net.decayed_slice
                weights, grads = net.parameter_vector()[decayed], net.gradient_vector()[decayed]
                if self._scratch is None or self._scratch.shape != weights.shape:
                    self._scratch = np.empty_like(weights)
                if coefficient:  # d/dW (c/2)||W||^2 = c W
                    np.multiply(weights, coefficient, out=self._scratch)
                    grads += self._scratch
                if self.l1:  # d/dW l1 ||W||_1 = l1 sign(W) (0 at 0: the subgradient that keeps a zero weight)
                    np.sign(weights, out=self._scratch)
                    self._scratch *= self.l1
                    grads += self._scratch
        else:
            def objective(_: Any) -> float:
                return loss.forward(net.forward(x, training=False), targets, sample_weight) + self.penalty(coefficient)

            net.gradient_vector()[...] = numerical_gradient(objective, net.parameter_vector(), eps=self.eps)
            scores = net.forward(x, training=False)
            value = loss.forward(scores, targets, sample_weight)
            penalty = self.penalty(coefficient)
        self.last_scores = scores
        return value, penalty

    def _rows(self, n: int) -> np.ndarray:
        """0, 1, ..., n - 1: the order of an already gathered batch."""
        if self._identity.shape[0] != n:
            self._identity = np.arange(n, dtype=np.intp)
        return self._identity

    def _diverged(self, value: float, penalty: float) -> TrainingDiverged:
        what = f"loss became {value + penalty}" if not math.isfinite(value + penalty) else "gradient became non-finite"
        return TrainingDiverged(
            f"training diverged at epoch {self.epoch + 1}, batch {self.batch + 1}: the {what}. The weights are "
            f"left at their last finite values. Try a smaller learning rate (lr is {self.optimizer.lr:g}) "
            "or scale the inputs.")

    def step(self, x: Any, targets: Any, sample_weight: Any = None) -> StepResult:
        """One minibatch: gradient, finiteness check, optimizer update."""
        return self._step(*self.check_data(x, targets, sample_weight))

    def _step(self, x: Any, targets: Any, sample_weight: Any) -> StepResult:
        total = weight_total(sample_weight, x.shape[0])
        if total == 0:
            # A batch with no data (no rows, or every weight 0) has no mean to take: it is skipped,
            # on every path alike (no update; its loss and penalty are reported as 0)
            self.batch += 1
            return StepResult(0.0, 0.0, 0)
        compiled = self._compiled(x, targets, sample_weight)
        if compiled is not None:  # one batch of the compiled epoch: the batch in its own order
            results: list[StepResult] = []
            self._run_compiled(*compiled, self._rows(x.shape[0]), x.shape[0], lambda _, result: results.append(result))
            return results[0]
        value, penalty = self._numpy_gradient(x, targets, sample_weight, total)  # planned just above: not again
        correct = self._correct(targets) if self.count_correct else 0
        grads = self.net.gradient_vector()
        if not (math.isfinite(value + penalty) and math.isfinite(float(np.dot(grads, grads)))):
            if self.on_nonfinite == "raise":
                raise self._diverged(value, penalty)
            if self.on_nonfinite == "skip":
                self.batch += 1
                return StepResult(value, penalty, correct)
        self.net.update(self.optimizer)
        self.batch += 1
        self.samples_seen += x.shape[0]
        return StepResult(value, penalty, correct)

    def _correct(self, targets: Any) -> int:
        return self.loss.count_correct(self.last_scores, targets)

    # --- one epoch --------------------------------------------------------------------------
    def begin_epoch(self, epoch: int) -> None:
        """Set the learning rate for ``epoch`` from the schedule."""
        self.epoch, self.batch = epoch, 0
        if self.schedule is not None:
            self.optimizer.lr = float(self.schedule.rate(epoch, self.samples_seen))

    def end_epoch(self, epoch: int, logs: dict) -> None:
        if self.schedule is not None:
            self.schedule.observe(epoch, logs)

    def gather(self, X: Any, index: Any) -> Any:
        """The rows ``index`` of X as one contiguous batch, in a buffer reused across steps (a sparse
        X is densified batch by batch)."""
        if hasattr(X, "toarray"):  # scipy.sparse
            return X[index].toarray()
        size = (len(index), *X.shape[1:])
        buffer = self._batch_buffer
        if buffer is None or buffer.shape[0] < size[0] or buffer.shape[1:] != size[1:] or buffer.dtype != X.dtype:
            buffer = self._batch_buffer = backend.array_module(X).empty(size, dtype=X.dtype)
        return np.take(X, index, axis=0, out=buffer[: size[0]])

    def run_epoch(self, X: Any, targets: Any, order: Any, batch_size: int, sample_weight: Any = None,
                  on_batch: Callable[[int, StepResult], None] | None = None) -> tuple[float, int]:
        """One pass over (X, targets) in minibatches of ``order``; returns the mean of the batch
        losses (penalty included, weighted by batch size) and the correct count. ``on_batch(size,
        result)`` is called after each step (a progress bar, a front end's own bookkeeping)."""
        X, targets, sample_weight = self.check_data(X, targets, sample_weight)
        order, batch_size = check_order(order, X.shape[0]), positive_int("batch_size", batch_size)
        total, correct, n = 0.0, 0, len(order)
        compiled = self._compiled(X, targets, sample_weight)
        if compiled is not None:
            return self._run_compiled(*compiled, order, batch_size, on_batch)
        for start in range(0, n, batch_size):
            index = order[start:start + batch_size]
            weights = sample_weight[index] if sample_weight is not None else None
            result = self._step(self.gather(X, index), targets[index], weights)
            value = result.loss + result.penalty
            total += value * len(index)
            correct += result.correct
            if on_batch is not None:
                on_batch(len(index), result)
        return total / max(n, 1), correct

    def _run_compiled(self, kernel: StepKernel, data: tuple, order: np.ndarray, batch_size: int,
                      on_batch: Callable[[int, StepResult], None] | None) -> tuple[float, int]:
        """``run_epoch`` through the compiled step, a chunk of batches per call."""
        total, correct, n = 0.0, 0, len(order)
        if n == 0:
            return 0.0, 0
        batches = -(-n // batch_size)
        chunk = kernel.chunk(batch_size)
        for first in range(0, batches, chunk):
            run = kernel.run(self, data, order, batch_size, first, min(first + chunk, batches))
            raising = run.status != kernel.compiled.FINISHED and self.on_nonfinite == "raise"
            for i in range(run.done):
                size = min(batch_size, n - (first + i) * batch_size)
                result = StepResult(float(run.losses[i]), float(run.penalties[i]), int(run.correct[i]))
                if raising and i == run.done - 1:
                    self.last_scores = kernel.scores(size)
                    raise self._diverged(result.loss, result.penalty)
                total += (result.loss + result.penalty) * size
                correct += result.correct
                self.batch += 1
                self.samples_seen += size * int(run.updated[i])
                if on_batch is not None:
                    on_batch(size, result)
        self.last_scores = kernel.scores(n - (batches - 1) * batch_size)
        return total / max(n, 1), correct

    # --- the same computation for full-batch solvers -------------------------------------------
    def objective(self, theta: Any, X: Any, targets: Any, sample_weight: Any = None,
                  data_scale: float = 1.0) -> tuple[float, np.ndarray]:
        """(data_scale * loss + penalty, gradient) at the flat parameter vector ``theta``: what L-BFGS
        minimizes. ``data_scale`` rescales only the reported data loss, not the gradient
        (scikit-learn reports a multi-output squared error averaged over the outputs)."""
        self.net.set_parameter_vector(theta)
        value, penalty = self.compute_gradient(X, targets, sample_weight)
        return value * data_scale + penalty, backend.to_numpy(self.net.gradient_vector()).copy()
