"""Training in practice: optimizers on f(x, y) = x^2/20 + y^2, initial weights and the
activations they give, overfitting and what L2 ("gradual forgetting") and dropout do about it,
and two sanity checks (the first loss is about ln C; 20 samples can be learned by heart)."""

import numpy as np

import neuronet as nn
from neuronet.examples._common import arguments, save

START = np.array([-7.0, 2.0])
OPTIMIZERS = {"SGD": nn.optim.SGD(lr=0.95), "Momentum": nn.optim.Momentum(lr=0.1), "AdaGrad": nn.optim.AdaGrad(lr=1.5),
              "RMSProp": nn.optim.RMSProp(lr=0.2), "Adam": nn.optim.Adam(lr=0.3)}


def bowl_gradient(point):
    """The gradient of f(x, y) = x^2 / 20 + y^2: (x / 10, 2 y). Steep along y, flat along x."""
    return np.array([point[0] / 10, 2 * point[1]])


def trajectories(steps=30):
    """Each optimizer's path from (-7, 2) towards the minimum at (0, 0), ``steps`` updates."""
    paths = {}
    for name, optimizer in OPTIMIZERS.items():
        point, path = START.copy(), [START.copy()]
        for _ in range(steps):
            optimizer.step({"p": point}, {"p": bowl_gradient(point)})
            path.append(point.copy())
        paths[name] = np.array(path)
    return paths


def activation_histograms(init, activation, layers=5, width=100, samples=1000, seed=0):
    """The outputs of each hidden layer of a deep net at initialisation, for one input batch."""
    rng = np.random.default_rng(seed)
    net = nn.MLP([width] * (layers + 1), activation=activation, output=activation, init=init, rng=seed,
                 dtype=np.float64)
    x = rng.normal(size=(samples, width))
    outputs = []
    for layer in net.layers:
        x = layer.forward(x, training=False)
        if not isinstance(layer, nn.Dense):
            outputs.append(np.array(x))
    return outputs


class DataLoss(nn.Callback):
    """Records the validation set's data loss (without the L2 term) after each epoch."""

    def __init__(self, X, y):
        self.X, self.y, self.values = X, y, []

    def on_epoch_end(self, epoch, logs=None):
        self.values.append(self.model.evaluate(self.X, self.y)["loss"])


def overfitting(epochs, seed=0):
    """A 64-256-256-10 net on only 100 digits, three ways: plain, with L2 (the notes' gradual
    forgetting), with dropout. Per epoch: training accuracy, validation accuracy and the
    validation data loss."""
    (X, y), (X_test, y_test) = nn.datasets.load("digits")
    X, y = X[:100], y[:100]
    runs = {}
    for label, options, dropout in (("plain", {}, 0.0), ("L2 = 0.003", {"l2": 0.003}, 0.0),
                                    ("dropout 0.5", {}, 0.5)):
        net = nn.MLP([64, 256, 256, 10], activation="relu", dropout=dropout, rng=seed)
        recorder = DataLoss(X_test, y_test)
        history = net.fit(X, y, epochs=epochs, batch_size=20, lr=1e-3, seed=seed, verbose=0,
                          validation_data=(X_test, y_test), callbacks=[recorder], **options)
        runs[label] = {**history.history, "val_data_loss": recorder.values}
    return runs


def zoom_range(curves):
    """A y-range that shows where validation curves bottom out and how far they climb again:
    from just below the lowest point to just above the highest value any curve takes from the
    earliest of their minima on (the first, steep epochs fall off the top)."""
    low = min(float(np.min(curve)) for curve in curves)
    start = min(int(np.argmin(curve)) for curve in curves)
    high = max(float(np.max(curve[start:])) for curve in curves)
    pad = max(high - low, 1e-3) * 0.3
    return low - pad, high + pad


