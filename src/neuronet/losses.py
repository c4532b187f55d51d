"""Loss functions: ``loss(scores, targets) -> float`` (mean over the batch), then
``loss.backward() -> dLoss/dscores``.

Targets for the classification losses are integer labels of shape ``(batch,)``
in [0, K) or one-hot rows of shape ``(batch, K)``.

    >>> import numpy as np
    >>> from neuronet.losses import SoftmaxCrossEntropy
    >>> loss = SoftmaxCrossEntropy()
    >>> round(loss(np.zeros((2, 3)), np.array([0, 2])), 4)   # log 3
    1.0986
    >>> loss.backward().round(3)                             # (y - t) / N
    array([[-0.333,  0.167,  0.167],
           [ 0.167,  0.167, -0.333]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import activations as _activations
from .activations import KernelForm, declared_kernel
from .errors import ConfigurationError, DataError, WrongType
from .registry import Registry

__all__ = ["Loss", "SoftmaxCrossEntropy", "CrossEntropy", "BinaryCrossEntropy", "Hinge", "MSE", "Poisson",
           "get", "names", "register", "unregister", "from_config", "weight_total"]


def weight_total(sample_weight: Any, n: int) -> float:
    """The normaliser of a batch's (weighted) mean: its size ``n``, or the sum of its weights (in
    float64). A total of 0 means the batch holds no data (no rows, or every weight 0): the
    trainer skips such a batch on every path."""
    return float(n) if sample_weight is None else float(np.sum(sample_weight, dtype=np.float64))


class Loss:
    """Base class. ``__call__`` validates, ``forward`` trusts its inputs (the training loop
    validates once at the edge).

    A subclass writes the formula once, per sample: ``per_sample(scores, targets)`` gives the
    loss of each row ``(batch,)`` and ``sample_gradient()`` its gradient with respect to that
    row's scores ``(batch, K)``. ``forward`` averages them, weighted by ``sample_weight`` when
    given (E = sum_n w_n l_n / sum_n w_n), and ``backward`` scales the gradient to match
    (dE/ds_n = w_n / sum(w) * dl_n/ds_n), so sample weights need nothing from the subclass.

    What front ends need to know about a loss is on it: ``name`` (the registry key),
    ``display_name``, ``is_classification``, ``output(scores)`` (the output layer's link:
    softmax, sigmoid, identity, exp), and ``to_onnx`` (its outputs as ONNX nodes).
    """

    name = "loss"
    display_name = "loss"
    is_classification = True
    trains_classifiers = True   # K raw scores + class labels 0..K-1: a K-class classifier (the playground's)
    output_layer: str | None = None  # an activation the network must end with (cross-entropy: "softmax")
    gives_probabilities = False  # probabilities(scores) exists (the log-losses); else it raises
    takes_signed_targets = False  # real targets of either sign (a regression loss such as squared error)
    compiled_as: str | None = None  # its formula's name in the kernel module, if it has one there

    @property
    def kernel(self) -> KernelForm | None:
        """Its compiled form (``compiled_as`` and ``kernel_parameters()``), or None: a network trained
        with it takes the NumPy path, and ``net.kernel_plan(...)`` says so."""
        return declared_kernel(self, ("per_sample", "sample_gradient", "forward", "backward", "check_targets"))

    def kernel_parameters(self) -> dict:
        """The settings its kernel takes (none by default)."""
        return {}

    def __call__(self, scores: Any, targets: Any, sample_weight: Any = None) -> float:
        scores = np.asarray(scores)
        if scores.dtype.kind != "f":
            scores = scores.astype(np.float64)
        return self.forward(scores, self.check_targets(scores, targets), sample_weight)

    def forward(self, scores: np.ndarray, targets: np.ndarray, sample_weight: Any = None) -> float:
        """The mean loss over the batch (weighted by ``sample_weight``, shape ``(batch,)``)."""
        per_sample = self.per_sample(scores, targets)
        n = per_sample.shape[0]
        if sample_weight is None:
            self._weights, self._total = None, n
            return float(per_sample.sum() / n)
        weights = np.asarray(sample_weight, dtype=per_sample.dtype)
        total = weight_total(sample_weight, n)
        self._weights, self._total = weights, total
        return float(np.dot(weights, per_sample) / total)

    def backward(self) -> np.ndarray:
        """dLoss/dscores for the last ``forward``, same shape as its scores; a new array that the
        caller owns."""
        grad = self.sample_gradient()
        if self._weights is not None:
            grad *= self._weights.astype(grad.dtype, copy=False).reshape((-1,) + (1,) * (grad.ndim - 1))
        grad /= grad.dtype.type(self._total)
        return grad

    def per_sample(self, scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """The loss of each sample, ``(batch,)``; keeps what ``sample_gradient`` needs."""
        raise NotImplementedError

    def sample_gradient(self) -> np.ndarray:
        """d l_n / d scores_n for the last ``per_sample``, a new array shaped like the scores."""
        raise NotImplementedError

    # --- what the network needs to know about its outputs -----------------------------
    def n_classes(self, out_features: int) -> int:
        """How many classes an output layer of this width distinguishes."""
        return out_features

    def outputs_for(self, n_classes: int) -> int:
        """How many outputs a network needs to tell ``n_classes`` classes apart with this loss."""
        return n_classes

    def output(self, scores: np.ndarray) -> np.ndarray:
        """The network's prediction from its scores: the output layer's link (identity here)."""
        return scores

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        raise WrongType(f"{type(self).__name__} gives no probabilities: use predict() for labels")

    def predict(self, scores: np.ndarray) -> np.ndarray:
        """Class indices (classification) or the scores themselves (regression)."""
        return scores.argmax(axis=1)

    def count_correct(self, scores: np.ndarray, targets: np.ndarray) -> int:
        """How many rows of ``scores`` predict their target's class (targets as ``check_targets``
        gives them): ``predict`` against the label, or against the argmax of a one-hot row."""
        labels = targets if targets.ndim == 1 else targets.argmax(axis=1)
        return int(np.count_nonzero(self.predict(scores) == labels))

    def check_targets(self, scores: np.ndarray, targets: Any) -> np.ndarray:
        """Validate ``targets`` against ``scores`` of shape (batch, K); integer labels or one-hot."""
        return _class_targets(type(self).__name__, scores, targets)

    def to_onnx(self, graph: Any, scores: str, width: int) -> None:
        """Add this loss's outputs to an ONNX graph (``neuronet.onnx`` passes the builder): a
        classifier's ``probabilities`` and ``label``, by default the softmax of the scores."""
        probabilities = graph.node("Softmax", [scores], "probabilities", axis=1)
        graph.node("ArgMax", [probabilities], "label", axis=1, keepdims=0)
        graph.output("probabilities", "float", ["batch", self.n_classes(width)])
        graph.output("label", "int64", ["batch"])

    def config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _class_targets(owner: str, scores: np.ndarray, targets: Any) -> np.ndarray:
    if scores.ndim != 2:
        raise DataError(f"{owner}: scores must have shape (batch, K), got {scores.shape}")
    n, k = scores.shape
    targets = np.asarray(targets)
    if targets.ndim == 1 or (targets.ndim == 2 and targets.shape[1] == 1 and k > 1):
        targets = targets.reshape(-1)
        if targets.shape[0] != n:
            raise DataError(f"{owner}: targets has {targets.shape[0]} rows but scores has {n}")
        if targets.dtype.kind == "f":
            if not np.all(np.isfinite(targets)) or np.any(targets != np.round(targets)):
                raise DataError(f"{owner}: integer class labels expected in targets, got non-integer values")
        elif targets.dtype.kind not in "iub":
            raise WrongType(f"{owner}: targets must be integer labels or one-hot rows, got dtype {targets.dtype}")
        labels = targets.astype(np.intp)
        if labels.size and (labels.min() < 0 or labels.max() >= k):
            raise DataError(
                f"{owner}: label out of range: targets must be in [0, {k}) for {k} outputs, "
                f"got values from {labels.min()} to {labels.max()}"
            )
        return labels
    if targets.shape != scores.shape:
        raise DataError(
            f"{owner}: targets must be labels of shape ({n},) or one-hot of shape ({n}, {k}), "
            f"got shape {targets.shape}"
        )
    targets = targets.astype(scores.dtype, copy=False)
    if not np.all(np.isfinite(targets)):
        raise DataError(f"{owner}: targets contain NaN or inf")
    return targets


