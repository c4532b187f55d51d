"""The compiled kernels: every loop Numba compiles, in one module (imported only when a network
with ``kernels="numba"`` trains, so ``import neuronet`` never pays for Numba).

Each kernel is a method of the readable NumPy path written out per element, with the same
operations in the same order, so the two agree to rounding; its docstring names the method. An
activation, loss or optimizer names its formula here by its ``kernel`` (``neuronet.activations``,
``losses``, ``optim``): the names below map to the codes the kernels dispatch on, every branch
explicit, and a code that was never wired raises instead of computing another formula.

The kernels compute; Python decides. Every number the reference works out per step (Adam's
bias-corrected step size, the L2 coefficient, the normaliser of a weighted mean, what a
non-finite step does) arrives computed, by the reference's own code (``neuronet.kernels.steps``
packs them), in a few named structures.

Nothing here imports from neuronet: Numba's on-disk cache (``cache=True``) checks only this
file, so everything the kernels depend on is in it, or arrives as an argument (the BLAS
function and its enums, ``Blas``). A constant imported from another file would be frozen into
the cache and outlive an edit of that file.
"""

from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

# --- the names each object's ``kernel`` uses, and the codes the kernels dispatch on -------------
IDENTITY, RELU, LEAKY_RELU, SIGMOID, TANH, STEP = range(6)
ACTIVATIONS = {"identity": IDENTITY, "relu": RELU, "leaky_relu": LEAKY_RELU, "sigmoid": SIGMOID, "tanh": TANH,
               "step": STEP}

SOFTMAX_CROSS_ENTROPY, SQUARED_ERROR, BINARY_CROSS_ENTROPY, HINGE, POISSON = range(5)
LOSSES = {"softmax_cross_entropy": SOFTMAX_CROSS_ENTROPY, "squared_error": SQUARED_ERROR,
          "binary_cross_entropy": BINARY_CROSS_ENTROPY, "hinge": HINGE, "poisson": POISSON}

SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM = range(6)
OPTIMIZERS = {"sgd": SGD, "momentum": MOMENTUM, "nesterov": NESTEROV, "adagrad": ADAGRAD, "rmsprop": RMSPROP,
              "adam": ADAM}

# what a step whose loss or gradient is not finite does (``Trainer.on_nonfinite``)
STOP, SKIP, APPLY = range(3)
POLICIES = {"raise": STOP, "skip": SKIP, "ignore": APPLY}

# how a run of batches ended: all done, or stopped at a step whose loss / gradient was not finite
FINISHED, LOSS_NOT_FINITE, GRADIENT_NOT_FINITE = range(3)

# --- the structures the whole-step kernel takes --------------------------------------------------
Blas = namedtuple("Blas", "row_major no_trans trans")
Blas.__doc__ = """The CBLAS enums NumPy's cblas_?gemm takes (``neuronet.kernels.blas``). The gemm itself, a ctypes
function (or None: np.dot), travels as an argument of its own: inside a tuple, Numba's cache would
keep the address it had in the process that compiled it."""
Network = namedtuple("Network", "params grads n_weights layers activations alphas columns work")
Network.__doc__ = """The flat parameter and gradient buffers (the first ``n_weights`` decayed); per Dense
layer ``layers[l]`` = (weight offset, bias offset, in, out), its activation's code and Leaky ReLU
slope; the workspace ``work``, laid out per sample of a batch as ``columns`` says (the batch's rows,
each layer's output, two gradient blocks)."""
Batches = namedtuple("Batches", "order size first stop totals coefficients")
Batches.__doc__ = """Batches ``first`` .. ``stop - 1`` of ``order`` (batch b is ``order[b * size:
(b + 1) * size]``), each with the normaliser of its weighted mean (``totals``: its size, or the sum of
its weights; 0 means no data, and the batch is skipped) and its L2 coefficient, from ``first`` on."""
Data = namedtuple("Data", "X labels rows weights")
Data.__doc__ = """The inputs, and the targets as class indices (``labels``) or rows (``rows``, the
other one empty), and the sample weights (empty: unweighted)."""
LossForm = namedtuple("LossForm", "code margin clip eps")
LossForm.__doc__ = "A loss's code and parameters: the hinge's margin; clipped log-loss values and the eps."
Hyper = namedtuple("Hyper", "momentum rho one_minus_rho beta1 one_minus_beta1 beta2 one_minus_beta2 eps "
                   "weight_decay")
