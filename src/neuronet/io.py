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
import math
import re
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import backend
from . import losses as _losses
from . import optim as _optim
from .atomic import atomic_write
from .errors import ConfigurationError, ModelFileError, TooLargeError
from .layers import LAYER_TYPES, parameter_shapes
from .layers import check_config as check_layer_config
from .layers import from_config as layer_from_config
from .memory import check_fits
from .network import Sequential, as_network

__all__ = ["save", "load", "ModelFileError", "FORMAT", "VERSION"]

FORMAT = "neuronet"
VERSION = 1
_HEADER = "neuronet.json"



def _classes_to_json(classes: np.ndarray | None) -> Any:
    if classes is None:
        return None
    kind = classes.dtype.kind
    if kind not in "iufbU":
        raise TypeError(f"classes of dtype {classes.dtype} cannot be saved: use numbers or strings")
    return {"dtype": classes.dtype.str if kind != "U" else "str", "values": classes.tolist()}


def save(model: Any, path: str | Path, metadata: dict | None = None) -> Path:
    """Write ``model`` to ``path`` atomically; returns the path.

    The file keeps the network's own ``metadata`` (e.g. the input scaling a model trained
    on CSV data needs), updated with ``metadata`` where given: saving a loaded model again
    loses nothing. ``metadata`` is any JSON-able dict."""
    net = as_network(model)
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata: expected a dict, got {type(metadata).__name__}")
    path = Path(path)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": net.config(),
        "loss": net.loss.config() if net.loss is not None else None,
        "optimizer": None,
        "classes": _classes_to_json(net.classes),
        "metadata": {**(net.metadata or {}), **(metadata or {})},
        "device": net.device,
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


# --- loading: check everything the file declares before allocating or decompressing ------------
_MAX_HEADER_BYTES = 16 << 20   # the JSON description; a real one is a few KB
_MAX_LAYERS = 10_000
_MEMBER = re.compile(r"(?:param/\d{1,6}\.[A-Za-z]\w{0,31}|optim/[A-Za-z]\w{0,31}/[A-Za-z]\w{0,31})")


