"""``neuronet train``, ``evaluate`` and ``predict``: a model from data, and what it says about data.

Every choice offered (activations, losses, optimizers, learning-rate schedules) is read from
the engine's registries, so a registered activation is a ``--activation`` choice at once.

A table (a CSV file with text or missing cells, a Parquet file or folder, a bundled table) is
split, encoded and, when large, streamed by ``datasets.resolve.resolve_table``; the fitted
``neuronet.tables.TableEncoder`` is saved with the network (``net.encoder``), so ``predict``
reads raw rows by column name and ``evaluate`` finds the same test part again.

    neuronet train --data penguins.csv --target species --out penguins.npz
    neuronet predict penguins.npz new_rows.csv
    neuronet evaluate penguins.npz --plot confusion.png
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io as _io
import json
import sys
import warnings
from typing import Any

import numpy as np

from .. import activations, losses, optim, schedules
from ..kernels.plan import KernelFallbackWarning
from ..weights import MAX_WEIGHT
from . import _common
from ._common import UserError

__all__ = ["add_parsers", "run_train", "run_evaluate", "run_predict"]


def add_parsers(commands: Any) -> None:
    train = commands.add_parser("train", help="train a network and report test metrics")
    train.add_argument("--data", default="digits",
                       help="dataset name (see 'neuronet datasets'), toy generator, a .csv/.npz file, or a table: "
                            "a .csv/.tsv/.parquet file, a folder of .parquet files, penguins, cars (default: digits)")
    train.add_argument("--target", help="label column of a CSV or Parquet file (default: the last column; a bundled "
                                        "table's own); only with a file or a table")
    # given twice, a list flag adds to the list (--ignore a --ignore b is --ignore a,b)
    train.add_argument("--categorical", type=_columns, action="extend", metavar="COLUMNS",
                       help="table: comma-separated integer columns to encode as categories (text and bool columns "
                            "always are; a column of decimal numbers is refused); may be given more than once")
    train.add_argument("--numeric", type=_columns, action="extend", metavar="COLUMNS",
                       help="table: comma-separated integer columns to scale as numbers even with few distinct "
                            "values (by default an integer column with at most 10 values is a category); may be "
                            "given more than once")
    train.add_argument("--ignore", type=_columns, action="extend", metavar="COLUMNS",
                       help="table: comma-separated columns to leave out (e.g. an identifier, or a column of a type "
                            "that cannot be encoded); may be given more than once")
    train.add_argument("--scaling", choices=["standard", "robust"],
                       help="table: numeric columns standardized (default) or robust-scaled with smooth clipping")
    train.add_argument("--class-weight", type=_class_weight, metavar="balanced|LABEL=W,...",
                       help="weight each class in the loss: 'balanced' (inversely to its frequency) or "
                            "LABEL=WEIGHT pairs such as Chinstrap=2,Gentoo=1 (labels as the classes are shown, e.g. "
                            "True=2 for a bool target; classes not named weigh 1; each weight at most "
                            f"{MAX_WEIGHT:g})")
    train.add_argument("--stream", action="store_true",
                       help="table: stream a Parquet file or folder in record batches instead of reading it whole "
                            "(automatic when it is over a quarter of the free memory)")
    train.add_argument("--hidden", type=_common.sizes, default=[256, 128], metavar="SIZES",
                       help="hidden layer sizes, comma-separated (default: 256,128; '' for none)")
    train.add_argument("--activation", default="relu", choices=activations.hidden_names())
    train.add_argument("--loss", choices=losses.names(),
                       help="default: softmax_cross_entropy; mse for a table whose target holds decimal numbers")
    train.add_argument("--optimizer", default="adam", choices=optim.names())
    train.add_argument("--lr", type=_common.positive_float, help="learning rate (default: the optimizer's)")
    train.add_argument("--lr-schedule", default="constant", choices=schedules.names(),
                       help="how the learning rate changes from epoch to epoch (default: constant)")
    train.add_argument("--epochs", type=_common.positive_int, default=30)
    train.add_argument("--batch-size", type=_common.positive_int, default=32)
    train.add_argument("--l2", type=_common.non_negative_float, default=0.0, help="L2 penalty on the weights")
    train.add_argument("--dropout", type=_common.fraction, default=0.0, help="dropout after each hidden layer")
    train.add_argument("--validation-split", type=_common.fraction,
                       help="share of the training data held out to validate each epoch (default: 0.1; a streamed "
                            "table has none, and refuses this option)")
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

    evaluate = commands.add_parser("evaluate", help="loss and accuracy of a saved model on data; for a classifier "
                                                    "per-class precision, recall and F1, balanced accuracy and the "
                                                    "confusion matrix")
    evaluate.add_argument("model")
    evaluate.add_argument("--data", help="dataset name, .csv/.npz file or table (default: the test part of the data "
                                         "it was trained on)")
    evaluate.add_argument("--target", help="label column of a CSV file")
    evaluate.add_argument("--plot", metavar="FILE", help="also draw the confusion matrix to FILE (.png, .svg or .pdf)")
    evaluate.set_defaults(handler=run_evaluate)

    predict = commands.add_parser("predict", help="predict labels for the rows of a CSV (or Parquet) file")
    predict.add_argument("model")
    predict.add_argument("input", help="CSV file with a header and the model's feature columns (for a model trained "
                                       "on a table: its raw columns, by name, text and missing cells as they come; a "
                                       "Parquet file too)")
    predict.add_argument("--out", help="write the predictions CSV here instead of stdout")
    predict.add_argument("--proba", action="store_true", help="add one probability column per class")
    predict.add_argument("--unseen", choices=["slot", "error"],
                         help="table: a category not seen in training goes to its column's 'unseen' slot (slot, the "
                              "model's default) or is an error naming the column, the row and the value (error)")
    predict.set_defaults(handler=run_predict)


def _columns(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",")]
    if not names or any(not name for name in names):
        raise argparse.ArgumentTypeError(f"expected comma-separated column names like year,rooms, got {text!r}")
    return names


def _class_weight(text: str) -> Any:
    """'balanced', or LABEL=WEIGHT pairs as a dict {label text: weight}."""
    if text == "balanced":
        return text
    weights: dict[str, float] = {}
    for part in text.split(","):
        label, equals, value = part.rpartition("=")
        label = label.strip()
        if not equals or not label:
            raise argparse.ArgumentTypeError(f"expected 'balanced' or LABEL=WEIGHT pairs like Chinstrap=2,Gentoo=1, "
                                             f"got {text!r}")
        try:
            weight = float(value)
        except ValueError:
            weight = float("nan")
        if not (np.isfinite(weight) and weight >= 0):
            raise argparse.ArgumentTypeError(f"the weight of {label!r} must be a finite number >= 0, got {value!r}")
        if weight > MAX_WEIGHT:
            raise argparse.ArgumentTypeError(f"the weight of {label!r} must be at most {MAX_WEIGHT:g} (weights "
                                             f"are relative: Chinstrap=2 doubles that class's), got {value!r}")
        if label in weights:
            raise argparse.ArgumentTypeError(f"class {label!r} is given twice in {text!r}")
        weights[label] = weight
    return weights


def _output_width(loss: losses.Loss, y_train: Any) -> int:
    if not loss.is_classification:
        return 1 if np.ndim(y_train) == 1 else int(np.shape(y_train)[1])
    classes = np.unique(y_train)
    if len(classes) < 2:
        raise UserError(f"--data: the training data has a single class ({classes[0].item()!r}); a classifier needs "
                        "at least two (or choose --loss mse for regression)")
    return loss.outputs_for(len(classes))


def _table_options(args: argparse.Namespace) -> list[str]:
    """The table-only options given (an option a table's encoding reads)."""
    return [flag for flag, value in (("--categorical", args.categorical), ("--numeric", args.numeric),
                                     ("--ignore", args.ignore), ("--scaling", args.scaling),
                                     ("--stream", args.stream or None)) if value is not None]


def _task(loss_name: str | None) -> str:
    """What a table's target is learned as: from the loss when one is named, else from its values."""
    if loss_name is None:
        return "auto"
    return "classification" if losses.get(loss_name).is_classification else "regression"


def _resolve(args: argparse.Namespace) -> dict:
    from .. import datasets
    from ..datasets.resolve import reads_as_table, resolve_table

    table_only = _table_options(args)
    if reads_as_table(args.data, target=args.target, forced=bool(table_only)):
        once = {flag: list(dict.fromkeys(getattr(args, flag) or [])) for flag in ("categorical", "numeric", "ignore")}
        return resolve_table(args.data, args.target, args.seed, **once, scaling=args.scaling,
                             task=_task(args.loss), dtype="float64" if args.float64 else "float32",
                             stream=True if args.stream else None,
                             check_classes=_classes_check(losses.get(args.loss or "softmax_cross_entropy")))
    if table_only:
        raise UserError(f"{table_only[0]}: only for a table (a CSV or Parquet file, a folder of Parquet files, "
                        f"penguins, cars), but --data {args.data} is not one; leave {table_only[0]} out")
    return datasets.resolve(args.data, args.target, args.seed, standardize_files=not args.no_standardize,
                            noise=args.noise)


def _class_weights_for(spec: Any, loss: losses.Loss, data: dict) -> Any:
    """--class-weight checked, before training, against the loss and the training data's classes."""
    if spec is None:
        return None
    if not loss.is_classification:
        raise UserError(f"--class-weight: weights classes, but the loss {loss.name} is a regression loss")
    if not isinstance(spec, dict):
        return spec
    encoder = data.get("encoder")
    classes = encoder.target.classes if encoder is not None else np.unique(np.asarray(data["y_train"]))
    shown = [_shown(label) for label in classes.tolist()]
    for label in spec:
        if label not in shown:
            raise UserError(f"--class-weight: {label!r} is not a class of the training data "
                            f"(classes: {_common.shown_names(shown, 10)})")
    if len(spec) == len(shown) and not any(spec.values()):
        raise UserError("--class-weight: every class weighs zero, so there is nothing to learn from; give some "
                        "class a weight above 0")
    # keyed by the labels themselves (a bool target's True, an integer target's 3), as fit matches them
    return {classes.tolist()[shown.index(label)]: weight for label, weight in spec.items()}


def _shown(label: Any) -> str:
    """A class label as the command line shows it (and --class-weight names it): 3 for 3.0."""
    return str(int(label)) if isinstance(label, float) and label.is_integer() else str(label)


def _classes_check(loss: losses.Loss) -> Any:
    """``resolve_table``'s ``check_classes`` for a run with ``loss``, called (in memory and streamed
    alike) before training and before the held-out rows are looked at: a classification loss needs
    class labels, not decimal numbers (each distinct value would be a class of its own); an integer
    target with very many distinct values gets a note."""
    def check(name: str, classes: np.ndarray, n_train: int) -> None:
        if not loss.is_classification:
            return
        if classes.dtype.kind == "f" and (classes != np.round(classes)).any():
            decimal = classes[classes != np.round(classes)][0]
            raise UserError(f"--loss {loss.name}: target {name!r} holds decimal numbers (e.g. {decimal:g}), which a "
                            f"classification loss would make {len(classes):,} separate classes; choose a regression "
                            "loss (--loss mse), or give a target of class labels")
        if classes.dtype.kind in "iuf" and len(classes) > 20 and len(classes) * 5 > n_train:
            print(f"note: target {name!r} has {len(classes):,} distinct values among {n_train:,} training rows, "
                  "each learned as a class of its own; to predict it as a number, choose --loss mse", file=sys.stderr)

    return check


def _target_line(target: Any) -> str:
    """What the table's target is learned as, its name and class labels quoted when odd."""
    if target.task != "classification":
        return f"target {_common.shown_name(target.name)}: regression (mean {target.mean:.4g}, std {target.std:.4g})"
    classes = target.classes.tolist()
    shown = _common.shown_names([_shown(label) for label in classes], 10)
    counted = f"{len(classes)} class{'es' if len(classes) != 1 else ''}"
    return f"target {_common.shown_name(target.name)}: {counted} ({shown})"


def _per_class(class_weight: Any, encoder: Any, counts: np.ndarray) -> np.ndarray:
    """The weight of each class (in ``encoder.target.classes`` order) for --class-weight, from the
    training rows' class counts: 'balanced' (rows / (classes present x the class's rows)) or the
    LABEL=W pairs (classes not named weigh 1)."""
    from ..weights import balanced, class_weights

    classes = encoder.target.classes
    if class_weight == "balanced":
        return balanced(counts)
    return class_weights(class_weight, np.arange(len(classes)), classes)


class _ClassWeighted:
    """A training source whose every row is weighted by its class (``per_class[y]``, times the row's
    own weight where it has one): --class-weight for a streamed table."""

    def __init__(self, source: Any, per_class: np.ndarray) -> None:
        self.source, self.per_class = source, per_class
        self.n_features, self.n_rows = source.n_features, source.n_rows

    def batches(self, batch_size: int, *, rng: Any = None) -> Any:
        from ..tables import Batch

        for X, y, weight in self.source.batches(batch_size, rng=rng):
            weights = self.per_class[np.asarray(y, dtype=np.intp)]
            yield Batch(X, y, weights if weight is None else weights * weight)


def run_train(args: argparse.Namespace) -> int:
    from .. import MLP, datasets, kernels
    from ..atomic import check_writable
    from ..datasets.resolve import data_record
    from ..training import fit

    _common.target_for(args.data, args.target)
    if args.noise is not None and args.data not in datasets.GENERATORS:
        raise UserError(f"--noise: sets the noise of a generated data set ({', '.join(datasets.GENERATORS)}), "
                        f"but --data {args.data} is not one; leave --noise out")
    outputs = {"--out": args.out, "--history": args.history, "--report": args.report}
    _common.distinct_paths(outputs, {"--data": args.data})
    for flag, path in outputs.items():
        if path is not None:  # before training, not after: a run's result must have somewhere to go
            check_writable(path, flag)
    if args.stream and args.validation_split:
        raise UserError("--validation-split: a streamed table (--stream) trains on all its training row groups and "
                        "holds out whole row groups as its test set; leave --validation-split out (or drop --stream)")
    with warnings.catch_warnings():  # the encoding's notes are printed as notes below, once
        try:
            from ..tables import TableNote
        except ImportError:  # without pyarrow no table is read, so there is no note to quiet
            pass
        else:
            warnings.simplefilter("ignore", TableNote)
        data = _resolve(args)
    encoder = data.get("encoder")
    if encoder is not None and args.no_standardize:
        raise UserError("--no-standardize: a table's numeric columns are scaled by its encoding (--scaling); "
                        "leave --no-standardize out")
    streamed = bool(data.get("stream"))
    if streamed and args.validation_split:
        raise UserError(f"--validation-split: {args.data} is streamed (it is over a quarter of the free memory), "
                        "and a streamed table holds out whole row groups as its test set, with no validation part; "
                        "leave --validation-split out")
    X_train, y_train = data["X_train"], data["y_train"]
    loss = losses.get(args.loss or ("mse" if data.get("task") == "regression" else "softmax_cross_entropy"))
    class_weight = _class_weights_for(args.class_weight, loss, data)
    if streamed:
        n_classes = len(encoder.target.classes) if encoder.target.task == "classification" else 0
        width = loss.outputs_for(n_classes) if loss.is_classification else 1
        n_features, n_rows = encoder.width, data["n_train"]  # rows with a target
    else:
        width, n_features, n_rows = _output_width(loss, y_train), int(np.shape(X_train)[1]), len(X_train)
    sizes = [n_features, *args.hidden, width]
    net = MLP(sizes, activation=args.activation, output=loss.output_layer, dropout=args.dropout, rng=args.seed,
              dtype=np.float64 if args.float64 else np.float32)
    validation_split = (0.0 if streamed else 0.1) if args.validation_split is None else args.validation_split
    n_train = round(n_rows * (1 - validation_split))
    net.kernels = kernels.for_one_run(args.kernels, net.n_parameters, n_train * args.epochs,
                                      -(-n_train // args.batch_size) * args.epochs)
    if args.kernels == "auto" and net.kernels == "numpy" and kernels.resolve("auto") == "numba":
        plan = "numpy kernels: a short run (loading the compiled ones would cost more than they save)"
    else:  # the plan says why a step cannot be compiled, e.g. "numpy kernels: Dropout has no compiled form"
        plan = str(net.kernel_plan(loss, optim.get(args.optimizer), args.gradient))
    lr = args.lr if args.lr is not None else optim.get(args.optimizer).lr
    schedule = schedules.get(args.lr_schedule, lr, epochs=args.epochs)
    n_test = data["n_test"] if "n_test" in data else len(data["X_test"])
    print(f"data: {_common.printable(str(data['source']))}: {n_rows:,} training and {n_test:,} test "
          f"samples; network {'-'.join(map(str, sizes))} ({args.activation}), {net.n_parameters:,} parameters, "
          f"{plan}", file=sys.stderr)
    if encoder is not None:
        print(f"table: {len(encoder.columns)} columns -> {encoder.width} features; {_target_line(encoder.target)}",
              file=sys.stderr)
        for note in encoder.notes:
            print(f"note: {_common.printable(note)}", file=sys.stderr)
        if data.get("n_unlabeled"):
            unlabeled = data["n_unlabeled"]
            print(f"note: {unlabeled:,} row{'s' if unlabeled != 1 else ''} without a target "
                  f"{'are' if unlabeled != 1 else 'is'} left out", file=sys.stderr)
    options = dict(loss=loss, optimizer=args.optimizer, lr=schedule, epochs=args.epochs, batch_size=args.batch_size,
                   l2=args.l2, seed=args.seed, verbose=args.verbose, gradient=args.gradient, class_weight=class_weight)
    if streamed:
        net.encoder = encoder  # before fit: the classes come from it
        source = data["train_source"]
        if class_weight is not None:
            with _common.flags_named({"class_weight": "--class-weight"}):
                source = _ClassWeighted(source, _per_class(class_weight, encoder, data["class_counts"]))
        with warnings.catch_warnings():  # the first line has said why a step is not compiled
            warnings.simplefilter("ignore", KernelFallbackWarning)
            history = fit(net, source, None, **{**options, "class_weight": None})
    else:
        with warnings.catch_warnings(), _common.flags_named({"class_weight": "--class-weight"}):
            warnings.simplefilter("ignore", KernelFallbackWarning)
            history = fit(net, X_train, y_train, validation_split=validation_split, **options)
    if encoder is not None:
        if encoder.target.task == "classification":
            net.classes = encoder.target.classes  # the labels as given (bools stay bools)
        net.encoder = encoder
        metrics, _, _ = _table_metrics(net, data["test_batches"], f"{data['source']}: the test part")
    else:
        metrics = net.evaluate(data["X_test"], data["y_test"])
    print("  ".join(f"test {name.replace('_', ' ')}: {value:.4f}" for name, value in metrics.items()))
    metadata = {"data": data["source"], "preprocessing": data["preprocessing"], "features": data["features"],
                "target": data["target"], "test": metrics, "epochs": len(history.epoch),
                "dataset": {"spec": args.data, "target": args.target, "seed": args.seed, "noise": args.noise,
                            **data_record(args.data)}}
    if encoder is not None:
        metadata["columns"] = data["columns"]
        metadata["dataset"]["stream"] = streamed
    _write_outputs(args, outputs, net, history, data, metrics, metadata)
    return 0


def _write_outputs(args: argparse.Namespace, outputs: dict, net: Any, history: Any, data: dict, metrics: dict,
                   metadata: dict) -> None:
    from .. import io

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


def _table_metrics(net: Any, batches: Any, where: str = "the test part") -> tuple[dict, Any, int]:
    """Loss (and, for a classifier, accuracy and balanced accuracy) over (X, y labels) batches, the
    classification report (None for regression) and the number of rows scored, without holding more
    than a batch of X. ``where`` names the rows in the error when there are none."""
    from ..metrics import classification_report

    loss = net.output_loss()
    total, count = 0.0, 0
    truth, guesses = [], []
    for X, y in batches():
        total += net.evaluate(X, y)["loss"] * len(X)
        count += len(X)
        if loss.is_classification:
            truth.append(np.asarray(y))
            guesses.append(net.predict(X))
    if not count:
        raise UserError(f"{where}: no rows with a target to evaluate on")
    metrics = {"loss": total / count}
    if not loss.is_classification:
        return metrics, None, count
    index = {label: i for i, label in enumerate(net.classes.tolist())}
    true_index = np.fromiter((index[v] for v in np.concatenate(truth).tolist()), np.intp)
    guess_index = np.fromiter((index[v] for v in np.concatenate(guesses).tolist()), np.intp)
    report = classification_report(true_index, guess_index, net.classes)
    metrics.update(accuracy=report.accuracy, balanced_accuracy=report.balanced_accuracy)
    return metrics, (report, np.concatenate(truth), np.concatenate(guesses)), count


def _report_for(net: Any, y: Any, predictions: Any) -> Any:
    """The classification report of a classifier's predictions against labels y (None when the
    outputs are not one class per row)."""
    from ..metrics import classification_report

    predictions, y = np.asarray(predictions), np.asarray(y)
    if predictions.ndim != 1 or y.ndim != 1:
        return None
    classes = net.classes if net.classes is not None else np.unique(np.concatenate([y, predictions]))
    index = {label: i for i, label in enumerate(classes.tolist())}
    try:
        true_index = np.fromiter((index[v] for v in y.tolist()), np.intp, len(y))
        guess_index = np.fromiter((index[v] for v in predictions.tolist()), np.intp, len(predictions))
    except KeyError as error:
        raise UserError(f"--data: label {error.args[0]!r} is not one of the model's classes") from None
    return classification_report(true_index, guess_index, classes)


def run_evaluate(args: argparse.Namespace) -> int:
    from ..atomic import check_writable
    from ..datasets.resolve import described_data_for_model, table_for_model

    if args.plot is not None:
        if not args.plot.lower().endswith((".png", ".svg", ".pdf")):
            raise UserError(f"--plot: expected a .png, .svg or .pdf file name, got {args.plot!r}")
        check_writable(args.plot, "--plot")
    net = _common.load_model(args.model)
    if args.plot is not None and not net.output_loss().is_classification:
        raise UserError(f"--plot: draws a classifier's confusion matrix, but this model predicts numbers "
                        f"({net.output_loss().name})")
    if getattr(net, "encoder", None) is not None:
        batches, description = table_for_model(net, args.data, args.target)
        metrics, details, count = _table_metrics(net, batches, f"--data {description}")
        report, truth, guesses = details if details is not None else (None, None, None)
    else:
        _common.target_for(_common.data_of(net, args.data), args.target)
        X, truth, description = described_data_for_model(net, args.data, args.target)
        count = len(X)
        metrics = net.evaluate(X, truth)
        report, guesses = None, None
        if net.output_loss().is_classification:
            guesses = net.predict(X)
            report = _report_for(net, truth, guesses)
            if report is not None:
                metrics["balanced_accuracy"] = report.balanced_accuracy
    print(f"data: {_common.printable(description)}: {count:,} row{'s' if count != 1 else ''}", file=sys.stderr)
    print("  ".join(f"{name.replace('_', ' ')}: {value:.4f}" for name, value in metrics.items()))
    if report is not None:  # the class labels as listings show them: an odd one quoted, never sent raw
        print(dataclasses.replace(report, classes=[_common.shown_name(name) for name in report.classes]).text())
    if args.plot is not None:
        if report is None:
            raise UserError("--plot: draws a classifier's confusion matrix, but this model predicts numbers (or "
                            "several labels per row)")
        from .. import plot

        _common.save_figure(plot.confusion_matrix(_common.Known(), np.asarray(guesses), np.asarray(truth)), args.plot)
        print(f"saved the confusion matrix to {args.plot}", file=sys.stderr)
    return 0


def _predict_table(net: Any, args: argparse.Namespace) -> tuple[Any, Any]:
    """The rows of ``args.input`` (CSV or Parquet) through the model's table encoding: (X, the
    network's input; nothing else)."""
    from ..datasets.files import numbers_not_names
    from ..datasets.resolve import check_columns, table_kind
    from ..errors import DataError
    from ..tables import read_table

    encoder = net.encoder
    if args.unseen is not None:
        encoder.handle_unknown = args.unseen
    try:
        table = read_table(args.input)
        names = table.column_names
        if (table_kind(args.input) == "csv" and numbers_not_names(names)
                and any(name not in names for name, _ in encoder.input_columns)):
            raise DataError(f"{args.input}: the first line holds numbers, not column names; neuronet reads CSV files "
                            "with a header row")
        check_columns(encoder, names, args.input, target=False)
        X = encoder.transform(table)
    except DataError as error:
        message = str(error)
        raise DataError(message if message.startswith(args.input) else f"{args.input}: {message}") from None
    used = {name for name, _ in encoder.input_columns} | ({encoder.target.name} if encoder.target else set())
    ignored = [name for name in table.column_names if name not in used]
    if ignored:
        shown = ", ".join(_common.shown_name(name) for name in ignored[:20])
        print(f"note: {args.input}: columns the model does not read, ignored: {shown}", file=sys.stderr)
    return X


def _predict_arrays(net: Any, path: str) -> Any:
    """The numeric columns of the CSV file ``path`` for a model trained on plain arrays (no table
    encoding), scaled as in training; its recorded target column is left out, with a note."""
    from ..datasets.files import csv_header, read_features_csv
    from ..datasets.resolve import apply_preprocessing, table_kind

    if table_kind(path) == "parquet":
        raise UserError(f"{path}: a Parquet table, but the model was trained on numbers without a table encoding "
                        f"(plain arrays); give a CSV file of its {net.in_features} feature columns")
    metadata = net.metadata or {}
    target = metadata.get("target")
    X, columns = read_features_csv(path, (target,) if target else ())
    if target and target in csv_header(path):
        print(f"note: {path}: column {target!r}, the model's target, is not read", file=sys.stderr)
    features = metadata.get("features")
    if features and columns != features:
        raise UserError(f"{path}: columns {columns} differ from the model's features {features}")
    if X.shape[1] != net.in_features:
        raise UserError(f"{path}: has {X.shape[1]} numeric columns, but the model reads {net.in_features} features "
                        "(leave out a label column it was not trained on)")
    return apply_preprocessing(X, metadata)


def run_predict(args: argparse.Namespace) -> int:
    from ..atomic import check_writable

    _common.distinct_paths({"--out": args.out}, {"the model": args.model, "the input": args.input})
    if args.out is not None:
        check_writable(args.out, "--out")
    net = _common.load_model(args.model)
    if getattr(net, "encoder", None) is not None:
        X = _predict_table(net, args)
    else:
        if args.unseen is not None:
            raise UserError("--unseen: only for a model trained on a table (with text columns), which this one is not")
        X = _predict_arrays(net, args.input)
    predictions = net.predict(X)
    buffer = _io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if args.proba:
        if not net.output_loss().is_classification:
            raise UserError("--proba: class probabilities, but this model predicts numbers (a regression)")
        probabilities = net.predict_proba(X)
        labels = net.classes if net.classes is not None else np.arange(probabilities.shape[1])
        writer.writerow(["prediction", *(f"p_{label}" for label in labels)])
        for label, row in zip(predictions, probabilities):
            writer.writerow([label, *(f"{p:.6g}" for p in row)])
    elif predictions.ndim == 2 and predictions.shape[1] == 1 and getattr(net, "encoder", None) is not None:
        writer.writerow(["prediction"])
        writer.writerows([[f"{v:.6g}"] for v in predictions[:, 0]])
    elif predictions.ndim == 2:
        writer.writerow([f"output_{i}" for i in range(predictions.shape[1])])
        writer.writerows([[f"{v:.6g}" for v in row] for row in predictions])
    else:
        writer.writerow(["prediction"])
        writer.writerows([[label] for label in predictions])
    if args.out is not None:
        _common.write_text(args.out, buffer.getvalue())
        print(f"wrote {len(predictions):,} predictions to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(buffer.getvalue())
    return 0
