"""Chapter 1: one formal neuron, y = sigmoid(w0 x0 + w1 x1 + w2 x2) with w0 = -2, w1 = 1, w2 = 2.

The notes put the bias last, as the weight of a dummy input that is always 1 (x2 = 1, eq. 2),
so the neuron is y = sigmoid(-2 x0 + x1 + 2): neuronet writes that as
Neuron(weights=[-2, 1], bias=2). Its output is above 0.5 exactly where -2 x0 + x1 + 2 > 0:
the boundary is the line -2 x0 + x1 + 2 = 0, through (1, 0) and (0, -2).
"""

import numpy as np

import neuronet as nn
from neuronet.examples._common import arguments, save


def main(argv=None) -> None:
    args = arguments(__doc__.splitlines()[0], argv)
    w0, w1, w2 = -2.0, 1.0, 2.0                        # the notes' weights; w2 multiplies x2 = 1
    neuron = nn.Neuron(weights=[w0, w1], bias=w2, activation="sigmoid")
    for point in ([0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [0.0, -2.0], [-1.0, 1.0]):
        by_hand = 1 / (1 + np.exp(-(w0 * point[0] + w1 * point[1] + w2 * 1.0)))  # eq. 1-4 with the dummy x2 = 1
        print(f"x = {point}: y = {float(neuron(np.array(point))):.3f}  (eq. 4 by hand: {by_hand:.3f})")
    save(nn.plot.neuron(neuron), args.out, "single_neuron.png")
    save(nn.plot.neuron(neuron, kind="surface"), args.out, "single_neuron_surface.png")


if __name__ == "__main__":
    main()
