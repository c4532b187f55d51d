"""neuronet bench runs (on a tiny size: the speed itself is measured, never asserted)."""

import sys

import pytest

from neuronet import bench, cli


def test_parse_network():
    network = bench.parse_network("784-512-10:64")
    assert network.sizes == (784, 512, 10) and network.batch == 64
    assert network.flops_per_sample == 6 * (784 * 512 + 512 * 10)
    for bad in ("784", "a-b:3", "10-0-2:4", "10-5:0"):
        with pytest.raises(ValueError, match="--network"):
            bench.parse_network(bad)


def test_tiny_run_prints_every_framework_and_memory(capsys):
    code = cli.main(["bench", "--only", "--network", "8-6-3:4", "--samples", "32", "--memory-samples", "500",
                     "--torch-python", sys.executable])
    out = capsys.readouterr().out
    assert code == 0
    assert "float32 matmul peak" in out and "8-6-3, batch 4 (32 samples" in out
    for name in ("neuronet", "numpy loop", "scikit-learn"):
        assert name in out
    assert "memory: one epoch of 784-256-10 on a 500x784 float32 array" in out


def test_peak_and_memory_are_measured():
    assert bench.matmul_peak(n=64, repeats=2) > 0
    data, grown = bench.training_memory(samples=20_000, features=64)  # 5 MB: fresh pages, not reused heap
    assert data == 20_000 * 64 * 4 + 20_000 * 8 and grown >= data  # the peak holds at least the data


def test_bad_arguments_are_user_errors(capsys):
    assert cli.main(["bench", "--only"]) == 2
    assert "--network" in capsys.readouterr().err
    assert cli.main(["bench", "--only", "--network", "4-2:2", "--samples", "0"]) == 2
    assert "--samples" in capsys.readouterr().err
