"""Wherever a learner reads a chapter, it renders: in a terminal (formulas as Unicode text, tables
aligned, figures named with their file) and in a browser opened by ``--open`` (KaTeX shipped in
the package, figures inline, no network); the tour's flags answer bad input in one line."""

import re
from pathlib import Path

import pytest

from browsers import chromium, offline_page
from neuronet import cli, tour
from neuronet.tour_render import display_width, latex_to_text, static_dir

ROOT = Path(__file__).resolve().parents[1]
LEFT_OVER = ("\\frac", "\\partial", "\\mathbf", "$$", "\\sum", "\\epsilon", "\\tag", "\\sigma", "\\leftarrow",
             "\\text", "\\cdot", "\\alpha")


def _outside_code(text: str) -> str:
    return re.sub(r"```.*?```", "", text, flags=re.S)


def _without_code_spans(text: str) -> str:
    return re.sub(r"`[^`\n]+`", "", _outside_code(text))


@pytest.mark.parametrize("japanese", [False, True], ids=["en", "ja"])
def test_terminal_output_of_every_chapter_has_no_latex_left(japanese, capsys):
    for chapter in tour.CHAPTERS + tour.PAGES:  # the errata and the answers too
        assert cli.main(["tour", chapter.slug] + (["--ja"] if japanese else [])) == 0
        out = capsys.readouterr().out
        prose = _without_code_spans(out)
        for macro in LEFT_OVER:
            assert macro not in prose, f"{chapter.slug}: {macro} left in {prose[prose.find(macro) - 80:][:160]!r}"
        assert not re.search(r"\$[^$\n]*\\[a-zA-Z]", prose), chapter.slug  # no $...\macro...$ left
        assert not re.search(r"\]\([^)\s]+\)", prose), chapter.slug  # no [text](link) left
        source = tour.read_chapter(chapter.slug, japanese)
        assert _outside_code(source).count("$$") == 0 or "    " in out  # displays are indented


def test_formulas_read_as_text():
    assert latex_to_text(r"\frac{\partial E}{\partial w} = \frac{1}{N} \sum_n \frac{\partial E_n}{\partial w} "
                         r"\tag{14}") == ("∂E/∂w = (1/N) ∑ₙ ∂Eₙ/∂w", "(14)")
    assert latex_to_text(r"y = \frac{1}{1 + \exp(-a)} \tag{4}") == ("y = 1/(1 + exp(-a))", "(4)")
    assert latex_to_text(r"\frac{\partial E_n}{\partial v_{kj}} = \frac{\partial E_n}{\partial a_k} "
                         r"\frac{\partial a_k}{\partial v_{kj}}")[0] == "∂Eₙ/∂vₖⱼ = (∂Eₙ/∂aₖ) (∂aₖ/∂vₖⱼ)"
    assert latex_to_text(r"\frac{f(x+\epsilon) - f(x-\epsilon)}{2\epsilon}")[0] == "(f(x+ε) - f(x-ε))/(2ε)"
    assert latex_to_text(r"E = -\frac{1}{N} \sum_n \sum_k t_{nk} \log y_{nk}")[0] == "E = -(1/N) ∑ₙ ∑ₖ tₙₖ log yₙₖ"
    assert latex_to_text(r"|b| / \|w\|")[0] == "|b| / ‖w‖"  # the norm keeps its double bars
    assert latex_to_text(r"h \leftarrow \rho h + (1-\rho) g^2")[0] == "h ← ρ h + (1-ρ) g²"
    assert latex_to_text(r"f''(x) + \sqrt{\varepsilon_{\text{machine}}}")[0] == "f″(x) + √(ε_machine)"
    assert latex_to_text(r"\frac{\partial E}{\partial W_2} = Z^\top \Delta_2")[0] == "∂E/∂W₂ = Zᵀ Δ₂"
    assert latex_to_text(r"y = \begin{cases} 1 & w \cdot x + b > 0 \\ 0 & w \cdot x + b \le 0 \end{cases}"
                         )[0] == "y = { 1 (w · x + b > 0); 0 (w · x + b ≤ 0) }"


