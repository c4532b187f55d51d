"""neuronet.exercises: the checker is never wrong. Every check accepts its reference solution and
the right answers as "Deep Learning from Scratch" and CS231n write them (float32 inputs and steps
h from 1e-6 to 1e-3 included); it catches at least three typical wrong answers per exercise with
a message that says what is wrong; it finds a one-sided difference by where f was evaluated; and
whatever the learner's function does, it answers with one plain sentence in the learner's
language. The references agree with the library."""

import re
import sys

import numpy as np
import pytest

import neuronet as nn
from neuronet.exercises import MESSAGE_LENGTH, MESSAGES, check, describe, names
from neuronet.exercises import solutions as s

from exercise_styles import RIGHT


@pytest.mark.parametrize("name", names())
def test_every_reference_solution_passes(name):
    result = check(name, getattr(s, name), verbose=False)
    assert result and result.message.startswith(f"✓ {name}: correct")


@pytest.mark.parametrize("name, function", [(name, f) for name, fs in RIGHT.items() for f in fs],
                         ids=[f"{name}-{i}" for name, fs in RIGHT.items() for i in range(len(fs))])
def test_right_answers_in_every_common_form_pass(name, function, capsys):
    result = check(name, function, verbose=False)
    assert result, result.message


def test_every_exercise_has_a_textbook_form_and_float32_inputs():
    from neuronet.exercises import EXERCISES

    assert set(RIGHT) == set(names())
    for name, exercise in EXERCISES.items():
        if name != "numerical_gradient":   # x + h cannot be held accurately in float32
            assert any(case.float32 for case in exercise.cases(np.random.default_rng(0))), name


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
    # the perceptron fires only when w·x + b > 0, as the library's step does
    assert nn.activations.step(np.array([0.0]))[0] == 0.0


# --- the typical wrong answers ----------------------------------------------------------------------
def _one_sided(sign=1, backward=False, h=1e-5):
    """A one-sided difference: forward (f(x + h) - f(x)) / h, or the notes' eq. 10-11 backward
    step to x - h; ``sign=-1`` is the notes' eq. 9 with its stray minus."""
    def numerical_gradient(f, x):
        grad, base = np.zeros_like(x), f(x)
        for index in np.ndindex(x.shape):
            original = x[index]
            x[index] = original - h if backward else original + h
            grad[index] = sign * ((base - f(x)) if backward else (f(x) - base)) / h
            x[index] = original
        return grad
    return numerical_gradient


def _central_without_restoring(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = f(x)
        x[index] = original - eps
        grad[index] = (plus - f(x)) / (2 * eps)
    return grad


def _all_at_once(f, x, h=1e-4):        # eq. 10 taken literally: every component moves together
    grad = np.zeros_like(x)
    plus, minus = f(x + h), f(x - h)
    grad[...] = (plus - minus) / (2 * h)
    return grad


def _central_over_h(f, x, h=1e-4):     # forgot the 2 in 2h
    return s.numerical_gradient(f, x, h) * 2


def _dlfs_1d_on_matrices(f, x):        # DLFS's _numerical_gradient_no_batch: x[idx] is a whole row
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.shape[0]):
        tmp_val = x[idx].copy()
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
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


def _two_layer_W_first(X, T, W1, b1, W2, b2):
    z = s.sigmoid((W1 @ X.T).T + b1)   # W1 @ X: the shapes do not fit
    return {"W1": z, "b1": z, "W2": z, "b2": z}


def _softmax_no_keepdims(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)


def _softmax_batch_max(a):             # one max for the whole batch: a row 2000 below it is 0 / 0
    e = np.exp(a - a.max())
    return e / e.sum(axis=1, keepdims=True)


def _softmax_max_without_keepdims(a):  # the row sum is right, the row max is (N,)
    e = np.exp(a - a.max(axis=1))
    return e / e.sum(axis=1, keepdims=True)


def _softmax_without_keepdims(a):
    e = np.exp(a - np.max(a, axis=1))
    return e / np.sum(e, axis=1)


def _adam_eps_inside(w, m, v, grad, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), m, v


