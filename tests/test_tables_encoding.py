"""neuronet.tables.encoding: the encoding learned from training rows, every bad-input case, the
streaming fit, and the model-file form (JSON + arrays, no pickle)."""

import io
import json

import numpy as np
import pyarrow as pa
import pytest

from neuronet.datasets.tables import load_cars, load_penguins
from neuronet.errors import ConfigurationError, DataError, ModelFileError
from neuronet.tables.cells import smooth_clip
from neuronet.tables.columns import CategoricalColumn, NumericColumn
from neuronet.tables.encoding import ARRAY_NAMES, TableEncoder


@pytest.fixture(scope="module")
def penguins():
    return load_penguins()[0]


@pytest.fixture(scope="module")
def cars():
    return load_cars()[0]


@pytest.fixture(scope="module")
def fitted(penguins):
    return TableEncoder(target="species").fit(penguins)


def _block(encoder, name):
    """The slice of the encoded matrix that column ``name`` occupies."""
    start = 0
    for column in encoder.columns:
        if column.name == name:
            return slice(start, start + column.width)
        start += column.width
    raise KeyError(name)


def test_penguins_kinds_and_layout(fitted):
    kinds = {column.name: type(column).__name__ for column in fitted.columns}
    assert kinds == {"island": "CategoricalColumn", "bill_length_mm": "NumericColumn", "bill_depth_mm": "NumericColumn",
                     "flipper_length_mm": "NumericColumn", "body_mass_g": "NumericColumn", "sex": "CategoricalColumn",
                     "year": "CategoricalColumn"}  # year: an integer column with 3 values
    assert fitted.width == 20 == len(fitted.feature_names)
    assert fitted.feature_names[:4] == ["island=Biscoe", "island=Dream", "island=Torgersen", "island (unseen)"]
    assert "sex (missing)" in fitted.feature_names and "bill_length_mm (missing)" in fitted.feature_names
    assert fitted.target.classes.tolist() == ["Adelie", "Chinstrap", "Gentoo"]
    assert fitted.target.class_counts.tolist() == [152, 68, 124]  # known without a second pass (class weights)


def test_numeric_columns_are_standardized_on_their_present_values(fitted, penguins):
    X = fitted.transform(penguins)
    assert X.dtype == np.float32 and X.shape == (344, 20)
    raw = np.array(penguins.column("body_mass_g").to_pylist(), dtype=float)
    present = ~np.isnan(raw)
    values = X[:, _block(fitted, "body_mass_g")]
    np.testing.assert_allclose(values[present, 0], (raw[present] - raw[present].mean()) / raw[present].std(), rtol=1e-5)
    assert np.all(values[~present, 0] == 0) and np.all(values[~present, 1] == 1) and np.all(values[present, 1] == 0)


def test_categories_are_one_hot_with_missing_and_unseen_slots(fitted, penguins):
    X = fitted.transform(penguins)
    sex = X[:, _block(fitted, "sex")]
    assert np.all(sex.sum(axis=1) == 1)
    raw = penguins.column("sex").to_pylist()
    for row, value in enumerate(raw):
        expected = {"female": 0, "male": 1, None: 2}[value]
        assert sex[row].argmax() == expected


def test_unseen_category_goes_to_the_unseen_slot_or_is_an_error(fitted, penguins):
    rows = penguins.slice(0, 3).to_pydict()
    rows["island"] = ["Atlantis", "Dream", None]  # island had no missing value in training: None -> unseen
    rows["year"] = [2007, 2031, 2008]
    X = fitted.transform(pa.table(rows))
    island, year = X[:, _block(fitted, "island")], X[:, _block(fitted, "year")]
    assert island.tolist() == [[0, 0, 0, 1], [0, 1, 0, 0], [0, 0, 0, 1]]
    assert year.tolist() == [[1, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0]]
    strict = TableEncoder(target="species", handle_unknown="error").fit(penguins)
    with pytest.raises(DataError, match=r"column 'island': 'Atlantis' in data row 1 is a category not seen"):
        strict.transform(pa.table(rows))


