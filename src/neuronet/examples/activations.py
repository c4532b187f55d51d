"""Every activation function beside its derivative (step, sigmoid, tanh, ReLU, Leaky ReLU and
identity, the functions the activation-function notes plot; softmax printed for a vector and drawn
on a 2-class slice)."""

import numpy as np

import neuronet as nn
from neuronet.examples._common import arguments, save


def main(argv=None) -> None:
    args = arguments(__doc__.splitlines()[0], argv)
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    for name in ("step", "sigmoid", "tanh", "relu", "leaky_relu", "identity"):
        f = nn.activations.get(name)
        print(f"{name:>10}  f(x) = {np.round(f(x), 3)}  f'(x) = {np.round(f.derivative(x), 3)}")
    # softmax is not elementwise: it turns a vector of scores into probabilities that sum to 1
    softmax = nn.activations.softmax(x)
    print(f"{'softmax':>10}  f(x) = {np.round(softmax, 3)}  (sum {softmax.sum():.3f}); "
          f"its Jacobian diagonal y(1 - y) = {np.round(np.diagonal(nn.activations.softmax.derivative(x)), 3)}")
    save(nn.plot.activations(), args.out, "activations.png")


if __name__ == "__main__":
    main()
