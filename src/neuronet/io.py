"""Model files: one ``.npz`` of arrays plus a JSON description; data only, never code.

    >>> neuronet.save(net, "model.npz")         # doctest: +SKIP
    >>> net = neuronet.load("model.npz")         # doctest: +SKIP

What the file holds (format version 3; version 2 for a model without a table encoding):

- ``neuronet.json``: a JSON document (stored as UTF-8 bytes) with the format name
  and version, the architecture (``Sequential.config()``), the loss, the
  optimizer's settings and step count, the class labels, and free metadata;
- ``param/<name>``: each parameter (``param/0.W``, ``param/0.b``, ...);
- ``optim/<name>/<slot>``: the optimizer's state for that parameter, with its shape
  (``optim/0.W/m``), so training can resume. How an optimizer groups its state inside is
  its own business; the file always holds it per parameter.
- with a table encoding (``net.encoder``, a fitted ``neuronet.tables.TableEncoder``): its
  description (``TableEncoder.to_config``) under ``encoder`` in the JSON, and its arrays (the
  scaling, the categories, the class labels: numbers or fixed-width text) as
  ``encoder/<name>`` (``encoder/numeric.center``, ``encoder/categories.0``, ...); read back by
  ``TableEncoder.from_config``, which checks every field. Such a file is version 3; a file
  without one stays version 2, readable by any neuronet that reads version 2.

Version 1 files (the optimizer state as ``optim/W``, ``optim/b`` or ``optim/Wb``: the
decayed parameters, the rest, or all of them, flat) still load.

Metadata is JSON: its keys must be strings. A dict with other keys (``{1: "a"}``) is refused by
``save`` rather than written with its keys turned into strings.

Loading reads with ``allow_pickle=False``, builds only the registered layer types named
in the JSON (``layers.LAYER_TYPES``, each from its own config), and checks every array's
shape, dtype and finiteness against it. Everything the description can make the loader
allocate (the parsed description, the arrays, the network and its optimizer state, the
class labels) counts against one memory budget (``memory.check_fits``), checked before
it is allocated; the class labels as an array (NumPy pads each string to the longest) are
also held to a fixed limit, four times the description's, whatever memory is free. Anything
wrong, including any failure of the zip layer (an encrypted or unsupported member, a bad checksum), is a ``ModelFileError`` with a message saying what.
Saving writes a temporary file in the same folder and renames it over the target only
once it is complete, so a crash mid-save leaves the previous file intact.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import backend
from . import layers as _layers
from . import losses as _losses
from . import optim as _optim
from .atomic import atomic_write
from .errors import ConfigurationError, ModelFileError, TooLargeError, WrongType
from .memory import check_fits
from .network import Sequential, as_network

__all__ = ["save", "load", "ModelFileError", "FORMAT", "VERSION"]

FORMAT = "neuronet"
VERSION = 3
_READABLE_VERSIONS = (1, 2, 3)
_VERSION_WITHOUT_ENCODER = 2  # what a file without a table encoding is written as: older readers read it
_HEADER = "neuronet.json"


def _classes_to_json(classes: np.ndarray | None) -> Any:
    if classes is None:
        return None
    kind = classes.dtype.kind
    if kind not in "iufbU":
        raise TypeError(f"classes of dtype {classes.dtype} cannot be saved: use numbers or strings")
    return {"dtype": classes.dtype.str if kind != "U" else "str", "values": classes.tolist()}


def _check_keys(metadata: dict) -> None:
    """JSON keys are strings: refuse any other key rather than let it come back as a string."""
    stack: list[tuple[Any, str]] = [(metadata, "metadata")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise WrongType(f"{where}: key {key!r} is a {type(key).__name__}; model files keep metadata as "
                                    "JSON, whose keys are strings (use str keys)")
                stack.append((item, f"{where}[{key!r}]"))
        elif isinstance(value, (list, tuple)):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(value))


def _encoder_form(encoder: Any, net: Sequential) -> tuple[dict, dict[str, np.ndarray]]:
    """A table encoding's (description, arrays), checked against the network it feeds."""
    from .tables import TableEncoder
    from .tables.encoding import ARRAY_NAMES

    if not isinstance(encoder, TableEncoder) or not encoder.fitted:
        raise WrongType(f"encoder: expected a fitted neuronet.tables.TableEncoder, got {type(encoder).__name__}")
    if encoder.width != net.in_features:
        raise ConfigurationError(f"encoder: makes {encoder.width} features, but the network takes {net.in_features}")
    if not _same_classes(encoder, net):
        raise ConfigurationError(f"encoder: its classes {encoder.target.classes.tolist()[:10]} differ from the "
                                 f"network's class labels {np.asarray(net.classes).tolist()[:10]}")
    config, arrays = encoder.to_config()
    for name, array in arrays.items():
        if not ARRAY_NAMES.fullmatch(name) or array.ndim != 1 or array.dtype.kind not in _ENCODER_KINDS:
            raise ConfigurationError(f"encoder: its array {name!r} ({array.dtype}, {array.shape}) is not one a "
                                     "model file holds")
    return config, {name: np.ascontiguousarray(array) for name, array in arrays.items()}


