"""neuronet.exercises: every check accepts its reference solution and catches the typical wrong
answers with a message that says what is wrong; the references agree with the library."""

import numpy as np
import pytest

import neuronet as nn
from neuronet.exercises import check, describe, names
from neuronet.exercises import solutions as s


@pytest.mark.parametrize("name", names())
def test_every_reference_solution_passes(name):
    result = check(name, getattr(s, name), verbose=False)
    assert result and result.message.startswith(f"✓ {name}: correct")


def test_there_are_at_least_twelve_exercises_across_the_chapters():
    from neuronet import tour
    from neuronet.exercises import EXERCISES

    assert len(names()) >= 12
    chapters = {exercise.chapter for exercise in EXERCISES.values()}
    assert len(chapters) >= 6 and chapters <= {chapter.slug for chapter in tour.CHAPTERS}
    assert all(describe(name) and describe(name, "ja") for name in names())


def test_the_references_agree_with_the_library():
    x = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(s.sigmoid(x), nn.activations.sigmoid(x), rtol=1e-12)
    np.testing.assert_allclose(s.sigmoid_derivative(x), nn.activations.sigmoid.derivative(x), atol=1e-15)
    np.testing.assert_allclose(s.tanh_derivative(x), nn.activations.tanh.derivative(x), atol=1e-15)
    np.testing.assert_allclose(s.relu_derivative(x), nn.activations.relu.derivative(x))
    a = np.random.default_rng(0).normal(size=(5, 4)) * 10
    t = np.eye(4)[[0, 1, 2, 3, 0]]
    np.testing.assert_allclose(s.softmax(a), nn.activations.softmax(a), rtol=1e-12)
    loss = nn.losses.SoftmaxCrossEntropy()
    assert s.cross_entropy(s.softmax(a), t) == pytest.approx(loss(a, t), rel=1e-9)
    np.testing.assert_allclose(s.softmax_cross_entropy_gradient(a, t), loss.backward(), rtol=1e-12)
    # the two-layer gradients are the library's backpropagation on the same network
    rng = np.random.default_rng(1)
    X, W1, b1, W2, b2 = rng.normal(size=(6, 3)), rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)), \
        rng.normal(size=2)
    T = np.eye(2)[[0, 1, 1, 0, 1, 0]]
    net = nn.Sequential(nn.Dense(3, 4, dtype=np.float64), nn.Sigmoid(), nn.Dense(4, 2, dtype=np.float64))
    for layer, W, b in ((net.layers[0], W1, b1), (net.layers[2], W2, b2)):
        layer.params["W"][...], layer.params["b"][...] = W, b
    loss(net.forward(X), T)
    net.backward(loss.backward())
    mine = s.two_layer_gradients(X, T, W1, b1, W2, b2)
    for key, name in (("W1", "0.W"), ("b1", "0.b"), ("W2", "2.W"), ("b2", "2.b")):
        np.testing.assert_allclose(mine[key], net.gradients()[name], rtol=1e-10, atol=1e-14)
    optimizer = nn.optim.Adam(lr=0.01)
    w = np.array([0.5, -1.0])
    g = np.array([0.3, -0.2])
    expected, _, _ = s.adam_step(w, np.zeros(2), np.zeros(2), g, 1, lr=0.01)
    optimizer.step({"w": w}, {"w": g})
    # the library folds the bias corrections into the step size (Kingma and Ba's efficient form), so
    # eps sits in a slightly different place: equal to 1e-6, not to the last digit
    np.testing.assert_allclose(w, expected, rtol=1e-6)


