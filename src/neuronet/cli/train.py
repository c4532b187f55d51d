"""``neuronet train``, ``evaluate`` and ``predict``: a model from data, and what it says about data.

Every choice offered (activations, losses, optimizers, learning-rate schedules) is read from
the engine's registries, so a registered activation is a ``--activation`` choice at once.
"""

from __future__ import annotations

import argparse
import csv
import io as _io
import json
import sys
from typing import Any

import numpy as np

from .. import activations, losses, optim, schedules
from . import _common
from ._common import UserError

__all__ = ["add_parsers", "run_train", "run_evaluate", "run_predict"]


def add_parsers(commands: Any) -> None:
    train = commands.add_parser("train", help="train a network and report test metrics")
    train.add_argument("--data", default="digits",
                       help="dataset name (see 'neuronet datasets'), toy generator, or a .csv/.npz file (default: digits)")
    train.add_argument("--target", help="label column of a CSV file (default: the last column); only with a CSV file")
    train.add_argument("--hidden", type=_common.sizes, default=[256, 128], metavar="SIZES",
                       help="hidden layer sizes, comma-separated (default: 256,128; '' for none)")
    train.add_argument("--activation", default="relu", choices=activations.hidden_names())
    train.add_argument("--loss", default="softmax_cross_entropy", choices=losses.names())
    train.add_argument("--optimizer", default="adam", choices=optim.names())
    train.add_argument("--lr", type=_common.positive_float, help="learning rate (default: the optimizer's)")
    train.add_argument("--lr-schedule", default="constant", choices=schedules.names(),
                       help="how the learning rate changes from epoch to epoch (default: constant)")
    train.add_argument("--epochs", type=_common.positive_int, default=30)
    train.add_argument("--batch-size", type=_common.positive_int, default=32)
    train.add_argument("--l2", type=_common.non_negative_float, default=0.0, help="L2 penalty on the weights")
    train.add_argument("--dropout", type=_common.fraction, default=0.0, help="dropout after each hidden layer")
    train.add_argument("--validation-split", type=_common.fraction, default=0.1,
                       help="share of the training data held out to validate each epoch (default: 0.1)")
    train.add_argument("--gradient", choices=["backprop", "numerical"], default="backprop")
    train.add_argument("--seed", type=_common.seed, default=0)
    train.add_argument("--noise", type=_common.non_negative_float, help="noise of a toy generator")
    train.add_argument("--no-standardize", action="store_true", help="do not standardise CSV/NPZ features")
    train.add_argument("--float64", action="store_true", help="train in float64 instead of float32")
    train.add_argument("--kernels", choices=["auto", "numpy", "numba"], default="auto",
                       help="numba: compiled kernels; numpy: the readable path; auto (default): the compiled ones "
                            "where installed and the run is long enough to repay loading them (about a second)")
    train.add_argument("--verbose", type=int, choices=[0, 1, 2], default=1)
    train.add_argument("--out", help="save the trained model (.npz)")
    train.add_argument("--history", help="save the per-epoch history (.json)")
    train.add_argument("--report", help="write a self-contained HTML report of the run (.html)")
    train.set_defaults(handler=run_train)

    evaluate = commands.add_parser("evaluate", help="loss and accuracy of a saved model on data")
    evaluate.add_argument("model")
    evaluate.add_argument("--data", help="dataset name or .csv/.npz file (default: the data it was trained on)")
    evaluate.add_argument("--target", help="label column of a CSV file")
    evaluate.set_defaults(handler=run_evaluate)

    predict = commands.add_parser("predict", help="predict labels for the rows of a CSV file")
    predict.add_argument("model")
    predict.add_argument("input", help="CSV file with a header and the model's feature columns")
    predict.add_argument("--out", help="write the predictions CSV here instead of stdout")
    predict.add_argument("--proba", action="store_true", help="add one probability column per class")
    predict.set_defaults(handler=run_predict)


def _output_width(loss: losses.Loss, y_train: Any) -> int:
    if not loss.is_classification:
        return 1 if np.ndim(y_train) == 1 else int(np.shape(y_train)[1])
    classes = np.unique(y_train)
    if len(classes) < 2:
        raise UserError(f"--data: the training data has a single class ({classes[0].item()!r}); a classifier needs "
                        "at least two (or choose --loss mse for regression)")
    return loss.outputs_for(len(classes))


