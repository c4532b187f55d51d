"""The playground's server: validation, limits, and a training session over a WebSocket."""

import base64
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

import neuronet as nn  # noqa: E402
from neuronet.playground import (  # noqa: E402
    LIMITS,
    Session,
    SettingsError,
    parse_upload,
    validate_settings,
)
from neuronet.playground.server import create_app  # noqa: E402


@pytest.mark.parametrize("raw, message", [
    ({"dataset": "/etc/passwd"}, "dataset"),
    ({"classes": 6}, "classes"),
    ({"noise": "a lot"}, "noise"),
    ({"lr": 0}, "lr"),
    ({"batch_size": 1.5}, "batch_size"),
    ({"layers": [{"neurons": 8, "activation": "tanh"}] * 7}, "at most 6"),
    ({"layers": [{"neurons": 17, "activation": "tanh"}]}, "neurons"),
    ({"layers": [{"neurons": 4, "activation": "gelu"}]}, "activation"),
    ({"layers": [{"neurons": 4}]}, r"layers\[0\]"),
    ({"loss": "hinge!"}, "loss"),
    ({"gradient": "magic"}, "gradient"),
    ({"path": "x"}, "unknown field"),
    ("not an object", "expected an object"),
])
def test_settings_are_validated(raw, message):
    with pytest.raises(SettingsError, match=message):
        validate_settings(raw)


def test_settings_defaults_and_every_choice():
    settings = validate_settings({"dataset": "gaussians", "layers": [], "loss": "mse", "optimizer": "sgd"})
    assert settings.layers == [] and settings.dataset == "gaussians"
    for dataset in ("xor", "circles", "moons", "spiral", "gaussians", "sine", "cubic", "abs"):
        for activation in ("step", "sigmoid", "tanh", "relu", "leaky_relu", "identity"):
            session = Session(validate_settings({"dataset": dataset, "samples": 40, "layers": [
                {"neurons": 3, "activation": activation}]}))
            session.step()
            assert session.steps == 1


def test_uploads_are_limited():
    X, y = parse_upload("x1,x2,label\n0,0,a\n1,1,b\n2,2,a\n")
    assert X.shape == (3, 2) and list(y) == [0, 1, 0]
    with pytest.raises(SettingsError, match="1 MB"):
        parse_upload("0,0,a\n" * 200_000)
    with pytest.raises(SettingsError, match="5,000"):
        parse_upload("".join(f"{i},{i},{i % 2}\n" for i in range(5001)))
    with pytest.raises(SettingsError, match="row 2"):
        parse_upload("0,0,a\n1,x,b\n")
    with pytest.raises(SettingsError, match="classes"):
        parse_upload("0,0,a\n1,1,a\n")
    with pytest.raises(SettingsError, match="finite"):
        parse_upload("0,0,a\ninf,1,b\n")


def test_session_learns_spiral_and_shows_both_gradient_speeds():
    session = Session(validate_settings({"classes": 3, "seed": 1}))
    assert session.rates["backprop"] > 5 * session.rates["numerical"]  # the seed's point, measured
    for _ in range(3000):
        session.step()
    snapshot = session.snapshot()
    assert snapshot["metrics"]["train_accuracy"] > 0.9
    assert len(snapshot["regions"]) == LIMITS["grid"] ** 2 and set(snapshot["regions"]) == {0, 1, 2}
    assert [len(layer) for layer in snapshot["neurons"]] == [8, 8]
    assert len(snapshot["neurons"][0][0]) == LIMITS["neuron_grid"] ** 2
    assert np.array(snapshot["confusion"]).sum() == len(snapshot["test"])
    json.dumps(snapshot, allow_nan=False)


def _receive(ws, kind):
    while True:
        message = json.loads(ws.receive_text())
        if message["type"] == kind:
            return message
        assert message["type"] != "error", message


