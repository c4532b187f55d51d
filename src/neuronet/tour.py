"""The guided tour: the study notes' path through neural networks, chapter by chapter.

The chapters ship inside the package (``neuronet/chapters/en`` and ``ja``; the docs site
shows the same files), so the tour works after ``pip install`` without a checkout:

- ``neuronet tour`` lists the chapters and the example each one runs;
- ``neuronet tour 4`` (or ``04-matrices``) prints a chapter with its formulas as text
  (``--raw``: the Markdown as written), ``--open`` shows it in the browser, rendered with the
  KaTeX shipped in the package (no network);
- ``neuronet tour errata`` prints the errata of the study notes;
- ``neuronet tour single_neuron`` runs that example (``neuronet.examples.NAME``), which
  prints what it computes and writes its figure;
- ``neuronet tour --notebooks DIR`` writes every chapter as a Jupyter notebook to work in: the
  reading, then the chapter's exercises (``--answers``: with the reference solutions filled in);
- ``--ja``: the same in Japanese.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import textwrap
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Sequence

from .atomic import pid_is_gone
from .errors import ConfigurationError, MissingExtra
from .tour_render import display_width as _width

__all__ = ["Chapter", "CHAPTERS", "INDEX", "ERRATA", "ANSWERS", "PAGES", "EXAMPLES", "run_example", "listing",
           "find_chapter", "read_chapter", "chapter_text", "chapter_html", "write_pages", "pages_folder",
           "publish_pages", "figure", "notebook", "write_notebooks"]


@dataclass(frozen=True)
class Chapter:
    slug: str        # docs/tour/<slug>.md and docs/ja/tour/<slug>.md
    title: str
    title_ja: str
    example: str | None
    # checked exercises the chapter's notebook asks for besides its own (Exercise.chapter)
    also_checked: tuple[str, ...] = ()


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
    Chapter("14-capstone", "Capstone: your own network on real digits",
            "総仕上げ：自分で書いたネットワークで本物の数字を読む", "capstone",
            # the stages of the capstone, in order (neuronet.examples.capstone.STAGES)
            also_checked=("sigmoid", "dense_forward", "softmax", "cross_entropy", "softmax_cross_entropy_gradient",
                          "dense_backward", "two_layer_gradients", "numerical_gradient", "sgd_step")),
)

INDEX = Chapter("index", "The guided tour", "ガイドツアー", None)  # the chapters' list, as a page (--open)
ERRATA = Chapter("errata", "Errata: the notes' slips and their corrections", "正誤表：ノートの誤りと訂正", None)
ANSWERS = Chapter("answers", "Answers to the exercises", "練習問題の答え", None)
PAGES = (ERRATA, ANSWERS)  # read like chapters, listed after them, no notebook of their own

EXAMPLES = ("single_neuron", "gates", "activations", "numerical_vs_backprop", "three_class_boundary",
            "binary_softmax_vs_svm", "cifar10_two_layer", "training_practice", "capstone", "why_nonlinearity",
            "dask_grid_search")


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def listing(japanese: bool = False) -> str:
    """The chapters, one a line, with the example each runs, then the errata; aligned by display
    width (Japanese titles take two columns a character)."""
    titles = [chapter.title_ja if japanese else chapter.title for chapter in CHAPTERS]
    others = [page.title_ja if japanese else page.title for page in PAGES]
    width = max(_width(title) for title in titles + others) + 2
    lines = []
    for number, (chapter, title) in enumerate(zip(CHAPTERS, titles), start=1):
        run = f"neuronet tour {chapter.example}" if chapter.example else ""
        lines.append(f"{number:>2}. {_pad(title, width)}{run}".rstrip())
    for page, title in zip(PAGES, others):
        lines.append(f"    {_pad(title, width)}neuronet tour {page.slug}")
    return "\n".join(lines)


def find_chapter(reference: str | int) -> Chapter:
    """A chapter by number (``4``, ``"4"``, ``"04"``) or slug (``"04-matrices"``), or the errata
    (``"errata"``) or the answers to the exercises (``"answers"``)."""
    text = str(reference).strip()
    if re.fullmatch(r"[0-9]{1,3}", text) and 1 <= int(text) <= len(CHAPTERS):
        return CHAPTERS[int(text) - 1]
    for chapter in CHAPTERS + PAGES:
        if text == chapter.slug or text == chapter.slug.split("-", 1)[-1]:
            return chapter
    raise ConfigurationError(f"chapter: {str(reference)[:80]!r} is not a chapter number (1-{len(CHAPTERS)}), a "
                             f"chapter name ({', '.join(c.slug for c in CHAPTERS + PAGES)}) nor an example "
                             f"({', '.join(EXAMPLES)})")


def _chapter_file(chapter: Chapter, japanese: bool):
    return resources.files("neuronet") / "chapters" / ("ja" if japanese else "en") / f"{chapter.slug}.md"


def _chapter_markdown(chapter: Chapter, japanese: bool) -> str:
    """The page's Markdown, from the copy inside the package; one line naming it where it is missing."""
    source = _chapter_file(chapter, japanese)
    if not source.is_file():
        raise ConfigurationError(f"chapter: {chapter.slug} is not in this installation of neuronet ({source})")
    return source.read_text(encoding="utf-8")