def test_scripts_and_fractions_read_one_way():
    # a superscript unicodeit cannot set keeps the parentheses it was written with, not a second pair
    assert latex_to_text(r"v_{kj}^{(\tau+1)} = v_{kj}^{(\tau)} - \alpha g")[0] == "vₖⱼ^(τ+1) = vₖⱼ^(τ) - α g"
    assert latex_to_text(r"x^{\tau+b}")[0] == "x^(τ+b)" and latex_to_text(r"x^{(\tau)+(b)}")[0] == "x^((τ)+(b))"
    # a word set as text is a word in every subscript: never Δ_hidden beside Δₒᵤₜ
    assert latex_to_text(r"\Delta_{\text{hidden}} = (\Delta_{\text{out}} V) \odot Z")[0] == \
        "Δ_hidden = (Δ_out V) ⊙ Z"
    assert latex_to_text(r"n_{in} + v_{kj}")[0] == "nᵢₙ + vₖⱼ"   # indices stay subscript characters
    # a fraction that multiplies an absolute value is parenthesised; one inside bars is not
    assert latex_to_text(r"\frac{\epsilon}{2}|\sigma''(0.5)|")[0] == "(ε/2)|σ″(0.5)|"
    assert latex_to_text(r"|x| \frac{1}{2}")[0] == "|x| (1/2)"
    assert latex_to_text(r"\left|\frac{a}{b}\right| = |\frac{a}{b}|")[0] == "|a/b| = |a/b|"
    assert latex_to_text(r"|x| = \frac{1}{2}")[0] == "|x| = 1/2"


def test_the_chapters_print_scripts_and_fractions_one_way():
    assert "Δ_hidden = (Δ_out V)" in tour.chapter_text(8) and "Δ_hidden = (Δ_out V)" in tour.chapter_text(8, True)
    for japanese in (False, True):
        errata = tour.chapter_text("errata", japanese)
        assert "vₖⱼ^(τ+1) = vₖⱼ^(τ)" in errata and "^((" not in errata
        assert "(ε/2)|σ″(0.5)|" in tour.chapter_text(7, japanese)


def test_the_equation_number_stands_at_the_right_margin():
    text = tour.chapter_text(7, width=90)
    line = next(line for line in text.splitlines() if line.rstrip().endswith("(10)"))
    assert line.startswith("    ∂E(𝐰, 𝐯)/∂𝐰 = (E(𝐰 - ε, 𝐯) - E(𝐰, 𝐯))/ε")
    assert display_width(line) == 90


def _columns(rows):
    return {tuple(display_width(row[:index]) for index, char in enumerate(row) if char == "│") for row in rows}


PLAYGROUND_CHAPTERS = ["05-feed-forward", "10-relu-family", "11-one-neuron-classifiers", "13-training-practice"]


