"""Training throughput with the readable NumPy kernels and with the compiled Numba kernels.

The same network, data and seed; one epoch of Adam, float32, ReLU, softmax cross-entropy;
each figure is the best of three epochs after a warm-up epoch (which compiles the kernels, or
loads them from the on-disk cache). Needs ``pip install "neuronet[fast]"``.

    python benchmarks/kernels_compare.py [--markdown]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np

import neuronet as nn

NETWORKS = {"64-100-10": ([64, 100, 10], 32, 32768), "784-256-10": ([784, 256, 10], 128, 16384),
            "3072-1024-1024-10": ([3072, 1024, 1024, 10], 256, 2048)}


def samples_per_second(sizes: list[int], batch: int, n: int, kernels: str) -> float:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], n)
    net = nn.MLP(sizes, activation="relu", rng=0, kernels=kernels)
    net.fit(X[:batch * 4], y[:batch * 4], epochs=1, batch_size=batch, verbose=0, seed=0)  # warm-up
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        net.fit(X, y, epochs=1, batch_size=batch, verbose=0, seed=0)
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    from threadpoolctl import threadpool_info

    blas = [f"{i['internal_api']} {i['version']} ({i.get('architecture')}, {i['num_threads']} threads)"
            for i in threadpool_info()]
    print(f"# {platform.machine()}, Python {platform.python_version()}, NumPy {np.__version__}, BLAS: {json.dumps(blas)}")
    rows = []
    for name, (sizes, batch, n) in NETWORKS.items():
        reference = samples_per_second(sizes, batch, n, "numpy")
        compiled = samples_per_second(sizes, batch, n, "numba")
        rows.append((f"{name}, batch {batch}", f"{reference:,.0f}", f"{compiled:,.0f}", f"{compiled / reference:.2f}x"))
    header = ("network", "numpy kernels (samples/s)", "numba kernels (samples/s)", "numba / numpy")
    if args.markdown:
        print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        for row in (header, *rows):
            print("  ".join(f"{cell:<28}" for cell in row))


if __name__ == "__main__":
    main()
