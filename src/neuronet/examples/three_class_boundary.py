"""Chapter 9: the 2-3-3 feed-forward network (sigmoid hidden layer, softmax output) trained with
backpropagation on three Gaussian classes, and the decision boundary it learns."""

import neuronet as nn
from neuronet.datasets.toy import make_gaussians
from neuronet.examples._common import arguments, save


def main(argv=None) -> None:
    args = arguments(__doc__.splitlines()[0], argv)
    X, y = make_gaussians(300 if args.fast else 600, seed=1)
    X_test, y_test = make_gaussians(300, seed=2)
    net = nn.MLP([2, 3, 3], activation="sigmoid", rng=0)
    history = net.fit(X, y, optimizer="sgd", lr=0.5, epochs=20 if args.fast else 100, batch_size=10, seed=0,
                      verbose=0, validation_data=(X_test, y_test))
    print(f"test accuracy: {net.evaluate(X_test, y_test)['accuracy']:.3f}")
    save(nn.plot.decision_boundary(net, X_test, y_test), args.out, "three_class_boundary.png")
    save(nn.plot.history(history), args.out, "three_class_history.png")


if __name__ == "__main__":
    main()
