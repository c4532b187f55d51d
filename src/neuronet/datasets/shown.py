"""How a message shows a name that comes from the data: a column name, a class label.

Such names are whatever a file holds: a newline, a comma, a quote, an edge space or a terminal's
control sequence (``\\x1b[2J`` clears the screen). Every listing and message that names them goes
through ``shown_name`` (one name) or ``shown_names`` (a list), and whole lines through
``printable``, so that one line stays one line and nothing reaches the terminal raw.
"""

from __future__ import annotations

from typing import Any

__all__ = ["shown_name", "shown_names", "printable"]


def shown_name(name: str) -> str:
    """A column name (or class label) as a listing prints it: as it is when plain, else quoted as
    Python writes it (``repr``), so that a newline, a control character, a quote, a comma, a colon
    or an edge space can neither break the listing's lines nor reach the terminal."""
    plain = name and name.isprintable() and name == name.strip() and not any(c in name for c in ",:'\"\\")
    return name if plain else repr(name)


def shown_names(names: Any, limit: int = 20) -> str:
    """Names as a message lists them: each by ``shown_name``, comma-separated, the first ``limit``
    and then ``...`` (so that a list of columns or classes stays one unambiguous line)."""
    names = list(names)
    return ", ".join(shown_name(str(name)) for name in names[:limit]) + (", ..." if len(names) > limit else "")


def printable(text: str) -> str:
    """``text`` with every character that is not printable (a newline, a tab, a control character)
    written as its escape, so that one line stays one line."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
