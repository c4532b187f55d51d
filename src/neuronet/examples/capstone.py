"""The capstone: a two-layer network written from scratch in NumPy, trained on the bundled digits
and compared weight for weight with neuronet.MLP.

The network is the notes' (eq. 5-28, read with the corrections of the errata):

    b_j = sum_i w_ji x_i                    hidden neuron j's total input (eq. 5)
    z_j = h(b_j)                            its output, h the sigmoid (eq. 6)
    a_k = sum_j v_kj z_j                    output k's total input, the score (eq. 24)
    y_k = exp(a_k) / sum_k' exp(a_k')       the softmax (eq. 7)
    E   = (1/N) sum_n E_n,  E_n = -sum_k t_nk log y_nk      the mean cross-entropy (eq. 8, 12-13)

The dummy inputs x_D = 1 and z_M = 1 carry the biases. In matrix form the batch sits on the rows,
as in neuronet and the checked exercises: ``W1[i, j] = w_ji`` (shape (D, M): the notes' w
transposed), ``b1[j]`` the weight of the dummy input, ``W2[j, k] = v_kj`` (shape (M, K)) and
``b2[k]`` its dummy's weight.

Each function is a stage of the tour's chapter 14 (which shows the same code) and passes the
checked exercise of the same name (``check_stages``). ``main`` checks every stage, runs the
gradient check, trains on the digits and prints the test accuracy, then takes the same SGD steps
from the same start in ``neuronet.MLP`` and prints the largest difference between the weights.
"""

from __future__ import annotations

import numpy as np

import neuronet as nn
from neuronet.exercises.solutions import numerical_gradient   # the central difference, one element at a time (stage 4)

__all__ = ["sigmoid", "dense_forward", "softmax", "forward", "cross_entropy", "softmax_cross_entropy_gradient",
           "dense_backward", "two_layer_gradients", "numerical_gradient", "gradient_check", "sgd_step",
           "init_params", "one_hot", "standardize", "train", "accuracy", "load_digits", "compare_with_mlp",
           "NAMES", "STAGES", "check_stages", "HIDDEN", "LR", "BATCH_SIZE", "EPOCHS", "SEED", "main"]

# The run the chapter reports: 64 inputs -> 64 hidden sigmoid neurons -> 10 classes, plain SGD.
HIDDEN, LR, BATCH_SIZE, EPOCHS, SEED = 64, 0.5, 32, 30, 0

NAMES = {"W1": "0.W", "b1": "0.b", "W2": "2.W", "b2": "2.b"}   # the same parameters in MLP: Dense, Sigmoid, Dense


# --- stage 0: the data ----------------------------------------------------------------------------
def one_hot(labels, n_classes):
    """t_nk = 1 where sample n is of class k, else 0: (N,) labels -> (N, K)."""
    return np.eye(n_classes)[labels]


def standardize(X_train, X_test):
    """Each input column shifted to mean 0 and scaled to standard deviation 1 with the training
    part's statistics, applied to both parts; a column that is constant is only shifted."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (X_train - mean) / std, (X_test - mean) / std


def load_digits():
    """The bundled digits (8x8 images, pixels in [0, 1]) in float64: (X_train, y_train), (X_test, y_test)."""
    (X_train, y_train), (X_test, y_test) = nn.datasets.load("digits")
    return (X_train.astype(np.float64), y_train), (X_test.astype(np.float64), y_test)


# --- stage 1: forward (eq. 5-7) -------------------------------------------------------------------
def sigmoid(b):
    """h(b) = 1 / (1 + exp(-b)), elementwise (eq. 4, 6); b is clipped to [-500, 500] first, so exp
    never overflows (h(±500) is within 1e-200 of 1 and 0)."""
    return 1 / (1 + np.exp(-np.clip(b, -500, 500)))


def dense_forward(x, W, b):
    """The total inputs of a layer: (N, in) @ (in, out) + (out,) -> (N, out); element (n, j) is
    sum_i w_ji x_ni plus the dummy input's weight (eq. 5)."""
    return x @ W + b


def softmax(a):
    """y_k = exp(a_k) / sum_k' exp(a_k') for each row of the scores a (N, K) (eq. 7); the row's
    largest score is subtracted first: the ratio is unchanged and exp never overflows."""
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(X, params):
    """The network on a batch X (N, D): (z, a, y), the hidden outputs (N, M), the scores (N, K)
    and the probabilities (N, K)."""
    z = sigmoid(dense_forward(X, params["W1"], params["b1"]))   # z_j = h(b_j), b_j = sum_i w_ji x_i
    a = dense_forward(z, params["W2"], params["b2"])            # a_k = sum_j v_kj z_j
    return z, a, softmax(a)                                      # y_k


