"""The playground's settings: what the page may ask for, validated, and the menus it shows.

Every name a menu offers comes from a registry: the datasets from ``datasets.toy.PLANE_SETS``,
the activations from ``activations.hidden_names()``, the losses that train a K-class
classifier from ``losses``, the optimizers from ``optim``, the learning-rate schedules from
``schedules``, the kernel sets from ``kernels.NAMES`` (and "auto"). The server sends ``menus()``
in its hello message, so the page has no list of its own, and ``validate_settings`` accepts
exactly what the menus offer.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .. import activations as _activations
from .. import kernels as _kernels
from .. import losses as _losses
from .. import optim as _optim
from .. import schedules as _schedules
from ..datasets import toy
from ..errors import ConfigurationError

__all__ = ["LIMITS", "Settings", "SettingsError", "validate_settings", "parse_upload", "menus", "GRADIENTS",
           "FEATURES", "features", "REGRESSION_SETS", "PROBLEMS"]

GRADIENTS = {"backprop": "backpropagation", "numerical": "numerical differentiation"}
LIMITS = {
    "max_layers": 6, "max_neurons": 16, "min_classes": 2, "max_classes": 5, "max_upload_bytes": 1_000_000,
    "max_upload_rows": 5_000, "min_samples": 20, "max_samples": 1_000, "max_batch": 500, "grid": 50,
    "neuron_grid": 20, "max_coordinate": 1e100,
}
# The network's inputs, computed from the standardised coordinates (x1, x2) of each point: with
# x1² and x2² even a network without hidden layers separates the circles (a linear model in them).
FEATURES: dict[str, tuple[str, Any]] = {
    "x1": ("x1", lambda x1, x2: x1),
    "x2": ("x2", lambda x1, x2: x2),
    "x1_sq": ("x1²", lambda x1, x2: x1 * x1),
    "x2_sq": ("x2²", lambda x1, x2: x2 * x2),
    "x1_x2": ("x1·x2", lambda x1, x2: x1 * x2),
    "sin_x1": ("sin x1", lambda x1, x2: np.sin(x1)),
    "sin_x2": ("sin x2", lambda x1, x2: np.sin(x2)),
}


def features(names: list[str], points: np.ndarray) -> np.ndarray:
    """The input columns ``names`` (of ``FEATURES``) for ``points`` of shape (n, 2), in their dtype."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.ascontiguousarray(np.stack([FEATURES[name][1](x1, x2) for name in names], axis=1), dtype=points.dtype)


def _plane(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-1, 1]^2, target (x1 + x2) / 2: a tilted plane, one linear unit fits it."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    return X, (X[:, 0] + X[:, 1]) / 2 + rng.normal(0, 0.1 * noise, n)


