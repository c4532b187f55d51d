"""Whole minibatch steps in one compiled call (``compiled.train_batches``), for the networks
whose every part has a kernel: Dense layers, each followed by at most one of neuronet's
elementwise activations, trained with one of neuronet's losses (softmax cross-entropy, squared
error, binary cross-entropy, hinge, Poisson) and optimizers, by backpropagation, on a NumPy
array in the network's dtype. Anything else (dropout, a softmax layer, a registered activation
or loss of one's own, numerical gradients, sparse or GPU data) takes the readable layer-by-layer
path, which is also the reference every kernel is tested against.

``StepKernel.for_trainer(trainer)`` says whether a trainer's network, loss and optimizer can be
compiled (once per trainer), ``arguments(trainer, X, targets, sample_weight)`` whether this data
can, and ``run`` does batches ``first`` to ``stop`` of an epoch's order in one call; the trainer
calls it in chunks of about ``CHUNK_WORK`` multiply-adds so that progress bars and Ctrl-C still
answer.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any, NamedTuple

import numpy as np

from ..errors import DataError
from . import codes
from . import optimizers as _optimizers
from .codes import ACTIVATIONS

__all__ = ["StepKernel", "Run", "CHUNK_WORK"]

CHUNK_WORK = 2e9  # multiply-adds per compiled call: about a tenth to a half of a second
ONE_THREAD_BELOW = 4e6  # multiply-adds in a step's largest product: smaller ones run on one BLAS thread
ON_NONFINITE = {"raise": 0, "skip": 1, "ignore": 2}


class Run(NamedTuple):
    losses: np.ndarray     # per batch: the data loss
    penalties: np.ndarray  # the L2 penalty
    correct: np.ndarray    # correctly classified samples
    updated: np.ndarray    # 1 where the batch's update was applied (0: skipped or not asked for)
    done: int              # batches computed (fewer than asked when a step diverged)
    status: int            # 0, or 1 / 2: the last one's loss / gradient was not finite


def _layers(net: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """The network as rows (weight offset, bias offset, in, out, activation code) and leaky
    slopes, or None where a layer has no kernel."""
    from ..layers import ActivationLayer, Dense

    offsets = {name: part.start for name, part, _ in net.parameter_layout()}
    rows, alphas = [], []
    for position, layer in enumerate(net.layers):
        if type(layer) is Dense:
            rows.append([offsets[f"{position}.W"], offsets[f"{position}.b"], layer.in_features, layer.out_features, 0])
            alphas.append(0.0)
            continue
        function = getattr(layer, "function", None)
        follows_dense = position > 0 and type(net.layers[position - 1]) is Dense
        if (not follows_dense or not isinstance(layer, ActivationLayer) or type(layer).__module__ != "neuronet.layers"
                or type(function).__module__ != "neuronet.activations" or function.name not in ACTIVATIONS):
            return None
        rows[-1][4] = ACTIVATIONS.index(function.name)
        alphas[-1] = float(getattr(function, "alpha", 0.0))
    if not rows:
        return None
    return np.array(rows, dtype=np.int64), np.array(alphas)


def _targets(loss: Any, targets: Any, dtype: np.dtype, width: int) -> tuple[int, np.ndarray, np.ndarray] | None:
    """(loss code, labels, target rows) as the kernel takes them, or None."""
    from .. import losses

    empty_labels, empty_rows = np.zeros(0, np.intp), np.zeros((0, width), dtype)
    kind = type(loss)
    if type(targets) is not np.ndarray or targets.dtype == object:
        return None
    if kind is losses.SoftmaxCrossEntropy:
        if targets.ndim == 1:
            return codes.SOFTMAX_CROSS_ENTROPY, targets.astype(np.intp, copy=False), empty_rows
        return codes.SOFTMAX_CROSS_ENTROPY, empty_labels, targets.astype(dtype, copy=False)
    if kind is losses.Hinge:
        if width == 1:
            return codes.BINARY_HINGE, empty_labels, targets.astype(dtype, copy=False).reshape(-1, 1)
        return codes.HINGE, targets.astype(np.intp, copy=False), empty_rows
    by_class = {losses.MSE: codes.SQUARED_ERROR, losses.BinaryCrossEntropy: codes.BINARY_CROSS_ENTROPY,
             losses.Poisson: codes.POISSON}
    if kind not in by_class:
        return None
    rows = targets.astype(dtype, copy=False).reshape(targets.shape[0], -1)
    return (by_class[kind], empty_labels, rows) if rows.shape[1] == width else None


class StepKernel:
    """The compiled step of one trainer's network, loss and optimizer (planned once)."""

    def __init__(self, net: Any, layers: np.ndarray, alphas: np.ndarray, gemm: Any):
        self.net, self.layers, self.alphas, self.gemm = net, layers, alphas, gemm
        self.width = int(layers[-1, 3])
        self.n_parameters = int(net.n_parameters)
        self.dtype = np.dtype(net.dtype)
        # the workspace, per sample of the batch: the batch's rows, each layer's output, two gradient
        # blocks as wide as the widest layer; columns[i] is where block i starts, columns[-1] the end
        widest = int(layers[:, 2:4].max())
        widths = [int(layers[0, 2]), *(int(w) for w in layers[:, 3]), widest, widest]
        self.columns = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        self._largest = int((layers[:, 2] * layers[:, 3]).max())  # the largest product, per sample
        self._work: np.ndarray | None = None
        self._batch_size = 0

    @classmethod
    def for_trainer(cls, trainer: Any) -> "StepKernel | None":
        net = trainer.net
        if (net.__dict__.get("kernels") != "numba" or trainer.gradient_method != "backprop"
                or type(net.parameter_vector()) is not np.ndarray or net.dtype not in (np.float32, np.float64)
                or not _optimizers.has_kernel(trainer.optimizer)):
            return None
        from . import blas, loading

        if loading.compiled() is None:
            return None
        gemm = blas.gemm(np.dtype(net.dtype).name)
        if gemm is None and find_spec("scipy") is None:
            return None  # no BLAS the compiled code can call (Numba's np.dot needs SciPy)
        described = _layers(net)
        return None if described is None else cls(net, *described, gemm)

    def arguments(self, trainer: Any, X: Any, targets: Any, sample_weight: Any) -> tuple | None:
        """What ``run`` needs of this data, or None when the data has no kernel (sparse, another
        dtype, targets of another form)."""
        dtype = self.dtype
        if type(X) is not np.ndarray or X.dtype != dtype or X.ndim != 2 or X.shape[1] != self.layers[0, 2]:
            return None
        described = _targets(trainer.loss, targets, dtype, self.width)
        if described is None:
            return None
        code, labels, rows = described
        # the kernel indexes with these: what it is promised (checked where the trainer checks its
        # data) is checked again here, where they are made
        n = X.shape[0]
        if labels.shape[0] not in (0, n) or rows.shape[0] not in (0, n) or (n and (labels.shape[0] == 0) == (rows.shape[0] == 0)):
            raise DataError(f"targets: expected one target per row of X ({n}), got {targets.shape}")
        if labels.size and (labels.min() < 0 or labels.max() >= self.width):
            raise DataError(f"targets: class labels must be in [0, {self.width}), got {labels.min()} to {labels.max()}")
        if sample_weight is not None and np.shape(sample_weight) != (n,):
            raise DataError(f"sample_weight: expected shape ({n},), got {np.shape(sample_weight)}")
        by_sign = code in (codes.BINARY_CROSS_ENTROPY, codes.BINARY_HINGE) and self.width == 1
        if trainer.count_correct and code not in (codes.SOFTMAX_CROSS_ENTROPY, codes.HINGE) and not by_sign:
            return None  # accuracy is counted by argmax or by the sign of one score
        weights = np.zeros(0, dtype) if sample_weight is None else np.asarray(sample_weight, dtype=dtype)
        margin = float(getattr(trainer.loss, "margin", 1.0))
        return X, code, labels, rows, weights, margin

    def _workspace(self, batch_size: int) -> np.ndarray:
        size = batch_size * int(self.columns[-1])
        if self._work is None or self._work.size < size:
            self._work = np.empty(size, self.dtype)
        return self._work

    def scores(self, size: int) -> np.ndarray:
        """The last batch's network outputs, in the workspace (valid until the next call)."""
        at = self._batch_size * int(self.columns[len(self.layers)])  # the last layer's output
        return self._work[at:at + size * self.width].reshape(size, self.width)

    def chunk(self, batch_size: int) -> int:
        """Batches per compiled call."""
        return max(1, int(CHUNK_WORK // max(batch_size * self.n_parameters, 1)))

    def run(self, trainer: Any, data: tuple, order: np.ndarray, batch_size: int, first: int, stop: int,
            update: bool = True) -> Run:
        """Batches ``first`` .. ``stop - 1`` of ``order`` (intp) in one compiled call
        (``update=False``: the first one's gradient only, left in the network's gradient vector)."""
        from . import blas, compiled, loading  # loadable: for_trainer checked

        X, code, labels, rows, weights, margin = data
        if not (0 <= first <= stop and (stop - 1) * batch_size < max(order.shape[0], 1) and order.dtype == np.intp):
            raise DataError(f"order: batches {first} to {stop} of {batch_size} do not lie in an order of {order.shape[0]}")
        net, optimizer = trainer.net, trainer.optimizer
        params, grads = net.parameter_vector(), net.gradient_vector()
        s1, s2, constants, hyper = _optimizers.arguments(optimizer, params)
        count = stop - first
        out_loss, out_penalty = np.empty(count), np.empty(count)
        out_correct, out_updated = np.zeros(count, np.int64), np.zeros(count, np.int8)
        self._batch_size = batch_size
        work = self._workspace(batch_size)
        arguments = [self.gemm, X, order, batch_size, first, stop, labels, rows, weights, params, grads,
                     int(net.decayed_slice.stop), self.layers, self.alphas, self.columns, code, margin,
                     float(trainer.l2), trainer.l2_per_sample, _optimizers.NAMES.index(optimizer.name), s1, s2,
                     constants, hyper, int(optimizer.iterations), ON_NONFINITE[trainer.on_nonfinite],
                     bool(trainer.count_correct), bool(update), work, out_loss, out_penalty, out_correct, out_updated]
        # what decides the signature: the dtypes, X's layout, whether NumPy's gemm was found (the
        # rest is int64, intp or the buffer's dtype); a call with no batch compiles or loads it
        kind = (self.dtype.char, X.dtype.char, X.flags.c_contiguous, self.gemm is None)
        loading.prepare(compiled.train_batches, kind,
                        lambda: compiled.train_batches(*arguments[:5], first, *arguments[6:]))
        with blas.threads(1 if batch_size * self._largest < ONE_THREAD_BELOW else None):
            done, iterations, status = compiled.train_batches(*arguments)
        if iterations != optimizer.iterations:
            optimizer.iterations = iterations
            net.trained = True
        return Run(out_loss[:done], out_penalty[:done], out_correct[:done], out_updated[:done], done, status)
