"""The tour can never drift from the code: every code block of both languages runs, every
example runs (fast settings) and writes its figure, and the two tours have the same chapters."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from neuronet import cli, tour

ROOT = Path(__file__).resolve().parents[1]
TOURS = {"en": ROOT / "docs" / "tour", "ja": ROOT / "docs" / "ja" / "tour"}
CODE = re.compile(r"```python\n(.*?)```", re.S)


def _chapters(language):
    return sorted(path for path in TOURS[language].glob("*.md")
                  if path.name not in ("index.md", "errata.md", "answers.md"))


def _without_comments(code: str) -> list[str]:
    """The code's lines with comments and trailing blanks removed (each tour comments in its language)."""
    lines = []
    for line in code.splitlines():
        in_string, quote, cut = False, "", len(line)
        for index, char in enumerate(line):
            if char in "\"'" and (not in_string or char == quote):
                in_string, quote = (not in_string), char
            elif char == "#" and not in_string:
                cut = index
                break
        stripped = line[:cut].rstrip()
        if stripped:
            lines.append(stripped)
    return lines


def test_both_tours_have_the_same_chapters_and_code():
    english, japanese = _chapters("en"), _chapters("ja")
    assert [p.name for p in english] == [p.name for p in japanese] == [f"{c.slug}.md" for c in tour.CHAPTERS]
    for en, ja in zip(english, japanese):
        assert ([_without_comments(block) for block in CODE.findall(en.read_text())]
                == [_without_comments(block) for block in CODE.findall(ja.read_text(encoding="utf-8"))]), en.name
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ja.read_text(encoding="utf-8")), f"{ja.name} is not Japanese"
    for language in TOURS:
        index = (TOURS[language] / "index.md").read_text(encoding="utf-8")
        assert all(f"({path.name})" in index for path in _chapters(language))
        for page in ("errata.md", "answers.md"):  # the errata and the answers, in both languages
            assert (TOURS[language] / page).is_file() and f"({page})" in index