Hyper.__doc__ = "An optimizer's constants, in the buffer's dtype (0 where it has no such setting)."
Update = namedtuple("Update", "code hyper slot1 slot2 step_sizes policy apply iterations")
Update.__doc__ = """The optimizer (its code, constants and state slots: as long as the buffer, or
empty), the learning rate of each update this call may make (Adam's bias-corrected step size), what
a non-finite step does, whether to update at all, and the iteration count so far."""
Outputs = namedtuple("Outputs", "losses penalties correct updated count")
Outputs.__doc__ = "Per batch: the data loss, the L2 penalty, the correct count (if ``count``), 1 if updated."

# error_model="numpy": a division by zero gives inf/nan as in NumPy (the trainer checks for them)
# instead of Python's exception check on every division, which stops vectorization.
jit = numba.njit(cache=True, fastmath=False, nogil=True, error_model="numpy")
# the small pieces a step calls per batch, inlined into it: no call, and no copy of the structures
# they take (a namedtuple passed to a compiled call is copied by value: measured, 0.1 us a step)
piece = numba.njit(cache=True, fastmath=False, nogil=True, error_model="numpy", inline="always")


# --- optimizers: ``Optimizer.update`` of each, per element ----------------------------------------
# Each updates all of p with the gradient g + wd * p; callers run it on two views of the buffer: the
# decayed weights (wd = weight decay) and the rest (wd = 0, where p * 0 + g is g). The loops run over
# range(len) with no branch in their body, so the compiler vectorizes them.
@jit
def sgd(p, g, wd, lr):
    """``SGD.update``: w <- w - lr g."""
    for i in range(p.shape[0]):
        p[i] -= (p[i] * wd + g[i]) * lr


@jit
def momentum(p, g, wd, velocity, lr, mu):
    """``Momentum.update``: v <- mu v - lr g; w <- w + v."""
    for i in range(p.shape[0]):
        velocity[i] = velocity[i] * mu - (p[i] * wd + g[i]) * lr
        p[i] += velocity[i]


@jit
def nesterov(p, g, wd, velocity, lr, mu):
    """``Nesterov.update``: v <- mu v - lr g; w <- w + mu v - lr g."""
    for i in range(p.shape[0]):
        step = (p[i] * wd + g[i]) * lr
        velocity[i] = velocity[i] * mu - step
        p[i] = (p[i] - step) + velocity[i] * mu


@jit
def adagrad(p, g, wd, sum_squares, lr, eps):
    """``AdaGrad.update``: h <- h + g^2; w <- w - lr g / (sqrt(h) + eps)."""
    for i in range(p.shape[0]):
        gi = p[i] * wd + g[i]
        sum_squares[i] += gi * gi
        p[i] -= (gi / (np.sqrt(sum_squares[i]) + eps)) * lr


@jit
def rmsprop(p, g, wd, mean_squares, lr, rho, one_minus_rho, eps):
    """``RMSProp.update``: h <- rho h + (1 - rho) g^2; w <- w - lr g / (sqrt(h) + eps)."""
    for i in range(p.shape[0]):
        gi = p[i] * wd + g[i]
        mean_squares[i] = mean_squares[i] * rho + (gi * gi) * one_minus_rho
        p[i] -= (gi / (np.sqrt(mean_squares[i]) + eps)) * lr


@jit
def adam(p, g, wd, m, v, step_size, beta1, one_minus_beta1, beta2, one_minus_beta2, eps):
    """``Adam.update``, with the step size ``Adam.step_sizes`` gave for this iteration."""
    for i in range(p.shape[0]):
        gi = p[i] * wd + g[i]
        m[i] = m[i] * beta1 + gi * one_minus_beta1
        v[i] = v[i] * beta2 + (gi * gi) * one_minus_beta2
        p[i] -= (m[i] / (np.sqrt(v[i]) + eps)) * step_size


