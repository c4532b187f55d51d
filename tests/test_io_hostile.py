"""Model files against a hostile or careless user: metadata that must survive a re-save, files
that declare more than they hold, bad numbers in the description, corrupt optimizer state, and
random bytes under a memory limit. Each case is a probe that once found a bug."""

import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import neuronet as nn
from neuronet.checkpoint import ModelCheckpoint
from neuronet.cli import main
from neuronet.datasets import make_gaussians
from neuronet.io import ModelFileError


@pytest.fixture
def model(tmp_path):
    X, y = make_gaussians(120, seed=0)
    net = nn.MLP([2, 5, 3], rng=0)
    net.fit(X, y, epochs=2, seed=0, verbose=0)
    return nn.save(net, tmp_path / "m.npz", metadata={"preprocessing": {"mean": [1.0, 2.0], "std": [3.0, 4.0]},
                                                      "note": "kept"})


def _header(path):
    with zipfile.ZipFile(path) as archive:
        raw = archive.read("neuronet.json.npy")
    with zipfile.ZipFile(path) as archive, archive.open("neuronet.json.npy") as handle:
        np.lib.format.read_magic(handle)
        np.lib.format.read_array_header_1_0(handle)
        offset = handle.tell()
    return json.loads(raw[offset:])


def _write(path, header, arrays=None, extra=()):
    """A model file from a description and arrays, written member by member as np.savez does."""
    arrays = dict(arrays or {})
    arrays["neuronet.json"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.asarray(array), allow_pickle=False)
        for name, data in extra:
            archive.writestr(name, data)
    return path


def _arrays(path):
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files if name != "neuronet.json"}


# --- bug 1: re-saving keeps the metadata -----------------------------------------------------------
def test_resaving_a_loaded_model_keeps_its_metadata(tmp_path, model):
    loaded = nn.load(model)
    resaved = nn.load(nn.save(loaded, tmp_path / "m2.npz"))
    assert resaved.metadata == loaded.metadata == {"preprocessing": {"mean": [1.0, 2.0], "std": [3.0, 4.0]},
                                                   "note": "kept"}
    merged = nn.load(nn.save(loaded, tmp_path / "m3.npz", metadata={"note": "changed", "new": 1}))
    assert merged.metadata["note"] == "changed" and merged.metadata["new"] == 1 and merged.metadata["preprocessing"]


def test_checkpoint_keeps_the_metadata(tmp_path):
    X, y = make_gaussians(60, seed=1)
    net = nn.MLP([2, 4, 3], rng=0)
    net.metadata = {"preprocessing": {"mean": [0.5, 0.5], "std": [2.0, 2.0]}}
    net.fit(X, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(tmp_path / "c.npz", monitor="loss")])
    assert nn.load(tmp_path / "c.npz").metadata == net.metadata


def test_cli_model_resaved_predicts_the_same(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2)) * [10, 0.1] + [100, -5]
    rows = "".join(f"{a},{b},{int(a > 100)}\n" for a, b in X)
    (tmp_path / "d.csv").write_text("a,b,label\n" + rows)
    assert main(["train", "--data", str(tmp_path / "d.csv"), "--hidden", "8", "--epochs", "40", "--verbose", "0",
                 "--lr", "0.01", "--out", str(tmp_path / "m.npz")]) == 0
    nn.save(nn.load(tmp_path / "m.npz"), tmp_path / "m2.npz")
    capsys.readouterr()
    main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "d.csv")])
    first = capsys.readouterr().out.split()[1:]
    assert np.mean(np.array(first, int) == (X[:, 0] > 100)) > 0.9  # the scaling matters for these features
    main(["predict", str(tmp_path / "m2.npz"), str(tmp_path / "d.csv")])
    assert capsys.readouterr().out.split()[1:] == first


# --- bug 2: memory bombs -------------------------------------------------------------------------------
LIMITED = textwrap.dedent("""
    import os, resource, sys, time
    import numpy as np
    import neuronet as nn
    from neuronet.io import ModelFileError
    size = [int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmSize:")][0]
    budget = size + {extra_mb} * 2**20  # what the process has now, plus a small allowance
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    start = time.perf_counter()
    try:
        nn.load(sys.argv[1])
    except ModelFileError as error:
        print("ModelFileError", round(time.perf_counter() - start, 3), error)
    else:
        print("loaded")
""")


def _load_limited(path, extra_mb=100):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", LIMITED.format(extra_mb=extra_mb), str(path)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _dense_header(model, n_in, n_out):
    header = _header(model)
    header["architecture"]["layers"] = [{"type": "Dense", "in_features": n_in, "out_features": n_out,
                                         "dtype": "float32"}]
    header["optimizer"] = None
    header["classes"] = None
    header["metadata"] = {}
    return header


