"""The command line on tables: train on CSV and Parquet files with text columns and missing values,
the bundled penguins and cars, streamed Parquet, class weights; predict on raw rows; evaluate's
report; info; export's raw-column inputs. Every bad input is one line and exit status 2."""

import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from cli_run import argparse_error, one_line_error, run
import neuronet as nn
from neuronet.cli import main
from neuronet.datasets.resolve import resolve_table
from neuronet.datasets.tables import load_cars, load_penguins

FAST = ["--hidden", "16", "--epochs", "15", "--verbose", "0", "--batch-size", "16", "--lr", "0.01"]
RAW = ("island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n"
       "Biscoe,50.5,15.9,225,5400,male,2008\n"
       "Dream,46.5,17.9,192,3500,,2009\n"
       "Torgersen,NA,NA,NA,NA,NA,2007\n"
       "Torgersen,39.1,18.7,181,3750,male,2007\n")


@pytest.fixture(scope="module")
def penguins_csv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("penguins")
    table, _ = load_penguins()
    path = folder / "penguins.csv"
    pa_csv.write_csv(table, path)
    return path


@pytest.fixture(scope="module")
def penguins_model(penguins_csv, tmp_path_factory):
    model = tmp_path_factory.mktemp("model") / "penguins.npz"
    assert main(["train", "--data", str(penguins_csv), "--target", "species", "--out", str(model), *FAST]) == 0
    return model


@pytest.fixture(scope="module")
def cars_model(tmp_path_factory):
    model = tmp_path_factory.mktemp("cars") / "cars.npz"
    assert main(["train", "--data", "cars", "--out", str(model), *FAST]) == 0
    return model


# --- the probe -------------------------------------------------------------------------
def test_the_penguins_probe_trains_and_the_saved_model_predicts_text_labels(penguins_csv, tmp_path, capsys):
    model = tmp_path / "m.npz"
    code, out, err = run(capsys, "train", "--data", penguins_csv, "--target", "species", "--out", model, *FAST)
    assert code == 0, err
    accuracy = float(re.search(r"test accuracy: ([\d.]+)", out).group(1))
    balanced = float(re.search(r"test balanced accuracy: ([\d.]+)", out).group(1))
    assert accuracy > 0.9 and balanced > 0.9
    assert "7 columns -> 20 features" in err
    net = nn.load(model)
    assert net.encoder is not None and net.classes.tolist() == ["Adelie", "Chinstrap", "Gentoo"]
    assert net.metadata["columns"] == ["island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm",
                                       "body_mass_g", "sex", "year"]
    rows = tmp_path / "rows.csv"
    rows.write_text(RAW)
    code, out, err = run(capsys, "predict", model, rows)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "prediction" and len(lines) == 5
    assert set(lines[1:]) <= {"Adelie", "Chinstrap", "Gentoo"}
    assert lines[1] == "Gentoo" and lines[4] == "Adelie"  # a large Biscoe male; a small Torgersen one


def test_the_encoder_is_fitted_on_the_training_rows_only(penguins_csv):
    data = resolve_table(str(penguins_csv), "species", seed=3)
    table = pa_csv.read_csv(penguins_csv)
    numeric = next(column for column in data["encoder"].columns if column.name == "body_mass_g")
    assert data["encoder"].n_rows == data["n_train"] == 275 and data["n_test"] == 69
    whole = np.nanmean(np.asarray(table.column("body_mass_g").to_pandas(), dtype=float))
    assert numeric.center != pytest.approx(whole, abs=1e-9)  # not the mean of every row
    # stratified: each species in the test part in proportion (152, 68, 124 rows -> 30, 14, 25)
    labels, counts = np.unique(data["y_test"], return_counts=True)
    assert dict(zip(labels.tolist(), counts.tolist())) == {"Adelie": 30, "Chinstrap": 14, "Gentoo": 25}
    again = resolve_table(str(penguins_csv), "species", seed=3)
    assert np.array_equal(again["X_test"], data["X_test"])  # seeded