def load(path: str | Path, device: str | None = None) -> Sequential:
    """Read a model file written by ``save``; raises ``ModelFileError`` for anything amiss.

    Safe on hostile files: the archive's directory, the JSON description and every array's
    header are checked against each other before any array is allocated or decompressed,
    unknown members are refused without being read, and nothing is ever unpickled.

    The arrays in the file are the same wherever the network was trained. ``device`` says where
    the loaded network lives (``"cpu"`` or ``"cuda"``); by default, the device it was saved
    from when that device is usable here, else the CPU (with a warning)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file")
    with path.open("rb") as handle:
        if handle.read(4) != b"PK\x03\x04":  # np.load would take any other file for a pickle
            raise ModelFileError(f"{path}: not a neuronet model file (not an .npz archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            return _load_archive(archive, path, device)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error, NotImplementedError) as error:
        raise ModelFileError(f"{path}: truncated or corrupted model file ({type(error).__name__}: {error})") from None


def _load_archive(archive: zipfile.ZipFile, path: Path, device: str | None) -> Sequential:
    members: dict[str, zipfile.ZipInfo] = {}
    infos = archive.infolist()
    if not any(info.filename == _HEADER + ".npy" for info in infos):
        raise ModelFileError(f"{path}: not a neuronet model file (no {_HEADER} inside)")
    for info in infos:
        key = info.filename[:-4] if info.filename.endswith(".npy") else None
        if key is None or (key != _HEADER and not _MEMBER.fullmatch(key)):
            raise ModelFileError(f"{path}: unexpected member {info.filename[:80]!r} (not written by neuronet.save); "
                                 "it was not read")
        if key in members:
            raise ModelFileError(f"{path}: member {info.filename!r} appears twice")
        members[key] = info
    header_info = members.pop(_HEADER)
    if header_info.file_size > _MAX_HEADER_BYTES:
        raise ModelFileError(f"{path}: its description is {header_info.file_size:,} bytes, over the limit of "
                             f"{_MAX_HEADER_BYTES:,}")
    _check_member_header(archive, header_info, path, np.dtype(np.uint8), None)
    raw = _read_member(archive, header_info, path)
    header = _parse_header(raw, path)
    try:
        spec = _check_header(header)
    except (ValueError, TypeError, KeyError) as error:
        raise ModelFileError(f"{path}: invalid model description ({error})") from None

    # Every member the description implies, with its shape, before anything is read.
    dtype = spec["dtype"]
    expected: dict[str, tuple[int, ...]] = {}
    n_weights = 0  # the decayed parameters, which the flat buffer (and the optimizer state) keeps first
    for index, config in enumerate(spec["layers"]):
        for key, shape in parameter_shapes(config).items():
            expected[f"param/{index}.{key}"] = shape
            if key in LAYER_TYPES[config["type"]].decayed:
                n_weights += math.prod(shape)
    n_total = sum(int(np.prod(shape)) for shape in expected.values())
    optimizer = spec["optimizer"]
    if optimizer is not None:
        groups = {"W": (n_weights,), "b": (n_total - n_weights,), "Wb": (n_total,)}
        for key in members:
            if key.startswith("optim/"):
                _, group, slot = key.split("/")
                if group not in groups or slot not in optimizer.slots:
                    raise ModelFileError(f"{path}: optimizer state {key} does not match the optimizer "
                                         f"({optimizer.name}: slots {list(optimizer.slots)})")
                expected[key] = groups[group]
    stored = {key for key in members if key.startswith("param/")}
    wanted = {key for key in expected if key.startswith("param/")}
    if stored != wanted:
        raise ModelFileError(f"{path}: parameters {sorted(k[6:] for k in stored)[:20]} do not match the "
                             f"architecture's {sorted(k[6:] for k in wanted)[:20]}")
    extra = sorted(set(members) - set(expected))
    if extra:
        raise ModelFileError(f"{path}: unexpected member {extra[0]!r}; it was not read")
    try:
        check_fits(n_total * dtype.itemsize * (4 + len(optimizer.slots) if optimizer else 4),
                   f"{path}: the network it describes ({n_total:,} parameters)")
    except TooLargeError as error:
        raise ModelFileError(str(error)) from None
    for key, shape in expected.items():
        _check_member_header(archive, members[key], path, dtype, shape)

    # Only now: build and fill.
    net = Sequential([layer_from_config(config, dtype) for config in spec["layers"]])
    parameters = net.parameters()
    for key in wanted:
        array = _read_member(archive, members[key], path)
        if not np.all(np.isfinite(array)):
            raise ModelFileError(f"{path}: parameter {key[6:]} contains NaN or infinity")
        parameters[key[6:]][...] = array
    net.loss = spec["loss"]
    if spec["classes"] is not None:
        if net.loss is not None and len(spec["classes"]) != net.loss.n_classes(net.out_features):
            raise ModelFileError(f"{path}: class labels do not match the output layer")
        net.classes = spec["classes"]
    if optimizer is not None:
        state: dict[str, dict[str, np.ndarray]] = {}
        for key in expected:
            if key.startswith("optim/"):
                _, group, slot = key.split("/")
                state.setdefault(group, {})[slot] = _read_member(archive, members[key], path)
        try:
            optimizer.load_state_dict({"iterations": spec["iterations"], "state": state})
        except ValueError as error:
            raise ModelFileError(f"{path}: {error}") from None
        net.optimizer = optimizer
    net.metadata = spec["metadata"]
    net.trained = True  # its weights are the file's, not random ones
    if device is not None:
        net.to(device)
    elif spec["device"] != "cpu":
        try:
            net.to(spec["device"])
        except ConfigurationError as error:
            warnings.warn(f"{path}: saved from device {spec['device']!r}, loaded on the CPU ({error})", stacklevel=3)
    return net


def _parse_header(raw: np.ndarray, path: Path) -> dict:
    def refuse_constant(name: str) -> None:
        raise ValueError(f"{name} is not a number JSON allows")

    try:
        header = json.loads(raw.tobytes().decode("utf-8"), parse_constant=refuse_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise ModelFileError(f"{path}: header is not valid JSON ({error})") from None
    except RecursionError:
        raise ModelFileError(f"{path}: header is nested too deeply to be a model description") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a neuronet model file")
    if header.get("version") != VERSION or isinstance(header.get("version"), bool):
        raise ModelFileError(f"{path}: model file version {header.get('version')!r} is not supported "
                             f"(this neuronet reads version {VERSION})")
    return header


def _check_header(header: dict) -> dict[str, Any]:
    """The description's every field, type-checked and range-checked (raises ValueError/TypeError)."""
    architecture = header["architecture"]
    if not isinstance(architecture, dict) or not isinstance(architecture.get("layers"), list):
        raise ValueError("architecture: expected an object with a list of layers")
    if not 1 <= len(architecture["layers"]) <= _MAX_LAYERS:
        raise ValueError(f"architecture: expected 1 to {_MAX_LAYERS:,} layers, got {len(architecture['layers']):,}")
    if architecture.get("dtype", "float32") not in ("float32", "float64"):
        raise ValueError(f"unsupported dtype {architecture.get('dtype')!r}")
    dtype = np.dtype(architecture.get("dtype", "float32"))
    layers = [check_layer_config(config) for config in architecture["layers"]]
    width = None
    for index, config in enumerate(layers):
        if config.get("dtype", dtype.name) != dtype.name:
            raise ValueError(f"layer {index}: dtype {config['dtype']} differs from the network's {dtype.name}")
        if config["type"] == "Dense":
            if width is not None and width != config["in_features"]:
                raise ValueError(f"layer {index}: expects {config['in_features']} inputs but the previous "
                                 f"layer gives {width}")
            width = config["out_features"]
    if width is None:
        raise ValueError("architecture: no Dense layer")
    in_features = next(c["in_features"] for c in layers if c["type"] == "Dense")
    loss = _losses.from_config(header["loss"]) if header.get("loss") is not None else None
    optimizer, iterations = None, 0
    if header.get("optimizer") is not None:
        settings = header["optimizer"]
        if not isinstance(settings, dict):
            raise ValueError("optimizer: expected an object")
        optimizer = _optim.from_config(settings.get("config"))
        iterations = settings.get("iterations")
        if not isinstance(iterations, int) or isinstance(iterations, bool) or not 0 <= iterations < 2**53:
            raise ValueError(f"optimizer: iterations must be a whole number >= 0, got {iterations!r}")
    metadata = header.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ValueError("metadata: expected an object")
    _check_metadata(metadata, in_features)
    device = header.get("device", "cpu")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device: expected 'cpu' or 'cuda', got {str(device)[:20]!r}")
    return {"dtype": dtype, "layers": layers, "loss": loss, "optimizer": optimizer, "iterations": iterations,
            "device": device,
            "classes": _classes_from_json(header.get("classes")), "metadata": dict(metadata)}