def _bumps(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-1, 1]^2, target a sum of four Gaussian bumps, two up and two down
    (TensorFlow Playground's "multi Gaussian"), within [-1, 1]."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    centres, signs = np.array([[-0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [0.5, -0.5]]), np.array([1, 1, -1, -1])
    squared = ((X[:, None, :] - centres[None]) ** 2).sum(axis=2)
    y = (signs * np.exp(-squared / (2 * 0.25 ** 2))).sum(axis=1)
    return X, np.clip(y + rng.normal(0, 0.1 * noise, n), -1, 1)


# Regression: a real-valued target over the plane; ``noise`` adds N(0, (noise / 10)^2) to it.
REGRESSION_SETS: dict[str, tuple[str, Any]] = {
    "plane": ("plane: (x1 + x2) / 2", _plane),
    "bumps": ("four Gaussian bumps", _bumps),
}
PROBLEMS = {"classification": "classification", "regression": "regression"}


def _fits_real_targets(loss: Any) -> bool:
    """Whether ``loss`` takes real targets of either sign (a regression loss), by asking it."""
    return not loss.is_classification and loss.takes_signed_targets


KERNEL_LABELS = {"auto": "auto (compiled where installed)", "numpy": "NumPy (the readable reference)",
                 "numba": "Numba (compiled)"}


class SettingsError(ConfigurationError):
    """A value from the page is missing, of the wrong type or out of range; the message names it."""


def menus() -> dict[str, list[list[str]]]:
    """``{menu: [[value, label], ...]}`` for every choice the page offers, from the registries."""
    def pairs(names: list[str], get: Any) -> list[list[str]]:
        return [[name, getattr(get(name), "display_name", name)] for name in names]

    return {
        "dataset": [[name, label] for name, (label, _) in toy.PLANE_SETS.items()] + [["upload", "uploaded CSV"]],
        "activation": [[name, _activations.get(name).display_name] for name in _activations.hidden_names()],
        "loss": pairs([n for n in _losses.names() if _losses.get(n).trains_classifiers], _losses.get),
        "optimizer": [[name, name] for name in _optim.names()],
        "lr_schedule": [[name, label] for name, label in _schedules.display_names().items()
                        if name != "invscaling"],  # per-sample decay: too fast for a picture that trains for minutes
        "gradient": [[name, label] for name, label in GRADIENTS.items()],
        "kernels": [[name, KERNEL_LABELS.get(name, name)] for name in ("auto", *_kernels.NAMES)],
        "features": [[name, label] for name, (label, _) in FEATURES.items()],
        "problem": [[name, label] for name, label in PROBLEMS.items()],
        "regression_dataset": [[name, label] for name, (label, _) in REGRESSION_SETS.items()],
        "regression_loss": pairs([n for n in _losses.names() if _fits_real_targets(_losses.get(n))], _losses.get),
    }


@dataclass
class Settings:
    dataset: str = "spiral"
    classes: int = 3
    noise: float = 0.2
    samples: int = 400
    train_ratio: float = 0.5
    seed: int = 0
    layers: list = field(default_factory=lambda: [{"neurons": 8, "activation": "tanh"},
                                                 {"neurons": 8, "activation": "tanh"}])
    loss: str = "softmax_cross_entropy"
    optimizer: str = "adam"
    lr: float = 0.03
    lr_schedule: str = "constant"
    batch_size: int = 10
    l2: float = 0.0
    l1: float = 0.0
    gradient: str = "backprop"
    kernels: str = "auto"
    features: list = field(default_factory=lambda: ["x1", "x2"])
    discretize: bool = False  # draw each region in its class's full colour, not shaded by confidence
    problem: str = "classification"  # or "regression": a real-valued target, one output


def _number(raw: dict, name: str, low: float, high: float, integer: bool = False) -> Any:
    value = raw[name]
    # math.isfinite, not np.isfinite: a JSON integer may have any number of digits (np.isfinite
    # raises TypeError beyond 64 bits); the range check below then refuses it.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SettingsError(f"{name}: expected a number, got {str(value)[:40]}")
    if integer and int(value) != value:
        raise SettingsError(f"{name}: expected a whole number, got {value!r}")
    if not low <= value <= high:
        raise SettingsError(f"{name}: expected a value from {low} to {high}, got {str(value)[:40]}")
    return int(value) if integer else float(value)


def _choice(raw: dict, name: str, options: tuple[str, ...]) -> str:
    value = raw[name]
    if not isinstance(value, str) or value not in options:
        raise SettingsError(f"{name}: expected one of {', '.join(options)}, got {str(value)[:40]!r}")
    return value


def validate_settings(raw: Any) -> Settings:
    """Settings from an untrusted mapping (a WebSocket message); unknown keys are refused."""
    if not isinstance(raw, dict):
        raise SettingsError("settings: expected an object")
    defaults = asdict(Settings())
    unknown = sorted(set(raw) - set(defaults))
    if unknown:
        raise SettingsError(f"settings: unknown field {str(unknown[0])[:40]!r}")
    merged = {**defaults, **raw}
    offered = {menu: tuple(value for value, _ in pairs) for menu, pairs in menus().items()}  # built once
    layers = merged["layers"]
    if not isinstance(layers, list) or len(layers) > LIMITS["max_layers"]:
        raise SettingsError(f"layers: expected a list of at most {LIMITS['max_layers']} hidden layers")
    activations = offered["activation"]
    checked_layers = []
    for index, layer in enumerate(layers):
        if not isinstance(layer, dict) or set(layer) != {"neurons", "activation"}:
            raise SettingsError(f"layers[{index}]: expected "
                                f"{{'neurons': 1-{LIMITS['max_neurons']}, 'activation': name}}")
        checked_layers.append({"neurons": _number(layer, "neurons", 1, LIMITS["max_neurons"], integer=True),
                               "activation": _choice(layer, "activation", activations)})
    problem = _choice(merged, "problem", offered["problem"])
    regression = problem == "regression"
    return Settings(
        dataset=_choice(merged, "dataset", offered["regression_dataset" if regression else "dataset"]),
        classes=_number(merged, "classes", LIMITS["min_classes"], LIMITS["max_classes"], integer=True),
        noise=_number(merged, "noise", 0.0, 2.0),
        samples=_number(merged, "samples", LIMITS["min_samples"], LIMITS["max_samples"], integer=True),
        train_ratio=_number(merged, "train_ratio", 0.1, 0.9),
        seed=_number(merged, "seed", 0, 2**31 - 1, integer=True),
        layers=checked_layers,
        loss=_choice(merged, "loss", offered["regression_loss" if regression else "loss"]),
        optimizer=_choice(merged, "optimizer", offered["optimizer"]),
        lr=_number(merged, "lr", 1e-5, 10.0),
        lr_schedule=_choice(merged, "lr_schedule", offered["lr_schedule"]),
        batch_size=_number(merged, "batch_size", 1, LIMITS["max_batch"], integer=True),
        l2=_number(merged, "l2", 0.0, 1.0),
        l1=_number(merged, "l1", 0.0, 1.0),
        gradient=_choice(merged, "gradient", offered["gradient"]),
        kernels=_choice(merged, "kernels", offered["kernels"]),
        features=_features(merged["features"], offered["features"]),
        discretize=_flag(merged, "discretize"),
        problem=problem,
    )


def _flag(raw: dict, name: str) -> bool:
    value = raw[name]
    if not isinstance(value, bool):
        raise SettingsError(f"{name}: expected true or false, got {str(value)[:40]}")
    return value


def _features(value: Any, options: tuple[str, ...]) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(name, str) for name in value) \
            or len(set(value)) != len(value) or not set(value) <= set(options):
        raise SettingsError(f"features: expected a list of distinct input features from {', '.join(options)} "
                            f"(at least one), got {str(value)[:60]}")
    return [name for name in options if name in value]  # in the menu's order


