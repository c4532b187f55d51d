"""The playground's regression problem type: a real-valued target over the plane, two datasets,
one output, squared error."""

import json

import numpy as np
import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

import neuronet as nn  # noqa: E402
from neuronet.playground import Session, SettingsError, menus, validate_settings  # noqa: E402
from neuronet.playground.server import create_app  # noqa: E402

REGRESSION = {"problem": "regression", "dataset": "bumps", "loss": "mse"}


def test_the_menus_offer_regression_with_its_datasets_and_losses():
    assert [name for name, _ in menus()["problem"]] == ["classification", "regression"]
    assert [name for name, _ in menus()["regression_dataset"]] == ["plane", "bumps"]
    assert [name for name, _ in menus()["regression_loss"]] == ["mse"]  # the losses that take real targets


@pytest.mark.parametrize("raw, message", [
    ({"problem": "regression"}, "dataset: expected one of plane, bumps"),  # a classification set
    ({"problem": "regression", "dataset": "plane"}, "loss: expected one of mse"),
    ({"dataset": "plane"}, "dataset"),  # a regression set for classification
    ({"problem": "ranking"}, "problem"),
])
def test_regression_settings_are_validated(raw, message):
    with pytest.raises(SettingsError, match=message):
        validate_settings(raw)


@pytest.mark.parametrize("dataset", ["plane", "bumps"])
def test_a_network_fits_each_regression_set(dataset):
    session = Session(validate_settings({**REGRESSION, "dataset": dataset, "noise": 0.0}))
    assert session.net.out_features == 1 and session.y_train.dtype.kind == "f"
    assert -1 <= session.y_train.min() < 0 < session.y_train.max() <= 1
    start = session.snapshot()["metrics"]["test_loss"]
    for _ in range(1500):
        session.step()
    snapshot = session.snapshot()
    assert snapshot["metrics"]["test_loss"] < 0.2 * start
    assert snapshot["metrics"]["test_accuracy"] is None and snapshot["confusion"] == []
    assert snapshot["problem"] == "regression" and snapshot["outputs"] == 1
    assert len(snapshot["values"]) == snapshot["grid"] ** 2 and -1 <= min(snapshot["values"]) < 0 < max(snapshot["values"])
    predicted = session.net.forward(session.X_test, training=False)[:, 0]
    # the values themselves, not classes: half the error of predicting 0 everywhere, or better
    assert np.sqrt(np.mean((predicted - session.y_test) ** 2)) < 0.5 * np.sqrt(np.mean(session.y_test ** 2))
    assert isinstance(snapshot["test"][0][2], float)
    json.dumps(snapshot, allow_nan=False)


def test_discretize_shows_the_sign_of_a_regression():
    values = Session(validate_settings({**REGRESSION, "discretize": True})).snapshot()["values"]
    assert set(values) <= {-1.0, 0.0, 1.0} and len(set(values)) > 1


def test_a_regression_model_file_predicts_values(tmp_path):
    session = Session(validate_settings({**REGRESSION, "dataset": "plane", "samples": 40}))
    file = tmp_path / "model.npz"
    file.write_bytes(session.model_file())
    net = nn.load(file)
    np.testing.assert_allclose(np.ravel(net.predict(session.X_test)), session.net.forward(session.X_test)[:, 0],
                               rtol=1e-5)
    assert session.weights_json()["layers"][-1]["activation"] == "identity"


def test_regression_over_the_websocket_and_an_upload_switches_back_to_classes():
    host = "127.0.0.1:8000"
    with TestClient(create_app(), base_url=f"http://{host}") as client, \
            client.websocket_connect(f"ws://{host}/ws") as ws:
        json.loads(ws.receive_text())
        ws.send_text(json.dumps({"type": "configure", "settings": {**REGRESSION, "samples": 40}}))
        state = json.loads(ws.receive_text())
        assert state["type"] == "state" and state["problem"] == "regression" and state["outputs"] == 1
        ws.send_text(json.dumps({"type": "upload", "csv": "x1,x2,label\n0,0,a\n1,1,b\n0,1,a\n1,0,b\n"}))
        state = json.loads(ws.receive_text())
        assert state["type"] == "state" and state["problem"] == "classification" and state["classes"] == 2