def _perceptron(fire=lambda u: u > 0, lr_w=True, lr_b=True, update_b=True):
    def perceptron_update(w, b, x, t, lr):
        y = 1.0 if fire(np.dot(w, x) + b) else 0.0
        w = w + (lr if lr_w else 1) * (t - y) * x
        if update_b:
            b = b + (lr if lr_b else 1) * (t - y)
        return w, b
    return perceptron_update


WRONG = [
    ("sigmoid", lambda x: 1 / (1 + np.exp(x)), "exp(-x), not exp(x)"),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-2 * x)), "wrong at x = "),
    ("sigmoid", lambda x: np.exp(-x) / (1 + np.exp(-x)), "not stable for x = -1000: got nan"),
    ("sigmoid_derivative", lambda x: 2 * s.sigmoid(x) * (1 - s.sigmoid(x)), "off by a factor of 2 at x = 0"),
    ("sigmoid_derivative", lambda x: s.sigmoid(x) * (s.sigmoid(x) - 1), "the sign is wrong at x = 0"),
    ("sigmoid_derivative", lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, "not stable for x = -1000"),
    ("tanh_derivative", lambda x: 1 - np.tanh(x), "wrong at x = "),
    ("tanh_derivative", lambda x: np.tanh(x) ** 2 - 1, "the sign is wrong at x = 0"),
    ("tanh_derivative", lambda x: 1 - np.tanh(x ** 2), "wrong at x = "),
    ("relu_derivative", lambda x: np.maximum(0, x), "wrong at x = "),
    ("relu_derivative", lambda x: (x < 0).astype(float), "wrong at x = "),
    ("relu_derivative", lambda x: np.where(x > 0, x, 0.01), "wrong at x = "),
    ("softmax", lambda a: np.exp(a) / np.exp(a).sum(axis=1, keepdims=True), "not stable for scores near ±1000"),
    ("softmax", lambda a: np.exp(a - a.max()) / np.exp(a - a.max()).sum(), "it sums over the whole batch"),
    ("softmax", _softmax_no_keepdims, "the row sums lack keepdims=True: e.sum(axis=1) has shape (N,)"),
    # the answers the checker used to accept or misname: one max for the whole batch, keepdims missing on the max
    ("softmax", _softmax_batch_max, "it subtracts one max for the whole batch, so a row far below it gives "
     "0 / 0 = nan (on scores near ±1000): subtract each row's own max (axis=1, keepdims=True)"),
    ("softmax", lambda a: np.exp(a - np.max(a)) / np.sum(np.exp(a - np.max(a)), axis=1).reshape(-1, 1),
     "subtract each row's own max"),
    ("softmax", _softmax_max_without_keepdims, "the row maxima lack keepdims=True: a.max(axis=1) has shape (N,), "
     "so write a - a.max(axis=1, keepdims=True)"),
    ("softmax", _softmax_without_keepdims, "the row maxima and the row sums both lack keepdims=True"),
    ("softmax", lambda a: np.exp(a - a.max()) / np.exp(a - a.max()).sum(axis=0), "sums over each column"),
    ("softmax", lambda a: s.softmax(a).T, "wrong shape: expected (4, 3), got (3, 4)"),
    ("cross_entropy", lambda y, t: float(-(t * np.log(y)).sum()), "off by a factor of N = 5"),
    ("cross_entropy", lambda y, t: float((t * np.log(y)).sum() / len(y)), "the sign is wrong"),
    ("cross_entropy", lambda y, t: -(t * np.log(y)).sum(axis=1), "one loss per sample"),
    ("cross_entropy", lambda y, t: float(-(t * np.log10(y)).sum() / len(y)), "off by a factor of 0.434"),
    ("softmax_cross_entropy_gradient", lambda a, t: s.softmax(a) - t, "off by a factor of 6"),
    ("softmax_cross_entropy_gradient", lambda a, t: (t - s.softmax(a)) / len(a), "the sign is wrong"),
    ("softmax_cross_entropy_gradient", lambda a, t: (np.exp(a) / np.exp(a).sum(axis=1) - t) / len(a),
     "the row sums lack keepdims=True"),
    ("softmax_cross_entropy_gradient", lambda a, t: (_softmax_batch_max(a) - t) / len(a),
     "subtract each row's own max (axis=1, keepdims=True)"),
    ("softmax_cross_entropy_gradient", lambda a, t: (_softmax_max_without_keepdims(a) - t) / len(a),
     "the row maxima lack keepdims=True"),
    ("numerical_gradient", _one_sided(), "a one-sided difference: it evaluates f at x and x + h only;"),
    ("numerical_gradient", _one_sided(sign=-1), "x + h only, and its sign is reversed"),
    ("numerical_gradient", _one_sided(backward=True), "a one-sided (backward) difference"),
    ("numerical_gradient", _central_without_restoring, "x was not put back"),
    ("numerical_gradient", _all_at_once, "moves 3 elements of x at once"),
    ("numerical_gradient", _dlfs_1d_on_matrices, "moves 3 elements of x at once"),
    ("numerical_gradient", _central_over_h, "off by a factor of 2: divide f(x + h) - f(x - h) by 2 h"),
    ("numerical_gradient", lambda f, x: 3 * x ** 2, "never called f"),
    ("numerical_gradient", lambda f, x: s.numerical_gradient(f, x, eps=0.1), "h = 1e-01 is too large"),
    ("numerical_gradient", lambda f, x: s.numerical_gradient(f, x, eps=1e-12), "h = 1e-12 is too small"),
    ("dense_forward", lambda x, W, b: x @ W, "wrong at x (4, 3), W (3, 2)"),
    ("dense_forward", lambda x, W, b: W @ x + b, "W is (in, out) = (3, 2): use x @ W, not W @ x"),
    ("dense_forward", lambda x, W, b: W.T @ x.T, "the answer is transposed"),
    ("dense_forward", lambda x, W, b: x @ W - b, "wrong at"),
    ("dense_backward", lambda x, W, g: (g @ W.T, g.T @ x, g.sum(axis=0)),
     "dL/dW must have W's shape (in, out) = (3, 2): use x.T @ grad_output"),
    ("dense_backward", lambda x, W, g: (g @ W.T, x.T @ g, g.sum(axis=1)), "dL/db must have b's shape (out,) = (2,)"),
    ("dense_backward", lambda x, W, g: (g @ W, x.T @ g, g.sum(axis=0)),
     "with W (in, out) = (3, 2) and grad_output (N, out) = (4, 2), dL/dx = grad_output @ W.T"),
    ("dense_backward", lambda x, W, g: (-(g @ W.T), x.T @ g, g.sum(axis=0)), "the sign is wrong"),
    ("dense_backward", lambda x, W, g: (g @ W.T, x.T @ g, np.zeros(W.shape[1])), "wrong at"),
    ("two_layer_gradients", _two_layer_without_sigmoid_derivative, "multiply by the sigmoid's derivative z (1 - z)"),
    ("two_layer_gradients", _two_layer_without_mean, "off by a factor of N = 5"),
    ("two_layer_gradients", lambda *args: [1, 2], "expected a dict with keys W1, b1, W2, b2"),
    ("two_layer_gradients", _two_layer_W_first, "the shapes do not fit: X is (N, D), W1 (D, M)"),
    ("sgd_step", lambda w, g, lr: w + lr * g, "the update has the wrong sign"),
    ("sgd_step", lambda w, g, lr: w - g, "the step does not scale with lr (on lr = 0.1)"),
    ("sgd_step", lambda w, g, lr: w, "w did not change on lr = 0.1"),
    ("sgd_step", lambda w, g: w, "your function takes (w, g), but the exercise calls it as sgd_step(w, grad, lr)"),
    ("momentum_step", lambda w, v, g, lr, mu: (w - lr * g, v), "velocity did not change"),
    ("momentum_step", lambda w, v, g, lr, mu: (w - lr * (mu * v + g), mu * v + g),
     "this is the form v <- momentum v + g"),
    ("momentum_step", lambda w, v, g, lr, mu: (w - g + mu * v, mu * v - g), "the step does not scale with lr"),
    ("adam_step", _adam_without_bias_correction, "the bias correction is missing"),
    ("adam_step", lambda w, m, v, g, t, lr: (s.adam_step(w, m, v, g, t, lr)[0], m, v), "m did not change"),
    ("adam_step", lambda w, m, v, g, t, lr: (w - lr * g, m, v), "m did not change on the first step"),
    ("adam_step", lambda w, m, v, g, t, lr: s.adam_step(w, m, v, g, t, 0.001), "wrong at"),
    ("adam_step", _adam_eps_inside, "eps belongs outside the square root (on step t = 1000, gradients near 1e-4)"),
    # the four answers the checker used to accept, and their like
    ("perceptron_update", _perceptron(lr_w=False, lr_b=False), "the step does not scale with lr"),
    ("perceptron_update", _perceptron(lr_b=False), "lr scales the change of w but not of b"),
    ("perceptron_update", _perceptron(lr_w=False), "lr scales the change of b but not of w"),
    ("perceptron_update", _perceptron(fire=lambda u: u >= 0), "at w·x + b = 0 the perceptron must output 0"),
    ("perceptron_update", _perceptron(update_b=False), "b did not change on a missed positive, lr = 1"),
    ("perceptron_update", lambda w, b, x, t, lr: (w + lr * t * x, b + lr * t), "must use the error t - y"),
    ("perceptron_update", lambda w, b, x, t, lr: s.perceptron_update(w, b, -x, 1 - t, lr), "wrong at"),
    ("l2_penalty", lambda W, lam: (0.05 * float(np.sum(W ** 2)), 0.1 * W), "it uses λ = 0.1 whatever lam is given"),
    ("l2_penalty", lambda W, lam: (0.005 * float(np.sum(W ** 2)), 0.01 * W), "it uses λ = 0.01 whatever lam"),
    ("l2_penalty", lambda W, lam: (lam * float(np.sum(W ** 2)), 2 * lam * W),
     "the penalty is λ/2 ||W||², not λ ||W||²"),
    ("l2_penalty", lambda W, lam: (lam * float(np.sum(W ** 2)), lam * W), "the penalty is λ/2 ||W||²"),
    ("l2_penalty", lambda W, lam: lam * W, "expected a tuple (penalty, gradient)"),
    ("l2_penalty", lambda W, lam: (0.5 * lam * float(np.sum(W ** 2)), W), "off by a factor of 10 at lam = 0.1"),
]