def _classes_from_json(classes: Any) -> np.ndarray | None:
    if classes is None:
        return None
    if not isinstance(classes, dict) or not isinstance(classes.get("values"), list):
        raise ValueError("classes: expected an object with a list of values")
    values, kind = classes["values"], classes.get("dtype")
    if kind == "str":
        if not all(isinstance(v, str) for v in values):
            raise ValueError("classes: string labels expected")
        array = np.array(values, dtype=str)
    else:
        if not isinstance(kind, str) or kind not in _CLASS_DTYPES:
            raise ValueError(f"classes: unsupported label dtype {kind!r}")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) or (kind[1] == "b" and isinstance(v, bool))
                   for v in values):
            raise ValueError("classes: numeric labels expected")
        array = np.array(values, dtype=np.dtype(kind))
    if array.ndim != 1 or array.size == 0:
        raise ValueError("classes: expected a non-empty list of labels")
    return array


_CLASS_DTYPES = {np.dtype(t).str for t in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
                                          np.uint64, np.float32, np.float64, np.bool_)}


def _check_metadata(metadata: dict, in_features: int) -> None:
    """The metadata fields neuronet itself reads back (the input scaling, the data's description)
    must have the types it expects; other fields are the user's and stay as they are."""
    preprocessing = metadata.get("preprocessing")
    if preprocessing is not None:
        if not isinstance(preprocessing, dict):
            raise ValueError("metadata.preprocessing: expected an object with 'mean' and 'std'")
        for key in ("mean", "std"):
            values = preprocessing.get(key)
            if (not isinstance(values, list) or len(values) != in_features
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                               for v in values)):
                raise ValueError(f"metadata.preprocessing.{key}: expected {in_features} finite numbers")
        if any(v <= 0 for v in preprocessing["std"]):
            raise ValueError("metadata.preprocessing.std: expected positive numbers")
    features = metadata.get("features")
    if features is not None and (not isinstance(features, list) or len(features) != in_features
                                 or not all(isinstance(f, str) for f in features)):
        raise ValueError(f"metadata.features: expected {in_features} column names")
    if metadata.get("target") is not None and not isinstance(metadata["target"], str):
        raise ValueError("metadata.target: expected a column name")
    dataset = metadata.get("dataset")
    if dataset is not None:
        if not isinstance(dataset, dict):
            raise ValueError("metadata.dataset: expected an object")
        for key in ("spec", "target"):
            if dataset.get(key) is not None and not isinstance(dataset[key], str):
                raise ValueError(f"metadata.dataset.{key}: expected a string")
        seed = dataset.get("seed", 0)
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
            raise ValueError(f"metadata.dataset.seed: expected a whole number >= 0, got {seed!r}")
        noise = dataset.get("noise")
        if noise is not None and (not isinstance(noise, (int, float)) or isinstance(noise, bool)
                                  or not math.isfinite(noise) or noise < 0):
            raise ValueError(f"metadata.dataset.noise: expected a number >= 0, got {noise!r}")


