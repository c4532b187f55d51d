"""Training throughput of neuronet (compiled and NumPy paths) vs a plain NumPy loop, scikit-learn, PyTorch and
the matmul-only floor.

    python benchmarks/train_throughput.py [--network 784-512-10:64] [--torch-python PATH]

The same as `neuronet bench`; see neuronet/bench.py for what is measured and how.
"""

import sys

from neuronet.bench import main

if __name__ == "__main__":
    sys.exit(main())