def test_training_over_a_websocket_then_download_and_export(tmp_path):
    with TestClient(create_app()) as client, client.websocket_connect("/ws") as ws:
        hello = json.loads(ws.receive_text())
        assert hello["type"] == "hello" and hello["limits"]["max_layers"] == 6
        ws.send_text(json.dumps({"type": "configure", "settings": {"dataset": "xor", "seed": 3}}))
        assert _receive(ws, "state")["epoch"] == 0
        ws.send_text(json.dumps({"type": "play"}))
        state = _receive(ws, "state")
        while state["epoch"] < 20:
            state = _receive(ws, "state")
        assert state["playing"] and state["speed"] > 0
        ws.send_text(json.dumps({"type": "pause"}))
        ws.send_text(json.dumps({"type": "step"}))
        state = _receive(ws, "state")
        while state["playing"]:
            state = _receive(ws, "state")
        ws.send_text(json.dumps({"type": "download"}))
        model = _receive(ws, "model")
        ws.send_text(json.dumps({"type": "export"}))
        weights = _receive(ws, "weights")["data"]
    assert [len(layer["W"]) for layer in weights["layers"]] == [2, 8, 8]
    file = tmp_path / model["filename"]
    file.write_bytes(base64.b64decode(model["data"]))
    net = nn.load(file)  # the download is a model file neuronet reads
    assert net.in_features == 2 and net.out_features == 2
    np.testing.assert_allclose(np.asarray(net.layers[0].params["W"]), weights["layers"][0]["W"], atol=1e-6)


def test_bad_messages_get_errors_and_the_connection_keeps_serving():
    with TestClient(create_app()) as client, client.websocket_connect("/ws") as ws, \
            client.websocket_connect("/ws") as other:
        json.loads(ws.receive_text())
        json.loads(other.receive_text())
        for text, message in [("{not json", "not valid JSON"), ("[1, 2]", "object with a 'type'"),
                              (json.dumps({"type": "launch"}), "unknown message type"),
                              (json.dumps({"type": "play"}), "configure"),
                              (json.dumps({"type": "configure", "settings": {"layers": "many"}}), "layers"),
                              (json.dumps({"type": "upload", "csv": "1,2\n"}), "x1,x2,label"),
                              ("x" * 1_600_000, "larger than")]:
            ws.send_text(text)
            reply = json.loads(ws.receive_text())
            assert reply["type"] == "error" and message in reply["message"]
        ws.send_text(json.dumps({"type": "upload", "csv": "a,b,label\n0,0,x\n1,1,y\n0,1,x\n1,0,y\n"}))
        state = _receive(ws, "state")
        assert state["classes"] == 2 and len(state["train"]) + len(state["test"]) == 4
        other.send_text(json.dumps({"type": "configure", "settings": {}}))
        assert _receive(other, "state")["classes"] == 3


def test_page_and_assets_are_served_from_the_package():
    with TestClient(create_app()) as client:
        page = client.get("/")
        assert page.status_code == 200 and "neuronet playground" in page.text
        for asset in ("/static/app.js", "/static/style.css"):
            assert client.get(asset).status_code == 200
        assert "http" not in page.text.replace("http://www.w3.org", "")  # nothing loaded from elsewhere
        assert client.get("/static/../session.py").status_code == 404


def test_cli_playground_checks_its_arguments(capsys, monkeypatch):
    from neuronet import cli
    from neuronet.playground import server

    assert cli.main(["playground", "--port", "70000", "--no-browser"]) == 2
    assert "--port" in capsys.readouterr().err
    calls = []
    monkeypatch.setattr(server, "serve", lambda **options: calls.append(options))
    assert cli.main(["playground", "--port", "8123", "--no-browser"]) == 0
    assert calls == [{"host": "127.0.0.1", "port": 8123, "open_browser": False}]  # this machine only, by default


# --- hostile messages: every one gets an answer and the connection goes on ---------------------------------
def _pause_and_settle(ws):
    """Send a valid message and read until its answer: the connection still serves."""
    ws.send_text(json.dumps({"type": "pause"}))
    while True:
        message = json.loads(ws.receive_text())
        assert message["type"] in ("state", "error", "model", "weights", "queued"), message
        if message["type"] == "state" and not message["playing"]:
            return message


