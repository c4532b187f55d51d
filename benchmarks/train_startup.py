"""How long ``neuronet train`` takes to start and to finish, with each choice of kernels.

Runs ``python -m neuronet train ARGS --kernels K`` in fresh interpreters (after one untimed
run of each, so that the kernels' disk cache is warm) and reports, best of --repeats: the time
until the first epoch line appears on stderr (the start: imports, data, network, and for the
compiled kernels importing Numba and loading them) and the time to the end.

    python benchmarks/train_startup.py [--repeats 5] [-- train arguments, default: the bundled digits]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time


def timed(arguments: list[str]) -> tuple[float, float]:
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "neuronet", "train", *arguments], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    first_epoch = float("nan")
    for line in process.stderr:
        if line.startswith("epoch 1/") and first_epoch != first_epoch:
            first_epoch = time.perf_counter() - started
    if process.wait() != 0:
        raise SystemExit(f"neuronet train {' '.join(arguments)} failed")
    return first_epoch, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("train", nargs="*", help="arguments for neuronet train (after --)")
    args = parser.parse_args()
    print(f"{'kernels':<10}{'first epoch line (s)':>22}{'whole run (s)':>16}")
    for kernels in ("auto", "numpy", "numba"):
        arguments = [*args.train, "--kernels", kernels]
        timed(arguments)  # warms the disk cache (compiles the kernels the first time ever)
        runs = [timed(arguments) for _ in range(args.repeats)]
        print(f"{kernels:<10}{min(r[0] for r in runs):>22.2f}{min(r[1] for r in runs):>16.2f}")


if __name__ == "__main__":
    main()
