import json
import re
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import neuronet as nn
from neuronet.datasets import make_gaussians
from neuronet.io import ModelFileError


@pytest.fixture
def trained():
    X, y = make_gaussians(200, seed=0)
    net = nn.MLP([2, 6, 3], activation="leaky_relu", dropout=0.1, rng=0)
    net.fit(X, np.array(["a", "b", "c"])[y], epochs=3, seed=0, verbose=0)
    return net, X


def test_round_trip_gives_identical_predictions(tmp_path, trained):
    net, X = trained
    path = nn.save(net, tmp_path / "model.npz", metadata={"note": "hello"})
    loaded = nn.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    assert repr(loaded) == repr(net)
    assert loaded.loss.name == "softmax_cross_entropy" and loaded.metadata == {"note": "hello"}
    assert loaded.optimizer.iterations == net.optimizer.iterations
    np.testing.assert_array_equal(loaded.optimizer.state["Wb"]["v"], net.optimizer.state["Wb"]["v"])


def test_float64_and_untrained_networks_round_trip(tmp_path):
    net = nn.MLP([3, 4, 2], activation="sigmoid", output="softmax", rng=1, dtype=np.float64)
    loaded = nn.load(nn.save(net, tmp_path / "m.npz"))
    assert loaded.dtype == np.float64 and loaded.loss is None and loaded.optimizer is None
    x = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_array_equal(loaded(x), net(x))


def _rewrite(path, **changes):
    """Rewrite a saved model with some entries replaced (what a tamperer would do)."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays["neuronet.json"].tobytes())
    for key, value in changes.items():
        if key == "header":
            value(header)
        else:
            arrays[key] = value
    arrays["neuronet.json"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, **arrays)


def test_pickled_object_is_refused_and_never_run(tmp_path, trained):
    net, _ = trained
    path = nn.save(net, tmp_path / "evil.npz")
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    evil = np.empty(1, dtype=object)
    evil[0] = Payload()
    arrays["param/0.W"] = evil
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match="pickled Python objects"):
        nn.load(path)
    assert not marker.exists()


def test_truncated_file_gets_a_clear_error(tmp_path, trained):
    net, _ = trained
    path = nn.save(net, tmp_path / "m.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated or corrupted"):
        nn.load(path)


def test_corrupted_bytes_get_a_clear_error(tmp_path, trained):
    net, _ = trained
    path = nn.save(net, tmp_path / "m.npz")
    data = bytearray(path.read_bytes())
    data[len(data) // 3: len(data) // 3 + 64] = os.urandom(64)
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError):
        nn.load(path)


def test_not_a_model_file(tmp_path):
    np.savez(tmp_path / "x.npz", X=np.zeros(3))
    with pytest.raises(ModelFileError, match="not a neuronet model file"):
        nn.load(tmp_path / "x.npz")
    (tmp_path / "t.npz").write_text("hello")
    with pytest.raises(ModelFileError):
        nn.load(tmp_path / "t.npz")
    with pytest.raises(FileNotFoundError, match="no such model file"):
        nn.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("tamper, message", [
    ({"param/0.W": np.zeros((5, 5), np.float32)}, r"parameter 0.W has shape \(5, 5\)"),
    ({"param/0.W": np.full((2, 6), np.nan, np.float32)}, "NaN or infinity"),
    ({"header": lambda h: h["architecture"]["layers"].__setitem__(1, {"type": "Lambda", "code": "os.system"})},
     "unknown 'Lambda'"),
    ({"header": lambda h: h.update(version=99)}, "version 99 is not supported"),
    ({"header": lambda h: h["architecture"]["layers"][0].update(out_features=7)}, r"does not match|previous layer|expected \(2, 7\)"),
    ({"header": lambda h: h["optimizer"]["config"].update(name="__import__")}, "unknown name '__import__'"),
])
def test_tampered_files_are_refused(tmp_path, trained, tamper, message):
    net, _ = trained
    path = nn.save(net, tmp_path / "m.npz")
    _rewrite(path, **tamper)
    with pytest.raises(ModelFileError, match=message):
        nn.load(path)


def test_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, trained, monkeypatch):
    net, X = trained
    path = nn.save(net, tmp_path / "m.npz")
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        nn.save(nn.MLP([2, 6, 3], rng=9), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_killed_save_leaves_the_old_file_intact(tmp_path, trained):
    net, X = trained
    path = nn.save(net, tmp_path / "m.npz")
    expected = net.predict_proba(X)
    script = textwrap.dedent(f"""
        import os, signal
        import numpy as np, numpy.lib.format as fmt
        import neuronet as nn
        original = fmt.write_array
        def dying(fp, array, *args, **kwargs):
            fp.write(b"partial bytes")
            os.kill(os.getpid(), signal.SIGKILL)
        fmt.write_array = dying
        nn.save(nn.MLP([2, 6, 3], rng=5), {str(path)!r})
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == -9
    np.testing.assert_array_equal(nn.load(path).predict_proba(X), expected)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None