def read_chapter(reference: str | int, japanese: bool = False) -> str:
    """The chapter's Markdown text, from the copy inside the package."""
    return _chapter_markdown(find_chapter(reference), japanese)


def _renderer():
    """neuronet.tour_render, or one line naming the extra that brings what it needs."""
    try:
        import markdown_it  # noqa: F401
        import mdit_py_plugins  # noqa: F401
        import pylatexenc  # noqa: F401
        import unicodeit  # noqa: F401
    except ModuleNotFoundError as error:
        raise MissingExtra(f"reading the tour needs {error.name}, which is not installed: "
                           "pip install \"neuronet[cli]\" (or --raw prints the chapter's Markdown as it is)") from None
    from . import tour_render

    return tour_render


def chapter_text(reference: str | int, japanese: bool = False, width: int | None = None) -> str:
    """The chapter as text for a terminal: formulas as Unicode text (∂E/∂w = (1/N) ∑ₙ ∂Eₙ/∂w, the
    equation number at the right), tables aligned, figures named with their file, links to other
    chapters as the command that prints them."""
    terminal_text = _renderer().terminal_text

    def link(text: str, slug: str) -> str:
        # the tour's index page is the listing that `neuronet tour` prints
        name = str(int(slug[:2])) if slug[:2].isdigit() else "" if slug == INDEX.slug else slug
        return f"{text} ({' '.join(filter(None, ('neuronet tour', name, '--ja' if japanese else '')))})"

    text = terminal_text(read_chapter(reference, japanese), width=width, chapter_link=link)
    # a link inside parentheses: "(in full: neuronet tour errata)", not "(in full (neuronet tour errata))"
    return re.sub(r"\(([^()\n]*) \((neuronet tour[^()\n]*)\)\)", r"(\1: \2)", text)


def _page_html(chapter: Chapter, japanese: bool) -> str:
    html_page = _renderer().html_page
    title = chapter.title_ja if japanese else chapter.title
    # a link to another page (08-backpropagation.md, ../ja/tour/index.md) goes to its .html, which
    # write_pages lays out as the site lays out the Markdown
    return html_page(_chapter_markdown(chapter, japanese), title, japanese=japanese,
                     chapter_href=lambda path: f"{path}.html")


def chapter_html(reference: str | int, japanese: bool = False) -> str:
    """The chapter as an HTML page (markdown-it-py; formulas by the KaTeX shipped in the package;
    figures inline; links to the other chapters' pages written beside it by ``write_pages``)."""
    return _page_html(find_chapter(reference), japanese)


def _language_folder(japanese: bool) -> Path:
    """Where a language's pages go in a folder of pages: the site's layout (``tour/``,
    ``ja/tour/``), so the links between the languages' pages hold as they are written."""
    return Path("ja", "tour") if japanese else Path("tour")


def write_pages(folder: str | Path, japanese: bool = False) -> dict[str, Path]:
    """Every chapter, the errata and answers (where this installation has them) and the index page
    that lists them, as ``<slug>.html``, in both languages as the site lays them out
    (``folder/tour/`` and ``folder/ja/tour/``), so every link between them leads to a page;
    returns {slug: path} for the language asked for."""
    from .atomic import atomic_write

    folder = Path(folder)
    asked = {}
    for language in (False, True):
        target = folder / _language_folder(language)
        target.mkdir(parents=True, exist_ok=True)
        for chapter in (INDEX,) + CHAPTERS + PAGES:
            if not _chapter_file(chapter, language).is_file():
                continue
            path = target / f"{chapter.slug}.html"
            with atomic_write(path, "w", encoding="utf-8") as handle:
                handle.write(_page_html(chapter, language))
            if language == japanese:
                asked[chapter.slug] = path
    return asked