def test_columns_are_matched_by_name_never_by_position(fitted, penguins):
    X = fitted.transform(penguins)
    shuffled = penguins.select(list(reversed(penguins.column_names))).append_column("extra", pa.array(["z"] * 344))
    np.testing.assert_array_equal(fitted.transform(shuffled), X)  # extra column ignored, order irrelevant
    with pytest.raises(DataError, match="column 'bill_depth_mm': the model was trained on it but the data has no"):
        fitted.transform(penguins.drop_columns(["bill_depth_mm"]))


def test_wrong_types_in_a_column(fitted, penguins):
    rows = penguins.slice(0, 3).to_pydict()
    rows["body_mass_g"] = ["3750", "heavy", None]
    with pytest.raises(DataError, match=r"column 'body_mass_g': expected numbers, got text: 'heavy' in data row 2"):
        fitted.transform(pa.table(rows))
    rows["body_mass_g"] = ["3750", "3800.5", ""]  # numbers written as text are taken as numbers; "" is missing
    X = fitted.transform(pa.table(rows))
    assert X[2, _block(fitted, "body_mass_g")].tolist() == [0, 1]
    rows["year"] = ["2007", "x", "2008"]
    with pytest.raises(DataError, match="column 'year': expected numbers"):
        fitted.transform(pa.table(rows))
    rows["year"], rows["island"] = [2007, 2007, 2007], [1, 2, 3]  # numbers where text was learned: their text form
    assert X.shape == fitted.transform(pa.table(rows)).shape
    rows["bill_length_mm"] = [1.0, float("inf"), 2.0]
    with pytest.raises(DataError, match="column 'bill_length_mm': an infinite value in data row 2"):
        fitted.transform(pa.table(rows))
    rows["bill_length_mm"] = [[1.0], [2.0], [3.0]]
    with pytest.raises(DataError, match="column 'bill_length_mm': expected numbers or text, got Arrow type list"):
        fitted.transform(pa.table(rows))


def test_unsupported_and_empty_columns_at_fit():
    with pytest.raises(DataError, match="column 'tags': its type cannot be encoded"):
        TableEncoder().fit(pa.table({"x": [1.0, 2.0], "tags": [[1], [2]]}))
    with pytest.raises(DataError, match="column 'empty': no values in the training data"):
        TableEncoder().fit(pa.table({"x": [1.0, 2.0], "empty": pa.array([None, None], pa.float64())}))
    with pytest.raises(DataError, match="target 'label': no such column"):
        TableEncoder(target="label").fit(pa.table({"x": [1.0, 2.0]}))
    with pytest.raises(DataError, match="categorical: no column 'z'"):
        TableEncoder(categorical=["z"]).fit(pa.table({"x": [1.0, 2.0]}))
    with pytest.raises(ConfigurationError, match="named in both"):
        TableEncoder(categorical=["x"], numeric=["x"])
    with pytest.raises(ConfigurationError, match="scaling: expected one of"):
        TableEncoder(scaling="minmax")
    with pytest.raises(ConfigurationError, match="not fitted"):
        TableEncoder().transform(pa.table({"x": [1.0]}))


def test_the_user_names_the_kind_of_a_column(penguins):
    assert isinstance(_column(TableEncoder(target="species", integer_categories=0).fit(penguins), "year"), NumericColumn)
    assert isinstance(_column(TableEncoder(target="species", numeric=["year"]).fit(penguins), "year"), NumericColumn)
    named = TableEncoder(target="species", categorical=["flipper_length_mm"]).fit(penguins)
    assert isinstance(_column(named, "flipper_length_mm"), CategoricalColumn)
    ignored = TableEncoder(target="species", ignore=["year", "island"]).fit(penguins)
    assert [column.name for column in ignored.columns] == ["bill_length_mm", "bill_depth_mm", "flipper_length_mm",
                                                            "body_mass_g", "sex"]
    assert ignored.transform(penguins.drop_columns(["year", "island"])).shape == (344, ignored.width)


def _column(encoder, name):
    return next(column for column in encoder.columns if column.name == name)


