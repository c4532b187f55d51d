"""Pictures: activation curves, a neuron's output, decision regions, learning curves,
confusion matrices, first-layer weights and a network diagram.

Every function returns a matplotlib ``Figure`` and, where it draws a single panel,
takes ``ax=`` to draw into an axes of yours instead. Figures are built without
pyplot (no global state, no window): save them with ``fig.savefig("name.png")``,
or let Jupyter display them. matplotlib is imported only when this module is
(``pip install 'neuronet[plot]'``).

    >>> from neuronet import plot
    >>> fig = plot.activations()                  # doctest: +SKIP
    >>> fig.savefig("activations.png")            # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .errors import ConfigurationError, MissingExtra, WrongType

try:
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise MissingExtra("neuronet.plot needs matplotlib: pip install 'neuronet[plot]'") from error

from . import activations as _activations
from .layers import Dense
from .network import as_network

__all__ = ["activations", "neuron", "decision_boundary", "history", "confusion_matrix", "weights", "network",
           "difference_errors", "backprop_graph",
           "CLASS_COLOURS"]

# Colour-blind-safe qualitative palette (Okabe and Ito), one colour per class.
CLASS_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
                 "#999999", "#882255"]
POSITIVE, NEGATIVE = "#0072B2", "#D55E00"


def _figure_and_axes(ax: Any, figsize: tuple[float, float]) -> tuple[Figure, Any]:
    if ax is not None:
        return ax.figure, ax
    figure = Figure(figsize=figsize, layout="constrained")
    return figure, figure.add_subplot()


# --- activation functions ------------------------------------------------------------------
def _curve(name: str, x: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x); softmax is shown on the slice softmax([x, 0])[0] (which is sigmoid(x))."""
    if name == "softmax":
        pairs = np.stack([x, np.zeros_like(x)], axis=1)
        return _activations.softmax(pairs)[:, 0], _activations.softmax.derivative(pairs)[:, 0, 0]
    function = _activations.get(name, **({"alpha": alpha} if name == "leaky_relu" else {}))
    return function(x.copy()), function.derivative(x.copy())


