"""Right answers to the exercises as learners write them, copied in the style of "Deep Learning
from Scratch" (DLFS, ch. 3-6, its common/functions.py, gradient.py, layers.py, optimizer.py) and
of CS231n's assignment 1 (gradient_check.py, layers.py, optim.py, softmax.py). Every one of them
must pass ``check``."""

import numpy as np


# --- DLFS ch. 3: activations ------------------------------------------------------------------
def dlfs_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def dlfs_sigmoid_grad(x):
    return (1.0 - dlfs_sigmoid(x)) * dlfs_sigmoid(x)


def tanh_derivative_cosh(x):
    return 1 / np.cosh(x) ** 2


def dlfs_relu_grad(x):                 # DLFS ch. 4, common/functions.py: 1 at x = 0
    grad = np.zeros_like(x)
    grad[x >= 0] = 1
    return grad


def dlfs_relu_mask(x):                 # DLFS ch. 5, the Relu layer's mask: 0 at x = 0
    mask = (x <= 0)
    dout = np.ones_like(x)
    dout[mask] = 0
    return dout


def dlfs_softmax(x):                   # DLFS common/functions.py
    if x.ndim == 2:
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T
    x = x - np.max(x)
    return np.exp(x) / np.sum(np.exp(x))


def cs231n_softmax(scores):            # CS231n softmax_loss_vectorized's probabilities
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= np.sum(probs, axis=1, keepdims=True)
    return probs


def dlfs_cross_entropy_error(y, t):    # DLFS ch. 4, with its delta 1e-7 and one-hot to labels
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


def cs231n_cross_entropy(probs, t):
    n = probs.shape[0]
    return -np.sum(np.log(probs[np.arange(n), np.argmax(t, axis=1)])) / n


def dlfs_softmax_with_loss_backward(a, t):   # SoftmaxWithLoss.backward with dout = 1
    batch_size = t.shape[0]
    return (dlfs_softmax(a) - t) / batch_size


def cs231n_dscores(scores, t):
    n = scores.shape[0]
    dscores = cs231n_softmax(scores)
    dscores[np.arange(n), np.argmax(t, axis=1)] -= 1
    return dscores / n


# --- the numerical gradient -------------------------------------------------------------------
def dlfs_numerical_gradient(f, x):     # DLFS ch. 4, gradient.py, verbatim but for the comments
    h = 1e-4  # 0.0001
    grad = np.zeros_like(x)

    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)  # f(x+h)

        x[idx] = tmp_val - h
        fxh2 = f(x)  # f(x-h)
        grad[idx] = (fxh1 - fxh2) / (2 * h)

        x[idx] = tmp_val
        it.iternext()

    return grad


def cs231n_eval_numerical_gradient(f, x, verbose=True, h=0.00001):   # gradient_check.py
    fx = f(x)  # evaluate function value at original point
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def central_with_step(h):
    """A central difference with step h, written with +=/-= (x[i] comes back only to rounding)."""
    def numerical_gradient(f, x):
        grad = np.zeros_like(x, dtype=float)
        for i in np.ndindex(x.shape):
            x[i] += h
            plus = f(x)
            x[i] -= 2 * h
            minus = f(x)
            x[i] += h
            grad[i] = (plus - minus) / (2 * h)
        return grad
    return numerical_gradient


def central_on_copies(f, x, h=1e-5):
    flat = x.ravel()
    grad = np.empty(flat.size)
    for i in range(flat.size):
        step = np.zeros(flat.size)
        step[i] = h
        grad[i] = (f((flat + step).reshape(x.shape)) - f((flat - step).reshape(x.shape))) / (2 * h)
    return grad.reshape(x.shape)


def five_point(f, x, h=1e-3):          # a higher-order formula: right too
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        def at(d):
            y = x.copy()
            y[i] += d
            return f(y)
        grad[i] = (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h)
    return grad


# --- the dense layer and the two-layer network ------------------------------------------------
def dlfs_affine_forward(x, W, b):
    return np.dot(x, W) + b


def cs231n_affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1).dot(w) + b


def dlfs_affine_backward(x, W, dout):
    dx = np.dot(dout, W.T)
    dW = np.dot(x.T, dout)
    db = np.sum(dout, axis=0)
    return dx, dW, db


