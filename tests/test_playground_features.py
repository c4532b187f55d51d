"""The playground's input features (x1², x2², x1·x2, sin x1, sin x2 beside x1, x2) and its
"discretize output" view."""

import json

import numpy as np
import pytest

pytest.importorskip("starlette")

import neuronet as nn  # noqa: E402
from neuronet.playground import LIMITS, Session, SettingsError, validate_settings  # noqa: E402
from neuronet.playground.settings import FEATURES  # noqa: E402


@pytest.mark.parametrize("raw, message", [
    ({"features": []}, "at least one"),
    ({"features": ["x3"]}, "features"),
    ({"features": "x1"}, "features"),
    ({"features": ["x1", "x1"]}, "distinct"),
    ({"features": [["x1"]]}, "features"),
    ({"discretize": 1}, "discretize: expected true or false"),
    ({"discretize": "yes"}, "discretize"),
])
def test_features_and_discretize_are_validated(raw, message):
    with pytest.raises(SettingsError, match=message):
        validate_settings(raw)


def test_features_default_to_the_coordinates_and_keep_the_menu_order():
    assert validate_settings({}).features == ["x1", "x2"]
    assert validate_settings({"features": ["sin_x2", "x1_sq"]}).features == ["x1_sq", "sin_x2"]


def _accuracy(features):
    session = Session(validate_settings({"dataset": "circles", "noise": 0.05, "layers": [], "lr": 0.1,
                                         "features": features, "seed": 2}))
    for _ in range(800):
        session.step()
    return session.snapshot()["metrics"]["test_accuracy"]


def test_a_linear_model_solves_the_circle_with_the_squares():
    # no hidden layer: a line in (x1, x2) cannot separate a ring from its centre; in (x1², x2²) it can
    assert _accuracy(["x1", "x2"]) < 0.75
    assert _accuracy(["x1_sq", "x2_sq"]) > 0.95


def test_each_feature_is_computed_from_the_standardised_coordinates():
    names = list(FEATURES)
    session = Session(validate_settings({"dataset": "moons", "samples": 40, "features": names}))
    x1, x2 = session.points_train[:, 0].astype(float), session.points_train[:, 1].astype(float)
    expected = np.stack([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1), np.sin(x2)], axis=1)
    np.testing.assert_allclose(session.X_train, expected, rtol=1e-5, atol=1e-6)
    assert session.net.in_features == len(names)


def test_the_picture_shows_each_input_and_the_files_name_them(tmp_path):
    session = Session(validate_settings({"dataset": "xor", "samples": 40, "features": ["x1_x2", "sin_x1"]}))
    snapshot = session.snapshot()
    assert snapshot["features"] == ["x1·x2", "sin x1"]
    assert len(snapshot["inputs"]) == 2 and all(len(m) == LIMITS["neuron_grid"] ** 2 for m in snapshot["inputs"])
    assert max(abs(v) for v in snapshot["inputs"][0]) == pytest.approx(1.0, abs=1e-3)
    assert len(snapshot["weights"][0]) == 2  # the first layer's rows: one per input
    json.dumps(snapshot, allow_nan=False)
    weights = session.weights_json()
    assert weights["preprocessing"]["features"] == ["x1_x2", "sin_x1"] and len(weights["layers"][0]["W"]) == 2
    file = tmp_path / "model.npz"
    file.write_bytes(session.model_file())
    net = nn.load(file)
    assert net.in_features == 2 and net.metadata["preprocessing"]["features"] == ["x1_x2", "sin_x1"]


def test_discretize_draws_regions_in_full_colour():
    shaded = Session(validate_settings({"dataset": "spiral", "samples": 60})).snapshot()
    hard = Session(validate_settings({"dataset": "spiral", "samples": 60, "discretize": True})).snapshot()
    assert len(set(shaded["confidence"])) > 1
    assert set(hard["confidence"]) == {1.0} and hard["regions"] == shaded["regions"]