@pytest.mark.parametrize("japanese", [False, True], ids=["en", "ja"])
@pytest.mark.parametrize("slug", PLAYGROUND_CHAPTERS)
def test_links_to_the_web_print_as_text_and_a_numbered_address(slug, japanese):
    source = tour.read_chapter(slug, japanese)
    links = re.findall(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", source)
    assert links, slug
    lines = tour.chapter_text(slug, japanese, width=100).splitlines()
    text = "\n".join(lines)
    assert "](" not in _without_code_spans(text) and "[" + links[0][0] not in text
    listed = [re.fullmatch(r"  \[(\d+)\] (\S+)", line) for line in lines]
    listed = [(int(found.group(1)), found.group(2)) for found in listed if found]
    # every address whole on a line of its own, numbered in reading order through the page
    assert listed == [(number, address) for number, (_, address) in enumerate(links, start=1)]
    for number, (words, address) in enumerate(links, start=1):
        shown = lines.index(f"  [{number}] {address}")
        before = "\n".join(lines[:shown])
        assert address not in before                     # the prose shows the words and the number
        last_word = words.split()[-1]
        assert re.search(re.escape(last_word) + rf" ?\[{number}\]", before), (words, before[-300:])
        paragraph_end = before.rstrip().rfind("\n\n")     # listed at the end of its own paragraph
        assert f"[{number}]" in before[paragraph_end:] and lines[shown - 1].strip()


def test_a_link_split_across_lines_keeps_its_address_whole():
    from neuronet.tour_render import terminal_text

    text = terminal_text("with [no hidden\nlayer](http://127.0.0.1:8000/#dataset=xor&layers=) the line\n"
                         "stays straight.\n\n[学習率 0.1 の\n素朴な SGD](http://x.test/#lr=0.1)で学習させる。\n\n"
                         "[http://x.test/](http://x.test/) and [a page](other.md) and [a chapter](08-backprop.md)",
                         chapter_link=lambda words, slug: f"{words} <{slug}>")
    assert text.splitlines() == [
        "with no hidden", "layer [1] the line", "stays straight.", "  [1] http://127.0.0.1:8000/#dataset=xor&layers=",
        "", "学習率 0.1 の", "素朴な SGD [2]で学習させる。", "  [2] http://x.test/#lr=0.1",
        "", "http://x.test/ and a page and a chapter <08-backprop>"]


@pytest.mark.parametrize("japanese", [False, True], ids=["en", "ja"])
def test_the_link_to_the_tour_prints_as_the_command_that_lists_it(japanese):
    ja = " --ja" if japanese else ""
    for slug in ("14-capstone", "errata"):
        text = tour.chapter_text(slug, japanese)
        assert "index.md" not in text and "](" not in _without_code_spans(text)
        last = text.strip().splitlines()[-1]
        assert last.endswith(f"(neuronet tour{ja})"), last
    assert f"(neuronet tour 13{ja})" in tour.chapter_text(14, japanese)


def test_tables_are_aligned_by_display_width_in_both_languages():
    from neuronet.tour_render import terminal_text

    table = ("| 関数 | f(x) | f'(x) |\n|---|---|---|\n| ステップ | $x > 0$ なら 1 | 0 |\n"
             "| sigmoid | $\\frac{1}{1 + e^{-x}}$ | $f(1 - f)$ |\n| 双曲線正接 tanh | tanh | $1 - f^2$ |\n")
    rows = [line for line in terminal_text(table, width=80).splitlines() if "│" in line]
    assert len(rows) == 4 and len(_columns(rows)) == 1, rows  # every │ in the same terminal column
    assert "1/(1 + e⁻ˣ)" in rows[2] and "ステップ" in rows[1]
    tables = {False: 0, True: 0}
    for japanese in (False, True):  # the chapters' own tables, where they fit the terminal
        for chapter in tour.CHAPTERS:
            lines = tour.chapter_text(chapter.slug, japanese=japanese, width=200).splitlines()
            for start, line in enumerate(lines):
                if "─┼─" in line:
                    block = [lines[start - 1]]
                    for row in lines[start + 1:]:
                        if "│" not in row:
                            break
                        block.append(row)
                    assert len(_columns(block)) == 1, block
                    tables[japanese] += 1
    assert tables[False] and tables[True], tables  # some chapter tables were drawn and checked, in both languages


def test_a_table_too_wide_for_the_terminal_becomes_one_record_a_row():
    text = tour.chapter_text(8, width=80)
    assert "• (14)" in text and "    what it says: ∂E/∂w = (1/N) ∑ₙ ∂Eₙ/∂w" in text


def test_figures_are_named_with_their_file():
    text = tour.chapter_text(7)
    named = re.findall(r"\[figure: ([^\]]*?) — ([^\]]+)\]", text)
    assert [alt for alt, _ in named] == ["Truncation against rounding", "Numerical differentiation"]
    for _, path in named:
        assert Path(path).is_file() and Path(path).parent == static_dir() / "images" / "tour"
    assert "(neuronet tour 8)" in text  # the link to the next chapter, as the command that prints it


def test_every_figure_a_chapter_shows_ships_in_the_package():
    from neuronet.tour_render import figure_file

    for language in ("en", "ja"):
        for chapter in sorted((ROOT / "src" / "neuronet" / "chapters" / language).glob("*.md")):
            for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", chapter.read_text(encoding="utf-8")):
                shipped = figure_file(link)
                assert shipped is not None, f"{chapter.name}: {link} is not in neuronet/static/images"
                site_copy = ROOT / "docs" / "images" / link.split("images/", 1)[1]
                assert shipped.read_bytes() == site_copy.read_bytes(), f"{site_copy} differs from {shipped}"


def test_katex_ships_in_the_package_once():
    katex = static_dir() / "katex"
    assert (katex / "katex.min.js").stat().st_size > 100_000
    assert (katex / "contrib" / "auto-render.min.js").is_file() and (katex / "LICENSE").is_file()
    fonts = {path.name for path in (katex / "fonts").iterdir()}
    assert fonts and all(name.endswith(".woff2") for name in fonts)
    needed = set(re.findall(r"url\(fonts/([^)]+\.woff2)\)", (katex / "katex.min.css").read_text()))
    assert needed <= fonts
    assert (ROOT / "docs" / "static" / "katex").resolve() == katex.resolve()  # the site uses the same files


def test_the_page_uses_a_real_markdown_renderer_and_no_network():
    page = tour.chapter_html(8, japanese=True)
    assert "<table>" in page and "<th>" in page  # tables are tables
    assert page.count('class="arithmatex"') > 20
    assert '<html lang="ja">' in page
    assert not re.search(r"""(src|href)="https?://""", page)
    assert (static_dir() / "katex" / "katex.min.js").as_uri() in page
    assert '<img src="file://' in tour.chapter_html(7)


def _links(page: Path) -> tuple[list[str], set[str]]:
    """The href and src of every element of a page, and the ids it has."""
    from html.parser import HTMLParser

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.links, self.ids = [], set()

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            self.links += [attrs[name] for name in ("href", "src") if attrs.get(name)]
            if attrs.get("id"):
                self.ids.add(attrs["id"])

    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links, parser.ids


def test_every_link_of_every_page_leads_to_a_page_and_its_anchor(tmp_path):
    from urllib.parse import unquote, urlsplit

    english, japanese = tour.write_pages(tmp_path), tour.write_pages(tmp_path / "again", japanese=True)
    expected = {chapter.slug for chapter in (tour.INDEX,) + tour.CHAPTERS + tour.PAGES}
    assert set(english) == set(japanese) == expected
    pages = sorted(tmp_path.rglob("*.html"))
    assert len(pages) == 4 * len(expected)       # both languages, each time
    checked = 0
    for page in pages:
        links, _ = _links(page)
        for link in links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                continue                          # the playground's links: a server the reader starts
            if parts.scheme == "file":
                target = Path(unquote(parts.path))
            else:
                assert not parts.scheme, f"{page.name}: {link}"
                target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page.relative_to(tmp_path)}: {link} leads nowhere"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in _links(target)[1], f"{page.relative_to(tmp_path)}: no #{parts.fragment}"
            checked += 1
    assert checked > 500
    # the guided tour's page lists every chapter, and the last chapter and the errata lead to it
    for language in (english, japanese):
        index_links, _ = _links(language["index"])
        assert all(f"{chapter.slug}.html" in index_links for chapter in tour.CHAPTERS)
        for slug in ("14-capstone", "errata"):
            assert "index.html" in _links(language[slug])[0]
    assert "../ja/tour/index.html" in _links(english["index"])[0]   # and each language's index to the other's


