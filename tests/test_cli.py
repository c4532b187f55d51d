import json
import re
import subprocess
import sys

import numpy as np
import pytest

from cli_run import argparse_error, one_line_error, run
import neuronet as nn
from neuronet.cli import main


@pytest.mark.slow
def test_default_train_reaches_97_percent_on_digits(capsys):
    code, out, err = run(capsys, "train", "--verbose", "2")
    assert code == 0
    accuracy = float(out.split("test accuracy: ")[1].split()[0])
    assert accuracy >= 0.97
    assert "epoch 30/30" in err and "digits" in err


def test_train_save_evaluate_predict(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)) * [1, 10, 100] + [0, 5, -50]
    labels = np.where(X[:, 0] + X[:, 1] / 10 > 0.5, "yes", "no")
    csv_path = tmp_path / "data.csv"
    csv_path.write_text("f1,f2,f3,answer\n" + "".join(f"{a},{b},{c},{t}\n" for (a, b, c), t in zip(X, labels)))
    model, history = tmp_path / "m.npz", tmp_path / "h.json"
    code, out, err = run(capsys, "train", "--data", str(csv_path), "--target", "answer", "--hidden", "8",
                         "--lr", "0.01", "--epochs", "60", "--verbose", "0", "--out", str(model), "--history", str(history))
    assert code == 0 and "test accuracy" in out and model.exists()
    saved = json.loads(history.read_text())
    assert len(saved["history"]["loss"]) == 60 and "accuracy" in saved["test"]
    loaded = nn.load(model)
    assert loaded.metadata["features"] == ["f1", "f2", "f3"] and loaded.metadata["preprocessing"]

    code, out, _ = run(capsys, "evaluate", str(model), "--data", str(csv_path))
    assert code == 0 and float(out.splitlines()[0].split("accuracy: ")[1].split()[0]) > 0.9
    assert "balanced accuracy" in out and "confusion matrix" in out

    code, out, _ = run(capsys, "predict", str(model), str(csv_path))
    rows = out.strip().splitlines()
    assert rows[0] == "prediction" and len(rows) == 201
    assert np.mean(np.array(rows[1:]) == labels) > 0.9

    predictions = tmp_path / "p.csv"
    code, _, err = run(capsys, "predict", str(model), str(csv_path), "--proba", "--out", str(predictions))
    header = predictions.read_text().splitlines()[0]
    assert code == 0 and header == "prediction,p_no,p_yes"


def test_train_on_a_toy_generator_and_npz(tmp_path, capsys):
    code, out, _ = run(capsys, "train", "--data", "moons", "--hidden", "16", "--epochs", "5", "--verbose", "0")
    assert code == 0 and "test accuracy" in out
    np.savez(tmp_path / "d.npz", X=np.random.default_rng(0).normal(size=(100, 4)), y=np.arange(100) % 2)
    code, out, _ = run(capsys, "train", "--data", str(tmp_path / "d.npz"), "--epochs", "2", "--verbose", "0")
    assert code == 0


