"""A registry: the one list of the names of one kind of thing (activations, losses, optimizers,
learning-rate schedules), from which every front end takes its choices.

    >>> from neuronet.registry import Registry
    >>> shapes = Registry("shape", object)
    >>> class Square:
    ...     name = "square"
    >>> shapes.register(Square) is Square
    True
    >>> shapes.names(), shapes.lookup("square") is Square
    (['square'], True)
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from .errors import ConfigurationError, WrongType

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Classes of one ``kind`` (subclasses of ``base``), by their ``name`` and ``aliases``."""

    def __init__(self, kind: str, base: type):
        self.kind, self.base = kind, base
        self._classes: dict[str, type[T]] = {}
        self._aliases: dict[str, str] = {}

    def register(self, cls: type[T]) -> type[T]:
        """Add ``cls`` under ``cls.name`` (and ``cls.aliases``); usable as a class decorator."""
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise WrongType(f"register: expected a {self.base.__name__} subclass, got {cls!r}")
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name.isidentifier() or name != name.lower():
            raise ConfigurationError(f"register: a {self.kind}'s name must be a lower-case identifier, got {name!r}")
        for key in (name, *getattr(cls, "aliases", ())):
            if key in self._classes or key in self._aliases:
                raise ConfigurationError(f"register: the {self.kind} name {key!r} is taken")
        self._classes[name] = cls
        for alias in getattr(cls, "aliases", ()):
            self._aliases[alias] = name
        return cls

    def unregister(self, name: str) -> None:
        cls = self._classes.pop(name)
        for alias in getattr(cls, "aliases", ()):
            self._aliases.pop(alias, None)

    def names(self) -> list[str]:
        """The canonical names, in registration order."""
        return list(self._classes)

    def classes(self) -> list[type[T]]:
        return list(self._classes.values())

    def __contains__(self, name: Any) -> bool:
        return isinstance(name, str) and self._canonical(name) in self._classes

    def _canonical(self, name: str) -> str:
        key = name.lower()
        return self._aliases.get(key, key)

    def lookup(self, name: Any) -> type[T]:
        """The class registered as ``name`` (or an alias); a ``ConfigurationError`` listing the names
        otherwise."""
        if name not in self:
            raise ConfigurationError(f"{self.kind}: unknown name {name!r}; expected one of {self.names()}")
        return self._classes[self._canonical(name)]
