"""Why nonlinearity: without activations, W2 (W1 x) = (W2 W1) x is one linear map, so a deep
network of identity layers draws one straight line and fails on XOR and the spiral; with ReLU
the same network bends. And the hidden layer's size is a hyperparameter: 3, 6, 20 neurons."""

import numpy as np

import neuronet as nn
from neuronet.examples._common import arguments, save


def train(X, y, hidden, activation, epochs, seed=0):
    classes = int(y.max()) + 1
    net = nn.MLP([2, *hidden, classes], activation=activation, rng=seed)
    net.fit(X, y, epochs=epochs, lr=0.01, batch_size=20, seed=seed, verbose=0)
    return net


def main(argv=None) -> None:
    args = arguments(__doc__.splitlines()[0], argv)
    import matplotlib.figure

    epochs = 40 if args.fast else 200
    sets = {"xor": nn.datasets.make_xor(400, noise=0.1, seed=0),
            "spiral": nn.datasets.make_spiral(400, n_classes=3, noise=0.1, seed=0)}
    # The folding, checked: two identity layers compute exactly one matrix product.
    net = nn.MLP([2, 5, 3], activation="identity", rng=0, dtype=np.float64)
    first, second = net.layers[0], net.layers[2]
    W = first.params["W"] @ second.params["W"]
    b = first.params["b"] @ second.params["W"] + second.params["b"]
    x = np.random.default_rng(0).normal(size=(4, 2))
    print("identity layers fold into one:", np.allclose(net.forward(x), x @ W + b))

    figure = matplotlib.figure.Figure(figsize=(9, 8), layout="constrained")
    for row, activation in enumerate(("identity", "relu")):
        for column, (name, (X, y)) in enumerate(sets.items()):
            net = train(X, y, [16, 16], activation, epochs)
            accuracy = net.evaluate(X, y)["accuracy"]
            print(f"{activation:>8} 2-16-16-{int(y.max()) + 1} on {name}: training accuracy {accuracy:.2f}")
            ax = figure.add_subplot(2, 2, row * 2 + column + 1)
            nn.plot.decision_boundary(net, X, y, ax=ax, resolution=120)
            ax.set_title(f"{activation}, {name}: accuracy {accuracy:.2f}")
    save(figure, args.out, "nonlinearity.png")

    X, y = sets["spiral"]
    figure = matplotlib.figure.Figure(figsize=(12, 4), layout="constrained")
    for column, width in enumerate((3, 6, 20)):
        net = train(X, y, [width], "relu", epochs)
        accuracy = net.evaluate(X, y)["accuracy"]
        print(f"2-{width}-3 ReLU on the spiral: training accuracy {accuracy:.2f}")
        ax = figure.add_subplot(1, 3, column + 1)
        nn.plot.decision_boundary(net, X, y, ax=ax, resolution=120)
        ax.set_title(f"{width} hidden neurons: accuracy {accuracy:.2f}")
    save(figure, args.out, "hidden_sizes.png")


if __name__ == "__main__":
    main()