def _describe(member: str) -> str:
    key = member[:-4]
    if key.startswith("param/"):
        return f"parameter {key[6:]}"
    if key.startswith("optim/"):
        return f"optimizer state {key[6:]}"
    return "the description"


def _array_header(handle: IO[bytes], path: Path, name: str) -> tuple[tuple[int, ...], np.dtype]:
    try:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except (ValueError, SyntaxError, TypeError) as error:
        raise ModelFileError(f"{path}: {name}: not a valid array ({error})") from None
    return shape, dtype


def _check_member_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, dtype: np.dtype,
                         shape: tuple[int, ...] | None) -> int:
    """Read only the array header of a member; its shape and dtype must be the expected ones and the
    member's declared size exactly what they need. Returns the header's length in bytes."""
    name = _describe(info.filename)
    with archive.open(info) as handle:
        stored_shape, stored_dtype = _array_header(handle, path, name)
        offset = handle.tell()
    if stored_dtype.hasobject:
        raise ModelFileError(f"{path}: {name} holds pickled Python objects, which are never loaded")
    if stored_dtype != dtype:
        raise ModelFileError(f"{path}: {name} has dtype {stored_dtype}, expected {dtype}")
    if shape is not None and tuple(stored_shape) != tuple(shape):
        raise ModelFileError(f"{path}: {name} has shape {tuple(stored_shape)}, expected {tuple(shape)}")
    if shape is None and len(stored_shape) != 1:
        raise ModelFileError(f"{path}: {name} is malformed")
    if info.file_size != offset + math.prod(stored_shape) * dtype.itemsize:
        raise ModelFileError(f"{path}: {name} declares {info.file_size:,} bytes, not what its array "
                             f"of shape {tuple(stored_shape)} needs")
    return offset


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> np.ndarray:
    """A member's array; its header was checked (``_check_member_header``) before anything was read."""
    with archive.open(info) as handle:
        try:
            array = np.lib.format.read_array(handle, allow_pickle=False)
        except ValueError as error:
            raise ModelFileError(f"{path}: member {info.filename}: {error}") from None
    return array
