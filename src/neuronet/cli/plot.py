"""``neuronet plot``: the figures of ``neuronet.plot``, written to .png, .svg or .pdf."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .. import activations
from . import _common
from ._common import UserError

__all__ = ["add_parsers", "run_plot", "PLOT_KINDS"]

PLOT_KINDS = ("activations", "neuron", "boundary", "history", "confusion", "weights", "network")

# The options each kind of figure reads: any other given is refused rather than silently ignored.
OPTIONS = {"--data": ("boundary", "confusion"), "--target": ("boundary", "confusion"),
           "--names": ("activations",), "--no-derivatives": ("activations",), "--weights": ("neuron",),
           "--bias": ("neuron",), "--activation": ("neuron",), "--surface": ("neuron",), "--shape": ("weights",)}


def add_parsers(commands: Any) -> None:
    drawing = commands.add_parser("plot", help="draw a figure to a .png, .svg or .pdf file",
                                  description="Draw one of the figures of neuronet.plot.")
    drawing.add_argument("kind", choices=PLOT_KINDS)
    drawing.add_argument("source", nargs="?",
                         help="the model file (boundary, confusion, weights, network) or history JSON (history)")
    drawing.add_argument("-o", "--output", required=True, help="output file: .png, .svg or .pdf")
    drawing.add_argument("--data", help="boundary/confusion: dataset name or file (default: the model's test data)")
    drawing.add_argument("--target", help="label column of a CSV file")
    drawing.add_argument("--names", help="activations: comma-separated names (default: all registered)")
    drawing.add_argument("--no-derivatives", action="store_true", help="activations: leave out f'(x)")
    drawing.add_argument("--weights", type=_common.numbers, default=[-2.0, 1.0],
                         help="neuron: w0,w1 (default: chapter 1's -2,1)")
    drawing.add_argument("--bias", type=_common.finite_float, default=2.0,
                         help="neuron: bias, the weight of the notes' dummy input x2 = 1 (default: chapter 1's w2 = 2)")
    drawing.add_argument("--activation", default="sigmoid", choices=activations.hidden_names(),
                         help="neuron: activation (default: sigmoid)")
    drawing.add_argument("--surface", action="store_true", help="neuron: a 3-D surface instead of a heatmap")
    drawing.add_argument("--shape", type=_common.sizes, default=[8, 8],
                         help="weights: image shape, e.g. 8,8 or 28,28 or 32,32,3")
    drawing.set_defaults(handler=run_plot, defaults={flag: drawing.get_default(flag[2:].replace("-", "_"))
                                                     for flag in OPTIONS})


def _history(source: str | None) -> Any:
    if not source:
        raise UserError("plot history: give the history JSON written by 'neuronet train --history FILE'")
    try:
        return json.loads(Path(source).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        hint = " (that is a model file: plot history takes the JSON of 'neuronet train --history FILE')" \
            if source.lower().endswith(".npz") else ""
        raise UserError(f"plot history: {source}: not a JSON history file{hint} ({type(error).__name__})") from None


def needs_model(kind: str) -> bool:
    return kind in ("boundary", "confusion", "weights", "network")


def _table_figure(net: Any, kind: str, args: argparse.Namespace) -> Any:
    """plot confusion for a model trained on a table: its test part (or --data), read in batches."""
    import numpy as np

    from .. import plot
    from ..datasets.resolve import table_for_model

    if kind == "boundary":
        raise UserError("plot boundary: draws the plane of two numeric features, but this model reads a table "
                        f"({len(net.encoder.columns)} columns); draw plot confusion instead")
    if not net.output_loss().is_classification:
        raise UserError("plot confusion: draws a classifier's confusion matrix, but this model predicts numbers")
    batches, _ = table_for_model(net, args.data, args.target)
    truth, guesses = [], []
    for X, y in batches():
        truth.append(np.asarray(y))
        guesses.append(net.predict(X))
    if not truth:
        raise UserError("--data: no rows with a target to draw")
    return plot.confusion_matrix(_common.Known(), np.concatenate(guesses), np.concatenate(truth))


def run_plot(args: argparse.Namespace) -> int:
    from .. import Neuron, plot
    from ..datasets import data_for_model

    kind = args.kind
    for flag, kinds in OPTIONS.items():
        if kind not in kinds and getattr(args, flag[2:].replace("-", "_")) != args.defaults[flag]:
            raise UserError(f"{flag}: only for plot {' and '.join(kinds)}, not plot {kind}")
    if kind == "activations" and args.names is not None and not any(n.strip() for n in args.names.split(",")):
        raise UserError("--names: expected comma-separated activation names such as relu,tanh, got an empty list")
    if kind != "history" and not needs_model(kind) and args.source:
        raise UserError(f"plot {kind}: takes no model or history file, got {args.source!r}")
    if needs_model(kind) and not args.source:
        raise UserError(f"plot {kind}: give the model file, e.g. neuronet plot {kind} model.npz -o {kind}.png")
    if kind == "activations":
        names = [n for n in args.names.split(",") if n] if args.names else None
        figure = plot.activations(names, derivatives=not args.no_derivatives)
    elif kind == "neuron":
        figure = plot.neuron(Neuron(args.weights, args.bias, args.activation), kind="surface" if args.surface else "heatmap")
    elif kind == "history":
        figure = plot.history(_history(args.source))
    else:
        net = _common.load_model(args.source)
        if kind in ("boundary", "confusion") and getattr(net, "encoder", None) is not None:
            figure = _table_figure(net, kind, args)
        elif kind in ("boundary", "confusion"):
            _common.target_for(_common.data_of(net, args.data), args.target)
            X, y = data_for_model(net, args.data, args.target)
            figure = plot.decision_boundary(net, X, y) if kind == "boundary" else plot.confusion_matrix(net, X, y)
        elif kind == "weights":
            figure = plot.weights(net, image_shape=args.shape)
        else:
            figure = plot.network(net)
    _common.save_figure(figure, args.output)
    print(f"saved {kind} figure to {args.output}", file=sys.stderr)
    return 0
