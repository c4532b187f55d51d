"""Which kernels a network uses: chosen per network, forced by NEURONET_KERNELS, never saved."""

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
