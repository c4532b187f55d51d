"""Networks too large for memory are refused before anything is allocated, with the size named."""

import tracemalloc

import numpy as np
import pytest

import neuronet as nn
from neuronet.cli import main
from neuronet.errors import TooLargeError
from neuronet.memory import _parse_limit, available_bytes, check_fits, network_bytes


def test_the_estimate_counts_parameters_gradients_state_and_workspaces():
    # 3*4+4 + 4*2+2 = 26 parameters; float32; Adam's two slots; no batch
    assert network_bytes([3, 4, 2], 4, optimizer_slots=2) == 4 * 4 * 26
    assert network_bytes([3, 4, 2], 8, optimizer_slots=0, batch=10) == 8 * (2 * 26 + 3 * 10 * 9)


def test_the_limit_can_be_set_and_is_named(monkeypatch):
    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", "1M")
    assert available_bytes() == 1 << 20
    with pytest.raises(TooLargeError, match=r"MLP\(\[784, 4096, 10\]\).* needs about .* MB, more than the 1.0 MB "
                                            r"of memory available \(NEURONET_MEMORY_LIMIT\)"):
        nn.MLP([784, 4096, 10])
    with pytest.raises(TooLargeError, match=r"Dense\(784, 4096\)"):
        nn.Dense(784, 4096)
    nn.MLP([4, 8, 3])  # small networks are untouched
    assert _parse_limit("2G") == 2 << 30 and _parse_limit("500MiB") == 500 << 20
    with pytest.raises(ValueError, match="NEURONET_MEMORY_LIMIT"):
        _parse_limit("lots")


def test_fit_checks_its_optimizer_state_and_batch(monkeypatch):
    net = nn.MLP([20, 400, 2], rng=0)  # about 34 KB of parameters
    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", "100K")
    X, y = np.zeros((5000, 20), np.float32), np.arange(5000) % 2
    with pytest.raises(TooLargeError, match="training .* parameters with adam at batch size 5000"):
        net.fit(X, y, batch_size=5000, epochs=1, verbose=0)


def test_a_billion_unit_layer_is_refused_at_once():
    tracemalloc.start()  # NumPy reports its allocations here
    try:
        with pytest.raises(TooLargeError, match="GB, more than"):
            nn.MLP([2, 10**9, 2])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20, peak  # refused from the estimate (16 GB), not after allocating


def test_the_estimators_refuse_before_drawing_weights():
    from neuronet.sklearn import MLPClassifier

    with pytest.raises(TooLargeError, match=r"MLPClassifier with layers \[2, 1000000000, 1\]"):
        MLPClassifier(hidden_layer_sizes=(10**9,)).fit(np.zeros((10, 2)), np.arange(10) % 2)


def test_the_command_line_says_so_in_one_line(capsys):
    assert main(["train", "--data", "moons", "--hidden", "1000000000", "--verbose", "0"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "needs about" in err and "GB" in err and len(err.strip().splitlines()) == 1


def test_check_fits_passes_when_it_fits(monkeypatch):
    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", "1000")
    check_fits(1000, "exactly the limit")
    with pytest.raises(TooLargeError, match="one byte over"):
        check_fits(1001, "one byte over")


@pytest.mark.parametrize("value", ["inf", "1e400", "INF", "-5", "abc", "nan", "0", "1e400K", "", "  "])
def test_the_memory_limit_variable_is_validated_like_a_flag(monkeypatch, value):
    from neuronet.errors import ConfigurationError

    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", value)
    if value == "":  # empty: not set
        assert check_fits(1, "one byte") is None
        return
    with pytest.raises(ConfigurationError, match="NEURONET_MEMORY_LIMIT: expected"):
        check_fits(1, "one byte")


@pytest.mark.parametrize("value", ["inf", "1e400", "-5"])
def test_a_bad_memory_limit_is_one_line_from_train(monkeypatch, capsys, value):
    monkeypatch.setenv("NEURONET_MEMORY_LIMIT", value)
    assert main(["train", "--data", "xor", "--epochs", "1", "--verbose", "0"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith(
        "neuronet train: error: NEURONET_MEMORY_LIMIT: expected a finite positive size")


def test_memory_limit_units(monkeypatch):
    from neuronet.memory import available_bytes

    for value, expected in (("2G", 2 << 30), ("1.5GiB", 3 << 29), ("500m", 500 << 20), ("4096", 4096)):
        monkeypatch.setenv("NEURONET_MEMORY_LIMIT", value)
        assert available_bytes() == expected