def activations(names: Sequence[str] | None = None, derivatives: bool = True, x_range: tuple[float, float] = (-5, 5),
                alpha: float | None = None) -> Figure:
    """One panel per activation (default: every registered one), each with its derivative drawn
    beside it as a dashed line; the panel's title is the activation's ``display_name``. Leaky ReLU
    uses ``alpha``, by default the library's own (0.01, as the activation-function notes have it), and its title says
    which: "Leaky ReLU (α = 0.01)"."""
    if alpha is None:
        alpha = _activations.get("leaky_relu").alpha
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not np.isfinite(alpha) or alpha < 0:
        raise ConfigurationError(f"alpha: expected Leaky ReLU's slope for x < 0, a number >= 0, got {alpha!r}")
    names = list(names) if names is not None else _activations.names()
    for name in names:
        if name not in _activations.names():
            raise ConfigurationError(f"names: unknown activation {name!r}; expected some of {_activations.names()}")
    columns = min(4, len(names))
    rows = -(-len(names) // columns)
    figure = Figure(figsize=(3.2 * columns, 2.8 * rows), layout="constrained")
    x = np.linspace(*x_range, 801)
    for index, name in enumerate(names):
        ax = figure.add_subplot(rows, columns, index + 1)
        y, dy = _curve(name, x, alpha)
        if name == "step":  # draw the jump as a jump, not a steep line
            ax.plot(x[x <= 0], y[x <= 0], color=POSITIVE, label="f(x)")
            ax.plot(x[x > 0], y[x > 0], color=POSITIVE)
        else:
            ax.plot(x, y, color=POSITIVE, label="f(x)")
        if derivatives:
            ax.plot(x, dy, color=NEGATIVE, linestyle="--", label="f'(x)")
        ax.axhline(0, color="0.8", linewidth=0.8, zorder=0)
        ax.axvline(0, color="0.8", linewidth=0.8, zorder=0)
        title = _activations.get(name).display_name
        ax.set_title(f"{title} (α = {alpha:g})" if name == "leaky_relu" else title)
        ax.set_xlabel("x")
        ax.legend(loc="upper left", fontsize="small", frameon=False)
    return figure


# --- a single neuron ---------------------------------------------------------------------
def _boundary_label(weights: np.ndarray, bias: float) -> str:
    """``-2·x0 + 1·x1 + 2 = 0``: inputs numbered from 0 as the notes number them, bias last."""
    terms = [f"{'' if i == 0 and w >= 0 else ('−' if w < 0 else '+ ')}{'' if i == 0 or w >= 0 else ' '}{abs(w):g}·x{i}"
             for i, w in enumerate(weights)]
    terms.append(f"{'+' if bias >= 0 else '−'} {abs(bias):g}")
    return " ".join(terms) + " = 0"


def neuron(neuron: Any, ax: Any = None, extent: tuple[float, float, float, float] = (-4, 4, -4, 4),
           kind: str = "heatmap", resolution: int = 200) -> Figure:
    """A 2-input neuron's output y = f(w0 x0 + w1 x1 + b) over the plane, as a heatmap (or a 3-D
    ``kind="surface"``), with its boundary line w0 x0 + w1 x1 + b = 0 drawn and labelled (inputs
    numbered from 0, as the notes number them).

    Chapter 1's example, w0 = -2, w1 = 1 and w2 = 2 on the dummy input x2 = 1 (so w2 is the bias),
    is ``Neuron([-2, 1], bias=2)``: the line -2 x0 + x1 + 2 = 0 separates outputs near 0 from
    outputs near 1 (the figure of chapter 1).
    """
    weights = np.asarray(getattr(neuron, "weights", None), dtype=float)
    if weights.shape != (2,):
        raise ConfigurationError("neuron: expected a neuronet.Neuron with exactly 2 inputs")
    if kind not in ("heatmap", "surface"):
        raise ConfigurationError(f"kind: expected 'heatmap' or 'surface', got {kind!r}")
    x0, x1, y0, y1 = extent
    grid_x, grid_y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    output = neuron(np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)).reshape(grid_x.shape)
    label = _boundary_label(weights, neuron.bias)
    if kind == "surface":
        figure = Figure(figsize=(6, 5), layout="constrained") if ax is None else ax.figure
        ax = ax or figure.add_subplot(projection="3d")
        ax.plot_surface(grid_x, grid_y, output, cmap="viridis", linewidth=0, antialiased=True)
        ax.set_zlabel("y")
    else:
        figure, ax = _figure_and_axes(ax, (6, 5))
        image = ax.imshow(output, extent=extent, origin="lower", cmap="viridis", aspect="auto")
        figure.colorbar(image, ax=ax, label=f"y = {neuron.activation.name}(w·x + b)")
    # the boundary line: solve w1 x + w2 y + b = 0 for whichever coordinate has the larger weight
    w1, w2 = weights
    if abs(w2) >= abs(w1):
        xs = np.array([x0, x1])
        ys = -(w1 * xs + neuron.bias) / w2
    else:
        ys = np.array([y0, y1])
        xs = -(w2 * ys + neuron.bias) / w1
    if kind == "surface":
        ax.plot(xs, ys, np.full(2, 0.5), color="white", linewidth=2, label=label)
    else:
        ax.plot(xs, ys, color="white", linewidth=2, label=label)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_title("neuron output and its boundary")
    ax.legend(loc="upper right", fontsize="small")
    return figure


def difference_errors(errors: dict, ax: Any = None, title: str = "") -> Figure:
    """The error of the forward and central differences against the step size, on log-log axes
    (``neuronet.gradients.difference_errors`` measures them): slope 1 and slope 2 where truncation
    dominates, and the rounding floor rising to the left of the best step."""
    figure, ax = _figure_and_axes(ax, (6, 4))
    eps = np.asarray(errors["eps"])
    for method, style in (("forward", "-o"), ("central", "-s")):
        values = np.maximum(np.asarray(errors[method]), 1e-18)  # an exact 0 has no logarithm
        ax.loglog(eps, values, style, markersize=3, label=f"{method} difference")
    machine = float(np.finfo(np.float64).eps)
    for method, best in (("forward", machine ** 0.5), ("central", machine ** (1 / 3))):
        ax.axvline(best, color="0.75", linewidth=0.8, linestyle=":")
        ax.text(best, 1e-3, f"best {method} eps ~ {best:.0e} ", fontsize="x-small", rotation=90, va="top", ha="right",
                color="0.4")
    ax.set_xlabel("step size eps")
    ax.set_ylabel("|estimate - true derivative|")
    ax.set_title(title or "numerical differentiation: truncation against rounding")
    ax.legend(loc="upper center", fontsize="small")
    return figure


# --- classifiers ---------------------------------------------------------------------------
def _predict(model: Any, X: np.ndarray) -> np.ndarray:
    predict = getattr(model, "predict", None)
    if not callable(predict):
        raise WrongType(f"model: expected a trained network or estimator with predict(), got {type(model).__name__}")
    return np.asarray(predict(X))