@piece
def optimizer_step(code, hyper, p, g, wd, s1, s2, step_size):
    """``Optimizer.update`` of optimizer ``code`` over ``p``; ``s1``/``s2`` its state slots (as long as
    p, or empty), ``hyper`` its constants and ``step_size`` this update's rate, in p's dtype."""
    if code == SGD:
        sgd(p, g, wd, step_size)
    elif code == MOMENTUM:
        momentum(p, g, wd, s1, step_size, hyper.momentum)
    elif code == NESTEROV:
        nesterov(p, g, wd, s1, step_size, hyper.momentum)
    elif code == ADAGRAD:
        adagrad(p, g, wd, s1, step_size, hyper.eps)
    elif code == RMSPROP:
        rmsprop(p, g, wd, s1, step_size, hyper.rho, hyper.one_minus_rho, hyper.eps)
    elif code == ADAM:
        adam(p, g, wd, s1, s2, step_size, hyper.beta1, hyper.one_minus_beta1, hyper.beta2, hyper.one_minus_beta2,
             hyper.eps)
    else:
        raise ValueError("optimizer_step: unknown optimizer code")


@piece
def update_buffer(code, hyper, params, grads, n_weights, s1, s2, step_size):
    """``Optimizer.step_flat``: the decayed weights with weight decay, the rest without."""
    zero = params.dtype.type(0)  # (an empty slot stays empty when sliced)
    optimizer_step(code, hyper, params[:n_weights], grads[:n_weights], hyper.weight_decay, s1[:n_weights],
                   s2[:n_weights], step_size)
    optimizer_step(code, hyper, params[n_weights:], grads[n_weights:], zero, s1[n_weights:], s2[n_weights:],
                   step_size)


# --- activations: forward with the bias, backward from the output --------------------------------
@jit
def bias_activation(z, b, code, alpha):
    """z <- f(z + b) in place, row by row: ``Dense.forward``'s ``out += b``, then the activation's
    ``__call__`` (``ReLU.__call__``, ``Sigmoid.__call__``, ...)."""
    one = z.dtype.type(1)
    zero = z.dtype.type(0)
    a = z.dtype.type(alpha)
    for r in range(z.shape[0]):
        row = z[r]
        if code == IDENTITY:
            for j in range(row.shape[0]):
                row[j] = row[j] + b[j]
        elif code == RELU:  # a NaN stays NaN, as in np.maximum (the finiteness check must see it)
            for j in range(row.shape[0]):
                x = row[j] + b[j]
                row[j] = zero if x <= zero else x
        elif code == LEAKY_RELU:  # max(x, alpha x), as the reference computes it
            for j in range(row.shape[0]):
                x = row[j] + b[j]
                row[j] = max(x, x * a)
        elif code == SIGMOID:  # 1 / (1 + exp(-x)); exp overflows to inf for very negative x: 0, the limit
            for j in range(row.shape[0]):
                row[j] = one / (np.exp(-(row[j] + b[j])) + one)
        elif code == TANH:
            for j in range(row.shape[0]):
                row[j] = np.tanh(row[j] + b[j])
        elif code == STEP:
            for j in range(row.shape[0]):
                row[j] = one if row[j] + b[j] > zero else zero
        else:
            raise ValueError("bias_activation: unknown activation code")


@jit
def activation_backward(g, y, code, alpha):
    """g <- g * f'(x) in place, with f' written from the output y = f(x): the activation's
    ``derivative_from_output`` times the incoming gradient (``ActivationLayer.backward``)."""
    one = g.dtype.type(1)
    zero = g.dtype.type(0)
    a = g.dtype.type(alpha)
    one_minus_a = g.dtype.type(1.0 - alpha)  # rounded from float64, as the reference does
    if code == IDENTITY:
        return
    for r in range(g.shape[0]):
        grow, yrow = g[r], y[r]
        if code == RELU:
            for j in range(grow.shape[0]):
                grow[j] = (one if yrow[j] > zero else zero) * grow[j]
        elif code == LEAKY_RELU:
            for j in range(grow.shape[0]):
                grow[j] = ((one_minus_a if yrow[j] > zero else zero) + a) * grow[j]
        elif code == SIGMOID:  # f - f^2
            for j in range(grow.shape[0]):
                grow[j] = (yrow[j] - yrow[j] * yrow[j]) * grow[j]
        elif code == TANH:  # 1 - f^2
            for j in range(grow.shape[0]):
                grow[j] = (one - yrow[j] * yrow[j]) * grow[j]
        elif code == STEP:  # no gradient
            for j in range(grow.shape[0]):
                grow[j] = zero * grow[j]
        else:
            raise ValueError("activation_backward: unknown activation code")