def test_save_validates_its_arguments(tmp_path):
    with pytest.raises(TypeError, match="expected a neuronet Sequential"):
        nn.save("not a model", tmp_path / "m.npz")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nn.save(nn.MLP([2, 2], rng=0), tmp_path / "no" / "such" / "m.npz")
    with pytest.raises(TypeError, match="JSON"):
        nn.save(nn.MLP([2, 2], rng=0), tmp_path / "m.npz", metadata={"f": object()})


# --- the file format: version 1 files still load; the optimizer state is saved per parameter -------
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "models")


def _flat_state(optimizer):
    """Each slot of an optimizer's state laid out like the parameter vector, whatever its groups."""
    groups = optimizer.state_dict()["state"]
    parts = [groups["Wb"]] if "Wb" in groups else [groups["W"], groups["b"]]
    return {slot: np.concatenate([part[slot].ravel() for part in parts]) for slot in optimizer.slots}


@pytest.mark.parametrize("name", ["v1_adam", "v1_adam_decay", "v1_momentum"])
def test_format_1_files_still_load_to_the_same_weights_and_state(tmp_path, name):
    expected = np.load(os.path.join(FIXTURES, f"{name}.expected.npz"))
    net = nn.load(os.path.join(FIXTURES, f"{name}.npz"))
    np.testing.assert_array_equal(np.asarray(net.parameter_vector()), expected["parameters"])
    assert net.optimizer.iterations == int(expected["iterations"])
    state = _flat_state(net.optimizer)
    assert sorted(state) == sorted(key[5:] for key in expected.files if key.startswith("slot_"))
    for slot, array in state.items():
        np.testing.assert_array_equal(array, expected[f"slot_{slot}"])
    assert list(net.classes) == ["setosa", "versicolor", "virginica"]
    assert net.metadata["note"] == "written by format 1" and net.metadata["n"] == 3
    # saved again (in the current format) and loaded: the same again, and training resumes alike
    again = nn.load(nn.save(net, tmp_path / "again.npz"))
    np.testing.assert_array_equal(np.asarray(again.parameter_vector()), expected["parameters"])
    for slot, array in _flat_state(again.optimizer).items():
        np.testing.assert_array_equal(array, expected[f"slot_{slot}"])
    X = np.random.default_rng(1).normal(size=(16, 4)).astype(np.float32)
    y = np.array(["setosa", "versicolor", "virginica"])[np.arange(16) % 3]
    for model in (net, again):
        model.kernels = "numpy"
        model.fit(X, y, optimizer=model.optimizer, epochs=1, batch_size=8, seed=0, verbose=0)
    np.testing.assert_array_equal(np.asarray(net.parameter_vector()), np.asarray(again.parameter_vector()))


@pytest.mark.parametrize("optimizer", [nn.optim.get("adam", lr=0.01), nn.optim.get("adam", lr=0.01, weight_decay=0.1)])
def test_the_optimizer_state_is_saved_per_parameter_whatever_its_grouping(tmp_path, optimizer):
    X, y = make_gaussians(60, seed=0)
    net = nn.MLP([2, 4, 3], rng=0, kernels="numpy")
    net.fit(X, y, optimizer=optimizer, epochs=1, seed=0, verbose=0)
    path = nn.save(net, tmp_path / "m.npz")
    with zipfile.ZipFile(path) as archive:
        names = sorted(name for name in archive.namelist() if name.startswith("optim/"))
    assert names == sorted(f"optim/{p}/{slot}.npy" for p in ("0.W", "0.b", "2.W", "2.b") for slot in ("m", "v"))
    with np.load(path) as arrays:
        assert arrays["optim/0.W/m"].shape == (2, 4) and arrays["optim/2.b/v"].shape == (3,)
    loaded = nn.load(path)
    for slot, array in _flat_state(net.optimizer).items():
        np.testing.assert_array_equal(_flat_state(loaded.optimizer)[slot], array)


def test_integer_metadata_keys_are_refused_at_save(tmp_path, trained):
    from neuronet.errors import WrongType

    net, _ = trained
    for metadata, where in (({1: "a"}, "metadata"), ({"counts": {0: 5, 1: 7}}, "metadata['counts']")):
        with pytest.raises(WrongType, match=rf"{re.escape(where)}: key \d is a int; .* keys are strings"):
            nn.save(net, tmp_path / "m.npz", metadata=metadata)
    assert not (tmp_path / "m.npz").exists()
    nn.save(net, tmp_path / "m.npz", metadata={"counts": {"0": 5}})
    assert nn.load(tmp_path / "m.npz").metadata["counts"] == {"0": 5}


def test_loading_a_folder_or_a_fifo_says_what_it_is(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder, not a model file"):
        nn.load(tmp_path)
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match="is a FIFO"):  # and never opened: that would block
        nn.load(fifo)
    with pytest.raises(FileNotFoundError, match="no such model file"):
        nn.load(tmp_path / "missing.npz")
