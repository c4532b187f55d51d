import gzip
import hashlib
import http.server
import io
import re
import struct
import sys
import tarfile
import threading

import numpy as np
import pytest

from neuronet import datasets
from neuronet.datasets import cifar, download, mnist
from neuronet.datasets.download import ChecksumError, DownloadError, RemoteFile
from neuronet.errors import ConfigurationError


# --- toy generators -----------------------------------------------------------------------
@pytest.mark.parametrize("name", list(datasets.GENERATORS))
def test_generators_shape_determinism_and_validation(name):
    generator = datasets.GENERATORS[name]
    X, y = generator(n_samples=101, seed=3)
    assert X.shape == (101, 2) and y.shape == (101,) and y.dtype == np.int64
    X2, y2 = generator(n_samples=101, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, generator(n_samples=101, seed=4)[0])
    with pytest.raises(ValueError, match="n_samples"):
        generator(n_samples=0)
    with pytest.raises(ValueError, match="noise"):
        generator(n_samples=10, noise=-1)


def test_gaussians_follow_seed_001():
    X, y = datasets.make_gaussians(20000, seed=0)
    np.testing.assert_allclose(np.bincount(y) / len(y), [0.4, 0.4, 0.2], atol=1e-3)
    for label, mean, std in zip(range(3), [(-0.5, -0.5), (0.5, 1.0), (1.0, -0.5)], [(0.7, 0.7), (0.8, 0.3), (0.3, 0.8)]):
        np.testing.assert_allclose(X[y == label].mean(axis=0), mean, atol=0.03)
        np.testing.assert_allclose(X[y == label].std(axis=0), std, rtol=0.05)


def test_spiral_classes_and_xor_labels():
    _, y = datasets.make_spiral(500, n_classes=5, seed=0)
    assert set(y) == set(range(5))
    X, y = datasets.make_xor(200, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))


@pytest.mark.parametrize("kind, curve", [("sine", lambda x: 0.5 * np.sin(np.pi * x)),
                                         ("cubic", lambda x: x ** 3 - 0.5 * x), ("abs", lambda x: np.abs(x) - 0.5)])
def test_boundary_sets_split_by_the_curve(kind, curve):
    X, y = datasets.make_boundary(500, kind=kind, seed=0)
    np.testing.assert_array_equal(y, (X[:, 1] > curve(X[:, 0])).astype(int))
    with pytest.raises(ValueError, match="kind"):
        datasets.make_boundary(10, kind="circle")


# --- bundled --------------------------------------------------------------------------------
@pytest.mark.parametrize("name, features, classes", [("digits", 64, 10), ("iris", 4, 3), ("wine", 13, 3),
                                                     ("breast_cancer", 30, 2)])
def test_bundled_sets(name, features, classes):
    (X_train, y_train), (X_test, y_test) = datasets.load(name)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert X_train.shape[1] == X_test.shape[1] == features
    assert len(X_test) == pytest.approx(0.2 * (len(X_train) + len(X_test)), abs=classes)
    assert set(y_test) == set(range(classes))
    train_share = np.bincount(y_train) / len(y_train)
    np.testing.assert_allclose(np.bincount(y_test) / len(y_test), train_share, atol=0.03)  # stratified
    again = datasets.load(name)
    np.testing.assert_array_equal(again[0][0], X_train)  # fixed split
    if name == "digits":
        assert X_train.min() == 0 and X_train.max() == 1
    else:
        np.testing.assert_allclose(X_train.mean(axis=0), 0, atol=1e-5)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown name 'mnist2'.*digits"):
        datasets.load("mnist2")


# --- files ----------------------------------------------------------------------------------
def test_from_csv_numbers_and_text_labels(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n1,2,cat\n3,4.5,dog\n")
    X, y = datasets.from_csv(path, target="label")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4.5]])
    assert y.tolist() == ["cat", "dog"]
    path.write_text("label,a\n0,1\n1,2\n")
    X, y = datasets.from_csv(path, target="label")
    assert y.dtype == np.int64 and X.shape == (2, 1)