def test_the_bundled_tables_are_listed_and_train(cars_model, capsys):
    code, out, _ = run(capsys, "datasets")
    assert re.search(r"^penguins\s+table\s+yes", out, re.M) and re.search(r"^cars\s+table\s+yes", out, re.M)
    code, out, err = run(capsys, "train", "--data", "penguins", *FAST)
    assert code == 0 and "penguins (bundled table)" in err and float(out.split("test accuracy: ")[1].split()[0]) > 0.9
    net = nn.load(cars_model)  # a decimal target: regression, with squared error chosen for it
    assert net.loss.name == "mse" and net.encoder.target.task == "regression" and net.classes is None
    assert nn.datasets.load("penguins")[0][0].shape == (275, 20)


def test_integer_columns_named_categorical_and_robust_scaling(tmp_path):
    model = tmp_path / "cars.npz"
    assert main(["train", "--data", "cars", "--categorical", "Year", "--scaling", "robust", "--out", str(model),
                 "--hidden", "4", "--epochs", "1", "--verbose", "0"]) == 0
    encoder = nn.load(model).encoder
    kinds = {column.name: type(column).__name__ for column in encoder.columns}
    assert kinds["Year"] == "CategoricalColumn" and encoder.scaling == "robust"
    plain = resolve_table("cars")["encoder"]
    assert {column.name: type(column).__name__ for column in plain.columns}["Year"] == "NumericColumn"


def test_parquet_file_and_folder_train_in_memory(tmp_path, capsys):
    table, _ = load_penguins()
    pq.write_table(table, tmp_path / "p.parquet")
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(table.slice(0, 200), folder / "a.parquet")
    pq.write_table(table.slice(200), folder / "b.parquet")
    for data in (tmp_path / "p.parquet", folder):
        code, out, err = run(capsys, "train", "--data", data, "--target", "species", *FAST)
        assert code == 0 and "streamed" not in err and "275 training and 69 test" in err


