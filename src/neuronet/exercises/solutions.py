"""Reference solutions of the exercises, written the way a learner would write them: plain NumPy,
one formula each, the notes' notation in the comments. ``neuronet.exercises.check`` compares a
learner's function with these (and the tests compare these with the library)."""

from __future__ import annotations

import numpy as np

__all__ = ["sigmoid", "sigmoid_derivative", "tanh_derivative", "relu_derivative", "softmax", "cross_entropy",
           "softmax_cross_entropy_gradient", "numerical_gradient", "dense_forward", "dense_backward",
           "two_layer_gradients", "sgd_step", "momentum_step", "adam_step", "perceptron_update", "l2_penalty"]


def sigmoid(x):
    """y = 1 / (1 + exp(-x)) (the notes' eq. 4, chapter 1), without overflow for large |x|."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1 / (1 + np.exp(-x[positive]))
    exp_x = np.exp(x[~positive])           # for x < 0: e^x / (1 + e^x), the same number
    out[~positive] = exp_x / (1 + exp_x)
    return out


def sigmoid_derivative(x):
    """f'(x) = f(x) (1 - f(x)) (the notes, chapter 2)."""
    y = sigmoid(x)
    return y * (1 - y)


def tanh_derivative(x):
    """f'(x) = 1 - tanh(x)^2."""
    return 1 - np.tanh(x) ** 2


def relu_derivative(x):
    """1 where x > 0, else 0 (the value at exactly 0 is taken as 0)."""
    return (np.asarray(x) > 0).astype(float)


def softmax(a):
    """y_k = exp(a_k) / sum_j exp(a_j) along the last axis (the notes' eq. 7, chapter 5); the row maximum is
    subtracted first so exp never overflows."""
    a = np.asarray(a, dtype=float)
    shifted = a - a.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(y, t):
    """E = -1/N sum_n sum_k t_nk log y_nk (the notes' eq. 8, chapter 6), for probabilities y and one-hot t of
    shape (N, K); y is clipped away from 0 so log never sees 0."""
    y = np.clip(np.asarray(y, dtype=float), 1e-12, 1.0)
    return float(-(np.asarray(t) * np.log(y)).sum() / y.shape[0])


def softmax_cross_entropy_gradient(a, t):
    """dE/da = (softmax(a) - t) / N (the notes' eq. 20-23, chapter 6), shape (N, K)."""
    return (softmax(a) - t) / a.shape[0]


def numerical_gradient(f, x, eps=1e-5):
    """df/dx by central differences, one element at a time; x is restored afterwards."""
    grad = np.zeros_like(x, dtype=float)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = f(x)
        x[index] = original - eps
        minus = f(x)
        x[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def dense_forward(x, W, b):
    """y = x W + b: (N, in) @ (in, out) + (out,) -> (N, out)."""
    return x @ W + b


def dense_backward(x, W, grad_output):
    """Given dL/dy (N, out): (dL/dx, dL/dW, dL/db) = (grad W^T, x^T grad, sum over the batch)."""
    return grad_output @ W.T, x.T @ grad_output, grad_output.sum(axis=0)


def two_layer_gradients(X, T, W1, b1, W2, b2):
    """The gradients of the mean softmax cross-entropy of y = softmax(sigmoid(X W1 + b1) W2 + b2)
    with respect to W1, b1, W2, b2: a dict with those four keys (the notes' eq. 12-28, chapter 8)."""
    n = X.shape[0]
    z = sigmoid(X @ W1 + b1)                 # hidden outputs z_j = h(b_j)
    y = softmax(z @ W2 + b2)                 # outputs y_k
    delta_out = (y - T) / n                  # dE/da_k (eq. 23), averaged over the batch
    delta_hidden = (delta_out @ W2.T) * z * (1 - z)   # eq. 28: back through v, then h'
    return {"W1": X.T @ delta_hidden, "b1": delta_hidden.sum(axis=0),
            "W2": z.T @ delta_out, "b2": delta_out.sum(axis=0)}


def sgd_step(w, grad, lr):
    """w <- w - lr dE/dw (the notes' eq. 27, chapter 9); returns the new w."""
    return w - lr * grad


def momentum_step(w, velocity, grad, lr, momentum=0.9):
    """v <- mu v - lr g; w <- w + v; returns (w, v)."""
    velocity = momentum * velocity - lr * grad
    return w + velocity, velocity


def adam_step(w, m, v, grad, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam's step t (counting from 1), with bias correction; returns (w, m, v)."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def perceptron_update(w, b, x, t, lr=1.0):
    """The perceptron rule for one sample: y = step(w.x + b); w <- w + lr (t - y) x,
    b <- b + lr (t - y); returns (w, b)."""
    y = float(np.dot(w, x) + b > 0)
    return w + lr * (t - y) * x, b + lr * (t - y)


def l2_penalty(W, lam):
    """(penalty, gradient) of the L2 term lam/2 ||W||^2: (lam/2 sum W^2, lam W)."""
    return 0.5 * lam * float(np.sum(W ** 2)), lam * W