# --- losses: value and gradient of each row in one pass ------------------------------------------
@jit
def loss_gradient(loss, s, index, labels, t, grad, losses):
    """For each row n of the scores s: losses[n] = l_n and grad[n] = dl_n/ds_n (unweighted), with the
    targets of sample ``index[n]``: the loss's ``per_sample`` and ``sample_gradient``. ``labels`` holds
    class indices (softmax cross-entropy or hinge with labels), else ``t`` the target rows (one-hot,
    0/1, values or counts); the other is empty."""
    one = s.dtype.type(1)
    zero = s.dtype.type(0)
    m = s.dtype.type(loss.margin)
    eps = s.dtype.type(loss.eps)
    by_label = labels.shape[0] > 0
    code = loss.code
    for n in range(s.shape[0]):
        row, out, at = s[n], grad[n], index[n]
        k = row.shape[0]
        if code == SOFTMAX_CROSS_ENTROPY:  # log y = a - max - log sum exp(a - max); dl/da = y - t
            top = row[0]
            for j in range(1, k):
                top = max(top, row[j])
            total = zero
            for j in range(k):
                out[j] = np.exp(row[j] - top)
                total += out[j]
            log_total = np.log(total)
            value = zero
            for j in range(k):
                log_probability = (row[j] - top) - log_total
                out[j] = out[j] / total
                if loss.clip:  # scikit-learn's log_loss: log of the probability clipped to [eps, 1 - eps]
                    log_probability = np.log(min(max(out[j], eps), one - eps))
                if by_label:
                    if j == labels[at]:
                        value = -log_probability
                        out[j] -= one
                else:
                    value -= t[at, j] * log_probability
                    out[j] -= t[at, j]
        elif code == SQUARED_ERROR:  # 1/2 ||s - t||^2; s - t
            value = zero
            for j in range(k):
                out[j] = row[j] - t[at, j]
                value += out[j] * out[j]
            value = value * s.dtype.type(0.5)
        elif code == BINARY_CROSS_ENTROPY:  # softplus(z) - t z; sigmoid(z) - t
            value = zero
            for j in range(k):
                z = row[j]
                p = one / (np.exp(-z) + one)
                if loss.clip:  # scikit-learn's binary_log_loss, p clipped to [eps, 1 - eps]
                    clipped = min(max(p, eps), one - eps)
                    value -= t[at, j] * np.log(clipped) + (one - t[at, j]) * np.log(one - clipped)
                else:
                    value += (max(z, zero) + np.log1p(np.exp(-abs(z)))) - t[at, j] * z
                out[j] = p - t[at, j]
        elif code == HINGE and k == 1:  # one score: max(0, margin - sign s) with sign = 2t - 1
            sign = t[at, 0] * s.dtype.type(2) - one
            gap = m - sign * row[0]
            value = max(gap, zero)
            out[0] = -sign if gap > zero else zero
        elif code == HINGE:  # sum_{j != y} max(0, s_j - s_y + margin)
            y = labels[at]
            value = zero
            active = zero
            for j in range(k):
                if j == y:
                    out[j] = zero
                    continue
                gap = row[j] - row[y] + m
                if gap > zero:
                    value += gap
                    out[j] = one
                    active += one
                else:
                    out[j] = zero
            out[y] = -active
        elif code == POISSON:  # t log t - t s - t + exp(s); exp(s) - t
            value = zero
            for j in range(k):
                rate = np.exp(row[j])
                target = t[at, j]
                t_log_t = target * np.log(target) if target > zero else zero
                value += ((t_log_t - target * row[j]) - target) + rate
                out[j] = rate - target
        else:
            raise ValueError("loss_gradient: unknown loss code")
        losses[n] = value


