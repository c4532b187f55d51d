"""``neuronet bench``: training throughput against NumPy, scikit-learn and PyTorch."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parsers", "run_bench"]


def add_parsers(commands: Any) -> None:
    from ..bench import add_arguments as bench_arguments

    benchmark = commands.add_parser("bench", help="training throughput vs NumPy, scikit-learn and PyTorch",
                                    description="One epoch of Adam training per network and framework: samples/s, "
                                                "GFLOP/s, fraction of the matmul peak, and training memory.")
    bench_arguments(benchmark)
    benchmark.set_defaults(handler=run_bench)


def run_bench(args: argparse.Namespace) -> int:
    from .. import bench

    return bench.run_from_args(args)
