"""Whole minibatch steps in one compiled call (``compiled.train_batches``): the compiled form of a
trainer's step, for a network a ``KernelPlan`` found compilable (``neuronet.kernels.plan``).

``StepKernel`` holds the network's layout (made once) and packs, per call, the named structures
the kernel takes. Every number in them is computed here by the reference's own code: the
normaliser of each batch's weighted mean (``losses.weight_total``), its L2 coefficient
(``Trainer.coefficient``), each update's learning rate (``Optimizer.step_sizes``: Adam's bias
correction), the optimizer's constants (``optimizer.kernel``) and what a non-finite step does.
The trainer calls ``run`` in chunks of about ``CHUNK_WORK`` multiply-adds so that progress bars
and Ctrl-C still answer.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..errors import DataError
from . import optimizers as _optimizers

__all__ = ["StepKernel", "Run", "CHUNK_WORK"]

CHUNK_WORK = 2e9  # multiply-adds per compiled call: about a tenth to a half of a second
ONE_THREAD_BELOW = 4e6  # multiply-adds in a step's largest product: smaller ones run on one BLAS thread


class Run(NamedTuple):
    losses: np.ndarray     # per batch: the data loss
    penalties: np.ndarray  # the L2 penalty
    correct: np.ndarray    # correctly classified samples
    updated: np.ndarray    # 1 where the batch's update was applied (0: skipped or not asked for)
    done: int              # batches computed (fewer than asked when a step diverged)
    status: int            # compiled.FINISHED, or LOSS_NOT_FINITE / GRADIENT_NOT_FINITE at the last one done


class StepKernel:
    """The compiled step of one network, loss and optimizer: ``layers`` rows (weight offset, bias
    offset, in, out) of its Dense layers, each one's activation code and slope, the loss's
    ``LossForm`` and the optimizer's code (all decided by ``plan.KernelPlan``)."""

    def __init__(self, compiled: Any, net: Any, layers: np.ndarray, activations: np.ndarray, alphas: np.ndarray,
                 loss: Any, optimizer_code: int, gemm: Any, blas: Any):
        self.compiled, self.net, self.gemm, self.blas = compiled, net, gemm, blas
        self.layers, self.activations, self.alphas = layers, activations, alphas
        self.loss, self.optimizer_code = loss, optimizer_code
        self.width = int(layers[-1, 3])
        self.in_features = int(layers[0, 2])
        self.n_parameters = int(net.n_parameters)
        self.dtype = np.dtype(net.dtype)
        # the workspace, per sample of the batch: the batch's rows, each layer's output, two gradient
        # blocks as wide as the widest layer; columns[i] is where block i starts, columns[-1] the end
        widest = int(layers[:, 2:4].max())
        widths = [self.in_features, *(int(w) for w in layers[:, 3]), widest, widest]
        self.columns = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        self._largest = int((layers[:, 2] * layers[:, 3]).max())  # the largest product, per sample
        self._work = np.empty(0, self.dtype)
        self._batch_size = 0

    # --- the data, as the kernel takes it -----------------------------------------------------------
    def data(self, X: Any, targets: Any, sample_weight: Any) -> tuple[Any, str | None]:
        """(``compiled.Data``, None) for checked data (``Trainer.check_data``), or (None, the reason
        it has no kernel: sparse or GPU arrays, another dtype)."""
        if type(X) is not np.ndarray:
            return None, f"X is a {type(X).__module__.split('.')[0]} {type(X).__name__}, not a NumPy array"
        if X.dtype != self.dtype:
            return None, f"X is {X.dtype.name}, the network {self.dtype.name}"
        if type(targets) is not np.ndarray:
            return None, f"targets are a {type(targets).__name__}, not a NumPy array"
        n = X.shape[0]
        # the kernel indexes with these: what it is promised is checked here, where they are made
        if X.ndim != 2 or X.shape[1] != self.in_features:
            raise DataError(f"X: expected shape (n_samples, {self.in_features}), got {X.shape}")
        if targets.shape[0] != n:
            raise DataError(f"targets: expected one target per row of X ({n}), got shape {targets.shape}")
        empty_labels, empty_rows = np.zeros(0, np.intp), np.zeros((0, self.width), self.dtype)
        if targets.ndim == 1 and targets.dtype.kind in "iu":  # class indices (``check_targets``'s labels)
            labels = targets.astype(np.intp, copy=False)
            if labels.size and (labels.min() < 0 or labels.max() >= self.width):
                raise DataError(f"targets: class labels must be in [0, {self.width}), got {labels.min()} to "
                                f"{labels.max()}")
            labels_or_rows = (labels, empty_rows)
        else:  # rows: one-hot, 0/1, values or counts
            rows = np.ascontiguousarray(targets.reshape(n, -1), dtype=self.dtype)
            if rows.shape[1] != self.width:
                raise DataError(f"targets: expected {self.width} values per row, got shape {targets.shape}")
            labels_or_rows = (empty_labels, rows)
        if self.loss.code == self.compiled.HINGE and self.width > 1 and labels_or_rows[0].shape[0] != n:
            return None, "the hinge loss's kernel takes class labels"
        if sample_weight is None:
            weights = np.zeros(0, self.dtype)
        else:
            weights = np.asarray(sample_weight, dtype=self.dtype)
            if weights.shape != (n,):
                raise DataError(f"sample_weight: expected shape ({n},), got {weights.shape}")
        return self.compiled.Data(X, *labels_or_rows, weights), None

    def signature(self, data: Any) -> tuple:
        """What decides the compiled signature of a call with ``data``: the dtypes, X's layout, and
        whether NumPy's gemm was found (the rest is int64, intp or the buffer's dtype)."""
        return self.dtype.char, data.X.dtype.char, data.X.flags.c_contiguous, self.gemm is None

    # --- a run of batches --------------------------------------------------------------------------
    def _workspace(self, batch_size: int) -> np.ndarray:
        size = batch_size * int(self.columns[-1])
        if self._work.size < size:
            self._work = np.empty(size, self.dtype)
        return self._work

    def scores(self, size: int) -> np.ndarray:
        """The last batch's network outputs, in the workspace (valid until the next call)."""
        at = self._batch_size * int(self.columns[len(self.layers)])  # the last layer's output
        return self._work[at:at + size * self.width].reshape(size, self.width)

    def chunk(self, batch_size: int) -> int:
        """Batches per compiled call."""
        return max(1, int(CHUNK_WORK // max(batch_size * self.n_parameters, 1)))

    def batches(self, trainer: Any, data: Any, order: np.ndarray, batch_size: int, first: int, stop: int) -> Any:
        """``compiled.Batches``: each batch's normaliser (``losses.weight_total``) and L2 coefficient
        (``trainer.coefficient``), by the reference's own code."""
        from ..losses import weight_total

        n = order.shape[0]
        if not (0 <= first <= stop and (stop - 1) * batch_size < max(n, 1) and order.dtype == np.intp):
            raise DataError(f"order: batches {first} to {stop} of {batch_size} do not lie in an order of {n}")
        if data.weights.shape[0] == 0:
            totals = np.minimum(batch_size, n - np.arange(first, stop) * batch_size).astype(np.float64)
        else:  # the full batches' sums row by row (np.sum's own float64 summation, as in weight_total), then the last
            weights = data.weights[order[first * batch_size:stop * batch_size]]
            full = weights.shape[0] // batch_size
            totals = np.empty(stop - first)
            totals[:full] = weights[:full * batch_size].reshape(full, batch_size).sum(axis=1, dtype=np.float64)
            if full < stop - first:
                totals[full] = weight_total(weights[full * batch_size:], 0)
        coefficients = np.array([trainer.coefficient(total) for total in totals.tolist()], dtype=np.float64) \
            if trainer.l2_per_sample and trainer.l2 else np.full(stop - first, float(trainer.l2))
        return self.compiled.Batches(order, batch_size, first, stop, totals, coefficients)

    def update(self, trainer: Any, count: int, apply: bool) -> Any:
        """``compiled.Update``: the optimizer's code, constants, state, the rate of each of up to
        ``count`` updates (``optimizer.step_sizes``) and the divergence policy."""
        optimizer, params = trainer.optimizer, self.net.parameter_vector()
        s1, s2 = _optimizers.slots(optimizer, params)
        hyper = _optimizers.hyper(self.compiled, optimizer, self.dtype)
        return self.compiled.Update(self.optimizer_code, hyper, s1, s2,
                                    optimizer.step_sizes(count), self.compiled.POLICIES[trainer.on_nonfinite],
                                    bool(apply), int(optimizer.iterations))

    def network(self, batch_size: int) -> Any:
        self._batch_size = batch_size
        net = self.net
        return self.compiled.Network(net.parameter_vector(), net.gradient_vector(), int(net.decayed_slice.stop),
                                     self.layers, self.activations, self.alphas, self.columns,
                                     self._workspace(batch_size))

    def run(self, trainer: Any, data: Any, order: np.ndarray, batch_size: int, first: int, stop: int,
            update: bool = True) -> Run:
        """Batches ``first`` .. ``stop - 1`` of ``order`` (intp) in one compiled call
        (``update=False``: the first one's gradient only, left in the network's gradient vector)."""
        from . import blas as _blas

        compiled = self.compiled
        count = stop - first
        outputs = compiled.Outputs(np.empty(count), np.empty(count), np.zeros(count, np.int64),
                                   np.zeros(count, np.int8), bool(trainer.count_correct))
        batches = self.batches(trainer, data, order, batch_size, first, stop)
        arguments = (self.gemm, self.blas, self.network(batch_size), batches, data, self.loss,
                     self.update(trainer, count, update), outputs)
        with _blas.threads(1 if batch_size * self._largest < ONE_THREAD_BELOW else None):
            done, iterations, status = compiled.train_batches(*arguments)
        optimizer = trainer.optimizer
        if iterations != optimizer.iterations:
            optimizer.iterations = iterations
            self.net.trained = True
        return Run(outputs.losses[:done], outputs.penalties[:done], outputs.correct[:done], outputs.updated[:done],
                   done, status)

    def ready(self, trainer: Any, data: Any) -> bool:
        """Compile (or load) the kernel for calls with ``data``, once per signature; False where it
        cannot be (``loading.unusable()`` says why, and warned)."""
        from . import loading

        def first_call() -> None:  # no batch: compiles or loads, computes nothing
            compiled = self.compiled
            no_batches = compiled.Batches(np.zeros(0, np.intp), 1, 0, 0, np.zeros(0), np.zeros(0))
            no_outputs = compiled.Outputs(np.empty(0), np.empty(0), np.zeros(0, np.int64), np.zeros(0, np.int8), False)
            compiled.train_batches(self.gemm, self.blas, self.network(1), no_batches, data, self.loss,
                                   self.update(trainer, 0, False), no_outputs)

        try:
            loading.prepare(self.compiled.train_batches, self.signature(data), first_call)
        except loading.KernelsUnavailable:
            return False
        return True
