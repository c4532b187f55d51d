import numpy as np
import pytest

from neuronet import optim

ALL = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]


def quadratic_descent(optimizer, steps=300):
    """Minimise f(w) = sum((w - 3)^2) from w = 0."""
    params = {"W": np.zeros(4), "b": np.zeros(2)}
    for _ in range(steps):
        grads = {k: 2 * (v - 3) for k, v in params.items()}
        optimizer.step(params, grads)
    return params


@pytest.mark.parametrize("name", ALL)
def test_every_optimizer_minimises_a_quadratic(name):
    lr = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.5, "rmsprop": 0.05, "adam": 0.1}[name]
    params = quadratic_descent(optim.get(name, lr=lr), steps=500)
    for value in params.values():
        np.testing.assert_allclose(value, 3.0, atol=2e-2)


def test_sgd_is_eq_27():
    params, grads = {"W": np.array([1.0, 2.0])}, {"W": np.array([0.5, -1.0])}
    optim.SGD(lr=0.1).step(params, grads)
    np.testing.assert_allclose(params["W"], [0.95, 2.1])


def test_adam_first_step_moves_by_lr_per_coordinate():
    params = {"W": np.array([1.0, -1.0])}
    optim.Adam(lr=0.01).step(params, {"W": np.array([5.0, -0.001])})
    np.testing.assert_allclose(params["W"], [0.99, -0.99], rtol=1e-4)


def test_momentum_and_nesterov_formulas():
    params, grad = {"W": np.array([0.0])}, {"W": np.array([1.0])}
    momentum = optim.Momentum(lr=0.1, momentum=0.9)
    momentum.step(params, grad)
    momentum.step(params, grad)
    assert params["W"][0] == pytest.approx(-0.1 - (0.09 + 0.1))
    params = {"W": np.array([0.0])}
    nesterov = optim.Nesterov(lr=0.1, momentum=0.9)
    nesterov.step(params, grad)
    assert params["W"][0] == pytest.approx(0.9 * -0.1 - 0.1)


def test_weight_decay_touches_weights_not_biases():
    params = {"0.W": np.ones(3), "0.b": np.ones(3)}
    zero = {k: np.zeros(3) for k in params}
    optim.SGD(lr=0.1, weight_decay=0.5).step(params, zero, decayed={"0.W"})
    np.testing.assert_allclose(params["0.W"], 0.95)
    np.testing.assert_allclose(params["0.b"], 1.0)
    np.testing.assert_array_equal(zero["0.W"], 0.0)  # the caller's gradient is untouched


def test_float32_stays_float32():
    params = {"W": np.ones(5, dtype=np.float32)}
    optimizer = optim.Adam()
    optimizer.step(params, {"W": np.ones(5, dtype=np.float32)})
    assert params["W"].dtype == np.float32 and optimizer.state["W"]["v"].dtype == np.float32


def test_validation():
    with pytest.raises(ValueError, match="lr: expected a positive number"):
        optim.SGD(lr=-1)
    with pytest.raises(ValueError, match=r"momentum: expected a number in \[0, 1\)"):
        optim.Momentum(momentum=1.5)
    with pytest.raises(ValueError, match="unknown name 'adamw'"):
        optim.get("adamw")


def test_state_dict_round_trip():
    params = {"W": np.array([1.0, 2.0])}
    a = optim.Adam(lr=0.1)
    for _ in range(3):
        a.step(params, {"W": np.array([0.3, -0.2])})
    b = optim.from_config(a.config())
    b.load_state_dict(a.state_dict())
    p1, p2 = {"W": params["W"].copy()}, {"W": params["W"].copy()}
    a.step(p1, {"W": np.array([0.1, 0.1])})
    b.step(p2, {"W": np.array([0.1, 0.1])})
    np.testing.assert_array_equal(p1["W"], p2["W"])


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_step_flat_equals_stepping_weights_and_biases_apart(name):
    rng = np.random.default_rng(0)
    params = rng.normal(size=50)
    fused, apart = optim.get(name), optim.get(name)
    joined, split = params.copy(), params.copy()
    for _ in range(3):
        grads = rng.normal(size=50)
        fused.step_flat(joined, grads, 30)
        apart.step({"W": split[:30], "b": split[30:]}, {"W": grads[:30], "b": grads[30:]})
    np.testing.assert_allclose(joined, split, rtol=1e-12)


def test_step_flat_with_weight_decay_spares_biases_and_keeps_the_state():
    optimizer = optim.Adam(lr=0.1)
    params = np.ones(10)
    optimizer.step_flat(params, np.ones(10), 6)
    m = optimizer.state["Wb"]["m"].copy()
    optimizer.weight_decay = 0.5  # switching to decay splits the joined state: nothing is lost
    weights_before = params[:6].copy()
    optimizer.step_flat(params, np.zeros(10), 6)
    np.testing.assert_allclose(optimizer.state["W"]["m"], 0.9 * m[:6] + 0.1 * 0.5 * weights_before)
    np.testing.assert_allclose(optimizer.state["b"]["m"], 0.9 * m[6:])  # biases: no decay, zero gradient
    optimizer.weight_decay = 0.0
    optimizer.step_flat(params, np.zeros(10), 6)
    assert set(optimizer.state) == {"Wb"}
    np.testing.assert_allclose(optimizer.state["Wb"]["m"][6:], 0.81 * m[6:])
