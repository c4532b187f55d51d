"""The compiled kernels: every loop Numba compiles, in one module (imported only when a network
with ``kernels="numba"`` trains, so ``import neuronet`` never pays for Numba).

Each kernel is a formula of the readable NumPy path written out per element, with the same
operations in the same order, so the two agree to rounding:

- the optimizers' updates of the flat parameter buffer (``neuronet.optim``), one pass each;
- ``bias_activation``: z + b and the activation f in one pass (``Dense`` then an activation layer);
- ``activation_backward``: dL/dz = dL/dy * f'(y) from the output y, in one pass;
- ``loss_gradient``: a loss and its gradient dl/ds in one pass per row (softmax cross-entropy's
  max, exp, sum, log and y - t together);
- ``gather``: the minibatch's rows of X copied into one contiguous buffer;
- ``train_batches``: whole minibatch steps (gather, forward, loss, backward, L2, finiteness
  check, update) for a run of batches in one call, so a small network pays no per-call Python
  overhead. The matrix products stay in BLAS: NumPy's own ``gemm`` (``neuronet.kernels.blas``),
  passed in as a ctypes function, else ``np.dot`` (SciPy's BLAS).

Everything lives in one file because Numba's on-disk cache (``cache=True``) checks only the
file of the function it compiled: a kernel calling a kernel of another file would keep a stale
copy of it after that file changed.
"""

from __future__ import annotations

import numba
import numpy as np

from .codes import (BINARY_CROSS_ENTROPY, BINARY_HINGE, HINGE, IDENTITY, LEAKY_RELU, RELU, SIGMOID,
                    SOFTMAX_CROSS_ENTROPY, SQUARED_ERROR, TANH)

# error_model="numpy": a division by zero gives inf/nan as in NumPy (the trainer checks for them)
# instead of Python's exception check on every division, which stops vectorization.
# One core: on a 2-core machine threaded kernels competed with BLAS's threads and lost.
jit = numba.njit(cache=True, fastmath=False, nogil=True, error_model="numpy")


# --- optimizers -------------------------------------------------------------------------------
# Each updates all of p with the gradient g + wd * p; callers run it on two views of the buffer:
# the decayed weights (wd = weight decay) and the rest (wd = 0, where p * 0 + g is g). The loops
# run over range(len) with no branch in their body, so the compiler vectorizes them (a loop over
# range(start, stop) was measured 8x slower: it was not vectorized).
@jit
def sgd(p, g, wd, lr):
    for i in range(p.shape[0]):
        p[i] -= (p[i] * wd + g[i]) * lr


@jit
def momentum(p, g, wd, velocity, lr, mu):
    for i in range(p.shape[0]):
        velocity[i] = velocity[i] * mu - (p[i] * wd + g[i]) * lr
        p[i] += velocity[i]


@jit
def nesterov(p, g, wd, velocity, lr, mu):
    for i in range(p.shape[0]):
        step = (p[i] * wd + g[i]) * lr
        velocity[i] = velocity[i] * mu - step
        p[i] = (p[i] - step) + velocity[i] * mu


@jit
def adagrad(p, g, wd, sum_squares, lr, eps):
    for i in range(p.shape[0]):
        gi = p[i] * wd + g[i]
        sum_squares[i] += gi * gi
        p[i] -= (gi / (np.sqrt(sum_squares[i]) + eps)) * lr


@jit
def rmsprop(p, g, wd, mean_squares, lr, rho, one_minus_rho, eps):
    for i in range(p.shape[0]):
        gi = p[i] * wd + g[i]
        mean_squares[i] = mean_squares[i] * rho + (gi * gi) * one_minus_rho
        p[i] -= (gi / (np.sqrt(mean_squares[i]) + eps)) * lr


@jit
def adam(p, g, wd, m, v, step_size, beta1, one_minus_beta1, beta2, one_minus_beta2, eps):
    for i in range(p.shape[0]):
        gi = p[i] * wd + g[i]
        m[i] = m[i] * beta1 + gi * one_minus_beta1
        v[i] = v[i] * beta2 + (gi * gi) * one_minus_beta2
        p[i] -= (m[i] / (np.sqrt(v[i]) + eps)) * step_size