@pytest.mark.parametrize("name, wrong, message", WRONG, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WRONG)])
def test_typical_wrong_answers_are_caught_and_named(name, wrong, message):
    result = check(name, wrong, verbose=False)
    assert not result and result.message.startswith(f"✗ {name}:")
    assert message in result.message, result.message
    assert result.message.count(f"{name}:") == 1, result.message   # the exercise is named once


def test_every_check_catches_at_least_three_typical_wrong_answers():
    counts = {name: sum(1 for n, _, _ in WRONG if n == name) for name in names()}
    assert min(counts.values()) >= 3, counts


def test_a_softmax_with_one_max_for_the_batch_is_caught_on_rows_far_apart():
    # it is right wherever the rows' scores are close: only a row far below the batch's largest score shows it
    scores = np.array([[1000.0, 1000.0, 999.0], [0.0, 1.0, 2.0]])
    with np.errstate(invalid="ignore"):
        assert np.isnan(_softmax_batch_max(scores)[1]).all()
    np.testing.assert_allclose(_softmax_batch_max(np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])),
                               s.softmax(np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])))
    japanese = check("softmax", _softmax_batch_max, language="ja", verbose=False).message
    assert "バッチ全体で1つの最大値を引いている" in japanese and "各行自身の最大値を引いてください（axis=1, keepdims=True）" \
        in japanese, japanese