@pytest.mark.parametrize("n", [12_000, 100_000])
def test_a_small_file_declaring_a_huge_layer_is_refused_without_allocating(tmp_path, model, n):
    path = _write(tmp_path / "bomb.npz", _dense_header(model, n, n),
                  {"param/0.W": np.zeros((2, 2), np.float32), "param/0.b": np.zeros(n, np.float32)})
    assert path.stat().st_size < 500_000
    out = _load_limited(path)
    assert out.startswith("ModelFileError") and ("param" in out or "parameter" in out), out


def test_an_array_header_declaring_ten_billion_elements_is_refused(tmp_path, model):
    header = _dense_header(model, 100_000, 100_000)
    path = tmp_path / "liar.npz"
    _write(path, header, {"param/0.b": np.zeros(100_000, np.float32)},
           extra=[("param/0.W.npy", b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, "
                                    b"'shape': (100000, 100000), }" + b" " * 48 + b"\n" + b"\x00" * 64)])
    out = _load_limited(path)
    assert out.startswith("ModelFileError"), out
    seconds = float(out.split()[1])
    assert seconds < 5  # refused from the headers, not after reading


def test_an_extra_member_is_refused_without_decompressing_it(tmp_path, model):
    path = tmp_path / "extra.npz"
    path.write_bytes(model.read_bytes())
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open("payload.npy", "w", force_zip64=True) as handle:
        block = bytes(1 << 20)
        for _ in range(400):  # 400 MB of zeros, a few hundred KB compressed
            handle.write(block)
    assert path.stat().st_size < 5_000_000
    out = _load_limited(path, extra_mb=60)
    assert out.startswith("ModelFileError") and "payload.npy" in out and "not read" in out, out


def test_a_member_whose_size_disagrees_with_its_shape_is_refused(tmp_path, model):
    arrays = _arrays(model)
    path = tmp_path / "short.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w") as handle:
                np.lib.format.write_array(handle, array)
                if name == "param/0.W":
                    handle.write(b"trailing bytes")
        with archive.open("neuronet.json.npy", "w") as handle:
            np.lib.format.write_array(handle, np.frombuffer(json.dumps(_header(model)).encode(), np.uint8))
    with pytest.raises(ModelFileError, match="parameter 0.W declares"):
        nn.load(path)


# --- bug 6: bad numbers in the description -------------------------------------------------------------
@pytest.mark.parametrize("change, message", [
    (lambda h: h["optimizer"].update(iterations="<1e999>"), "iterations"),
    (lambda h: h["optimizer"].update(iterations=-5), "iterations"),
    (lambda h: h["optimizer"].update(iterations=2.5), "iterations"),
    (lambda h: h["optimizer"]["config"].update(lr="fast"), "finite number"),
    (lambda h: h["metadata"]["preprocessing"].update(mean="x"), "preprocessing.mean"),
    (lambda h: h["metadata"]["preprocessing"].update(std=[1.0, 0.0]), "preprocessing.std"),
    (lambda h: h["metadata"].update(dataset={"seed": "<1e999>"}), "dataset.seed"),
    (lambda h: h["metadata"].update(dataset={"seed": -1}), "dataset.seed"),
    (lambda h: h["metadata"].update(features="a,b"), "features"),
    (lambda h: h["architecture"]["layers"][0].update(in_features=4.7), "whole number"),
    (lambda h: h["architecture"]["layers"][0].update(in_features=True), "whole number"),
    (lambda h: h["architecture"]["layers"][1].update(type="LeakyReLU", alpha=1.5), "alpha"),
    (lambda h: h.update(classes={"dtype": "|O", "values": [0, 1, 2]}), "label dtype"),
    (lambda h: h.update(classes={"dtype": "str", "values": [0, 1, 2]}), "string labels"),
    (lambda h: h["loss"].update(name=["softmax"]), "loss"),
])
def test_bad_numbers_in_the_description_are_model_file_errors(tmp_path, model, change, message):
    header = _header(model)
    change(header)
    text = json.dumps(header).replace('"<1e999>"', "1e999")  # a literal JSON number too large for a float
    path = tmp_path / "bad.npz"
    arrays = _arrays(model)
    arrays["neuronet.json"] = np.frombuffer(text.encode(), np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match=message):
        nn.load(path)