# --- streaming ---------------------------------------------------------------------------------
def _mixed_parquet(path, rows=6000, group=500, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    colour = rng.choice(["red", "green", "blue"], size=rows)
    label = np.where(x + (colour == "red") > 0.5, "yes", "no")
    x[::50] = np.nan
    pq.write_table(pa.table({"x": x, "colour": colour, "noise": rng.normal(size=rows), "label": label}), path,
                   row_group_size=group)
    return label


def test_a_parquet_file_streams_when_asked_and_evaluates_on_its_held_out_row_groups(tmp_path, capsys):
    path, model = tmp_path / "big.parquet", tmp_path / "m.npz"
    _mixed_parquet(path)
    code, out, err = run(capsys, "train", "--data", path, "--target", "label", "--stream", "--out", model,
                         "--hidden", "8", "--epochs", "3", "--verbose", "0")
    assert code == 0, err
    assert "(streamed)" in err and "5,000 training and 1,000 test" in err  # 2 of 12 row groups held out
    assert float(out.split("test accuracy: ")[1].split()[0]) > 0.85
    net = nn.load(model)
    assert net.metadata["dataset"]["stream"] is True and net.classes.tolist() == ["no", "yes"]
    code, again, _ = run(capsys, "evaluate", model)
    assert code == 0 and again.splitlines()[0].split("  ")[0] == out.split("  ")[0].replace("test ", "")


def test_a_parquet_file_over_a_quarter_of_free_memory_streams_by_itself(tmp_path, capsys, monkeypatch):
    path = tmp_path / "big.parquet"
    _mixed_parquet(path, rows=20000, group=2000)
    size = sum(pq.ParquetFile(path).metadata.row_group(i).total_byte_size for i in range(10))
    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", str(3 * size))  # over a quarter of it: streamed
    code, _, err = run(capsys, "train", "--data", path, "--target", "label", "--hidden", "4", "--epochs", "1",
                       "--verbose", "0")
    assert code == 0 and "(streamed)" in err, err
    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", str(100 * size))
    code, _, err = run(capsys, "train", "--data", path, "--target", "label", "--hidden", "4", "--epochs", "1",
                       "--verbose", "0")
    assert code == 0 and "(streamed)" not in err, err


def test_streamed_class_weights_weigh_each_row_by_its_class(tmp_path):
    from neuronet.cli.train import _ClassWeighted, _per_class

    path = tmp_path / "big.parquet"
    labels = _mixed_parquet(path)
    data = resolve_table(str(path), "label", stream=True)
    counts = data["class_counts"]
    assert counts.sum() == data["n_train"] == 5000
    per_class = _per_class("balanced", data["encoder"], counts)
    assert np.allclose(per_class, 5000 / (2 * counts))
    assert np.allclose(_per_class({"yes": 3.0}, data["encoder"], counts), [1.0, 3.0])
    batches = list(_ClassWeighted(data["train_source"], per_class).batches(256))
    assert sum(len(b.X) for b in batches) == 5000
    for batch in batches:
        assert np.allclose(batch.sample_weight, per_class[batch.y])
    assert len(labels) == 6000


# --- class weights -----------------------------------------------------------------------------
def test_balanced_class_weights_equal_the_explicit_weights_of_each_class(tmp_path, capsys):
    data = resolve_table("penguins")
    labels, counts = np.unique(data["y_train"], return_counts=True)
    explicit = ",".join(f"{label}={float(len(data['y_train']) / (len(labels) * count))!r}"
                        for label, count in zip(labels, counts))
    models = []
    for spec in ("balanced", explicit, None):
        model = tmp_path / f"m{len(models)}.npz"
        argv = ["train", "--data", "penguins", "--out", model, "--hidden", "8", "--epochs", "2", "--verbose", "0"]
        code, _, err = run(capsys, *argv, *(["--class-weight", spec] if spec else []))
        assert code == 0, err
        models.append(nn.load(model).parameter_vector())
    assert np.array_equal(models[0], models[1])
    assert not np.allclose(models[0], models[2])


# --- predict on raw rows -----------------------------------------------------------------------
def test_predict_raw_rows_missing_cells_extra_columns_and_unseen_categories(penguins_model, tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text(RAW)
    code, plain, _ = run(capsys, "predict", penguins_model, rows)
    assert code == 0
    extra = tmp_path / "extra.csv"  # an extra column (and the target itself) is ignored, with a note
    lines = RAW.splitlines()
    extra.write_text("\n".join(["comment,species," + lines[0]] + [f"x{i},Adelie," + line
                                                                 for i, line in enumerate(lines[1:])]) + "\n")
    code, out, err = run(capsys, "predict", penguins_model, extra)
    assert code == 0 and out == plain and "ignored: comment" in err and "species" not in err
    reordered = tmp_path / "reordered.csv"  # columns are found by name, never by position
    table = pa_csv.read_csv(rows)
    pa_csv.write_csv(table.select(table.column_names[::-1]), reordered)
    assert run(capsys, "predict", penguins_model, reordered)[1] == plain
    unseen = tmp_path / "unseen.csv"  # documented: an unseen category goes to the unseen slot
    unseen.write_text(RAW.replace("Biscoe", "Atlantis"))
    code, out, _ = run(capsys, "predict", penguins_model, unseen, "--proba")
    assert code == 0 and out.splitlines()[0] == "prediction,p_Adelie,p_Chinstrap,p_Gentoo"
    err = one_line_error(capsys, "predict", penguins_model, unseen, "--unseen", "error")
    assert "unseen.csv: column 'island': 'Atlantis' in data row 1 is a category not seen in training" in err
    parquet = tmp_path / "rows.parquet"
    pq.write_table(pa_csv.read_csv(rows), parquet)
    assert run(capsys, "predict", penguins_model, parquet)[1] == plain


@pytest.mark.parametrize("text, message", [
    (RAW.replace("island,", "place,"), r"column 'island': the model was trained on it but the data has no such "
                                       r"column"),
    (RAW.replace("50.5", "long"), r"column 'bill_length_mm': expected numbers, got text: 'long' in data row 1"),
    (RAW.replace("2009", "soon"), r"column 'year': expected numbers \(its categories are numbers\), got text"),
    ("island\n", r"column 'bill_length_mm': the model was trained on it"),
])
def test_predict_bad_rows_are_one_line_errors(penguins_model, tmp_path, capsys, text, message):
    rows = tmp_path / "bad.csv"
    rows.write_text(text)
    err = one_line_error(capsys, "predict", penguins_model, rows)
    assert re.search(message, err), err
    assert "bad.csv" in err


def test_predict_regression_rows(cars_model, tmp_path, capsys):
    table, _ = load_cars()
    rows = tmp_path / "cars.csv"
    pa_csv.write_csv(table.slice(0, 5).drop(["Miles_per_Gallon"]), rows)
    code, out, _ = run(capsys, "predict", cars_model, rows)
    values = [float(v) for v in out.splitlines()[1:]]
    assert code == 0 and out.splitlines()[0] == "prediction" and len(values) == 5
    assert all(5 < v < 50 for v in values)
    assert "--proba" in one_line_error(capsys, "predict", cars_model, rows, "--proba")


# --- evaluate, info, export --------------------------------------------------------------------
def test_evaluate_reports_per_class_metrics_balanced_accuracy_and_the_confusion_matrix(penguins_model, tmp_path,
                                                                                      capsys):
    code, out, err = run(capsys, "evaluate", penguins_model, "--plot", tmp_path / "cm.png")
    assert code == 0, err
    lines = out.splitlines()
    assert re.fullmatch(r"loss: [\d.]+  accuracy: [\d.]+  balanced accuracy: [\d.]+", lines[0])
    assert lines[1].split() == ["class", "precision", "recall", "f1", "support"]
    supports = {line.split()[0]: int(line.split()[-1]) for line in lines[2:5]}
    assert supports == {"Adelie": 30, "Chinstrap": 14, "Gentoo": 25}  # the training run's test part
    assert "confusion matrix (rows: true class, columns: predicted):" in out
    matrix = np.array([[int(v) for v in line.split()[1:]] for line in lines[-3:]])
    assert matrix.sum() == 69 and np.trace(matrix) >= 60
    assert (tmp_path / "cm.png").read_bytes()[:4] == b"\x89PNG"
    code, out, _ = run(capsys, "evaluate", penguins_model, "--data", "penguins")  # another table: all its rows
    assert code == 0 and sum(int(line.split()[-1]) for line in out.splitlines()[2:5]) == 344


def test_evaluate_on_a_plain_model_adds_the_report(tmp_path, capsys):
    model = tmp_path / "iris.npz"
    assert main(["train", "--data", "iris", "--hidden", "8", "--epochs", "5", "--verbose", "0", "--out",
                 str(model)]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "evaluate", model)
    assert code == 0 and "balanced accuracy" in out.splitlines()[0] and "confusion matrix" in out


def test_evaluate_bad_inputs(penguins_model, cars_model, tmp_path, capsys):
    assert "--plot: expected a .png" in one_line_error(capsys, "evaluate", penguins_model, "--plot", tmp_path / "x.gif")
    assert "--plot: draws a classifier's" in one_line_error(capsys, "evaluate", cars_model, "--plot",
                                                            tmp_path / "x.png")
    assert "expected a CSV or Parquet file" in one_line_error(capsys, "evaluate", penguins_model, "--data", "iris")
    assert "trained to predict 'species', not 'island'" in one_line_error(capsys, "evaluate", penguins_model,
                                                                          "--target", "island")
    unlabeled = tmp_path / "rows.csv"
    unlabeled.write_text(RAW)
    assert "target 'species': the data has no such column" in one_line_error(capsys, "evaluate", penguins_model,
                                                                             "--data", unlabeled)
    assert not (tmp_path / "x.png").exists()


def test_info_shows_the_network_classes_encoding_and_metadata(penguins_model, tmp_path, capsys):
    code, out, _ = run(capsys, "info", penguins_model)
    assert code == 0
    assert "total parameters:" in out and "classes (3): Adelie, Chinstrap, Gentoo" in out
    assert "table encoding: 7 columns -> 20 features, learned from 275 rows" in out
    assert "  island: categorical (text), 3 categories (Biscoe, Dream, Torgersen) + unseen" in out
    assert re.search(r"  sex: categorical \(text\), 2 categories \(female, male\) \+ unseen; \d+ missing", out)
    assert "  species (target): 3 classes (Adelie, Chinstrap, Gentoo)" in out
    assert re.search(r"^  test: \{\"loss\"", out, re.M) and "  target: species" in out
    plain = tmp_path / "plain.npz"
    nn.save(nn.MLP([2, 3, 2]), plain)
    code, out, _ = run(capsys, "info", plain)
    assert code == 0 and "table encoding" not in out and "total parameters: 17" in out


def test_export_prints_the_raw_column_inputs(penguins_model, tmp_path, capsys):
    onnxruntime = pytest.importorskip("onnxruntime")
    out_file = tmp_path / "p.onnx"
    code, _, err = run(capsys, "export", penguins_model, "--onnx", out_file)
    assert code == 0, err
    assert "  island: string (batch)" in err and "  bill_length_mm: double (batch)" in err
    assert "  year: double (batch)" in err
    session = onnxruntime.InferenceSession(str(out_file))
    assert [value.name for value in session.get_inputs()] == nn.load(penguins_model).metadata["columns"]
    assert "--input-name" in one_line_error(capsys, "export", penguins_model, "--onnx", out_file,
                                            "--input-name", "x")


# --- bad inputs to train -----------------------------------------------------------------------
def test_train_bad_inputs_are_one_line_errors(penguins_csv, tmp_path, capsys):
    one_group = tmp_path / "one.parquet"
    _mixed_parquet(one_group, rows=100, group=1000)
    few = tmp_path / "few.csv"
    few.write_text("a,b,y\nx,1,\ny,2,\nx,3,1\n")
    cases = [
        (["--data", penguins_csv, "--target", "zzz"], r"--target: .*penguins.csv has no column 'zzz' \(columns: "),
        (["--data", "iris", "--categorical", "a"], r"--categorical: only for a table"),
        (["--data", "iris", "--scaling", "robust"], r"--scaling: only for a table"),
        (["--data", "digits", "--stream"], r"--stream: only for a table"),
        (["--data", penguins_csv, "--target", "species", "--categorical", "nope"], r"categorical: no column 'nope'"),
        (["--data", penguins_csv, "--target", "species", "--stream"], r"--stream: streams a Parquet file"),
        (["--data", one_group, "--target", "label", "--stream"], r"one.parquet: has one row group"),
        (["--data", penguins_csv, "--target", "species", "--class-weight", "Emperor=2"],
         r"--class-weight: 'Emperor' is not a class of the training data \(classes: Adelie, Chinstrap, Gentoo\)"),
        (["--data", "cars", "--class-weight", "balanced"], r"--class-weight: weights classes, but the loss mse"),
        (["--data", "penguins", "--loss", "mse"], r"penguins: target 'species': regression needs numbers"),
        (["--data", "penguins", "--no-standardize"], r"--no-standardize: a table's numeric columns"),
        (["--data", few, "--target", "y"], r"few.csv: the data has only 1 rows with a target 'y'"),
        (["--data", tmp_path / "absent.parquet"], r"absent.parquet: no such file or folder"),
        (["--data", tmp_path / "absent.tsv"], r"absent.tsv: no such file or folder"),
    ]
    for argv, message in cases:
        err = one_line_error(capsys, "train", *argv, "--epochs", "1", "--hidden", "2", "--verbose", "0")
        assert re.search(message, err), (argv, err)


@pytest.mark.parametrize("value, message", [
    ("Adelie", "expected 'balanced' or LABEL=WEIGHT pairs"),
    ("Adelie=-1", "the weight of 'Adelie' must be a finite number >= 0"),
    ("Adelie=nan", "the weight of 'Adelie' must be a finite number >= 0"),
    ("Adelie=1,Adelie=2", "class 'Adelie' is given twice"),
])
def test_bad_class_weight_values_are_argparse_errors(capsys, value, message):
    assert message in argparse_error(capsys, "train", "--data", "penguins", "--class-weight", value)


def test_bad_categorical_value_is_an_argparse_error(capsys):
    err = argparse_error(capsys, "train", "--data", "penguins", "--categorical", "a,,b")
    assert "expected comma-separated column names" in err


def test_a_model_file_records_the_data_it_was_trained_on(penguins_model):
    metadata = nn.load(penguins_model).metadata
    assert metadata["dataset"]["stream"] is False and metadata["target"] == "species"
    assert json.dumps(metadata)  # plain JSON


def test_plot_confusion_of_a_table_model_and_the_figures_it_cannot_draw(penguins_model, cars_model, tmp_path, capsys):
    code, _, err = run(capsys, "plot", "confusion", penguins_model, "-o", tmp_path / "c.png")
    assert code == 0 and (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG", err
    assert "plot confusion instead" in one_line_error(capsys, "plot", "boundary", penguins_model, "-o",
                                                      tmp_path / "b.png")
    assert "predicts numbers" in one_line_error(capsys, "plot", "confusion", cars_model, "-o", tmp_path / "d.png")
    assert not (tmp_path / "b.png").exists() and not (tmp_path / "d.png").exists()


def test_rows_without_a_target_are_left_out_with_a_note(tmp_path, capsys):
    table, _ = load_penguins()
    species = table.column("species").to_pylist()
    species[:5] = [None] * 5
    pa_csv.write_csv(table.set_column(0, "species", pa.array(species)), tmp_path / "p.csv")
    code, _, err = run(capsys, "train", "--data", tmp_path / "p.csv", "--target", "species", "--hidden", "4",
                       "--epochs", "1", "--verbose", "0")
    assert code == 0 and "note: 5 rows without a target are left out" in err and "271 training and 68 test" in err


def test_data_for_model_reads_a_table_models_test_part_and_refuses_a_table_for_a_plain_model(penguins_model,
                                                                                            tmp_path, capsys):
    from neuronet.datasets import data_for_model

    net = nn.load(penguins_model)
    X, y = data_for_model(net)
    assert X.shape == (69, 20) and set(y.tolist()) <= {"Adelie", "Chinstrap", "Gentoo"}
    plain = tmp_path / "iris.npz"
    assert main(["train", "--data", "iris", "--hidden", "4", "--epochs", "1", "--verbose", "0", "--out",
                 str(plain)]) == 0
    capsys.readouterr()
    assert "penguins is a table, but the model was trained on numbers" in one_line_error(
        capsys, "evaluate", plain, "--data", "penguins")


def test_numeric_names_integer_columns_to_scale_as_numbers(tmp_path, capsys):
    from neuronet.cli import main

    data = tmp_path / "n.csv"
    data.write_text("a,b,y\n" + "".join(f"{i % 5},{i % 3},{i % 2}\n" for i in range(40)))
    model = tmp_path / "n.npz"
    assert main(["train", "--data", str(data), "--target", "y", "--numeric", "a", "--epochs", "1", "--verbose", "0",
                 "--out", str(model)]) == 0
    assert main(["info", str(model)]) == 0
    shown = capsys.readouterr().out
    assert "a: numeric" in shown and "b: categorical" in shown  # b, with 3 values, stays a category
    assert main(["train", "--data", str(data), "--target", "y", "--numeric", "zz", "--epochs", "1"]) == 2
    assert "numeric: no column 'zz'" in capsys.readouterr().err