def test_the_missing_keepdims_is_named_where_it_is_missing():
    # the max without keepdims, the sum right: the message is about the max, not the sum (and the other way round)
    on_max = check("softmax", _softmax_max_without_keepdims, verbose=False).message
    assert "row maxima lack keepdims" in on_max and "row sums" not in on_max, on_max
    on_sum = check("softmax", _softmax_no_keepdims, verbose=False).message
    assert "row sums lack keepdims" in on_sum and "row maxima" not in on_sum, on_sum
    japanese = check("softmax", _softmax_max_without_keepdims, language="ja", verbose=False).message
    assert "行ごとの最大値に keepdims=True がありません" in japanese, japanese
    # code that fails on every shape gets what both keepdims do, not a guess
    def broken(a):
        return np.exp(a) / np.ones((7, 7))
    assert "each row's max and sum must be a column (N, 1)" in check("softmax", broken, verbose=False).message


def test_adam_with_eps_inside_the_square_root_differs_only_with_small_gradients():
    from neuronet.exercises import EXERCISES

    cases = EXERCISES["adam_step"].cases(np.random.default_rng(0))
    small = [case for case in cases if "gradients near 1e-4" in case.label]
    assert len(small) == 1 and np.abs(small[0].arguments[3]).max() <= 2e-4
    for case in cases:   # with gradients of size 1 the placement of eps does not show; with small ones it does
        got = _adam_eps_inside(*case.arguments)[0]
        differs = not np.allclose(got, case.expected[0], rtol=1e-6, atol=1e-7)
        assert differs == (case is small[0]), case.label
    # the learner's measurement: a first step with gradients of 1e-5 comes out 10 times smaller
    w, g = np.zeros(2), np.full(2, 1e-5)
    right, inside = s.adam_step(w, w, w, g, 1, 1e-3)[0], _adam_eps_inside(w, w, w, g, 1, 1e-3)[0]
    assert right[0] == pytest.approx(-9.99e-4, rel=1e-3) and inside[0] == pytest.approx(-9.95e-5, rel=1e-3)
    japanese = check("adam_step", _adam_eps_inside, language="ja", verbose=False).message
    assert "eps は平方根の外に置きます" in japanese, japanese


