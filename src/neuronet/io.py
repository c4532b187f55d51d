"""Model files: one ``.npz`` of arrays plus a JSON description; data only, never code.

    >>> neuronet.save(net, "model.npz")         # doctest: +SKIP
    >>> net = neuronet.load("model.npz")         # doctest: +SKIP

What the file holds:

- ``neuronet.json``: a JSON document (stored as UTF-8 bytes) with the format name
  and version, the architecture (``Sequential.config()``), the loss, the
  optimizer's settings and step count, the class labels, and free metadata;
- ``param/<name>``: each parameter (``param/0.W``, ``param/0.b``, ...);
- ``optim/<name>/<slot>``: the optimizer's state, so training can resume.

Loading reads with ``allow_pickle=False``, builds only the known layer types
named in the JSON (``layers.LAYER_TYPES``), and checks every array's shape,
dtype and finiteness against it; anything else is a ``ModelFileError`` with a
message saying what is wrong. Saving writes a temporary file in the same folder
and renames it over the target only once it is complete, so a crash mid-save
leaves the previous file intact.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from . import backend
from . import losses as _losses
from . import optim as _optim
from .atomic import atomic_write
from .layers import from_config as layer_from_config
from .network import Sequential, as_network

__all__ = ["save", "load", "ModelFileError", "FORMAT", "VERSION"]

FORMAT = "neuronet"
VERSION = 1
_HEADER = "neuronet.json"


class ModelFileError(ValueError):
    """A model file that cannot be loaded: truncated, corrupted, tampered with, or from
    another version. The message says which."""


def _classes_to_json(classes: np.ndarray | None) -> Any:
    if classes is None:
        return None
    kind = classes.dtype.kind
    if kind not in "iufbU":
        raise TypeError(f"classes of dtype {classes.dtype} cannot be saved: use numbers or strings")
    return {"dtype": classes.dtype.str if kind != "U" else "str", "values": classes.tolist()}


def save(model: Any, path: str | Path, metadata: dict | None = None) -> Path:
    """Write ``model`` to ``path`` atomically; returns the path. ``metadata`` is any JSON-able dict."""
    net = as_network(model)
    path = Path(path)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": net.config(),
        "loss": net.loss.config() if net.loss is not None else None,
        "optimizer": None,
        "classes": _classes_to_json(net.classes),
        "metadata": metadata or {},
    }
    arrays = {f"param/{name}": backend.to_numpy(value) for name, value in net.parameters().items()}
    if net.optimizer is not None:
        state = net.optimizer.state_dict()
        header["optimizer"] = {"config": net.optimizer.config(), "iterations": state["iterations"]}
        for name, slots in state["state"].items():
            for slot, array in slots.items():
                arrays[f"optim/{name}/{slot}"] = array
    try:
        encoded = json.dumps(header, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise TypeError(f"metadata: must be JSON-serialisable ({error})") from None
    arrays[_HEADER] = np.frombuffer(encoded, dtype=np.uint8)

    with atomic_write(path) as handle:
        np.savez(handle, **arrays)
    return path


def load(path: str | Path) -> Sequential:
    """Read a model file written by ``save``; raises ``ModelFileError`` for anything amiss."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file")
    with path.open("rb") as handle:
        if handle.read(4) != b"PK\x03\x04":  # np.load would take any other file for a pickle
            raise ModelFileError(f"{path}: not a neuronet model file (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            if _HEADER not in names:
                raise ModelFileError(f"{path}: not a neuronet model file (no {_HEADER} inside)")
            arrays = {name: archive[name] for name in names}
    except ModelFileError:
        raise
    except ValueError as error:
        if "pickle" in str(error).lower():
            raise ModelFileError(f"{path}: holds pickled Python objects, which are never loaded") from None
        raise ModelFileError(f"{path}: corrupted model file ({error})") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, zipfile.LargeZipFile) as error:
        raise ModelFileError(f"{path}: truncated or corrupted model file ({type(error).__name__}: {error})") from None
    try:
        return _build(arrays, path)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ModelFileError(f"{path}: invalid model description ({type(error).__name__}: {error})") from None


def _build(arrays: dict[str, np.ndarray], path: Path) -> Sequential:
    raw = arrays.pop(_HEADER)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(f"{path}: malformed header")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: header is not valid JSON ({error})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a neuronet model file")
    if header.get("version") != VERSION:
        raise ModelFileError(f"{path}: model file version {header.get('version')!r} is not supported "
                             f"(this neuronet reads version {VERSION})")
    architecture = header["architecture"]
    dtype = np.dtype(architecture.get("dtype", "float32"))
    if dtype not in (np.float32, np.float64):
        raise ModelFileError(f"{path}: unsupported dtype {dtype}")
    layers = [layer_from_config(config, dtype) for config in architecture["layers"]]
    net = Sequential(layers)
    expected = net.parameters()
    stored = {name[len("param/"):]: array for name, array in arrays.items() if name.startswith("param/")}
    if set(stored) != set(expected):
        raise ModelFileError(f"{path}: parameters {sorted(stored)} do not match the architecture's {sorted(expected)}")
    for name, target in expected.items():
        array = stored[name]
        if array.shape != target.shape or array.dtype != target.dtype:
            raise ModelFileError(f"{path}: parameter {name} has shape {array.shape} and dtype {array.dtype}, "
                                 f"expected {target.shape} {target.dtype}")
        if not np.all(np.isfinite(array)):
            raise ModelFileError(f"{path}: parameter {name} contains NaN or infinity")
        target[...] = backend.asarray(array)
    if header.get("loss") is not None:
        net.loss = _losses.from_config(header["loss"])
    classes = header.get("classes")
    if classes is not None:
        values = classes["values"]
        net.classes = np.array(values, dtype=str if classes["dtype"] == "str" else np.dtype(classes["dtype"]))
        if net.classes.ndim != 1 or (net.loss is not None and len(net.classes) != net.loss.n_classes(net.out_features)):
            raise ModelFileError(f"{path}: class labels do not match the output layer")
    if header.get("optimizer") is not None:
        optimizer = _optim.from_config(header["optimizer"]["config"])
        state: dict[str, dict[str, np.ndarray]] = {}
        flat = {**net.flat_parameters(), "Wb": net._flat_params}  # "Wb": stepped in one piece (step_flat)
        for name, array in arrays.items():
            if not name.startswith("optim/"):
                continue
            _, param, slot = name.split("/", 2)
            if (param not in flat or slot not in optimizer.slots or array.shape != flat[param].shape
                    or array.dtype != dtype or not np.all(np.isfinite(array))):
                raise ModelFileError(f"{path}: optimizer state {name} does not match the parameters")
            state.setdefault(param, {})[slot] = array
        optimizer.load_state_dict({"iterations": int(header["optimizer"]["iterations"]), "state": state})
        net.optimizer = optimizer
    net.metadata = dict(header.get("metadata") or {})
    return net