@pytest.mark.parametrize("argv, message", [
    (["train", "--data", "nope"], "'nope' is neither a dataset"),
    (["train", "--data", "{tmp}/missing.csv"], "missing.csv: no such file"),
    (["train", "--data", "{tmp}/bad.csv", "--target", "zzz"], "no column 'zzz'"),
    (["train", "--data", "{tmp}/bad.csv", "--target", "y", "--categorical", "zzz"], "categorical: no column 'zzz'"),
    (["evaluate", "{tmp}/missing.npz"], "no such model file"),
    (["evaluate", "{tmp}/bad.csv"], r"bad.csv: not a neuronet model file \(not an .npz archive\)"),
    (["predict", "{tmp}/missing.npz", "x.csv"], "no such model file"),
])
def test_user_errors_are_one_line_and_exit_2(tmp_path, capsys, argv, message):
    (tmp_path / "bad.csv").write_text("a,y\n1,0\nabc,1\n2,0\n3,1\n4,0\n5,1\n")
    code, out, err = run(capsys, *[a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2
    assert re.search(message, err)


@pytest.mark.parametrize("argv, message", [
    (["train", "--activation", "swish"], "invalid choice: 'swish'"),
    (["train", "--epochs", "0"], "argument --epochs: expected a whole number >= 1, got '0'"),
    (["train", "--seed", "-1"], "argument --seed: expected a whole number >= 0, got '-1'"),
    (["train", "--lr", "nan"], "argument --lr: expected a positive number"),
    (["gradcheck", "--batch", "0"], "argument --batch: expected a whole number >= 1"),
    (["gradcheck", "--eps", "0"], "argument --eps: expected a positive number, got '0'"),
    (["plot", "neuron", "--weights", "a,b", "-o", "x.png"], "argument --weights: expected comma-separated numbers"),
])
def test_bad_option_value_is_an_argparse_error_naming_the_flag(capsys, argv, message):
    err = argparse_error(capsys, *argv)
    assert message in err and "Traceback" not in err


def test_no_traceback_from_the_real_command(tmp_path):
    result = subprocess.run([sys.executable, "-m", "neuronet", "predict", str(tmp_path / "nope.npz"), "x.csv"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "no such model file" in result.stderr


def test_datasets_and_gradcheck(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("NEURONET_DATA", str(tmp_path))
    code, out, err = run(capsys, "datasets")
    assert code == 0 and "digits" in out and "mnist" in out and str(tmp_path) in err
    code, out, _ = run(capsys, "gradcheck", "--sizes", "3,4,2", "--activation", "sigmoid")
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith(("0.", "2."))]
    assert len(lines) == 4 and all(line.endswith("ok") for line in lines)


# --- hostile or careless input ---------------------------------------------------------------------------
def _csv(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("text, message", [
    ("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8," + "z" * 140_000 + "\n", "line 5: a cell is longer than 131,072"),
    ('a,b,label\n1,2,x\n3,"4,y\n5,6,x\n', "a quoted cell is never closed"),
    ("a,a,label\n1,2,x\n3,4,y\n", "the column name 'a' appears more than once"),
    ("a,b,label\n1,2,x\n3,4,nan\n5,6,x\n", "only 2 rows with a target 'label': too few to hold out a test set"),
    ("a,b,label\n1,2,x\n3,4,x\n5,6,x\n7,8,x\n9,9,x\n", "a single class ('x')"),
])
def test_bad_csv_files_are_one_line_errors(tmp_path, capsys, text, message):
    code, out, err = run(capsys, "train", "--data", _csv(tmp_path, text), "--verbose", "0", "--epochs", "1")
    assert code == 2 and "Traceback" not in err and message in err, err


def test_a_huge_cell_in_predict_input_is_a_one_line_error(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", "--data", "moons", "--hidden", "4", "--epochs", "1", "--verbose", "0", "--out", str(model)]) == 0
    bad = _csv(tmp_path, "x1,x2\n1,2\n" + "3," + "9" * 140_000 + "\n", "in.csv")
    code, out, err = run(capsys, "predict", str(model), bad)
    assert code == 2 and "Traceback" not in err and "longer than" in err


def test_a_semicolon_separated_csv_trains(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    text = "a;b;label\n" + "".join(f"{p};{q};{int(p > 0)}\n" for p, q in X)
    model = tmp_path / "m.npz"
    code, out, err = run(capsys, "train", "--data", _csv(tmp_path, text), "--hidden", "4", "--epochs", "2",
                         "--verbose", "0", "--out", str(model))
    assert code == 0, err
    assert nn.load(model).metadata["features"] == ["a", "b"]


def test_output_paths_are_checked_before_training(tmp_path, capsys):
    for flag in ("--out", "--history", "--report"):
        code, out, err = run(capsys, "train", "--data", "moons", "--epochs", "1", "--verbose", "2",
                             flag, str(tmp_path / "missing" / "file"))
        assert code == 2 and f"{flag}: the folder" in err and "epoch 1/1" not in err and "test accuracy" not in out


def test_a_later_output_failing_says_what_was_saved(tmp_path, capsys, monkeypatch):
    from neuronet.cli import _common

    def full_disk(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_common, "write_text", full_disk)
    model = tmp_path / "m.npz"
    code, out, err = run(capsys, "train", "--data", "moons", "--epochs", "1", "--verbose", "0",
                         "--out", str(model), "--history", str(tmp_path / "h.json"))
    assert code == 2 and model.exists()
    assert "could not write --history" in err and "No space left on device" in err and f"saved: model to {model}" in err


def test_gradcheck_counts_nan_as_failure(capsys, monkeypatch):
    import neuronet

    monkeypatch.setattr(neuronet, "gradient_check", lambda *a, **k: {"0.W": float("nan"), "0.b": 0.0,
                                                                       "2.W": 0.0, "2.b": 0.0})
    code, out, _ = run(capsys, "gradcheck")
    assert code == 1 and "nan" in out


def test_gradcheck_refuses_a_large_network_unless_forced(capsys, monkeypatch):
    code, out, err = run(capsys, "gradcheck", "--sizes", "784,2000,10")
    assert code == 2 and "forward passes" in err and "--force" in err
    import neuronet

    monkeypatch.setattr(neuronet, "gradient_check", lambda net, *a, **k: {n: 0.0 for n in net.parameters()})
    code, out, err = run(capsys, "gradcheck", "--sizes", "784,2000,10", "--force")
    assert code == 0


def test_gradient_check_refuses_eps_zero():
    net = nn.MLP([2, 3, 2], rng=0, dtype=np.float64)
    X, y = np.zeros((4, 2)), np.zeros(4, int)
    for eps in (0, -1e-6, float("nan"), "small"):
        with pytest.raises(ValueError, match="eps: expected a positive number"):
            nn.gradient_check(net, "softmax_cross_entropy", X, y, eps=eps)


def test_plot_history_given_a_model_file_names_it(tmp_path, capsys):
    model = tmp_path / "m.npz"
    nn.save(nn.MLP([2, 2], rng=0), model)
    code, out, err = run(capsys, "plot", "history", str(model), "-o", str(tmp_path / "h.png"))
    assert code == 2 and "Traceback" not in err and f"{model}: not a JSON history file" in err and "model file" in err


def test_export_refuses_an_opset_onnx_does_not_know(tmp_path, capsys):
    pytest.importorskip("onnx")
    model = tmp_path / "m.npz"
    nn.save(nn.MLP([2, 2], rng=0), model)
    code, out, err = run(capsys, "export", str(model), "--onnx", str(tmp_path / "m.onnx"), "--opset", "99")
    assert code == 2 and "opset: expected a whole number from 13 to" in err.replace(" (Softmax along one axis)", "")
    assert not (tmp_path / "m.onnx").exists()


def test_a_programming_error_is_a_real_traceback_not_a_user_message(monkeypatch):
    from neuronet.cli import train

    def broken(args):
        raise ValueError("a bug, not the user's mistake")  # a plain ValueError: not a NeuronetError

    monkeypatch.setattr(train, "run_train", broken)
    with pytest.raises(ValueError, match="a bug"):
        main(["train"])


def test_the_dask_example_runs_from_the_tour(tmp_path, capsys):
    pytest.importorskip("distributed")
    assert main(["tour", "dask_grid_search", "--fast", "--out", str(tmp_path)]) == 0
    assert "best parameters" in capsys.readouterr().out


def test_outputs_that_cannot_hold_a_file_are_refused_before_training(tmp_path, capsys, monkeypatch):
    import os
    import stat

    import neuronet.training

    def no_training(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(neuronet.training, "fit", no_training)
    device = tmp_path / "full"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except OSError:
        device = "/dev/full"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for flag, path, says in (("--out", device, "character device"), ("--out", fifo, "FIFO"),
                             ("--out", tmp_path, "is a folder"), ("--report", loop, "loop"),
                             ("--history", "/dev/stdout", "open file"), ("--out", tmp_path / ("m" * 300), "limit"),
                             ("--out", tmp_path / "no" / "m.npz", "does not exist")):
        code, _, err = run(capsys, "train", "--data", "xor", "--epochs", "1", flag, str(path))
        assert code == 2 and says in err and str(path) in err and len(err.strip().splitlines()) == 1, err
    assert stat.S_ISCHR(os.stat(device).st_mode) and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_245_character_name_is_saved(tmp_path, capsys):
    out = tmp_path / ("m" * 241 + ".npz")
    code, _, err = run(capsys, "train", "--data", "xor", "--hidden", "3", "--epochs", "1", "--verbose", "0",
                       "--out", str(out))
    assert code == 0 and out.is_file() and nn.load(out).n_parameters == 3 * 3 + 3 * 2 + 2


@pytest.mark.parametrize("argv, message", [
    (["train", "--validation-split", "nan"], "argument --validation-split: expected a number from 0 up to"),
    (["train", "--validation-split", "1"], "argument --validation-split: expected a number from 0 up to"),
    (["train", "--l2", "nan"], "argument --l2: expected a finite number >= 0"),
    (["train", "--l2", "-1"], "argument --l2: expected a finite number >= 0"),
    (["train", "--dropout", "inf"], "argument --dropout: expected a number from 0 up to"),
    (["train", "--noise", "nan"], "argument --noise: expected a finite number >= 0"),
    (["plot", "neuron", "--bias", "nan", "-o", "x.png"], "argument --bias: expected a finite number"),
    (["gradcheck", "--eps", "1e300"], "argument --eps: expected a small positive step"),
])
def test_number_flags_are_refused_by_their_type(capsys, argv, message):
    with pytest.raises(SystemExit, match="2"):
        main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err and message in err, err


@pytest.mark.parametrize("argv, message", [
    (["train", "--data", "digits", "--target", "label"], "--target: names a label column of a CSV file, but the data, "
                                                         "digits, is not one"),
    (["train", "--data", "moons", "--target", "label"], "the data, moons, is not one"),
    (["train", "--data", "digits", "--noise", "0.3"], "--noise: sets the noise of a generated data set"),
    (["plot", "neuron", "--shape", "3,3", "-o", "x.png"], "--shape: only for plot weights, not plot neuron"),
    (["plot", "activations", "--bias", "1", "-o", "x.png"], "--bias: only for plot neuron, not plot activations"),
    (["plot", "activations", "--names", "", "-o", "x.png"], "--names: expected comma-separated activation names"),
    (["plot", "activations", "model.npz", "-o", "x.png"], "plot activations: takes no model or history file"),
])
def test_flags_that_would_be_ignored_are_refused(capsys, monkeypatch, argv, message):
    import neuronet.training

    monkeypatch.setattr(neuronet.training, "fit", lambda *a, **k: (_ for _ in ()).throw(AssertionError("trained")))
    err = one_line_error(capsys, *argv)
    assert "Traceback" not in err and message in err and len(err.strip().splitlines()) == 1, err


def test_target_with_a_saved_model_on_its_built_in_data_is_refused(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", "--data", "moons", "--hidden", "3", "--epochs", "1", "--verbose", "0",
                 "--out", str(model)]) == 0
    capsys.readouterr()
    for argv in (["evaluate", str(model), "--target", "y"],
                 ["plot", "boundary", str(model), "--target", "y", "-o", str(tmp_path / "b.png")]):
        assert main(argv) == 2
        assert "the data, moons, is not one" in capsys.readouterr().err
    assert not (tmp_path / "b.png").exists()


def test_values_beyond_float32_are_reported_as_overflow(tmp_path, capsys):
    path = tmp_path / "big.csv"
    path.write_text("a,b,label\n1e300,1,0\n" + "".join(f"{i},{2 * i},{i % 2}\n" for i in range(20)))
    code, _, err = run(capsys, "train", "--data", str(path), "--no-standardize", "--epochs", "1", "--verbose", "0")
    assert code == 2 and "values up to 1e+300 overflow float32" in err and "NaN" not in err, err


def test_a_data_variable_naming_a_file_is_one_line(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("NEURONET_DATA", str(blocker))
    code, out, err = run(capsys, "datasets")
    assert code == 2 and out == "" and err.strip() == (f"neuronet datasets: error: NEURONET_DATA: expected a folder "
                                                      f"for the data cache, but '{blocker}' is a file")


def test_an_output_that_names_an_input_or_another_output_is_refused_before_any_work(tmp_path, capsys):
    model, rows = tmp_path / "m.npz", tmp_path / "rows.csv"
    assert main(["train", "--data", "xor", "--epochs", "1", "--verbose", "0", "--out", str(model)]) == 0
    rows.write_text("x1,x2\n0.1,0.2\n")
    before_model, before_rows = model.read_bytes(), rows.read_text()
    capsys.readouterr()
    for argv, says in ((["predict", str(model), str(rows), "--out", str(model)], "is also the model"),
                       (["predict", str(model), str(rows), "--out", str(rows)], "is also the input"),
                       (["train", "--data", "xor", "--out", str(tmp_path / "s.npz"), "--history",
                         str(tmp_path / "s.npz")], "--history: ")):
        assert main(argv) == 2
        assert says in capsys.readouterr().err
    table = tmp_path / "t.csv"
    table.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20)))
    assert main(["train", "--data", str(table), "--target", "y", "--out", str(table)]) == 2
    assert "is also --data" in capsys.readouterr().err
    assert model.read_bytes() == before_model and rows.read_text() == before_rows
    assert table.read_text().startswith("a,b,y") and not (tmp_path / "s.npz").exists()