def pages_folder() -> Path:
    """The one folder ``neuronet tour N --open`` writes its pages into: ``tour-pages`` in neuronet's cache
    folder (``neuronet.datasets.data_home()``), replaced at each run."""
    from .datasets import data_home

    return data_home() / "tour-pages"


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


def publish_pages(japanese: bool = False, folder: str | Path | None = None) -> dict[str, Path]:
    """``write_pages`` into one folder kept for the pages (``pages_folder()``, or the temporary
    folder's ``neuronet-tour-<user>`` where the cache cannot be written), replacing the pages an
    earlier run left there, so runs never pile up folders. The pages are written beside it first
    and then put in its place, so a browser never reads half a folder. Returns {slug: path} for the
    language asked for."""
    import os
    import tempfile

    if folder is None:
        folder = pages_folder()
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            user = os.getuid() if hasattr(os, "getuid") else "user"
            folder = Path(tempfile.gettempdir()) / f"neuronet-tour-{user}"
    folder = Path(folder)
    parent = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    leftover = re.compile(re.escape(f".{folder.name}.") + r"(\d{1,10})\.[0-9a-f]{8}(\.old)?")
    for entry in parent.iterdir():   # what an interrupted run left beside the folder
        match = leftover.fullmatch(entry.name)
        if match and pid_is_gone(int(match.group(1))):
            _remove(entry)
    staging = parent / f".{folder.name}.{os.getpid()}.{os.urandom(4).hex()}"
    try:
        written = write_pages(staging, japanese)
        for _ in range(5):   # another run may put its folder in place between the two renames
            old = staging.with_name(staging.name + ".old")
            try:
                os.replace(folder, old)
            except FileNotFoundError:
                pass
            try:
                os.replace(staging, folder)
                break
            except OSError:
                if not folder.exists():
                    raise
            finally:
                _remove(old)
        else:
            raise OSError(f"could not put the pages in place of {folder}")
    finally:
        if staging.exists():
            _remove(staging)
    return {slug: folder / path.relative_to(staging) for slug, path in written.items()}


# --- notebooks -----------------------------------------------------------------------------------

_EXERCISE_HEADINGS = {False: "## Exercises", True: "## 練習問題"}
_WORDS = {
    False: {"checked": "## Checked exercises",
            "checked_intro": "Write each function below, then run its cell: `check` runs it on the exercise's inputs "
                             "(edge cases included) and says whether it is right, and if not, what is wrong.",
            "yours": "# Your answer (code or notes):",
            "write": "# write it here", "answer": "**Answer.** ",
            "answers_note": "*This notebook has the answers filled in (`neuronet tour --notebooks DIR --answers`).*"},
    True: {"checked": "## 自動で確かめる練習問題",
           "checked_intro": "下の関数を書いてからセルを実行しましょう。`check` が練習問題の入力（端の値を含む）で実行し、"
                            "正しいかどうか、違うなら何が違うかを教えてくれます。",
           "yours": "# あなたの答え（コードやメモ）：",
           "write": "# ここに書く", "answer": "**答え：** ",
           "answers_note": "*このノートブックには答えが入っています（`neuronet tour --notebooks DIR --answers --ja`）。*"},
}


