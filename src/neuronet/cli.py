"""The ``neuronet`` command.

    neuronet train                      # digits, a 64-256-128-10 ReLU net, Adam: ~98 % in about a second
    neuronet train --data iris --hidden 16 --epochs 100 --out iris.npz
    neuronet evaluate iris.npz --data iris
    neuronet predict iris.npz flowers.csv --out predictions.csv
    neuronet datasets
    neuronet gradcheck

Results go to stdout; progress, notes and errors to stderr. A mistake of the
user's (a missing file, a bad column, an unknown name) is one or two lines on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import io as _io
import json
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

__all__ = ["main", "build_parser"]

EXIT_USER_ERROR = 2


class UserError(Exception):
    """A problem with what the user asked for; shown as one line, no traceback."""


# --- data --------------------------------------------------------------------------------
def _standardize(X_train: np.ndarray, *others: np.ndarray) -> tuple[dict, list[np.ndarray]]:
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0
    return ({"mean": mean.tolist(), "std": std.tolist()},
            [(X - mean) / std for X in (X_train, *others)])


def _apply_preprocessing(X: np.ndarray, metadata: dict) -> np.ndarray:
    prep = metadata.get("preprocessing")
    if not prep:
        return X
    mean, std = np.asarray(prep["mean"]), np.asarray(prep["std"])
    if mean.shape[0] != X.shape[1]:
        raise UserError(f"the data has {X.shape[1]} feature columns but the model was trained on {mean.shape[0]}")
    return (X - mean) / std


def load_data(spec: str, target: str | None, seed: int, standardize: bool, n_samples: int = 1000,
              noise: float | None = None) -> dict[str, Any]:
    """Resolve ``--data``: a dataset name, a toy generator name, or a .csv/.npz path.

    Returns train and test arrays, feature names and preprocessing metadata."""
    from . import datasets
    from .datasets.bundled import _stratified_split
    from .datasets.files import csv_header

    path = Path(spec)
    if spec in datasets.names():
        (X_train, y_train), (X_test, y_test) = datasets.load(spec)
        return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test,
                "source": spec, "preprocessing": None, "features": None, "target": None}
    if spec in datasets.GENERATORS:
        kwargs = {"n_samples": n_samples, "seed": seed}
        if noise is not None:
            kwargs["noise"] = noise
        X, y = datasets.GENERATORS[spec](**kwargs)
        features = ["x1", "x2"]
        train, test = _stratified_split(y, 0.2, seed)
        pairs = ((X[train], y[train]), (X[test], y[test]))
        source = f"{spec} (generated, {n_samples} samples, seed {seed})"
    elif path.suffix.lower() == ".csv":
        X, y = datasets.from_csv(path, target=target)
        header = csv_header(path)
        target = target or header[-1]  # recorded, so that predict knows which column to leave out
        features = [name for name in header if name != target]
        train, test = _split(y, seed)
        pairs = ((X[train], y[train]), (X[test], y[test]))
        source = str(path)
    elif path.suffix.lower() == ".npz":
        pairs = datasets.as_pairs(datasets.from_npz(path))
        if pairs[1] is None:
            X, y = pairs[0]
            train, test = _split(y, seed)
            pairs = ((X[train], y[train]), (X[test], y[test]))
        features, source = None, str(path)
    else:
        raise UserError(f"--data: {spec!r} is neither a dataset ({', '.join(datasets.names())}), a generator "
                        f"({', '.join(datasets.GENERATORS)}), nor a .csv or .npz file")
    (X_train, y_train), (X_test, y_test) = pairs
    preprocessing = None
    if standardize:
        preprocessing, (X_train, X_test) = _standardize(np.asarray(X_train, float), np.asarray(X_test, float))
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test, "source": source,
            "preprocessing": preprocessing, "features": features, "target": target}


def _split(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from .datasets.bundled import _stratified_split

    classes, counts = np.unique(y, return_counts=True)
    if len(y) < 5:
        raise UserError(f"the data has only {len(y)} rows: too few to hold out a test set")
    if len(classes) <= max(2, len(y) // 5) and counts.min() >= 2:
        return _stratified_split(y, 0.2, seed)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = max(1, len(y) // 5)
    return order[n_test:], order[:n_test]


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer sizes like 256,128, got {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _numbers(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers like 1,2, got {text!r}") from None
    if not values or not all(np.isfinite(values)):
        raise argparse.ArgumentTypeError(f"expected comma-separated finite numbers like 1,2, got {text!r}")
    return values


# --- commands ----------------------------------------------------------------------------
def cmd_train(args: argparse.Namespace) -> int:
    from . import MLP, io, losses
    from .atomic import check_writable
    from .training import fit

    outputs = {"--out": args.out, "--history": args.history, "--report": args.report}
    for flag, path in outputs.items():
        if path:  # before training, not after: a run's result must have somewhere to go
            check_writable(path, flag)
    data = load_data(args.data, args.target, args.seed, standardize=not args.no_standardize
                     and not _is_named_dataset(args.data), noise=args.noise)
    X_train, y_train = data["X_train"], data["y_train"]
    loss = losses.get(args.loss)
    if loss.is_classification:
        classes = np.unique(y_train)
        if len(classes) < 2:
            raise UserError(f"--data: the training data has a single class ({classes[0].item()!r}); a classifier needs "
                            "at least two (or choose --loss mse for regression)")
        out = 1 if args.loss == "binary_cross_entropy" else len(classes)
    else:
        out = 1 if np.ndim(y_train) == 1 else np.shape(y_train)[1]
    sizes = [int(np.shape(X_train)[1]), *args.hidden, out]
    net = MLP(sizes, activation=args.activation, dropout=args.dropout, rng=args.seed,
              dtype=np.float64 if args.float64 else np.float32)
    print(f"data: {data['source']}: {len(X_train):,} training and {len(data['X_test']):,} test samples; "
          f"network {'-'.join(map(str, sizes))} ({args.activation}), {net.n_parameters:,} parameters",
          file=sys.stderr)
    history = fit(net, X_train, y_train, loss=loss, optimizer=args.optimizer, lr=args.lr, epochs=args.epochs,
                  batch_size=args.batch_size, validation_split=args.validation_split, l2=args.l2,
                  seed=args.seed, verbose=args.verbose, gradient=args.gradient)
    metrics = net.evaluate(data["X_test"], data["y_test"])
    print("  ".join(f"test {name}: {value:.4f}" for name, value in metrics.items()))
    metadata = {"data": data["source"], "preprocessing": data["preprocessing"], "features": data["features"],
                "target": data["target"], "test": metrics, "epochs": len(history.epoch),
                "dataset": {"spec": args.data, "target": args.target, "seed": args.seed, "noise": args.noise}}
    def write_report(path: str) -> None:
        from .report import write_report as write

        write(path, net, history, data, metrics, vars(args))

    writers = {
        "--out": ("model", lambda path: io.save(net, path, metadata=metadata)),
        "--history": ("history", lambda path: _write_text(path, json.dumps({**history.to_dict(), "test": metrics},
                                                                             indent=2))),
        "--report": ("report", write_report),
    }
    saved, failed = [], []
    for flag, (what, write) in writers.items():
        path = outputs[flag]
        if not path:
            continue
        try:
            write(path)
        except OSError as error:  # e.g. the disk filled up during training: say what was kept
            failed.append(f"{flag} {path}: {error.strerror or error}")
            continue
        saved.append(f"{what} to {path}")
        print(f"saved {what} to {path}", file=sys.stderr)
    if failed:
        kept = f" (saved: {', '.join(saved)})" if saved else " (nothing was saved)"
        raise UserError(f"could not write {'; '.join(failed)}{kept}")
    return 0


def _is_named_dataset(spec: str) -> bool:
    from . import datasets

    return spec in datasets.names()


def _write_text(path: str, text: str) -> None:
    from .atomic import atomic_write

    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def _load_model(path: str):
    from . import io

    return io.load(path)


def data_for_model(net: Any, spec: str | None = None, target: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) to evaluate or draw a saved model on, scaled as the model was trained.

    With no ``spec``: the test split of the data the model was trained on (from its metadata).
    A dataset or generator name: its test split. A CSV/NPZ file: all of it (an NPZ's test
    part when it has one)."""
    from . import datasets

    metadata = net.metadata or {}
    trained_on = metadata.get("dataset") or {}
    if spec is None:
        spec = trained_on.get("spec")
        if spec is None:
            raise UserError("--data: the model does not record its data; give a dataset name or a .csv/.npz file")
        target = target or trained_on.get("target")
        if not (_is_named_dataset(spec) or spec in datasets.GENERATORS) and not Path(spec).exists():
            raise UserError(f"--data: the model was trained on {spec}, which is not here; give --data")
    same = spec == trained_on.get("spec")
    if _is_named_dataset(spec) or spec in datasets.GENERATORS or (same and spec.lower().endswith((".csv", ".npz"))):
        data = load_data(spec, target or trained_on.get("target"), int(trained_on.get("seed", 0) if same else 0),
                         standardize=False, noise=trained_on.get("noise") if same else None)
        X, y = data["X_test"], data["y_test"]
    elif spec.lower().endswith(".npz"):
        (X, y), test = datasets.as_pairs(datasets.from_npz(spec))
        if test is not None:
            X, y = test
    elif spec.lower().endswith(".csv"):
        X, y = datasets.from_csv(spec, target=target or metadata.get("target"))
    else:
        raise UserError(f"--data: {spec!r} is neither a dataset ({', '.join(datasets.names())}), a generator "
                        f"({', '.join(datasets.GENERATORS)}), nor a .csv or .npz file")
    return _apply_preprocessing(np.asarray(X, dtype=float), metadata), np.asarray(y)


