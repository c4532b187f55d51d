import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neuronet import activations
from neuronet.gradients import numerical_gradient, relative_error

ELEMENTWISE = ["step", "sigmoid", "tanh", "relu", "leaky_relu", "identity"]
REFERENCE = {
    "step": lambda x: (x > 0).astype(float),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "relu": lambda x: np.where(x > 0, x, 0.0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "identity": lambda x: x,
}
DERIVATIVE = {
    "step": lambda x: np.zeros_like(x),
    "sigmoid": lambda x: REFERENCE["sigmoid"](x) * (1 - REFERENCE["sigmoid"](x)),
    "tanh": lambda x: 1 - np.tanh(x) ** 2,
    "relu": lambda x: (x > 0).astype(float),
    "leaky_relu": lambda x: np.where(x > 0, 1.0, 0.01),
    "identity": lambda x: np.ones_like(x),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_module_objects_and_get_agree(name):
    function = getattr(activations, name)
    assert activations.get(name).name == function.name == name
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(function(x), REFERENCE[name](x), atol=1e-12)
    np.testing.assert_allclose(function.derivative(x), DERIVATIVE[name](x), atol=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "identity"])
def test_derivative_matches_numerical_gradient(name, rng):
    function = activations.get(name)
    # keep away from the kink at 0, where ReLU-type functions have no derivative
    x = rng.uniform(0.1, 3, size=50) * rng.choice([-1, 1], size=50)
    numeric = numerical_gradient(lambda v: float(function(v).sum()), x.copy(), eps=1e-6)
    assert relative_error(function.derivative(x), numeric) < 1e-8


def test_step_derivative_is_zero_even_where_the_function_jumps():
    assert np.all(activations.step.derivative(np.array([-1.0, 0.0, 1e-9, 2.0])) == 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_extreme_inputs_are_stable(name, dtype):
    x = np.array([-1e4, -1000, -50, 0, 50, 1000, 1e4], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = activations.get(name)(x)
        d = activations.get(name).derivative(x)
    assert y.dtype == dtype and d.dtype == dtype
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(d))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_saturates_exactly(dtype):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = activations.sigmoid(np.array([-1000, 1000, -1e4, 1e4], dtype=dtype))
    assert y.tolist() == [0.0, 1.0, 0.0, 1.0]
    assert activations.sigmoid(-1000.0) == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_extremes(dtype):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert activations.softmax(np.array([1000, 0], dtype=dtype)).tolist() == [1.0, 0.0]
        y = activations.softmax(np.array([[1e4, -1e4, 0], [-1e4, -1e4, -1e4]], dtype=dtype))
    assert y.dtype == dtype
    np.testing.assert_allclose(y, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)


def test_softmax_is_shift_invariant_and_sums_to_one(rng):
    x = rng.normal(size=(4, 5))
    y = activations.softmax(x)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0)
    np.testing.assert_allclose(activations.softmax(x + 100.0), y)
    np.testing.assert_allclose(activations.softmax(x, axis=0).sum(axis=0), 1.0)


@given(arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(2, 5)),
              elements=st.floats(-20, 20, allow_nan=False)))
@settings(max_examples=40, deadline=None)
def test_softmax_jacobian_matches_numerical(x):
    jacobian = activations.softmax.derivative(x)
    assert jacobian.shape == x.shape + (x.shape[-1],)
    k = x.shape[-1]
    for i in range(k):
        numeric = numerical_gradient(lambda v: float(activations.softmax(v)[..., i].sum()), x.copy(), eps=1e-6)
        # row i of each sample's Jacobian: d y_i / d x_j
        np.testing.assert_allclose(jacobian[..., i, :], numeric, atol=1e-8)


def test_softmax_jacobian_formula():
    y = activations.softmax(np.array([0.3, -1.0, 2.0]))
    expected = np.diag(y) - np.outer(y, y)   # eq. 18-19
    np.testing.assert_allclose(activations.softmax.derivative(np.array([0.3, -1.0, 2.0])), expected)


def test_leaky_relu_custom_slope_and_validation():
    leaky = activations.LeakyReLU(alpha=0.2)
    np.testing.assert_allclose(leaky(np.array([-2.0, 3.0])), [-0.4, 3.0])
    np.testing.assert_allclose(leaky.derivative(np.array([-2.0, 3.0])), [0.2, 1.0])
    with pytest.raises(ValueError, match="alpha"):
        activations.LeakyReLU(alpha=-1)


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown name 'swish'.*sigmoid"):
        activations.get("swish")


def test_any_shape_and_integer_input():
    x = np.arange(24).reshape(2, 3, 4) - 12
    assert activations.relu(x).shape == (2, 3, 4)
    assert activations.sigmoid(x).dtype == np.float64


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_python_scalars(name):
    function = activations.get(name)
    assert float(function(0.5)) == pytest.approx(REFERENCE[name](np.array(0.5)))
    assert float(function.derivative(0.5)) == pytest.approx(DERIVATIVE[name](np.array(0.5)))
