import json
import re
import subprocess
import sys

import numpy as np
import pytest

import neuronet as nn
from neuronet.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


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
    assert code == 0 and float(out.split("accuracy: ")[1]) > 0.9

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
    (["train", "--data", "{tmp}/bad.csv", "--target", "zzz"], "no column named 'zzz'"),
    (["train", "--data", "{tmp}/bad.csv", "--target", "y"], "'abc' is not a number"),
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
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
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