def init_params(n_in, n_hidden, n_out, seed):
    """Small random weights (Xavier: variance 2 / (fan_in + fan_out)), biases at 0."""
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((n_in, n_hidden)) * np.sqrt(2 / (n_in + n_hidden)),
            "b1": np.zeros(n_hidden),
            "W2": rng.standard_normal((n_hidden, n_out)) * np.sqrt(2 / (n_hidden + n_out)),
            "b2": np.zeros(n_out)}


# --- stage 2: the error (eq. 8, 12-13) ------------------------------------------------------------
def cross_entropy(y, t):
    """E = (1/N) sum_n E_n with E_n = -sum_k t_nk log y_nk, for probabilities y and one-hot t,
    both (N, K); y is kept at or above 1e-12 so that log never sees 0."""
    return float(-np.sum(t * np.log(np.maximum(y, 1e-12))) / y.shape[0])


# --- stage 3: backward (eq. 14-28) ----------------------------------------------------------------
def softmax_cross_entropy_gradient(a, t):
    """dE/da_k = (y_k - t_k) / N for each sample: eq. 23, with the 1/N of the mean (eq. 14)."""
    return (softmax(a) - t) / a.shape[0]


def dense_backward(x, W, grad_output):
    """For the layer x @ W + b and g = dE/d(its total inputs), (N, out): returns (dE/dx, dE/dW,
    dE/db). dE/dW = x^T g: a weight's gradient is the error at its end times the input at its
    start, summed over the batch (eq. 24-26); dE/dx = g W^T sends the error back through the
    weights (eq. 28's sum over k); dE/db = the sum of g over the batch (the dummy input is 1)."""
    return grad_output @ W.T, x.T @ grad_output, grad_output.sum(axis=0)


def two_layer_gradients(X, T, W1, b1, W2, b2):
    """Backpropagation through the network: the gradients of the mean cross-entropy with respect
    to W1, b1, W2, b2, in a dict with those keys (eq. 12-28)."""
    z = sigmoid(dense_forward(X, W1, b1))                       # forward, keeping z for the way back
    a = dense_forward(z, W2, b2)
    delta_out = softmax_cross_entropy_gradient(a, T)            # (y_k - t_k) / N              (eq. 23)
    grad_z, grad_W2, grad_b2 = dense_backward(z, W2, delta_out)   # (y_k - t_k) z_j (eq. 26); sum_k (y_k - t_k) v_kj
    delta_hidden = grad_z * z * (1 - z)                         # times h'(b_j) = z_j (1 - z_j)  (eq. 28)
    _, grad_W1, grad_b1 = dense_backward(X, W1, delta_hidden)   # times x_i                     (eq. 28)
    return {"W1": grad_W1, "b1": grad_b1, "W2": grad_W2, "b2": grad_b2}


# --- stage 4: the gradient check ------------------------------------------------------------------
# numerical_gradient (imported above) is the checked exercise's reference answer, the code the chapter shows.
def gradient_check(X, T, params):
    """For each parameter, how far backpropagation is from the numerical gradient of E: the largest
    difference over the largest |backprop| + |numerical| (the scale of that gradient). Below 1e-7
    means right, above 1e-2 means wrong (CS231n's rule, as ``neuronet.gradient_check``)."""
    backprop = two_layer_gradients(X, T, **params)
    errors = {}
    for name, value in params.items():
        numerical = numerical_gradient(lambda _: cross_entropy(forward(X, params)[2], T), value)
        scale = max(np.max(np.abs(backprop[name]) + np.abs(numerical)), 1e-12)
        errors[name] = float(np.max(np.abs(backprop[name] - numerical)) / scale)
    return errors


# --- stage 5: the SGD loop (eq. 27) ---------------------------------------------------------------
def sgd_step(w, grad, lr):
    """w <- w - lr dE/dw (eq. 27); returns the new w."""
    return w - lr * grad


def train(X, T, params, epochs, batch_size, lr, seed):
    """Minibatch SGD from ``params`` (left unchanged): each epoch visits the samples in a new
    random order, one step per batch of ``batch_size``. The order is drawn as ``neuronet.fit``
    draws it, one permutation per epoch from ``default_rng(seed)``. Returns the trained params
    and E on (X, T) after each epoch."""
    params = {name: value.copy() for name, value in params.items()}
    rng = np.random.default_rng(seed)
    errors = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for first in range(0, len(X), batch_size):
            batch = order[first:first + batch_size]
            grads = two_layer_gradients(X[batch], T[batch], **params)
            for name in params:
                params[name] = sgd_step(params[name], grads[name], lr)
        errors.append(cross_entropy(forward(X, params)[2], T))
    return params, errors


