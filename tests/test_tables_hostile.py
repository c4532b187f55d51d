"""neuronet.tables against hostile tables: huge integers and values, text that is not UTF-8, ragged
CSV rows, Parquet folders whose files differ, and a slip of text in a column of numbers. Each is a
one-line DataError naming the file, the column, the row and the value, or is read as it should be."""

import warnings

import numpy as np
import pytest

import neuronet as nn
from neuronet.errors import DataError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from neuronet.datasets.tables import load_penguins  # noqa: E402
from neuronet.tables import ParquetSource, TableEncoder  # noqa: E402
from neuronet.tables.read import iter_batches, read_table  # noqa: E402

CSV = "species,island,mass,year\n" + "".join(
    f"{('Adelie', 'Gentoo', 'Chinstrap')[i % 3]},{('Biscoe', 'Dream')[i % 2]},{3000 + 37 * i},{2007 + i % 3}\n"
    for i in range(30))


def _csv(tmp_path, text=CSV, name="data.csv"):
    file = tmp_path / name
    file.write_text(text) if isinstance(text, str) else file.write_bytes(text)
    return file


def _replace_cell(text, line, column, value):
    lines = text.splitlines()
    cells = lines[line - 1].split(",")
    cells[column] = value
    lines[line - 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


# --- integers beyond 2^53 are taken as float64 ----------------------------------------------------
def test_an_integer_beyond_2_to_the_53_is_a_float64_value_in_fit_and_transform(tmp_path):
    file = _csv(tmp_path, _replace_cell(CSV, 4, 2, str(10 ** 18)))
    table = read_table(file)
    assert table.schema.field("mass").type == pa.int64()
    encoder = TableEncoder("species").fit(table)           # crashed with ArrowInvalid
    X = encoder.transform(table)
    assert np.isfinite(X).all()
    mass = encoder.columns[[column.name for column in encoder.columns].index("mass")]
    assert mass.center == pytest.approx((10 ** 18 + sum(3000 + 37 * i for i in range(30) if i != 2)) / 30)
    fitted = TableEncoder("species").fit(read_table(_csv(tmp_path, CSV, "plain.csv")))
    assert np.isfinite(fitted.transform(table)).all()     # predicting on such a value
    net = nn.MLP([encoder.width, 4, 3], rng=0, kernels="numpy")
    net.fit(table, "species", epochs=1, verbose=0)         # the API's fit
    assert len(net.predict(table)) == 30


def test_integer_labels_beyond_2_to_the_53_stay_distinct_classes():
    big = 10 ** 18
    table = pa.table({"x": [1.0, 2.0, 3.0, 4.0], "y": pa.array([big, big + 1, big, big + 1], pa.int64())})
    encoder = TableEncoder("y").fit(table)
    np.testing.assert_array_equal(encoder.transform_target(table), [0, 1, 0, 1])
    assert encoder.target.classes.tolist() == [big, big + 1]


# --- text that is not UTF-8 -----------------------------------------------------------------------
def test_a_csv_file_that_is_not_utf8_is_one_data_error_with_its_line(tmp_path):
    text = CSV.replace("Dream", "Dr\u00e9am", 1)
    file = _csv(tmp_path, text.encode("latin-1"), "latin1.csv")
    line = text.splitlines().index(next(row for row in text.splitlines() if "Dr\u00e9am" in row)) + 1
    for read in (read_table, lambda path: list(iter_batches(path))):
        with pytest.raises(DataError, match=rf"latin1\.csv: not UTF-8 text \(line {line}: .*save it as UTF-8") \
                as caught:
            read(file)
        assert "\n" not in str(caught.value)
    net = nn.MLP([8, 4, 3], rng=0, kernels="numpy")
    net.fit(read_table(_csv(tmp_path)), "species", epochs=1, verbose=0)
    with pytest.raises(DataError, match="not UTF-8 text"):
        net.predict(str(file))                              # the API: the same one check


def test_a_bytes_column_that_is_not_utf8_names_the_column_and_row():
    encoder = TableEncoder("y").fit(pa.table({"c": ["a", "b", "a", "b"], "y": [0, 1, 0, 1]}))
    raw = pa.table({"c": pa.array([b"a", b"b\xe9"], pa.binary()), "y": [0, 1]})
    with pytest.raises(DataError, match=r"column 'c': not UTF-8 text in data row 2"):
        encoder.transform(raw)


# --- ragged CSV rows: the line, whichever reader ----------------------------------------------------
def test_a_ragged_csv_row_names_its_line(tmp_path):
    text = CSV.replace("\n", "\n\n", 1)                    # a blank line: Arrow's row numbers are not lines
    text = _replace_cell(text, 6, 3, "2008,extra")
    file = _csv(tmp_path, text, "ragged.csv")
    for read in (read_table, lambda path: list(iter_batches(path))):
        with pytest.raises(DataError, match=r"ragged\.csv: cannot be read as csv: line 6 has 5 cells but the "
                                            r"header has 4"):
            read(file)


# --- a Parquet folder whose files differ in their columns ------------------------------------------
def test_a_parquet_folder_where_a_file_lacks_a_column_is_refused_whole_and_streamed(tmp_path):
    table, _ = load_penguins()
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(table.slice(0, 170), folder / "a.parquet")
    pq.write_table(table.slice(170).drop_columns(["sex"]), folder / "b.parquet")
    message = r"parts: b\.parquet has no column 'sex', which a\.parquet has"
    with pytest.raises(DataError, match=message):
        read_table(folder)                                  # was: filled with missing values
    with pytest.raises(DataError, match=message):
        next(iter_batches(folder))
    with pytest.raises(DataError, match=message):
        ParquetSource(folder, target="species")
    (folder / "b.parquet").unlink()                         # an extra column is refused just the same
    pq.write_table(table.slice(170).append_column("tag", pa.array(["t"] * (table.num_rows - 170))),
                   folder / "b.parquet")
    with pytest.raises(DataError, match=r"a\.parquet has no column 'tag', which b\.parquet has"):
        read_table(folder)


def test_a_parquet_source_names_its_file_once(tmp_path):
    file = tmp_path / "num.parquet"
    pq.write_table(pa.table({"a": [1.0, 2.0], "b": [1.0, None], "y": [0.0, 1.0]}), file)
    with pytest.raises(DataError) as caught:
        list(ParquetSource(file, target="y").batches(2))
    assert str(caught.value).count("num.parquet") == 1 and "column 'b' has missing values" in str(caught.value)


# --- a slip of text in a column of numbers ----------------------------------------------------------
def test_a_text_cell_in_a_column_of_numbers_is_refused_with_its_row(tmp_path):
    text = _replace_cell(CSV, 5, 2, "heavy")                 # data row 4
    table = read_table(_csv(tmp_path, text))
    assert table.schema.field("mass").type == pa.string()
    with pytest.raises(DataError, match=r"column 'mass': 'heavy' in data row 4 is text, but 29 of the column's "
                                        r"30 values are numbers; .*categorical=\[\.\.\.\].*--categorical"):
        TableEncoder("species").fit(table)
    encoder = TableEncoder("species", categorical=["mass"]).fit(table)   # declared: taken as text categories
    assert encoder.columns[1].values == "text" and len(encoder.columns[1].categories) == 30
    with pytest.raises(DataError, match="'heavy' in data row 4"):
        TableEncoder("species").fit(iter_batches(_csv(tmp_path, text), rows=7))   # streamed: the same rows
    with pytest.raises(DataError, match="'heavy' in data row 4"):
        nn.MLP([8, 4, 3], rng=0, kernels="numpy").fit(table, "species", epochs=1, verbose=0)


def test_a_slip_in_a_row_without_target_or_outside_the_fitted_part_is_found():
    values = [str(v) for v in range(20)]
    values[3] = "oops"
    table = pa.table({"x": values, "y": ["a", "b"] * 10})
    table = table.set_column(1, "y", pa.array([None if i == 3 else v for i, v in enumerate(["a", "b"] * 10)]))
    with pytest.raises(DataError, match="'oops' in data row 4"):
        TableEncoder("y").fit(table)                       # the row has no target, the slip is still seen
    part = table.slice(10)
    assert TableEncoder("y").fit(part).columns[0].values == "number"   # numbers as text with no slip: numbers
    with pytest.raises(DataError, match="'oops' in data row 4"):
        TableEncoder("y").check_columns(table)             # the whole table, for a caller that fits a part


def test_text_columns_that_are_mostly_text_stay_categories():
    table = pa.table({"c": ["1", "2", "three", "four", "five", "six"] * 3, "d": ["7"] * 17 + ["NA-ish"],
                      "y": [0, 1] * 9})
    encoder = TableEncoder("y").fit(table.drop_columns(["d"]))   # 'c': one third text; not a slip
    assert encoder.columns[0].values == "text"
    with pytest.raises(DataError, match="column 'd': 'NA-ish' in data row 18"):
        TableEncoder("y").fit(table.drop_columns(["c"]))


# --- values too large to scale ------------------------------------------------------------------
def test_a_value_too_large_to_scale_names_column_row_and_value_with_no_warning(tmp_path):
    huge = read_table(_csv(tmp_path, _replace_cell(CSV, 4, 2, "1e300"), "huge.csv"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # no RuntimeWarning may leak
        with pytest.raises(DataError, match=r"column 'mass': the value 1e\+300 in data row 3 is too large: "
                                            r"scaled, it is beyond float32's range"):
            TableEncoder("species").fit(huge)
        with pytest.raises(DataError, match=r"column 'mass': the value 1e\+300 in data row 3 .*float64"):
            TableEncoder("species", dtype="float64").fit(huge)   # its square overflows float64
        with pytest.raises(DataError, match=r"the value 1e\+300 in data row 3"):
            TableEncoder("species", scaling="none").fit(huge)
        plain = TableEncoder("species").fit(read_table(_csv(tmp_path)))
        with pytest.raises(DataError, match=r"column 'mass': the value 1e\+300 in data row 3 is too large"):
            plain.transform(huge)                            # predicting
        with pytest.raises(DataError, match=r"data row 13"):
            plain.transform(huge, row_offset=10)
        no_target = read_table(_csv(tmp_path, _replace_cell(_replace_cell(CSV, 4, 2, "1e300"), 2, 0, ""), "n.csv"))
        with pytest.raises(DataError, match=r"the value 1e\+300 in data row 3 "):   # rows without a target count
            TableEncoder("species").fit(no_target)
        infinite = read_table(_csv(tmp_path, _replace_cell(_replace_cell(CSV, 4, 2, "inf"), 2, 0, ""), "i.csv"))
        with pytest.raises(DataError, match=r"column 'mass': an infinite value in data row 3$"):
            TableEncoder("species").fit(infinite)
        big = read_table(_csv(tmp_path, _replace_cell(CSV, 4, 2, "1e39"), "big.csv"))
        assert np.isfinite(plain.transform(big)).all()        # 1e39 scaled by the training std fits float32


# --- number categories given as text -------------------------------------------------------------
def test_number_categories_given_as_text_are_read_as_numbers_or_named_with_row_and_value():
    encoder = TableEncoder("y").fit(pa.table({"year": [2007, 2008, 2009, 2007], "y": ["a", "b", "a", "b"]}))
    assert encoder.columns[0].values == "number"
    as_numbers = encoder.transform(pa.table({"year": [2008, 2007]}))
    np.testing.assert_array_equal(encoder.transform(pa.table({"year": ["2008", "2007"]})), as_numbers)
    with pytest.raises(DataError, match=r"column 'year': expected numbers \(its categories are numbers\), got "
                                        r"text: 'x' in data row 2"):
        encoder.transform(pa.table({"year": ["2008", "x"]}))


# --- integer labels and categories stay exact, beyond 2^53 and 2^63 --------------------------------
def test_a_uint64_target_beyond_int64_keeps_its_labels_exactly(tmp_path):
    labels = [2 ** 64 - 1, 0, 2 ** 63, 2 ** 64 - 2] * 6
    table = pa.table({"x": np.arange(24.0), "y": pa.array(labels, pa.uint64())})
    encoder = TableEncoder("y").fit(table)                  # was: OverflowError
    assert encoder.target.classes.dtype == np.uint64
    assert encoder.target.classes.tolist() == [0, 2 ** 63, 2 ** 64 - 2, 2 ** 64 - 1]
    assert encoder.target.decode(encoder.transform_target(table)).tolist() == labels
    again = TableEncoder.from_config(*encoder.to_config())  # the model-file form keeps them
    assert again.target.classes.tolist() == encoder.target.classes.tolist()
    small = pa.table({"x": [1.0, 2.0], "y": pa.array([-1, 2], pa.int64())})
    with pytest.raises(DataError, match=r"target 'y': label '-1' in data row 1 is not one of the training classes"):
        encoder.transform_target(small)                     # a label uint64 cannot hold is no class
    mixed = TableEncoder("y")
    for batch in (small, table):                            # -1 and 2^64 - 1: no one integer type holds both
        mixed.partial_fit(batch)
    with pytest.raises(DataError, match=r"target 'y': its integer labels run from -1 to 18446744073709551615"):
        mixed.finish()
    file = tmp_path / "u64.parquet"
    pq.write_table(table, file)
    net = nn.MLP([1, 4, 4], rng=0, kernels="numpy")
    net.fit(str(file), "y", epochs=1, verbose=0)
    assert set(np.asarray(net.predict(str(file))).tolist()) <= set(labels)


def test_integer_categories_beyond_2_to_the_53_stay_distinct(tmp_path):
    from neuronet.errors import ConfigurationError
    from neuronet.tables.onnx_form import encoder_to_onnx

    years = [2 ** 62 + 2007 + i % 3 for i in range(30)]
    text = "species,year\n" + "".join(f"{('a', 'b')[i % 2]},{year}\n" for i, year in enumerate(years))
    file = tmp_path / "ybig.parquet"
    pq.write_table(pa.table({"species": [("a", "b")[i % 2] for i in range(30)], "year": years}), file)
    for data in (read_table(_csv(tmp_path, text)), read_table(file)):
        encoder = TableEncoder("species").fit(data)         # was: one category, 4611686018427389952
        year = encoder.columns[0]
        assert year.values == "number" and year.categories.tolist() == [2 ** 62 + 2007, 2 ** 62 + 2008, 2 ** 62 + 2009]
        X = encoder.transform(data)
        np.testing.assert_array_equal(X[:3, :3], np.eye(3))
        again = TableEncoder.from_config(*encoder.to_config())
        np.testing.assert_array_equal(again.transform(data), X)
        with pytest.raises(ConfigurationError, match="column 'year': its categories are integers that double "
                                                     "cannot tell apart"):
            encoder_to_onnx(encoder)                        # doubles would merge them again


# --- text columns of numbers, as a CSV reader reads them -------------------------------------------
def _numbers_as_text(cells):
    return pa.table({"mass": pa.array(cells, pa.string()), "species": ["a", "b", "c"] * 10})


def test_a_text_column_whose_cells_all_read_as_numbers_is_numeric_as_in_a_csv(tmp_path):
    masses = [str(3000 + 37 * i) + ".5" for i in range(30)]
    csv = TableEncoder("species").fit(read_table(_csv(tmp_path, "mass,species\n" + "".join(
        f"{m},{('a', 'b', 'c')[i % 3]}\n" for i, m in enumerate(masses[:2] + [""] + masses[3:])))))
    assert isinstance(csv.columns[0], nn.tables.NumericColumn)
    for missing in ("", "NA", "NaN", " null "):             # a missing value, as the CSV reader takes it
        cells = [" " + masses[0] + " "] + masses[1:2] + [missing] + masses[3:]   # spaces trimmed
        table = _numbers_as_text(cells)
        encoder = TableEncoder("species").fit(table)        # was: 29 text categories, or a slip for NA/NaN
        column = encoder.columns[0]
        assert isinstance(column, nn.tables.NumericColumn) and column.missing == 1, missing
        assert column.center == pytest.approx(csv.columns[0].center)
        np.testing.assert_allclose(encoder.transform(table), csv.transform(table))
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"mass": pandas.Series(masses, dtype=object), "species": ["a", "b", "c"] * 10})
    assert isinstance(TableEncoder("species").fit(frame).columns[0], nn.tables.NumericColumn)
    with pytest.raises(DataError, match=r"column 'mass': an infinite value in data row 2"):
        TableEncoder("species").fit(_numbers_as_text(masses[:1] + ["inf"] + masses[2:]))   # as a CSV's inf
    years = _numbers_as_text([str(2007 + i % 3) for i in range(30)])
    assert TableEncoder("species").fit(years).columns[0].categories.tolist() == [2007, 2008, 2009]  # as int64


def test_a_column_of_mostly_numbers_taken_as_categories_gets_a_note():
    from neuronet.tables import TableNote

    cells = [str(i) for i in range(30)]
    for i in range(0, 30, 5):
        cells[i] = f"x{i}"                                   # 20 % text: not a slip, but worth a word
    with pytest.warns(TableNote, match=r"column 'mass': 24 of its 30 values are numbers, but it holds text too "
                                       r"\('x0' in data row 1\), so it is taken as categories"):
        encoder = TableEncoder("species").fit(_numbers_as_text(cells))
    assert encoder.columns[0].values == "text" and len(encoder.notes) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TableEncoder("species", categorical=["mass"]).fit(_numbers_as_text(cells))   # declared: no note
        TableEncoder("species").fit(_numbers_as_text([f"t{i}" if i % 5 < 3 else str(i) for i in range(30)]))  # 60 %


# --- NUL bytes, UTF-16 without a byte-order mark, a Latin-1 header ---------------------------------
def test_a_csv_with_a_nul_byte_is_not_a_text_file_named_by_its_line(tmp_path):
    nul = _csv(tmp_path, CSV.replace("Gentoo", "\x00Gentoo", 1).encode(), "nul.csv")
    line = next(i for i, row in enumerate(CSV.splitlines(), 1) if "Gentoo" in row)
    utf16 = _csv(tmp_path, CSV.encode("utf-16-le"), "u16.csv")
    for file, where in ((nul, line), (utf16, 1)):
        for read in (read_table, lambda path: list(iter_batches(path))):
            with pytest.raises(DataError, match=rf"{file.name}: not a text file \(line {where} holds a NUL byte\); "
                                                r"if it is text in UTF-16 or UTF-32 without a byte-order mark"):
                read(file)                                   # was: a class '\x00Gentoo', or a quote error


def test_a_latin1_header_is_named_as_the_body_is(tmp_path):
    from neuronet.tables import NotText

    file = _csv(tmp_path, CSV.replace("island", "\u00eesland", 1).encode("latin-1"), "lat1.csv")
    with pytest.raises(DataError, match=r"lat1\.csv: not UTF-8 text \(line 1: byte b'\\xee'\); save it as UTF-8"):
        read_table(file)                                     # was: the column names are not UTF-8 text (... at 0)
    with pytest.raises(NotText):                             # its own kind, for a caller with another reader to try
        list(iter_batches(file))


# --- rows named in the file's order when some parts are fitted -------------------------------------
def test_partial_fit_numbers_rows_from_the_row_offset_given():
    huge = pa.table({"x": [1.0, 2.0, 1e300], "y": ["a", "b", "a"]})
    encoder = TableEncoder("y")
    encoder.partial_fit(pa.table({"x": [1.0, 2.0], "y": ["a", "b"]}), row_offset=0)
    encoder.partial_fit(huge, row_offset=280)               # rows 3..280 held out, not fitted
    with pytest.raises(DataError, match=r"the value 1e\+300 in data row 283 is too large"):
        encoder.finish()


# --- dicts of columns and pandas object columns -----------------------------------------------------
def test_mixed_cells_in_a_dict_or_object_column_are_read_as_a_csv_would_or_named():
    from neuronet.tables.read import as_arrow

    table = as_arrow({"a": ["u", float("nan"), "v", "u"], "b": [1, 2, 3, 4]})   # was: Expected bytes, got a 'float'
    assert table.column("a").to_pylist() == ["u", None, "v", "u"]
    pandas = pytest.importorskip("pandas")
    mass = pandas.Series([39.1, 40.25, "39.5", None, 41.0, 38.5], dtype=object)
    frame = pandas.DataFrame({"mass": mass, "species": ["a", "b", "c"] * 2})
    floats = pandas.DataFrame({"mass": [39.1, 40.25, 39.5, None, 41.0, 38.5], "species": ["a", "b", "c"] * 2})
    encoder = TableEncoder("species").fit(frame)            # was: Could not convert '39.5' ...
    np.testing.assert_allclose(encoder.transform(frame), TableEncoder("species").fit(floats).transform(floats))
    for data in ({"a": ["u", {"k": 1}, "v"]}, pandas.DataFrame({"a": pandas.Series(["u", "v", [1]], dtype=object)})):
        with pytest.raises(DataError, match=r"column 'a': .* in data row \d is a (dict|list); expected numbers, "
                                            r"text or bools"):
            as_arrow(data)