@piece
def weighted_mean(losses, grad, weights, index, total):
    """``Loss.forward``'s (weighted) mean of the rows' losses, and ``Loss.backward``'s scaling of their
    gradients: E = sum_n w_n l_n / total, dE/ds_n = w_n / total dl_n/ds_n (w = 1 unweighted)."""
    scale = grad.dtype.type(total)
    value = 0.0
    if weights.shape[0] > 0:
        for n in range(grad.shape[0]):
            weight = weights[index[n]]
            value += weight * losses[n]
            for j in range(grad.shape[1]):
                grad[n, j] = (grad[n, j] * weight) / scale
    else:
        for n in range(grad.shape[0]):
            value += losses[n]
            for j in range(grad.shape[1]):
                grad[n, j] = grad[n, j] / scale
    return value / total


@piece
def count_correct(code, scores, index, labels, t):
    """``Loss.count_correct``: rows whose predicted class is the target's: the sign of each score
    against 0/1 targets (binary cross-entropy, every output of a row; a one-score hinge), else the
    argmax against the label or the target row's argmax."""
    correct = 0
    for n in range(scores.shape[0]):
        row, at = scores[n], index[n]
        k = row.shape[0]
        if code == BINARY_CROSS_ENTROPY or (code == HINGE and k == 1):
            right = True
            for j in range(k):
                if (1.0 if row[j] > 0 else 0.0) != t[at, j]:
                    right = False
            correct += 1 if right else 0
            continue
        best = 0
        for j in range(1, k):
            if row[j] > row[best]:
                best = j
        if labels.shape[0] > 0:
            wanted = labels[at]
        else:
            wanted = 0
            for j in range(1, k):
                if t[at, j] > t[at, wanted]:
                    wanted = j
        correct += 1 if best == wanted else 0
    return correct


# --- the pieces of a step --------------------------------------------------------------------------
@jit
def matmul(gemm, blas, a, b, out, transpose_a, transpose_b):
    """out = op(a) op(b) with op the transpose where asked, for C-ordered a, b and out: NumPy's gemm
    where given (``np.matmul``'s very code), else ``np.dot``."""
    if gemm is None:
        if transpose_a:
            np.dot(a.T, b, out)
        elif transpose_b:
            np.dot(a, b.T, out)
        else:
            np.dot(a, b, out)
        return
    m, n = out.shape[0], out.shape[1]
    k = a.shape[0] if transpose_a else a.shape[1]
    gemm(blas.row_major, blas.trans if transpose_a else blas.no_trans,
              blas.trans if transpose_b else blas.no_trans, m, n, k, out.dtype.type(1), a.ctypes.data, a.shape[1],
              b.ctypes.data, b.shape[1], out.dtype.type(0), out.ctypes.data, n)


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
def sum_of_squares(v):
    """sum v_i^2, the additions reordered ("reassoc": the compiler keeps several partial sums in
    vector lanes); NaN and inf still propagate, which is what the finiteness check needs."""
    total = v.dtype.type(0)
    for i in range(v.shape[0]):
        total += v[i] * v[i]
    return total


@jit
def block_sum(a, start, stop):
    """sum a[start:stop] for at most 128 numbers as NumPy sums them: in order below 8, else eight
    running sums combined pairwise, then the rest."""
    n = stop - start
    if n < 8:
        total = a.dtype.type(0)
        for i in range(start, stop):
            total += a[i]
        return total
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i = start + 8
    end = stop - n % 8
    while i < end:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < stop:
        total += a[i]
        i += 1
    return total


@jit
def pairwise_sum(a):
    """sum a in NumPy's order (``np.sum``'s pairwise summation: blocks of at most 128 by
    ``block_sum``, longer runs split in two at a multiple of 8, left + right), so that a sum the
    reference takes with ``np.sum`` rounds alike. The split tree is walked with a stack (a
    recursive kernel cannot be loaded back from Numba's cache)."""
    starts = np.empty(64, np.int64)
    stops = np.empty(64, np.int64)
    left_done = np.zeros(64, np.bool_)
    lefts = np.empty(64, a.dtype)
    starts[0], stops[0], top = 0, a.shape[0], 1
    while True:
        start, stop = starts[top - 1], stops[top - 1]
        n = stop - start
        if n > 128:  # a split node seen for the first time: walk its left half first
            half = n // 2
            half -= half % 8
            left_done[top - 1] = False
            starts[top], stops[top] = start, start + half
            top += 1
            continue
        value = block_sum(a, start, stop)
        top -= 1
        while top > 0:  # hand the value up: a left half waits for its right, a right half completes
            parent = top - 1
            if not left_done[parent]:
                lefts[parent], left_done[parent] = value, True
                half = (stops[parent] - starts[parent]) // 2
                half -= half % 8
                starts[top], stops[top] = starts[parent] + half, stops[parent]
                top += 1
                break
            value = lefts[parent] + value
            top -= 1
        if top == 0:
            return value


