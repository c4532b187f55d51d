"""The built docs site in Chromium with the network cut off: every request is recorded and any
that would leave the machine fails the test; the chapters of both languages (and a notebook
page) show rendered formulas, no raw ``\\(``/``$$``, and the Japanese pages name a CJK font stack."""

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

from browsers import chromium, offline_page  # noqa: E402
from neuronet import tour  # noqa: E402

PAGES = ([f"{prefix}tour/{chapter.slug}/" for prefix in ("", "ja/") for chapter in tour.CHAPTERS + tour.PAGES]
         + ["notebooks/en/07-numerical-differentiation/", "notebooks/ja/08-backpropagation-ja/"])


def _formulas(slug: str, japanese: bool) -> int:
    """How many formulas the chapter's Markdown has ($...$ and $$...$$, as markdown-it-py reads it)."""
    from neuronet.tour import read_chapter
    from neuronet.tour_render import _markdown

    count = 0
    for token in _markdown().parse(read_chapter(slug, japanese)):
        count += token.type == "math_block"
        count += sum(child.type == "math_inline" for child in token.children or [])
    return count


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--site-dir", str(folder)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


@pytest.fixture(scope="module")
def server(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    instance = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=instance.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{instance.server_address[1]}/"
    instance.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


def test_the_built_site_names_no_font_or_script_host(site):
    for page in ("tour/07-numerical-differentiation/index.html", "ja/tour/08-backpropagation/index.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text
        assert not re.search(r"""<(script|link)[^>]+(src|href)="https?://""", text), page
        assert "static/katex/katex.min.js" in text and "static/tour.css" in text
    assert (site / "static" / "katex" / "fonts" / "KaTeX_Main-Regular.woff2").is_file()


@pytest.mark.parametrize("path", PAGES)
def test_chapter_pages_render_math_offline(browser, server, site, path):
    context, page, traffic = offline_page(browser, lambda url: url.startswith((server, "data:", "blob:")))
    page.goto(server + path)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.fonts.status === 'loaded'")
    rendered = page.eval_on_selector_all(".katex", "elements => elements.length")
    marked = page.eval_on_selector_all(".arithmatex", "elements => elements.length")
    broken = page.eval_on_selector_all(".katex-error", "elements => elements.length")
    article = page.inner_text("article")
    japanese = path.startswith("ja/") or "-ja" in path
    context_lang = page.evaluate("document.documentElement.lang")
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    context.close()
    assert traffic.outside == [], f"{path} asked the network for {traffic.outside}"
    assert traffic.failed == [] and traffic.errors == [], traffic
    assert any("static/katex/katex.min.js" in url for url in traffic.requests)
    assert broken == 0, f"{path}: {broken} KaTeX errors"
    if path.startswith("notebooks/"):
        assert rendered >= 10, f"{path}: {rendered} rendered formulas"
    else:
        expected = _formulas(path.rstrip("/").split("/")[-1], japanese)
        assert rendered == marked == expected, f"{path}: {rendered} rendered, {marked} marked, {expected} written"
    assert "\\(" not in article and "\\[" not in article and "$$" not in article and "\\frac" not in article
    assert not re.search(r"\$[^$\n]*\\[a-zA-Z]+", article), path
    if japanese:
        assert context_lang == "ja" and family.startswith('"Hiragino Sans"') and "Noto Sans CJK JP" in family
    else:
        assert "Noto Sans CJK JP" in family  # Japanese words on English pages (the navigation) find a font
