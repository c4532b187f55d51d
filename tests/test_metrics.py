"""Per-class metrics against scikit-learn's, on imbalanced predictions."""

import numpy as np
import pytest
from sklearn import metrics as skm

from neuronet.errors import DataError
from neuronet.metrics import classification_report, confusion_matrix


@pytest.mark.parametrize("seed", range(5))
def test_the_report_equals_scikit_learns(seed):
    rng = np.random.default_rng(seed)
    true = rng.choice(4, size=200, p=[0.7, 0.2, 0.08, 0.02])
    predicted = np.where(rng.random(200) < 0.7, true, rng.integers(0, 4, 200))
    report = classification_report(true, predicted, ["a", "b", "c", "d"])
    np.testing.assert_array_equal(report.confusion, skm.confusion_matrix(true, predicted, labels=range(4)))
    p, r, f, s = skm.precision_recall_fscore_support(true, predicted, labels=range(4), zero_division=0)
    np.testing.assert_allclose(report.precision, p)
    np.testing.assert_allclose(report.recall, r)
    np.testing.assert_allclose(report.f1, f)
    np.testing.assert_array_equal(report.support, s)
    assert report.accuracy == pytest.approx(skm.accuracy_score(true, predicted))
    assert report.balanced_accuracy == pytest.approx(skm.balanced_accuracy_score(true, predicted))


def test_always_predicting_the_common_class_shows_in_the_balanced_accuracy():
    true = np.array([0] * 95 + [1] * 5)
    report = classification_report(true, np.zeros(100, int), ["common", "rare"])
    assert report.accuracy == 0.95
    assert report.balanced_accuracy == 0.5
    assert report.precision[1] == 0.0 and report.recall[1] == 0.0  # never predicted: 0, not NaN
    text = report.text()
    assert "balanced accuracy 0.5000" in text and "rare" in text
    assert report.to_dict()["classes"]["rare"]["support"] == 5


def test_bad_labels_are_named():
    with pytest.raises(DataError, match="true labels must be class indices 0..1"):
        confusion_matrix([0, 2], [0, 1], 2)
    with pytest.raises(DataError, match="same length"):
        confusion_matrix([0, 1], [0], 2)