@jit
def optimizer_step(code, p, g, wd, s1, s2, c):
    """One update of ``p`` by optimizer ``code`` (the order of ``optimizers.NAMES``); ``s1``/``s2``
    are its slot arrays (as long as p, or empty), ``c`` its constants in p's dtype (as
    ``optimizers.arguments`` lays them out)."""
    if code == 0:
        sgd(p, g, wd, c[0])
    elif code == 1:
        momentum(p, g, wd, s1, c[0], c[1])
    elif code == 2:
        nesterov(p, g, wd, s1, c[0], c[1])
    elif code == 3:
        adagrad(p, g, wd, s1, c[0], c[1])
    elif code == 4:
        rmsprop(p, g, wd, s1, c[0], c[1], c[2], c[3])
    else:
        adam(p, g, wd, s1, s2, c[0], c[1], c[2], c[3], c[4], c[5])


# --- activations: forward with the bias, backward from the output --------------------------------
# the activation codes are those of codes.ACTIVATIONS


@jit
def bias_activation(z, b, code, alpha):
    """z <- f(z + b) in place, row by row (``Dense``'s ``out += b`` and the activation layer)."""
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
        else:  # STEP
            for j in range(row.shape[0]):
                row[j] = one if row[j] + b[j] > zero else zero


@jit
def activation_backward(g, y, code, alpha):
    """g <- g * f'(x), with f' written from the output y = f(x), in place."""
    one = g.dtype.type(1)
    zero = g.dtype.type(0)
    a = g.dtype.type(alpha)
    one_minus_a = g.dtype.type(1.0 - alpha)  # rounded from float64, as the reference does
    for r in range(g.shape[0]):
        grow, yrow = g[r], y[r]
        if code == IDENTITY:
            return
        elif code == RELU:
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
        else:  # STEP: no gradient
            for j in range(grow.shape[0]):
                grow[j] = zero * grow[j]


# --- losses: value and gradient of each row in one pass ------------------------------------------
# the loss codes are those of codes.py


@jit
def loss_gradient(code, s, rows, labels, t, margin, grad, losses):
    """For each row n of the scores s: losses[n] = l_n and grad[n] = dl_n/ds_n (unweighted), with
    the targets of sample ``rows[n]``: ``labels`` holds class indices (softmax cross-entropy or
    hinge with labels), else ``t`` the target rows (one-hot, 0/1, values or counts); the other
    is empty."""
    one = s.dtype.type(1)
    zero = s.dtype.type(0)
    m = s.dtype.type(margin)
    by_label = labels.shape[0] > 0
    for n in range(s.shape[0]):
        row, out, at = s[n], grad[n], rows[n]
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
                value += (max(z, zero) + np.log1p(np.exp(-abs(z)))) - t[at, j] * z
                out[j] = one / (np.exp(-z) + one) - t[at, j]
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
        elif code == BINARY_HINGE:  # max(0, margin - sign s) with sign = 2t - 1
            sign = t[at, 0] * s.dtype.type(2) - one
            gap = m - sign * row[0]
            value = max(gap, zero)
            out[0] = -sign if gap > zero else zero
        else:  # POISSON: t log t - t s - t + exp(s); exp(s) - t
            value = zero
            for j in range(k):
                rate = np.exp(row[j])
                target = t[at, j]
                t_log_t = target * np.log(target) if target > zero else zero
                value += ((t_log_t - target * row[j]) - target) + rate
                out[j] = rate - target
        losses[n] = value


@jit
def matmul(gemm, a, b, out, transpose_a, transpose_b):
    """out = op(a) op(b) with op the transpose where asked, for C-ordered a, b and out: NumPy's
    gemm where given (``gemm`` a ctypes function), else ``np.dot``."""
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
    gemm(101, 112 if transpose_a else 111, 112 if transpose_b else 111, m, n, k, out.dtype.type(1), a.ctypes.data,
         a.shape[1], b.ctypes.data, b.shape[1], out.dtype.type(0), out.ctypes.data, n)


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
def sum_of_squares(v):
    """sum v_i^2, the additions reordered ("reassoc": the compiler keeps several partial sums in
    vector lanes); NaN and inf still propagate, which is what the finiteness check needs."""
    total = v.dtype.type(0)
    for i in range(v.shape[0]):
        total += v[i] * v[i]
    return total