def test_updates_in_place_pass_and_the_tasks_say_so():
    from exercise_styles import dlfs_adam_in_place, dlfs_momentum, dlfs_sgd, perceptron_in_place

    for name, function in (("sgd_step", dlfs_sgd), ("momentum_step", dlfs_momentum),
                           ("adam_step", dlfs_adam_in_place), ("perceptron_update", perceptron_in_place)):
        assert check(name, function, verbose=False), name
        assert "in place" in describe(name) and "その場で書き換え" in describe(name, "ja"), name
    w = np.array([1.0, -2.0])
    assert dlfs_sgd(w, np.array([0.5, -0.5]), 0.1) is w and w.tolist() == [0.95, -1.95]   # it did change w


def test_a_chapters_notebook_has_a_stub_for_every_checked_exercise_its_exercises_ask_to_write():
    """Chapter 4 asks for dense_forward and dense_backward, chapter 6 for softmax and cross_entropy:
    the stubs are in those chapters' notebooks, in English and Japanese."""
    from neuronet import tour

    word = {False: "Write", True: "書"}
    asked_in = {}
    for japanese in (False, True):
        for chapter in tour.CHAPTERS:
            text = tour.read_chapter(chapter.slug, japanese).split(tour._EXERCISE_HEADINGS[japanese], 1)[1]
            items = re.split(r"^\d+\. ", text, flags=re.M)[1:]
            code = " ".join(span for item in items if word[japanese] in item for span in re.findall(r"`([^`]*)`", item))
            asked = {name for name in names() if re.search(rf"\b{name}\b", code)}
            cells = tour.notebook(chapter.slug, japanese)["cells"]
            stubs = {name for name in names() for cell in cells if "".join(cell["source"]).startswith(f"def {name}(")}
            assert asked <= stubs, f"{chapter.slug}{' (ja)' if japanese else ''}: no stub for {asked - stubs}"
            for name in asked:
                asked_in.setdefault(name, set()).add(chapter.slug)
    assert {"dense_forward", "dense_backward"} <= {n for n, slugs in asked_in.items() if "04-matrices" in slugs}
    assert {"softmax", "cross_entropy"} <= {n for n, slugs in asked_in.items() if "06-cross-entropy" in slugs}
    # the stub sits in the first chapter that asks for it, not in the one before (softmax used to be in 05)
    stubs_05 = "".join("".join(cell["source"]) for cell in tour.notebook("05-feed-forward")["cells"])
    assert "def softmax(" not in stubs_05
    assert "def dense_backward(" not in "".join("".join(cell["source"]) for cell in tour.notebook(8)["cells"])


