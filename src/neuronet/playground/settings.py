"""The playground's settings: what the page may ask for, validated, and the menus it shows.

Every name a menu offers comes from a registry: the datasets from ``datasets.toy.PLANE_SETS``,
the activations from ``activations.hidden_names()``, the losses that train a K-class
classifier from ``losses``, the optimizers from ``optim``, the learning-rate schedules from
``schedules``. The server sends ``menus()`` in its hello message, so the page has no list of
its own, and ``validate_settings`` accepts exactly what the menus offer.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .. import activations as _activations
from .. import losses as _losses
from .. import optim as _optim
from .. import schedules as _schedules
from ..datasets import toy
from ..errors import ConfigurationError

__all__ = ["LIMITS", "Settings", "SettingsError", "validate_settings", "parse_upload", "menus", "GRADIENTS"]

GRADIENTS = {"backprop": "backpropagation", "numerical": "numerical differentiation"}
LIMITS = {
    "max_layers": 6, "max_neurons": 16, "min_classes": 2, "max_classes": 5, "max_upload_bytes": 1_000_000,
    "max_upload_rows": 5_000, "min_samples": 20, "max_samples": 1_000, "max_batch": 500, "grid": 50,
    "neuron_grid": 20,
}


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
    }


def _values(menu: str) -> tuple[str, ...]:
    return tuple(value for value, _ in menus()[menu])


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
    gradient: str = "backprop"


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
    layers = merged["layers"]
    if not isinstance(layers, list) or len(layers) > LIMITS["max_layers"]:
        raise SettingsError(f"layers: expected a list of at most {LIMITS['max_layers']} hidden layers")
    activations = _values("activation")
    checked_layers = []
    for index, layer in enumerate(layers):
        if not isinstance(layer, dict) or set(layer) != {"neurons", "activation"}:
            raise SettingsError(f"layers[{index}]: expected {{'neurons': 1-{LIMITS['max_neurons']}, 'activation': name}}")
        checked_layers.append({"neurons": _number(layer, "neurons", 1, LIMITS["max_neurons"], integer=True),
                               "activation": _choice(layer, "activation", activations)})
    return Settings(
        dataset=_choice(merged, "dataset", _values("dataset")),
        classes=_number(merged, "classes", LIMITS["min_classes"], LIMITS["max_classes"], integer=True),
        noise=_number(merged, "noise", 0.0, 2.0),
        samples=_number(merged, "samples", LIMITS["min_samples"], LIMITS["max_samples"], integer=True),
        train_ratio=_number(merged, "train_ratio", 0.1, 0.9),
        seed=_number(merged, "seed", 0, 2**31 - 1, integer=True),
        layers=checked_layers,
        loss=_choice(merged, "loss", _values("loss")),
        optimizer=_choice(merged, "optimizer", _values("optimizer")),
        lr=_number(merged, "lr", 1e-5, 10.0),
        lr_schedule=_choice(merged, "lr_schedule", _values("lr_schedule")),
        batch_size=_number(merged, "batch_size", 1, LIMITS["max_batch"], integer=True),
        l2=_number(merged, "l2", 0.0, 1.0),
        gradient=_choice(merged, "gradient", _values("gradient")),
    )


def parse_upload(text: Any) -> tuple[np.ndarray, np.ndarray]:
    """An uploaded CSV of ``x1,x2,label`` rows (a header line is optional) -> (X, y), labels
    mapped to 0..K-1. At most 1 MB and 5,000 rows, 2 to 5 classes, finite numbers only."""
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