@jit
def gather(X, index, out):
    """out[i] = X[index[i]]: the minibatch's rows as one contiguous block."""
    for i in range(index.shape[0]):
        out[i, :] = X[index[i], :]


@jit
def _predicted_correctly(code, row, labels, t, at):
    """Whether the scores ``row`` give sample ``at``'s class (argmax, or the sign of one score)."""
    if code == BINARY_CROSS_ENTROPY or code == BINARY_HINGE:
        return (1.0 if row[0] > 0 else 0.0) == t[at, 0]
    best = 0
    for j in range(1, row.shape[0]):
        if row[j] > row[best]:
            best = j
    if labels.shape[0] > 0:
        return best == labels[at]
    wanted = 0
    for j in range(1, row.shape[0]):
        if t[at, j] > t[at, wanted]:
            wanted = j
    return best == wanted


# --- whole steps ----------------------------------------------------------------------------------
@jit
def train_batches(gemm, X, order, batch_size, first, stop, labels, t, sample_weight, params, grads, n_weights, layers,
                  alphas, columns, loss_code, margin, l2, l2_per_sample, optimizer_code, s1, s2, constants, hyper,
                  iterations, on_nonfinite, count, update, work, out_loss, out_penalty, out_correct, out_updated):
    """With ``gemm`` for the matrix products (see ``matmul``), minibatch steps ``first`` ..
    ``stop - 1`` of ``order`` (batch b is ``order[b * batch_size: (b + 1) * batch_size]``), each
    the reference step of ``neuronet.trainer.Trainer``:

    gather the rows; forward through the Dense layers (``layers[l]`` = weight offset, bias offset,
    in, out, activation code; ``alphas[l]`` its leaky slope; ``work`` laid out per sample as
    ``columns`` says, see ``steps.StepKernel``); the loss, weighted by
    ``sample_weight`` if not empty, plus (c/2)||W||^2 with c = l2 (or l2 / batch weight); backward;
    c W added to the weights' gradients; the finiteness check; then, if ``update``, the optimizer
    (``constants`` in the buffer's dtype; Adam's step size from ``hyper`` = lr, beta1, beta2 and
    the iteration count).

    Writes each batch's loss, penalty, correct count and whether it updated to
    ``out_*[b - first]``; returns (batches done, iterations, status): status 0 all done, 1 the
    loss, 2 the gradient was not finite at the last batch done (with ``on_nonfinite`` 0 = raise:
    that batch did not update).
    """
    n_rows = order.shape[0]
    n_layers = layers.shape[0]
    n_in = layers[0, 2]
    # the workspace: the batch's rows at 0, layer l's output at offsets[l], two gradient blocks
    offsets = columns[1:n_layers + 1] * batch_size
    gradient_a = columns[n_layers + 1] * batch_size
    gradient_b = columns[n_layers + 2] * batch_size
    losses = np.empty(batch_size, params.dtype)
    decayed_p, decayed_g = params[:n_weights], grads[:n_weights]
    rest_p, rest_g = params[n_weights:], grads[n_weights:]
    wd = constants[7]
    zero_wd = params.dtype.type(0)
    for b in range(first, stop):
        start = b * batch_size
        size = min(batch_size, n_rows - start)
        index = order[start:start + size]
        x = work[:size * n_in].reshape((size, n_in))
        gather(X, index, x)
        # forward
        inputs = x
        for l in range(n_layers):
            w_at, b_at, n_from, n_to, code = layers[l, 0], layers[l, 1], layers[l, 2], layers[l, 3], layers[l, 4]
            W = params[w_at:w_at + n_from * n_to].reshape((n_from, n_to))
            out = work[offsets[l]:offsets[l] + size * n_to].reshape((size, n_to))
            matmul(gemm, inputs, W, out, False, False)
            bias_activation(out, params[b_at:b_at + n_to], code, alphas[l])
            inputs = out
        scores = inputs
        k = layers[n_layers - 1, 3]
        # the loss: a weighted mean of the rows' losses, and its gradient
        g = work[gradient_a:gradient_a + size * k].reshape((size, k))
        loss_gradient(loss_code, scores, index, labels, t, margin, g, losses[:size])
        if sample_weight.shape[0] > 0:
            total = 0.0
            value = 0.0
            for n in range(size):
                total += sample_weight[index[n]]
                value += sample_weight[index[n]] * losses[n]
            value /= total
            scale = params.dtype.type(total)
            for n in range(size):
                weight = sample_weight[index[n]]
                for j in range(k):
                    g[n, j] = (g[n, j] * weight) / scale
        else:
            total = float(size)
            value = 0.0
            for n in range(size):
                value += losses[n]
            value /= total
            scale = params.dtype.type(size)
            for n in range(size):
                for j in range(k):
                    g[n, j] = g[n, j] / scale
        correct = 0
        if count:
            for n in range(size):
                if _predicted_correctly(loss_code, scores[n], labels, t, index[n]):
                    correct += 1
        coefficient = l2 / total if l2_per_sample else l2
        penalty = 0.0
        if coefficient != 0.0:  # (c/2)||W||^2
            penalty = 0.5 * coefficient * float(sum_of_squares(decayed_p))
        # backward: the output layer's activation, then each layer's dW, db and dL/dx
        activation_backward(g, scores, layers[n_layers - 1, 4], alphas[n_layers - 1])
        use_a = True
        for l in range(n_layers - 1, -1, -1):
            w_at, b_at, n_from, n_to = layers[l, 0], layers[l, 1], layers[l, 2], layers[l, 3]
            below = x if l == 0 else work[offsets[l - 1]:offsets[l - 1] + size * n_from].reshape((size, n_from))
            matmul(gemm, below, g, grads[w_at:w_at + n_from * n_to].reshape((n_from, n_to)), True, False)
            db = grads[b_at:b_at + n_to]
            db[:] = 0
            for n in range(size):
                for j in range(n_to):
                    db[j] += g[n, j]
            if l == 0:
                break
            W = params[w_at:w_at + n_from * n_to].reshape((n_from, n_to))
            at = gradient_b if use_a else gradient_a
            g_below = work[at:at + size * n_from].reshape((size, n_from))
            matmul(gemm, g, W, g_below, False, True)
            activation_backward(g_below, below, layers[l - 1, 4], alphas[l - 1])
            g = g_below
            use_a = not use_a
        c = params.dtype.type(coefficient)
        if coefficient != 0.0:  # d/dW (c/2)||W||^2 = c W
            for i in range(n_weights):
                decayed_g[i] += decayed_p[i] * c
        out_loss[b - first] = value
        out_penalty[b - first] = penalty
        out_correct[b - first] = correct
        if not update:
            return b - first + 1, iterations, 0
        # the finiteness check: a NaN or inf stops (0), skips (1) or passes (2)
        squares = sum_of_squares(grads)
        status = 0
        if not np.isfinite(value + penalty):
            status = 1
        elif not np.isfinite(squares):
            status = 2
        if status != 0:
            if on_nonfinite == 0:
                return b - first + 1, iterations, status
            if on_nonfinite == 1:
                continue
        iterations += 1
        if optimizer_code == 5:  # Adam's bias-corrected step size, in float64 as the reference
            t_ = float(iterations)
            constants[0] = hyper[0] * np.sqrt(1.0 - hyper[2] ** t_) / (1.0 - hyper[1] ** t_)
        out_updated[b - first] = 1
        optimizer_step(optimizer_code, decayed_p, decayed_g, wd, s1, s2, constants)
        optimizer_step(optimizer_code, rest_p, rest_g, zero_wd, s1[n_weights:] if s1.shape[0] > 0 else s1,
                       s2[n_weights:] if s2.shape[0] > 0 else s2, constants)
    return stop - first, iterations, 0
