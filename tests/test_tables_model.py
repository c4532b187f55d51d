"""A model with a table encoding: saved as data (JSON + arrays, no pickle), loaded and checked like
the rest of the file, counted in the memory budget; exported to ONNX with the raw columns as inputs,
giving onnxruntime the same predictions as neuronet."""

import json
import zipfile

import numpy as np
import pyarrow as pa
import pytest

import neuronet as nn
from neuronet import io
from neuronet.datasets.tables import load_penguins
from neuronet.errors import ConfigurationError, ModelFileError
from neuronet.tables import TableEncoder


@pytest.fixture(scope="module")
def penguins():
    table, target = load_penguins()
    encoder = TableEncoder(target=target).fit(table)
    X, y = encoder.transform_xy(table)
    labels = encoder.target.decode(y)
    net = nn.MLP([encoder.width, 16, 3], activation="relu", rng=0)
    net.fit(X, labels, epochs=20, batch_size=16, lr=0.01, seed=0, verbose=0)
    net.encoder = encoder
    return net, table


def _rewrite(path, out, change_header=None, change_members=None):
    """A copy of the model file ``path`` with its JSON description and/or members changed."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    header = json.loads(np.load(path)["neuronet.json"].tobytes())
    if change_header:
        change_header(header)
    arrays = {name[:-4]: np.load(path)[name[:-4]] for name in members if name != "neuronet.json.npy"}
    if change_members:
        change_members(arrays)
    arrays["neuronet.json"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(out, "wb") as handle:
        np.savez(handle, **arrays)
    return out


def test_the_encoding_is_saved_as_data_and_loaded_back(penguins, tmp_path):
    net, table = penguins
    path = io.save(net, tmp_path / "m.npz")
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
    assert "encoder/numeric.center.npy" in names and "encoder/target.classes.npy" in names
    assert all(name.startswith(("param/", "optim/", "encoder/", "neuronet.json")) for name in names)
    header = json.loads(np.load(path)["neuronet.json"].tobytes())
    assert header["version"] == 3 and header["encoder"]["format"] == "neuronet.tables.TableEncoder"
    with np.load(path, allow_pickle=False) as stored:  # no member needs pickle
        assert all(stored[name[:-4]].dtype.kind in "fiubU" for name in names)
    loaded = io.load(path)
    assert loaded.encoder.describe() == net.encoder.describe()
    assert loaded.classes.tolist() == ["Adelie", "Chinstrap", "Gentoo"]
    X = loaded.encoder.transform(table)
    assert np.array_equal(loaded.predict(X), net.predict(net.encoder.transform(table)))
    assert loaded.predict(X).dtype.kind == "U"


def test_a_model_without_an_encoding_is_still_version_2_and_old_files_load(tmp_path):
    net = nn.MLP([2, 3, 2], rng=0)
    path = io.save(net, tmp_path / "plain.npz")
    header = json.loads(np.load(path)["neuronet.json"].tobytes())
    assert header["version"] == 2 and "encoder" not in header
    assert io.load(path).encoder is None


@pytest.mark.parametrize("damage, message", [
    (lambda h, a: h["encoder"].update(width=999), "table encoding: width: 999 does not match its columns"),
    (lambda h, a: h["encoder"]["columns"][0].update(kind="mystery"), r"table encoding: columns\[0\]\.kind"),
    (lambda h, a: h["encoder"].pop("columns"), "table encoding: encoding has no 'columns'"),
    (lambda h, a: a.pop("encoder/numeric.scale"), "table encoding: the array 'numeric.scale' is missing"),
    (lambda h, a: a.update({"encoder/numeric.scale": -a["encoder/numeric.scale"]}), "positive scales"),
    (lambda h, a: h.update(encoder="nonsense"), "encoder: expected an object"),
    (lambda h, a: h.update(version=2), "encoder: expected an object \\(in a version 3 file\\)"),
    (lambda h, a: h.pop("encoder"), "unexpected member 'encoder/"),
    (lambda h, a: a.update({"encoder/evil": np.zeros(2)}), "unexpected member 'encoder/evil'"),
    (lambda h, a: a.update({"encoder/numeric.center": np.array([object()] * 4, dtype=object)}),
     "holds pickled Python objects"),
    (lambda h, a: a.update({"encoder/numeric.center": np.zeros((2, 2))}), "is malformed"),
    (lambda h, a: h["classes"].update(values=["A", "B", "C"]), "its classes differ from the network's"),
])
def test_a_damaged_encoding_is_a_model_file_error(penguins, tmp_path, damage, message):
    net, _ = penguins
    path = io.save(net, tmp_path / "m.npz")
    state = {}

    def header(h):
        state["h"] = h

    def members(a):
        damage(state["h"], a)

    bad = _rewrite(path, tmp_path / "bad.npz", header, members)
    with pytest.raises(ModelFileError, match=message) as caught:
        io.load(bad)
    assert str(bad) in str(caught.value)


def test_an_encoding_for_another_width_is_refused_on_save_and_on_load(penguins, tmp_path):
    net, table = penguins
    other = nn.MLP([5, 3], rng=0)
    other.encoder = net.encoder
    with pytest.raises(ConfigurationError, match="encoder: makes 20 features, but the network takes 5"):
        io.save(other, tmp_path / "x.npz")
    relabelled = nn.MLP([20, 3], rng=0)
    relabelled.encoder, relabelled.classes = net.encoder, np.array(["a", "b", "c"])
    with pytest.raises(ConfigurationError, match="encoder: its classes .* differ from the network's class labels"):
        io.save(relabelled, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_the_encoding_counts_in_the_memory_budget(tmp_path, monkeypatch):
    labels = [f"category-number-{i:08d}-with-a-long-name" for i in range(40_000)]
    table = pa.table({"c": labels, "y": [i % 2 for i in range(40_000)]})
    encoder = TableEncoder(target="y", max_categories=50_000).fit(table)
    net = nn.MLP([encoder.width, 2], rng=0)
    net.encoder = encoder
    path = io.save(net, tmp_path / "wide.npz")
    stored = sum(info.file_size for info in zipfile.ZipFile(path).infolist() if info.filename.startswith("encoder/"))
    assert stored > 6_000_000  # 40,000 labels of 44 characters, 4 bytes each
    network = 4 * 6 * net.n_parameters
    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", str(network + 4_000_000 + 2 * stored))
    with pytest.raises(ModelFileError, match="its table encoding"):
        io.load(path)
    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", str(network + 10_000_000 + 4 * stored))
    assert io.load(path).encoder.width == encoder.width


# --- ONNX --------------------------------------------------------------------------------------
def test_onnx_on_the_raw_columns_gives_the_same_predictions(penguins, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    from neuronet.tables.onnx_form import onnx_feeds

    net, table = penguins
    extra = pa.table({"species": ["Adelie"] * 2, "island": ["Atlantis", None], "bill_length_mm": [None, 41.0],
                      "bill_depth_mm": [18.0, None], "flipper_length_mm": [190.0, None],
                      "body_mass_g": [3700.0, None], "sex": [None, "female"], "year": [2031, None]})
    rows = pa.concat_tables([table, extra.cast(table.schema)])
    path = nn.onnx.export(net, tmp_path / "p.onnx")
    session = onnxruntime.InferenceSession(str(path))
    inputs = {value.name: value.type for value in session.get_inputs()}
    assert inputs == {"island": "tensor(string)", "bill_length_mm": "tensor(double)", "bill_depth_mm": "tensor(double)",
                      "flipper_length_mm": "tensor(double)", "body_mass_g": "tensor(double)",
                      "sex": "tensor(string)", "year": "tensor(double)"}
    probabilities, label = session.run(["probabilities", "label"], onnx_feeds(net.encoder, rows))
    X = net.encoder.transform(rows)
    assert np.array_equal(net.classes[label], net.predict(X))
    assert np.allclose(probabilities, net.predict_proba(X), atol=1e-5)
    props = {prop.key: prop.value for prop in nn.onnx.to_onnx(net).metadata_props}
    assert json.loads(props["classes"]) == ["Adelie", "Chinstrap", "Gentoo"]
    assert json.loads(props["columns"])[0] == ["island", "text"]


def test_onnx_refuses_a_column_named_like_a_graph_value_and_an_input_name(tmp_path):
    pytest.importorskip("onnx")
    table = pa.table({"label": ["a", "b"] * 10, "x": np.arange(20.0), "y": [0, 1] * 10})
    encoder = TableEncoder(target="y").fit(table)
    net = nn.MLP([encoder.width, 2], rng=0)
    net.encoder = encoder
    with pytest.raises(ConfigurationError, match="the column 'label' has the name of one of the network graph's"):
        nn.onnx.to_onnx(net)
    with pytest.raises(ConfigurationError, match="input_name: a model with a table encoding"):
        nn.onnx.to_onnx(net, input_name="x")


def test_a_float64_network_with_an_encoding_exports(tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    from neuronet.tables.onnx_form import onnx_feeds

    table = pa.table({"colour": ["red", "blue", None, "red"] * 5, "x": np.linspace(0, 1, 20), "y": [0, 1] * 10})
    encoder = TableEncoder(target="y", dtype="float64").fit(table)
    net = nn.MLP([encoder.width, 4, 2], activation="relu", rng=0, dtype=np.float64)
    X, y = encoder.transform_xy(table)
    net.fit(X, y, epochs=2, verbose=0)
    net.encoder = encoder
    session = onnxruntime.InferenceSession(nn.onnx.to_onnx(net).SerializeToString())
    _, label = session.run(None, onnx_feeds(encoder, table))
    assert np.array_equal(label, net.predict(X)) and encoder.dtype == "float64"