def test_open_keeps_one_folder_of_pages_replaced_at_each_run(tmp_path, monkeypatch, capsys):
    import tempfile

    cache, scratch = tmp_path / "cache", tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("NEURONET_DATA", str(cache))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url))
    assert cli.main(["tour", "7", "--open"]) == 0
    first = Path(opened[-1].removeprefix("file://"))
    assert first.is_file() and first.is_relative_to(tour.pages_folder()) and tour.pages_folder().parent == cache
    (tour.pages_folder() / "left-by-the-first-run").write_text("")
    (cache / ".tour-pages.999999999.0123abcd").mkdir()    # what a run that was killed left
    assert cli.main(["tour", "14", "--open", "--ja"]) == 0
    assert cli.main(["tour", "7", "--open"]) == 0
    assert Path(opened[-1].removeprefix("file://")) == first and first.is_file()
    assert Path(opened[-2].removeprefix("file://")).name == "14-capstone.html"
    assert [path.name for path in cache.iterdir()] == ["tour-pages"]     # one folder, however many runs
    assert not (tour.pages_folder() / "left-by-the-first-run").exists()   # replaced, not added to
    assert list(scratch.iterdir()) == []                                  # nothing in the temporary folder
    assert f"opened {first}" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["tour", "²"], "not a chapter number"),
    (["tour", "²", "--fast"], "not a chapter number"),
    (["tour", "gates", "--ja"], "--ja: is for chapters, the listing and the notebooks"),
    (["tour", "--notebooks", ""], "--notebooks: expected a folder"),
    (["tour", "7", "--notebooks", "{tmp}/nb"], "--notebooks: writes every chapter's notebook; give no NAME"),
    (["tour", "--notebooks", "{tmp}/file"], "is a file; expected a folder"),
    (["tour", "--answers"], "--answers: fills in the notebooks' exercises; use it with --notebooks"),
    (["tour", "7", "--fast"], "--fast: is for examples"),
    (["tour", "gates", "--open"], "--open: is for chapters"),
    (["tour", "7", "--open", "--raw"], "--raw: prints the chapter's source"),
    (["tour", "--open"], "--open: needs a NAME"),
    (["tour", "gates", "--out", "{tmp}/file"], "--out: {tmp}/file is a file; expected a folder"),
])
def test_bad_flags_get_one_line(argv, message, tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    argv = [argument.replace("{tmp}", str(tmp_path)) for argument in argv]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message.replace("{tmp}", str(tmp_path)) in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "nb").exists()


