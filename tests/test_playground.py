"""The playground's server: validation, limits, and a training session over a WebSocket."""

import base64
import json
import warnings

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

HOST = "127.0.0.1:8000"  # the server answers only to the names it was started for
WS = f"ws://{HOST}/ws"


def _client(**options):
    return TestClient(create_app(**options), base_url=f"http://{HOST}")


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
    assert set(session.rates) == {"backprop", "numerical"}
    assert all(np.isfinite(rate) and rate > 0 for rate in session.rates.values()), session.rates
    for _ in range(3000):
        session.step()
    snapshot = session.snapshot()
    assert snapshot["metrics"]["train_accuracy"] > 0.9
    assert len(snapshot["regions"]) == LIMITS["grid"] ** 2 and set(snapshot["regions"]) == {0, 1, 2}
    assert [len(layer) for layer in snapshot["neurons"]] == [8, 8]
    assert len(snapshot["neurons"][0][0]) == LIMITS["neuron_grid"] ** 2
    assert np.array(snapshot["confusion"]).sum() == len(snapshot["test"])
    json.dumps(snapshot, allow_nan=False)


def test_numerical_gradient_costs_two_forward_passes_per_parameter(monkeypatch):
    """Why the page's two rates differ (chapter 8): one gradient by backpropagation runs the network
    forward once; by central differences, twice per parameter (and once more for the loss shown).
    Counted, not timed, so it holds on any machine."""
    session = Session(validate_settings({"classes": 3, "seed": 1}))
    net = session.net
    net.kernels = "numpy"  # the compiled step fuses the forward pass: count the reference's calls
    index = session.order[:session.settings.batch_size]
    x, t = session.X_train[index], session.targets_train[index]
    forward, calls = net.forward, []
    monkeypatch.setattr(net, "forward", lambda *args, **kwargs: calls.append(1) or forward(*args, **kwargs))
    counts = {}
    for method in ("backprop", "numerical"):
        calls.clear()
        nn.Trainer(net, session.loss, session.optimizer, gradient=method, eps=1e-3).compute_gradient(x, t)
        counts[method] = len(calls)
    assert counts == {"backprop": 1, "numerical": 2 * net.parameter_vector().size + 1}


def _receive(ws, kind):
    while True:
        message = json.loads(ws.receive_text())
        if message["type"] == kind:
            return message
        assert message["type"] != "error", message


def test_training_over_a_websocket_then_download_and_export(tmp_path):
    with _client() as client, client.websocket_connect(WS) as ws:
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
    with _client() as client, client.websocket_connect(WS) as ws, \
            client.websocket_connect(WS) as other:
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
    with _client() as client:
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
    assert calls == [{"host": "127.0.0.1", "port": 8123, "open_browser": False,
                      "allowed": ()}]  # this machine only, by default


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
    with _client() as client, client.websocket_connect(WS) as ws:
        json.loads(ws.receive_text())
        ws.send_text(json.dumps({"type": "configure", "settings": {"dataset": "xor", "samples": 40}}))
        _receive(ws, "state")
        send(ws)
        reply = json.loads(ws.receive_text())
        assert reply["type"] == "error" and message in reply["message"], reply
        assert _pause_and_settle(ws)["classes"] == 2


def test_websockets_from_another_origin_are_refused():
    from starlette.websockets import WebSocketDisconnect

    with _client() as client:
        with pytest.raises(WebSocketDisconnect) as refused:
            with client.websocket_connect(WS, headers={"origin": "http://evil.example"}) as ws:
                ws.receive_text()
        assert refused.value.code == 1008
        with client.websocket_connect(WS, headers={"origin": f"http://{HOST}"}) as ws:  # the page's own
            assert json.loads(ws.receive_text())["type"] == "hello"
        with client.websocket_connect(WS) as ws:  # no Origin: a script, not a browser page
            assert json.loads(ws.receive_text())["type"] == "hello"


def test_playing_connections_beyond_the_slots_are_queued_and_still_train():
    with _client(training_slots=1) as client, client.websocket_connect(WS) as first, \
            client.websocket_connect(WS) as second:
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
                                                    "batch_size", "loss", "gradient", "l2", "kernels", "features",
                                                    "discretize", "problem"]), _json, max_size=4),
                                   "csv": st.text(max_size=300)})
_frames = st.one_of(_json.map(lambda value: ("text", json.dumps(value))), _typed.map(lambda m: ("text", json.dumps(m))),
                    st.binary(max_size=200).map(lambda data: ("bytes", data)),
                    st.text(max_size=200).map(lambda text: ("text", text)),
                    st.integers(1, 3).map(lambda n: ("text", "x" * (n * 600_000))))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(frames=st.lists(_frames, min_size=1, max_size=3))
def test_random_messages_never_end_the_connection(frames):
    with _client() as client, client.websocket_connect(WS) as ws:
        json.loads(ws.receive_text())
        ws.send_text(json.dumps({"type": "configure", "settings": {"dataset": "xor", "samples": 40}}))
        _receive(ws, "state")
        for kind, payload in frames:
            ws.send_bytes(payload) if kind == "bytes" else ws.send_text(payload)
        _pause_and_settle(ws)