@jit
def column_sums(g, out):
    """out = g summed over its rows, in the order of ``np.sum(g, axis=0)`` (``Dense.backward``'s bias
    gradient): one column is one contiguous array, summed pairwise; several add row after row."""
    if g.shape[1] == 1:
        out[0] = pairwise_sum(g.reshape(g.shape[0]))
        return
    out[:] = 0
    for n in range(g.shape[0]):
        for j in range(g.shape[1]):
            out[j] += g[n, j]


@jit
def gather(X, index, out):
    """out[i] = X[index[i]]: the minibatch's rows as one contiguous block (``Trainer.gather``)."""
    for i in range(index.shape[0]):
        out[i, :] = X[index[i], :]


@piece
def block(work, columns, at, rows, width):
    """The workspace block that starts at column ``columns[at]``, as ``(rows, width)``."""
    start = columns[at] * rows
    return work[start:start + rows * width].reshape((rows, width))


@piece
def weights_of(params, layers, l):
    """Layer l's weight matrix, a view of the flat buffer, ``(in, out)``."""
    w_at, n_from, n_to = layers[l, 0], layers[l, 2], layers[l, 3]
    return params[w_at:w_at + n_from * n_to].reshape((n_from, n_to))


@piece
def forward(gemm, blas, net, x, size):
    """``Sequential.forward``: each Dense layer (``matmul`` and the bias) and its activation; returns
    the scores, the last layer's output in the workspace."""
    layers, params, work, columns = net.layers, net.params, net.work, net.columns  # once: each access counts
    activations, alphas = net.activations, net.alphas
    inputs = x
    for l in range(layers.shape[0]):
        b_at, n_to = layers[l, 1], layers[l, 3]
        out = block(work, columns, l + 1, size, n_to)
        matmul(gemm, blas, inputs, weights_of(params, layers, l), out, False, False)
        bias_activation(out, params[b_at:b_at + n_to], activations[l], alphas[l])
        inputs = out
    return inputs


@piece
def backward(gemm, blas, net, x, g, size):
    """``Sequential.backward`` from dE/dscores ``g``: the output activation's derivative, then each
    Dense layer's ``backward`` (dW = x^T g, db = the column sums of g, dE/dx = g W^T) and the
    activation below it."""
    layers, params, grads, work, columns = net.layers, net.params, net.grads, net.work, net.columns
    activations, alphas = net.activations, net.alphas
    n_layers = layers.shape[0]
    scores = block(work, columns, n_layers, size, layers[n_layers - 1, 3])
    activation_backward(g, scores, activations[n_layers - 1], alphas[n_layers - 1])
    spare = n_layers + 2  # the two gradient blocks: g is in n_layers + 1, the next goes to the other
    for l in range(n_layers - 1, -1, -1):
        w_at, b_at, n_from, n_to = layers[l, 0], layers[l, 1], layers[l, 2], layers[l, 3]
        below = x if l == 0 else block(work, columns, l, size, n_from)
        matmul(gemm, blas, below, g, grads[w_at:w_at + n_from * n_to].reshape((n_from, n_to)), True, False)
        column_sums(g, grads[b_at:b_at + n_to])
        if l == 0:
            break
        g_below = block(work, columns, spare, size, n_from)
        matmul(gemm, blas, g, weights_of(params, layers, l), g_below, False, True)
        activation_backward(g_below, below, activations[l - 1], alphas[l - 1])
        g = g_below
        spare = 2 * n_layers + 3 - spare


@piece
def l2_penalty(weights, coefficient):
    """``Trainer.penalty``: (c / 2) ||W||^2 over the decayed parameters ``weights``."""
    if coefficient == 0.0:
        return 0.0
    return 0.5 * coefficient * float(sum_of_squares(weights))


