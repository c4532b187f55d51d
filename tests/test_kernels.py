"""Two speeds, one meaning: the compiled kernels against the readable NumPy reference."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronet as nn

numba = pytest.importorskip("numba")  # the extra; test_kernel_choice below runs without it too

TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-7), np.float64: dict(rtol=1e-12, atol=1e-15)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("weight_decay", [0.0, 0.01], ids=["plain", "decay"])
@pytest.mark.parametrize("name", nn.optim.names())
@pytest.mark.parametrize("size", [50, 100_003], ids=["small", "large"])
def test_fused_updates_match_the_reference_over_20_steps(name, dtype, weight_decay, size):
    rng = np.random.default_rng(0)
    start = rng.normal(size=size).astype(dtype)
    runs = {}
    for kind in ("numpy", "numba"):
        params, optimizer = start.copy(), nn.optim.get(name, weight_decay=weight_decay)
        for step in range(20):
            grads = np.random.default_rng(step).normal(size=size).astype(dtype)
            optimizer.step_flat(params, grads, n_weights=size * 2 // 3, kernels=kind)
        runs[kind] = (params, optimizer)
    np.testing.assert_allclose(runs["numba"][0], runs["numpy"][0], **TOLERANCE[dtype])
    assert runs["numba"][1].iterations == runs["numpy"][1].iterations == 20
    fused_state = runs["numba"][1].state["Wb"]
    reference = runs["numpy"][1].state
    for slot in runs["numba"][1].slots:
        joined = reference["Wb"][slot] if "Wb" in reference else np.concatenate([reference["W"][slot],
                                                                                 reference["b"][slot]])
        np.testing.assert_allclose(fused_state[slot], joined, **TOLERANCE[dtype])


@settings(max_examples=15, deadline=None)
@given(hidden=st.lists(st.integers(1, 12), min_size=0, max_size=2), activation=st.sampled_from(
    ["sigmoid", "tanh", "relu", "leaky_relu"]), optimizer=st.sampled_from(nn.optim.names()),
    l2=st.sampled_from([0.0, 1e-3]), dtype=st.sampled_from([np.float32, np.float64]))
def test_training_with_kernels_gives_the_reference_loss_curve(hidden, activation, optimizer, l2, dtype):
    X, y = nn.datasets.make_gaussians(64, seed=0)
    curves = {}
    for kind in ("numpy", "numba"):
        net = nn.MLP([2, *hidden, 3], activation=activation, rng=0, dtype=dtype, kernels=kind)
        history = net.fit(X, y, optimizer=optimizer, lr=0.01, epochs=3, batch_size=16, l2=l2, seed=0, verbose=0)
        curves[kind] = (history.history["loss"], net.parameter_vector().copy())
    np.testing.assert_allclose(curves["numba"][0], curves["numpy"][0], **TOLERANCE[dtype])
    np.testing.assert_allclose(curves["numba"][1], curves["numpy"][1], **TOLERANCE[dtype])


def test_gradient_checks_still_pass_with_kernels_on():
    X, y = nn.datasets.make_gaussians(40, seed=1)
    net = nn.MLP([2, 5, 3], activation="tanh", rng=0, dtype=np.float64, kernels="numba")
    net.fit(X, y, epochs=2, verbose=0, seed=0)
    assert max(nn.gradient_check(net, "softmax_cross_entropy", X[:10], y[:10]).values()) < 1e-7


def test_an_optimizer_without_a_kernel_takes_the_reference_path():
    class Halving(nn.optim.SGD):  # a subclass may change the formula: never fused
        def update(self, param, grad, state, scratch):
            param -= 0.5 * self.lr * grad

    params = np.ones(10)
    Halving(lr=1.0).step_flat(params, np.ones(10), 5, kernels="numba")
    np.testing.assert_allclose(params, 0.5)