def test_an_example_whose_extra_is_missing_names_it(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def without_dask(name, *args, **kwargs):
        if name.split(".")[0] in ("distributed", "dask"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "neuronet.examples.dask_grid_search", raising=False)
    monkeypatch.setattr(builtins, "__import__", without_dask)
    assert cli.main(["tour", "dask_grid_search", "--fast"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ('neuronet tour: error: example dask_grid_search needs distributed, which is not installed: '
                           'pip install "neuronet[dask]"')


def test_reading_without_the_renderer_names_the_extra(monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "pylatexenc", None)  # as if it were not installed
    assert cli.main(["tour", "7"]) == 2
    assert 'pip install "neuronet[cli]"' in capsys.readouterr().err
    assert cli.main(["tour", "7", "--raw"]) == 0  # the source needs nothing


def test_the_extras_say_what_learning_needs():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    learn = " ".join(extras["learn"])
    assert all(name in learn for name in ("plot", "nbclient", "ipykernel", "jupyterlab"))
    cli_extra = " ".join(extras["cli"])
    assert all(name in cli_extra for name in ("markdown-it-py", "mdit-py-plugins", "pylatexenc", "unicodeit"))
    assert "dask[distributed]" in " ".join(extras["dask"])


@pytest.mark.parametrize("page", ["errata", "answers"])
def test_errata_and_answers_are_read_when_the_installation_has_them(page, capsys):
    for japanese in (False, True):
        source = tour._chapter_file(tour.find_chapter(page), japanese)
        code = cli.main(["tour", page] + (["--ja"] if japanese else []))
        captured = capsys.readouterr()
        if source.is_file():
            assert code == 0 and captured.out.strip()
            assert "\\frac" not in _without_code_spans(captured.out) and "<a id=" not in captured.out
        else:
            assert code == 2 and f"{page} is not in this installation" in captured.err


# --- the --open page in Chromium, offline ------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    pytest.importorskip("playwright.sync_api")
    with chromium() as instance:
        yield instance


@pytest.mark.slow
@pytest.mark.parametrize("japanese", [False, True], ids=["en", "ja"])
def test_the_open_page_renders_offline_in_chromium(browser, tmp_path, japanese):
    pages = tour.write_pages(tmp_path, japanese=japanese)
    context, page, traffic = offline_page(browser, lambda url: url.startswith("file://"))
    assert set(pages) == {chapter.slug for chapter in (tour.INDEX,) + tour.CHAPTERS + tour.PAGES}
    for slug in pages:
        source = tour._chapter_file(tour.INDEX, japanese).read_text(encoding="utf-8") if slug == "index" else \
            tour.read_chapter(slug, japanese)
        page.goto(pages[slug].as_uri())
        page.wait_for_load_state("load")
        page.wait_for_function("document.fonts.status === 'loaded'")
        formulas = page.eval_on_selector_all(".arithmatex", "elements => elements.length")
        rendered = page.eval_on_selector_all(".arithmatex .katex", "elements => elements.length")
        assert formulas >= len(re.findall(r"\$", _without_code_spans(source))) // 4, slug  # every formula marked
        broken = page.eval_on_selector_all(".katex-error", "elements => elements.map(e => e.title)")
        assert rendered == formulas and broken == [], (slug, broken)
        images = page.eval_on_selector_all("img", "images => images.map(i => i.complete && i.naturalWidth > 0)")
        assert len(images) == len(re.findall(r"!\[", source)) and all(images)
        text = page.inner_text("main")
        assert "\\frac" not in text and "$$" not in text
        assert page.evaluate("document.documentElement.lang") == ("ja" if japanese else "en")
        fonts = page.evaluate("Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family)")
        assert "KaTeX_Main" in fonts or formulas == 0  # KaTeX's own fonts, from the package
        if japanese:
            family = page.evaluate("getComputedStyle(document.body).fontFamily")
            assert family.startswith('"Hiragino Sans"') and "Noto Sans CJK JP" in family
    context.close()
    assert traffic.outside == [] and traffic.failed == [] and traffic.errors == [], traffic


@pytest.mark.parametrize("japanese", [False, True], ids=["en", "ja"])
def test_a_link_inside_parentheses_prints_without_nested_parentheses(japanese):
    for chapter in tour.CHAPTERS:
        text = tour.chapter_text(chapter.slug, japanese)
        assert not re.search(r"\([^()\n]* \(neuronet tour[^()\n]*\)\)", text), chapter.slug
    assert "(in full: neuronet tour errata" in tour.chapter_text(7, False)
