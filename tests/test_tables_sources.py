"""neuronet.tables.sources: every row exactly once per epoch, bounded buffers, the same batches
for the same seed, and training through a Trainer from a stream."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuronet.datasets.tables import load_penguins
from neuronet.errors import ConfigurationError, DataError
from neuronet.tables.encoding import TableEncoder
from neuronet.tables.sources import (ArraySource, IterableSource, NpySource, ParquetSource, ShuffleBuffer, Source,
                                     as_source, train_epoch)

N, WIDTH = 1000, 3


def _data():
    rows = np.arange(N)
    X = np.stack([rows, rows * 2, rows * 3], axis=1).astype(np.float32)
    return X, rows.astype(np.int64), (rows % 7).astype(np.float64)


def _ids(batches):
    """The row ids an epoch produced, checking X, y and the weights stayed together."""
    ids = []
    for X, y, w in batches:
        assert np.array_equal(X[:, 1], 2 * X[:, 0]) and np.array_equal(y, X[:, 0].astype(np.int64))
        if w is not None:
            assert np.array_equal(w, y % 7)
        ids.append(y)
    return np.concatenate(ids)


@pytest.fixture
def sources(tmp_path):
    X, y, w = _data()
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    pq.write_table(pa.table({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "label": y, "w": w}), tmp_path / "d.parquet",
                   row_group_size=128)
    return {
        "array": lambda: ArraySource(X, y, w),
        "npy": lambda: NpySource(tmp_path / "X.npy", tmp_path / "y.npy", w, block_rows=96, buffer_rows=150),
        "parquet": lambda: ParquetSource(tmp_path / "d.parquet", target="label", weight="w", read_rows=50,
                                         buffer_rows=150),
        "iterable": lambda: IterableSource(lambda: ((X[i:i + 61], y[i:i + 61], w[i:i + 61]) for i in range(0, N, 61)),
                                           buffer_rows=150),
    }


@pytest.mark.parametrize("kind", ["array", "npy", "parquet", "iterable"])
def test_every_row_exactly_once_per_epoch_shuffled_and_in_order(sources, kind):
    source = sources[kind]()
    assert isinstance(source, Source) and source.n_features == WIDTH
    rng = np.random.default_rng(1)
    first, second = (_ids(source.batches(32, rng=rng)) for _ in range(2))
    for epoch in (first, second):
        assert np.array_equal(np.sort(epoch), np.arange(N))
    assert not np.array_equal(first, np.arange(N)) and not np.array_equal(first, second)  # shuffled, anew per epoch
    sizes = [len(batch.X) for batch in source.batches(32, rng=rng)]
    assert sizes == [32] * (N // 32) + [N % 32]
    assert np.array_equal(_ids(source.batches(32)), np.arange(N))  # rng=None: the stored order


@pytest.mark.parametrize("kind", ["array", "npy", "parquet", "iterable"])
def test_the_same_seed_gives_the_same_batches(sources, kind):
    one, two = sources[kind](), sources[kind]()
    a = _ids(one.batches(40, rng=np.random.default_rng(7)))
    b = _ids(two.batches(40, rng=np.random.default_rng(7)))
    c = _ids(two.batches(40, rng=np.random.default_rng(8)))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize("kind", ["npy", "parquet", "iterable"])
def test_streamed_sources_hold_at_most_the_buffer(sources, kind):
    source = sources[kind]()
    list(source.batches(32, rng=np.random.default_rng(0)))
    assert source.buffer.capacity == 150 and source.buffer.peak <= 150
    if kind == "parquet":
        assert source.largest_read <= 50


def test_a_stream_mixes_rows_only_within_reach_of_the_buffer():
    """The documented limit of the randomness: with units of u rows and a buffer of b rows, the first
    batch can only hold rows of the first units read, never rows from everywhere."""
    X = np.arange(10_000, dtype=np.float64)[:, None]
    source = IterableSource(lambda: ((X[i:i + 100], X[i:i + 100, 0]) for i in range(0, 10_000, 100)), buffer_rows=200)
    first = next(iter(source.batches(50, rng=np.random.default_rng(0))))
    assert first.y.max() < 200  # the chunks arrive in order here: the first batch is drawn from the first 200 rows


def test_the_shuffle_buffer_draws_without_replacement():
    rng = np.random.default_rng(3)
    buffer = ShuffleBuffer(64, 16, rng)
    rows = np.arange(500)
    out = [drawn[0] for start in range(0, 500, 37) for drawn in buffer.push((rows[start:start + 37],))]
    out += [drawn[0] for drawn in buffer.drain()]
    everything = np.concatenate(out)
    assert np.array_equal(np.sort(everything), rows) and buffer.peak == 64 and buffer.size == 0
    assert all(len(batch) == 16 for batch in out[:-1])


def test_parquet_through_the_encoder_gives_the_encoded_rows(tmp_path):
    table, target = load_penguins()
    pq.write_table(table, tmp_path / "p.parquet", row_group_size=40)
    encoder = TableEncoder(target=target).fit(tmp_path / "p.parquet")  # fitted in one streaming pass
    X, y = encoder.transform_xy(table)
    source = ParquetSource(tmp_path / "p.parquet", encoder=encoder, read_rows=16, buffer_rows=64)
    assert source.n_features == encoder.width and source.n_rows == 344 and len(source.units) == 9
    batches = list(source.batches(25, rng=np.random.default_rng(0)))
    got_X, got_y = np.concatenate([b.X for b in batches]), np.concatenate([b.y for b in batches])
    order = np.lexsort(np.column_stack([got_X, got_y]).T)
    expected = np.lexsort(np.column_stack([X, y]).T)
    np.testing.assert_array_equal(got_X[order], X[expected])
    np.testing.assert_array_equal(got_y[order], y[expected])
    in_order = list(source.batches(344))
    np.testing.assert_array_equal(in_order[0].X, X)
    whole_groups = ParquetSource(tmp_path / "p.parquet", encoder=encoder, read_rows=64)  # a row group in one read
    assert whole_groups.largest_read == 0
    np.testing.assert_array_equal(next(iter(whole_groups.batches(344))).X, X)
    assert whole_groups.largest_read == 40


def test_bad_sources_are_named(tmp_path):
    X, y, _ = _data()
    with pytest.raises(DataError, match="y: expected 1000 rows"):
        ArraySource(X, y[:10])
    with pytest.raises(DataError, match="X: expected a 2-d numeric array"):
        ArraySource(np.array(["a", "b"]))
    with pytest.raises(DataError, match="absent.npy: no such file"):
        NpySource(tmp_path / "absent.npy")
    (tmp_path / "bad.npy").write_bytes(b"not an array")
    with pytest.raises(DataError, match="bad.npy: not a readable .npy array"):
        NpySource(tmp_path / "bad.npy")
    pq.write_table(pa.table({"a": [1.0, None], "label": [0, 1]}), tmp_path / "gaps.parquet")
    with pytest.raises(DataError, match="column 'a' has missing values; use a TableEncoder"):
        list(ParquetSource(tmp_path / "gaps.parquet", target="label").batches(2))
    clean = pa.table({"x": np.arange(100.0), "t": ["a", "b"] * 50})
    encoder = TableEncoder(target="t").fit(clean)
    broken = clean.to_pydict()
    broken["x"][95] = float("inf")
    pq.write_table(pa.table(broken), tmp_path / "inf.parquet", row_group_size=30)
    with pytest.raises(DataError, match=r"inf.parquet: column 'x': an infinite value in data row 96$"):
        list(ParquetSource(tmp_path / "inf.parquet", encoder=encoder).batches(10))  # the row in the file
    with pytest.raises(DataError, match="no column 'nope'"):
        ParquetSource(tmp_path / "gaps.parquet", target="nope")
    with pytest.raises(ConfigurationError, match="batch_size: expected a whole number >= 1"):
        list(ArraySource(X).batches(0))
    with pytest.raises(ConfigurationError, match="rng: expected a numpy.random.Generator"):
        list(ArraySource(X).batches(4, rng=0))
    once = IterableSource(iter([(X[:5], y[:5]), (X[5:9], y[5:9])]))
    assert once.n_features == 3  # read from the first batch, which the epoch still gets
    assert np.array_equal(np.concatenate([batch.y for batch in once.batches(2)]), np.arange(9))
    with pytest.raises(DataError, match="used up by an earlier epoch"):
        list(once.batches(2))
    mixed = IterableSource([(X[:5], y[:5]), (X[:5, :2], y[:5])])
    with pytest.raises(DataError, match="item 1: X has 2 columns, expected 3"):
        list(mixed.batches(2))
    with pytest.raises(DataError, match=r"item 0: expected \(X, y\) or"):
        list(IterableSource([X]).batches(2))


def test_as_source_dispatches(tmp_path, sources):
    X, y, _ = _data()
    np.save(tmp_path / "X.npy", X)
    assert isinstance(as_source(X, y), ArraySource)
    assert isinstance(as_source(tmp_path / "X.npy", y), NpySource)
    assert isinstance(as_source(tmp_path / "d.parquet", target="label"), ParquetSource)
    assert isinstance(as_source([(X, y)]), IterableSource)
    source = sources["npy"]()
    assert as_source(source) is source
    with pytest.raises(DataError, match="expected a .npy file, a .parquet file"):
        as_source(tmp_path / "x.csv")


def test_train_epoch_runs_the_trainer_over_a_stream(tmp_path):
    from neuronet import losses, optim
    from neuronet.network import MLP
    from neuronet.trainer import Trainer

    table, target = load_penguins()
    pq.write_table(table, tmp_path / "p.parquet", row_group_size=50)
    encoder = TableEncoder(target=target).fit(tmp_path / "p.parquet")
    source = ParquetSource(tmp_path / "p.parquet", encoder=encoder, read_rows=32, buffer_rows=128)
    net = MLP([encoder.width, 16, 3], activation="relu", rng=np.random.default_rng(0), kernels="numpy")
    trainer = Trainer(net, losses.get("softmax_cross_entropy"), optim.get("adam", lr=0.01), count_correct=True)
    rng = np.random.default_rng(0)
    history = []
    for epoch in range(15):
        trainer.begin_epoch(epoch)
        loss, correct, seen = train_epoch(trainer, source, 16, rng=rng, batches_per_call=4)
        assert seen == 344
        history.append((loss, correct / seen))
    assert history[-1][0] < 0.5 * history[0][0] and history[-1][1] > 0.9


def _streamed_peak(file, **options):
    """The most bytes numpy held at once (tracemalloc sees every array's data) over one epoch."""
    import tracemalloc

    source = ParquetSource(file, target="label", **options)
    tracemalloc.start()
    try:
        rows = sum(len(batch.X) for batch in source.batches(64, rng=np.random.default_rng(0)))
        return rows, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_is_bounded_by_the_buffer_and_the_read_not_by_the_data(tmp_path):
    width, options = 16, {"read_rows": 256, "buffer_rows": 1024}
    rng = np.random.default_rng(0)
    for name, rows in (("small", 4_000), ("large", 40_000)):
        X = rng.standard_normal((rows, width)).astype(np.float32)
        columns = {f"x{j}": X[:, j] for j in range(width)} | {"label": rng.integers(0, 3, rows)}
        pq.write_table(pa.table(columns), tmp_path / f"{name}.parquet", row_group_size=500)
    small_rows, small = _streamed_peak(tmp_path / "small.parquet", **options)
    large_rows, large = _streamed_peak(tmp_path / "large.parquet", **options)
    assert (small_rows, large_rows) == (4_000, 40_000)
    row_bytes = width * 4 + 8
    assert large < 4 * (options["buffer_rows"] + options["read_rows"]) * row_bytes  # a few copies of buffer + read
    assert large < 1.5 * small            # ten times the rows, not ten times the memory
    assert large < 40_000 * row_bytes / 3  # and well under the data's own size


@settings(max_examples=60, deadline=None)
@given(capacity=st.integers(1, 300), batch_size=st.integers(1, 80), chunk=st.integers(1, 200),
       rows=st.integers(0, 700), seed=st.integers(0, 2 ** 32 - 1))
def test_the_shuffle_buffer_emits_every_row_once_for_any_sizes(capacity, batch_size, chunk, rows, seed):
    buffer = ShuffleBuffer(capacity, batch_size, np.random.default_rng(seed))
    ids = np.arange(rows)
    out = [drawn for start in range(0, rows, chunk)
           for drawn in buffer.push((ids[start:start + chunk], 2 * ids[start:start + chunk]))]
    out += list(buffer.drain())
    got = np.concatenate([drawn[0] for drawn in out]) if out else np.zeros(0, int)
    assert np.array_equal(np.sort(got), ids)
    assert all(np.array_equal(drawn[1], 2 * drawn[0]) for drawn in out)  # the parts of a row stay together
    assert all(len(drawn[0]) == batch_size for drawn in out[:-1])
    assert buffer.peak <= max(capacity, batch_size)


def test_a_parquet_source_reads_only_the_row_groups_it_is_given(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    table = pa.table({"x": np.arange(100, dtype=np.float64), "y": np.arange(100) % 2})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=10)
    from neuronet.tables import ParquetSource

    source = ParquetSource(tmp_path / "t.parquet", target="y", row_groups=[1, 7])
    assert source.n_rows == 20
    rows = np.concatenate([batch.X[:, 0] for batch in source.batches(7)])
    assert sorted(rows) == list(range(10, 20)) + list(range(70, 80))
    with pytest.raises(ValueError, match="row_groups: expected distinct positions 0..9"):
        ParquetSource(tmp_path / "t.parquet", target="y", row_groups=[3, 3])