def accuracy(X, labels, params):
    """The fraction of samples whose largest output y_k is their class."""
    return float(np.mean(forward(X, params)[2].argmax(axis=1) == labels))


# --- stage 7: the same steps in neuronet.MLP ------------------------------------------------------
def compare_with_mlp(X, labels, start, trained, epochs, batch_size, lr, seed, kernels="numpy"):
    """Train a ``neuronet.MLP`` of the same shape from the weights ``start`` (copied in), with the
    same minibatch order, plain SGD and no L2, in float64, and return the largest difference
    between its weights and ``trained`` (what ``train`` made of the same start)."""
    sizes = [start["W1"].shape[0], start["W1"].shape[1], start["W2"].shape[1]]
    net = nn.MLP(sizes, activation="sigmoid", dtype=np.float64, kernels=kernels)
    for ours, theirs in NAMES.items():
        net.parameters()[theirs][...] = start[ours]
    net.fit(X, labels, optimizer="sgd", lr=lr, epochs=epochs, batch_size=batch_size, seed=seed, l2=0.0,
            verbose=0)
    return max(float(np.max(np.abs(trained[ours] - net.parameters()[theirs]))) for ours, theirs in NAMES.items())


# --- every stage through its checked exercise -----------------------------------------------------
STAGES = ("sigmoid", "dense_forward", "softmax", "cross_entropy", "softmax_cross_entropy_gradient",
          "dense_backward", "two_layer_gradients", "numerical_gradient", "sgd_step")


def check_stages(language="en", verbose=False):
    """``neuronet.exercises.check`` on each stage: {name: Result}."""
    from neuronet.exercises import check

    return {name: check(name, globals()[name], language=language, verbose=verbose) for name in STAGES}


def main(argv=None) -> None:
    import time

    from neuronet.examples._common import arguments, save

    args = arguments(__doc__.splitlines()[0], argv)
    for result in check_stages().values():
        print(result.message)

    (raw_train, y_train), (raw_test, y_test) = load_digits()
    X_train, X_test = standardize(raw_train, raw_test)
    T_train = one_hot(y_train, 10)
    small = init_params(64, 10, 10, seed=1)
    errors = gradient_check(X_train[:20], T_train[:20], small)
    print("gradient check, largest relative error:", ", ".join(f"{name} {value:.1e}" for name, value in errors.items()))

    epochs = 10 if args.fast else EPOCHS
    start = init_params(64, HIDDEN, 10, SEED)
    began = time.perf_counter()
    trained, history = train(X_train, T_train, start, epochs, BATCH_SIZE, LR, SEED)
    seconds = time.perf_counter() - began
    steps = epochs * -(-len(X_train) // BATCH_SIZE)
    print(f"{epochs} epochs, {steps} SGD steps (lr {LR}, batches of {BATCH_SIZE}) in {seconds:.1f} s: "
          f"test accuracy {accuracy(X_test, y_test, trained):.4f}")
    difference = compare_with_mlp(X_train, y_train, start, trained, epochs, BATCH_SIZE, LR, SEED)
    print(f"neuronet.MLP after the same {steps} steps from the same start: largest weight difference {difference:.1e}")

    import matplotlib.figure

    predicted = forward(X_test, trained)[2].argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_test)
    figure = matplotlib.figure.Figure(figsize=(11, 3.5))
    grid = figure.add_gridspec(3, 9)
    curve = figure.add_subplot(grid[:, :4])
    curve.plot(range(1, epochs + 1), history, marker="o")
    curve.set_xlabel("epoch")
    curve.set_ylabel("E on the training set")
    curve.set_title("the network written from scratch")
    for place, index in enumerate(wrong[:15]):
        ax = figure.add_subplot(grid[place // 5, 4 + place % 5])
        ax.imshow(raw_test[index].reshape(8, 8), cmap="gray_r")
        ax.set_title(f"{y_test[index]} read as {predicted[index]}", fontsize=8)
        ax.axis("off")
    shown = f"{len(wrong)}" if len(wrong) <= 15 else f"15 of the {len(wrong)}"
    figure.suptitle(f"test accuracy {accuracy(X_test, y_test, trained):.4f}; right: {shown} test digits it gets wrong",
                    y=1.05)
    save(figure, args.out, "capstone.png")


if __name__ == "__main__":
    main()