def _cell(kind: str, source: str) -> dict:
    cell = {"cell_type": kind, "metadata": {}, "source": source.strip("\n").splitlines(keepends=True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def figure(name: str):
    """A figure of the tour (``"tour/gates.png"``, as the chapters link it under ``images/``),
    from the copy shipped in the package: an IPython ``Image`` in a notebook, else its path."""
    from .tour_render import figure_file

    path = figure_file(f"images/{name}")
    if path is None:
        raise ConfigurationError(f"figure: no figure {name!r} ships with the tour")
    try:
        from IPython.display import Image
    except ModuleNotFoundError:
        return path
    return Image(filename=str(path))


def _reading_cells(text: str) -> list[dict]:
    """The chapter's prose as Markdown cells and its code as code cells; a cell that saves a
    figure also shows it, and each figure the chapter shows becomes a cell that shows the copy
    shipped in the package."""
    cells = []
    for index, part in enumerate(re.split(r"```python\n(.*?)```", text, flags=re.S)):
        if index % 2:
            source = part.rstrip("\n")
            saved = re.findall(r"""\.savefig\(\s*["']([^"']+)["']""", source)
            if saved:
                source += "\n\nfrom IPython.display import Image, display\n" + "\n".join(
                    f'display(Image(filename="{name}"))' for name in saved)
            cells.append(_cell("code", source))
            continue
        for piece_index, piece in enumerate(re.split(r"!\[([^\]]*)\]\(([^)]+)\)", part)):
            kind = piece_index % 3
            if kind == 1:
                alt = piece
                continue
            if kind == 2:
                if "images/" in piece:
                    name = piece.split("images/", 1)[1]
                    cells.append(_cell("code", f'from neuronet.tour import figure\n\nfigure("{name}")   # {alt}'))
                continue
            piece = re.sub(r"\[([^\]]+)\]\([^)]+\.md\)", r"\1", piece)      # links to other chapters
            if piece.strip():
                cells.append(_cell("markdown", piece))
    return cells


def _prose_exercises(text: str) -> list[str]:
    """The numbered items of a chapter's exercises section, each as Markdown."""
    items, current = [], None
    for line in text.splitlines():
        if re.match(r"^\d+\. ", line):
            current = [line]
            items.append(current)
        elif current is not None and (line.startswith("   ") or (line.strip() and not line.startswith(("[", "#")))):
            current.append(line)
        elif current is not None and not line.strip():
            current = None
    return ["\n".join(item) for item in items]


def _solution_source(name: str) -> str:
    """The reference solution of exercise ``name`` as it is written in ``neuronet.exercises.solutions``,
    after the solutions it calls (``softmax`` for ``two_layer_gradients``)."""
    from .exercises import solutions

    order: list[str] = []

    def visit(function_name: str) -> None:
        function = getattr(solutions, function_name)
        for used in function.__code__.co_names:
            if used in solutions.__all__ and used != function_name and used not in order:
                visit(used)
        if function_name not in order:
            order.append(function_name)

    visit(name)
    return "\n\n\n".join(inspect.getsource(getattr(solutions, part)).rstrip() for part in order)


def _stub(exercise, japanese: bool) -> str:
    """``def name(arguments):`` with the task as its docstring and a body still to write."""
    from .exercises import solutions

    reference = getattr(solutions, exercise.name, None)
    signature = str(inspect.signature(reference)) if reference is not None else f"({', '.join(exercise.arguments)})"
    task = exercise.task_ja if japanese else exercise.task
    doc = textwrap.fill(task, width=92, initial_indent="    ", subsequent_indent="    ",
                        break_long_words=False, break_on_hyphens=False)
    words = _WORDS[japanese]
    return (f'def {exercise.name}{signature}:\n    """{exercise.signature}\n\n{doc}\n    """\n'
            f"    {words['write']}\n    raise NotImplementedError")


def _prose_answers(chapter: Chapter, japanese: bool) -> list[str]:
    """The answers to the chapter's prose exercises (``answers.md``: a ``## <slug>`` section per
    chapter, one numbered answer per exercise), or [] where this installation has none."""
    source = _chapter_file(ANSWERS, japanese)
    if not source.is_file():
        return []
    sections = re.split(r"^## +(\S+) *$", source.read_text(encoding="utf-8"), flags=re.M)
    for slug, body in zip(sections[1::2], sections[2::2]):
        if slug == chapter.slug:
            return _prose_exercises(body)
    return []


def _exercise_cells(chapter: Chapter, text: str, japanese: bool, answers: bool) -> list[dict]:
    """After the reading: the chapter's prose exercises, each with a cell to work in, then its
    checked exercises, each a stub and ``check``; with ``answers``, each prose exercise is
    followed by its answer and each stub is the reference solution."""
    from .exercises import EXERCISES

    words = _WORDS[japanese]
    heading = _EXERCISE_HEADINGS[japanese]
    cells = []
    if heading in text:
        cells.append(_cell("markdown", heading))
        solved = _prose_answers(chapter, japanese) if answers else []
        for number, item in enumerate(_prose_exercises(text.split(heading, 1)[1])):
            cells.append(_cell("markdown", item))
            if number < len(solved):
                marker = re.match(r"\d+\.\s+", solved[number])
                indent = len(marker.group(0)) if marker else 0
                answer = re.sub("\n" + " " * indent, "\n", solved[number][indent:])  # out of the list
                cells.append(_cell("markdown", words["answer"] + answer))
            cells.append(_cell("code", words["yours"]))
    checked = [exercise for exercise in EXERCISES.values() if exercise.chapter == chapter.slug]
    checked += [EXERCISES[name] for name in chapter.also_checked if EXERCISES[name] not in checked]
    if checked:
        cells.append(_cell("markdown", f"{words['checked']}\n\n{words['checked_intro']}"))
        cells.append(_cell("code", "import numpy as np\nfrom neuronet.exercises import check"))
        language = ', language="ja"' if japanese else ""
        for exercise in checked:
            task = exercise.task_ja if japanese else exercise.task
            cells.append(_cell("markdown", f"### `{exercise.signature}`\n\n{task}"))
            body = _solution_source(exercise.name) if answers else _stub(exercise, japanese)
            cells.append(_cell("code", f'{body}\n\n\ncheck("{exercise.name}", {exercise.name}{language})'))
    return cells


def notebook(reference: str | int, japanese: bool = False, answers: bool = False) -> dict:
    """The chapter as a Jupyter notebook (nbformat 4) to work in: the reading (prose as Markdown
    cells, code as code cells that show their figures), then the exercises: a cell for each
    prose exercise, and for each checked exercise of the chapter a stub to fill in and its
    ``check`` (``answers``: the reference solutions filled in instead)."""
    chapter = find_chapter(reference)
    if chapter not in CHAPTERS:
        raise ConfigurationError(f"chapter: {chapter.slug} has no notebook; expected one of the chapters "
                                 f"1-{len(CHAPTERS)}")
    text = _chapter_markdown(chapter, japanese)
    heading = _EXERCISE_HEADINGS[japanese]
    reading = text.split(heading, 1)[0]
    cells = []
    if answers:
        cells.append(_cell("markdown", _WORDS[japanese]["answers_note"]))
    cells += _reading_cells(reading) + _exercise_cells(chapter, text, japanese, answers)
    for number, cell in enumerate(cells):
        cell["id"] = f"{chapter.slug[:2]}-{number}"
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "language_info": {"name": "python"}}}