@piece
def add_l2_gradient(weights, gradients, coefficient):
    """``Trainer._compute_gradient``'s d/dW (c / 2)||W||^2 = c W, added to the weights' gradients."""
    if coefficient == 0.0:
        return
    c = weights.dtype.type(coefficient)
    for i in range(weights.shape[0]):
        gradients[i] += weights[i] * c


@piece
def finiteness(value, penalty, grads):
    """``Trainer._step``'s check: FINISHED when the loss and the gradient are finite."""
    if not np.isfinite(value + penalty):
        return LOSS_NOT_FINITE
    if not np.isfinite(sum_of_squares(grads)):
        return GRADIENT_NOT_FINITE
    return FINISHED


# --- whole steps ----------------------------------------------------------------------------------
@jit
def train_batches(gemm, blas, net, batches, data, loss, update, out):
    """``Trainer.run_epoch`` for batches ``batches.first`` .. ``batches.stop - 1``, each the reference
    step (``Trainer._step``): gather the rows, ``forward``, ``loss_gradient`` and its ``weighted_mean``,
    the L2 penalty, ``backward``, the penalty's gradient, the finiteness check, the optimizer's update.

    Writes each batch's results to ``out`` (index ``b - first``); returns (batches done, iterations,
    status): with ``update.apply`` False, the first batch's gradient only (left in ``net.grads``);
    with policy STOP, the run ends at a non-finite step, which is not applied.
    """
    # the fields, read once (each read of a structure's array is a reference taken and let go)
    order, size_max, totals, coefficients = batches.order, batches.size, batches.totals, batches.coefficients
    params, grads, n_weights, work, columns = net.params, net.grads, net.n_weights, net.work, net.columns
    X, labels, rows, weights = data.X, data.labels, data.rows, data.weights
    out_losses, out_penalties, out_correct, out_updated = out.losses, out.penalties, out.correct, out.updated
    step_sizes, slot1, slot2, hyper = update.step_sizes, update.slot1, update.slot2, update.hyper
    decayed_p, decayed_g = params[:n_weights], grads[:n_weights]
    n_rows = order.shape[0]
    n_layers = net.layers.shape[0]
    n_in, k = net.layers[0, 2], net.layers[n_layers - 1, 3]
    losses = np.empty(size_max, params.dtype)
    iterations = update.iterations
    updates = 0
    for b in range(batches.first, batches.stop):
        i = b - batches.first
        start = b * size_max
        size = min(size_max, n_rows - start)
        total = totals[i]
        out_losses[i], out_penalties[i], out_correct[i], out_updated[i] = 0.0, 0.0, 0, 0
        if total == 0.0:  # a batch with no data (no rows, or weights summing to 0) is skipped
            continue
        index = order[start:start + size]
        x = block(work, columns, 0, size, n_in)
        gather(X, index, x)
        scores = forward(gemm, blas, net, x, size)
        g = block(work, columns, n_layers + 1, size, k)
        batch_losses = losses[:size]
        loss_gradient(loss, scores, index, labels, rows, g, batch_losses)
        value = weighted_mean(batch_losses, g, weights, index, total)
        if out.count:
            out_correct[i] = count_correct(loss.code, scores, index, labels, rows)
        coefficient = coefficients[i]
        penalty = l2_penalty(decayed_p, coefficient)
        backward(gemm, blas, net, x, g, size)
        add_l2_gradient(decayed_p, decayed_g, coefficient)
        out_losses[i], out_penalties[i] = value, penalty
        if not update.apply:
            return i + 1, iterations, FINISHED
        status = finiteness(value, penalty, grads)
        if status != FINISHED:
            if update.policy == STOP:
                return i + 1, iterations, status
            elif update.policy == SKIP:
                continue
            elif update.policy != APPLY:
                raise ValueError("train_batches: unknown policy")
        step_size = params.dtype.type(step_sizes[updates])
        updates += 1
        iterations += 1
        update_buffer(update.code, hyper, params, grads, n_weights, slot1, slot2, step_size)
        out_updated[i] = 1
    return batches.stop - batches.first, iterations, FINISHED
