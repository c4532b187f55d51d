"""Chapter 12: an image classifier s = W2 max(0, W1 x) on CIFAR-10 (32x32 colour images, 10
classes): a two-layer ReLU network, and its first layer's weights seen as images.

Uses the real CIFAR-10 when it has been downloaded (``neuronet datasets`` shows the cache;
``neuronet train --data cifar10`` downloads it); offline, a small synthetic stand-in with the
same shapes, and says so."""

import numpy as np

import neuronet as nn
from neuronet.datasets import cifar
from neuronet.datasets.download import data_home, is_cached
from neuronet.examples._common import arguments, save


def synthetic_images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Ten classes of 32x32x3 images: each class a colour and a stripe direction, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    rows, cols = np.mgrid[0:32, 0:32] / 31.0
    images = np.empty((n, 3, 32, 32), np.float32)
    for label in range(10):
        colour = np.array([(label % 3) / 2, (label // 3 % 3) / 2, (label % 2)], np.float32)[:, None, None]
        angle = np.pi * label / 10
        stripes = 0.5 + 0.5 * np.sin(12 * (np.cos(angle) * rows + np.sin(angle) * cols))
        images[y == label] = colour * stripes
    images += rng.normal(0, 0.25, images.shape).astype(np.float32)
    return images.reshape(n, -1), y


def main(argv=None) -> None:
    args = arguments(__doc__.splitlines()[0], argv)
    if is_cached(cifar.ARCHIVE, data_home()) and not args.fast:
        (X_train, y_train), (X_test, y_test) = cifar.load_cifar10(verbose=False)
        X_train, y_train = X_train[:20000], y_train[:20000]
        source = "CIFAR-10"
    else:
        print("CIFAR-10 is not downloaded here (or --fast): using a synthetic stand-in with the same shapes. "
              "Download the real data with: neuronet train --data cifar10")
        X_train, y_train = synthetic_images(2000 if args.fast else 10000, seed=0)
        X_test, y_test = synthetic_images(500 if args.fast else 2000, seed=1)
        source = "synthetic stand-in"
    mean = X_train.mean(axis=0)
    net = nn.MLP([3072, 100, 10], activation="relu", rng=0)  # s = W2 max(0, W1 x)
    net.fit(X_train - mean, y_train, epochs=2 if args.fast else 10, batch_size=128, lr=1e-3, l2=1e-4, seed=0,
            verbose=0)
    print(f"{source}: test accuracy {net.evaluate(X_test - mean, y_test)['accuracy']:.3f} (chance: 0.100)")
    save(nn.plot.weights(net.layers[0], image_shape=(32, 32, 3), max_units=20), args.out, "cifar10_weights.png")


if __name__ == "__main__":
    main()
