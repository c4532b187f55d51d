"""The overfitting figure of chapter 13 shows the validation minimum and the climb after it."""

import numpy as np

from neuronet.examples.training_practice import overfitting_figure, zoom_range


def _runs():
    epochs = np.arange(1, 31)
    # falls from 2.3 to its lowest, 0.40 at epoch 10, then climbs slowly to 0.44
    plain = np.where(epochs <= 10, 2.3 - 0.19 * (epochs - 1) ** 1.0, 0.40 + 0.002 * (epochs - 10))
    plain[9] = 0.40
    steady = np.maximum(2.3 - 0.3 * (epochs - 1), 0.39 - 0.0005 * epochs)
    accuracy = np.minimum(1.0, epochs / 10)
    return {label: {"val_data_loss": list(curve), "accuracy": list(accuracy), "val_accuracy": list(accuracy * 0.9)}
            for label, curve in (("plain", plain), ("L2", steady))}


def test_zoom_range_makes_the_climb_visible():
    runs = _runs()
    curves = [np.asarray(run["val_data_loss"]) for run in runs.values()]
    low, high = zoom_range(curves)
    plain = curves[0]
    assert low < min(float(c.min()) for c in curves) and high > plain[-1]
    climb = plain[-1] - plain.min()
    assert climb / (high - low) > 0.15, "the climb after the minimum is a visible part of the axis"
    assert high < 1.0, "the steep first epochs do not set the scale"


def test_figure_marks_each_runs_lowest_epoch_on_the_zoomed_axis():
    figure = overfitting_figure(_runs())
    zoom = figure.axes[1]
    assert zoom.get_ylim()[1] < 1.0
    markers = [tuple(np.ravel(line.get_xydata())) for line in zoom.lines if line.get_marker() == "o"]
    assert (10.0, 0.40) in [tuple(round(v, 6) for v in m) for m in markers]
    labels = [text.get_text() for text in zoom.texts]
    assert "0.400 (epoch 10)" in labels
    full = figure.axes[0]
    assert full.get_ylim()[1] > 2.0, "the first panel still shows every epoch"