def test_max_categories_keeps_the_most_frequent_and_sends_the_rest_to_unseen():
    table = pa.table({"c": ["a"] * 5 + ["b"] * 3 + ["c"] * 2 + ["d"], "x": np.arange(11.0)})
    encoder = TableEncoder(max_categories=2).fit(table)
    column = _column(encoder, "c")
    assert column.categories.tolist() == ["a", "b"] and column.other == 3
    X = encoder.transform(table)[:, :3]
    assert X[-1].tolist() == [0, 0, 1] and X[0].tolist() == [1, 0, 0]


def test_robust_scaling_uses_median_and_iqr_then_smooth_clipping(cars):
    encoder = TableEncoder(target="Miles_per_Gallon", scaling="robust").fit(cars)
    column = _column(encoder, "Weight_in_lbs")
    keep = ~np.isnan(np.array(cars.column("Miles_per_Gallon").to_pylist(), dtype=float))
    weights = np.array(cars.column("Weight_in_lbs").to_pylist(), dtype=float)[keep]
    q25, q50, q75 = np.quantile(weights, [0.25, 0.5, 0.75])
    assert column.center == pytest.approx(q50) and column.scale == pytest.approx(q75 - q25)
    X, y = encoder.transform_xy(cars)
    assert X.shape[0] == y.shape[0] == 398  # the 8 rows without a target are left out
    z = (weights - q50) / (q75 - q25)
    np.testing.assert_allclose(X[:, _block(encoder, "Weight_in_lbs")][:, 0], z / np.sqrt(1 + (z / 3) ** 2), rtol=1e-5)
    assert np.all(np.abs(X[:, [i for i, name in enumerate(encoder.feature_names) if "=" not in name and "(" not in name]])
                  < 3)
    assert smooth_clip(np.array([0.0, 3.0, 1e6])) == pytest.approx([0.0, 3 / np.sqrt(2), 3.0], rel=1e-9)


def test_robust_scale_falls_back_to_half_the_range_then_to_one():
    table = pa.table({"x": [2.0] * 6, "y": [1.0, 2.0, 3.0, 4.0, 5.0, 99.0], "z": [0.0] * 5 + [10.0]})
    encoder = TableEncoder(scaling="robust").fit(table)
    assert _column(encoder, "x").scale == 1.0                     # constant: no range either
    assert _column(encoder, "y").scale == pytest.approx(2.5)      # IQR: 4.75 - 2.25
    assert _column(encoder, "z").scale == pytest.approx(5.0)      # IQR 0: half the range
    assert _column(TableEncoder().fit(table), "x").scale == 1.0   # standard: std 0 -> 1


def test_robust_quantiles_come_from_a_uniform_sample_when_a_column_is_larger():
    values = np.random.default_rng(5).permutation(20_000).astype(float)
    batches = [pa.table({"x": values[start:start + 700]}) for start in range(0, 20_000, 700)]
    column = _column(TableEncoder(scaling="robust", sample_size=2_000, seed=1).fit(batches), "x")
    assert abs(column.center - 10_000) < 600 and abs(column.scale - 10_000) < 1_000  # median, IQR of 0 .. 19999
    again = _column(TableEncoder(scaling="robust", sample_size=2_000, seed=1).fit(batches), "x")
    assert (again.center, again.scale) == (column.center, column.scale)  # the seed fixes the sample


def test_streaming_fit_equals_the_whole_table_fit(penguins):
    whole = TableEncoder(target="species").fit(penguins)
    streamed = TableEncoder(target="species").fit(penguins.to_batches(max_chunksize=7))
    config, arrays = whole.to_config()
    config2, arrays2 = streamed.to_config()
    assert config == config2
    for key in arrays:
        np.testing.assert_allclose(arrays[key], arrays2[key], rtol=1e-12) if arrays[key].dtype.kind == "f" else \
            np.testing.assert_array_equal(arrays[key], arrays2[key])


