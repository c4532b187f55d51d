"""fit, evaluate, predict and ONNX export given what a careless or hostile caller passes: each
mistake is a one-line NeuronetError naming the argument, checked before training, and the two
speeds (in memory, streamed) refuse the same things."""

import warnings

import numpy as np
import pytest

import neuronet as nn
from neuronet.errors import ConfigurationError, DataError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pd = pytest.importorskip("pandas")

from neuronet.datasets.tables import load_penguins  # noqa: E402
from neuronet.tables import IterableSource, NpySource, ParquetSource, TableEncoder  # noqa: E402


def _penguins():
    table, target = load_penguins()
    return table, target, TableEncoder(target=target).fit(table).width


def _net(width, outputs=3):
    return nn.MLP([width, 6, outputs], "relu", rng=0, kernels="numpy")


def _arrays(n=100, nan_at=None):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    if nan_at is not None:
        X[nan_at, 1] = np.nan
    return X, (np.arange(n) % 3)


# --- A4: a misspelt encoding option ---------------------------------------------------------------
def test_a_misspelt_encoding_option_is_named_with_the_options(tmp_path):
    table, target, width = _penguins()
    pq.write_table(table, tmp_path / "p.parquet")
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.from_pandas(table.to_pandas(), npartitions=2)
    for data in (table, tmp_path / "p.parquet", frame):
        with pytest.raises(ConfigurationError, match=r"encoding: unknown option 'catgorical' \(options: .*categorical"):
            _net(width).fit(data, target, encoding={"catgorical": ["year"]}, epochs=1, verbose=0)


# --- B5: sample weights with streams --------------------------------------------------------------
def test_a_dask_dataframe_refuses_sample_weights_and_says_how_streams_take_them():
    dd = pytest.importorskip("dask.dataframe")
    table, target, width = _penguins()
    frame = dd.from_pandas(table.to_pandas(), npartitions=4)
    for weights in (np.zeros(344), np.ones(5), np.full(344, np.nan), np.ones(344)):
        with pytest.raises(ConfigurationError, match="sample_weight: a Dask DataFrame.*IterableSource.*weight="):
            _net(width).fit(frame, target, sample_weight=weights, epochs=1, verbose=0)


def test_a_dask_array_applies_its_sample_weights_and_checks_them_as_in_memory():
    da = pytest.importorskip("dask.array")
    X, y = _arrays()
    dX, dy = da.from_array(X, chunks=(25, 4)), da.from_array(y, chunks=25)
    for weights, message in ((np.zeros(100), "every weight is zero"), (np.ones(5), r"expected shape \(100,\)"),
                             (np.full(100, np.nan), "finite")):
        with pytest.raises(DataError, match=f"sample_weight: .*{message}"):
            _net(4).fit(dX, dy, sample_weight=weights, epochs=1, verbose=0)
    only_zero = (y == 0).astype(np.float64)  # only class 0 weighs: the network learns to say 0
    for weights in (only_zero, da.from_array(only_zero, chunks=30)):
        net = _net(4)
        net.fit(dX, dy, sample_weight=weights, epochs=40, lr=0.05, verbose=0, seed=0)
        assert set(net.predict(X)) == {0}


def test_a_npy_stream_refuses_the_weights_the_in_memory_path_refuses(tmp_path):
    X, y = _arrays()
    np.save(tmp_path / "X.npy", X)
    for weights, message in ((np.zeros(100), "every weight is zero"), (np.full(100, np.nan), "finite"),
                             (np.ones(5), "expected"), (-np.ones(100), ">= 0")):
        for data in (tmp_path / "X.npy", X):
            with pytest.raises(DataError, match=f"sample_weight: .*{message}"):
                _net(4).fit(data, y, sample_weight=weights, epochs=1, verbose=0)


def test_a_stream_whose_weights_are_all_zero_is_refused():
    X, y = _arrays()
    batches = IterableSource(lambda: [(X[:50], y[:50], np.zeros(50)), (X[50:], y[50:], np.zeros(50))])
    with pytest.raises(DataError, match="sample_weight: every weight in the stream is zero"):
        _net(4).fit(batches, epochs=3, verbose=0)
    with pytest.raises(DataError, match=r"batch 0 of epoch 1: sample_weight: expected weights >= 0"):
        _net(4).fit(IterableSource(lambda: [(X, y, -np.ones(100))]), epochs=1, verbose=0)