# --- the host it was started for: DNS rebinding and foreign Origins are refused -----------------------------
def _refused(client, url, headers):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect(url, headers=headers) as ws:
            ws.receive_text()
    return refused.value


def test_a_rebinding_request_is_refused_over_http_and_websocket():
    # an attacker's name resolving to 127.0.0.1: the browser sends it as Host and, for a
    # WebSocket, as the Origin too (the two agree, so comparing them alone lets it through)
    evil = "rebind.evil.example:8000"
    client = TestClient(create_app(), base_url=f"http://{evil}")
    page = client.get("/")
    assert page.status_code == 400 and "rebind.evil.example" in page.text and "--allowed-host" in page.text
    assert client.get("/static/app.js").status_code == 400
    refused = _refused(client, f"ws://{evil}/ws", {"origin": f"http://{evil}"})
    assert refused.code == 1008 and "rebind.evil.example" in refused.reason
    assert _refused(client, f"ws://{evil}/ws", {}).code == 1008  # no Origin does not make a wrong Host right


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LocalHost", "127.0.0.1"])
def test_the_local_names_are_served(host):
    client = TestClient(create_app(), base_url=f"http://{host}")
    assert client.get("/").status_code == 200
    with client.websocket_connect(f"ws://{host}/ws", headers={"origin": f"http://{host}"}) as ws:
        assert json.loads(ws.receive_text())["type"] == "hello"


@pytest.mark.parametrize("origin", ["https://127.0.0.1:8000", "http://127.0.0.1:9000", "http://127.0.0.1",
                                    "http://localhost:8000", "null", "http://127.0.0.1:8000.evil.example",
                                    "http://user@127.0.0.1:8000", "ws://127.0.0.1:8000"])
def test_an_origin_must_match_scheme_host_and_port(origin):
    with _client() as client:
        refused = _refused(client, WS, {"origin": origin})
    assert refused.code == 1008 and "Origin" in refused.reason


def test_allowed_host_names_another_name_to_answer_to():
    from neuronet.playground.server import allowed_hosts

    app = create_app(allowed=allowed_hosts(["Playground.LAN", "[fe80::1]", "192.168.1.5"], bound="10.0.0.7"))
    for host in ("playground.lan:8000", "[fe80::1]:8000", "192.168.1.5:8000", "10.0.0.7:8000", "127.0.0.1:8000"):
        client = TestClient(app, base_url=f"http://{host}")
        assert client.get("/").status_code == 200, host
        with client.websocket_connect(f"ws://{host}/ws", headers={"origin": f"http://{host}"}) as ws:
            assert json.loads(ws.receive_text())["type"] == "hello"
    assert TestClient(app, base_url="http://other.lan:8000").get("/").status_code == 400
    assert allowed_hosts(bound="0.0.0.0") == allowed_hosts()  # a wildcard address is no name
    for bad in ("http://playground.lan", "playground.lan:8000", "*", "a/b", "", "[playground.lan]"):
        with pytest.raises(SettingsError, match="allowed host"):
            allowed_hosts([bad])


def test_cli_allowed_host_is_checked_and_passed_on(capsys, monkeypatch):
    from neuronet import cli
    from neuronet.playground import server

    calls = []
    monkeypatch.setattr(server, "serve", lambda **options: calls.append(options))
    assert cli.main(["playground", "--allowed-host", "http://evil.example/", "--no-browser"]) == 2
    assert "--allowed-host" in capsys.readouterr().err and not calls
    assert cli.main(["playground", "--allowed-host", "playground.lan", "--allowed-host", "10.0.0.2",
                     "--no-browser"]) == 0
    assert calls[-1]["allowed"] == ("playground.lan", "10.0.0.2")
    assert cli.main(["playground", "--host", "0.0.0.0", "--no-browser"]) == 0
    assert "--allowed-host" in capsys.readouterr().err  # told how to reach it by another name


# --- weak answers made answers ------------------------------------------------------------------------------
def _strict(text):
    """JSON as a browser's JSON.parse reads it: NaN and Infinity are not JSON."""
    def refuse(constant):
        raise AssertionError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_pause_before_configure_gets_a_reply():
    with _client() as client, client.websocket_connect(WS) as ws:
        json.loads(ws.receive_text())
        for kind in ("pause", "play", "step", "download", "export"):
            ws.send_text(json.dumps({"type": kind}))
            reply = _strict(ws.receive_text())
            assert reply["type"] == "error" and "configure" in reply["message"], (kind, reply)