def _optimizer_arrays(net: Sequential) -> dict[str, np.ndarray]:
    """The optimizer's state as ``optim/<parameter>/<slot>`` arrays of each parameter's shape."""
    flat = _flat_optimizer_state(net.optimizer, net.n_parameters, net.decayed_slice.stop)
    arrays = {}
    for name, where, shape in net.parameter_layout():
        for slot, array in flat.items():
            arrays[f"optim/{name}/{slot}"] = array[where].reshape(shape)
    return arrays


def _flat_optimizer_state(optimizer: _optim.Optimizer, n_total: int, n_weights: int) -> dict[str, np.ndarray]:
    """Each slot of an optimizer that steps a network's flat buffer, as one array laid out like
    the buffer, whatever groups the optimizer keeps inside ("Wb", or "W" and "b")."""
    groups = optimizer.state_dict()["state"]
    if not groups:
        return {}
    if set(groups) == {"Wb"}:
        parts = [groups["Wb"]]
    elif set(groups) == {"W", "b"}:
        parts = [groups["W"], groups["b"]]
    else:
        raise ConfigurationError(f"optimizer state: kept for {sorted(groups)}, not for the network's parameters; "
                                 "save it after training the network with it")
    flat = {slot: np.concatenate([part[slot].ravel() for part in parts]) for slot in optimizer.slots}
    if any(array.size != n_total for array in flat.values()) or (len(parts) == 2 and parts[0][
            optimizer.slots[0]].size != n_weights):
        raise ConfigurationError("optimizer state: its size does not match the network's parameters")
    return flat


def _set_flat_optimizer_state(optimizer: _optim.Optimizer, iterations: int, flat: dict[str, np.ndarray]) -> None:
    """Give ``optimizer`` the state of a whole flat buffer (``_flat_optimizer_state``'s layout)."""
    optimizer.load_state_dict({"iterations": iterations, "state": {"Wb": flat} if flat else {}})


