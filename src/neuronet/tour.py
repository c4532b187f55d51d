"""The guided tour: the seeds' path through neural networks, chapter by chapter.

The chapters ship inside the package (``neuronet/chapters/en`` and ``ja``; the docs site
shows the same files), so the tour works after ``pip install`` without a checkout:

- ``neuronet tour`` lists the chapters and the example each one runs;
- ``neuronet tour 4`` (or ``04-matrices``) prints a chapter, ``--open`` shows it in the browser;
- ``neuronet tour single_neuron`` runs that example (``neuronet.examples.NAME``), which
  prints what it computes and writes its figure;
- ``neuronet tour --notebooks DIR`` writes every chapter as a Jupyter notebook;
- ``--ja``: the same in Japanese.
"""

from __future__ import annotations

import html
import importlib
import json
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Sequence

from .errors import ConfigurationError

__all__ = ["Chapter", "CHAPTERS", "EXAMPLES", "run_example", "listing", "find_chapter", "read_chapter",
           "chapter_html", "notebook", "write_notebooks"]


@dataclass(frozen=True)
class Chapter:
    slug: str        # docs/tour/<slug>.md and docs/ja/tour/<slug>.md
    title: str
    title_ja: str
    example: str | None


CHAPTERS = (
    Chapter("01-neuron", "The formal neuron", "形式ニューロン", "single_neuron"),
    Chapter("02-activations", "Step, sigmoid, tanh and their derivatives", "ステップ関数・シグモイド・tanh とその微分",
            "activations"),
    Chapter("03-perceptron", "The perceptron and logic gates", "パーセプトロンと論理ゲート", "gates"),
    Chapter("04-matrices", "Vectors and matrices", "ベクトルと行列", None),
    Chapter("05-feed-forward", "The feed-forward network and softmax", "フィードフォワードネットワークとソフトマックス",
            "why_nonlinearity"),
    Chapter("06-cross-entropy", "Cross-entropy", "交差エントロピー誤差", None),
    Chapter("07-numerical-differentiation", "Numerical differentiation", "数値微分", "numerical_vs_backprop"),
    Chapter("08-backpropagation", "Backpropagation, equation by equation", "誤差逆伝播法を式ごとに",
            "numerical_vs_backprop"),
    Chapter("09-three-classes", "Training a 3-class classifier", "3クラス分類器の学習", "three_class_boundary"),
    Chapter("10-relu-family", "ReLU, Leaky ReLU and the other activations", "ReLU・Leaky ReLU とその他の活性化関数",
            "activations"),
    Chapter("11-one-neuron-classifiers", "One neuron as binary softmax or SVM; regularization",
            "1つのニューロンによる二値ソフトマックスとSVM、正則化", "binary_softmax_vs_svm"),
    Chapter("12-image-classifier", "An image classifier on CIFAR-10", "CIFAR-10 の画像分類器", "cifar10_two_layer"),
    Chapter("13-training-practice", "Training in practice: optimizers, initial weights, overfitting",
            "学習の実際：最適化手法・重みの初期値・過学習", "training_practice"),
)

EXAMPLES = ("single_neuron", "gates", "activations", "numerical_vs_backprop", "three_class_boundary",
            "binary_softmax_vs_svm", "cifar10_two_layer", "training_practice", "why_nonlinearity", "dask_grid_search")


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def listing(japanese: bool = False) -> str:
    """The chapters, one a line, with the example each runs; aligned by display width (Japanese
    titles take two columns a character)."""
    titles = [chapter.title_ja if japanese else chapter.title for chapter in CHAPTERS]
    width = max(_width(title) for title in titles) + 2
    lines = []
    for number, (chapter, title) in enumerate(zip(CHAPTERS, titles), start=1):
        run = f"neuronet tour {chapter.example}" if chapter.example else ""
        lines.append(f"{number:>2}. {_pad(title, width)}{run}".rstrip())
    return "\n".join(lines)


def find_chapter(reference: str | int) -> Chapter:
    """A chapter by number (``4``, ``"4"``, ``"04"``) or slug (``"04-matrices"``)."""
    text = str(reference).strip()
    if text.isdigit() and 1 <= int(text) <= len(CHAPTERS):
        return CHAPTERS[int(text) - 1]
    for chapter in CHAPTERS:
        if text == chapter.slug or text == chapter.slug.split("-", 1)[1]:
            return chapter
    raise ConfigurationError(f"chapter: {reference!r} is not a chapter number (1-{len(CHAPTERS)}), a chapter "
                             f"name ({', '.join(c.slug for c in CHAPTERS)}) nor an example ({', '.join(EXAMPLES)})")


