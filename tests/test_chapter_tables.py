"""The chapters' tables write their formulas as math ($...$), so the terminal and the HTML
render them instead of showing raw LaTeX or caret notation."""

import re
from pathlib import Path

import pytest

CHAPTERS = Path(__file__).resolve().parents[1] / "src" / "neuronet" / "chapters"
FORMULA = re.compile(r"\^|\\[a-z]+|_\{|\be\^")


def _cells(text):
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("|") and not re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line):
            for cell in line.strip().strip("|").split("|"):
                yield number, cell.strip()


@pytest.mark.parametrize("page", sorted(CHAPTERS.glob("*/*.md")), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_formulas_in_table_cells_are_math(page):
    for number, cell in _cells(page.read_text(encoding="utf-8")):
        outside = re.sub(r"`[^`]*`", "", re.sub(r"\$[^$]*\$", "", cell))   # what is neither math nor code
        assert not FORMULA.search(outside), f"{page.name}:{number}: formula outside $...$: {cell!r}"


def test_the_pages_checked_hold_table_cells_with_math():
    pages = sorted(CHAPTERS.glob("*/*.md"))
    assert {page.parent.name for page in pages} == {"en", "ja"}, pages
    cells = [cell for page in pages for _, cell in _cells(page.read_text(encoding="utf-8"))]
    assert any("$" in cell for cell in cells), "no table cell of any chapter holds math"