def save(model: Any, path: str | Path, metadata: dict | None = None) -> Path:
    """Write ``model`` to ``path`` atomically; returns the path.

    The file keeps the network's own ``metadata`` (e.g. the input scaling a model trained
    on CSV data needs), updated with ``metadata`` where given: saving a loaded model again
    loses nothing. ``metadata`` is any JSON-able dict with string keys (others are refused)."""
    net = as_network(model)
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata: expected a dict, got {type(metadata).__name__}")
    path = Path(path)
    encoder = getattr(net, "encoder", None)
    header = {
        "format": FORMAT,
        "version": VERSION if encoder is not None else _VERSION_WITHOUT_ENCODER,
        "architecture": net.config(),
        "loss": net.loss.config() if net.loss is not None else None,
        "optimizer": None,
        "classes": _classes_to_json(net.classes),
        "metadata": {**(net.metadata or {}), **(metadata or {})},
        "device": net.device,
    }
    arrays = {f"param/{name}": backend.to_numpy(value) for name, value in net.parameters().items()}
    if net.optimizer is not None:
        header["optimizer"] = {"config": net.optimizer.config(), "iterations": net.optimizer.iterations}
        arrays.update(_optimizer_arrays(net))
    if encoder is not None:
        header["encoder"], encoder_arrays = _encoder_form(encoder, net)
        arrays.update({f"{_ENCODER}/{name}": array for name, array in encoder_arrays.items()})
    try:
        encoded = json.dumps(header, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise TypeError(f"metadata: must be JSON-serialisable ({error})") from None
    _check_keys(header["metadata"])
    arrays[_HEADER] = np.frombuffer(encoded, dtype=np.uint8)

    with atomic_write(path) as handle:
        np.savez(handle, **arrays)
    return path


# --- loading: check everything the file declares before allocating or decompressing ------------
_MAX_HEADER_BYTES = 16 << 20   # the JSON description; a real one is a few KB
_PARSED_BYTES_PER_BYTE = 40    # what parsing JSON can cost per byte of it (e.g. "[]," is a 56-byte list)
_MAX_LABEL_BYTES = 4 * _MAX_HEADER_BYTES  # the class labels as an array: 100,000 labels of 160 characters fit
_MAX_LAYERS = 10_000
_PARAMETER = r"\d{1,6}\.[A-Za-z]\w{0,31}"
_SLOT = r"[A-Za-z]\w{0,31}"
_ENCODER = "encoder"
_ENCODER_KINDS = "fiubU"  # numbers, bools and fixed-width text: never objects
_MEMBER = re.compile(rf"(?:param/{_PARAMETER}|optim/(?:{_PARAMETER}|W|b|Wb)/{_SLOT}|{_ENCODER}/[\w.]{{1,40}})")
_VERSION_1_GROUPS = ("W", "b", "Wb")
_READABLE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # np.savez and np.savez_compressed
# What the zip layer raises for a damaged archive (RuntimeError: a member flagged encrypted, which
# _members refuses first; NotImplementedError: an unknown compression method, likewise).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error, NotImplementedError,
               RuntimeError)