def _chapter_file(chapter: Chapter, japanese: bool):
    return resources.files("neuronet") / "chapters" / ("ja" if japanese else "en") / f"{chapter.slug}.md"


def read_chapter(reference: str | int, japanese: bool = False) -> str:
    """The chapter's Markdown text, from the copy inside the package."""
    return _chapter_file(find_chapter(reference), japanese).read_text(encoding="utf-8")


def chapter_html(reference: str | int, japanese: bool = False) -> str:
    """The chapter as a small self-contained HTML page (headings, paragraphs, code, tables as text,
    equations as written), for ``neuronet tour N --open``."""
    chapter = find_chapter(reference)
    text = read_chapter(chapter.slug, japanese)
    parts, body = re.split(r"```python\n(.*?)```", text, flags=re.S), []
    for index, part in enumerate(parts):
        if index % 2:
            body.append(f"<pre><code>{html.escape(part)}</code></pre>")
            continue
        for block in re.split(r"\n\s*\n", part):
            block = block.strip()
            if not block:
                continue
            heading = re.match(r"^(#{1,3})\s+(.*)", block)
            if heading:
                level = len(heading.group(1))
                body.append(f"<h{level}>{html.escape(heading.group(2))}</h{level}>")
            elif block.startswith("|") or block.startswith("$$") or block.startswith(">"):
                body.append(f"<pre>{html.escape(block)}</pre>")
            else:
                escaped = html.escape(block)
                escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
                escaped = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", escaped)
                body.append(f"<p>{escaped}</p>")
    title = chapter.title_ja if japanese else chapter.title
    return (f"<!doctype html><html lang=\"{'ja' if japanese else 'en'}\"><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>body{{max-width:46em;margin:2em auto;font:16px/1.55 "
            f"system-ui,sans-serif;padding:0 1em}}pre{{background:#f4f4f4;padding:.8em;overflow:auto}}</style>"
            f"<body>{''.join(body)}</body></html>")


def notebook(reference: str | int, japanese: bool = False) -> dict:
    """The chapter as a Jupyter notebook (nbformat 4): its prose as Markdown cells, its code as
    code cells, figures written by the code itself (the docs' image links are left out)."""
    chapter = find_chapter(reference)
    text = read_chapter(chapter.slug, japanese)
    cells = []
    for index, part in enumerate(re.split(r"```python\n(.*?)```", text, flags=re.S)):
        if index % 2:
            source, kind = part.rstrip("\n"), "code"
        else:
            source = re.sub(r"!\[[^\]]*\]\([^)]+\)\n?", "", part)      # the figure: the code makes it
            source = re.sub(r"\[([^\]]+)\]\([^)]+\.md\)", r"\1", source)  # links to other chapters
            source, kind = source.strip("\n"), "markdown"
        if not source.strip():
            continue
        cell = {"cell_type": kind, "id": f"{chapter.slug[:2]}-{len(cells)}", "metadata": {},
                "source": source.splitlines(keepends=True)}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "language_info": {"name": "python"}}}


def write_notebooks(folder: str | Path, japanese: bool = False) -> list[Path]:
    """Every chapter as ``<slug>.ipynb`` in ``folder`` (created if needed); returns the paths."""
    from .atomic import atomic_write

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for chapter in CHAPTERS:
        path = folder / f"{chapter.slug}{'-ja' if japanese else ''}.ipynb"
        with atomic_write(path, "w", encoding="utf-8") as handle:
            json.dump(notebook(chapter.slug, japanese), handle, ensure_ascii=False, indent=1)
        paths.append(path)
    return paths


def run_example(name: str, argv: Sequence[str] = ()) -> None:
    """Run ``neuronet.examples.<name>`` with command-line ``argv`` (e.g. ``["--fast"]``)."""
    if name not in EXAMPLES:
        raise ConfigurationError(f"example: unknown name {name!r}; expected one of {', '.join(EXAMPLES)}")
    importlib.import_module(f"neuronet.examples.{name}").main(list(argv))
