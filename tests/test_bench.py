"""neuronet bench runs (on a tiny size: the speed itself is measured, never asserted)."""

import sys

import numpy as np
import pytest

from neuronet import bench, cli, kernels


def test_parse_network():
    network = bench.parse_network("784-512-10:64")
    assert network.sizes == (784, 512, 10) and network.batch == 64
    assert network.flops_per_sample == 6 * (784 * 512 + 512 * 10)
    for bad in ("784", "a-b:3", "10-0-2:4", "10-5:0"):
        with pytest.raises(ValueError, match="--network"):
            bench.parse_network(bad)


def test_tiny_run_prints_every_framework_and_memory(capsys):
    torch = ["--torch-python", sys.executable] if bench.torch_version(sys.executable) else ["--no-torch"]
    code = cli.main(["bench", "--only", "--network", "8-6-3:4", "--samples", "32", "--memory-samples", "500",
                     *torch, "--no-compile-time"])
    out = capsys.readouterr().out
    assert code == 0
    assert "float32 matmul peak" in out and "8-6-3, batch 4 (32 samples" in out
    assert "BLAS: " in out and "of floor" in out
    for name in ("neuronet (numpy)", "numpy loop", "scikit-learn", "matmul-only floor"):
        assert name in out
    floor_line = next(line for line in out.splitlines() if "matmul-only floor" in line)
    assert floor_line.split()[-2] == "100%"  # the floor is 100 % of itself
    assert "memory: one epoch of 784-256-10 on a 500x784 float32 array" in out


def test_peak_and_memory_are_measured():
    assert bench.matmul_peak(n=64, repeats=2) > 0
    data, grown, _ = bench.training_memory(samples=20_000, features=64)  # 5 MB: fresh pages, not reused heap
    assert data == 20_000 * 64 * 4 + 20_000 * 8 and grown >= data  # the peak holds at least the data


def test_bad_arguments_are_user_errors(capsys):
    assert cli.main(["bench", "--only"]) == 2
    assert "--network" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="2"):  # refused by the flag's type, as argparse refuses
        cli.main(["bench", "--only", "--network", "4-2:2", "--samples", "0"])
    assert "--samples" in capsys.readouterr().err


def test_the_floor_times_only_the_matrix_products(monkeypatch):
    network = bench.Network((6, 5, 3), 4, 16)
    X, y = bench.make_data(network)
    calls = []
    real = np.matmul
    monkeypatch.setattr(np, "matmul", lambda *a, **k: calls.append(a[0].shape) or real(*a, **k))
    assert bench.matmul_floor(network, X, y) > 0
    # 4 warm-up batches and 3 timed epochs of 4 batches, each: 2 forward, 2 x^T g, 1 g W^T
    assert len(calls) == (4 + bench.REPEATS * 4) * 5


def test_kernel_costs_are_measured_in_fresh_interpreters(monkeypatch):
    pytest.importorskip("numba")
    costs = bench.kernel_costs()
    # compiling from an empty cache takes longer than loading what it wrote
    assert costs["compile"] > costs["load"] > 0
    assert costs["run_compiled"] > 0 and costs["run_numpy"] > 0
    monkeypatch.setattr(kernels, "available", lambda: ["numpy"])
    assert bench.kernel_costs() is None


@pytest.mark.parametrize("argv, message", [
    (["--network", "1000000000-10:1"], "--network 1000000000-10:1 with 4 samples needs about"),
    (["--network", "8-8:8", "--samples", "1e12"], "with 1,000,000,000,000 samples needs about"),
    (["--network", "8-8:8", "--samples", "1000000000000"], "with 1,000,000,000,000 samples needs about"),
    (["--network", "8-8:8", "--memory-samples", "-5"], "argument --memory-samples: expected a whole number >= 0"),
    (["--network", "8-8:8", "--memory-samples", "1e12"], "--memory-samples 1,000,000,000,000 .* needs about"),
    (["--network", "8-8:8", "--torch-python", "/bin/echo"], "--torch-python: /bin/echo is not a Python interpreter"),
    (["--network", "8-8:8", "--torch-python", "/no/such/python"], "--torch-python: /no/such/python is not an exec"),
    (["--network", "8-8:8", "--torch-python", sys.executable, "--no-torch"], "given with --no-torch"),
    (["--network", "3000000000-1"], "at most 2,147,483,647"),
    (["--network", "8-8:8", "--samples", "2.5"], "argument --samples: expected a whole number >= 1"),
])
def test_every_flag_is_checked_before_anything_runs(monkeypatch, capsys, argv, message):
    import re

    def no_run(*args, **kwargs):
        raise AssertionError("the benchmark started")

    monkeypatch.setattr(bench, "run", no_run)
    monkeypatch.setattr(bench, "matmul_peak", no_run)
    try:
        code = cli.main(["bench", "--only", *argv])
    except SystemExit as exit:  # argparse's own refusals
        code = exit.code
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and re.search(message, err), err


def test_the_torch_variable_is_validated_like_the_flag(monkeypatch, capsys):
    monkeypatch.setattr(bench, "run", lambda *a, **k: (_ for _ in ()).throw(AssertionError("ran")))
    monkeypatch.setenv("NEURONET_TORCH_PYTHON", "/bin/echo")
    assert cli.main(["bench", "--only", "--network", "8-8:8"]) == 2
    assert "NEURONET_TORCH_PYTHON: /bin/echo is not a Python interpreter" in capsys.readouterr().err


def test_a_torch_run_that_answers_nonsense_is_left_out(tmp_path):
    with pytest.warns(UserWarning, match="left out of the table"):
        assert bench.train_torch(bench.Network((4, 2), 2, 8), "/bin/echo") is None


def test_a_results_table_prints_as_markdown_or_aligned_columns():
    import io

    header, rows = ("table", "accuracy"), [("penguins", "0.9884"), ("wine", 1.0)]
    out = io.StringIO()
    bench.print_table(header, rows, markdown=True, out=out)
    assert out.getvalue().splitlines() == ["| table | accuracy |", "|---|---|", "| penguins | 0.9884 |",
                                           "| wine | 1.0 |"]
    out = io.StringIO()
    bench.print_table(header, rows, out=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["table", "accuracy"] and len({line.index(line.split()[1]) for line in lines}) == 1
