"""Chapters 7 and 8: the gradient of the 2-3-3 sigmoid network on the 3-class problem, by numerical
differentiation (eq. 9-11) and by backpropagation (eq. 12-28): the same numbers, how long each
takes, and how the error of a finite difference depends on its step size."""

import time

import numpy as np

import neuronet as nn
from neuronet.datasets.toy import make_gaussians
from neuronet.examples._common import arguments, save
from neuronet.gradients import relative_error


def main(argv=None) -> None:
    args = arguments(__doc__.splitlines()[0], argv)
    X, y = make_gaussians(100 if args.fast else 300, seed=0)
    sizes = [2, 3, 3]
    net = nn.MLP(sizes, activation="sigmoid", rng=0, dtype=np.float64)
    loss = nn.losses.SoftmaxCrossEntropy()

    start = time.perf_counter()
    loss(net.forward(X), y)
    net.backward(loss.backward())
    backprop = {name: gradient.copy() for name, gradient in net.gradients().items()}
    backprop_seconds = time.perf_counter() - start

    start = time.perf_counter()
    numerical = {name: nn.numerical_gradient(lambda _: loss(net.forward(X), y), parameter)
                 for name, parameter in net.parameters().items()}
    numerical_seconds = time.perf_counter() - start

    error = max(relative_error(backprop[name], numerical[name]) for name in backprop)
    print(f"largest relative difference: {error:.1e}")
    print(f"backpropagation {backprop_seconds * 1e3:.2f} ms, numerical {numerical_seconds * 1e3:.2f} ms "
          f"({numerical_seconds / backprop_seconds:.0f}x slower, {net.n_parameters} parameters)")

    # Training with each: the same curve, at very different speeds.
    import matplotlib.figure

    figure = matplotlib.figure.Figure(figsize=(6, 3.5))
    ax = figure.subplots()
    epochs = 10 if args.fast else 40
    for method in ("backprop", "numerical"):
        model = nn.MLP(sizes, activation="sigmoid", rng=0, dtype=np.float64)
        start = time.perf_counter()
        history = model.fit(X, y, optimizer="sgd", lr=0.5, epochs=epochs, batch_size=10, seed=0, verbose=0,
                            gradient=method)
        seconds = time.perf_counter() - start
        ax.plot(history.history["loss"], label=f"{method}: {seconds:.2f} s", linestyle="-" if method == "backprop"
                else "--")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.legend()
    save(figure, args.out, "numerical_vs_backprop.png")

    # The step size: the notes' one-sided difference against the central one, on f = sigmoid at 0.5.
    sigmoid = nn.activations.sigmoid
    errors = nn.gradients.difference_errors(lambda v: float(sigmoid(v)), float(sigmoid.derivative(0.5)), 0.5)
    for method in ("forward", "central"):
        best = int(np.argmin(errors[method]))
        print(f"{method:>7} difference: smallest error {errors[method][best]:.1e} at eps = {errors['eps'][best]:.0e}")
    save(nn.plot.difference_errors(errors, title="d/dx sigmoid(x) at x = 0.5"), args.out, "difference_error.png")


if __name__ == "__main__":
    main()