@pytest.mark.parametrize("chapter", _chapters("en"), ids=lambda path: path.stem)
def test_every_code_block_of_the_tour_runs(chapter, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = CODE.findall(chapter.read_text())
    assert blocks, f"{chapter.name} has no code"
    namespace = {"__name__": "tour"}
    for block in blocks:
        exec(compile(block, str(chapter), "exec"), namespace)
    for image in re.findall(r'savefig\("([^"]+)"\)', "".join(blocks)):
        assert (tmp_path / image).stat().st_size > 1000


@pytest.mark.parametrize("language", list(TOURS))
def test_figures_the_tour_shows_exist(language):
    for chapter in _chapters(language):
        for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", chapter.read_text(encoding="utf-8")):
            # normpath, not resolve: docs/tour is a link to the chapters shipped in the package, and the
            # images are found from where the site sees the chapter (docs/tour/../images)
            assert Path(os.path.normpath(chapter.parent / image)).is_file(), f"{chapter.name}: {image}"


EXAMPLES = [name for name in tour.EXAMPLES if name != "dask_grid_search"]  # that one: test_sklearn_dask.py


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_runs_as_a_script_and_writes_its_figure(name, tmp_path):
    script = ROOT / "examples" / f"{name}.py"
    result = subprocess.run([sys.executable, str(script), "--fast", "--out", str(tmp_path)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    figures = list(tmp_path.glob("*.png"))
    assert figures and all(figure.stat().st_size > 1000 for figure in figures)
    assert "wrote" in result.stdout


def test_neuronet_tour_lists_and_runs(tmp_path, capsys):
    assert cli.main(["tour"]) == 0
    listing = capsys.readouterr().out
    assert all(chapter.title in listing for chapter in tour.CHAPTERS)
    assert cli.main(["tour", "--ja"]) == 0
    assert "誤差逆伝播法" in capsys.readouterr().out
    assert cli.main(["tour", "single_neuron", "--fast", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "single_neuron.png").is_file()
    assert cli.main(["tour", "no_such_example"]) == 2
    assert "nor an example" in capsys.readouterr().err
    assert "neuronet tour errata" in listing and "neuronet tour answers" in listing  # after the chapters


def test_cifar_example_says_when_it_uses_the_stand_in(tmp_path, capsys):
    tour.run_example("cifar10_two_layer", ["--fast", "--out", str(tmp_path)])
    assert "synthetic stand-in" in capsys.readouterr().out


def test_the_single_neuron_example_is_seed_001s_neuron(capsys):
    """Seed 001 puts the bias last (x2 = 1): w0 = -2, w1 = 1, w2 = 2 is sigmoid(-2 x0 + x1 + 2),
    0.881 at (0, 0) and 0.119 at (2, 0)."""
    from neuronet.examples import single_neuron

    single_neuron.main(["--out", str(ROOT / "build" / "tour-test")])
    out = capsys.readouterr().out
    assert "x = [0.0, 0.0]: y = 0.881" in out and "x = [2.0, 0.0]: y = 0.119" in out
    assert "x = [1.0, 0.0]: y = 0.500" in out  # on the line -2 x0 + x1 + 2 = 0


def test_japanese_code_comments_are_japanese():
    for chapter in _chapters("ja"):
        for block in CODE.findall(chapter.read_text(encoding="utf-8")):
            for comment in re.findall(r"#\s*(.+)$", block, re.M):
                if re.search(r"[A-Za-z]{4,}", re.sub(r"[A-Za-z_][\w.]*\(|\b[a-z_]+\b(?=[=(])", "", comment)) \
                        and not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", comment):
                    pytest.fail(f"{chapter.name}: comment not in Japanese: # {comment}")


def test_the_activations_example_prints_softmax(capsys, tmp_path):
    from neuronet.examples import activations

    activations.main(["--out", str(tmp_path)])
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.strip().startswith("softmax"))
    assert "sum 1.000" in line


def test_chapters_ship_in_the_package_and_print_or_open(capsys, monkeypatch, tmp_path):
    from neuronet.tour import chapter_html, find_chapter, read_chapter

    assert find_chapter(4).slug == find_chapter("04").slug == find_chapter("04-matrices").slug == "04-matrices"
    assert read_chapter(1) == (ROOT / "docs" / "tour" / "01-neuron.md").read_text()  # the docs show the same file
    assert cli.main(["tour", "1"]) == 0
    assert capsys.readouterr().out.startswith("# 1. The formal neuron")
    assert cli.main(["tour", "01-neuron", "--ja"]) == 0
    assert capsys.readouterr().out.startswith("# 1. 形式ニューロン")
    assert cli.main(["tour", "7", "--raw"]) == 0
    assert capsys.readouterr().out == read_chapter(7)  # --raw: the source as it is
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url))
    monkeypatch.setenv("NEURONET_DATA", str(tmp_path))   # --open writes its pages under the cache folder
    assert cli.main(["tour", "7", "--open"]) == 0
    page = Path(opened[0].removeprefix("file://"))
    assert page.suffix == ".html"
    assert re.search(r"<h1[^>]*>7\. Numerical differentiation</h1>", page.read_text(encoding="utf-8"))
    assert (page.parent / "08-backpropagation.html").is_file()  # the chapters it links to are beside it
    assert '<pre><code class="language-python">' in chapter_html(7)
    capsys.readouterr()
    last = len(tour.CHAPTERS)
    assert cli.main(["tour", str(last + 1)]) == 2 and f"not a chapter number (1-{last})" in capsys.readouterr().err


def test_the_japanese_listing_is_aligned_by_display_width():
    from neuronet.tour import _width, listing

    lines = [line for line in listing(japanese=True).splitlines() if "neuronet tour" in line]
    columns = {_width(line[: line.index("neuronet tour")]) for line in lines}
    assert len(columns) == 1  # every "neuronet tour" starts in the same terminal column
    assert "形式ニューロン" in lines[0]


NOT_DONE = {False: "not done yet", True: "まだ"}


@pytest.mark.slow
@pytest.mark.parametrize("answers", [False, True], ids=["unfilled", "answers"])
@pytest.mark.parametrize("japanese", [False, True], ids=["en", "ja"])
def test_the_notebooks_are_written_and_run(tmp_path, japanese, answers):
    """Every notebook runs to the end, unfilled (each checked exercise then says it is not done
    yet, in the notebook's language, without a traceback) and with the answers (each passes);
    figures show inline; nothing prints a warning."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from neuronet.exercises import EXERCISES
    from neuronet.tour import CHAPTERS

    arguments = ["tour", "--notebooks", str(tmp_path)] + (["--ja"] if japanese else []) + \
        (["--answers"] if answers else [])
    assert cli.main(arguments) == 0
    paths = sorted(tmp_path.glob("*.ipynb"))
    assert len(paths) == len(CHAPTERS)
    assert all(path.stem.endswith("-answers") == answers for path in paths)
    checked_total = 0
    for path, chapter in zip(paths, CHAPTERS):
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
        own = [name for name, exercise in EXERCISES.items() if exercise.chapter == chapter.slug]
        checked = own + [name for name in chapter.also_checked if name not in own]
        for name in checked:  # a cell per checked exercise: the stub (or the answer) and its check
            cell = [source for source in sources if f'check("{name}", {name}' in source][-1]  # after the reading
            assert f"def {name}(" in cell
            assert ("raise NotImplementedError" in cell) != answers
        checked_total += len(own)
        client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                         resources={"metadata": {"path": str(tmp_path)}})
        client.execute()  # raises CellExecutionError if any cell fails
        outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
        assert outputs, f"{path.name} printed nothing"
        assert not [output for output in outputs if output.output_type == "error"], path.name
        stderr = "".join(output.get("text", "") for output in outputs if output.get("name") == "stderr")
        assert "Warning" not in stderr and "warn" not in stderr.lower(), f"{path.name}: {stderr[:500]}"
        printed = "".join(output.get("text", "") for output in outputs if output.output_type == "stream")
        assert "Traceback" not in printed
        for name in checked:
            line = ([line for line in printed.splitlines() if f" {name}:" in line] or [""])[-1]  # its own cell's
            if answers:
                assert line.startswith("✓"), f"{path.name}: {line or name + ' printed nothing'}"
            else:
                assert line.startswith("✗") and NOT_DONE[japanese] in line, f"{path.name}: {line}"
        drawn = sum(source.count(".savefig(") + source.count("figure(\"") for source in sources)
        shown = sum(1 for output in outputs if "image/png" in output.get("data", {}))
        assert shown >= drawn, f"{path.name}: {drawn} figures drawn or linked, {shown} shown"
    assert checked_total == len(EXERCISES)  # every checked exercise is in some chapter's notebook


def test_notebooks_are_assignments_with_the_chapters_exercises():
    """After the reading: each prose exercise with a cell to work in, then the checked exercises
    with a stub that has the reference's signature and the task as its docstring."""
    import inspect

    from neuronet.exercises import EXERCISES, solutions
    from neuronet.tour import notebook

    book = notebook("07-numerical-differentiation")
    kinds = [cell["cell_type"] for cell in book["cells"]]
    texts = ["".join(cell["source"]) for cell in book["cells"]]
    exercises = texts.index("## Exercises")
    assert "## Run it" in "".join(texts[:exercises])  # the reading comes first
    items = [index for index, text in enumerate(texts) if re.match(r"\d+\. ", text) and index > exercises]
    assert len(items) >= 2 and all(kinds[index + 1] == "code" for index in items)
    stub = next(text for text in texts if text.startswith("def numerical_gradient"))
    assert stub.startswith(f"def numerical_gradient{inspect.signature(solutions.numerical_gradient)}:")
    assert EXERCISES["numerical_gradient"].task.split()[0] in stub
    assert "solutions" not in json.dumps(book)  # the answers stay out of sight
    answered = "".join("".join(cell["source"]) for cell in notebook(7, answers=True)["cells"])
    assert inspect.getsource(solutions.numerical_gradient).strip() in answered
    assert "**Answer.**" in answered and "**Answer.**" not in json.dumps(book)  # the prose answers too
    first_answer = tour.read_chapter("answers").split("## 07-numerical-differentiation", 1)[1].split("1. ", 1)[1]
    assert first_answer.split("\n")[0] in answered
    japanese = "".join("".join(cell["source"]) for cell in notebook(7, japanese=True)["cells"])
    assert "## 練習問題" in japanese and 'language="ja"' in japanese
    assert EXERCISES["numerical_gradient"].task_ja[:10] in japanese


def test_the_capstone_notebook_checks_every_stage():
    from neuronet.examples import capstone
    from neuronet.tour import find_chapter

    assert find_chapter(14).also_checked == tuple(capstone.STAGES)


def test_notebook_figures_are_shown_not_only_saved():
    """A cell that saves a figure displays it; a figure the chapter links is shown from the copy
    shipped in the package (chapter 3's gates come from an example, not from its code)."""
    from neuronet.tour import figure, notebook

    code = ["".join(cell["source"]) for cell in notebook(2)["cells"] if cell["cell_type"] == "code"]
    cell = next(source for source in code if '.savefig("activations.png")' in source)
    assert 'display(Image(filename="activations.png"))' in cell
    cells = notebook(3)["cells"]
    texts = ["".join(cell["source"]) for cell in cells]
    section = texts.index("## The figure")
    assert cells[section + 1]["cell_type"] == "code" and 'figure("tour/gates.png")' in texts[section + 1]
    assert figure("tour/gates.png").data[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("language, heading", [("en", "## Exercises"), ("ja", "## 練習問題")])
def test_every_chapter_ends_with_exercises(language, heading):
    for chapter in _chapters(language):
        text = chapter.read_text(encoding="utf-8")
        assert heading in text, chapter.name
        items = re.findall(r"^\d+\. ", text.split(heading, 1)[1], re.M)
        assert 2 <= len(items) <= 3, f"{chapter.name}: {len(items)} exercises"


@pytest.mark.parametrize("japanese", [False, True], ids=["en", "ja"])
def test_the_notebooks_in_the_docs_are_the_chapters_of_today(tmp_path, japanese):
    """docs/notebooks/ (rendered by the site) must be what 'neuronet tour --notebooks' writes now:
    regenerate them with `neuronet tour --notebooks docs/notebooks/en` (and `ja --ja`) after
    editing a chapter."""
    import json

    from neuronet.tour import write_notebooks

    folder = ROOT / "docs" / "notebooks" / ("ja" if japanese else "en")
    for path in write_notebooks(tmp_path, japanese=japanese):
        committed = folder / path.name
        assert committed.is_file(), f"{committed} is missing"
        assert json.loads(committed.read_text(encoding="utf-8")) == json.loads(path.read_text(encoding="utf-8")), \
            f"{committed.name} is out of date: regenerate it"