# --- B7: evaluate against another column than the target --------------------------------------------
def test_evaluate_against_a_column_the_network_was_not_trained_for_is_refused():
    table, target, width = _penguins()
    net = _net(width)
    net.fit(table, target, epochs=1, verbose=0)
    with pytest.raises(DataError, match="y: the network was trained to predict 'species', not 'island'"):
        net.evaluate(table, "island")
    with pytest.raises(DataError, match="y: the network was trained to predict 'species', not 'island'"):
        net.fit(table, "island", epochs=1, verbose=0)
    assert set(net.evaluate(table, target)) == {"loss", "accuracy"}


# --- B10: ONNX export of an estimator fitted through a TableEncoder ----------------------------------
def test_onnx_export_of_an_estimator_with_an_encoder_takes_the_raw_columns(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from neuronet.sklearn import MLPClassifier
    from neuronet.tables.onnx_form import onnx_feeds

    table, target, _ = _penguins()
    frame = table.to_pandas().dropna(subset=[target])
    X, y = frame.drop(columns=[target]), frame[target]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged in 30 iterations: not the point here
        clf = MLPClassifier(hidden_layer_sizes=(5,), encoder=TableEncoder(), max_iter=30, random_state=0).fit(X, y)
    path = nn.onnx.export(clf, tmp_path / "clf.onnx")
    session = ort.InferenceSession(str(path))
    assert sorted(i.name for i in session.get_inputs()) == sorted(X.columns)
    rows = X.head(6).copy()
    rows.loc[rows.index[0], "bill_length_mm"] = np.nan
    rows.loc[rows.index[1], "sex"] = None
    probabilities, labels = (session.run(["probabilities", "label"], onnx_feeds(clf.encoder_, rows)))
    np.testing.assert_allclose(probabilities, clf.predict_proba(rows), atol=1e-5)
    np.testing.assert_array_equal(clf.classes_[labels], clf.predict(rows))


# --- B11: bool targets ---------------------------------------------------------------------------------
def test_a_bool_target_keeps_its_labels_and_its_class_weights():
    table, _, _ = _penguins()
    flags = pa.array(np.arange(table.num_rows) % 2 == 0)
    data = table.drop_columns(["species"]).append_column("flag", flags)
    width = TableEncoder(target="flag").fit(data).width
    for loss, outputs in (("softmax_cross_entropy", 2), ("binary_cross_entropy", 1)):
        net = _net(width, outputs)
        net.fit(data, "flag", loss=loss, epochs=1, verbose=0, class_weight={True: 2.0})
        assert net.classes.dtype == bool and net.classes.tolist() == [False, True]
        assert net.predict(data).dtype == bool
    net = _net(3, 2)
    net.fit(np.zeros((4, 3)), np.array([True, False, True, False]), epochs=1, verbose=0, class_weight={"True": 2})
    assert net.classes.tolist() == [False, True]


# --- D16: NaN in streamed numbers -----------------------------------------------------------------------
def test_nan_in_streamed_numbers_is_the_in_memory_message_naming_the_batch(tmp_path):
    da = pytest.importorskip("dask.array")
    X, y = _arrays(nan_at=70)
    pq.write_table(pa.table({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "d": X[:, 3], "y": y}), tmp_path / "n.parquet")
    with pytest.raises(DataError, match="^X: contains NaN or infinity"):
        _net(4).fit(X, y, epochs=1, verbose=0)
    streams = [IterableSource(lambda: [(X[:50], y[:50]), (X[50:], y[50:])]),
               (da.from_array(X, chunks=(25, 4)), da.from_array(y, chunks=25)),
               ParquetSource(tmp_path / "n.parquet", target="y")]
    for stream in streams:
        data, targets = stream if isinstance(stream, tuple) else (stream, None)
        with pytest.raises(DataError, match=r"^batch \d+ of epoch 1: X: contains NaN or infinity"):
            _net(4).fit(data, targets, epochs=1, verbose=0, shuffle=False)


# --- D27: encodings kept, and raw rows without one --------------------------------------------------------
def test_fitting_through_a_parquet_source_with_an_encoder_keeps_it(tmp_path):
    table, target, width = _penguins()
    pq.write_table(table, tmp_path / "p.parquet", row_group_size=40)
    encoder = TableEncoder(target=target).fit(tmp_path / "p.parquet")
    net = _net(width)
    net.fit(ParquetSource(tmp_path / "p.parquet", encoder=encoder), epochs=2, verbose=0)
    assert net.encoder is encoder and net.classes.tolist() == ["Adelie", "Chinstrap", "Gentoo"]
    assert set(net.predict(table)) <= {"Adelie", "Chinstrap", "Gentoo"}
    other = TableEncoder(target=target).fit(table)
    with pytest.raises(ConfigurationError, match="another encoder than the network's"):
        net.fit(ParquetSource(tmp_path / "p.parquet", encoder=other), epochs=1, verbose=0)


def test_raw_rows_given_to_a_network_without_an_encoding_say_so(tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    table, target, width = _penguins()
    table.to_pandas().to_csv(tmp_path / "penguins.csv", index=False)
    net = _net(width)
    net.fit(np.zeros((6, width)), [0, 1, 2, 0, 1, 2], epochs=1, verbose=0)
    frame = dd.from_pandas(table.to_pandas(), npartitions=2)
    for data in (table, table.to_pandas(), frame, str(tmp_path / "penguins.csv")):
        with pytest.raises(DataError, match="X: this network has no table encoding"):
            net.predict(data)
    for data in (table, frame):
        with pytest.raises(DataError, match="this network has no table encoding"):
            net.evaluate(data, target)
    assert net.predict(pd.DataFrame(np.zeros((2, width)))).shape == (2,)  # numeric columns: features as they are
    columns = _net(width)  # a dict of columns is a table
    columns.fit(table.to_pydict(), target, epochs=1, verbose=0)
    assert columns.encoder is not None and set(columns.predict(table.to_pydict())) <= set(columns.classes)


# --- D28: Dask targets chunked unlike X ----------------------------------------------------------------------
def test_dask_targets_chunked_unlike_x_are_cut_along_xs_rows():
    da = pytest.importorskip("dask.array")
    X, y = _arrays()
    nets = []
    for targets in (da.from_array(y, chunks=25), da.from_array(y, chunks=30), y):
        net = _net(4)
        net.fit(da.from_array(X, chunks=(25, 4)), targets, epochs=2, verbose=0, seed=0)
        nets.append(net.parameter_vector())
    np.testing.assert_array_equal(nets[0], nets[1])
    np.testing.assert_array_equal(nets[0], nets[2])
    with pytest.raises(DataError, match=r"y: expected 100 values \(one per row of X\)"):
        _net(4).fit(da.from_array(X, chunks=(25, 4)), da.from_array(y[:90], chunks=30), epochs=1, verbose=0)


# --- D29: a column name without a table, a stream without targets --------------------------------------------
def test_a_column_name_needs_a_table_and_a_stream_needs_targets(tmp_path):
    X, y = _arrays()
    with pytest.raises(DataError, match="y: 'species': a column name as y needs a table"):
        _net(4).fit(X, "species", epochs=1, verbose=0)
    np.save(tmp_path / "X.npy", X)
    for stream in (NpySource(tmp_path / "X.npy"), tmp_path / "X.npy", IterableSource(lambda: [(X, None)])):
        with pytest.raises(DataError, match="y: the source has no targets"):
            _net(4).fit(stream, epochs=1, verbose=0)


# --- D32: a polars LazyFrame -----------------------------------------------------------------------------------
def test_a_polars_lazy_frame_is_refused_without_a_warning():
    pl = pytest.importorskip("polars")
    table, target, width = _penguins()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match=r"polars LazyFrame .*X\.collect\(\)"):
            _net(width).fit(pl.from_arrow(table).lazy(), target, epochs=1, verbose=0)


# --- N7: an estimator's bool labels in a pandas column come back as bools ----------------------------------
def test_an_estimators_bool_labels_in_pandas_columns_come_back_as_bools():
    from neuronet.sklearn import MLPClassifier

    X, _ = _arrays(40)
    flags = X[:, 0] > 0
    given = [pd.Series(flags, dtype="boolean"), pd.Series(flags).astype("category"), flags.astype(object)]
    if hasattr(pd, "ArrowDtype"):
        given.append(pd.Series(flags, dtype="bool[pyarrow]"))
    for y in given:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # not converged: not the point here
            clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
        assert clf.classes_.dtype == bool and clf.classes_.tolist() == [False, True]
        assert clf.predict(X[:3]).dtype == bool
    counts = pd.Series(np.arange(40) % 2 + 3, dtype="Int64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert MLPClassifier(hidden_layer_sizes=(4,), max_iter=2).fit(X, counts).classes_.tolist() == [3, 4]


def test_an_estimators_missing_label_is_a_data_error_naming_its_row():
    from neuronet.sklearn import MLPClassifier

    X, _ = _arrays(40)
    flags = pd.Series(X[:, 0] > 0, dtype="boolean")
    flags[3] = pd.NA
    labels = np.where(X[:, 0] > 0, "a", "b").astype(object)
    labels[5] = None
    for y, row in ((flags, 3), (labels, 5)):
        with pytest.raises(DataError, match=f"y: the label of row {row} is missing"):
            MLPClassifier(hidden_layer_sizes=(4,), max_iter=2).fit(X, y)
    mixed = (X[:, 0] > 0).astype(object)
    mixed[0] = "yes"
    with pytest.raises(DataError, match=r"y: labels of mixed types \(bool, str\)"):
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=2).fit(X, mixed)


# --- N8: weights beyond what float32 loss arithmetic keeps ----------------------------------------------------
def test_class_and_sample_weights_are_bounded_for_every_front_end():
    from neuronet.sklearn import MLPClassifier

    X, y = _arrays()
    labels = np.array(["a", "b", "c"])[y]

    def estimator(class_weight=None, sample_weight=None):
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, class_weight=class_weight).fit(X, labels, sample_weight)

    def network(**weights):
        _net(4).fit(X, labels, epochs=1, verbose=0, **weights)

    for fit in (estimator, network):
        with pytest.raises(DataError, match=r"class_weight: the weight of class 'a' must be at most 1e\+06"):
            fit(class_weight={"a": 1e308})
        with pytest.raises(DataError, match=r"class_weight: the heaviest weight is 1e-09, under 1e-06"):
            fit(class_weight={"a": 1e-9, "b": 1e-9, "c": 0})
        with pytest.raises(DataError, match=r"sample_weight: a weight of 1e\+300 is over the limit"):
            fit(sample_weight=1e300)
        with pytest.raises(DataError, match=r"sample_weight: the heaviest weight is 1e-300, under"):
            fit(sample_weight=np.full(100, 1e-300))
        with pytest.raises(DataError, match=r"sample_weight times class_weight: a weight of 1e\+07 is over"):
            fit(sample_weight=np.where(y == 0, 1e3, 1.0), class_weight={"a": 1e4})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning, and a finite loss at the limit
        warnings.filterwarnings("ignore", message="Stochastic Optimizer")
        for weights in ({"a": 1e6}, {"a": 1e3, "b": 1e-4, "c": 1e-12}):  # far apart is fine: relative weights
            clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, class_weight=weights).fit(X, labels)
            assert np.isfinite(clf.loss_)