def load(path: str | Path, device: str | None = None) -> Sequential:
    """Read a model file written by ``save``; raises ``ModelFileError`` for anything amiss.

    Safe on hostile files: the archive's directory, the JSON description and every array's
    header are checked against each other and against one memory budget before any array is
    allocated or decompressed, unknown members are refused without being read, and nothing is
    ever unpickled.

    The arrays in the file are the same wherever the network was trained. ``device`` says where
    the loaded network lives (``"cpu"`` or ``"cuda"``); by default, the device it was saved
    from when that device is usable here, else the CPU (with a warning)."""
    path = Path(path)
    _check_is_a_file(path)
    with path.open("rb") as handle:
        if handle.read(4) != b"PK\x03\x04":  # np.load would take any other file for a pickle
            raise ModelFileError(f"{path}: not a neuronet model file (not an .npz archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            return _load_archive(archive, path, device)
    except (ModelFileError, TooLargeError):
        raise
    except _ZIP_ERRORS as error:
        raise ModelFileError(f"{path}: truncated or corrupted model file ({type(error).__name__}: {error})") from None


def _check_is_a_file(path: Path) -> None:
    """A model file is a regular file: say what else the path is (never open a FIFO, which would block)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "no such model file", str(path)) from None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a model file", str(path))
    if not stat.S_ISREG(info.st_mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else "a character device"
                if stat.S_ISCHR(info.st_mode) else "a block device" if stat.S_ISBLK(info.st_mode) else "a socket"
                if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise ModelFileError(f"{path}: is {kind}, not a model file")


class _Budget:
    """What loading a file allocates, added up as the description reveals it and checked against
    the memory available (``memory.check_fits``) before each allocation."""

    def __init__(self, path: Path):
        self.path, self.total, self.parts = path, 0, []

    def add(self, nbytes: int, what: str) -> None:
        self.total += int(nbytes)
        self.parts.append(what)
        try:
            check_fits(self.total, f"{self.path}: loading it ({', '.join(self.parts)})")
        except TooLargeError as error:
            raise ModelFileError(str(error)) from None


def _load_archive(archive: zipfile.ZipFile, path: Path, device: str | None) -> Sequential:
    """Four steps: the description; every member it implies, checked and budgeted before anything
    is read; the network, built by its layers' classes; the arrays, read into it."""
    members = _members(archive, path)
    budget = _Budget(path)
    spec = _read_description(archive, members.pop(_HEADER), path, budget)
    shapes = _check_members(archive, members, spec, path, budget)
    net = _build(spec, path)
    _fill(net, archive, members, shapes, spec, path)
    net.encoder = _read_encoder(archive, members, spec, net, path)
    _place(net, path, device, spec["device"])
    return net


def _read_description(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, budget: _Budget) -> dict:
    if info.file_size > _MAX_HEADER_BYTES:
        raise ModelFileError(f"{path}: its description is {info.file_size:,} bytes, over the limit of "
                             f"{_MAX_HEADER_BYTES:,}")
    budget.add(info.file_size * _PARSED_BYTES_PER_BYTE, "its description")
    _check_member_header(archive, info, path, np.dtype(np.uint8), None)
    header = _parse_header(_read_member(archive, info, path), path)
    try:
        return _check_header(header)
    except (ValueError, TypeError, KeyError) as error:
        raise ModelFileError(f"{path}: invalid model description ({error})") from None


def _check_members(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], spec: dict, path: Path,
                   budget: _Budget) -> dict[str, tuple[int, ...]]:
    """Every member the description implies, with its shape and dtype, and nothing else; what
    loading them allocates added to the budget. Returns the parameters' shapes by name."""
    dtype, optimizer = spec["dtype"], spec["optimizer"]
    shapes = {f"{index}.{key}": shape for index, config in enumerate(spec["layers"])
              for key, shape in _parameter_shapes(config).items()}
    expected = {f"param/{name}": shape for name, shape in shapes.items()}
    if optimizer is not None:
        expected.update(_expected_optimizer_members(members, spec, shapes, path))
    stored = {key for key in members if key.startswith("param/")}
    wanted = {key for key in expected if key.startswith("param/")}
    if stored != wanted:
        raise ModelFileError(f"{path}: parameters {sorted(k[6:] for k in stored)[:20]} do not match the "
                             f"architecture's {sorted(k[6:] for k in wanted)[:20]}")
    encoded = _expected_encoder_members(archive, members, spec, path, budget)
    extra = sorted(set(members) - set(expected) - set(encoded))
    if extra:
        raise ModelFileError(f"{path}: unexpected member {extra[0]!r}; it was not read")
    # the network (parameters, gradients), each array read before it is copied in, the optimizer's state
    n_total = sum(math.prod(shape) for shape in shapes.values())
    slots = len(optimizer.slots) if optimizer is not None else 0
    budget.add(n_total * dtype.itemsize * (4 + 2 * slots), f"the network it describes ({n_total:,} parameters)")
    labels = _classes_bytes(spec["classes"])
    if labels > _MAX_LABEL_BYTES:  # NumPy pads every string label to the longest one
        raise ModelFileError(f"{path}: its class labels would take {labels:,} bytes as an array (each padded to "
                             f"the longest), over the limit of {_MAX_LABEL_BYTES:,}; it was not loaded")
    budget.add(labels, "its class labels")
    for key, shape in expected.items():
        _check_member_header(archive, members[key], path, dtype, shape)
    return shapes


def _build(spec: dict, path: Path) -> Sequential:
    """The network, each layer built by its own class; its loss, class labels and metadata."""
    try:
        net = Sequential([_layer_from_config(config, spec["dtype"]) for config in spec["layers"]])
        _check_metadata(spec["metadata"], net.in_features)
        classes = _classes_from_json(spec["classes"])
    except (ValueError, TypeError, StopIteration) as error:
        reason = error if not isinstance(error, StopIteration) else "no Dense layer"
        raise ModelFileError(f"{path}: invalid model description ({reason})") from None
    net.loss = spec["loss"]
    if classes is not None:
        if net.loss is not None and len(classes) != net.loss.n_classes(net.out_features):
            raise ModelFileError(f"{path}: class labels do not match the output layer")
        net.classes = classes
    net.metadata = spec["metadata"]
    return net