def test_one_sidedness_is_found_by_where_f_is_evaluated_not_by_the_size_of_the_error():
    # a forward difference with a step so small its error is below any threshold is still one-sided,
    # and a central difference with a large step (error 1e-7) is still central
    from exercise_styles import central_with_step

    assert "one-sided" in check("numerical_gradient", _one_sided(h=1e-7), verbose=False).message
    assert check("numerical_gradient", central_with_step(1e-3), verbose=False)
    assert check("numerical_gradient", central_with_step(5e-3), verbose=False)


# --- whatever the learner's function does: one plain sentence ---------------------------------------
class _Unconvertible:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array here")


class _Exits:
    def __array__(self, dtype=None, copy=None):
        raise SystemExit(3)


def _hangs(x):
    while True:
        pass


def _hangs_and_catches(x):
    while True:
        try:
            while True:
                pass
        except Exception:
            pass


def _prints_endlessly(x):
    while True:
        print("still thinking")


def _recurses(x):
    return _recurses(x)


def _stub(x):
    """Your code here."""
    raise NotImplementedError


def _mutates(x):
    x -= 1
    return s.sigmoid(x + 1)


HOSTILE = [
    (_stub, "not done yet: replace `raise NotImplementedError` with your code"),
    (lambda x: 1 / 0, "raised ZeroDivisionError: division by zero (on 24 values of x"),
    (lambda x: sys.exit("bye"), "called exit() (SystemExit 'bye'); return the answer instead"),
    (lambda x: exit(), "called exit()"),
    (_hangs, "no answer after 0.3 s (on 24 values of x"),
    (_hangs_and_catches, "no answer after 0.3 s"),
    (_prints_endlessly, "printed more than 100000 characters"),
    (_recurses, "calls itself without end"),
    (lambda x: "0.5", "returned text ('0.5'); return numbers, not strings"),
    (lambda x: [str(v) for v in s.sigmoid(x)], "returned text"),
    (lambda x: None, "returned None: did you forget `return`?"),
    (lambda x: [[1.0, 2.0], [3.0]], "returned a list whose rows have different lengths"),
    (lambda x: s.sigmoid(x) + 0.5j, "returned complex numbers; the answer is real"),
    (lambda x: s.sigmoid(x) + 0j, "returned complex numbers"),
    (lambda x: _Unconvertible(), "returned a _Unconvertible, which cannot be turned into an array "
                                 "(RuntimeError: no array here)"),
    (lambda x: _Exits(), "called exit() (SystemExit 3)"),
    (lambda x: {"y": 1}, "which is not an array of numbers"),
    (_mutates, "it changed its input x; leave it as it was"),
    (lambda x: np.ones(3), "wrong shape: expected (24,), got (3,)"),
    (lambda x: np.full_like(x, np.nan), "not stable for x = -1000"),
    (lambda x: (_ for _ in ()).throw(ValueError("x" * 5000)), "raised ValueError: xxx"),
]


@pytest.mark.parametrize("function, message", HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_whatever_the_function_does_the_answer_is_one_plain_sentence(function, message, capsys):
    result = check("sigmoid", function, verbose=False, time_limit=0.3)
    assert not result and message in result.message, result.message
    assert "\n" not in result.message and "Traceback" not in result.message
    assert len(result.message) <= MESSAGE_LENGTH
    assert len(capsys.readouterr().out) <= 2_100    # the printing shown is cut too


def test_hostile_answers_in_japanese_say_it_in_japanese():
    expected = {_stub: "まだ書かれていません", (lambda x: None): "None が返りました", _hangs: "0.3 秒たっても",
                (lambda x: sys.exit(1)): "exit() が呼ばれました", (lambda x: "1"): "文字列が返りました",
                (lambda x: s.sigmoid(x) + 0.5j): "複素数が返りました", _mutates: "入力 x を書き換えています"}
    for function, message in expected.items():
        result = check("sigmoid", function, language="ja", verbose=False, time_limit=0.3)
        assert message in result.message, result.message


def test_a_stub_prints_the_not_done_message_and_the_checker_keeps_running(capsys):
    def softmax(a):
        raise NotImplementedError("write softmax")

    result = check("softmax", softmax)
    assert capsys.readouterr().out.strip() == result.message == (
        "✗ softmax: not done yet: replace `raise NotImplementedError` with your code")
    assert check("softmax", s.softmax, verbose=False)   # the alarm and stdout are put back


def test_a_notebook_shows_the_message_once(capsys):
    printed = check("sigmoid", s.sigmoid)
    printed._ipython_display_()            # what a notebook does with the cell's last value
    assert capsys.readouterr().out.count("✓ sigmoid: correct") == 1
    quiet = check("sigmoid", s.sigmoid, verbose=False)
    quiet._ipython_display_()
    assert capsys.readouterr().out.count("✓ sigmoid: correct") == 1
    assert quiet == printed                # printing is not part of what was found


def test_the_learners_printing_is_shown_and_the_timer_is_put_back(capsys):
    import signal

    def sigmoid(x):
        print("hello from sigmoid")
        return s.sigmoid(x)

    assert check("sigmoid", sigmoid, verbose=False)
    assert "hello from sigmoid" in capsys.readouterr().out
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None) or callable(
        signal.getsignal(signal.SIGALRM))
    assert sys.stdout is not None and sys.stdout.__class__.__name__ != "_CappedWriter"


