"""fit from tables (encoded by the network's TableEncoder) and from streams (Parquet, .npy,
iterables, Dask collections): the same training as from the equivalent arrays."""

import numpy as np
import pytest

import neuronet as nn
from neuronet.errors import ConfigurationError, DataError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pd = pytest.importorskip("pandas")

from neuronet.datasets.tables import load_penguins  # noqa: E402
from neuronet.tables import TableEncoder  # noqa: E402


def _net(width, outputs=3):
    return nn.MLP([width, 8, outputs], "relu", rng=0, kernels="numpy")


def test_a_dataframe_with_text_columns_and_missing_values_trains_and_keeps_its_labels():
    table, target = load_penguins()
    frame = table.to_pandas()
    encoder = TableEncoder(target=target).fit(table)
    net = _net(encoder.width)
    history = net.fit(frame, target, epochs=30, batch_size=16, seed=0, verbose=0, lr=0.01)
    assert history.history["accuracy"][-1] > 0.9
    assert net.encoder.width == encoder.width
    assert sorted(map(str, net.classes)) == ["Adelie", "Chinstrap", "Gentoo"]
    X = net.encoder.transform(table)
    assert set(net.predict(X)) <= {"Adelie", "Chinstrap", "Gentoo"}
    # raw rows in: the network applies its encoding (a DataFrame, an Arrow table)
    np.testing.assert_array_equal(net.predict(frame), net.predict(X))
    np.testing.assert_array_equal(net.predict_proba(table), net.predict_proba(X))
    labelled = frame.dropna(subset=[target])
    assert net.evaluate(labelled, labelled[target])["accuracy"] > 0.9
    assert net.evaluate(table, target) == net.evaluate(labelled, labelled[target])  # the column by its name
    # the same run from the encoded arrays and the labels
    reference = _net(encoder.width)
    X_ref, index = encoder.transform_xy(table)
    reference.fit(X_ref, encoder.target.decode(index), epochs=30, batch_size=16, seed=0, verbose=0, lr=0.01)
    np.testing.assert_array_equal(net.parameter_vector(), reference.parameter_vector())


def test_encoding_options_reach_the_encoder_and_bad_ones_are_named():
    table, target = load_penguins()
    net = _net(30)
    with pytest.raises(ConfigurationError, match="scaling"):
        net.fit(table, target, epochs=1, verbose=0, encoding={"scaling": "sideways"})
    with pytest.raises(ConfigurationError, match="encoding: applies to tables"):
        net.fit(np.zeros((4, 30), np.float32), [0, 1, 2, 0], epochs=1, verbose=0, encoding={"scaling": "robust"})


def _parquet(tmp_path, table, row_group_size=50):
    path = tmp_path / "penguins.parquet"
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def test_a_parquet_file_streams_with_its_encoding_learned_in_a_first_pass(tmp_path):
    table, target = load_penguins()
    path = _parquet(tmp_path, table)
    encoder = TableEncoder(target=target).fit(table)
    net = _net(encoder.width)
    history = net.fit(path, target, epochs=40, batch_size=16, seed=0, verbose=0, lr=0.01)
    assert history.history["accuracy"][-1] > 0.9
    assert sorted(map(str, net.classes)) == ["Adelie", "Chinstrap", "Gentoo"]
    X, index = net.encoder.transform_xy(table)
    assert np.mean(net.predict(X) == net.encoder.target.decode(index)) > 0.9
    with pytest.raises(ConfigurationError, match="validation_split"):
        _net(encoder.width).fit(path, target, epochs=1, verbose=0, validation_split=0.2)


def test_a_memory_mapped_npy_trains_like_the_array_it_holds(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    streamed = nn.MLP([4, 6, 2], "tanh", rng=0, kernels="numpy")
    streamed.fit(str(tmp_path / "X.npy"), str(tmp_path / "y.npy"), epochs=5, batch_size=20, verbose=0, shuffle=False)
    in_memory = nn.MLP([4, 6, 2], "tanh", rng=0, kernels="numpy")
    in_memory.fit(X, y, epochs=5, batch_size=20, verbose=0, shuffle=False)
    np.testing.assert_allclose(streamed.parameter_vector(), in_memory.parameter_vector(), rtol=1e-6, atol=1e-7)


def test_an_iterable_of_batches_is_a_stream():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    batches = lambda: ((X[i:i + 40], y[i:i + 40]) for i in range(0, 120, 40))  # noqa: E731
    net = nn.MLP([3, 5, 2], "tanh", rng=0, kernels="numpy")
    history = net.fit(batches, epochs=30, batch_size=10, verbose=0, seed=0, lr=0.05)
    assert history.history["accuracy"][-1] > 0.9
    with pytest.raises(ConfigurationError, match="carries its own targets"):
        net.fit(batches, y, epochs=1, verbose=0)


@pytest.mark.slow
def test_dask_collections_stream_partition_by_partition():
    dask_array = pytest.importorskip("dask.array")
    dask_frame = pytest.importorskip("dask.dataframe")
    from neuronet import training_data

    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 3)).astype(np.float32)
    y = (X[:, 0] - X[:, 2] > 0).astype(np.int64)
    computed = []
    original = training_data._dask_batches

    def counting(X_, y_):
        for item in original(X_, y_):
            computed.append(len(item[0]))
            yield item

    training_data._dask_batches = counting
    try:
        net = nn.MLP([3, 6, 2], "tanh", rng=0, kernels="numpy")
        net.fit(dask_array.from_array(X, chunks=(50, 3)), dask_array.from_array(y, chunks=50), epochs=20,
                batch_size=25, verbose=0, seed=0, lr=0.05)
        assert np.mean(net.predict(X) == y) > 0.9
        assert max(computed) == 50  # a partition at a time, never the whole collection
        table, target = load_penguins()
        frame = dask_frame.from_pandas(table.to_pandas(), npartitions=4)
        computed.clear()
        penguins = _net(TableEncoder(target=target).fit(table).width)
        history = penguins.fit(frame, target, epochs=30, batch_size=16, seed=0, verbose=0, lr=0.01)
        assert history.history["accuracy"][-1] > 0.9
        assert max(computed) < 344
    finally:
        training_data._dask_batches = original


def test_a_list_of_batches_is_a_stream_and_an_empty_stream_is_an_error():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(60, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    net = nn.MLP([3, 4, 2], "tanh", rng=0, kernels="numpy")
    history = net.fit([(X[:30], y[:30]), (X[30:], y[30:])], epochs=3, batch_size=10, verbose=0, seed=0)
    assert len(history.history["loss"]) == 3
    with pytest.raises(DataError, match="the stream gave no rows"):
        nn.MLP([3, 4, 2], rng=0).fit(iter([]), epochs=2, verbose=0)
    with pytest.raises(DataError, match="X: has no rows"):
        nn.MLP([3, 4, 2], rng=0).fit(X[:0], y[:0], epochs=1, verbose=0)
