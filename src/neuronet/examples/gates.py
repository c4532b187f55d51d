"""Perceptrons as logic gates, the classic textbook example (the perceptron itself is chapter 3's):
AND, OR and NAND are one perceptron each; XOR is not linearly separable, so it takes two
layers: XOR(a, b) = AND(NAND(a, b), OR(a, b)).
A perceptron also learns AND from examples with the perceptron rule."""

import numpy as np

import neuronet as nn
from neuronet.examples._common import arguments, save

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


def main(argv=None) -> None:
    args = arguments(__doc__.splitlines()[0], argv)
    print("x1 x2 | AND OR NAND XOR")
    for (a, b), row in zip(INPUTS, zip(*(gate(INPUTS) for gate in (nn.gates.AND, nn.gates.OR, nn.gates.NAND,
                                                                     nn.gates.XOR)))):
        print(f" {a}  {b} |  {'   '.join(str(int(v)) for v in row)}")
    learner = nn.Perceptron(2)
    learner.fit(INPUTS, np.array([0, 0, 0, 1]), epochs=20)
    print("learned AND:", learner.predict(INPUTS).tolist())

    import matplotlib.figure

    figure = matplotlib.figure.Figure(figsize=(12, 3))
    grid = np.stack(np.meshgrid(np.linspace(-0.5, 1.5, 200), np.linspace(-0.5, 1.5, 200)), axis=-1).reshape(-1, 2)
    for ax, (name, gate) in zip(figure.subplots(1, 4), [("AND", nn.gates.AND), ("OR", nn.gates.OR),
                                                        ("NAND", nn.gates.NAND), ("XOR", nn.gates.XOR)]):
        ax.imshow(gate(grid).reshape(200, 200), origin="lower", extent=(-0.5, 1.5, -0.5, 1.5), cmap="coolwarm",
                  alpha=0.4, vmin=0, vmax=1)
        outputs = gate(INPUTS)
        ax.scatter(INPUTS[:, 0], INPUTS[:, 1], c=outputs, cmap="coolwarm", vmin=0, vmax=1, edgecolors="k", s=80)
        ax.set_title(name)
        ax.set_xlabel("x1")
    figure.axes[0].set_ylabel("x2")
    save(figure, args.out, "gates.png")


if __name__ == "__main__":
    main()
