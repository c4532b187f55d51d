"""Seed 001: one formal neuron, y = sigmoid(w1 x1 + w2 x2 + w0), with w0 = -2, w1 = 1, w2 = 2.

Its output is above 0.5 exactly where w1 x1 + w2 x2 + w0 > 0: the boundary is the line
x2 = (2 - x1) / 2, through (2, 0) and (0, 1).
"""

import numpy as np

import neuronet as nn
from neuronet.examples._common import arguments, save


def main(argv=None) -> None:
    args = arguments(__doc__.splitlines()[0], argv)
    neuron = nn.Neuron(weights=[1.0, 2.0], bias=-2.0, activation="sigmoid")
    for point in ([2.0, 0.0], [0.0, 1.0], [0.0, 0.0], [3.0, 3.0]):
        print(f"x = {point}: y = {float(neuron(np.array(point))):.3f}")
    save(nn.plot.neuron(neuron), args.out, "single_neuron.png")
    save(nn.plot.neuron(neuron, kind="surface"), args.out, "single_neuron_surface.png")


if __name__ == "__main__":
    main()