def overfitting_figure(runs):
    """Three panels: every run's validation loss over all epochs; the same zoomed in to the range
    where they bottom out, each run's lowest point marked; the plain run's training and validation
    accuracy. Epochs count from 1."""
    import matplotlib.figure

    figure = matplotlib.figure.Figure(figsize=(14, 3.8), layout="constrained")
    ax_full, ax_zoom, ax_accuracy = (figure.add_subplot(1, 3, index) for index in (1, 2, 3))
    curves = [np.asarray(history["val_data_loss"]) for history in runs.values()]
    for (label, history), curve in zip(runs.items(), curves):
        epochs = np.arange(1, len(curve) + 1)
        line, = ax_full.plot(epochs, curve, label=label)
        ax_zoom.plot(epochs, curve, color=line.get_color(), label=label)
        best = int(np.argmin(curve))
        ax_zoom.plot(best + 1, curve[best], "o", color=line.get_color(), markersize=6)
        ax_zoom.annotate(f"{curve[best]:.3f} (epoch {best + 1})", (best + 1, curve[best]), xytext=(0, -14),
                         textcoords="offset points", ha="right" if best > 0.7 * len(curve) else "center",
                         fontsize="small", color=line.get_color())
    ax_full.set_title("validation loss (data term), 100 training digits")
    ax_full.set_xlabel("epoch")
    ax_full.legend(fontsize="small")
    ax_zoom.set_ylim(*zoom_range(curves))
    ax_zoom.set_title("zoomed in: the minimum (dot) and the climb after it")
    ax_zoom.set_xlabel("epoch")
    ax_zoom.legend(fontsize="small", loc="upper right")
    plain = runs["plain"]
    epochs = np.arange(1, len(plain["accuracy"]) + 1)
    ax_accuracy.plot(epochs, plain["accuracy"], label="plain: train")
    ax_accuracy.plot(epochs, plain["val_accuracy"], label="plain: validation", linestyle="--")
    ax_accuracy.set_title("the gap: learned by heart, not understood")
    ax_accuracy.set_xlabel("epoch")
    ax_accuracy.set_ylim(0, 1.02)
    ax_accuracy.legend(loc="lower right", fontsize="small")
    return figure


def main(argv=None) -> None:
    args = arguments(__doc__.splitlines()[0], argv)
    import matplotlib.figure

    # 1. Optimizers on a long, narrow bowl
    paths = trajectories()
    figure = matplotlib.figure.Figure(figsize=(11, 6), layout="constrained")
    grid_x, grid_y = np.meshgrid(np.linspace(-10, 10, 200), np.linspace(-5, 5, 200))
    for index, (name, path) in enumerate(paths.items()):
        ax = figure.add_subplot(2, 3, index + 1)
        ax.contour(grid_x, grid_y, grid_x ** 2 / 20 + grid_y ** 2, levels=12, colors="0.8", linewidths=0.7)
        ax.plot(path[:, 0], path[:, 1], "o-", color="#D55E00", markersize=2.5, linewidth=1)
        ax.plot(0, 0, "+", color="black")
        ax.set_title(name)
        ax.set_xlim(-10, 10)
        ax.set_ylim(-5, 5)
        print(f"{name:>8}: after 30 steps at ({path[-1][0]:+.3f}, {path[-1][1]:+.3f})")
    save(figure, args.out, "optimizer_paths.png")

    # 2. Initial weights: what each layer of a 5-layer net outputs before any training
    figure = matplotlib.figure.Figure(figsize=(11, 6.5), layout="constrained")
    settings = [("normal", "sigmoid", "N(0, 0.01²)"), ("xavier", "sigmoid", "Xavier"), ("he", "relu", "He (ReLU)")]
    for row, (init, activation, label) in enumerate(settings):
        outputs = activation_histograms(init, activation, samples=200 if args.fast else 1000)
        for column, values in enumerate(outputs):
            ax = figure.add_subplot(len(settings), len(outputs), row * len(outputs) + column + 1)
            ax.hist(values.ravel(), bins=30, range=(0, 1) if activation == "sigmoid" else (0, 4), color="#0072B2")
            ax.set_yticks([])
            if column == 0:
                ax.set_ylabel(f"{label}\n{activation}")
            if row == 0:
                ax.set_title(f"layer {column + 1}")
        spread = [float(values.std()) for values in outputs]
        print(f"{label:>12} {activation:>7}: std of each layer's outputs {np.round(spread, 3).tolist()}")
    save(figure, args.out, "initial_activations.png")

    # 3. Overfitting, then L2 and dropout
    runs = overfitting(epochs=30 if args.fast else 100)
    for label, history in runs.items():
        best = int(np.argmin(history["val_data_loss"]))
        print(f"{label:>12}: train accuracy {history['accuracy'][-1]:.3f}, validation accuracy "
              f"{history['val_accuracy'][-1]:.3f}; validation loss lowest {history['val_data_loss'][best]:.3f} "
              f"(epoch {best + 1}), last {history['val_data_loss'][-1]:.3f}")
    save(overfitting_figure(runs), args.out, "overfitting.png")

    # 4. Sanity checks
    (X, y), _ = nn.datasets.load("digits")
    net = nn.MLP([64, 100, 10], activation="relu", rng=0, dtype=np.float64)
    net.layers[-1].params["W"][...] *= 0.01  # tiny output weights: every class about equally likely
    print(f"first loss {net.objective(X, y):.3f}, ln 10 = {np.log(10):.3f}")
    small = nn.MLP([64, 100, 10], activation="relu", rng=0)
    small.fit(X[:20], y[:20], epochs=200, lr=1e-2, batch_size=20, verbose=0, seed=0)
    print(f"20 samples learned by heart: training accuracy {small.evaluate(X[:20], y[:20])['accuracy']:.2f}")


if __name__ == "__main__":
    main()