def _fill(net: Sequential, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo],
          shapes: dict[str, tuple[int, ...]], spec: dict, path: Path) -> None:
    """The parameters and the optimizer's state, read from the (checked) members."""
    parameters = net.parameters()
    for name in shapes:
        array = _read_member(archive, members[f"param/{name}"], path)
        if not np.all(np.isfinite(array)):
            raise ModelFileError(f"{path}: parameter {name} contains NaN or infinity")
        parameters[name][...] = array
    optimizer = spec["optimizer"]
    if optimizer is not None:
        flat = _read_optimizer_state(archive, members, net, optimizer, path)
        try:
            _set_flat_optimizer_state(optimizer, spec["iterations"], flat)
        except ValueError as error:
            raise ModelFileError(f"{path}: {error}") from None
        net.optimizer = optimizer
    net.trained = True  # its weights are the file's, not random ones


def _members(archive: zipfile.ZipFile, path: Path) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by name, each one neuronet writes, stored as np.savez stores it."""
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
        if info.flag_bits & 0x1:
            raise ModelFileError(f"{path}: member {info.filename!r} is encrypted; model files never are")
        if info.compress_type not in _READABLE_COMPRESSION:
            raise ModelFileError(f"{path}: member {info.filename!r} uses compression method {info.compress_type}; "
                                 "model files are stored or deflated")
        members[key] = info
    return members


def _parameter_shapes(config: dict) -> dict[str, tuple[int, ...]]:
    """The shapes of a layer's parameters from its config, without building it: the layer
    class's own ``parameter_shapes`` (none for a layer without parameters)."""
    shapes = getattr(_layers.LAYER_TYPES[config["type"]], "parameter_shapes", None)
    return dict(shapes(config)) if shapes is not None else {}


def _layer_from_config(config: dict, dtype: np.dtype) -> _layers.Layer:
    """A layer built by its own class from its (checked) config, parameters at zero."""
    cls = _layers.LAYER_TYPES[config["type"]]
    build = getattr(cls, "from_config", None)
    if callable(build) and getattr(build, "__self__", None) is cls:  # a classmethod of the layer's own
        return build(config, dtype)
    return _layers.from_config(config, dtype)  # the module's builder, for classes without one


def _expected_encoder_members(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], spec: dict,
                              path: Path, budget: _Budget) -> dict[str, None]:
    """The table encoding's arrays: named as ``TableEncoder.to_config`` names them, 1-d numbers, bools
    or fixed-width text, only where the description has an encoding; budgeted (the arrays, and the
    encoder's own copies of them) before any is read."""
    found = {key: info for key, info in members.items() if key.startswith(_ENCODER + "/")}
    if not found and spec["encoder"] is None:
        return {}  # (and pyarrow, which the encoding needs, is not imported for a plain network)
    from .tables.encoding import ARRAY_NAMES

    if found and spec["encoder"] is None:
        raise ModelFileError(f"{path}: unexpected member {sorted(found)[0]!r} (the description has no table "
                             "encoding); it was not read")
    total = 0
    for key, info in sorted(found.items()):
        if not ARRAY_NAMES.fullmatch(key[len(_ENCODER) + 1:]):
            raise ModelFileError(f"{path}: unexpected member {key!r}; it was not read")
        _check_member_header(archive, info, path, None, None)
        total += info.file_size
    if spec["encoder"] is not None:
        budget.add(3 * total, "its table encoding")
    return {key: None for key in found}


def _read_encoder(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], spec: dict, net: Sequential,
                  path: Path) -> Any:
    """The table encoding (``TableEncoder.from_config``) from its checked members, or None."""
    if spec["encoder"] is None:
        return None
    from .tables import TableEncoder

    prefix = _ENCODER + "/"
    arrays = {key[len(prefix):]: _read_member(archive, info, path) for key, info in members.items()
              if key.startswith(prefix)}
    try:
        encoder = TableEncoder.from_config(spec["encoder"], arrays)
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None
    if encoder.width != net.in_features:
        raise ModelFileError(f"{path}: table encoding: makes {encoder.width} features, but the network takes "
                             f"{net.in_features}")
    if not _same_classes(encoder, net):
        raise ModelFileError(f"{path}: table encoding: its classes differ from the network's class labels")
    return encoder