def parse_upload(text: Any) -> tuple[np.ndarray, np.ndarray]:
    """An uploaded CSV of ``x1,x2,label`` rows (a header line is optional) -> (X, y), labels
    mapped to 0..K-1. At most 1 MB and 5,000 rows, 2 to 5 classes, finite coordinates of
    magnitude at most ``LIMITS["max_coordinate"]`` (larger ones overflow the view's statistics)."""
    if not isinstance(text, str):
        raise SettingsError("upload: expected the CSV file's text")
    if len(text.encode("utf-8")) > LIMITS["max_upload_bytes"]:
        raise SettingsError(f"upload: the file is larger than {LIMITS['max_upload_bytes'] // 1_000_000} MB")
    try:
        rows = [row for row in csv.reader(io.StringIO(text), strict=True) if row and any(cell.strip() for cell in row)]
    except csv.Error as error:  # an unclosed quote, a cell over the csv module's 128 KB limit
        raise SettingsError(f"upload: not a readable CSV file ({error})") from None
    if rows and not _is_number(rows[0][0]):
        rows = rows[1:]  # a header
    if not rows:
        raise SettingsError("upload: no data rows; expected lines of x1,x2,label")
    if len(rows) > LIMITS["max_upload_rows"]:
        raise SettingsError(f"upload: {len(rows):,} rows; at most {LIMITS['max_upload_rows']:,} are allowed")
    X, labels = np.empty((len(rows), 2)), []
    for number, row in enumerate(rows, start=1):
        if len(row) != 3 or not (_is_number(row[0]) and _is_number(row[1])):
            raise SettingsError(f"upload: data row {number}: expected x1,x2,label, got {','.join(row)[:60]!r}")
        X[number - 1] = float(row[0]), float(row[1])
        labels.append(row[2].strip())
    if not np.all(np.isfinite(X)):
        raise SettingsError("upload: coordinates must be finite numbers")
    largest = LIMITS["max_coordinate"]
    too_large = np.flatnonzero(np.any(np.abs(X) > largest, axis=1))
    if too_large.size:
        row = int(too_large[0])
        raise SettingsError(f"upload: data row {row + 1}: coordinates must be at most {largest:g} in magnitude, "
                            f"got {X[row, 0]:g},{X[row, 1]:g}")
    classes, y = np.unique(labels, return_inverse=True)
    if not LIMITS["min_classes"] <= len(classes) <= LIMITS["max_classes"]:
        raise SettingsError(f"upload: {len(classes)} classes; expected 2 to 5")
    return X, y.astype(np.int64)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
