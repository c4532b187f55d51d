"""What a classifier's predictions are worth, class by class: the confusion matrix, each class's
precision, recall and F1, and the balanced accuracy (the mean of the recalls), which an
imbalanced problem needs because plain accuracy rewards predicting the common class.

- precision of class k: of the samples predicted k, the fraction that are k;
- recall of class k: of the samples that are k, the fraction predicted k;
- F1: their harmonic mean 2 p r / (p + r);
- balanced accuracy: the mean recall over the classes present in the targets.

A ratio whose denominator is zero (a class never predicted, or absent) is reported as 0, as
scikit-learn does with ``zero_division=0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataError

__all__ = ["ClassReport", "confusion_matrix", "classification_report"]


def confusion_matrix(true_index: Any, predicted_index: Any, n_classes: int) -> np.ndarray:
    """``(n_classes, n_classes)`` counts: row = the true class, column = the predicted one."""
    true_index = np.asarray(true_index, dtype=np.intp)
    predicted_index = np.asarray(predicted_index, dtype=np.intp)
    if true_index.shape != predicted_index.shape or true_index.ndim != 1:
        raise DataError(f"confusion_matrix: expected two label arrays of the same length, got shapes "
                        f"{true_index.shape} and {predicted_index.shape}")
    for name, index in (("true labels", true_index), ("predicted labels", predicted_index)):
        if index.size and (index.min() < 0 or index.max() >= n_classes):
            raise DataError(f"confusion_matrix: {name} must be class indices 0..{n_classes - 1}")
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (true_index, predicted_index), 1)
    return counts


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.zeros(numerator.shape, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


@dataclass
class ClassReport:
    """Per-class precision, recall, F1 and support, with the confusion matrix they come from."""

    classes: list[str]
    confusion: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray

    @property
    def accuracy(self) -> float:
        total = self.confusion.sum()
        return float(np.trace(self.confusion) / total) if total else 0.0

    @property
    def balanced_accuracy(self) -> float:
        present = self.support > 0
        return float(self.recall[present].mean()) if present.any() else 0.0

    def to_dict(self) -> dict:
        return {"accuracy": self.accuracy, "balanced_accuracy": self.balanced_accuracy,
                "classes": {name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                            for name, p, r, f, s in zip(self.classes, self.precision, self.recall, self.f1,
                                                        self.support)},
                "confusion_matrix": self.confusion.tolist()}

    def text(self) -> str:
        """A table per class, the two accuracies, and the confusion matrix, for a terminal."""
        width = max(8, *(len(name) for name in self.classes))
        lines = [f"{'class':<{width}}  precision  recall     f1  support"]
        for name, p, r, f, s in zip(self.classes, self.precision, self.recall, self.f1, self.support):
            lines.append(f"{name:<{width}}  {p:9.4f}  {r:6.4f}  {f:5.4f}  {s:7d}")
        lines.append(f"accuracy {self.accuracy:.4f}  balanced accuracy {self.balanced_accuracy:.4f}")
        lines.append("confusion matrix (rows: true class, columns: predicted):")
        cell = max(5, len(str(self.confusion.max())) + 1, *(len(name) + 1 for name in self.classes))
        lines.append(" " * width + "".join(f"{name:>{cell}}" for name in self.classes))
        for name, row in zip(self.classes, self.confusion):
            lines.append(f"{name:<{width}}" + "".join(f"{count:>{cell}d}" for count in row))
        return "\n".join(lines)


def classification_report(true_index: Any, predicted_index: Any, classes: Any) -> ClassReport:
    """The report for class indices into ``classes`` (the labels as the user wrote them)."""
    names = [str(c) for c in classes]
    confusion = confusion_matrix(true_index, predicted_index, len(names))
    hits = np.diag(confusion).astype(np.float64)
    predicted = confusion.sum(axis=0).astype(np.float64)
    support = confusion.sum(axis=1)
    precision, recall = _ratio(hits, predicted), _ratio(hits, support.astype(np.float64))
    f1 = _ratio(2 * precision * recall, precision + recall)
    return ClassReport(names, confusion, precision, recall, f1, support)