def decision_boundary(model: Any, X: Any, y: Any, ax: Any = None, resolution: int = 300, margin: float = 0.5,
                      show_points: bool = True) -> Figure:
    """The class a trained classifier assigns to every point of the plane, for any number of
    classes, with the data points over it and the misclassified ones circled in red."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ConfigurationError(f"X: decision regions need 2-D inputs of shape (n, 2), got {X.shape}")
    if y.shape != (X.shape[0],):
        raise ConfigurationError(f"y: expected shape ({X.shape[0]},), got {y.shape}")
    figure, ax = _figure_and_axes(ax, (6, 5))
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    grid_x, grid_y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    regions = _predict(model, np.stack([grid_x.ravel(), grid_y.ravel()], axis=1))
    predicted = _predict(model, X)
    known = getattr(model, "classes_", getattr(model, "classes", None))
    classes = np.unique(np.concatenate([y, regions, *([np.asarray(known)] if known is not None else [])]))
    index = {label: i for i, label in enumerate(classes.tolist())}
    colours = [CLASS_COLOURS[i % len(CLASS_COLOURS)] for i in range(len(classes))]
    region_index = np.vectorize(index.get)(regions).reshape(grid_x.shape)
    ax.imshow(region_index, extent=(x0, x1, y0, y1), origin="lower", cmap=ListedColormap(colours),
              vmin=-0.5, vmax=len(classes) - 0.5, alpha=0.35, aspect="auto", interpolation="nearest")
    if show_points:
        for label in np.unique(y):
            members = y == label
            ax.scatter(X[members, 0], X[members, 1], s=14, color=colours[index[label.item()]],
                       edgecolors="white", linewidths=0.4, label=str(label))
        wrong = predicted != y
        if wrong.any():
            ax.scatter(X[wrong, 0], X[wrong, 1], s=60, facecolors="none", edgecolors="red", linewidths=1.2,
                       label=f"misclassified ({int(wrong.sum())})")
        ax.legend(loc="upper right", fontsize="small", framealpha=0.8)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(f"decision regions ({len(classes)} classes)")
    return figure


def confusion_matrix(model: Any, X: Any, y: Any, ax: Any = None, normalize: bool = False) -> Figure:
    """Counts (or row fractions, ``normalize=True``) of true class (rows) against predicted class
    (columns), each cell annotated."""
    y = np.asarray(y)
    predicted = _predict(model, np.asarray(X))
    classes = np.unique(np.concatenate([y, predicted]))
    position = {label: i for i, label in enumerate(classes.tolist())}
    matrix = np.zeros((len(classes), len(classes)))
    for true, guess in zip(y.tolist(), predicted.tolist()):
        matrix[position[true], position[guess]] += 1
    if normalize:
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = max(4.5, 1.2 + 0.5 * len(classes))
    figure, ax = _figure_and_axes(ax, (size + 0.8, size))
    image = ax.imshow(matrix, cmap="Blues")
    threshold = matrix.max() / 2 if matrix.size else 0
    for (row, column), value in np.ndenumerate(matrix):
        text = f"{value:.2f}" if normalize else f"{int(value)}"
        ax.text(column, row, text, ha="center", va="center", fontsize="small",
                color="white" if value > threshold else "black")
    ax.set_xticks(range(len(classes)), [str(c) for c in classes])
    ax.set_yticks(range(len(classes)), [str(c) for c in classes])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = float(np.mean(predicted == y)) if y.size else float("nan")
    ax.set_title(f"confusion matrix (accuracy {accuracy:.3f})")
    figure.colorbar(image, ax=ax, shrink=0.8)
    return figure


# --- training ----------------------------------------------------------------------------
def history(history: Any) -> Figure:
    """Loss and accuracy per epoch, training and validation, side by side (one panel when there
    is no accuracy). Takes a ``History``, its ``.history`` dict, or a saved history JSON dict."""
    curves = getattr(history, "history", history)
    if isinstance(curves, dict) and "history" in curves and isinstance(curves["history"], dict):
        curves = curves["history"]
    if not isinstance(curves, dict) or "loss" not in curves:
        raise ConfigurationError("history: expected a History or a dict with at least a 'loss' list")
    panels = [name for name in ("loss", "accuracy") if name in curves]
    figure = Figure(figsize=(5 * len(panels), 3.6), layout="constrained")
    for index, name in enumerate(panels):
        ax = figure.add_subplot(1, len(panels), index + 1)
        epochs = np.arange(1, len(curves[name]) + 1)
        ax.plot(epochs, curves[name], color=POSITIVE, marker="o", markersize=3, label=f"training {name}")
        if f"val_{name}" in curves:
            ax.plot(epochs, curves[f"val_{name}"], color=NEGATIVE, marker="o", markersize=3,
                    label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(name)
        if name == "loss" and min(curves[name]) > 0:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    return figure


# --- weights and architecture --------------------------------------------------------------
def _first_dense(model: Any) -> Dense:
    if isinstance(model, Dense):
        return model
    dense = next((layer for layer in as_network(model).layers if isinstance(layer, Dense)), None)
    if dense is None:
        raise ConfigurationError("model: has no Dense layer")
    return dense


def weights(layer: Any, image_shape: Sequence[int] = (8, 8), max_units: int = 64, channels_first: bool = True) -> Figure:
    """Each unit's incoming weights of the first Dense layer as an image: (8, 8) for digits,
    (28, 28) for MNIST, (32, 32, 3) for CIFAR-10 (whose rows are channel-first, as the binary
    files store them; ``channels_first=False`` for height-width-channel rows). Blue is positive,
    red negative, on a scale symmetric around 0 per unit (colour images are rescaled to [0, 1])."""
    dense = _first_dense(layer)
    shape = tuple(int(s) for s in image_shape)
    if int(np.prod(shape)) != dense.in_features:
        raise ConfigurationError(f"image_shape: {shape} holds {int(np.prod(shape))} pixels but the layer has "
                         f"{dense.in_features} inputs")
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] != 3):
        raise ConfigurationError(f"image_shape: expected (height, width) or (height, width, 3), got {shape}")
    matrix = np.asarray(dense.params["W"], dtype=float)
    units = min(dense.out_features, max_units)
    columns = int(np.ceil(np.sqrt(units)))
    rows = int(np.ceil(units / columns))
    figure = Figure(figsize=(1.3 * columns, 1.3 * rows + 0.4), layout="constrained")
    for unit in range(units):
        ax = figure.add_subplot(rows, columns, unit + 1)
        column = matrix[:, unit]
        if len(shape) == 3:
            height, width, _ = shape
            image = column.reshape(3, height, width).transpose(1, 2, 0) if channels_first else column.reshape(shape)
            low, high = image.min(), image.max()
            ax.imshow((image - low) / (high - low) if high > low else np.zeros_like(image))
        else:
            limit = np.abs(column).max() or 1.0
            ax.imshow(column.reshape(shape), cmap="RdBu", vmin=-limit, vmax=limit)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(str(unit), fontsize="x-small")
    figure.suptitle(f"first-layer weights ({units} of {dense.out_features} units)")
    return figure


def _layer_label(layer: Any) -> str:
    """What to write beside a Dense layer's neurons: the activation that follows it, if any."""
    if layer is None or isinstance(layer, Dense):
        return ""
    function = getattr(layer, "function", None)
    return function.display_name if function is not None else type(layer).__name__