def test_off_the_main_thread_a_hang_is_stopped_by_waiting():
    import threading

    box = {}
    thread = threading.Thread(target=lambda: box.update(result=check("sigmoid", _hangs, verbose=False,
                                                                      time_limit=0.3)))
    thread.start()
    thread.join(10)
    assert "no answer after 0.3 s" in box["result"].message


# --- Japanese throughout ---------------------------------------------------------------------------
ENGLISH = re.compile(r"\b(in|the|with|of|expected|got|keys|shape|wrong|at|on|and|returned|tuple|array|"
                     r"dict|off|factor|sign|not|step|use|must|an|is)\b")
CODE = re.compile(r"`[^`]*`|[A-Za-z_]+\.[A-Za-z_]+\([^)]*\)|\([^()]*\)")


def _english_words(message: str) -> list[str]:
    return ENGLISH.findall(CODE.sub("", message))


@pytest.mark.parametrize("name, wrong, _", WRONG, ids=[f"ja-{n}-{i}" for i, (n, _, _) in enumerate(WRONG)])
def test_japanese_messages_are_japanese_throughout(name, wrong, _):
    result = check(name, wrong, language="ja", verbose=False)
    assert not result and result.message.startswith(f"✗ {name}: ")
    assert not _english_words(result.message), result.message
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", result.message)


def test_every_message_has_both_languages_and_the_same_fields():
    assert set(MESSAGES["en"]) == set(MESSAGES["ja"])
    field = re.compile(r"\{(\w+)")
    for key in MESSAGES["en"]:
        assert set(field.findall(MESSAGES["en"][key])) - {"plural"} == set(field.findall(MESSAGES["ja"][key])), key


def test_messages_in_japanese(capsys):
    result = check("sigmoid_derivative", lambda x: 2 * s.sigmoid(x) * (1 - s.sigmoid(x)), language="ja")
    assert result.message == "✗ sigmoid_derivative: x = 0 で 2 倍ずれています"
    assert capsys.readouterr().out.strip() == result.message
    assert check("sigmoid", s.sigmoid, language="ja", verbose=False).message.startswith("✓ sigmoid: 正解です")
    assert "片側差分" in check("numerical_gradient", _one_sided(), language="ja", verbose=False).message
    shape = check("dense_backward", lambda x, W, g: (g @ W.T, g.T @ x, g.sum(axis=0)), language="ja", verbose=False)
    assert "dL/dW は W と同じ形" in shape.message and " in " not in shape.message
    wrong_type = check("two_layer_gradients", lambda *args: [1, 2], language="ja", verbose=False)
    assert wrong_type.message == ("✗ two_layer_gradients: 要素 2 個のリスト が返りました。"
                                  "期待したのは キー W1, b1, W2, b2 を持つ辞書 です")


def test_the_checker_refuses_what_is_not_an_exercise():
    with pytest.raises(ValueError, match="unknown name 'sigmod'"):
        check("sigmod", s.sigmoid)
    with pytest.raises(ValueError, match="expected your function"):
        check("sigmoid", 3)
    with pytest.raises(ValueError, match="language"):
        check("sigmoid", s.sigmoid, language="fr")
    with pytest.raises(ValueError, match="time_limit"):
        check("sigmoid", s.sigmoid, time_limit=0)
