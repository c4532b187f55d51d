"""Which kernels a network uses: chosen per network, forced by NEURONET_KERNELS, never saved."""

import os
import sys

import numpy as np
import pytest

import neuronet as nn
from neuronet import kernels


def test_auto_is_numba_where_installed_else_numpy(monkeypatch):
    expected = "numba" if "numba" in kernels.available() else "numpy"
    monkeypatch.delenv("NEURONET_KERNELS", raising=False)
    assert nn.MLP([2, 2], rng=0).kernels == expected
    assert nn.MLP([2, 2], rng=0, kernels="numpy").kernels == "numpy"
    monkeypatch.setattr(kernels, "available", lambda: ["numpy"])  # as on a machine without Numba
    assert kernels.resolve("auto") == "numpy"
    with pytest.raises(ImportError, match=r"pip install 'neuronet\[fast\]'"):
        kernels.resolve("numba")


def test_the_environment_forces_the_reference(monkeypatch):
    monkeypatch.setenv("NEURONET_KERNELS", "numpy")
    assert nn.MLP([2, 2], rng=0, kernels="auto").kernels == "numpy"
    monkeypatch.setenv("NEURONET_KERNELS", "fastest")
    with pytest.raises(ValueError, match="NEURONET_KERNELS"):
        kernels.resolve("auto")
    with pytest.raises(ValueError, match="kernels: expected"):
        kernels.resolve("cuda")


def test_model_files_do_not_depend_on_the_kernels(tmp_path, monkeypatch):
    monkeypatch.delenv("NEURONET_KERNELS", raising=False)
    X, y = nn.datasets.make_gaussians(60, seed=0)
    net = nn.MLP([2, 4, 3], rng=0, kernels="numpy")
    net.fit(X, y, epochs=2, verbose=0, seed=0)
    path = nn.save(net, tmp_path / "m.npz")
    assert b"kernels" not in path.read_bytes()
    loaded = nn.load(path)
    assert loaded.kernels == kernels.resolve("auto")
    loaded.kernels = "numpy"
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))


ENGINE_TESTS = ["tests/test_training.py", "tests/test_trainer.py", "tests/test_network.py", "tests/test_layers.py",
                "tests/test_losses.py", "tests/test_optim.py", "tests/test_sklearn.py", "tests/test_io.py",
                "tests/test_gradients.py"]


def test_the_engine_tests_pass_without_numba():
    """CI without the [fast] extra: the engine's tests, in an interpreter where Numba cannot be
    imported (tests/conftest.py hides it and checks that it is hidden)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *ENGINE_TESTS],
                            cwd=root, capture_output=True, text=True, timeout=900,
                            env={**os.environ, "NEURONET_TEST_WITHOUT_NUMBA": "1", "NEURONET_KERNELS": ""})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout.splitlines()[-1] and "failed" not in result.stdout.splitlines()[-1]


def test_one_shot_runs_take_the_compiled_kernels_only_where_they_repay_loading(monkeypatch):
    monkeypatch.delenv("NEURONET_KERNELS", raising=False)
    monkeypatch.setattr(kernels, "available", lambda: ["numpy", "numba"])
    monkeypatch.delitem(sys.modules, "neuronet.kernels.compiled", raising=False)
    # the bundled digits, 30 epochs of 64-256-128-10: well under two seconds of NumPy
    assert kernels.for_one_run("auto", 50_826, 30 * 1_294, 30 * 41) == "numpy"
    # MNIST-sized: minutes
    assert kernels.for_one_run("auto", 203_530, 10 * 60_000, 10 * 469) == "numba"
    assert kernels.for_one_run("numba", 10, 10, 1) == "numba"  # asked for: always
    assert kernels.for_one_run("numpy", 203_530, 10 * 60_000, 10 * 469) == "numpy"
    monkeypatch.setitem(sys.modules, "neuronet.kernels.compiled", object())  # already loaded: free
    assert kernels.for_one_run("auto", 10, 10, 1) == "numba"
    monkeypatch.setattr(kernels, "available", lambda: ["numpy"])
    assert kernels.for_one_run("auto", 203_530, 10 * 60_000, 10 * 469) == "numpy"


def test_the_train_command_says_which_kernels_it_chose(capsys, monkeypatch):
    from neuronet import cli

    monkeypatch.delenv("NEURONET_KERNELS", raising=False)
    assert cli.main(["train", "--data", "xor", "--epochs", "1", "--hidden", "4", "--kernels", "numpy",
                     "--verbose", "0"]) == 0
    assert "numpy kernels" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        cli.main(["train", "--data", "xor", "--kernels", "cuda"])
    assert caught.value.code == 2 and "--kernels" in capsys.readouterr().err
