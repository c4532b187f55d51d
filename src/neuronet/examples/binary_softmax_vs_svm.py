"""Chapter 11: one neuron as a binary classifier, trained two ways: as a binary softmax
(logistic regression, cross-entropy) and as a binary SVM (hinge loss), each with L2
regularization ("gradual forgetting"). Same line shape, different losses."""

import numpy as np

import neuronet as nn
from neuronet.examples._common import arguments, save


def main(argv=None) -> None:
    args = arguments(__doc__.splitlines()[0], argv)
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal([-1, -1], 0.8, (100, 2)), rng.normal([1.2, 1.0], 0.8, (100, 2))])
    y = np.repeat([0, 1], 100)
    epochs = 30 if args.fast else 100

    import matplotlib.figure

    figure = matplotlib.figure.Figure(figsize=(10, 4))
    axes = figure.subplots(1, 2)
    for ax, (title, loss, outputs) in zip(axes, [("binary softmax (cross-entropy)", "binary_cross_entropy", 1),
                                                 ("binary SVM (hinge)", "hinge", 1)]):
        neuron = nn.Sequential(nn.Dense(2, outputs, init="normal", rng=0))
        neuron.fit(X, y, loss=loss, optimizer="sgd", lr=0.1, l2=1e-3, epochs=epochs, seed=0, verbose=0)
        accuracy = neuron.evaluate(X, y)["accuracy"]
        print(f"{title}: accuracy {accuracy:.3f}, weights {np.round(np.asarray(neuron.layers[0].params['W']).ravel(), 3)}")
        nn.plot.decision_boundary(neuron, X, y, ax=ax)
        ax.set_title(f"{title}: {accuracy:.2f}")
    save(figure, args.out, "binary_softmax_vs_svm.png")


if __name__ == "__main__":
    main()