@pytest.mark.parametrize("content, target, message", [
    ("a,b\n1,2\n", "label", r"no column named 'label'; the columns are a, b"),
    ("a,label\n1,0\nx,1\n", "label", r"column 'a', data row 2: 'x' is not a number"),
    ("a,label\n1,0\nnan,1\n", "label", r"column 'a', data row 2: 'nan' is missing or not finite"),
    ("a,label\n1,0\n2\n", "label", "line 3 has 1 cells but the header has 2"),
    ("a,label\n", "label", "at least one data row"),
])
def test_from_csv_errors(tmp_path, content, target, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(datasets.DataError, match=message):
        datasets.from_csv(path, target=target)


def test_from_npz(tmp_path):
    np.savez(tmp_path / "d.npz", X=np.ones((3, 2)), y=np.arange(3))
    arrays = datasets.from_npz(tmp_path / "d.npz")
    (X, y), test = datasets.as_pairs(arrays)
    assert X.shape == (3, 2) and test is None
    np.savez(tmp_path / "nan.npz", X=np.full((3, 2), np.nan), y=np.arange(3))
    with pytest.raises(datasets.DataError, match="NaN"):
        datasets.from_npz(tmp_path / "nan.npz")
    np.savez(tmp_path / "obj.npz", X=np.array([{"a": 1}], dtype=object), y=np.arange(1))
    with pytest.raises(datasets.DataError, match="pickled"):
        datasets.from_npz(tmp_path / "obj.npz")


# --- downloads against a local server ---------------------------------------------------------
class LocalServer:
    """An HTTP server on 127.0.0.1 in a thread; ``url`` is where its files are."""

    def serve(self, handler):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/files"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Server(LocalServer):
    """Serves ``files`` on 127.0.0.1; ``mode`` decides how: ok, break (close half-way through on
    the first request), no_range (ignore Range headers)."""

    def __init__(self, files):
        self.files, self.mode, self.requests = files, "ok", []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                outer.requests.append((name, self.headers.get("Range")))
                if name not in outer.files:
                    self.send_error(404)
                    return
                body = outer.files[name]
                start = 0
                if self.headers.get("Range") and outer.mode != "no_range":
                    start = int(self.headers["Range"].split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                if outer.mode == "break":
                    outer.mode = "ok"
                    self.wfile.write(body[start:start + (len(body) - start) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                self.wfile.write(body[start:])

        self.serve(Handler)


def idx_bytes(array):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def fake_mnist(monkeypatch):
    rng = np.random.default_rng(0)
    contents = {"train_images": rng.integers(0, 256, (12, 28, 28)), "train_labels": rng.integers(0, 10, 12),
                "test_images": rng.integers(0, 256, (5, 28, 28)), "test_labels": rng.integers(0, 10, 5)}
    served, remotes = {}, {}
    for part, remote in mnist.FILES["mnist"].items():
        body = idx_bytes(contents[part])
        served[remote.url.rsplit("/", 1)[-1]] = body
        remotes[part] = RemoteFile(remote.name, remote.url, hashlib.sha256(body).hexdigest(), len(body))
    monkeypatch.setitem(mnist.FILES, "mnist", remotes)
    server = Server(served)
    yield server, contents
    server.close()


def test_mnist_downloads_once_then_uses_the_cache(tmp_path, fake_mnist):
    server, contents = fake_mnist
    (X_train, y_train), (X_test, y_test) = datasets.load("mnist", base_url=server.url, folder=tmp_path, verbose=False)
    assert X_train.shape == (12, 784) and X_train.dtype == np.float32 and X_test.shape == (5, 784)
    np.testing.assert_allclose(X_train, contents["train_images"].reshape(12, -1) / 255, rtol=1e-6)
    np.testing.assert_array_equal(y_test, contents["test_labels"])
    first = len(server.requests)
    assert first == 4
    datasets.load("mnist", base_url=server.url, folder=tmp_path, verbose=False)
    assert len(server.requests) == first
    assert all(entry["available"] for entry in datasets.catalogue(tmp_path) if entry["name"] == "mnist")


def test_corrupted_download_is_removed(tmp_path, fake_mnist):
    server, _ = fake_mnist
    name = "train-labels-idx1-ubyte.gz"
    server.files[name] = server.files[name][:-3] + b"xyz"
    with pytest.raises(ChecksumError, match=r"train-labels-idx1-ubyte.gz: downloaded file has SHA-256"):
        datasets.load("mnist", base_url=server.url, folder=tmp_path, verbose=False)
    assert not (tmp_path / "mnist-train-labels-idx1-ubyte.gz").exists()
    assert not list(tmp_path.glob("*.part"))


def test_broken_download_resumes(tmp_path):
    body = np.random.default_rng(0).integers(0, 256, 50_000).astype(np.uint8).tobytes()
    remote = RemoteFile("blob.bin", "http://x/blob.bin", hashlib.sha256(body).hexdigest(), len(body))
    server = Server({"blob.bin": body})
    try:
        server.mode = "break"
        with pytest.raises(DownloadError, match="broke off after 25,000 of 50,000 bytes; run again to resume"):
            download.fetch(remote.at(server.url), tmp_path, verbose=False)
        assert not (tmp_path / "blob.bin").exists()
        assert (tmp_path / "blob.bin.part").stat().st_size == 25_000
        path = download.fetch(remote.at(server.url), tmp_path, verbose=False)
        assert path.read_bytes() == body
        assert server.requests[-1] == ("blob.bin", "bytes=25000-")
        assert not (tmp_path / "blob.bin.part").exists()
    finally:
        server.close()


def test_server_ignoring_range_restarts_cleanly(tmp_path):
    body = bytes(range(256)) * 100
    remote = RemoteFile("blob.bin", "http://x/blob.bin", hashlib.sha256(body).hexdigest())
    (tmp_path / "blob.bin.part").write_bytes(body[:1000])
    server = Server({"blob.bin": body})
    server.mode = "no_range"
    try:
        assert download.fetch(remote.at(server.url), tmp_path, verbose=False).read_bytes() == body
    finally:
        server.close()


def test_offline_message_names_url_and_folder(tmp_path):
    server = Server({})
    url = server.url
    server.close()
    remote = RemoteFile("f.gz", "http://example.invalid/f.gz", "0" * 64)
    with pytest.raises(DownloadError) as caught:
        download.fetch(remote.at(url), tmp_path, verbose=False, timeout=5)
    message = str(caught.value)
    assert f"{url}/f.gz" in message and f"put it in {tmp_path}/ as f.gz" in message


def test_altered_cached_file_is_fetched_again(tmp_path):
    body = b"payload" * 100
    remote = RemoteFile("p.bin", "http://x/p.bin", hashlib.sha256(body).hexdigest())
    (tmp_path / "p.bin").write_bytes(b"tampered")
    server = Server({"p.bin": body})
    try:
        assert download.fetch(remote.at(server.url), tmp_path, verbose=False).read_bytes() == body
    finally:
        server.close()


def test_data_home_honours_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NEURONET_DATA", str(tmp_path / "mine"))
    assert download.data_home() == tmp_path / "mine"
    monkeypatch.delenv("NEURONET_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert download.data_home() == tmp_path / "xdg" / "neuronet"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert download.data_home() == tmp_path / ".cache" / "neuronet"


def test_cifar10_binary_archive(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    buffer = io.BytesIO()
    expected = {}
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for member in cifar.TRAIN_MEMBERS + cifar.TEST_MEMBERS:
            records = rng.integers(0, 256, (3, cifar.RECORD)).astype(np.uint8)
            records[:, 0] %= 10
            expected[member] = records
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{member}")
            info.size = records.nbytes
            tar.addfile(info, io.BytesIO(records.tobytes()))
    body = buffer.getvalue()
    monkeypatch.setattr(cifar, "ARCHIVE", RemoteFile(cifar.ARCHIVE.name, cifar.ARCHIVE.url,
                                                     hashlib.sha256(body).hexdigest()))
    server = Server({"cifar-10-binary.tar.gz": body})
    try:
        (X_train, y_train), (X_test, y_test) = datasets.load("cifar10", base_url=server.url, folder=tmp_path,
                                                            verbose=False)
    finally:
        server.close()
    assert X_train.shape == (15, 3072) and X_test.shape == (3, 3072)
    np.testing.assert_array_equal(y_test, expected["test_batch.bin"][:, 0])
    np.testing.assert_allclose(X_train[:3], expected["data_batch_1.bin"][:, 1:] / 255, rtol=1e-6)


def test_a_damaged_cached_file_is_reported_and_offline_the_error_says_so(tmp_path, fake_mnist, capsys,
                                                                        monkeypatch):
    from neuronet.cli import main

    server, _ = fake_mnist
    datasets.load("mnist", base_url=server.url, folder=tmp_path, verbose=False)
    assert next(e for e in datasets.catalogue(tmp_path) if e["name"] == "mnist")["status"] == "cached"
    cached = tmp_path / "mnist-train-labels-idx1-ubyte.gz"
    cached.write_bytes(b"x" + cached.read_bytes()[1:])  # same size, different bytes
    entry = next(e for e in datasets.catalogue(tmp_path) if e["name"] == "mnist")
    assert entry["status"] == "damaged" and not entry["available"]
    monkeypatch.setenv("NEURONET_DATA", str(tmp_path))
    assert main(["datasets"]) == 0
    out, err = capsys.readouterr()
    assert re.search(r"^mnist\s+download\s+DAMAGED", out, re.M) and "fails its SHA-256" in err
    url = server.url
    server.close()  # offline
    with pytest.raises(DownloadError, match="did not have the expected SHA-256 .* was removed. could not download"):
        datasets.load("mnist", base_url=url, folder=tmp_path, verbose=False)
    assert next(e for e in datasets.catalogue(tmp_path) if e["name"] == "mnist")["status"] == "missing"


def test_an_unwritable_cache_is_not_called_a_broken_download(tmp_path):
    body = b"data" * 100
    remote = RemoteFile("w.bin", "http://x/w.bin", hashlib.sha256(body).hexdigest())
    (tmp_path / "w.bin.part").mkdir()  # the part file cannot be opened for writing
    server = Server({"w.bin": body})
    try:
        with pytest.raises(DownloadError) as caught:
            download.fetch(remote.at(server.url), tmp_path, verbose=False)
    finally:
        server.close()
    assert "cannot write" in str(caught.value) and "broke off" not in str(caught.value)
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(DownloadError, match="cannot create the data folder"):
        download.fetch(remote, blocked / "cache", verbose=False)


@pytest.mark.parametrize("content, message", [
    ("a,label\n1,0\n2,nan\n3,1\n", r"data row 2: label 'nan' is missing or not finite"),
    ("a,label\n1,0\n2,inf\n3,1\n", r"data row 2: label 'inf'"),
    ("a,label\n1,x\n2,\n3,y\n", r"data row 2: label '' is missing"),
])
def test_non_finite_labels_are_reported(tmp_path, content, message):
    path = tmp_path / "labels.csv"
    path.write_text(content)
    with pytest.raises(datasets.DataError, match=message):
        datasets.from_csv(path)


def test_the_delimiter_is_detected(tmp_path):
    for delimiter in (",", ";", "\t"):
        path = tmp_path / "d.csv"
        path.write_text(delimiter.join(["a", "b", "label"]) + "\n" + delimiter.join(["1.5", "2", "x"]) + "\n")
        X, y = datasets.from_csv(path)
        assert X.tolist() == [[1.5, 2.0]] and y.tolist() == ["x"]


def test_the_cache_variables_are_validated(monkeypatch, tmp_path):
    from neuronet.errors import ConfigurationError

    a_file = tmp_path / "file"
    a_file.write_text("x")
    monkeypatch.setenv("NEURONET_DATA", str(a_file))
    with pytest.raises(ConfigurationError, match="NEURONET_DATA: expected a folder"):
        download.data_home()
    monkeypatch.delenv("NEURONET_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG specification: ignored unless absolute
    monkeypatch.setenv("HOME", str(tmp_path))
    assert download.data_home() == tmp_path / ".cache" / "neuronet"


# --- downloads: the catalogue's size, a deadline, and no .part after a failure ------------------------
class StreamingServer(LocalServer):
    """Serves one file on 127.0.0.1 from ``blocks`` (an iterable of bytes), with the given headers;
    records how many bytes it managed to send before the client went away."""

    def __init__(self, blocks, headers=()):
        self.sent, self.finished = 0, False
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.send_response(200)
                for key, value in headers:
                    self.send_header(key, value)
                self.end_headers()
                try:
                    for block in blocks():
                        self.wfile.write(block)
                        self.wfile.flush()
                        outer.sent += len(block)
                    outer.finished = True
                except OSError:
                    pass

        self.serve(Handler)


def test_a_mirror_serving_more_than_the_catalogue_says_is_stopped(tmp_path):
    size = 10_000
    remote = RemoteFile("big.bin", "http://x/big.bin", "0" * 64, size)
    endless = StreamingServer(lambda: (bytes(1 << 16) for _ in range(1024)))  # 64 MB, no Content-Length
    try:
        with pytest.raises(DownloadError, match="sent more than the file's 10,000 bytes; stopped and removed"):
            download.fetch(remote.at(endless.url), tmp_path, verbose=False)
    finally:
        endless.close()
    assert not endless.finished and endless.sent < 32 << 20  # it stopped reading long before the end
    assert list(tmp_path.iterdir()) == []
    announced = StreamingServer(lambda: [bytes(20_000)], headers=[("Content-Length", "20000")])
    try:
        with pytest.raises(DownloadError, match="offers 20,000 bytes, but the file is 10,000"):
            download.fetch(remote.at(announced.url), tmp_path, verbose=False)
    finally:
        announced.close()
    assert list(tmp_path.iterdir()) == []


def test_a_trickling_server_meets_the_overall_deadline(tmp_path):
    stop = threading.Event()

    def trickle():
        yield bytes(100)
        while not stop.wait(0.02):  # a byte now and then: every read succeeds, the whole never ends
            yield b"x"

    remote = RemoteFile("slow.bin", "http://x/slow.bin", "0" * 64, 1_000_000)
    server = StreamingServer(trickle, headers=[("Content-Length", "1000000")])
    try:
        with pytest.raises(DownloadError, match="did not finish in time .* run again to resume"):
            download.fetch(remote.at(server.url), tmp_path, verbose=False, timeout=30, deadline=0.5)
    finally:
        stop.set()
        server.close()
    assert (tmp_path / "slow.bin.part").stat().st_size >= 100  # kept: the next run resumes from it
    with pytest.raises(ConfigurationError, match="deadline"):
        download.fetch(remote, tmp_path, deadline=float("nan"))


def test_a_full_disk_leaves_no_part_file(tmp_path):
    import subprocess

    body = np.random.default_rng(0).integers(0, 256, 300_000).astype(np.uint8).tobytes()
    remote = RemoteFile("f.bin", "http://x/f.bin", hashlib.sha256(body).hexdigest(), len(body))
    point = tmp_path / "disk"
    point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(point)],
                             capture_output=True).returncode == 0
    server = Server({"f.bin": body})
    try:
        if mounted:
            with pytest.raises(DownloadError, match="No space left on device .* the partial file was removed"):
                download.fetch(remote.at(server.url), point, verbose=False)
            assert list(point.iterdir()) == []
        else:  # no mounting here: a file-size limit in a child process
            script = ("import resource, signal, sys\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
                      "resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))\n"
                      "from neuronet.datasets import download\n"
                      f"remote = download.RemoteFile('f.bin', {server.url!r} + '/f.bin', {remote.sha256!r}, {len(body)})\n"
                      "try:\n    download.fetch(remote, sys.argv[1], verbose=False)\n"
                      "except download.DownloadError as e:\n    print('DownloadError', e)\n")
            result = subprocess.run([sys.executable, "-c", script, str(point)], capture_output=True, text=True)
            assert "DownloadError" in result.stdout and "partial file was removed" in result.stdout, result
            assert list(point.iterdir()) == []
    finally:
        server.close()
        if mounted:
            subprocess.run(["umount", "-l", str(point)], capture_output=True)


# --- tables: which data is read as a table, the split, the bundled tables ------------------------
def test_which_files_are_read_as_tables(tmp_path, monkeypatch):
    from neuronet.datasets.resolve import reads_as_table, should_stream

    numbers = tmp_path / "n.csv"
    numbers.write_text("a,b,label\n1,2,x\n3,4,y\n")
    text = tmp_path / "t.csv"
    text.write_text("a,b,label\n1,red,x\n3,blue,y\n")
    missing = tmp_path / "m.csv"
    missing.write_text("a,b,label\n1,,x\n3,4,y\n")
    assert not reads_as_table(str(numbers)) and reads_as_table(str(numbers), forced=True)
    assert reads_as_table(str(text)) and reads_as_table(str(missing))
    assert reads_as_table("penguins") and reads_as_table("cars") and not reads_as_table("iris") and not reads_as_table("moons")
    assert reads_as_table(str(tmp_path / "x.parquet")) and reads_as_table(str(tmp_path)) and reads_as_table(str(tmp_path / "x.tsv"))
    assert not reads_as_table(str(tmp_path / "x.npz"))
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"a": np.arange(1000.0)}), tmp_path / "big.parquet")
    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", "100")
    assert should_stream(tmp_path / "big.parquet")
    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", "1G")
    assert not should_stream(tmp_path / "big.parquet")


def test_a_table_split_is_stratified_seeded_and_keeps_a_rare_class_in_training():
    import pyarrow as pa

    from neuronet.datasets.resolve import split_table

    labels = ["common"] * 90 + ["rare"] * 9 + ["single"] + [None] * 3
    table = pa.table({"x": np.arange(103.0), "y": labels})
    train, test = split_table(table, "y", seed=1, classification=True)
    y = np.array(labels, dtype=object)
    assert len(train) + len(test) == 100 and not set(train) & set(test)
    assert sorted(y[test].tolist()).count("common") == 18 and y[test].tolist().count("rare") == 2
    assert "single" in y[train].tolist() and None not in y[train].tolist() + y[test].tolist()
    again = split_table(table, "y", seed=1, classification=True)
    assert np.array_equal(again[0], train) and np.array_equal(again[1], test)
    regression = split_table(pa.table({"x": np.arange(10.0), "y": np.arange(10.0)}), "y", 0, classification=False)
    assert len(regression[1]) == 2


def test_the_bundled_tables_are_in_the_catalogue_and_load_encoded():
    entries = {entry["name"]: entry for entry in datasets.catalogue()}
    assert entries["penguins"]["kind"] == "table" and entries["cars"]["kind"] == "table"
    (X_train, y_train), (X_test, y_test) = datasets.load("penguins")
    assert X_train.dtype == np.float32 and X_train.shape == (275, 20) and X_test.shape == (69, 20)
    assert set(y_train.tolist()) == {"Adelie", "Chinstrap", "Gentoo"} and np.isfinite(X_train).all()
    (X_train, y_train), _ = datasets.load("cars")
    assert y_train.dtype == np.float64 and np.isfinite(X_train).all()


def test_a_class_with_one_row_stays_in_training_so_the_run_can_test_every_class():
    from neuronet.datasets.split import train_test_indices

    y = np.array(["A"] * 20 + ["B"] * 20 + ["C"] + ["D"] * 2)
    for seed in range(10):
        train, test = train_test_indices(y, seed)
        assert set(y[test]) <= set(y[train]) == {"A", "B", "C", "D"}
        assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == len(y)
