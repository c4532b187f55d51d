"""Seed 003: every activation function beside its derivative (step, sigmoid, tanh, ReLU,
Leaky ReLU, identity, and softmax over a 2-class slice)."""

import numpy as np

import neuronet as nn
from neuronet.examples._common import arguments, save


def main(argv=None) -> None:
    args = arguments(__doc__.splitlines()[0], argv)
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    for name in ("step", "sigmoid", "tanh", "relu", "leaky_relu", "identity"):
        f = nn.activations.get(name)
        print(f"{name:>10}  f(x) = {np.round(f(x), 3)}  f'(x) = {np.round(f.derivative(x), 3)}")
    save(nn.plot.activations(), args.out, "activations.png")


if __name__ == "__main__":
    main()