def _one_hot_like(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    one_hot = np.zeros_like(scores)
    one_hot[np.arange(labels.shape[0]), labels] = 1
    return one_hot


class _ClippedLogLoss:
    """``clip=True``: the reported value is scikit-learn's log-loss, probabilities clipped to
    [eps, 1 - eps]; the gradient is y - t either way. Shared by the two log-losses."""

    def __init__(self, clip: bool = False):
        if not isinstance(clip, (bool, np.bool_)):
            raise ConfigurationError(f"clip: expected True or False, got {clip!r}")
        self.clip = bool(clip)

    def kernel_parameters(self):
        return {"clip": self.clip}

    def config(self):
        return {"name": self.name, **({"clip": True} if self.clip else {})}

    def __repr__(self):
        return f"{type(self).__name__}({'clip=True' if self.clip else ''})"


class SoftmaxCrossEntropy(_ClippedLogLoss, Loss):
    """Softmax followed by cross-entropy, fused, on logits a of shape (batch, K):

        y = softmax(a)                               (the notes' eq. 7)
        E = -1/N sum_n sum_k t_nk log y_nk           (eq. 8)
        dE/da = (y - t) / N                          (eq. 20-23)

    log y is computed as a - max(a) - log(sum exp(a - max(a))), which never
    overflows and never takes the log of 0.

    ``clip=True`` reports scikit-learn's log-loss instead: log y of the probabilities clipped
    to [eps, 1 - eps] (eps the dtype's machine epsilon), so a confident wrong answer costs at
    most -log eps; the gradient stays y - t, as scikit-learn's.
    """

    name = "softmax_cross_entropy"
    gives_probabilities = True
    display_name = "softmax cross-entropy"
    compiled_as = "softmax_cross_entropy"

    def per_sample(self, scores, targets):
        shifted = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sums = exp.sum(axis=1, keepdims=True)
        log_probabilities = shifted
        log_probabilities -= np.log(sums)
        exp /= sums
        if self.clip:
            log_probabilities = np.log(_clipped(exp))
        self._probabilities, self._targets = exp, targets
        if targets.ndim == 1:
            return -log_probabilities[np.arange(scores.shape[0]), targets]
        return -(targets * log_probabilities).sum(axis=1)

    def sample_gradient(self):
        grad = self._probabilities.copy()  # y - t
        if self._targets.ndim == 1:
            grad[np.arange(grad.shape[0]), self._targets] -= 1
        else:
            grad -= self._targets
        return grad

    def output(self, scores):
        return _activations.softmax(scores)

    def probabilities(self, scores):
        return _activations.softmax(scores)


def _clipped(probabilities: np.ndarray) -> np.ndarray:
    """p clipped to [eps, 1 - eps], eps the dtype's machine epsilon: what scikit-learn's
    ``log_loss`` and ``binary_log_loss`` take the log of."""
    eps = np.finfo(probabilities.dtype).eps
    return np.clip(probabilities, eps, probabilities.dtype.type(1) - eps)


class CrossEntropy(Loss):
    """Cross-entropy of probabilities y (the output of a ``Softmax`` layer), shape (batch, K):

        E = -1/N sum_n sum_k t_nk log y_nk           (the notes' eq. 8)
        dE/dy = -t / (N y)

    y is clipped at the dtype's machine epsilon so that log 0 never happens.
    """

    name = "cross_entropy"
    gives_probabilities = True
    display_name = "cross-entropy (after a Softmax layer)"
    trains_classifiers = False
    output_layer = "softmax"

    def per_sample(self, scores, targets):
        if targets.ndim == 1:
            targets = _one_hot_like(scores, targets)
        clipped = np.clip(scores, np.finfo(scores.dtype).eps, 1.0)
        self._clipped, self._targets = clipped, targets
        return -(targets * np.log(clipped)).sum(axis=1)

    def sample_gradient(self):
        return -self._targets / self._clipped

    def probabilities(self, scores):
        return scores

    def to_onnx(self, graph, scores, width):  # the network already ends in Softmax
        graph.node("Identity", [scores], "probabilities")
        graph.node("ArgMax", ["probabilities"], "label", axis=1, keepdims=0)
        graph.output("probabilities", "float", ["batch", width])
        graph.output("label", "int64", ["batch"])


class BinaryCrossEntropy(_ClippedLogLoss, Loss):
    """Binary cross-entropy from one logit per sample: the single neuron as a "binary
    softmax" (logistic regression) classifier of chapter 11.

        p = sigmoid(z) = P(y = 1 | x)
        E = -1/N sum_n [t_n log p_n + (1 - t_n) log(1 - p_n)]
          = 1/N sum_n [softplus(z_n) - t_n z_n]
        dE/dz = (p - t) / N

    Scores have shape (batch,) or (batch, 1); targets 0/1 labels of the same length.
    With K > 1 score columns it is multi-label: K independent yes/no outputs, targets a
    (batch, K) 0/1 matrix, and E sums over the K outputs; a row counts as correct (accuracy)
    when all K of its labels are (exact match, as scikit-learn's ``accuracy_score``).

    ``clip=True`` reports scikit-learn's ``binary_log_loss`` instead: -[t log p + (1 - t)
    log(1 - p)] with p clipped to [eps, 1 - eps]; the gradient stays p - t.
    """

    name = "binary_cross_entropy"
    gives_probabilities = True
    display_name = "binary cross-entropy (sigmoid outputs)"
    trains_classifiers = False  # K outputs are K independent yes/no labels (multi-label)
    compiled_as = "binary_cross_entropy"

    def n_classes(self, out_features):
        return 2 if out_features == 1 else out_features

    def outputs_for(self, n_classes):
        if n_classes != 2:
            raise DataError(f"binary_cross_entropy: one sigmoid output tells 2 classes apart, the data has "
                             f"{n_classes}; use softmax_cross_entropy")
        return 1

    def check_targets(self, scores, targets):
        if scores.ndim == 2 and scores.shape[1] > 1:
            return _indicator_targets("BinaryCrossEntropy", scores, targets)
        return _binary_targets("BinaryCrossEntropy", scores, targets)

    def per_sample(self, scores, targets):
        z = scores.reshape(targets.shape)
        self._scores_shape, self._z, self._targets = scores.shape, z, targets
        if self.clip:
            p = _clipped(_activations.sigmoid(z))
            one = p.dtype.type(1)
            losses = -(targets * np.log(p) + (one - targets) * np.log(one - p))
        else:
            softplus = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
            losses = softplus - targets * z
        return losses.sum(axis=1) if losses.ndim == 2 else losses

    def sample_gradient(self):
        grad = _activations.sigmoid(self._z)
        grad -= self._targets
        return grad.reshape(self._scores_shape)

    def output(self, scores):
        return _activations.sigmoid(scores)

    def probabilities(self, scores):
        if scores.ndim == 2 and scores.shape[1] > 1:
            return _activations.sigmoid(scores)  # multi-label: P(label k) per column
        p1 = _activations.sigmoid(scores.reshape(-1))
        return np.stack([1 - p1, p1], axis=1)

    def predict(self, scores):
        if scores.ndim == 2 and scores.shape[1] > 1:
            return (scores > 0).astype(np.intp)
        return (scores.reshape(-1) > 0).astype(np.intp)

    def count_correct(self, scores, targets):
        if targets.ndim == 2 and targets.shape[1] > 1:  # multi-label: every label of the row right
            return int(np.count_nonzero((self.predict(scores) == targets).all(axis=1)))
        return int(np.count_nonzero(self.predict(scores) == targets.reshape(-1)))

    def to_onnx(self, graph, scores, width):
        if width > 1:  # multi-label
            graph.node("Sigmoid", [scores], "probabilities")
            positive = graph.node("Greater", [scores, graph.constant("zero", np.zeros(1))], "positive")
            graph.node("Cast", [positive], "label", to="int64")
            graph.output("probabilities", "float", ["batch", width])
            graph.output("label", "int64", ["batch", width])
            return
        p1 = graph.node("Sigmoid", [scores], "p1")
        p0 = graph.node("Sub", [graph.constant("one", np.ones(1)), p1], "p0")
        graph.node("Concat", [p0, p1], "probabilities", axis=1)
        graph.node("ArgMax", ["probabilities"], "label", axis=1, keepdims=0)
        graph.output("probabilities", "float", ["batch", 2])
        graph.output("label", "int64", ["batch"])


def _binary_targets(owner: str, scores: np.ndarray, targets: Any) -> np.ndarray:
    if not (scores.ndim == 1 or (scores.ndim == 2 and scores.shape[1] == 1)):
        raise DataError(f"{owner}: scores must have shape (batch,) or (batch, 1), got {scores.shape}")
    targets = np.asarray(targets).reshape(-1) if np.ndim(targets) == 2 and np.shape(targets)[1] == 1 else np.asarray(targets)
    if targets.shape != (scores.shape[0],):
        raise DataError(f"{owner}: targets must have shape ({scores.shape[0]},), got {targets.shape}")
    if targets.dtype.kind not in "iubf" or not np.all((targets == 0) | (targets == 1)):
        raise DataError(f"{owner}: targets must be 0/1 labels")
    return targets.astype(scores.dtype)


def _indicator_targets(owner: str, scores: np.ndarray, targets: Any) -> np.ndarray:
    targets = np.asarray(targets)
    if targets.shape != scores.shape:
        raise DataError(f"{owner}: multi-label targets must be a 0/1 matrix of shape {scores.shape}, "
                         f"got {targets.shape}")
    if targets.dtype.kind not in "iubf" or not np.all((targets == 0) | (targets == 1)):
        raise DataError(f"{owner}: targets must be 0/1 labels")
    return targets.astype(scores.dtype)


class Hinge(Loss):
    """Multi-class SVM (Weston-Watkins) hinge loss with margin 1, on scores s of shape (batch, K):

        E = 1/N sum_n sum_{j != y_n} max(0, s_nj - s_ny_n + 1)

    With K = 2 this is the binary SVM of chapter 11 on the score difference. With a
    single score column (one neuron, chapter 11's binary SVM), labels 0/1 become
    -1/+1 and E = 1/N sum_n max(0, 1 - y_n s_n).
    """

    name = "hinge"
    display_name = "hinge (SVM)"
    compiled_as = "hinge"

    def __init__(self, margin: float = 1.0):
        self.margin = float(margin)

    def n_classes(self, out_features):
        return 2 if out_features == 1 else out_features

    def check_targets(self, scores, targets):
        if scores.ndim == 1 or (scores.ndim == 2 and scores.shape[1] == 1):
            return _binary_targets("Hinge", scores, targets)
        labels = _class_targets("Hinge", scores, targets)
        return labels if labels.ndim == 1 else labels.argmax(axis=1)

    def per_sample(self, scores, targets):
        n = scores.shape[0]
        self._scores_shape, self._dtype = scores.shape, scores.dtype
        if scores.ndim == 1 or scores.shape[1] == 1:  # binary, one neuron
            signs = 2 * targets - 1
            margins = self.margin - signs * scores.reshape(-1)
            self._binary, self._signs, self._active = True, signs, margins > 0
            return np.maximum(margins, 0)
        rows = np.arange(n)
        margins = scores - scores[rows, targets][:, None] + self.margin
        margins[rows, targets] = 0
        np.maximum(margins, 0, out=margins)
        self._binary, self._targets, self._active = False, targets, margins > 0
        return margins.sum(axis=1)

    def sample_gradient(self):
        if self._binary:
            grad = -(self._signs * self._active)
            return grad.reshape(self._scores_shape).astype(self._dtype)
        grad = self._active.astype(self._dtype)
        grad[np.arange(grad.shape[0]), self._targets] = -grad.sum(axis=1)
        return grad

    def predict(self, scores):
        if scores.ndim == 1 or scores.shape[1] == 1:
            return (scores.reshape(-1) > 0).astype(np.intp)
        return scores.argmax(axis=1)

    def to_onnx(self, graph, scores, width):
        if width == 1:  # one SVM score: the label is its sign
            positive = graph.node("Greater", [scores, graph.constant("zero", np.zeros(1))], "positive")
            flat = graph.node("Flatten", [positive], "positive_column", axis=1)
            label = graph.node("Cast", [flat], "label_column", to="int64")
            graph.node("Squeeze", [label, graph.constant("axis1", np.ones(1), "int64")], "label")
            graph.node("Identity", [scores], "scores")
            graph.output("scores", "float", ["batch", 1])
            graph.output("label", "int64", ["batch"])
            return
        super().to_onnx(graph, scores, width)  # softmax of the scores, argmax for the label

    def config(self):
        return {"name": self.name, "margin": self.margin}

    def kernel_parameters(self):
        return {"margin": self.margin}


class MSE(Loss):
    """Mean squared error, for regression: E = 1/N sum_n 1/2 ||s_n - t_n||^2, dE/ds = (s - t) / N.

    Integer labels with K > 1 score columns are turned into one-hot rows, so MSE
    can train a classifier too (as TensorFlow Playground does).
    """

    name = "mse"
    takes_signed_targets = True
    display_name = "squared error"
    is_classification = False
    compiled_as = "squared_error"

    def check_targets(self, scores, targets):
        if scores.ndim != 2:
            raise DataError(f"MSE: scores must have shape (batch, outputs), got {scores.shape}")
        targets = np.asarray(targets)
        n, k = scores.shape
        if targets.ndim == 1 and k > 1 and targets.dtype.kind in "iu":
            return _one_hot_like(scores, _class_targets("MSE", scores, targets))
        if targets.ndim == 1:
            targets = targets.reshape(-1, 1)
        if targets.shape != scores.shape:
            raise DataError(f"MSE: targets must have shape ({n}, {k}), got {targets.shape}")
        if targets.dtype.kind not in "iubf":
            raise WrongType(f"MSE: targets must be numbers, got dtype {targets.dtype}")
        targets = targets.astype(scores.dtype, copy=False)
        if not np.all(np.isfinite(targets)):
            raise DataError("MSE: targets contain NaN or inf")
        return targets

    def per_sample(self, scores, targets):
        self._difference = scores - targets
        return 0.5 * np.square(self._difference).sum(axis=1)

    def sample_gradient(self):
        return self._difference.copy()

    def predict(self, scores):
        return scores

    def count_correct(self, scores, targets):
        return _argmax_agreement(scores, targets)

    def to_onnx(self, graph, scores, width):
        graph.node("Identity", [scores], "predictions")
        graph.output("predictions", "float", ["batch", width])


class Poisson(Loss):
    """Half Poisson deviance with a log link, for counts and rates: the network's score s is
    log(mu), so mu = exp(s) is always positive.

        E = 1/N sum_n sum_k [t_nk log(t_nk / mu_nk) - t_nk + mu_nk]     (0 for a perfect fit)
        dE/ds = (exp(s) - t) / N

    Targets must be >= 0, shape (batch,) or (batch, outputs).
    """

    name = "poisson"
    display_name = "Poisson deviance"
    is_classification = False
    trains_classifiers = False
    compiled_as = "poisson"

    def check_targets(self, scores, targets):
        targets = MSE().check_targets(scores, targets)
        if np.any(targets < 0):
            raise DataError("Poisson: targets must be >= 0 (counts or rates)")
        return targets

    def per_sample(self, scores, targets):
        self._rate = np.exp(scores)
        self._targets = targets
        # t log t, with 0 log 0 = 0: the constant that makes a perfect fit cost 0
        t_log_t = targets * np.log(np.where(targets > 0, targets, 1))
        return (t_log_t - targets * scores - targets + self._rate).sum(axis=1)

    def sample_gradient(self):
        return self._rate - self._targets

    def count_correct(self, scores, targets):
        return _argmax_agreement(scores, targets)

    def output(self, scores):
        return np.exp(scores)

    def predict(self, scores):
        return np.exp(scores)

    def to_onnx(self, graph, scores, width):
        graph.node("Exp", [scores], "predictions")
        graph.output("predictions", "float", ["batch", width])


def _argmax_agreement(scores: np.ndarray, targets: np.ndarray) -> int:
    """Rows whose largest score is where their target row is largest (a regression loss trained on
    one-hot rows as a classifier, as TensorFlow Playground does)."""
    return int(np.count_nonzero(scores.argmax(axis=1) == targets.reshape(scores.shape[0], -1).argmax(axis=1)))


REGISTRY: Registry[Loss] = Registry("loss", Loss)
register, unregister = REGISTRY.register, REGISTRY.unregister

for _class in (SoftmaxCrossEntropy, CrossEntropy, BinaryCrossEntropy, Hinge, MSE, Poisson):
    register(_class)


def names() -> list[str]:
    return REGISTRY.names()


def get(name: str | Loss, **settings: Any) -> Loss:
    """A loss by name (``"softmax_cross_entropy"``, ``"hinge"``, ...) or an instance passed through;
    ``settings`` go to its class (``get("binary_cross_entropy", clip=True)``)."""
    if isinstance(name, Loss):
        return name
    cls = REGISTRY.lookup(name)
    try:
        return cls(**settings)
    except TypeError:
        raise ConfigurationError(f"loss {cls.name}: unknown settings {sorted(settings)}") from None


def from_config(config: dict) -> Loss:
    """Rebuild from ``config()``: a known name and finite settings only."""
    if not isinstance(config, dict) or not isinstance(config.get("name"), str):
        raise DataError("loss: expected an object with a 'name'")
    loss = get(config["name"])
    if isinstance(loss, Hinge) and "margin" in config:
        margin = config["margin"]
        if not isinstance(margin, (int, float)) or isinstance(margin, bool) or not np.isfinite(margin) or margin <= 0:
            raise DataError(f"loss hinge: margin must be a positive number, got {margin!r}")
        loss.margin = float(margin)
    if "clip" in config:
        if not isinstance(config["clip"], bool) or not hasattr(loss, "clip"):
            raise DataError(f"loss {loss.name}: clip must be true or false, got {config['clip']!r}")
        loss.clip = config["clip"]
    return loss