def test_nan_constants_and_deep_nesting_in_the_json_are_refused(tmp_path, model):
    for text in ('{"format": "neuronet", "version": 1, "x": NaN}', '[' * 100_000 + ']' * 100_000):
        arrays = _arrays(model)
        arrays["neuronet.json"] = np.frombuffer(text.encode(), np.uint8)
        np.savez(tmp_path / "j.npz", **arrays)
        with pytest.raises(ModelFileError):
            nn.load(tmp_path / "j.npz")


# --- bug 11: corrupt optimizer state ----------------------------------------------------------------------
def test_negative_running_squares_in_the_optimizer_state_are_refused(tmp_path, model):
    arrays = _arrays(model)
    arrays["optim/0.W/v"] = -np.abs(arrays["optim/0.W/v"]) - 1
    arrays["neuronet.json"] = np.frombuffer(json.dumps(_header(model)).encode(), np.uint8)
    np.savez(tmp_path / "o.npz", **arrays)
    with pytest.raises(ModelFileError, match="cannot be negative"):
        nn.load(tmp_path / "o.npz")


def test_optimizer_state_with_unknown_slots_is_refused(tmp_path, model):
    arrays = _arrays(model)
    arrays["optim/0.W/velocity"] = arrays.pop("optim/0.W/v")
    arrays["neuronet.json"] = np.frombuffer(json.dumps(_header(model)).encode(), np.uint8)
    np.savez(tmp_path / "o.npz", **arrays)
    with pytest.raises(ModelFileError, match="does not match the optimizer"):
        nn.load(tmp_path / "o.npz")


# --- fuzzing: random bytes and random descriptions, under a memory limit --------------------------------------
FUZZ = textwrap.dedent("""
    import io, json, resource, sys, tempfile, zipfile
    from pathlib import Path
    import numpy as np
    from hypothesis import given, settings, strategies as st, HealthCheck
    import neuronet as nn
    from neuronet.io import ModelFileError

    size = [int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmSize:")][0]
    budget = size + 300 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    template = Path(sys.argv[1])
    with np.load(template, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    base = json.loads(arrays.pop("neuronet.json").tobytes())
    folder = Path(tempfile.mkdtemp())

    sizes = st.integers(min_value=0, max_value=2**40) | st.sampled_from([0, 1, 5, 12_000, 100_000, 10**9, 2**63])
    json_values = sizes | st.recursive(
        st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
        | st.floats(allow_nan=False) | st.text(max_size=20),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
        max_leaves=20)
    paths = st.sampled_from([("architecture",), ("architecture", "layers"), ("architecture", "layers", 0),
                             ("architecture", "layers", 0, "in_features"), ("architecture", "layers", 0, "out_features"),
                             ("architecture", "dtype"), ("loss",), ("optimizer",), ("optimizer", "iterations"),
                             ("optimizer", "config"), ("classes",), ("classes", "values"), ("metadata",),
                             ("format",), ("version",)])

    def check(path):
        try:
            nn.load(path)
        except ModelFileError:
            pass

    def write(name, header_bytes, members=arrays):
        path = folder / name
        with zipfile.ZipFile(path, "w") as archive:
            for key, array in members.items():
                with archive.open(key + ".npy", "w") as handle:
                    np.lib.format.write_array(handle, array)
            with archive.open("neuronet.json.npy", "w") as handle:
                np.lib.format.write_array(handle, np.frombuffer(header_bytes, np.uint8))
        return path

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.binary(max_size=4000))
    def random_bytes(data):
        path = folder / "bytes.npz"
        path.write_bytes(b"PK\\x03\\x04" + data)
        check(path)

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.data())
    def random_descriptions(data):
        header = json.loads(json.dumps(base))
        for where in data.draw(st.lists(paths, min_size=1, max_size=3)):  # up to three fields changed at once
            node = header
            for key in where[:-1]:
                if (isinstance(node, dict) and key in node
                        or isinstance(node, list) and isinstance(key, int) and key < len(node)):
                    node = node[key]
                else:
                    node = None
                    break
            if isinstance(node, dict) or (isinstance(node, list) and isinstance(where[-1], int)
                                          and where[-1] < len(node)):
                node[where[-1]] = data.draw(json_values)
        check(write("header.npz", json.dumps(header).encode()))

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.binary(min_size=1, max_size=400), st.integers(0, 10**6))
    def flipped_bytes(noise, position):
        raw = bytearray(template.read_bytes())
        position %= len(raw)
        raw[position:position + len(noise)] = noise
        path = folder / "flipped.npz"
        path.write_bytes(bytes(raw))
        check(path)

    random_bytes()
    random_descriptions()
    flipped_bytes()
    print("fuzzed")
""")


@pytest.mark.slow
def test_fuzzed_files_only_ever_raise_model_file_error(model):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", FUZZ, str(model)], capture_output=True, text=True, env=env,
                            timeout=600)
    assert result.returncode == 0 and "fuzzed" in result.stdout, result.stderr[-3000:]


