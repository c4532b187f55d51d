import os
import sys

import numpy as np
import pytest
from hypothesis import settings

# Tests never depend on the machine's speed: hypothesis's per-example deadline (200 ms by default)
# would fail a slow or busy machine, so no example has one.
settings.register_profile("neuronet", deadline=None)
settings.load_profile("neuronet")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


# NEURONET_TEST_WITHOUT_NUMBA=1: run as on a machine without the [fast] extra (Numba cannot be
# imported or found); test_kernel_choice runs the engine's tests that way in a subprocess.
if os.environ.get("NEURONET_TEST_WITHOUT_NUMBA"):
    sys.modules["numba"] = None  # import numba raises ImportError; importlib.util.find_spec gives None
    from neuronet import kernels as _kernels

    assert _kernels.available() == ["numpy"], "Numba is still visible"
