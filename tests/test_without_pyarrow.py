"""Arrow is needed for tables only: without pyarrow, neuronet imports, trains on arrays and the
built-in data, and a table asks for the extra in one line."""

import subprocess
import sys

BLOCK = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] == 'pyarrow':
            raise ImportError('No module named ' + repr(name))
sys.meta_path.insert(0, Block())
"""


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK + code], capture_output=True, text=True, timeout=300)


def test_training_on_the_built_in_data_needs_no_pyarrow():
    done = _run("from neuronet.cli import main; sys.exit(main(['train', '--epochs', '1', '--verbose', '0']))")
    assert done.returncode == 0, done.stderr
    assert "test accuracy" in done.stdout


def test_fitting_a_table_without_pyarrow_names_the_extra():
    done = _run("import numpy as np, neuronet as nn\n"
                "net = nn.MLP([2, 3, 2], rng=0)\n"
                "try:\n    net.fit('rows.csv', 'label', epochs=1, verbose=0)\n"
                "except Exception as error:\n    print(type(error).__name__, error)\n")
    assert "MissingExtra" in done.stdout and "neuronet[tables]" in done.stdout, done.stdout + done.stderr
