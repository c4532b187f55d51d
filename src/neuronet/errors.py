"""The errors neuronet raises for its users' mistakes, as one small hierarchy.

Every error that means "what you asked for cannot be done as given" derives from
``NeuronetError``; the command line shows those as one line (exit status 2) and lets
anything else surface as a real traceback, because a caught programming error is a
hidden bug. Each kind also derives from the built-in exception that code written
against earlier versions caught (``ValueError``, ``OSError``, ``FloatingPointError``).

| error | raised when |
|---|---|
| ``ConfigurationError`` | an argument or setting is out of range (``WrongType``: of the wrong type) |
| ``MissingExtra`` | a feature's optional dependency is not installed |
| ``TooLargeError`` | a network (or a file's declared network) would not fit in memory |
| ``PathError`` | a path given for output cannot hold a file: a device, a FIFO, a link loop, a name too long |
| ``DataError`` | a data file or array cannot be used as it is |
| ``ModelFileError`` | a model file is truncated, corrupted, tampered with, or from another version |
| ``DownloadError`` / ``ChecksumError`` | a dataset file cannot be fetched, or fails its SHA-256 |
| ``TrainingDiverged`` | the loss or the gradient became NaN or infinite |
"""

from __future__ import annotations

from typing import Any

__all__ = ["NeuronetError", "ConfigurationError", "WrongType", "MissingExtra", "TooLargeError", "DataError", "ModelFileError", "PathError",
           "DownloadError", "ChecksumError", "TrainingDiverged"]


class NeuronetError(Exception):
    """Base class of every error that reports a user's mistake rather than a bug."""


class ConfigurationError(NeuronetError, ValueError):
    """An argument or setting has a wrong type or value; the message names it and what was expected."""


class WrongType(ConfigurationError, TypeError):
    """An argument of the wrong type (also a ``TypeError``, as code written against earlier
    versions expects)."""


class MissingExtra(NeuronetError, ImportError):
    """A feature needs an optional dependency that is not installed; the message names the extra
    to install (``pip install "neuronet[plot]"``)."""


class TooLargeError(ConfigurationError):
    """What was asked for needs more memory than is available (or than ``NEURONET_MEMORY_LIMIT`` allows);
    the message gives the estimate."""


class PathError(NeuronetError, OSError):
    """A path that cannot be used as asked: a device, a FIFO or a folder where a regular file is
    to be saved, a loop of symbolic links, a name over the file system's limit. The message
    names the path and why."""


class DataError(NeuronetError, ValueError):
    """A data file or array that cannot be used as it is; the message says where and why."""


class ModelFileError(NeuronetError, ValueError):
    """A model file that cannot be loaded: truncated, corrupted, tampered with, or from
    another version. The message says which."""


class DownloadError(NeuronetError, OSError):
    """A file could not be downloaded; the message says how to get it by hand."""


class ChecksumError(DownloadError):
    """A downloaded or cached file does not have the expected SHA-256."""


class TrainingDiverged(NeuronetError, FloatingPointError):
    """The loss became NaN or infinite; the network keeps its last finite weights.
    ``history`` holds the epochs completed before."""

    def __init__(self, message: str, history: Any = None):
        super().__init__(message)
        self.history = history
