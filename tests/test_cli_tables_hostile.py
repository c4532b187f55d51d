"""The table front ends against hostile input: streamed tables whose row groups are empty, have no
target or hold a class of their own; evaluate finding "the data it was trained on" by the file, not
the spelling; bool, decimal and many-valued targets; --ignore; array models given tables; and the
flags' own messages (--class-weight, --validation-split, --out, --categorical, --opset), each one
line, before any training."""

import os
import re
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from cli_run import argparse_error, one_line_error, run
from neuronet.atomic import atomic_write, check_writable
from neuronet.cli import main
from neuronet.datasets.resolve import _held_out, _parquet_units, resolve_table
from neuronet.datasets.tables import load_penguins
from neuronet.errors import PathError

FAST = ["--hidden", "4", "--epochs", "1", "--verbose", "0"]


@pytest.fixture(scope="module")
def penguins():
    table, _ = load_penguins()
    return table.take(np.random.default_rng(1).permutation(table.num_rows))  # shuffled: every class everywhere


@pytest.fixture(scope="module")
def penguins_csv(penguins, tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "penguins.csv"
    pa_csv.write_csv(penguins, path)
    return path


@pytest.fixture
def trained_here(penguins_csv, tmp_path, monkeypatch):
    """A folder holding penguins.csv and the model pm.npz trained on it by that relative name, made the cwd."""
    here = tmp_path / "here"
    here.mkdir()
    shutil.copy(penguins_csv, here / "penguins.csv")
    monkeypatch.chdir(here)
    assert main(["train", "--data", "penguins.csv", "--target", "species", "--out", "pm.npz", *FAST]) == 0
    return here


def _null_target(table, rows):
    species = np.array(table.column("species").to_pylist(), dtype=object)
    species[rows] = None
    return table.set_column(0, "species", pa.array(species.tolist(), pa.string()))


# --- streamed tables: held-out row groups --------------------------------------------------------
def test_empty_row_groups_are_never_held_out(penguins, tmp_path, capsys):
    folder = tmp_path / "sparse"
    folder.mkdir()
    pq.write_table(penguins.slice(0, 160), folder / "a.parquet", row_group_size=40)  # 4 row groups
    for name in "bcde":  # 4 files of one empty row group each
        pq.write_table(penguins.slice(0, 0), folder / f"{name}.parquet")
    units = _parquet_units(folder)
    assert len(units) == 8 and sum(rows == 0 for *_, rows in units) == 4
    for seed in range(10):
        assert all(units[i][2] > 0 for i in _held_out(units, seed, folder))
    code, out, err = run(capsys, "train", "--data", folder, "--target", "species", "--stream", *FAST)
    assert code == 0 and "test accuracy" in out, err
    assert "120 training and 40 test samples" in err


def test_row_groups_without_a_target_are_not_held_out_and_are_counted_like_in_memory(penguins, tmp_path, capsys):
    rows = np.arange(penguins.num_rows)
    unlabeled = rows[(rows >= 80) & (rows < 240)]  # row groups 2..5 (of 9) have no target at all
    table = _null_target(penguins, unlabeled)
    path = tmp_path / "holes.parquet"
    pq.write_table(table, path, row_group_size=40)
    for seed in range(6):
        data = resolve_table(str(path), "species", seed, stream=True)
        assert data["n_test"] > 0 and data["n_unlabeled"] == len(unlabeled)
        assert data["n_train"] + data["n_test"] + data["n_unlabeled"] == table.num_rows
    code, out, err = run(capsys, "train", "--data", path, "--target", "species", "--stream", *FAST)
    assert code == 0 and "test accuracy" in out, err
    assert f"note: {len(unlabeled)} rows without a target are left out" in err
    n_train, n_test = (int(n.replace(",", "")) for n in re.search(r"([\d,]+) training and ([\d,]+) test", err).groups())
    assert n_train + n_test == 344 - len(unlabeled) and n_test > 0


def test_streamed_and_in_memory_say_the_same_about_rows_without_a_target(penguins, tmp_path, capsys):
    table = _null_target(penguins, np.arange(0, penguins.num_rows, 7))  # one row in 7 without a target
    path = tmp_path / "somenull.parquet"
    pq.write_table(table, path, row_group_size=40)
    notes = []
    for extra in ([], ["--stream"]):
        code, out, err = run(capsys, "train", "--data", path, "--target", "species", *extra, *FAST)
        assert code == 0, err
        notes.append([line for line in err.splitlines() if line.startswith("note:")])
        n_train, n_test = (int(n) for n in re.search(r"(\d+) training and (\d+) test", err).groups())
        assert n_train + n_test == 344 - 50
    assert notes[0] == notes[1] == ["note: 50 rows without a target are left out"]


def test_a_class_only_in_held_out_row_groups_is_refused_before_training(penguins, tmp_path, capsys):
    folder = tmp_path / "sorted"
    folder.mkdir()
    ordered = penguins.take(pc.sort_indices(penguins, [("species", "ascending")]))
    chinstrap = pc.equal(ordered.column("species"), "Chinstrap")
    pq.write_table(ordered.filter(pc.invert(chinstrap)), folder / "a.parquet")
    pq.write_table(ordered.filter(chinstrap), folder / "b.parquet")
    out = tmp_path / "model.npz"
    err = one_line_error(capsys, "train", "--data", folder, "--target", "species", "--stream", "--out", out, *FAST)
    assert "row group 0, held out as test data, holds target 'species'" in err
    assert "that no training row group has" in err and "parquet" in err
    assert "data:" not in err and not out.exists()  # refused before the run's header: nothing trained


def test_evaluate_names_the_file_and_its_row_of_a_label_the_model_never_saw(penguins, tmp_path, capsys):
    path, model = tmp_path / "s.parquet", tmp_path / "s.npz"
    pq.write_table(penguins, path, row_group_size=40)
    assert main(["train", "--data", str(path), "--target", "species", "--stream", "--out", str(model), *FAST]) == 0
    code, _, err = run(capsys, "evaluate", model)
    assert code == 0 and "its test row groups (held out in training)" in err, err
    folder = tmp_path / "other"
    folder.mkdir()
    pq.write_table(penguins.slice(0, 100), folder / "a.parquet", row_group_size=40)
    species = penguins.column("species").to_pylist()[100:]
    species[57] = "Emperor"
    pq.write_table(penguins.slice(100).set_column(0, "species", pa.array(species)), folder / "b.parquet",
                   row_group_size=40)
    err = one_line_error(capsys, "evaluate", model, "--data", folder)
    assert f"{folder / 'b.parquet'}: target 'species': label 'Emperor' in data row 58 is not one of" in err


# --- evaluate: the data it was trained on is the same file, not the same spelling ------------------
def test_evaluate_knows_its_data_by_path_and_says_which_rows_it_used(trained_here, tmp_path, capsys, monkeypatch):
    here = trained_here
    capsys.readouterr()
    said = []
    for argv in ([], ["--data", "penguins.csv"], ["--data", "./penguins.csv"], ["--data", str(here / "penguins.csv")]):
        code, out, err = run(capsys, "evaluate", "pm.npz", *argv)
        assert code == 0, err
        assert "its test part (held out in training): 69 rows" in err, (argv, err)
        said.append(out)
    assert len(set(said)) == 1
    other = tmp_path / "other"
    other.mkdir()
    table, _ = load_penguins()
    pa_csv.write_csv(table.slice(0, 200), other / "penguins.csv")  # another file of the same name
    monkeypatch.chdir(other)
    code, out, err = run(capsys, "evaluate", here / "pm.npz")  # the model's own data, by its recorded path
    assert code == 0 and "its test part (held out in training): 69 rows" in err and out == said[0]
    code, out, err = run(capsys, "evaluate", here / "pm.npz", "--data", "penguins.csv")
    assert code == 0 and "penguins.csv, all its rows with a target: 200 rows" in err
    stat = os.stat(here / "penguins.csv")
    os.utime(here / "penguins.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched, not changed
    code, out, err = run(capsys, "evaluate", here / "pm.npz")
    assert code == 0 and "its test part (held out in training): 69 rows" in err and out == said[0]


# --- targets: bool labels by name, decimal numbers, many values ----------------------------------
def test_a_bool_targets_classes_are_named_as_shown(penguins, tmp_path, capsys):
    table = penguins.set_column(0, "species", pc.equal(penguins.column("species"), "Adelie"))
    path = tmp_path / "bool.csv"
    pa_csv.write_csv(table, path)
    code, out, err = run(capsys, "train", "--data", path, "--target", "species", "--class-weight", "True=2", *FAST)
    assert code == 0 and "2 classes (False, True)" in err and "test accuracy" in out, err
    parquet = tmp_path / "bool.parquet"
    pq.write_table(table, parquet)
    code, out, err = run(capsys, "train", "--data", parquet, "--target", "species", "--class-weight", "False=3", *FAST)
    assert code == 0, err
    err = one_line_error(capsys, "train", "--data", path, "--target", "species", "--class-weight", "true=2", *FAST)
    assert "--class-weight: 'true' is not a class of the training data (classes: False, True)" in err


def test_a_decimal_target_with_a_classification_loss_is_refused(capsys):
    err = one_line_error(capsys, "train", "--data", "cars", "--loss", "softmax_cross_entropy", *FAST)
    assert "target 'Miles_per_Gallon' holds decimal numbers (e.g. 14.5)" in err and "--loss mse" in err


def test_an_integer_target_with_very_many_values_gets_a_note(penguins_csv, capsys):
    code, out, err = run(capsys, "train", "--data", penguins_csv, "--target", "body_mass_g", *FAST)
    assert code == 0, err
    assert "note: target 'body_mass_g' has 94 distinct values among" in err and "--loss mse" in err
    code, out, err = run(capsys, "train", "--data", penguins_csv, "--target", "species", *FAST)
    assert "distinct values" not in err


# --- --ignore, --categorical, --numeric -------------------------------------------------------------
def test_ignore_leaves_a_column_out_and_the_advice_names_the_flag(penguins, tmp_path, capsys):
    table = penguins.append_column("empty", pa.nulls(penguins.num_rows, pa.string()))
    path = tmp_path / "allmiss.csv"
    pa_csv.write_csv(table, path)
    err = one_line_error(capsys, "train", "--data", path, "--target", "species", *FAST)
    assert "column 'empty': no values in the training data; leave it out with --ignore empty" in err
    code, out, err = run(capsys, "train", "--data", path, "--target", "species", "--ignore", "empty", *FAST)
    assert code == 0 and "table: 7 columns" in err, err
    streamed = tmp_path / "allmiss.parquet"
    pq.write_table(table.set_column(8, "empty", pa.nulls(table.num_rows, pa.date32())), streamed, row_group_size=40)
    err = one_line_error(capsys, "train", "--data", streamed, "--target", "species", "--stream", *FAST)
    assert "--ignore empty" in err and "ignore=[" not in err
    code, out, err = run(capsys, "train", "--data", streamed, "--target", "species", "--stream", "--ignore", "empty",
                         *FAST)
    assert code == 0 and "table: 7 columns" in err, err
    assert "--ignore: no column 'nope'" in one_line_error(capsys, "train", "--data", path, "--target", "species",
                                                             "--ignore", "nope", *FAST)
    assert "--ignore: only for a table" in one_line_error(capsys, "train", "--data", "iris", "--ignore", "x", *FAST)


@pytest.mark.parametrize("option", ["--categorical", "--numeric", "--ignore"])
def test_the_target_cannot_be_named_a_feature(penguins_csv, capsys, option):
    err = one_line_error(capsys, "train", "--data", penguins_csv, "--target", "species", option, "species", *FAST)
    assert f"{option}: 'species' is the target" in err


def test_categorical_refuses_a_column_of_decimal_numbers(penguins_csv, tmp_path, capsys):
    err = one_line_error(capsys, "train", "--data", penguins_csv, "--target", "species", "--categorical",
                         "bill_length_mm", *FAST)
    assert "--categorical: column 'bill_length_mm' holds decimal numbers" in err
    code, _, err = run(capsys, "train", "--data", penguins_csv, "--target", "species", "--categorical", "year", *FAST)
    assert code == 0, err


# --- models trained on plain arrays, given tables -------------------------------------------------
def test_an_array_model_given_a_table_says_so(penguins, tmp_path, capsys):
    rng = np.random.default_rng(0)
    path = tmp_path / "plain.csv"
    rows = ["a,b,c,d,label"] + [",".join(f"{v:.3f}" for v in rng.random(4)) + f",{i % 3}" for i in range(60)]
    path.write_text("\n".join(rows) + "\n")
    model, iris = tmp_path / "plain.npz", tmp_path / "iris.npz"
    assert main(["train", "--data", str(path), "--out", str(model), *FAST]) == 0
    assert main(["train", "--data", "iris", "--out", str(iris), *FAST]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "predict", model, path)
    assert code == 0 and f"note: {path}: column 'label', the model's target, is not read" in err
    err = one_line_error(capsys, "predict", iris, path)
    assert f"{path}: has 5 numeric columns, but the model reads 4 features" in err
    parquet = tmp_path / "t.parquet"
    pq.write_table(penguins, parquet)
    err = one_line_error(capsys, "predict", iris, parquet)
    assert f"{parquet}: a Parquet table, but the model was trained on numbers without a table encoding" in err
    err = one_line_error(capsys, "evaluate", iris, "--data", parquet)
    assert "is a table, but the model was trained on numbers without a table encoding" in err


# --- the flags' own messages ------------------------------------------------------------------------
def test_class_weight_errors_name_the_flag_and_refuse_absurd_weights(penguins_csv, capsys):
    err = one_line_error(capsys, "train", "--data", penguins_csv, "--target", "species", "--class-weight",
                         "Adelie=0,Chinstrap=0,Gentoo=0", *FAST)
    assert err.split("error: ")[1].startswith("--class-weight: every class weighs zero")
    err = argparse_error(capsys, "train", "--data", penguins_csv, "--class-weight", "Gentoo=1e308,Adelie=1e308")
    assert "the weight of 'Gentoo' must be at most 1e+06" in err


def test_validation_split_is_refused_for_a_streamed_table(penguins, tmp_path, capsys, monkeypatch):
    path = tmp_path / "s.parquet"
    pq.write_table(penguins, path, row_group_size=40)
    err = one_line_error(capsys, "train", "--data", path, "--target", "species", "--stream", "--validation-split",
                         "0.2", *FAST)
    assert err.split("error: ")[1].startswith("--validation-split: a streamed table")
    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", "1000")  # streamed because it is large, not because asked
    err = one_line_error(capsys, "train", "--data", path, "--target", "species", "--validation-split", "0.2", *FAST)
    assert err.split("error: ")[1].startswith(f"--validation-split: {path} is streamed")


def test_an_empty_output_name_is_refused(penguins_csv, tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", "--data", str(penguins_csv), "--target", "species", "--out", str(model), *FAST]) == 0
    capsys.readouterr()
    assert "--out: an empty file name" in one_line_error(capsys, "predict", model, penguins_csv, "--out", "")
    for flag in ("--out", "--history", "--report"):
        err = one_line_error(capsys, "train", "--data", penguins_csv, "--target", "species", flag, "", *FAST)
        assert f"{flag}: an empty file name" in err


def test_a_device_is_refused_for_any_output_in_words_that_fit_it():
    with pytest.raises(PathError, match="--out: /dev/null is a character device; neuronet writes what it saves "
                                        r"\(a model, predictions, a plot"):
        check_writable("/dev/null", "--out")


def test_odd_column_names_are_quoted_in_info_and_export(penguins, tmp_path, capsys):
    odd = 'yé,ar "x"\n\x1b'
    table = penguins.rename_columns([*penguins.column_names[:-1], odd])
    path, model, onnx = tmp_path / "weird.csv", tmp_path / "w.npz", tmp_path / "w.onnx"
    pa_csv.write_csv(table, path)
    assert main(["train", "--data", str(path), "--target", "species", "--out", str(model), *FAST]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "info", model)
    assert code == 0 and "\x1b" not in out
    listing = out.split("table encoding:")[1].split("metadata:")[0].splitlines()[1:]
    assert len(listing) == 8
    assert listing[6] == f"  {odd!r}: categorical (number), 3 categories (2007, 2008, 2009) + unseen"
    pytest.importorskip("onnx")
    code, _, err = run(capsys, "export", model, "--onnx", onnx)
    assert code == 0 and f"  {odd!r}: double (batch)" in err.splitlines() and "\x1b" not in err


def test_opset_is_named_by_its_flag(penguins_csv, tmp_path, capsys):
    pytest.importorskip("onnx")
    model = tmp_path / "m.npz"
    assert main(["train", "--data", str(penguins_csv), "--target", "species", "--out", str(model), *FAST]) == 0
    capsys.readouterr()
    err = one_line_error(capsys, "export", model, "--onnx", tmp_path / "x.onnx", "--opset", "12")
    assert err.split("error: ")[1].startswith("--opset: expected a whole number from 13")


# --- a slip in the rows the encoder does not learn from --------------------------------------------

def _with_text_slip(table, row):
    """``table`` with one cell of ``bill_length_mm`` (a column of numbers) written as text."""
    lengths = [None if value is None else str(value) for value in table.column("bill_length_mm").to_pylist()]
    lengths[row] = "long"
    index = table.schema.get_field_index("bill_length_mm")
    return table.set_column(index, "bill_length_mm", pa.array(lengths, pa.string()))


@pytest.mark.parametrize("seed", range(4))
def test_a_text_slip_is_found_wherever_the_split_puts_it(penguins, tmp_path, capsys, seed):
    # the encoder learns from the training split; the check covers every row, so no seed lets it through
    path = tmp_path / "mixed.csv"
    pa_csv.write_csv(_with_text_slip(penguins, 7), path)
    err = one_line_error(capsys, "train", "--data", path, "--target", "species", "--seed", seed, *FAST)
    assert "'bill_length_mm'" in err and "'long'" in err and "data row 8" in err


def test_a_streamed_table_finds_a_text_slip_in_any_row_group(penguins, tmp_path, capsys):
    path = tmp_path / "mixed.parquet"
    pq.write_table(_with_text_slip(penguins, 300), path, row_group_size=40)
    for seed in (0, 1):
        err = one_line_error(capsys, "train", "--data", path, "--target", "species", "--stream", "--seed", seed,
                             *FAST)
        assert "'bill_length_mm'" in err and "'long'" in err


def test_train_names_the_line_of_a_csv_that_is_not_utf8(penguins_csv, tmp_path, capsys):
    text = penguins_csv.read_bytes().replace(b"Torgersen", "Torgérsen".encode("latin-1"), 1)
    path = tmp_path / "latin1.csv"
    path.write_bytes(text)
    line = text[:text.index(b"Torg\xe9rsen")].count(b"\n") + 1
    err = one_line_error(capsys, "train", "--data", path, "--target", "species", *FAST)
    assert "not UTF-8" in err and f"line {line}" in err, err


# --- evaluate: an older model file records only the name its data was given by ------------------------
def test_an_older_model_file_finds_its_data_by_name_only_and_says_so(trained_here, tmp_path, capsys, monkeypatch):
    from neuronet import io

    here = trained_here
    net = io.load(here / "pm.npz")
    recorded = {key: value for key, value in net.metadata["dataset"].items() if key not in ("path", "files")}
    io.save(net, here / "old.npz", metadata={**net.metadata, "dataset": recorded})  # as saved before the record
    capsys.readouterr()
    said = []
    for argv in ([], ["--data", "penguins.csv"], ["--data", "./penguins.csv"]):  # one file, however spelled
        code, out, err = run(capsys, "evaluate", "old.npz", *argv)
        assert code == 0 and "its test part (held out in training; matched by name only" in err, (argv, err)
        said.append(out)
    assert len(set(said)) == 1
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.chdir(other)  # no penguins.csv here: the model cannot say where its data was
    err = one_line_error(capsys, "evaluate", here / "old.npz")
    assert "error: the model was trained on 'penguins.csv', named from the folder it was trained in" in err
    assert "--data:" not in err
    table, _ = load_penguins()
    pa_csv.write_csv(table.slice(0, 200), other / "penguins.csv")  # another file of that name
    code, out, err = run(capsys, "evaluate", here / "old.npz")
    assert code == 0 and "matched by name only" in err and "so the file of that name here is taken to be it" in err


# --- predict: a CSV file without a header -------------------------------------------------------------
def test_a_first_line_of_numbers_is_refused_as_a_header(penguins_csv, tmp_path, capsys):
    iris = tmp_path / "iris.npz"
    assert main(["train", "--data", "iris", "--out", str(iris), *FAST]) == 0
    capsys.readouterr()
    rows = "5.1,3.5,1.4,0.2\n4.9,3.0,1.4,0.2\n6.3,3.3,6.0,2.5\n"
    headerless = tmp_path / "nohdr.csv"
    headerless.write_text(rows)
    expected = (f"{headerless}: the first line holds numbers, not column names; neuronet reads CSV files with a "
                "header row")
    assert expected in one_line_error(capsys, "predict", iris, headerless)
    digits = tmp_path / "digits.csv"
    digits.write_text("0,0,5,13\n0,0,0,12\n")  # repeated numbers: once said as a repeated column name
    assert "the first line holds numbers" in one_line_error(capsys, "predict", iris, digits)
    pandas = tmp_path / "pandas.csv"
    pandas.write_text("0,1,2,3\n" + rows)  # pandas' names of unnamed columns are a header
    code, out, err = run(capsys, "predict", iris, pandas)
    assert code == 0 and len(out.splitlines()) == 4, err
    training = tmp_path / "train.csv"
    training.write_text(rows * 10)
    assert "the first line holds numbers" in one_line_error(capsys, "train", "--data", training, *FAST)
    model = tmp_path / "p.npz"
    assert main(["train", "--data", str(penguins_csv), "--target", "species", "--out", str(model), *FAST]) == 0
    capsys.readouterr()
    lines = penguins_csv.read_text().splitlines()
    table_rows = tmp_path / "table_nohdr.csv"
    table_rows.write_text("\n".join(line for line in lines[1:] if "NA" not in line and ",," not in line)[:400])
    assert "the first line" not in one_line_error(capsys, "predict", model, table_rows)  # text cells: not numbers


# --- a decimal target with a classification loss: the same refusal at both speeds ---------------------
def test_a_decimal_target_is_refused_the_same_way_when_streamed(tmp_path, capsys):
    from neuronet.datasets.tables import load_cars

    cars, _ = load_cars()
    path = tmp_path / "cars.parquet"
    pq.write_table(cars.take(np.random.default_rng(0).permutation(cars.num_rows)), path, row_group_size=50)
    said = []
    for stream in (["--stream"], []):
        err = one_line_error(capsys, "train", "--data", path, "--target", "Miles_per_Gallon", "--loss",
                             "softmax_cross_entropy", *stream, *FAST)
        assert "--loss softmax_cross_entropy: target 'Miles_per_Gallon' holds decimal numbers (e.g. " in err, err
        assert "held out" not in err and "choose a regression loss (--loss mse)" in err
        said.append(err.split(" (e.g.")[0])
    assert said[0] == said[1]


# --- list flags given more than once; contradictory flags ----------------------------------------------
def test_a_list_flag_given_twice_adds_to_the_list(penguins_csv, tmp_path, capsys):
    model = tmp_path / "m.npz"
    code, out, err = run(capsys, "train", "--data", penguins_csv, "--target", "species", "--ignore", "island",
                         "--ignore", "sex,year", "--out", model, *FAST)
    assert code == 0 and "table: 4 columns" in err, err
    code, out, _ = run(capsys, "info", model)
    assert "island" not in out.split("table encoding")[1].split("metadata:")[0]
    code, out, err = run(capsys, "train", "--data", penguins_csv, "--target", "species", "--categorical", "year",
                         "--categorical", "year", "--numeric", "body_mass_g", "--numeric", "flipper_length_mm", *FAST)
    assert code == 0, err


@pytest.mark.parametrize("first, second, why", [
    ("--ignore", "--categorical", "a column left out is not encoded at all"),
    ("--ignore", "--numeric", "a column left out is not encoded at all"),
    ("--numeric", "--categorical", "a column is a category or a number, not both"),
])
def test_contradictory_flags_are_refused_naming_both(penguins_csv, capsys, first, second, why):
    err = one_line_error(capsys, "train", "--data", penguins_csv, "--target", "species", first, "year", second, "year",
                         *FAST)
    flags = sorted([first, second], key=["--categorical", "--numeric", "--ignore"].index)
    assert f"error: {flags[0]} year and {flags[1]} year contradict each other: {why}" in err
    assert "categorical, numeric:" not in err


def test_ignore_on_a_folder_whose_files_differ_in_that_column_says_it_does_not_help(penguins, tmp_path, capsys):
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(penguins.slice(0, 170), folder / "a.parquet", row_group_size=40)
    pq.write_table(penguins.slice(170).drop_columns(["sex"]), folder / "b.parquet", row_group_size=40)
    for stream in ([], ["--stream"]):
        err = one_line_error(capsys, "train", "--data", folder, "--target", "species", "--ignore", "sex", *stream,
                             *FAST)
        assert "b.parquet has no column 'sex'" in err and "--ignore leaves a column out of the encoding" in err


# --- odd column names and class labels never reach the terminal raw ------------------------------------
def test_odd_names_and_labels_are_quoted_wherever_they_are_listed(penguins, tmp_path, capsys):
    label, column = "Ad\x1b[2Jelie", "isl\x1b[31mand"
    species = [label if value == "Adelie" else value for value in penguins.column("species").to_pylist()]
    table = penguins.set_column(0, "species", pa.array(species, pa.string()))
    table = table.rename_columns([column if name == "island" else name for name in table.column_names])
    path, model = tmp_path / "esc.csv", tmp_path / "esc.npz"
    pa_csv.write_csv(table, path)
    outputs = []
    for option in ("--target", "--categorical", "--ignore"):
        err = one_line_error(capsys, "train", "--data", path, *(("--target", "species") if option != "--target"
                                                                 else ()), option, "nosuch", *FAST)
        assert "(columns: species, 'isl\\x1b[31mand', bill_length_mm" in err, err
        outputs.append(err)
    err = one_line_error(capsys, "train", "--data", path, "--target", "species", "--class-weight", "X=1", *FAST)
    assert "(classes: 'Ad\\x1b[2Jelie', Chinstrap, Gentoo)" in err
    outputs.append(err)
    code, out, err = run(capsys, "train", "--data", path, "--target", "species", "--out", model, *FAST)
    assert code == 0 and "target species: 3 classes ('Ad\\x1b[2Jelie', Chinstrap, Gentoo)" in err, err
    outputs += [out, err]
    code, out, err = run(capsys, "evaluate", model)
    assert code == 0 and "\n'Ad\\x1b[2Jelie'  " in out, out
    outputs += [out, err]
    plain = tmp_path / "plain.csv"
    pa_csv.write_csv(penguins, plain)
    err = one_line_error(capsys, "predict", model, plain)
    assert "column 'isl\\x1b[31mand': the model was trained on it but the data has no such column" in err
    outputs.append(err)
    assert not any("\x1b" in text for text in outputs)


# --- evaluate: what changed in the data it was trained on ----------------------------------------------
def test_evaluate_says_how_its_data_changed(penguins, penguins_csv, tmp_path, capsys):
    data, model = tmp_path / "penguins.csv", tmp_path / "m.npz"
    shutil.copy(penguins_csv, data)
    assert main(["train", "--data", str(data), "--target", "species", "--out", str(model), *FAST]) == 0
    capsys.readouterr()
    before = os.stat(data)
    text = data.read_bytes()
    first = re.search(rb",(\d)(\d)\.(\d),", text)  # a bill length: one digit changed keeps the size
    digit = b"1" if first.group(3) != b"1" else b"2"
    data.write_bytes(text[:first.start(3)] + digit + text[first.end(3):])
    os.utime(data, ns=(before.st_atime_ns, before.st_mtime_ns))  # the same size and time, other content
    code, out, err = run(capsys, "evaluate", model)
    assert code == 0 and "its content differs (the same size, another checksum)" in err and ": 344 rows" in err
    data.unlink()
    data.symlink_to(penguins_csv)  # the recorded path now leads to another file
    code, out, err = run(capsys, "evaluate", model)
    assert code == 0 and f"{data} now leads to {penguins_csv}, not to the file the model was trained on" in err
    data.unlink()
    err = one_line_error(capsys, "evaluate", model)
    assert f"error: the model was trained on {data}, which is not there any more (moved or deleted); give its " \
           "data with --data" in err
    folder, folder_model = tmp_path / "parts", tmp_path / "f.npz"
    folder.mkdir()
    pq.write_table(penguins.slice(0, 170), folder / "a.parquet")
    pq.write_table(penguins.slice(170), folder / "b.parquet")
    assert main(["train", "--data", str(folder), "--target", "species", "--out", str(folder_model), *FAST]) == 0
    capsys.readouterr()
    shutil.copy(folder / "a.parquet", folder / "c.parquet")
    code, out, err = run(capsys, "evaluate", folder_model)
    assert code == 0 and "it changed since the model was trained: a file was added (c.parquet)" in err, err
    (folder / "c.parquet").unlink()
    (folder / "b.parquet").unlink()
    code, out, err = run(capsys, "evaluate", folder_model)
    assert code == 0 and "a file was removed (b.parquet)" in err, err


# --- small things ------------------------------------------------------------------------------------------
def test_a_blank_name_or_a_folders_name_is_refused_as_an_output(penguins_csv, tmp_path, capsys):
    err = one_line_error(capsys, "train", "--data", penguins_csv, "--target", "species", "--out", " ", *FAST)
    assert "--out: a blank file name (' ')" in err
    folder = tmp_path / "good.npz.d"
    err = one_line_error(capsys, "train", "--data", penguins_csv, "--target", "species", "--out", f"{folder}/",
                         *FAST)
    assert "so it names a folder, not a file" in err and not folder.exists()
    with pytest.raises(PathError, match="names a folder"):
        with atomic_write(f"{folder}/") as handle:
            handle.write(b"x")
    assert not folder.exists()


def test_train_says_the_target_and_a_missing_feature_once(penguins_csv, capsys):
    code, out, err = run(capsys, "train", "--data", penguins_csv, "--target", "species", *FAST)
    assert "; target species: 3 classes (Adelie, Chinstrap, Gentoo)" in err and "(target)" not in err
    others = "island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year"
    err = one_line_error(capsys, "train", "--data", penguins_csv, "--target", "species", "--ignore", others, *FAST)
    assert f"error: {penguins_csv}: no feature columns" in err and "data:" not in err


def test_a_mostly_numeric_column_taken_as_categories_is_a_note_line_not_a_warning(penguins, tmp_path, capsys):
    lengths = [None if value is None else str(value) for value in penguins.column("bill_length_mm").to_pylist()]
    for row in range(0, len(lengths), 5):  # one cell in five is text: more than a slip, still mostly numbers
        lengths[row] = "long"
    index = penguins.schema.get_field_index("bill_length_mm")
    path = tmp_path / "mostly.csv"
    pa_csv.write_csv(penguins.set_column(index, "bill_length_mm", pa.array(lengths, pa.string())), path)
    code, _, err = run(capsys, "train", "--data", path, "--target", "species", *FAST)
    assert code == 0, err
    notes = [line for line in err.splitlines() if "bill_length_mm" in line]
    assert len(notes) == 1 and notes[0].startswith("note: "), err
    assert "Warning" not in err


def test_a_plain_csv_with_a_nul_byte_is_not_a_text_file(tmp_path, capsys):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"a,b,label\n1,2,0\n3,4\x00,1\n5,6,0\n")
    err = one_line_error(capsys, "train", "--data", path, *FAST)
    assert "not a text file (line 3 holds a NUL byte)" in err, err
