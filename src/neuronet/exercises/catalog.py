"""The exercises: what each asks for, the inputs it is checked on, and how its answer is judged.

Inputs mix random values with the edge cases learners' code tends to miss: x = 0, |x| = 1000
(a softmax that forgets to subtract the maximum overflows there), a batch of one, matrices
that are not square (so a transposed weight matrix shows as a wrong shape). Backward passes
are judged against the numerical gradient (gradient checking), not only against the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import solutions as ref

__all__ = ["Case", "Exercise", "EXERCISES"]

EDGES = np.array([-1000.0, -10.0, -1.0, 0.0, 0.5, 1.0, 10.0, 1000.0])


@dataclass
class Case:
    arguments: tuple
    expected: Any
    label: str = ""
    label_ja: str = ""
    x: Any = None  # for elementwise functions: the x values, to name the failing point


@dataclass
class Exercise:
    name: str
    chapter: str
    signature: str
    task: str
    task_ja: str
    arguments: tuple[str, ...]
    cases: Callable[[np.random.Generator], list[Case]]
    verify: Callable[..., None] = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.verify is None:
            self.verify = _same_array


def _same_array(got, case, compare, failed):
    compare(got, case.expected, x=case.x)


def _tuple_of(parts: tuple[str, ...]):
    def verify(got, case, compare, failed):
        if not isinstance(got, (tuple, list)) or len(got) != len(parts):
            raise failed("type", got=type(got).__name__ + (f" of {len(got)}" if isinstance(got, (tuple, list)) else ""),
                         expected=f"a tuple ({', '.join(parts)})")
        for part, value, expected in zip(parts, got, case.expected):
            compare(value, expected, what=f" in {part}")
    return verify


def _elementwise(function):
    def cases(rng):
        x = np.concatenate([EDGES, rng.normal(0, 3, 16)])
        with np.errstate(over="ignore"):
            return [Case((x,), function(x), x=x)]
    return cases


def _matrices(rng, *shapes):
    return [rng.normal(size=shape) for shape in shapes]


def _one_hot(rng, n, k):
    return np.eye(k)[rng.integers(0, k, n)]


# --- the backward passes, judged by gradient checking -----------------------------------------
def _relative(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-12))


def _verify_dense_backward(got, case, compare, failed):
    x, W, grad_output = case.arguments
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise failed("type", got=type(got).__name__, expected="a tuple (dL/dx, dL/dW, dL/db)")
    dx, dW, db = (np.asarray(part, dtype=float) for part in got)
    b = np.zeros(W.shape[1])
    for part, value, wrt in (("dL/dW", dW, W), ("dL/db", db, b), ("dL/dx", dx, x)):
        if value.shape != wrt.shape:
            raise failed("shape", what=f" in {part}", expected=wrt.shape, got=value.shape)
        work = [x.copy(), W.copy(), b.copy()]
        target = work[{"dL/dx": 0, "dL/dW": 1, "dL/db": 2}[part]]
        numerical = ref.numerical_gradient(lambda _: float(np.sum(ref.dense_forward(*work) * grad_output)), target)
        if _relative(value, numerical) > 1e-6:
            compare(value, numerical, what=f" in {part}")


def _two_layer_loss(X, T, params):
    z = ref.sigmoid(X @ params["W1"] + params["b1"])
    return ref.cross_entropy(ref.softmax(z @ params["W2"] + params["b2"]), T)


def _verify_two_layer(got, case, compare, failed):
    X, T, W1, b1, W2, b2 = case.arguments
    params = {"W1": W1.copy(), "b1": b1.copy(), "W2": W2.copy(), "b2": b2.copy()}
    if not isinstance(got, dict) or set(got) != set(params):
        raise failed("type", got=type(got).__name__ + (f" with keys {sorted(got)}" if isinstance(got, dict) else ""),
                     expected="a dict with keys W1, b1, W2, b2")
    for key in ("W2", "b2", "W1", "b1"):
        value = np.asarray(got[key], dtype=float)
        if value.shape != params[key].shape:
            raise failed("shape", what=f" in {key}", expected=params[key].shape, got=value.shape)
        numerical = ref.numerical_gradient(lambda _: _two_layer_loss(X, T, params), params[key])
        compare(value, numerical, what=f" in {key}", rtol=1e-5, atol=1e-8)


def _verify_numerical_gradient(got, case, compare, failed):
    f, x = case.arguments
    try:
        compare(got, case.expected, rtol=1e-7, atol=1e-9)
    except failed as failure:
        error = _relative(got, case.expected)
        if failure.key in ("wrong", "factor") and error < 1e-3:  # close, not close enough: a one-sided difference
            raise failed("inaccurate", error=error) from None
        raise


def _numerical_cases(rng):
    cube = lambda v: float(np.sum(v ** 3) + np.prod(v))  # noqa: E731
    cases = []
    for shape in ((3,), (2, 2)):
        x = rng.normal(size=shape)
        flat = x.ravel()
        analytic = 3 * flat ** 2 + np.array([np.prod(np.delete(flat, i)) for i in range(flat.size)])
        cases.append(Case((cube, x), analytic.reshape(shape), label=f"x of shape {shape}",
                          label_ja=f"形 {shape} の x"))
    return cases


EXERCISES: dict[str, Exercise] = {}


def _add(exercise: Exercise) -> None:
    EXERCISES[exercise.name] = exercise


_add(Exercise("sigmoid", "02-activations", "sigmoid(x) -> array like x",
              "The sigmoid 1 / (1 + exp(-x)), elementwise; no overflow warning or NaN for x = ±1000.",
              "シグモイド 1 / (1 + exp(-x)) を要素ごとに。x = ±1000 でもオーバーフローや NaN を出さないこと。",
              ("x",), _elementwise(ref.sigmoid)))
_add(Exercise("sigmoid_derivative", "02-activations", "sigmoid_derivative(x) -> array like x",
              "The sigmoid's derivative, written with the sigmoid itself: f'(x) = f(x)(1 - f(x)).",
              "シグモイドの微分を、シグモイド自身で書く：f'(x) = f(x)(1 - f(x))。",
              ("x",), _elementwise(ref.sigmoid_derivative)))
_add(Exercise("tanh_derivative", "02-activations", "tanh_derivative(x) -> array like x",
              "The derivative of tanh: 1 - tanh(x)^2.", "tanh の微分：1 - tanh(x)^2。",
              ("x",), _elementwise(ref.tanh_derivative)))
_add(Exercise("relu_derivative", "10-relu-family", "relu_derivative(x) -> array like x",
              "The derivative of max(0, x): 1 where x > 0, else 0 (take 0 at x = 0).",
              "max(0, x) の微分：x > 0 なら 1、それ以外は 0（x = 0 では 0 とする）。",
              ("x",), _elementwise(ref.relu_derivative)))


def _softmax_cases(rng):
    a = rng.normal(size=(4, 3))
    big = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    return [Case((a,), ref.softmax(a), "random scores (4, 3)", "ランダムなスコア (4, 3)"),
            Case((rng.normal(size=(1, 5)),), None, "a batch of one (1, 5)", "1件のバッチ (1, 5)"),
            Case((big,), ref.softmax(big), "scores near ±1000", "±1000 付近のスコア")]


def _softmax_verify(got, case, compare, failed):
    compare(got, case.expected if case.expected is not None else ref.softmax(case.arguments[0]))


_add(Exercise("softmax", "05-feed-forward", "softmax(a) -> (N, K) array",
              "Softmax of each row of a (N, K): exp(a_k) / sum_j exp(a_j) (eq. 7), stable for scores near 1000.",
              "a (N, K) の各行のソフトマックス：exp(a_k) / Σ_j exp(a_j)（式(7)）。1000 付近のスコアでも安定に。",
              ("a",), _softmax_cases, _softmax_verify))
_add(Exercise("cross_entropy", "06-cross-entropy", "cross_entropy(y, t) -> float",
              "The mean cross-entropy -1/N sum_n sum_k t_nk log y_nk (eq. 8) of probabilities y and one-hot t, (N, K).",
              "確率 y と one-hot の t（どちらも (N, K)）の平均交差エントロピー -1/N Σ_n Σ_k t_nk log y_nk（式(8)）。",
              ("y", "t"),
              lambda rng: [Case((p, t), ref.cross_entropy(p, t), "a batch of 5", "5件のバッチ")
                           for p, t in [(ref.softmax(rng.normal(size=(5, 3))), _one_hot(rng, 5, 3))]]))
_add(Exercise("softmax_cross_entropy_gradient", "08-backpropagation",
              "softmax_cross_entropy_gradient(a, t) -> (N, K) array",
              "dE/da of the mean softmax cross-entropy for scores a and one-hot t: (softmax(a) - t) / N (eq. 23).",
              "スコア a と one-hot の t に対する平均ソフトマックス交差エントロピーの dE/da：(softmax(a) - t) / N（式(23)）。",
              ("a", "t"),
              lambda rng: [Case((a, t), ref.softmax_cross_entropy_gradient(a, t), "a batch of 6", "6件のバッチ")
                           for a, t in [(rng.normal(size=(6, 4)), _one_hot(rng, 6, 4))]]))
_add(Exercise("numerical_gradient", "07-numerical-differentiation", "numerical_gradient(f, x) -> array like x",
              "df/dx by central differences, one element of x at a time, x restored afterwards (eq. 9-11, done well).",
              "中心差分で df/dx を、x の要素1つずつ求める。終わったら x を元に戻すこと（式(9)〜(11)を正確に）。",
              ("f", "x"), _numerical_cases, _verify_numerical_gradient))
_add(Exercise("dense_forward", "04-matrices", "dense_forward(x, W, b) -> (N, out) array",
              "The matrix form of many neurons: y = x W + b, x (N, in), W (in, out), b (out,).",
              "たくさんのニューロンを行列で：y = x W + b。x は (N, in)、W は (in, out)、b は (out,)。",
              ("x", "W", "b"),
              lambda rng: [Case(tuple(args), ref.dense_forward(*args), "x (4, 3), W (3, 2)", "x (4, 3)、W (3, 2)")
                           for args in [_matrices(rng, (4, 3), (3, 2), (2,))]]))
_add(Exercise("dense_backward", "08-backpropagation", "dense_backward(x, W, grad_output) -> (dx, dW, db)",
              "Given dL/dy for y = x W + b: dL/dx = grad W^T, dL/dW = x^T grad, dL/db = the sum over the batch.",
              "y = x W + b の dL/dy から：dL/dx = grad W^T、dL/dW = x^T grad、dL/db = バッチ方向の和。",
              ("x", "W", "grad_output"),
              lambda rng: [Case(tuple(args), None, "x (4, 3), W (3, 2)", "x (4, 3)、W (3, 2)")
                           for args in [_matrices(rng, (4, 3), (3, 2), (4, 2))]], _verify_dense_backward))


def _two_layer_cases(rng):
    X, W1, b1, W2, b2 = _matrices(rng, (5, 3), (3, 4), (4,), (4, 3), (3,))
    return [Case((X, _one_hot(rng, 5, 3), W1, b1, W2, b2), None, "a 3-4-3 network, 5 samples",
                 "3-4-3 のネットワーク、5件")]


_add(Exercise("two_layer_gradients", "08-backpropagation",
              "two_layer_gradients(X, T, W1, b1, W2, b2) -> {'W1', 'b1', 'W2', 'b2'}",
              "Backpropagation by hand for y = softmax(sigmoid(X W1 + b1) W2 + b2) and the mean cross-entropy with "
              "one-hot T: the four gradients (eq. 12-28).",
              "y = softmax(sigmoid(X W1 + b1) W2 + b2) と one-hot の T の平均交差エントロピーについて、誤差逆伝播法を"
              "自分で書き、4つの勾配を求める（式(12)〜(28)）。",
              ("X", "T", "W1", "b1", "W2", "b2"), _two_layer_cases, _verify_two_layer))
_add(Exercise("sgd_step", "09-three-classes", "sgd_step(w, grad, lr) -> new w",
              "One step of gradient descent: w - lr * grad (eq. 27).", "勾配降下法の1ステップ：w - lr * grad（式(27)）。",
              ("w", "grad", "lr"),
              lambda rng: [Case((w, g, 0.1), ref.sgd_step(w, g, 0.1), "lr = 0.1", "lr = 0.1")
                           for w, g in [_matrices(rng, (3, 2), (3, 2))]]))
_add(Exercise("momentum_step", "09-three-classes", "momentum_step(w, velocity, grad, lr, momentum) -> (w, velocity)",
              "Momentum: v <- momentum v - lr g; w <- w + v.", "モメンタム：v <- momentum v - lr g、w <- w + v。",
              ("w", "velocity", "grad", "lr", "momentum"),
              lambda rng: [Case((w, v, g, 0.1, 0.9), ref.momentum_step(w, v, g, 0.1, 0.9), "lr = 0.1, momentum 0.9",
                                "lr = 0.1、momentum 0.9") for w, v, g in [_matrices(rng, (4,), (4,), (4,))]],
              _tuple_of(("w", "velocity"))))


def _adam_cases(rng):
    w, m, v, g = rng.normal(size=4), rng.normal(size=4) * 0.1, np.abs(rng.normal(size=4)) * 0.1, rng.normal(size=4)
    zeros = np.zeros(4)
    return [Case((w, zeros, zeros, g, 1, 0.01), ref.adam_step(w, zeros, zeros, g, 1, 0.01), "the first step (t = 1)",
                 "最初のステップ（t = 1）"),
            Case((w, m, v, g, 10, 0.01), ref.adam_step(w, m, v, g, 10, 0.01), "step t = 10", "ステップ t = 10")]


_add(Exercise("adam_step", "09-three-classes", "adam_step(w, m, v, grad, t, lr) -> (w, m, v)",
              "Adam's step t (from 1): m and v running averages (beta1 0.9, beta2 0.999), bias-corrected, eps 1e-8.",
              "Adam のステップ t（1 から）：m と v の移動平均（beta1 0.9、beta2 0.999）、バイアス補正つき、eps 1e-8。",
              ("w", "m", "v", "grad", "t", "lr"), _adam_cases, _tuple_of(("w", "m", "v"))))


def _perceptron_cases(rng):
    w, b = np.array([0.5, -0.5]), 0.0
    cases = []
    for x, t, label, label_ja in (([1.0, 0.0], 1.0, "a right answer (no change)", "正解（変化なし）"),
                                  ([0.0, 1.0], 1.0, "a missed positive", "見逃した正例"),
                                  ([1.0, 0.0], 0.0, "a false positive", "誤った正例")):
        x = np.array(x)
        cases.append(Case((w, b, x, t, 1.0), ref.perceptron_update(w, b, x, t, 1.0), label, label_ja))
    return cases


_add(Exercise("perceptron_update", "03-perceptron", "perceptron_update(w, b, x, t, lr) -> (w, b)",
              "The perceptron rule for one sample: y = 1 if w.x + b > 0 else 0; w += lr (t - y) x; b += lr (t - y).",
              "1サンプルのパーセプトロンの学習規則：w.x + b > 0 なら y = 1、それ以外は 0。w += lr (t - y) x、b += lr (t - y)。",
              ("w", "b", "x", "t", "lr"), _perceptron_cases, _tuple_of(("w", "b"))))
_add(Exercise("l2_penalty", "11-one-neuron-classifiers", "l2_penalty(W, lam) -> (penalty, gradient)",
              "The L2 term lam/2 ||W||^2 and its gradient lam W (the notes' gradual forgetting).",
              "L2 の項 lam/2 ||W||^2 とその勾配 lam W（ノートの言う緩やかな忘却）。",
              ("W", "lam"),
              lambda rng: [Case((W, 0.1), ref.l2_penalty(W, 0.1), "lam = 0.1", "lam = 0.1")
                           for W in _matrices(rng, (3, 2))], _tuple_of(("penalty", "gradient"))))
