import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronet as nn
from neuronet.gradients import numerical_gradient, relative_error, resolution

ACTIVATION_LAYERS = [nn.Sigmoid, nn.Tanh, nn.ReLU, nn.LeakyReLU, nn.Identity, nn.Softmax]


def check_layer(layer, x, rng, reset=lambda: None):
    """Backward of a layer against central differences, for a random linear loss sum(R * y)."""
    reset()
    y = layer.forward(x)
    weights = rng.normal(size=y.shape)
    grad_input = layer.backward(weights)
    analytic_params = {k: v.copy() for k, v in layer.grads.items()}

    def objective(_):
        reset()
        return float((layer.forward(x) * weights).sum())

    floor = resolution(objective(None), 1e-6)
    errors = {"x": relative_error(grad_input, numerical_gradient(objective, x, eps=1e-6), floor)}
    for key, param in layer.params.items():
        errors[key] = relative_error(analytic_params[key], numerical_gradient(objective, param, eps=1e-6), floor)
    return errors


@given(batch=st.integers(1, 5), n_in=st.integers(1, 6), n_out=st.integers(1, 6), seed=st.integers(0, 1000))
@settings(max_examples=25, deadline=None)
def test_dense_gradients(batch, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    layer = nn.Dense(n_in, n_out, init="xavier", rng=rng, dtype=np.float64)
    layer.params["b"][...] = rng.normal(size=n_out)
    errors = check_layer(layer, rng.normal(size=(batch, n_in)), rng)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("layer_type", ACTIVATION_LAYERS)
@given(batch=st.integers(1, 4), width=st.integers(2, 6), seed=st.integers(0, 1000))
@settings(max_examples=15, deadline=None)
def test_activation_layer_gradients(layer_type, batch, width, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, width))
    x[np.abs(x) < 1e-3] = 0.5   # ReLU's kink at 0 has no derivative
    errors = check_layer(layer_type(), x, rng)
    assert errors["x"] < 1e-7, errors


def test_step_layer_passes_no_gradient(rng):
    layer = nn.Step()
    y = layer.forward(rng.normal(size=(3, 4)))
    assert set(np.unique(y)) <= {0.0, 1.0}
    assert np.all(layer.backward(np.ones((3, 4))) == 0)


def test_dropout_gradient_with_fixed_mask(rng):
    layer = nn.Dropout(0.4)
    errors = check_layer(layer, rng.normal(size=(6, 5)), rng,
                         reset=lambda: setattr(layer, "rng", np.random.default_rng(7)))
    assert errors["x"] < 1e-7


def test_dropout_scales_kept_units_and_is_identity_at_inference():
    layer = nn.Dropout(0.5, rng=0)
    x = np.ones((2000, 10))
    y = layer.forward(x, training=True)
    assert set(np.unique(y)) == {0.0, 2.0}
    assert abs((y == 0).mean() - 0.5) < 0.02
    assert layer.forward(x, training=False) is not None
    np.testing.assert_array_equal(layer.forward(x, training=False), x)


def test_dense_shapes_dtype_and_init(rng):
    layer = nn.Dense(4, 3, rng=0)
    assert layer.params["W"].shape == (4, 3) and layer.params["b"].shape == (3,)
    assert layer.params["W"].dtype == np.float32
    assert layer.forward(rng.normal(size=(5, 4))).dtype == np.float32   # input cast, not mixed
    np.testing.assert_array_equal(nn.Dense(4, 3, rng=0).params["W"], layer.params["W"])
    he = nn.Dense(1000, 200, init="he", rng=1).params["W"].std()
    assert he == pytest.approx(np.sqrt(2 / 1000), rel=0.02)
    assert nn.Dense(1000, 200, init="normal", std=0.01, rng=1).params["W"].std() == pytest.approx(0.01, rel=0.02)


def test_dense_rejects_bad_input():
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 4\), got \(5, 3\)"):
        nn.Dense(4, 3).forward(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        nn.Dense(0, 3)
    with pytest.raises(ValueError, match="unknown initialiser"):
        nn.Dense(2, 3, init="uniformish")
    with pytest.raises(TypeError, match="float32 or float64"):
        nn.Dense(2, 3, dtype=np.int32)


def test_reused_buffers_are_only_used_when_asked(rng):
    layer = nn.Dense(3, 2, rng=0)
    a = layer.forward(rng.normal(size=(4, 3)))
    b = layer.forward(rng.normal(size=(4, 3)))
    assert not np.shares_memory(a, b)
    layer.reuse_buffers = True
    a = layer.forward(rng.normal(size=(4, 3)))
    b = layer.forward(rng.normal(size=(2, 3)))
    assert np.shares_memory(a, b)