def network(model: Any, ax: Any = None, max_neurons: int = 12) -> Figure:
    """A diagram of the network: one column of neurons per layer, edges coloured by the sign of
    their weight (blue positive, red negative) and as wide as its size. Layers wider than
    ``max_neurons`` show their first neurons and a count of the rest."""
    net = as_network(model)
    denses = [layer for layer in net.layers if isinstance(layer, Dense)]
    if not denses:
        raise ConfigurationError("model: has no Dense layers to draw")
    activation_after = {}
    for position, layer in enumerate(net.layers):
        if isinstance(layer, Dense):
            following = net.layers[position + 1] if position + 1 < len(net.layers) else None
            activation_after[id(layer)] = _layer_label(following)
    widths = [denses[0].in_features] + [d.out_features for d in denses]
    shown = [min(w, max_neurons) for w in widths]
    figure, ax = _figure_and_axes(ax, (2.2 * len(widths) + 1, 0.45 * max(shown) + 1.5))

    def ys(count: int) -> np.ndarray:
        return np.linspace(-(count - 1) / 2, (count - 1) / 2, count) if count > 1 else np.zeros(1)

    largest = max(float(np.abs(np.asarray(d.params["W"])).max()) for d in denses) or 1.0
    for column, dense in enumerate(denses):
        matrix = np.asarray(dense.params["W"], dtype=float)
        left, right = ys(shown[column]), ys(shown[column + 1])
        for i, y_left in enumerate(left):
            for j, y_right in enumerate(right):
                w = matrix[i, j]
                ax.plot([column, column + 1], [y_left, y_right], color=POSITIVE if w >= 0 else NEGATIVE,
                        linewidth=0.2 + 3.0 * abs(w) / largest, alpha=0.25 + 0.6 * abs(w) / largest, zorder=1)
    for column, (count, width) in enumerate(zip(shown, widths)):
        positions = ys(count)
        ax.scatter(np.full(count, column), positions, s=180, color="white", edgecolors="0.2", zorder=2)
        if width > count:
            ax.text(column, positions.min() - 0.9, f"+{width - count} more", ha="center", fontsize="small")
        if column == 0:
            title = f"input\n{width}"
        else:
            name = activation_after[id(denses[column - 1])]
            title = f"Dense {width}" + (f"\n{name}" if name else "")
        ax.text(column, positions.max() + 0.9, title, ha="center", va="bottom", fontsize="small")
    ax.set_xlim(-0.5, len(widths) - 0.5)
    ax.set_ylim(-max(shown) / 2 - 1.5, max(shown) / 2 + 2)
    ax.axis("off")
    ax.set_title(f"{'-'.join(map(str, widths))} network, {net.n_parameters:,} parameters")
    return figure