def test_fit_on_dataframe_partitions_equals_the_whole_fit(penguins):
    pytest.importorskip("pandas")
    frame = penguins.to_pandas()
    parts = (frame.iloc[start:start + 50] for start in range(0, len(frame), 50))  # as Dask partitions come
    streamed = TableEncoder(target="species").fit(parts)
    whole = TableEncoder(target="species").fit(penguins)
    np.testing.assert_allclose(streamed.transform(penguins), whole.transform(penguins), rtol=1e-6)
    assert streamed.describe() == whole.describe()


def test_an_integer_column_turns_numeric_when_a_later_batch_has_many_values():
    batches = [pa.table({"n": [1, 2, 1]}), pa.table({"n": list(range(100, 130))})]
    assert isinstance(_column(TableEncoder().fit(batches), "n"), NumericColumn)
    assert isinstance(_column(TableEncoder().fit(batches[:1]), "n"), CategoricalColumn)


def test_a_column_that_changes_kind_between_batches_is_an_error():
    with pytest.raises(DataError, match="column 'v': holds float in one part of the data and text in another"):
        TableEncoder().fit([pa.table({"v": [1.5]}), pa.table({"v": ["a"]})])


def test_fit_transform_xy_reads_a_path_whole(penguins):
    from neuronet.datasets.tables import path

    X, y = TableEncoder(target="species").fit_transform_xy(path("penguins"))
    assert X.shape == (344, 20) and y.tolist()[:3] == [0, 0, 0]


def test_target_labels_come_back_as_given(fitted, penguins):
    y = fitted.transform_target(penguins)
    assert y.dtype == np.int64
    assert fitted.target.decode(y).tolist() == penguins.column("species").to_pylist()
    with pytest.raises(DataError, match="expected class indices 0 .. 2"):
        fitted.target.decode(np.array([0, 3]))
    rows = penguins.slice(0, 2).to_pydict()
    rows["species"] = ["Adelie", "Emperor"]
    with pytest.raises(DataError, match=r"target 'species': label 'Emperor' in data row 2 is not one of the training"):
        fitted.transform_target(pa.table(rows))
    rows["species"] = ["Adelie", None]
    with pytest.raises(DataError, match="target 'species': missing in data row 2"):
        fitted.transform_target(pa.table(rows))
    assert fitted.transform_xy(pa.table(rows))[0].shape == (1, fitted.width)


def test_integer_and_bool_labels_stay_integers_and_bools():
    table = pa.table({"x": [0.1, 0.2, 0.3, 0.4], "label": [3, 7, 3, 7], "flag": [True, False, True, True]})
    ints = TableEncoder(target="label").fit(table)
    assert ints.target.task == "classification" and ints.target.decode(np.array([1, 0])).tolist() == [7, 3]
    bools = TableEncoder(target="flag").fit(table)
    assert bools.target.decode(np.array([0, 1])).tolist() == [False, True]
    assert TableEncoder(target="label", task="regression").fit(table).transform_target(table).tolist() == [3, 7, 3, 7]


def test_describe_has_one_line_per_column_and_the_target(fitted):
    lines = fitted.describe()
    assert len(lines) == len(fitted.columns) + 1
    assert lines[0] == "island: categorical (text), 3 categories (Biscoe, Dream, Torgersen) + unseen"
    assert lines[1].startswith("bill_length_mm: numeric, standardized (mean 43.92, std 5.452); 2 missing")
    assert lines[-1] == "species (target): 3 classes (Adelie, Chinstrap, Gentoo)"