def write_notebooks(folder: str | Path, japanese: bool = False, answers: bool = False) -> list[Path]:
    """Every chapter as ``<slug>.ipynb`` (``-ja``, ``-answers`` in the name where asked) in
    ``folder`` (created if needed); returns the paths."""
    from .atomic import atomic_write

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ConfigurationError(f"notebooks: {folder} is a file; expected a folder to write the notebooks into")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for chapter in CHAPTERS:
        path = folder / f"{chapter.slug}{'-ja' if japanese else ''}{'-answers' if answers else ''}.ipynb"
        with atomic_write(path, "w", encoding="utf-8") as handle:
            json.dump(notebook(chapter.slug, japanese, answers), handle, ensure_ascii=False, indent=1)
        paths.append(path)
    return paths


# --- examples ------------------------------------------------------------------------------------

# What an example may need that a plain install lacks, and the extra that brings it.
_EXTRAS = {"matplotlib": "plot", "sklearn": "sklearn", "scipy": "sklearn", "joblib": "sklearn",
           "dask": "dask", "distributed": "dask", "tqdm": "cli", "numba": "fast"}


def run_example(name: str, argv: Sequence[str] = ()) -> None:
    """Run ``neuronet.examples.<name>`` with command-line ``argv`` (e.g. ``["--fast"]``); an
    optional dependency that is missing is named with the extra to install, in one line."""
    if name not in EXAMPLES:
        raise ConfigurationError(f"example: unknown name {name!r}; expected one of {', '.join(EXAMPLES)}")
    try:
        module = importlib.import_module(f"neuronet.examples.{name}")
        module.main(list(argv))
    except ModuleNotFoundError as error:
        package = (error.name or "").split(".")[0]
        if package not in _EXTRAS:
            raise
        raise MissingExtra(f"example {name} needs {package}, which is not installed: "
                           f"pip install \"neuronet[{_EXTRAS[package]}]\"") from None