def _same_classes(encoder: Any, net: Sequential) -> bool:
    """Whether a table encoding's class labels are the network's (where both have them), as saved and loaded."""
    target = encoder.target
    return not (target is not None and target.task == "classification" and net.classes is not None
                and not np.array_equal(target.classes, net.classes))


def _check_layer_config(config: Any) -> dict:
    """A layer's config from the file, checked by its class's own ``check_config`` where it has one."""
    cls = _layers.LAYER_TYPES.get(config.get("type")) if isinstance(config, dict) else None
    check = getattr(cls, "check_config", None)
    if callable(check) and getattr(check, "__self__", None) is cls:
        return check(config)
    return _layers.check_config(config)


def _expected_optimizer_members(members: dict, spec: dict, shapes: dict[str, tuple[int, ...]],
                                path: Path) -> dict[str, tuple[int, ...]]:
    """The optimizer state's members and shapes: per parameter (version 2), or in version 1's
    groups "W" (the decayed parameters, flat), "b" (the rest) and "Wb" (all)."""
    optimizer = spec["optimizer"]
    n_total = sum(math.prod(shape) for shape in shapes.values())
    n_weights = sum(math.prod(shapes[f"{index}.{key}"]) for index, config in enumerate(spec["layers"])
                    for key in _parameter_shapes(config) if key in _layers.LAYER_TYPES[config["type"]].decayed)
    if spec["version"] == 1:
        layout = {"W": (n_weights,), "b": (n_total - n_weights,), "Wb": (n_total,)}
    else:
        layout = shapes
    expected = {}
    for key in members:
        if key.startswith("optim/"):
            _, name, slot = key.split("/")
            if name not in layout or slot not in optimizer.slots:
                raise ModelFileError(f"{path}: optimizer state {key} does not match the optimizer "
                                     f"({optimizer.name}: slots {list(optimizer.slots)}) or the parameters")
            expected[key] = layout[name]
    return expected


def _read_optimizer_state(archive: zipfile.ZipFile, members: dict, net: Sequential, optimizer: _optim.Optimizer,
                          path: Path) -> dict[str, np.ndarray]:
    """Each slot of the saved state, laid out like the network's flat parameter buffer."""
    state: dict[str, dict[str, np.ndarray]] = {}
    for key, info in members.items():
        if key.startswith("optim/"):
            _, name, slot = key.split("/")
            state.setdefault(slot, {})[name] = _read_member(archive, info, path)
    if not state:
        return {}
    layout = net.parameter_layout()
    flat = {}
    for slot in optimizer.slots:
        parts = state.get(slot, {})
        if set(parts) <= set(_VERSION_1_GROUPS) and parts:  # version 1: flat groups
            joined = parts.get("Wb")
            if joined is None:
                if set(parts) != {"W", "b"}:
                    raise ModelFileError(f"{path}: optimizer state {slot}: expected the groups W and b, or Wb")
                joined = np.concatenate([parts["W"], parts["b"]])
        else:
            if set(parts) != {name for name, _, _ in layout}:
                raise ModelFileError(f"{path}: optimizer state {slot}: not saved for every parameter")
            joined = np.empty(net.n_parameters, dtype=net.dtype)
            for name, where, _ in layout:
                joined[where] = parts[name].ravel()
        flat[slot] = joined
    if set(state) != set(optimizer.slots):
        raise ModelFileError(f"{path}: optimizer state has slots {sorted(state)}, expected {list(optimizer.slots)}")
    return flat


def _place(net: Sequential, path: Path, device: str | None, saved_on: str) -> None:
    if device is not None:
        net.to(device)
    elif saved_on != "cpu":
        try:
            net.to(saved_on)
        except ConfigurationError as error:
            warnings.warn(f"{path}: saved from device {saved_on!r}, loaded on the CPU ({error})", stacklevel=4)


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
    if header.get("version") not in _READABLE_VERSIONS or isinstance(header.get("version"), bool):
        raise ModelFileError(f"{path}: model file version {str(header.get('version'))[:20]} is not supported "
                             f"(this neuronet reads versions {', '.join(map(str, _READABLE_VERSIONS))})")
    return header