def cs231n_affine_backward(x, w, dout):
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def dlfs_two_layer_gradient(x, t, W1, b1, W2, b2):   # DLFS ch. 4, TwoLayerNet.gradient
    grads = {}
    batch_num = x.shape[0]
    a1 = np.dot(x, W1) + b1
    z1 = dlfs_sigmoid(a1)
    a2 = np.dot(z1, W2) + b2
    y = dlfs_softmax(a2)
    dy = (y - t) / batch_num
    grads['W2'] = np.dot(z1.T, dy)
    grads['b2'] = np.sum(dy, axis=0)
    da1 = np.dot(dy, W2.T)
    dz1 = dlfs_sigmoid_grad(a1) * da1
    grads['W1'] = np.dot(x.T, dz1)
    grads['b1'] = np.sum(dz1, axis=0)
    return grads


# --- the update rules -------------------------------------------------------------------------
def dlfs_sgd(w, grad, lr):             # DLFS's SGD.update, in place
    w -= lr * grad
    return w


def cs231n_sgd(w, dw, lr):
    return w - lr * dw


def dlfs_momentum(w, v, grad, lr, momentum):    # Momentum.update, in place
    v *= momentum
    v -= lr * grad
    w += v
    return w, v


def cs231n_sgd_momentum(w, v, dw, learning_rate, momentum):
    v = momentum * v - learning_rate * dw
    next_w = w + v
    return next_w, v


def cs231n_adam(w, m, v, dw, t, learning_rate, beta1=0.9, beta2=0.999, epsilon=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * (dw ** 2)
    mb = m / (1 - beta1 ** t)
    vb = v / (1 - beta2 ** t)
    next_w = w - learning_rate * mb / (np.sqrt(vb) + epsilon)
    return next_w, m, v


def dlfs_adam(w, m, v, grad, t, lr, beta1=0.9, beta2=0.999):    # Adam.update: eps 1e-7, folded lr
    lr_t = lr * np.sqrt(1.0 - beta2 ** t) / (1.0 - beta1 ** t)
    m = m + (1 - beta1) * (grad - m)
    v = v + (1 - beta2) * (grad ** 2 - v)
    w = w - lr_t * m / (np.sqrt(v) + 1e-7)
    return w, m, v


def dlfs_adam_in_place(w, m, v, grad, t, lr, beta1=0.9, beta2=0.999):   # Adam.update as DLFS writes it
    lr_t = lr * np.sqrt(1.0 - beta2 ** t) / (1.0 - beta1 ** t)
    m += (1 - beta1) * (grad - m)
    v += (1 - beta2) * (grad ** 2 - v)
    w -= lr_t * m / (np.sqrt(v) + 1e-7)
    return w, m, v


def perceptron_textbook(w, b, x, t, lr):
    y = 1 if np.dot(w, x) + b > 0 else 0
    w = w + lr * (t - y) * x
    b = b + lr * (t - y)
    return w, b


def perceptron_in_place(w, b, x, t, lr):
    y = np.where(np.sum(w * x) + b > 0, 1, 0)
    error = t - y
    w += lr * error * x
    b += lr * error
    return w, b


def l2_penalty_textbook(W, lam):       # DLFS ch. 6's weight decay: 0.5 * lambda * sum(W ** 2)
    return 0.5 * lam * np.sum(W ** 2), lam * W


def l2_penalty_frobenius(W, lam):
    return lam / 2 * np.linalg.norm(W) ** 2, lam * W


RIGHT = {
    "sigmoid": [dlfs_sigmoid],
    "sigmoid_derivative": [dlfs_sigmoid_grad],
    "tanh_derivative": [tanh_derivative_cosh, lambda x: 1.0 - np.tanh(x) ** 2],
    "relu_derivative": [dlfs_relu_grad, dlfs_relu_mask, lambda x: (x > 0) * 1.0, lambda x: np.heaviside(x, 0.5)],
    "softmax": [dlfs_softmax, cs231n_softmax],
    "cross_entropy": [dlfs_cross_entropy_error, cs231n_cross_entropy],
    "softmax_cross_entropy_gradient": [dlfs_softmax_with_loss_backward, cs231n_dscores],
    "numerical_gradient": [dlfs_numerical_gradient, cs231n_eval_numerical_gradient, central_on_copies, five_point]
    + [central_with_step(h) for h in (1e-6, 1e-5, 1e-4, 1e-3)],
    "dense_forward": [dlfs_affine_forward, cs231n_affine_forward],
    "dense_backward": [dlfs_affine_backward, cs231n_affine_backward],
    "two_layer_gradients": [dlfs_two_layer_gradient],
    "sgd_step": [dlfs_sgd, cs231n_sgd],
    "momentum_step": [dlfs_momentum, cs231n_sgd_momentum],
    "adam_step": [cs231n_adam, dlfs_adam, dlfs_adam_in_place],
    "perceptron_update": [perceptron_textbook, perceptron_in_place],
    "l2_penalty": [l2_penalty_textbook, l2_penalty_frobenius],
}