def cmd_evaluate(args: argparse.Namespace) -> int:
    net = _load_model(args.model)
    X, y = data_for_model(net, args.data, args.target)
    metrics = net.evaluate(X, y)
    print("  ".join(f"{name}: {value:.4f}" for name, value in metrics.items()))
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from .datasets.files import read_features_csv

    net = _load_model(args.model)
    metadata = net.metadata
    drop = tuple(name for name in (metadata.get("target"),) if name)
    X, columns = read_features_csv(args.input, drop=drop)
    features = metadata.get("features")
    if features and columns != features:
        raise UserError(f"{args.input}: columns {columns} differ from the model's features {features}")
    X = _apply_preprocessing(X, metadata)
    predictions = net.predict(X)
    buffer = _io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if args.proba:
        probabilities = net.predict_proba(X)
        labels = net.classes if net.classes is not None else np.arange(probabilities.shape[1])
        writer.writerow(["prediction", *(f"p_{label}" for label in labels)])
        for label, row in zip(predictions, probabilities):
            writer.writerow([label, *(f"{p:.6g}" for p in row)])
    elif predictions.ndim == 2:
        writer.writerow([f"output_{i}" for i in range(predictions.shape[1])])
        writer.writerows([[f"{v:.6g}" for v in row] for row in predictions])
    else:
        writer.writerow(["prediction"])
        writer.writerows([[label] for label in predictions])
    if args.out:
        _write_text(args.out, buffer.getvalue())
        print(f"wrote {len(predictions):,} predictions to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(buffer.getvalue())
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    from . import datasets

    print(f"{'name':<15} {'kind':<9} {'available':<10} description")
    entries = datasets.catalogue()
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


GRADCHECK_LIMIT = 2_000_000  # forward passes (two per parameter): about a minute on a small machine


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from . import MLP, gradient_check

    if len(args.sizes) < 2:
        raise UserError(f"--sizes: expected at least two layer sizes like 4,5,3, got {args.sizes}")
    n_parameters = sum(a * b + b for a, b in zip(args.sizes[:-1], args.sizes[1:]))
    passes = 2 * n_parameters
    if passes > GRADCHECK_LIMIT and not args.force:
        raise UserError(f"--sizes: {n_parameters:,} parameters need {passes:,} forward passes of the numerical "
                        f"gradient (over the limit of {GRADCHECK_LIMIT:,}); check a smaller network, or add --force")
    rng = np.random.default_rng(args.seed)
    net = MLP(args.sizes, activation=args.activation, rng=rng, dtype=np.float64)
    X = rng.normal(size=(args.batch, args.sizes[0]))
    y = rng.integers(0, args.sizes[-1], args.batch)
    errors = gradient_check(net, args.loss, X, y, eps=args.eps)
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


PLOT_KINDS = ("activations", "neuron", "boundary", "history", "confusion", "weights", "network")


def _save_figure(figure: Any, path: str) -> None:
    """Save a figure atomically, in the format its extension names."""
    from .atomic import atomic_write

    extension = Path(path).suffix.lower().lstrip(".")
    if extension not in ("png", "svg", "pdf"):
        raise UserError(f"-o: expected a .png, .svg or .pdf file name, got {path!r}")
    with atomic_write(path) as handle:
        figure.savefig(handle, format=extension, dpi=110)


def cmd_plot(args: argparse.Namespace) -> int:
    from . import Neuron, plot

    kind = args.kind
    needs_model = kind in ("boundary", "confusion", "weights", "network")
    if needs_model and not args.source:
        raise UserError(f"plot {kind}: give the model file, e.g. neuronet plot {kind} model.npz -o {kind}.png")
    if kind == "activations":
        names = [n for n in args.names.split(",") if n] if args.names else None
        figure = plot.activations(names, derivatives=not args.no_derivatives)
    elif kind == "neuron":
        figure = plot.neuron(Neuron(args.weights, args.bias, args.activation), kind="surface" if args.surface else "heatmap")
    elif kind == "history":
        if not args.source:
            raise UserError("plot history: give the history JSON written by 'neuronet train --history FILE'")
        try:
            saved = json.loads(Path(args.source).read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
            hint = " (that is a model file: plot history takes the JSON of 'neuronet train --history FILE')" \
                if args.source.lower().endswith(".npz") else ""
            raise UserError(f"plot history: {args.source}: not a JSON history file{hint} "
                            f"({type(error).__name__})") from None
        figure = plot.history(saved)
    else:
        net = _load_model(args.source)
        if kind in ("boundary", "confusion"):
            X, y = data_for_model(net, args.data, args.target)
            figure = plot.decision_boundary(net, X, y) if kind == "boundary" else plot.confusion_matrix(net, X, y)
        elif kind == "weights":
            figure = plot.weights(net, image_shape=args.shape)
        else:
            figure = plot.network(net)
    _save_figure(figure, args.output)
    print(f"saved {kind} figure to {args.output}", file=sys.stderr)
    return 0


# --- parser ------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="neuronet", description="Build, train, understand and ship neural networks.")
    parser.add_argument("--version", action="version", version=f"neuronet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    train = commands.add_parser("train", help="train a network and report test metrics")
    train.add_argument("--data", default="digits",
                       help="dataset name (see 'neuronet datasets'), toy generator, or a .csv/.npz file (default: digits)")
    train.add_argument("--target", help="label column of a CSV file (default: the last column)")
    train.add_argument("--hidden", type=_sizes, default=[256, 128], metavar="SIZES",
                       help="hidden layer sizes, comma-separated (default: 256,128; '' for none)")
    train.add_argument("--activation", default="relu",
                       choices=["step", "sigmoid", "tanh", "relu", "leaky_relu", "identity"])
    train.add_argument("--loss", default="softmax_cross_entropy",
                       choices=["softmax_cross_entropy", "binary_cross_entropy", "hinge", "mse"])
    train.add_argument("--optimizer", default="adam", choices=["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
    train.add_argument("--lr", type=_positive_float, help="learning rate (default: the optimizer's)")
    train.add_argument("--epochs", type=_positive_int, default=30)
    train.add_argument("--batch-size", type=_positive_int, default=32)
    train.add_argument("--l2", type=float, default=0.0, help="L2 penalty on the weights")
    train.add_argument("--dropout", type=float, default=0.0, help="dropout after each hidden layer")
    train.add_argument("--validation-split", type=float, default=0.1)
    train.add_argument("--gradient", choices=["backprop", "numerical"], default="backprop")
    train.add_argument("--seed", type=_seed, default=0)
    train.add_argument("--noise", type=float, help="noise of a toy generator")
    train.add_argument("--no-standardize", action="store_true", help="do not standardise CSV/NPZ features")
    train.add_argument("--float64", action="store_true", help="train in float64 instead of float32")
    train.add_argument("--verbose", type=int, choices=[0, 1, 2], default=1)
    train.add_argument("--out", help="save the trained model (.npz)")
    train.add_argument("--history", help="save the per-epoch history (.json)")
    train.add_argument("--report", help="write a self-contained HTML report of the run (.html)")
    train.set_defaults(handler=cmd_train)

    evaluate = commands.add_parser("evaluate", help="loss and accuracy of a saved model on data")
    evaluate.add_argument("model")
    evaluate.add_argument("--data", help="dataset name or .csv/.npz file (default: the data it was trained on)")
    evaluate.add_argument("--target", help="label column of a CSV file")
    evaluate.set_defaults(handler=cmd_evaluate)

    predict = commands.add_parser("predict", help="predict labels for the rows of a CSV file")
    predict.add_argument("model")
    predict.add_argument("input", help="CSV file with a header and the model's feature columns")
    predict.add_argument("--out", help="write the predictions CSV here instead of stdout")
    predict.add_argument("--proba", action="store_true", help="add one probability column per class")
    predict.set_defaults(handler=cmd_predict)

    listing = commands.add_parser("datasets", help="list datasets and what is cached")
    listing.set_defaults(handler=cmd_datasets)

    gradcheck = commands.add_parser("gradcheck", help="backpropagation vs numerical gradient on a small net")
    gradcheck.add_argument("--sizes", type=_sizes, default=[4, 5, 3])
    gradcheck.add_argument("--activation", default="tanh", choices=["sigmoid", "tanh", "relu", "leaky_relu", "identity"])
    gradcheck.add_argument("--loss", default="softmax_cross_entropy", choices=["softmax_cross_entropy", "hinge", "mse"])
    gradcheck.add_argument("--batch", type=_positive_int, default=8)
    gradcheck.add_argument("--eps", type=_positive_float, default=1e-6)
    gradcheck.add_argument("--seed", type=_seed, default=0)
    gradcheck.add_argument("--force", action="store_true",
                           help=f"check even when it takes over {GRADCHECK_LIMIT:,} forward passes")
    gradcheck.set_defaults(handler=cmd_gradcheck)

    drawing = commands.add_parser("plot", help="draw a figure to a .png, .svg or .pdf file",
                                  description="Draw one of the figures of neuronet.plot.")
    drawing.add_argument("kind", choices=PLOT_KINDS)
    drawing.add_argument("source", nargs="?",
                         help="the model file (boundary, confusion, weights, network) or history JSON (history)")
    drawing.add_argument("-o", "--output", required=True, help="output file: .png, .svg or .pdf")
    drawing.add_argument("--data", help="boundary/confusion: dataset name or file (default: the model's test data)")
    drawing.add_argument("--target", help="label column of a CSV file")
    drawing.add_argument("--names", help="activations: comma-separated names (default: all)")
    drawing.add_argument("--no-derivatives", action="store_true", help="activations: leave out f'(x)")
    drawing.add_argument("--weights", type=_numbers, default=[1.0, 2.0], help="neuron: w1,w2 (default: seed 001's 1,2)")
    drawing.add_argument("--bias", type=float, default=-2.0, help="neuron: bias (default: seed 001's -2)")
    drawing.add_argument("--activation", default="sigmoid", help="neuron: activation (default: sigmoid)")
    drawing.add_argument("--surface", action="store_true", help="neuron: a 3-D surface instead of a heatmap")
    drawing.add_argument("--shape", type=_sizes, default=[8, 8], help="weights: image shape, e.g. 8,8 or 28,28 or 32,32,3")
    drawing.set_defaults(handler=cmd_plot)

    exporting = commands.add_parser("export", help="write a saved model as ONNX",
                                    description="Write a saved model as an ONNX file (needs neuronet[onnx]).")
    exporting.add_argument("model", help="model file (.npz) written by neuronet train or neuronet.save")
    exporting.add_argument("--onnx", required=True, metavar="FILE", help="the .onnx file to write")
    exporting.add_argument("--opset", type=int, default=17, help="ONNX opset (>= 13; default 17)")
    exporting.add_argument("--input-name", default="input", help="name of the graph's input (default: input)")
    exporting.set_defaults(handler=cmd_export)

    playground = commands.add_parser("playground", help="watch a network learn in the browser",
                                     description="Start the playground web page on this machine.")
    playground.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    playground.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    playground.add_argument("--no-browser", action="store_true", help="do not open a browser")
    playground.set_defaults(handler=cmd_playground)

    touring = commands.add_parser("tour", help="the guided tour: list the chapters or run an example",
                                  description="List the tour's chapters, or run the example NAME.")
    touring.add_argument("example", nargs="?", help="an example to run, e.g. single_neuron")
    touring.add_argument("--fast", action="store_true", help="smaller settings, for a quick run")
    touring.add_argument("--out", default=".", help="folder for the figure (default: here)")
    touring.add_argument("--ja", action="store_true", help="chapter titles in Japanese")
    touring.set_defaults(handler=cmd_tour)

    from .bench import add_arguments as _bench_arguments

    benchmark = commands.add_parser("bench", help="training throughput vs NumPy, scikit-learn and PyTorch",
                                    description="One epoch of Adam training per network and framework: samples/s, "
                                                "GFLOP/s, fraction of the matmul peak, and training memory.")
    _bench_arguments(benchmark)
    benchmark.set_defaults(handler=cmd_bench)
    return parser


def cmd_export(args: argparse.Namespace) -> int:
    from . import onnx as _onnx

    if not args.onnx.lower().endswith(".onnx"):
        raise UserError(f"--onnx: expected a file name ending in .onnx, got {args.onnx!r}")
    net = _load_model(args.model)
    path = _onnx.export(net, args.onnx, input_name=args.input_name, opset=args.opset)
    print(f"wrote {path} (opset {args.opset}, input {args.input_name!r}: float32 (batch, {net.in_features}))",
          file=sys.stderr)
    return 0


def cmd_playground(args: argparse.Namespace) -> int:
    from importlib.util import find_spec

    if find_spec("starlette") is None or find_spec("uvicorn") is None:
        raise UserError("the playground needs its extra: pip install 'neuronet[playground]'")
    from .playground import serve
    if not 1 <= args.port <= 65535:
        raise UserError(f"--port: expected 1-65535, got {args.port}")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {args.host}: anyone who can reach this machine can use the playground",
              file=sys.stderr)
    serve(host=args.host, port=args.port, open_browser=not args.no_browser)
    return 0


def cmd_tour(args: argparse.Namespace) -> int:
    from . import tour

    if args.example is None:
        print(tour.listing(japanese=args.ja))
        print("\nThe chapters: docs/tour/ (English), docs/ja/tour/ (Japanese). "
              "Run an example: neuronet tour NAME [--fast] [--out FOLDER]")
        return 0
    options = (["--fast"] if args.fast else []) + ["--out", args.out]
    tour.run_example(args.example, options)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from . import bench

    return bench.run_from_args(args)


def _user_errors() -> tuple[type[BaseException], ...]:
    from .datasets import DataError, DownloadError
    from .io import ModelFileError
    from .training import TrainingDiverged

    return (UserError, FileNotFoundError, IsADirectoryError, PermissionError, DataError, DownloadError,
            ModelFileError, TrainingDiverged, ValueError, TypeError, ImportError)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("neuronet: interrupted", file=sys.stderr)
        return 130
    except _user_errors() as error:
        message = str(error) or type(error).__name__
        if isinstance(error, FileNotFoundError) and error.filename:
            message = f"{error.filename}: no such file"
        print(f"neuronet {args.command}: error: {message}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