# --- the computational graph of eq. 28 -----------------------------------------------------
def backprop_graph(outputs: int = 3, ax: Any = None) -> Figure:
    """The paths from one hidden weight w_ji to one sample's error E_n (the notes' eq. 28, chapter 8):
    w_ji -> b_j -> z_j, then z_j into every score a_0 ... a_{K-1}, and all of them into E_n.
    Forward edges are labelled with their local derivatives; the backward sum that arrives at z_j
    from the ``outputs`` scores is written under it, which is where eq. 28's sum over k comes from."""
    if isinstance(outputs, bool) or not isinstance(outputs, (int, np.integer)) or not 1 <= outputs <= 6:
        raise ConfigurationError(f"outputs: expected the number of output scores K, 1 to 6, got {outputs!r}")
    figure, ax = _figure_and_axes(ax, (9.0, 4.2))
    K = int(outputs)
    score_y = np.linspace(0.85, 0.15, K) if K > 1 else np.array([0.5])
    nodes = {"w": (0.06, 0.5, r"$w_{ji}$"), "b": (0.27, 0.5, r"$b_j$"), "z": (0.48, 0.5, r"$z_j$"),
             "E": (0.94, 0.5, r"$E_n$")}
    nodes.update({f"a{k}": (0.72, score_y[k], rf"$a_{{{k}}}$") for k in range(K)})

    def arrow(start, end, label, offset=(0.0, 0.035)):
        (x0, y0, _), (x1, y1, _) = nodes[start], nodes[end]
        ax.annotate("", xy=(x1 - 0.045 * np.sign(x1 - x0), y1), xytext=(x0 + 0.045 * np.sign(x1 - x0), y0),
                    arrowprops={"arrowstyle": "->", "color": POSITIVE, "linewidth": 1.4})
        if label:
            ax.text((x0 + x1) / 2 + offset[0], (y0 + y1) / 2 + offset[1], label, ha="center", va="bottom",
                    fontsize=10, color=POSITIVE)

    arrow("w", "b", r"$\partial b_j/\partial w_{ji} = x_i$")
    arrow("b", "z", r"$h'(b_j)$")
    for k in range(K):
        arrow("z", f"a{k}", rf"$v_{{{k}j}}$", offset=(-0.02, 0.0))
        level = abs(score_y[k] - 0.5) < 1e-9   # a horizontal edge: its label goes above it
        arrow(f"a{k}", "E", rf"$y_{{{k}}} - t_{{{k}}}$" if K <= 4 else "",
              offset=(0.0, 0.035) if level else (0.045, -0.02))
    for name, (x, y, label) in nodes.items():
        ax.add_patch(_node((x, y), facecolor="white", edgecolor="0.3", linewidth=1.2, zorder=3))
        ax.text(x, y, label, ha="center", va="center", fontsize=12, zorder=4)
    ax.text(0.48, 0.22, r"backward: $\partial E_n/\partial z_j = \sum_k (y_k - t_k)\, v_{kj}$",
            ha="center", va="top", fontsize=10, color=NEGATIVE)
    ax.text(0.48, 0.08, r"eq. 28: $\partial E_n/\partial w_{ji} = (\sum_k (y_k - t_k)\, v_{kj})\, h'(b_j)\, x_i$",
            ha="center", va="top", fontsize=10, color=NEGATIVE)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("auto")
    ax.axis("off")
    ax.set_title(f"The paths from $w_{{ji}}$ to $E_n$ ({K} output{'s' if K != 1 else ''})")
    return figure


def _node(center, **style):
    """A round node in axes stretched to the figure's 9 x 4.2 shape."""
    from matplotlib.patches import Ellipse

    return Ellipse(center, 0.07, 0.07 * 9.0 / 4.2, **style)