def _check_float32_range(data: dict) -> None:
    """Finite values too large for float32 would become infinity when cast: say so, rather than
    let the cast report them as 'NaN or infinity'."""
    limit = np.finfo(np.float32).max
    for part in ("X_train", "X_test"):
        X = data[part]
        if np.asarray(X).dtype.kind != "f" or np.asarray(X).dtype.itemsize <= 4:
            continue
        with np.errstate(invalid="ignore"):
            largest = np.nanmax(np.abs(np.where(np.isfinite(X), X, 0)), initial=0.0)
        if largest > limit:
            raise UserError(f"--data: values up to {largest:.3g} overflow float32 (largest {limit:.3g}); scale "
                            "them (leave standardising on: no --no-standardize), or train with --float64")


def run_train(args: argparse.Namespace) -> int:
    from .. import MLP, datasets, io, kernels
    from ..atomic import check_writable
    from ..training import fit

    _common.target_for(args.data, args.target)
    if args.noise is not None and args.data not in datasets.GENERATORS:
        raise UserError(f"--noise: sets the noise of a generated data set ({', '.join(datasets.GENERATORS)}), "
                        f"but --data {args.data} is not one; leave --noise out")
    outputs = {"--out": args.out, "--history": args.history, "--report": args.report}
    for flag, path in outputs.items():
        if path:  # before training, not after: a run's result must have somewhere to go
            check_writable(path, flag)
    data = datasets.resolve(args.data, args.target, args.seed, standardize_files=not args.no_standardize,
                            noise=args.noise)
    X_train, y_train = data["X_train"], data["y_train"]
    if not args.float64:
        _check_float32_range(data)
    loss = losses.get(args.loss)
    sizes = [int(np.shape(X_train)[1]), *args.hidden, _output_width(loss, y_train)]
    net = MLP(sizes, activation=args.activation, output=loss.output_layer, dropout=args.dropout, rng=args.seed,
              dtype=np.float64 if args.float64 else np.float32)
    n_train = round(len(X_train) * (1 - args.validation_split))
    net.kernels = kernels.for_one_run(args.kernels, net.n_parameters, n_train * args.epochs,
                                      -(-n_train // args.batch_size) * args.epochs)
    lr = args.lr if args.lr is not None else optim.get(args.optimizer).lr
    schedule = schedules.get(args.lr_schedule, lr, epochs=args.epochs)
    print(f"data: {data['source']}: {len(X_train):,} training and {len(data['X_test']):,} test samples; "
          f"network {'-'.join(map(str, sizes))} ({args.activation}), {net.n_parameters:,} parameters, "
          f"{net.kernels} kernels", file=sys.stderr)
    history = fit(net, X_train, y_train, loss=loss, optimizer=args.optimizer, lr=schedule, epochs=args.epochs,
                  batch_size=args.batch_size, validation_split=args.validation_split, l2=args.l2,
                  seed=args.seed, verbose=args.verbose, gradient=args.gradient)
    metrics = net.evaluate(data["X_test"], data["y_test"])
    print("  ".join(f"test {name}: {value:.4f}" for name, value in metrics.items()))
    metadata = {"data": data["source"], "preprocessing": data["preprocessing"], "features": data["features"],
                "target": data["target"], "test": metrics, "epochs": len(history.epoch),
                "dataset": {"spec": args.data, "target": args.target, "seed": args.seed, "noise": args.noise}}

    def write_report(path: str) -> None:
        from ..report import write_report as write

        write(path, net, history, data, metrics, vars(args))

    writers = {
        "--out": ("model", lambda path: io.save(net, path, metadata=metadata)),
        "--history": ("history", lambda path: _common.write_text(path, json.dumps(
            {**history.to_dict(), "test": metrics}, indent=2))),
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


def run_evaluate(args: argparse.Namespace) -> int:
    from ..datasets import data_for_model

    net = _common.load_model(args.model)
    _common.target_for(_common.data_of(net, args.data), args.target)
    X, y = data_for_model(net, args.data, args.target)
    metrics = net.evaluate(X, y)
    print("  ".join(f"{name}: {value:.4f}" for name, value in metrics.items()))
    return 0


def run_predict(args: argparse.Namespace) -> int:
    from ..datasets.files import read_features_csv
    from ..datasets.resolve import apply_preprocessing

    net = _common.load_model(args.model)
    metadata = net.metadata
    drop = tuple(name for name in (metadata.get("target"),) if name)
    X, columns = read_features_csv(args.input, drop=drop)
    features = metadata.get("features")
    if features and columns != features:
        raise UserError(f"{args.input}: columns {columns} differ from the model's features {features}")
    X = apply_preprocessing(X, metadata)
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
        _common.write_text(args.out, buffer.getvalue())
        print(f"wrote {len(predictions):,} predictions to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(buffer.getvalue())
    return 0