@pytest.mark.parametrize("send, message", [
    (lambda ws: ws.send_text(json.dumps({"type": "configure", "settings": {"seed": 100000000000000000000}})),
     "seed: expected a value from 0"),
    (lambda ws: ws.send_text(json.dumps({"type": "configure", "settings": {"seed": 1e300}})), "seed"),
    (lambda ws: ws.send_text("[" * 100_000 + "]" * 100_000), "nested too deeply"),
    (lambda ws: ws.send_bytes(b"\x00\x01binary"), "binary frames are not accepted"),
    (lambda ws: ws.send_text(json.dumps({"type": "upload", "csv": "x1,x2,label\n1,2," + "a" * 140_000 + "\n"})),
     "upload: not a readable CSV file"),
    (lambda ws: ws.send_text(json.dumps({"type": "upload", "csv": 'x1,x2,label\n1,2,"a\n'})), "upload"),
])
def test_messages_that_once_closed_the_connection_get_errors(send, message):
    with TestClient(create_app()) as client, client.websocket_connect("/ws") as ws:
        json.loads(ws.receive_text())
        ws.send_text(json.dumps({"type": "configure", "settings": {"dataset": "xor", "samples": 40}}))
        _receive(ws, "state")
        send(ws)
        reply = json.loads(ws.receive_text())
        assert reply["type"] == "error" and message in reply["message"], reply
        assert _pause_and_settle(ws)["classes"] == 2


def test_websockets_from_another_origin_are_refused():
    from starlette.websockets import WebSocketDisconnect

    with TestClient(create_app()) as client:
        with pytest.raises(WebSocketDisconnect) as refused:
            with client.websocket_connect("/ws", headers={"origin": "http://evil.example"}) as ws:
                ws.receive_text()
        assert refused.value.code == 1008
        with client.websocket_connect("/ws", headers={"origin": "http://testserver"}) as ws:  # the page's own
            assert json.loads(ws.receive_text())["type"] == "hello"
        with client.websocket_connect("/ws") as ws:  # no Origin: a script, not a browser page
            assert json.loads(ws.receive_text())["type"] == "hello"


def test_playing_connections_beyond_the_slots_are_queued_and_still_train():
    with TestClient(create_app(training_slots=1)) as client, client.websocket_connect("/ws") as first, \
            client.websocket_connect("/ws") as second:
        for ws in (first, second):
            json.loads(ws.receive_text())
            ws.send_text(json.dumps({"type": "configure", "settings": {"dataset": "xor", "samples": 40}}))
            _receive(ws, "state")
        first.send_text(json.dumps({"type": "play"}))
        _receive(first, "state")
        second.send_text(json.dumps({"type": "play"}))
        kinds, epochs = set(), 0
        for _ in range(400):
            message = json.loads(second.receive_text())
            kinds.add(message["type"])
            if message["type"] == "state":
                epochs = message["epoch"]
            if "queued" in kinds and epochs > 0:
                break
        assert "queued" in kinds and epochs > 0  # told it waits, and it trains all the same
        for ws in (first, second):
            _pause_and_settle(ws)


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                     lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children,
                                                                                       max_size=5),
                     max_leaves=25)
_typed = st.fixed_dictionaries({"type": st.sampled_from(["configure", "upload", "reset", "step", "play", "pause",
                                                         "download", "export", "nothing"])},
                               optional={"settings": _json | st.dictionaries(
                                   st.sampled_from(["dataset", "classes", "noise", "samples", "seed", "layers", "lr",
                                                    "batch_size", "loss", "gradient", "l2"]), _json, max_size=4),
                                   "csv": st.text(max_size=300)})
_frames = st.one_of(_json.map(lambda value: ("text", json.dumps(value))), _typed.map(lambda m: ("text", json.dumps(m))),
                    st.binary(max_size=200).map(lambda data: ("bytes", data)),
                    st.text(max_size=200).map(lambda text: ("text", text)),
                    st.integers(1, 3).map(lambda n: ("text", "x" * (n * 600_000))))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(frames=st.lists(_frames, min_size=1, max_size=3))
def test_random_messages_never_end_the_connection(frames):
    with TestClient(create_app()) as client, client.websocket_connect("/ws") as ws:
        json.loads(ws.receive_text())
        ws.send_text(json.dumps({"type": "configure", "settings": {"dataset": "xor", "samples": 40}}))
        _receive(ws, "state")
        for kind, payload in frames:
            ws.send_bytes(payload) if kind == "bytes" else ws.send_text(payload)
        _pause_and_settle(ws)