# --- the model-file form -----------------------------------------------------------------------
def _through_a_file(config, arrays):
    """What io.py would do: JSON text and an .npz loaded without pickle."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as loaded:
        return json.loads(json.dumps(config, allow_nan=False)), {key: loaded[key] for key in loaded.files}


@pytest.mark.parametrize("scaling", ["standard", "robust", "none"])
def test_round_trip_through_json_and_npz(penguins, cars, scaling):
    for table, target in ((penguins, "species"), (cars, "Miles_per_Gallon")):
        encoder = TableEncoder(target=target, scaling=scaling, dtype="float64").fit(table)
        config, arrays = encoder.to_config()
        assert all(array.dtype.kind in "fiubU" and array.ndim == 1 for array in arrays.values())
        assert all(ARRAY_NAMES.fullmatch(name) for name in arrays)
        back = TableEncoder.from_config(*_through_a_file(config, arrays))
        np.testing.assert_array_equal(back.transform(table), encoder.transform(table))
        assert back.describe() == encoder.describe() and back.to_config()[0] == config
        if target == "species":
            assert back.target.decode(np.array([2, 0])).tolist() == ["Gentoo", "Adelie"]
            assert back.target.class_counts.tolist() == [152, 68, 124]


def _damaged(fitted):
    config, arrays = fitted.to_config()
    yield "format", {**config, "format": "other"}, arrays
    yield "version", {**config, "version": 99}, arrays
    yield "width", {**config, "width": 21}, arrays
    yield "settings", {**config, "settings": {**config["settings"], "scaling": "cube"}}, arrays
    yield "columns", {**config, "columns": []}, arrays
    yield "columns", {**config, "columns": config["columns"] + [config["columns"][0]]}, arrays
    yield "kind", {**config, "columns": [{**config["columns"][0], "kind": "lambda"}] + config["columns"][1:]}, arrays
    yield "count", {**config, "columns": [{**config["columns"][0], "count": -1}] + config["columns"][1:]}, arrays
    yield "target", {**config, "target": {**config["target"], "task": "clustering"}}, arrays
    yield "categories.0", config, {key: value for key, value in arrays.items() if key != "categories.0"}
    yield "categories.0", config, {**arrays, "categories.0": np.array(["Biscoe", "Biscoe", "Dream"])}
    yield "categories.0", config, {**arrays, "categories.0": np.array([1.0, 2.0, 3.0])}
    yield "numeric.scale", config, {**arrays, "numeric.scale": np.array([1.0, 0.0, 1.0, 1.0])}
    yield "numeric.center", config, {**arrays, "numeric.center": np.array([np.nan, 0.0, 1.0, 1.0])}
    yield "numeric.center", config, {**arrays, "numeric.center": np.zeros(3)}
    yield "target.classes", config, {**arrays, "target.classes": np.array(["only one"])}
    yield "target.counts", config, {**arrays, "target.counts": np.array([1, -2, 3])}
    yield "target.counts", config, {**arrays, "target.counts": np.array([1, 2])}
    yield "expected a JSON object", [config], arrays


def test_a_damaged_description_is_a_model_file_error(fitted):
    for where, config, arrays in _damaged(fitted):
        with pytest.raises(ModelFileError, match="table encoding") as caught:
            TableEncoder.from_config(config, arrays)
        assert where.split(".")[0] in str(caught.value) or where in str(caught.value), (where, str(caught.value))


def test_every_key_removed_is_a_model_file_error(fitted):
    config, arrays = fitted.to_config()
    for key in config:
        with pytest.raises(ModelFileError):
            TableEncoder.from_config({k: v for k, v in config.items() if k != key}, arrays)
    for key in config["columns"][1]:
        columns = [dict(column) for column in config["columns"]]
        del columns[1][key]
        with pytest.raises(ModelFileError):
            TableEncoder.from_config({**config, "columns": columns}, arrays)


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, path + (key,))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from _leaves(item, path + (index,))
    else:
        yield path


def _replaced(config, path, new):
    config = json.loads(json.dumps(config))
    target = config
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return config


def test_any_field_replaced_by_a_hostile_value_is_read_or_refused_with_a_model_file_error(fitted):
    """Every leaf of the description, replaced by values of other types: the reader either builds a
    working encoder or raises ModelFileError, never another exception."""
    config, arrays = fitted.to_config()
    table = load_penguins()[0]
    for path in _leaves(config):
        for hostile in (None, -1, 2.5, "", "x", [], {}, True, 10 ** 30, float("nan")):
            try:
                encoder = TableEncoder.from_config(_replaced(config, path, hostile), arrays)
            except ModelFileError:
                continue
            try:  # read: then it works, or says which column the data lacks (a renamed column)
                assert encoder.transform(table).shape[1] == encoder.width, (path, hostile)
            except DataError as error:
                assert "no such column" in str(error), (path, hostile)