def _forward_difference(f, x, eps=1e-5):
    grad, base = np.zeros_like(x), f(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        grad[index] = (f(x) - base) / eps
        x[index] = original
    return grad


def _central_without_restoring(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = f(x)
        x[index] = original - eps
        grad[index] = (plus - f(x)) / (2 * eps)
    return grad


def _adam_without_bias_correction(w, m, v, grad, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    return w - lr * m / (np.sqrt(v) + eps), m, v


def _two_layer_without_sigmoid_derivative(X, T, W1, b1, W2, b2):
    z = s.sigmoid(X @ W1 + b1)
    delta = (s.softmax(z @ W2 + b2) - T) / X.shape[0]
    hidden = delta @ W2.T  # forgot * z * (1 - z)
    return {"W1": X.T @ hidden, "b1": hidden.sum(axis=0), "W2": z.T @ delta, "b2": delta.sum(axis=0)}


def _two_layer_without_mean(X, T, W1, b1, W2, b2):
    grads = s.two_layer_gradients(X, T, W1, b1, W2, b2)
    return {key: value * X.shape[0] for key, value in grads.items()}


WRONG = [
    ("sigmoid", lambda x: 1 / (1 + np.exp(x)), "wrong at x = "),
    ("sigmoid_derivative", lambda x: 2 * s.sigmoid(x) * (1 - s.sigmoid(x)), "off by a factor of 2 at x = 0"),
    ("sigmoid_derivative", lambda x: s.sigmoid(x) * (s.sigmoid(x) - 1), "the sign is wrong at x = 0"),
    ("sigmoid_derivative", lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, "not stable for x = -1000"),
    ("tanh_derivative", lambda x: 1 - np.tanh(x), "wrong at x = "),
    ("relu_derivative", lambda x: (x >= 0).astype(float), "wrong at x = 0: expected 0, got 1"),
    ("softmax", lambda a: np.exp(a) / np.exp(a).sum(axis=1, keepdims=True), "not stable for scores near ±1000"),
    ("softmax", lambda a: np.exp(a - a.max()) / np.exp(a - a.max()).sum(), "wrong at random scores"),
    ("softmax", lambda a: s.softmax(a).T, "wrong shape: expected (4, 3), got (3, 4)"),
    ("cross_entropy", lambda y, t: float(-(t * np.log(y)).sum()), "off by a factor of 5"),
    ("cross_entropy", lambda y, t: float((t * np.log(y)).sum() / len(y)), "the sign is wrong"),
    ("softmax_cross_entropy_gradient", lambda a, t: s.softmax(a) - t, "off by a factor of 6"),
    ("numerical_gradient", _forward_difference, "not accurate enough"),
    ("numerical_gradient", _central_without_restoring, "changed its input x"),
    ("dense_forward", lambda x, W, b: x @ W, "wrong at x (4, 3), W (3, 2)"),
    ("dense_backward", lambda x, W, g: (g @ W.T, g.T @ x, g.sum(axis=0)), "wrong shape in dL/dW: expected (3, 2), got (2, 3)"),
    ("dense_backward", lambda x, W, g: (g @ W.T, x.T @ g, g.sum(axis=1)), "wrong shape in dL/db: expected (2,), got (4,)"),
    ("dense_backward", lambda x, W, g: (-(g @ W.T), x.T @ g, g.sum(axis=0)), "the sign is wrong"),
    ("two_layer_gradients", _two_layer_without_sigmoid_derivative, "(in W1)"),
    ("two_layer_gradients", _two_layer_without_mean, "off by a factor of 5"),
    ("two_layer_gradients", lambda *args: [1, 2], "expected a dict with keys W1, b1, W2, b2"),
    ("sgd_step", lambda w, g, lr: w + lr * g, "wrong at lr = 0.1"),
    ("momentum_step", lambda w, v, g, lr, mu: (w - lr * g, v), "wrong at lr = 0.1, momentum 0.9"),
    ("adam_step", _adam_without_bias_correction, "wrong at the first step (t = 1)"),
    ("perceptron_update", lambda w, b, x, t, lr: (w + lr * t * x, b + lr * t), "wrong at a right answer (no change)"),
    ("l2_penalty", lambda W, lam: (lam * float(np.sum(W ** 2)), lam * W), "off by a factor of 2"),
    ("l2_penalty", lambda W, lam: lam * W, "expected a tuple (penalty, gradient)"),
    ("sgd_step", lambda w, g: w, "raised TypeError"),
]


@pytest.mark.parametrize("name, wrong, message", WRONG, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WRONG)])
def test_typical_wrong_answers_are_caught_and_named(name, wrong, message):
    result = check(name, wrong, verbose=False)
    assert not result and result.message.startswith(f"✗ {name}:")
    assert message in result.message, result.message


def test_messages_in_japanese(capsys):
    result = check("sigmoid_derivative", lambda x: 2 * s.sigmoid(x) * (1 - s.sigmoid(x)), language="ja")
    assert result.message == "✗ sigmoid_derivative: x = 0 で 2 倍ずれています"
    assert capsys.readouterr().out.strip() == result.message
    assert check("sigmoid", s.sigmoid, language="ja", verbose=False).message.startswith("✓ sigmoid: 正解です")
    assert "片側差分" in check("numerical_gradient", _forward_difference, language="ja", verbose=False).message


def test_the_checker_refuses_what_is_not_an_exercise():
    with pytest.raises(ValueError, match="unknown name 'sigmod'"):
        check("sigmod", s.sigmoid)
    with pytest.raises(ValueError, match="expected your function"):
        check("sigmoid", 3)
    with pytest.raises(ValueError, match="language"):
        check("sigmoid", s.sigmoid, language="fr")