def test_an_upload_with_huge_coordinates_is_refused_and_replies_stay_json():
    with _client() as client, client.websocket_connect(WS) as ws:
        json.loads(ws.receive_text())
        ws.send_text(json.dumps({"type": "configure", "settings": {"dataset": "xor", "samples": 40}}))
        _receive(ws, "state")
        ws.send_text(json.dumps({"type": "upload", "csv": "x1,x2,label\n1e308,0,a\n-1e308,1,b\n0,0,a\n1,1,b\n"}))
        reply = _strict(ws.receive_text())
        assert reply["type"] == "error" and "row 1" in reply["message"] and "1e+100" in reply["message"], reply
        ws.send_text(json.dumps({"type": "step"}))  # the run before the upload goes on
        state = _strict(ws.receive_text())
        assert state["type"] == "state" and state["steps"] == 1 and state["classes"] == 2
        # the largest coordinates allowed make a picture in valid JSON
        ws.send_text(json.dumps({"type": "upload", "csv": "1e100,0,a\n-1e100,1,b\n0,-1e100,a\n1,1e100,b\n"}))
        state = _strict(ws.receive_text())
        assert state["type"] == "state" and state["extent"][1] > 1e99


def test_replies_map_non_finite_numbers_to_null(monkeypatch):
    from neuronet.playground.server import strict_json

    assert strict_json({"a": [1.0, float("inf"), {"b": float("nan")}], "c": -float("inf"), "d": "x", "e": 3}) == \
        {"a": [1.0, None, {"b": None}], "c": None, "d": "x", "e": 3}
    drawn = Session.snapshot
    monkeypatch.setattr(Session, "snapshot", lambda self: {**drawn(self), "lr": float("inf")})  # an overflowed number
    with _client() as client, client.websocket_connect(WS) as ws:
        json.loads(ws.receive_text())
        ws.send_text(json.dumps({"type": "configure", "settings": {"dataset": "xor", "samples": 40}}))
        state = _strict(ws.receive_text())
    assert state["type"] == "state" and state["lr"] is None and state["classes"] == 2


# --- the kernels setting and the output layer's label --------------------------------------------------------
def test_kernels_is_a_setting_validated_and_passed_to_the_network():
    from neuronet import kernels

    from neuronet.playground import menus

    assert [value for value, _ in menus()["kernels"]] == ["auto", *kernels.NAMES]
    assert validate_settings({}).kernels == "auto"
    with pytest.raises(SettingsError, match="kernels"):
        validate_settings({"kernels": "cuda"})
    for choice in kernels.available():
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # measuring the numerical rate is no fallback to warn about
            session = Session(validate_settings({"dataset": "xor", "samples": 40, "kernels": choice}))
            session.step()
        assert session.net.kernels == choice
        assert session.snapshot()["plan"].startswith(f"{choice} kernels")
    assert Session(validate_settings({"dataset": "xor", "samples": 40})).net.kernels == kernels.resolve("auto")
    with _client() as client, client.websocket_connect(WS) as ws:
        json.loads(ws.receive_text())
        ws.send_text(json.dumps({"type": "configure", "settings": {"kernels": "numpy", "dataset": "xor"}}))
        assert _receive(ws, "state")["plan"] == "numpy kernels: kernels='numpy'"  # the page says how, and why
        ws.send_text(json.dumps({"type": "export"}))
        assert _receive(ws, "weights")["data"]["settings"]["kernels"] == "numpy"


@pytest.mark.parametrize("loss, output", [("softmax_cross_entropy", "softmax"), ("hinge", "identity"),
                                          ("mse", "identity")])
def test_the_output_layer_is_labelled_by_the_loss(loss, output):
    session = Session(validate_settings({"dataset": "xor", "samples": 40, "loss": loss}))
    weights = session.weights_json()
    assert weights["layers"][-1]["activation"] == output
    assert [layer["activation"] for layer in weights["layers"][:-1]] == ["tanh", "tanh"]
    assert weights["loss"] == {"name": loss, "display_name": nn.losses.get(loss).display_name, "output": output}


def test_every_menu_loss_has_a_named_output():
    from neuronet.playground import menus
    from neuronet.playground.render import output_link

    for name, _ in menus()["loss"]:
        assert output_link(nn.losses.get(name)) in nn.activations.names(), name


def test_l1_beside_l2_is_a_setting_that_reaches_the_trainer():
    assert validate_settings({}).l1 == 0.0
    with pytest.raises(SettingsError, match="l1"):
        validate_settings({"l1": -0.1})
    with pytest.raises(SettingsError, match="l1"):
        validate_settings({"l1": "lots"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = Session(validate_settings({"dataset": "xor", "samples": 60, "seed": 1}))
        sparse = Session(validate_settings({"dataset": "xor", "samples": 60, "seed": 1, "l1": 0.1}))
        assert sparse.trainer.l1 == 0.1
        for _ in range(30):
            plain.step()
            sparse.step()
    first = lambda session: np.abs(session.net.layers[0].params["W"]).sum()  # noqa: E731
    assert first(sparse) < first(plain)  # the L1 term pulls the weights towards zero
    with _client() as client, client.websocket_connect(WS) as ws:
        json.loads(ws.receive_text())
        ws.send_text(json.dumps({"type": "configure", "settings": {"l1": 0.01, "dataset": "xor"}}))
        _receive(ws, "state")
        ws.send_text(json.dumps({"type": "export"}))
        assert _receive(ws, "weights")["data"]["settings"]["l1"] == 0.01
