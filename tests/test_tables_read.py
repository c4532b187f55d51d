"""neuronet.tables.read: CSV, Parquet files and folders, DataFrames -> Arrow; one-line DataErrors."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuronet.datasets.tables import load_cars, load_penguins, path
from neuronet.errors import DataError
from neuronet.tables.read import is_table, iter_batches, read_table


def test_penguins_csv_reads_typed_with_missing_text_cells():
    table = read_table(path("penguins"))
    assert table.num_rows == 344
    assert table.schema.field("island").type == pa.string()
    assert table.schema.field("bill_length_mm").type == pa.float64()
    assert table.column("sex").null_count == 11          # "NA" in a text column is missing, not the text "NA"
    assert table.column("bill_length_mm").null_count == 2


def test_semicolon_and_tab_delimiters_are_found_from_the_header(tmp_path):
    for delimiter, name in ((";", "a.csv"), ("\t", "b.tsv")):
        file = tmp_path / name
        file.write_text(delimiter.join(["x", "y", "label"]) + "\n" + delimiter.join(["1.5", "2", "cat"]) + "\n")
        table = read_table(file)
        assert table.column_names == ["x", "y", "label"]
        assert table.column("x").to_pylist() == [1.5]


def test_parquet_file_and_folder(tmp_path):
    table, _ = load_penguins()
    pq.write_table(table, tmp_path / "one.parquet")
    assert read_table(tmp_path / "one.parquet").equals(table)
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(table.slice(200), folder / "b.parquet")   # name order, not writing order
    pq.write_table(table.slice(0, 200), folder / "a.parquet")
    (folder / "_SUCCESS").write_text("")                      # a writer's marker file is not data
    assert read_table(folder).equals(table)


def test_in_memory_tables():
    pandas = pytest.importorskip("pandas")
    table, _ = load_cars()
    back = read_table(table.to_pandas())  # (pandas turns an integer column with a missing cell into floats)
    assert back.column_names == table.column_names and back.num_rows == table.num_rows
    assert back.column("Origin").to_pylist() == table.column("Origin").to_pylist()
    assert back.column("Horsepower").null_count == table.column("Horsepower").null_count == 6
    assert read_table(table.to_batches()[0]).num_rows == table.to_batches()[0].num_rows
    assert read_table({"a": [1, 2], "b": ["x", None]}).column("b").null_count == 1
    assert read_table(pandas.DataFrame({"c": pandas.Categorical(["u", "v", "u"])})).num_rows == 3


def test_polars_dataframe():
    polars = pytest.importorskip("polars")
    frame = polars.DataFrame({"x": [1.0, None, 3.0], "t": ["a", "b", None]})
    table = read_table(frame)
    assert table.column("x").null_count == 1 and table.column("t").to_pylist() == ["a", "b", None]


def test_columns_selects_and_names_the_missing_one():
    table = read_table(path("cars"), columns=["Origin", "Horsepower"])
    assert table.column_names == ["Origin", "Horsepower"]
    with pytest.raises(DataError, match="no column 'origin'"):
        read_table(path("cars"), columns=["origin"])


@pytest.mark.parametrize("content, name, message", [
    (None, "absent.csv", "absent.csv: no such file"),
    ("x,y\n1,2\n", "data.xlsx", "data.xlsx: expected a .csv"),
    ("x,y\n1,2\n3,4,5\n", "ragged.csv", "ragged.csv: cannot be read as csv"),
    ("x,x\n1,2\n", "twice.csv", "column 'x' appears twice"),
    (b"PAR1 not really parquet", "broken.parquet", "broken.parquet: cannot be read as parquet"),
])
def test_unreadable_files_are_one_line_data_errors_naming_the_file(tmp_path, content, name, message):
    file = tmp_path / name
    if isinstance(content, bytes):
        file.write_bytes(content)
    elif content is not None:
        file.write_text(content)
    with pytest.raises(DataError, match=message) as caught:
        read_table(file)
    assert "\n" not in str(caught.value)


def test_a_folder_without_parquet_files(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataError, match="holds no .parquet files"):
        read_table(tmp_path)


def test_what_is_not_a_table():
    with pytest.raises(DataError, match="expected a path, a pyarrow Table"):
        read_table([[1, 2], [3, 4]])
    pandas = pytest.importorskip("pandas")
    with pytest.raises(DataError, match="expected text column names"):
        read_table(pandas.DataFrame(np.zeros((2, 2))))


@pytest.mark.parametrize("kind", ["csv", "parquet", "folder", "table"])
def test_iter_batches_streams_the_same_rows_in_bounded_batches(tmp_path, kind):
    table, _ = load_penguins()
    if kind == "csv":
        source = path("penguins")
    elif kind == "parquet":
        source = tmp_path / "p.parquet"
        pq.write_table(table, source, row_group_size=100)
    elif kind == "folder":
        source = tmp_path
        pq.write_table(table.slice(0, 150), tmp_path / "a.parquet", row_group_size=64)
        pq.write_table(table.slice(150), tmp_path / "b.parquet", row_group_size=64)
    else:
        source = table
    batches = list(iter_batches(source, rows=50))
    assert max(batch.num_rows for batch in batches) <= 50
    assert pa.Table.from_batches(batches).equals(table)


def test_a_streamed_csv_column_that_changes_type_late_says_why(tmp_path):
    file = tmp_path / "late.csv"
    file.write_text("a,b\n" + "".join(f"{i},x\n" for i in range(700_000)) + "3.5,y\n")
    assert read_table(file).schema.field("a").type == pa.float64()  # read whole: the type of every row
    with pytest.raises(DataError, match="late.csv: cannot be read as csv: .*column types come from its first 4 MB"):
        list(iter_batches(file))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".tsv", ".parquet", ".csv.gz"]))
def test_random_bytes_are_a_table_or_a_data_error(tmp_path, content, suffix):
    file = tmp_path / f"random{suffix}"
    file.write_bytes(content)
    try:
        table = read_table(file)
    except DataError as error:
        assert str(file) in str(error) and "\n" not in str(error)
    else:
        assert isinstance(table, pa.Table)
    try:
        for batch in iter_batches(file, rows=7):
            assert batch.num_rows <= 7
    except DataError as error:
        assert str(file) in str(error)


def test_is_table_tells_tables_from_arrays(tmp_path):
    pandas = pytest.importorskip("pandas")
    table, _ = load_penguins()
    assert is_table(table) and is_table(table.to_batches()[0]) and is_table(pandas.DataFrame({"a": [1]}))
    assert is_table(path("penguins")) and is_table("data.parquet") and is_table(tmp_path)
    assert not is_table(np.zeros((2, 2))) and not is_table("x.npy") and not is_table([[1, 2]])
    assert not is_table(pandas.Series([1, 2]))
