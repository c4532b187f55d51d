"""``neuronet datasets``, ``neuronet info`` and ``neuronet gradcheck``: what data there is, what a
saved model holds, and whether backpropagation agrees with finite differences."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from .. import activations, losses
from . import _common
from ._common import UserError

__all__ = ["add_parsers", "run_datasets", "run_info", "run_gradcheck", "GRADCHECK_LIMIT"]

GRADCHECK_LIMIT = 2_000_000  # forward passes (two per parameter): about a minute on a small machine


def add_parsers(commands: Any) -> None:
    listing = commands.add_parser("datasets", help="list datasets and what is cached")
    listing.set_defaults(handler=run_datasets)

    info = commands.add_parser("info", help="what a saved model holds: network, classes, table encoding, metadata")
    info.add_argument("model", help="model file (.npz) written by neuronet train or neuronet.save")
    info.set_defaults(handler=run_info)

    gradcheck = commands.add_parser("gradcheck", help="backpropagation vs numerical gradient on a small net")
    gradcheck.add_argument("--sizes", type=_common.sizes, default=[4, 5, 3])
    gradcheck.add_argument("--activation", default="tanh", choices=activations.hidden_names())
    gradcheck.add_argument("--loss", default="softmax_cross_entropy",
                           choices=[name for name in losses.names() if losses.get(name).trains_classifiers])
    gradcheck.add_argument("--batch", type=_common.positive_int, default=8)
    gradcheck.add_argument("--eps", type=_epsilon, default=1e-6,
                           help="the step of the central differences, above 0 and at most 0.1 (default: 1e-6)")
    gradcheck.add_argument("--seed", type=_common.seed, default=0)
    gradcheck.add_argument("--force", action="store_true",
                           help=f"check even when it takes over {GRADCHECK_LIMIT:,} forward passes")
    gradcheck.set_defaults(handler=run_gradcheck)


def _epsilon(text: str) -> float:
    value = _common.positive_float(text)
    if value > 0.1:  # a difference quotient over a step this wide no longer approximates a derivative
        raise argparse.ArgumentTypeError(f"expected a small positive step (at most 0.1), got {text!r}")
    return value


def run_datasets(args: argparse.Namespace) -> int:
    from .. import datasets

    entries = datasets.catalogue()  # first: a bad NEURONET_DATA is said before anything is printed
    print(f"{'name':<15} {'kind':<9} {'available':<10} description")
    for entry in entries:
        available = "yes" if entry["available"] else "no"
        if entry["kind"] == "download":
            available = {"cached": "cached", "damaged": "DAMAGED", "missing": "no"}[entry["status"]]
        print(f"{entry['name']:<15} {entry['kind']:<9} {available:<10} {entry['description']}")
    print(f"{'(generators)':<15} {'toy':<9} {'yes':<10} {', '.join(datasets.GENERATORS)}")
    if any(entry.get("status") == "damaged" for entry in entries):
        print("DAMAGED: a cached file fails its SHA-256 check; it is downloaded again on first use", file=sys.stderr)
    print(f"cache folder: {datasets.data_home()} (set NEURONET_DATA to change)", file=sys.stderr)
    return 0


def _short(value: Any, limit: int = 160) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[:limit - 5] + " ..."


def run_info(args: argparse.Namespace) -> int:
    net = _common.load_model(args.model)
    print(f"model: {args.model}")
    print(net.summary())
    loss = net.output_loss()
    trained = f", {net.optimizer.name} ({net.optimizer.iterations:,} steps)" if net.optimizer is not None else ""
    print(f"loss: {loss.name}{trained}; dtype {net.dtype.name}")
    if net.classes is not None:
        print(f"classes ({len(net.classes)}): {_common.shown_names(net.classes, 20)}")
    encoder = getattr(net, "encoder", None)
    if encoder is not None:
        print(f"table encoding: {len(encoder.columns)} columns -> {encoder.width} features, learned from "
              f"{encoder.n_rows:,} rows (scaling {encoder.scaling}, unseen categories: {encoder.handle_unknown})")
        names = [column.name for column in encoder.columns] + ([encoder.target.name] if encoder.target else [])
        for line in _common.named_lines(names, encoder.describe()):
            print(f"  {line}")
    metadata = net.metadata or {}
    if metadata:
        print("metadata:")
        for key, value in metadata.items():
            print(f"  {_common.printable(str(key))}: {_common.printable(_short(value))}")
    return 0


def run_gradcheck(args: argparse.Namespace) -> int:
    import neuronet

    if len(args.sizes) < 2:
        raise UserError(f"--sizes: expected at least two layer sizes like 4,5,3, got {args.sizes}")
    n_parameters = sum(a * b + b for a, b in zip(args.sizes[:-1], args.sizes[1:]))
    passes = 2 * n_parameters
    if passes > GRADCHECK_LIMIT and not args.force:
        raise UserError(f"--sizes: {n_parameters:,} parameters need {passes:,} forward passes of the numerical "
                        f"gradient (over the limit of {GRADCHECK_LIMIT:,}); check a smaller network, or add --force")
    rng = np.random.default_rng(args.seed)
    net = neuronet.MLP(args.sizes, activation=args.activation, rng=rng, dtype=np.float64)
    X = rng.normal(size=(args.batch, args.sizes[0]))
    y = rng.integers(0, args.sizes[-1], args.batch)
    errors = neuronet.gradient_check(net, args.loss, X, y, eps=args.eps)
    print(f"network {'-'.join(map(str, args.sizes))} ({args.activation}), loss {args.loss}, float64, "
          f"batch {args.batch}: backpropagation vs central differences (eps {args.eps:g})")
    print(f"{'parameter':<10} {'shape':<10} {'relative error':>15}  verdict")
    parameters = net.parameters()
    passed = True
    for name, error in errors.items():
        verdict = "ok" if error < 1e-7 else ("suspicious" if error < 1e-2 else "WRONG")
        passed = passed and error < 1e-5  # False for NaN too: a comparison with NaN is never true
        print(f"{name:<10} {str(parameters[name].shape):<10} {error:>15.2e}  {verdict}")
    return 0 if passed else 1
