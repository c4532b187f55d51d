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
    TableEncoder("y").fit(part)                            # numbers as text with no slip: text, as before
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
