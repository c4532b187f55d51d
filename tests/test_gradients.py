import numpy as np
import pytest

from neuronet import numerical_gradient
from neuronet.gradients import relative_error, resolution


def test_central_difference_is_second_order_and_forward_first_order():
    x = np.array([0.7])
    exact = np.cos(0.7)
    f = lambda v: float(np.sin(v).sum())
    central = [abs(numerical_gradient(f, x, eps=e)[0] - exact) for e in (1e-2, 1e-3)]
    forward = [abs(numerical_gradient(f, x, eps=e, method="forward")[0] - exact) for e in (1e-2, 1e-3)]
    assert central[0] / central[1] == pytest.approx(100, rel=0.05)   # error ~ eps^2
    assert forward[0] / forward[1] == pytest.approx(10, rel=0.05)    # error ~ eps (seed 001, eq. 9)


def test_input_is_restored_and_shape_kept(rng):
    x = rng.normal(size=(3, 4))
    before = x.copy()
    grad = numerical_gradient(lambda v: float((v ** 2).sum()), x)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(grad, 2 * x, atol=1e-6)


def test_validation():
    with pytest.raises(ValueError, match="method"):
        numerical_gradient(lambda v: 0.0, np.zeros(2), method="backward")
    with pytest.raises(TypeError, match="float NumPy array"):
        numerical_gradient(lambda v: 0.0, [1.0, 2.0])


def test_relative_error_scale():
    assert relative_error(np.array([1.0, 0.0]), np.array([1.0, 1e-12])) < 1e-11
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 3.0])) == pytest.approx(0.2)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_resolution_floor_only_matters_for_vanishing_gradients():
    # a gradient that is exactly zero against finite-difference noise
    assert relative_error(np.zeros(2), np.array([1e-11, 0.0]), floor=resolution(1.0, 1e-6)) < 1e-8
    # an ordinary gradient: the floor is far below its scale and changes nothing
    assert relative_error(np.array([0.5]), np.array([0.6]), floor=resolution(1.0, 1e-6)) == pytest.approx(0.1 / 1.1)


def test_difference_errors_show_order_one_and_order_two_truncation():
    """The seed's forward difference is off by O(eps), the central one by O(eps^2): on the
    truncation side of the curve, ten times the step gives ten and a hundred times the error."""
    from neuronet import activations
    from neuronet.gradients import difference_errors

    sigmoid = activations.sigmoid
    errors = difference_errors(lambda x: float(sigmoid(x)), float(sigmoid.derivative(0.5)), 0.5,
                               steps=[1e-3, 1e-2])
    forward_ratio = errors["forward"][1] / errors["forward"][0]
    central_ratio = errors["central"][1] / errors["central"][0]
    assert 8 < forward_ratio < 12 and 80 < central_ratio < 120
    full = difference_errors(lambda x: float(sigmoid(x)), float(sigmoid.derivative(0.5)), 0.5)
    best_forward = full["eps"][full["forward"].argmin()]
    best_central = full["eps"][full["central"].argmin()]
    assert 1e-10 <= best_forward <= 1e-6 and 1e-7 <= best_central <= 1e-3  # sqrt and cube root of machine eps
    assert full["central"].min() < full["forward"].min() / 10
