"""``MLPClassifier`` and ``MLPRegressor``: scikit-learn's estimators, on neuronet's engine."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d, validate_data

from .. import weights as _weights
from ..errors import ConfigurationError, DataError
from ._base import BaseMLP

__all__ = ["MLPClassifier", "MLPRegressor"]


def _labels(y: Any) -> Any:
    """Class labels as given, for scikit-learn's checks: a pandas column of bools or whole numbers
    (``"boolean"``, ``"bool[pyarrow]"``, ``"Int64"``, a category of bools) as a NumPy array of its
    own type (bools stay bools, not 0./1.); an object array of bools as bools. A missing label is
    a ``DataError`` naming its row; anything else goes on as it is."""
    if type(y).__module__.split(".")[0] == "pandas" and getattr(y, "ndim", 0) == 1:
        missing = np.flatnonzero(np.asarray(y.isna()))
        if missing.size:
            raise DataError(f"y: the label of row {missing[0]} is missing ({y.iloc[missing[0]]!r}; {missing.size} "
                            f"in all): a classifier needs one label per sample; drop the rows without one")
        if not isinstance(y.dtype, np.dtype):  # a pandas extension type: its own values, if bools or integers
            values = y.to_numpy()
            return values if values.dtype.kind in "biu" else y
        y = y.to_numpy()
    if isinstance(y, np.ndarray) and y.dtype == object and y.ndim == 1 and y.size:
        kinds = {type(value) for value in y}
        if kinds <= {bool, np.bool_}:
            return y.astype(bool)
        missing = [i for i, value in enumerate(y) if value is None or (isinstance(value, float) and value != value)]
        if missing:
            raise DataError(f"y: the label of row {missing[0]} is missing ({y[missing[0]]!r}; {len(missing)} in "
                            f"all): a classifier needs one label per sample; drop the rows without one")
        if len(kinds) > 1 and kinds & {bool, np.bool_}:
            shown = ", ".join(sorted(kind.__name__ for kind in kinds))
            raise DataError(f"y: labels of mixed types ({shown}); give every label the same type")
    return y


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multi-layer perceptron classifier trained on the log loss (scikit-learn's parameters and
    attributes; see the module docstring for what neuronet adds).

    Multiclass targets get a softmax output, binary and multi-label targets logistic outputs.

    ``class_weight`` (beyond scikit-learn's MLP): ``"balanced"`` or a mapping from class label to
    weight; each sample's loss is weighted by its class's weight (times its ``sample_weight``),
    see ``neuronet.weights``.
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dropout=0.0, dtype=None, kernels="auto", encoder=None, class_weight=None):
        super().__init__(hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
                         learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t,
                         max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
                         warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
                         early_stopping=early_stopping, validation_fraction=validation_fraction, beta_1=beta_1,
                         beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
                         dropout=dropout, dtype=dtype, kernels=kernels, encoder=encoder)
        self.class_weight = class_weight

    def _class_weights(self, y: np.ndarray, incremental: bool) -> np.ndarray | None:
        if self.class_weight is None:
            return None
        if self._label_binarizer.y_type_.startswith("multilabel"):
            raise ConfigurationError("MLPClassifier: class_weight needs one label per sample, not multi-label targets")
        if incremental and self.class_weight == "balanced":
            raise ConfigurationError("MLPClassifier: class_weight='balanced' is not supported by partial_fit (one "
                                     "batch does not show the class frequencies): pass a mapping, e.g. from "
                                     "sklearn.utils.class_weight.compute_class_weight on all of y")
        index = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0].astype(np.intp)
        return _weights.class_weights(self.class_weight, index, self.classes_)

    def _out_activation(self) -> str:
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool):
        X, y = validate_data(self, X, _labels(y), accept_sparse=["csr", "csc"], multi_output=True,
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
                    raise ConfigurationError(f"warm_start can only be used where `y` has the same classes as in the previous "
                                     f"call to fit. Previously got {self.classes_}, `y` has {classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ConfigurationError(f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. "
                                 f"'y' has {classes}.")
        return X, self._label_binarizer.transform(y).astype(bool)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None):
        """One pass over (X, y) with the stochastic solver; ``classes`` is required on the first call."""
        first_call = getattr(self, "classes_", None) is None
        if first_call and classes is None:
            raise ConfigurationError("classes must be passed on the first call to partial_fit.")
        if classes is not None and not first_call and not np.array_equal(np.unique(classes), self.classes_):
            raise ConfigurationError(f"`classes={classes!r}` is not the same as on last call to partial_fit, was: "
                             f"{self.classes_!r}")
        if first_call:
            self._label_binarizer = LabelBinarizer()
            if type_of_target(_labels(y)).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(_labels(classes))
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

    def _labels_of(self, y: np.ndarray) -> Any:
        """The user's labels of 0/1 target rows."""
        return self._label_binarizer.inverse_transform(y)

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


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor: ``loss="squared_error"`` (identity output) or
    ``"poisson"`` (exp output), scikit-learn's parameters and attributes."""

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dropout=0.0, dtype=None, kernels="auto", encoder=None):
        super().__init__(hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
                         learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t,
                         max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
                         warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
                         early_stopping=early_stopping, validation_fraction=validation_fraction, beta_1=beta_1,
                         beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
                         dropout=dropout, dtype=dtype, kernels=kernels, encoder=encoder)
        self.loss = loss

    def _out_activation(self) -> str:
        return "exp" if self.loss == "poisson" else "identity"

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True, y_numeric=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ConfigurationError("MLPRegressor: loss='poisson' needs y >= 0 (counts or rates)")
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