# --- N9: ONNX export of an encoding that refuses unseen categories ---------------------------------------------
def test_onnx_export_says_the_graph_scores_categories_the_encoding_refuses(tmp_path):
    onnx = pytest.importorskip("onnx")
    from neuronet.sklearn import MLPClassifier

    table, target, _ = _penguins()
    frame = table.to_pandas().dropna(subset=[target])
    X, y = frame.drop(columns=[target]), frame[target]
    props = {}
    for unknown in ("slot", "error"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf = MLPClassifier(hidden_layer_sizes=(4,), encoder=TableEncoder(handle_unknown=unknown), max_iter=2,
                                random_state=0).fit(X, y)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            path = nn.onnx.export(clf, tmp_path / f"{unknown}.onnx")
        said = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        assert all(w.filename == __file__ for w in caught if issubclass(w.category, UserWarning))
        props[unknown] = ({p.key: p.value for p in onnx.load(path).metadata_props}["unseen_categories"], said)
    assert props["slot"] == ("unseen slot (as trained)", [])
    assert props["error"][0] == "unseen slot"
    assert len(props["error"][1]) == 1 and "handle_unknown='error'" in props["error"][1][0]
    assert "unseen slot of 'island'" in props["error"][1][0]


# --- N17: a Dask array of text labels ------------------------------------------------------------------------------
def test_dask_text_labels_are_encoded_as_the_same_labels_in_memory():
    da = pytest.importorskip("dask.array")
    X, y = _arrays()
    labels = np.array(["x", "y", "z"])[y]
    streamed, in_memory = _net(4), _net(4)
    streamed.fit(da.from_array(X, chunks=(25, 4)), da.from_array(labels, chunks=30), epochs=2, verbose=0, seed=0,
                 shuffle=False)
    in_memory.fit(X, labels, epochs=2, verbose=0, seed=0, shuffle=False, batch_size=25)
    assert streamed.classes.tolist() == in_memory.classes.tolist() == ["x", "y", "z"]
    assert set(streamed.predict(X)) <= {"x", "y", "z"}
    flags = _net(4, 2)
    flags.fit(da.from_array(X, chunks=(25, 4)), da.from_array(y == 1, chunks=25), epochs=1, verbose=0)
    assert flags.classes.tolist() == [False, True] and flags.predict(X[:3]).dtype == bool
    with pytest.raises(DataError, match=r"y: found 3 classes \(x, y, z\) but the network's output layer "
                                        r"distinguishes 2"):
        _net(4, 2).fit(da.from_array(X, chunks=(25, 4)), da.from_array(labels, chunks=25), epochs=1, verbose=0)