def _check_header(header: dict) -> dict[str, Any]:
    """The description's every field, type-checked and range-checked (raises ValueError/TypeError);
    each layer's and the optimizer's and loss's by its own ``from_config`` / config check. Class
    labels stay as JSON values here: they are converted only once the budget allows it."""
    architecture = header["architecture"]
    if not isinstance(architecture, dict) or not isinstance(architecture.get("layers"), list):
        raise ValueError("architecture: expected an object with a list of layers")
    if not 1 <= len(architecture["layers"]) <= _MAX_LAYERS:
        raise ValueError(f"architecture: expected 1 to {_MAX_LAYERS:,} layers, got {len(architecture['layers']):,}")
    if architecture.get("dtype", "float32") not in ("float32", "float64"):
        raise ValueError(f"unsupported dtype {str(architecture.get('dtype'))[:20]!r}")
    dtype = np.dtype(architecture.get("dtype", "float32"))
    layers = [_check_layer_config(config) for config in architecture["layers"]]
    for index, config in enumerate(layers):
        if config.get("dtype", dtype.name) != dtype.name:
            raise ValueError(f"layer {index}: dtype {config['dtype']} differs from the network's {dtype.name}")
    loss = _losses.from_config(header["loss"]) if header.get("loss") is not None else None
    optimizer, iterations = None, 0
    if header.get("optimizer") is not None:
        settings = header["optimizer"]
        if not isinstance(settings, dict):
            raise ValueError("optimizer: expected an object")
        optimizer = _optim.from_config(settings.get("config"))
        iterations = settings.get("iterations")
        if not isinstance(iterations, int) or isinstance(iterations, bool) or not 0 <= iterations < 2**53:
            raise ValueError(f"optimizer: iterations must be a whole number >= 0, got {str(iterations)[:40]!r}")
    metadata = header.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ValueError("metadata: expected an object")
    device = header.get("device", "cpu")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device: expected 'cpu' or 'cuda', got {str(device)[:20]!r}")
    classes = header.get("classes")
    if classes is not None and (not isinstance(classes, dict) or not isinstance(classes.get("values"), list)):
        raise ValueError("classes: expected an object with a list of values")
    encoder = header.get("encoder")
    if encoder is not None and (not isinstance(encoder, dict) or header["version"] < 3):
        raise ValueError("encoder: expected an object (in a version 3 file)")
    return {"version": header["version"], "dtype": dtype, "layers": layers, "loss": loss, "optimizer": optimizer,
            "iterations": iterations, "device": device, "classes": classes, "metadata": dict(metadata),
            "encoder": encoder}


def _classes_bytes(classes: dict | None) -> int:
    """What converting the class labels to an array allocates: NumPy gives every string label the
    width of the longest (4 bytes a character), and a number 8 bytes."""
    if classes is None:
        return 0
    values = classes["values"]
    if classes.get("dtype") == "str":
        longest = max((len(v) for v in values if isinstance(v, str)), default=0)
        return len(values) * max(longest, 1) * 4
    return len(values) * 8


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
    if key.startswith(_ENCODER + "/"):
        return f"table encoding array {key[len(_ENCODER) + 1:]}"
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


def _check_member_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, dtype: np.dtype | None,
                         shape: tuple[int, ...] | None) -> int:
    """Read only the array header of a member; its shape and dtype must be the expected ones (with
    ``dtype`` None: numbers, bools or fixed-width text, a table encoding's kinds) and the member's
    declared size exactly what they need. Returns the header's length in bytes."""
    name = _describe(info.filename)
    with archive.open(info) as handle:
        stored_shape, stored_dtype = _array_header(handle, path, name)
        offset = handle.tell()
    if stored_dtype.hasobject:
        raise ModelFileError(f"{path}: {name} holds pickled Python objects, which are never loaded")
    if dtype is None:
        if stored_dtype.kind not in _ENCODER_KINDS or stored_dtype.itemsize == 0:
            raise ModelFileError(f"{path}: {name} has dtype {stored_dtype}, expected numbers or text")
        dtype = stored_dtype
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