def test_the_device_is_saved_and_a_missing_gpu_falls_back_to_the_cpu(tmp_path, model):
    try:
        import cupy  # noqa: F401
        pytest.skip("this machine has CuPy: the fallback cannot be shown here")
    except ImportError:
        pass
    assert _header(model)["device"] == "cpu"
    header = _header(model)
    header["device"] = "cuda"
    arrays = _arrays(model)
    arrays["neuronet.json"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    np.savez(tmp_path / "gpu.npz", **arrays)
    with pytest.warns(UserWarning, match="saved from device 'cuda', loaded on the CPU"):
        net = nn.load(tmp_path / "gpu.npz")
    assert net.device == "cpu"
    with pytest.raises(ValueError, match="CuPy and a CUDA GPU"):
        nn.load(tmp_path / "gpu.npz", device="cuda")


# --- round two: everything a description makes the loader allocate is in one budget -------------------
def test_class_labels_that_would_take_gigabytes_are_refused_before_allocating(tmp_path, model):
    header = _header(model)
    header["architecture"]["layers"][-2]["out_features"] = 3000  # a 3,000-class output layer
    labels = [f"c{i}" for i in range(3000)]
    labels[7] = "x" * 1_000_000  # one long label: NumPy would give all 3,000 its width (12 GB)
    header["classes"] = {"dtype": "str", "values": labels}
    header["optimizer"] = None
    arrays = {"param/0.W": np.zeros((2, 5), np.float32), "param/0.b": np.zeros(5, np.float32),
              "param/2.W": np.zeros((5, 3000), np.float32), "param/2.b": np.zeros(3000, np.float32)}
    path = _write(tmp_path / "labels.npz", header, arrays)
    assert path.stat().st_size < 1_200_000
    out = _load_limited(path)
    assert out.startswith("ModelFileError") and "class labels" in out, out
    with pytest.raises(ModelFileError, match=r"class labels would take 12,000,000,000 bytes .* over the limit"):
        nn.load(path)  # also where that much memory is free: a fixed limit, not only the budget


def test_a_large_description_counts_against_the_budget(tmp_path, model, monkeypatch):
    header = _header(model)
    header["metadata"]["filler"] = [[] for _ in range(1_000_000)]  # 4 MB of JSON, 60 MB of Python lists
    path = _write(tmp_path / "big.npz", header, _arrays(model))
    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", "50M")
    with pytest.raises(ModelFileError, match="its description"):
        nn.load(path)
    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", "1G")
    assert len(nn.load(path).metadata["filler"]) == 1_000_000


def _patched(path, source, change):
    """``source`` copied to ``path`` with ``change(raw, local_header_offset, central_offset)`` applied to
    every member's local and central directory headers."""
    raw = bytearray(source.read_bytes())
    start = 0
    while (local := raw.find(b"PK\x03\x04", start)) >= 0:
        change(raw, local, "local")
        start = local + 4
    start = 0
    while (central := raw.find(b"PK\x01\x02", start)) >= 0:
        change(raw, central, "central")
        start = central + 4
    path.write_bytes(bytes(raw))
    return path


def _set_flag(raw, offset, kind):  # general-purpose bit 0: "encrypted"
    at = offset + (6 if kind == "local" else 8)
    raw[at] |= 0x01


def _set_method(method):
    def change(raw, offset, kind):
        at = offset + (8 if kind == "local" else 10)
        raw[at:at + 2] = method.to_bytes(2, "little")
    return change


@pytest.mark.parametrize("change, message", [
    (_set_flag, "encrypted"),
    (_set_method(99), "compression method 99"),   # AES: what zipfile cannot read (NotImplementedError)
    (_set_method(12), "compression method 12"),   # bzip2 declared over stored bytes (OSError inside bz2)
    (_set_method(14), "compression method 14"),   # lzma
])
def test_every_failure_of_the_zip_layer_is_a_model_file_error(tmp_path, model, change, message):
    path = _patched(tmp_path / "z.npz", model, change)
    with pytest.raises(ModelFileError, match=message):
        nn.load(path)


def test_a_bad_checksum_is_a_model_file_error(tmp_path, model):
    raw = bytearray(model.read_bytes())
    with zipfile.ZipFile(model) as archive:
        info = archive.getinfo("param/0.W.npy")
    data_start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[data_start + info.file_size - 1] ^= 0xFF  # the last byte of the weights: same length, wrong CRC
    (tmp_path / "crc.npz").write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="CRC"):
        nn.load(tmp_path / "crc.npz")
