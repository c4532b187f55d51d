"""Training throughput of neuronet vs a plain NumPy loop, scikit-learn and PyTorch.

    python benchmarks/train_throughput.py [--network 784-512-10:64] [--torch-python PATH]

The same as `neuronet bench`; see neuronet/bench.py for what is measured and how.
"""

import sys

from neuronet.bench import main

if __name__ == "__main__":
    sys.exit(main())
