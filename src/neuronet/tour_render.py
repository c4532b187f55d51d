"""How a chapter reads outside the site: as text in a terminal, and as an HTML page in a browser.

- ``latex_to_text`` turns one formula into Unicode text (∂E/∂w = (1/N) ∑ₙ ∂Eₙ/∂w): the LaTeX is
  parsed and converted by pylatexenc, sub- and superscripts take unicodeit's characters; what
  this module adds is the layout of fractions (parentheses where a plain ``a/b`` would be
  ambiguous) and the equation number, kept apart so a display can put it at the right.
- ``terminal_text`` renders a chapter's Markdown for a terminal: equations as text, tables
  aligned by display width (a Japanese character takes two columns), figures named with the
  file they are in, code as written.
- ``html_page`` renders it with markdown-it-py (CommonMark, tables, ``$``/``$$`` math) into a page
  that loads KaTeX from the copy shipped in the package (``neuronet/static/katex``, the same
  files the docs site uses), with the chapter's figures inline and a CJK font stack: it works
  with no network.
"""

from __future__ import annotations

import html
import re
import shutil
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Callable

__all__ = ["latex_to_text", "terminal_text", "html_page", "static_dir", "figure_file", "display_width"]

_FRACTION_OPEN, _FRACTION_CLOSE, _TAG, _QUAD = "\x01", "\x02", "\x03", "\x04"


# --- one formula as text -------------------------------------------------------------------------

def _converter():
    """pylatexenc's parser and text converter, taught the few things text needs here: ``_`` and
    ``^`` take an argument (made sub/superscript characters), ``\\frac`` keeps its numerator and
    denominator apart, ``\\tag`` is set aside for the right margin."""
    from pylatexenc import latex2text, latexwalker, macrospec

    walker_context = latexwalker.get_default_latex_context_db()
    walker_context.add_context_category(
        "neuronet-text", prepend=True,
        specials=[macrospec.SpecialsSpec("_", args_parser=macrospec.MacroStandardArgsParser("{")),
                  macrospec.SpecialsSpec("^", args_parser=macrospec.MacroStandardArgsParser("{")),
                  macrospec.SpecialsSpec("'''"), macrospec.SpecialsSpec("''")],
        macros=[macrospec.MacroSpec("tag", "{"), macrospec.MacroSpec("big", ""), macrospec.MacroSpec("Big", ""),
                macrospec.MacroSpec("bigg", ""), macrospec.MacroSpec("quad", ""), macrospec.MacroSpec("qquad", "")])

    def script(mark: str):
        def replace(node, l2tobj):
            arguments = node.nodeargd.argnlist if node.nodeargd else []
            text = l2tobj.nodelist_to_text([arguments[0]]).strip() if arguments and arguments[0] is not None else ""
            # a macro argument (x^\\top y) took the space after it along: give it back
            space = " " if arguments and getattr(arguments[0], "macro_post_space", "") else ""
            # a word written as text (Δ_{\\text{hidden}}) reads as one: Δ_hidden and Δ_out alike, not
            # Δₒᵤₜ beside it because o, u and t happen to have subscript characters
            converted = None if _is_word(arguments[0] if arguments else None) else _unicode_script(mark, text)
            if converted is not None:
                return converted + space
            # (empty: _\\text{in}, whose word follows as a node of its own)
            plain = len(text) <= 1 or text.isalnum() or _one_group(text)
            return mark + (text if plain else f"({text})") + space
        return replace

    def cases(node, l2tobj):
        """``\\begin{cases} a & c \\\\ b & d \\end{cases}`` as ``{ a (c); b (d) }``."""
        rows, cells, cell = [], [], []
        for child in node.nodelist:
            if child.isNodeType(latexwalker.LatexSpecialsNode) and child.specials_chars == "&":
                cells.append(cell)
                cell = []
            elif child.isNodeType(latexwalker.LatexMacroNode) and child.macroname == "\\":
                rows.append(cells + [cell])
                cells, cell = [], []
            else:
                cell.append(child)
        rows.append(cells + [cell])
        texts = []
        for row in rows:
            parts = [l2tobj.nodelist_to_text(part).strip() for part in row]
            if any(parts):
                texts.append(parts[0] + "".join(f" ({part})" for part in parts[1:] if part))
        return "{ " + "; ".join(texts) + " }"

    def fraction(node, l2tobj):
        numerator, denominator = (l2tobj.nodelist_to_text([argument]).strip()
                                  for argument in node.nodeargd.argnlist[-2:])
        return f"{_FRACTION_OPEN}{_group(numerator)}/{_group(denominator, True)}{_FRACTION_CLOSE}"

    def tag(node, l2tobj):
        return f"{_TAG}({l2tobj.nodelist_to_text([node.nodeargd.argnlist[-1]]).strip()}){_TAG}"

    text_context = latex2text.get_default_latex_context_db()
    text_context.add_context_category(
        "neuronet-text", prepend=True,
        specials=[latex2text.SpecialsTextSpec("_", simplify_repl=script("_")),
                  latex2text.SpecialsTextSpec("^", simplify_repl=script("^")),
                  latex2text.SpecialsTextSpec("'''", "‴"), latex2text.SpecialsTextSpec("''", "″")],
        macros=[latex2text.MacroTextSpec("frac", simplify_repl=fraction),
                latex2text.MacroTextSpec("dfrac", simplify_repl=fraction),
                latex2text.MacroTextSpec("tfrac", simplify_repl=fraction),
                latex2text.MacroTextSpec("tag", simplify_repl=tag),
                latex2text.MacroTextSpec("quad", _QUAD), latex2text.MacroTextSpec("qquad", _QUAD * 2),
                latex2text.MacroTextSpec("big", ""), latex2text.MacroTextSpec("Big", ""),
                latex2text.MacroTextSpec("bigg", ""),
                latex2text.MacroTextSpec("epsilon", "ε"), latex2text.MacroTextSpec("varepsilon", "ε"),
                latex2text.MacroTextSpec("top", "T")],   # Wᵀ: the transpose
        environments=[latex2text.EnvironmentTextSpec("cases", simplify_repl=cases)])

    class Text(latex2text.LatexNodes2Text):
        """Keeps the space written after a macro (``\\log y``, ``\\alpha g``), except after ∂ and ∇,
        which bind to what follows (∂E)."""

        def nodelist_to_text(self, nodelist):
            out, previous = "", None
            for node in nodelist:
                if (previous is not None and previous.isNodeType(latexwalker.LatexMacroNode)
                        and previous.macro_post_space and previous.macroname not in ("partial", "nabla")
                        and not (previous.nodeargd and previous.nodeargd.argnlist)):
                    out += " "
                out += self.node_to_text(node)
                previous = node
            return out

    converter = Text(latex_context=text_context, math_mode="text",
                     strict_latex_spaces={"between-macro-and-chars": True, "between-latex-constructs": True,
                                          "after-comment": False, "in-equations": None})
    return walker_context, converter


_CONVERTER = None
_WORD_MACROS = ("text", "textrm", "textit", "mathrm", "operatorname")


def _is_word(node) -> bool:
    """Whether a sub/superscript's argument is a word set as text (``\\text{hidden}``), not indices."""
    from pylatexenc import latexwalker

    if node is None:
        return False
    if node.isNodeType(latexwalker.LatexGroupNode):
        inner = [child for child in node.nodelist
                 if not (child.isNodeType(latexwalker.LatexCharsNode) and not child.chars.strip())]
        return len(inner) == 1 and _is_word(inner[0])
    return node.isNodeType(latexwalker.LatexMacroNode) and node.macroname in _WORD_MACROS


def _one_group(text: str) -> bool:
    """Whether ``text`` is one parenthesised group, ``(τ+1)``: a script needs no second pair."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and index < len(text) - 1:
            return False
    return True


def _unicode_script(mark: str, text: str) -> str | None:
    """``text`` as sub- (``mark`` "_") or superscript characters (unicodeit's), or None where one of
    its characters has none."""
    import unicodeit

    if not text:
        return ""
    converted = unicodeit.replace(mark + "{" + text + "}")
    return None if mark in converted or "{" in converted else converted


def _top_level(text: str) -> str:
    """``text`` with every parenthesised part removed: what is left is what binds loosest."""
    depth, out = 0, []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _group(text: str, denominator: bool = False) -> str:
    """A numerator or denominator, in parentheses unless it is one term (``∂Eₙ``, ``f(x)``; a
    denominator such as ``2ε`` is put in parentheses too: ``x/2ε`` reads two ways)."""
    text = text.replace(_FRACTION_OPEN, "").replace(_FRACTION_CLOSE, "")
    if not text:
        return text
    if re.search(r"[\s+\-−=,/·×]", _top_level(text)) or (denominator and re.match(r"\d+[^\d.]", text)):
        return f"({text})"
    return text


_LOOSE_LEFT = set("=+-−,(<>≤≥≈⇒←→|:;[∑∏∫") | {_QUAD, "\n", ""}
_SCRIPTS = "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₔₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"
_LOOSE_RIGHT = set("=+-−,)<>≤≥≈⇒←→|:;]") | {_QUAD, "\n", ""}


def _place_fractions(text: str) -> str:
    """Each fraction stays ``a/b`` where an operator or the end of the formula is its neighbour,
    and becomes ``(a/b)`` where it multiplies something (``(1/N) ∑ₙ``, ``(∂E/∂a)(∂a/∂v)``)."""
    while _FRACTION_OPEN in text:
        match = re.search(f"{_FRACTION_OPEN}([^{_FRACTION_OPEN}{_FRACTION_CLOSE}]*){_FRACTION_CLOSE}", text)
        if match is None:
            break
        before = text[:match.start()].rstrip(" ")
        if before.rstrip(_SCRIPTS)[-1:] in ("∑", "∏", "∫"):   # ∑ₙ ∂Eₙ/∂w: the sum's operand
            before = before.rstrip(_SCRIPTS)
        after = text[match.end():].lstrip(" ")
        left = before[-1:] if before else ""
        right = after[:1] if after else ""
        # a bar opens an absolute value where an even number stand before it: |a/b| keeps a/b,
        # but (ε/2)|σ″(0.5)| multiplies, and so does |x| (1/2)
        inside_bars = before.count("|") % 2 == 1
        loose = ((left in _LOOSE_LEFT or left == _FRACTION_CLOSE) and (left != "|" or inside_bars)
                 and right in _LOOSE_RIGHT and (right != "|" or inside_bars))
        body = match.group(1) if loose else f"({match.group(1)})"
        text = text[:match.start()] + body + text[match.end():]
    return text


def latex_to_text(source: str) -> tuple[str, str]:
    """One formula's LaTeX as Unicode text, and its equation number ("(10)", or "" if untagged).

    >>> latex_to_text(r"\\frac{\\partial E}{\\partial w} = \\frac{1}{N} \\sum_n \\frac{\\partial E_n}{\\partial w} "
    ...               r"\\tag{14}")
    ('∂E/∂w = (1/N) ∑ₙ ∂Eₙ/∂w', '(14)')
    """
    global _CONVERTER
    from pylatexenc import latexwalker

    if _CONVERTER is None:
        _CONVERTER = _converter()
    walker_context, converter = _CONVERTER
    source = re.sub(r"(?<!\\)\\\|", "‖", source)  # \| is the norm's double bar (pylatexenc drops it)
    nodes, _, _ = latexwalker.LatexWalker(source, latex_context=walker_context,
                                          tolerant_parsing=True).get_latex_nodes()
    text = converter.nodelist_to_text(nodes)
    tags = re.findall(f"{_TAG}(.*?){_TAG}", text)
    text = re.sub(f"{_TAG}.*?{_TAG}", "", text)
    text = _place_fractions(text)
    lines = []
    for line in text.split("\n"):
        line = re.sub(r"[ \t]+", " ", line).strip()
        line = re.sub(f" ?{_QUAD}+ ?", "   ", line).strip()
        if line:
            lines.append(line)
    return "\n".join(lines), " ".join(tags)


# --- a chapter in a terminal ---------------------------------------------------------------------

def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide and full-width characters take two,
    combining marks none."""
    return sum(0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
               for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def static_dir() -> Path:
    """The folder of files shipped for readers: KaTeX, the tour's style and script, the figures."""
    return Path(str(resources.files("neuronet") / "static"))


def figure_file(link: str) -> Path | None:
    """The shipped copy of a figure a chapter links (``../images/tour/gates.png``), or None."""
    if "images/" not in link:
        return None
    path = static_dir() / "images" / link.split("images/", 1)[1]
    return path if path.is_file() else None


def _markdown():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.anchors import anchors_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    def math(content: str, options: dict) -> str:
        if options.get("display_mode"):
            return f'<div class="arithmatex">\\[{html.escape(content)}\\]</div>'
        return f'<span class="arithmatex">\\({html.escape(content)}\\)</span>'

    # formulas as the site's arithmatex reads them: $$ displays as blocks of their own, no space just
    # inside $...$, no digit after the closing $
    return (MarkdownIt("commonmark").enable("table")
            .use(dollarmath_plugin, allow_space=False, allow_digits=False, renderer=math)
            .use(anchors_plugin, max_level=4))  # headings get ids, so links to #a-section land


_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_DISPLAY_INLINE = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?![\s$])((?:\\.|[^$\\])+?)(?<!\s)\$(?!\d)")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_PAGE_LINK = re.compile(r"(\d\d-[\w-]+|errata|answers|index)\.md(?:#[\w-]*)?")
_REFERENCE = "\x06"  # follows "[n]" where a link's address is to be listed under its paragraph


class _References:
    """The addresses of a page's links to the web, numbered through the page: the prose shows
    ``text [1]`` and the paragraph is followed by ``  [1] http://…`` on a line of its own, so an
    address is never broken across lines nor buried in a sentence."""

    def __init__(self) -> None:
        self.addresses: list[str] = []

    def mark(self, text: str, address: str) -> str:
        if text.replace("\n", " ").strip() == address:
            return address
        self.addresses.append(address)
        wide = display_width(text[-1:]) == 2   # 中間層なし[1]: no space after a Japanese word
        return f"{text}{'' if wide else ' '}[{len(self.addresses)}]{_REFERENCE}"

    def take(self, line: str) -> tuple[str, list[int]]:
        """``line`` without its marks, and the numbers of the references it shows."""
        numbers = [int(number) for number in re.findall(f"\\[(\\d+)\\]{_REFERENCE}", line)]
        return line.replace(_REFERENCE, ""), numbers

    def listed(self, numbers: list[int]) -> list[str]:
        return [f"  [{number}] {self.addresses[number - 1]}" for number in numbers]

    def under_paragraphs(self, lines: list[str]) -> list[str]:
        """``lines`` with the references of each paragraph listed at its end (before the blank
        line that closes it, or at the end of ``lines``)."""
        out: list[str] = []
        waiting: list[int] = []
        for line in lines:
            if not line.strip() and waiting:
                out += self.listed(waiting)
                waiting = []
            line, numbers = self.take(line)
            waiting += numbers
            out.append(line)
        return out + self.listed(waiting)


def _link(text: str, address: str, chapter_link: Callable[[str, str], str], references: _References) -> str:
    """A Markdown link for a terminal: to a page of the tour, as ``chapter_link`` says (the command
    that prints it); to the web, its text and a numbered reference; anywhere else, its text."""
    page = _PAGE_LINK.fullmatch(address)
    if page:
        return chapter_link(text, page.group(1))
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", address):   # http://…, https://…, mailto:…
        return references.mark(text, address)
    return text


def _inline_text(text: str, chapter_link: Callable[[str, str], str], references: _References | None = None) -> str:
    """A run of Markdown prose for a terminal: its ``$...$`` formulas as text, figures named with
    their file, links to other chapters as the command that prints them, links to the web as
    their text and a numbered reference (``references``; listed by ``under_paragraphs``); code
    spans as written."""
    spans: list[str] = []
    references = references if references is not None else _References()

    def keep(match: re.Match) -> str:
        spans.append(match.group(0))
        return f"\x05{len(spans) - 1}\x05"

    def formula(match: re.Match) -> str:
        body, number = latex_to_text(match.group(1))
        return body.replace("\n", " ") + (f" {number}" if number else "")

    def figure(match: re.Match) -> str:
        found = figure_file(match.group(2))
        return f"[figure: {match.group(1)} — {found if found else match.group(2)}]"

    text = _CODE_SPAN.sub(keep, text)
    text = re.sub(r'<a (?:id|name)="[^"]*">\s*</a>\n?', "", text)   # anchors for links: nothing to read
    text = _DISPLAY_INLINE.sub(formula, text)
    text = _INLINE_MATH.sub(formula, text)
    text = _IMAGE.sub(figure, text)
    text = _LINK.sub(lambda m: _link(m.group(1), m.group(2), chapter_link, references), text)
    return re.sub("\x05(\\d+)\x05", lambda m: spans[int(m.group(1))], text)


def _display(source: str, width: int) -> list[str]:
    """A ``$$ ... $$`` display: indented, its number at the right margin."""
    body, number = latex_to_text(source)
    lines = ["    " + line for line in body.split("\n")] or [""]
    if number:
        room = width - display_width(lines[0]) - display_width(number)
        lines[0] = lines[0] + " " * max(3, room)
        lines[0] += number
    return lines


def _table(rows: list[list[str]], width: int) -> list[str]:
    """A Markdown table with its columns aligned by display width; where it would not fit the
    terminal, one record a row (each cell under its column's name)."""
    header = rows[0]
    columns = len(header)
    rows = [row + [""] * (columns - len(row)) for row in rows]
    widths = [max(display_width(row[index]) for row in rows) for index in range(columns)]
    if sum(widths) + 3 * (columns - 1) <= width:
        def line(row):
            return " │ ".join(_pad(cell, widths[index]) for index, cell in enumerate(row)).rstrip()
        rule = "─┼─".join("─" * w for w in widths)
        return [line(rows[0]), rule] + [line(row) for row in rows[1:]]
    out = []
    for row in rows[1:]:
        out.append(f"• {row[0]}")
        out += [f"    {header[index]}: {cell}" for index, cell in enumerate(row) if index and cell]
    return out


def terminal_text(markdown: str, width: int | None = None,
                  chapter_link: Callable[[str, str], str] | None = None) -> str:
    """A chapter's Markdown as text for a terminal ``width`` columns wide (default: the terminal's,
    at most 100): every formula as Unicode text, tables aligned, figures named with their file,
    links to the web as their text and a number, their addresses listed under the paragraph."""
    if width is None:
        width = min(100, shutil.get_terminal_size((80, 24)).columns)
    if chapter_link is None:
        def chapter_link(text: str, number: str) -> str:
            return text
    references = _References()
    lines = markdown.split("\n")
    tokens = _markdown().parse(markdown)
    # first line -> (end line, its lines, rendered in reading order so references number in it)
    special: dict[int, tuple[int, Callable[[], list[str]]]] = {}

    def table(rows: list[list[str]]) -> Callable[[], list[str]]:
        def render() -> list[str]:
            cells, numbers = [], []
            for row in rows:
                cells.append([])
                for cell in row:
                    text, shown = references.take(_inline_text(cell, chapter_link, references).replace("\n", " "))
                    cells[-1].append(text)
                    numbers += shown
            return _table(cells, width) + references.listed(numbers)
        return render

    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.map and token.type in ("fence", "code_block"):
            special[token.map[0]] = (token.map[1], lambda block=lines[token.map[0]:token.map[1]]: block)
        elif token.map and token.type == "math_block":
            special[token.map[0]] = (token.map[1], lambda content=token.content: _display(content, width))
        elif token.map and token.type == "table_open":
            rows: list[list[str]] = []
            start, end = token.map
            while tokens[index].type != "table_close":
                current = tokens[index]
                if current.type == "tr_open":
                    rows.append([])
                elif current.type == "inline" and rows:
                    rows[-1].append(current.content)
                index += 1
            special[start] = (end, table(rows))
        index += 1

    def prose_lines(prose: list[str]) -> list[str]:
        return references.under_paragraphs(_inline_text("\n".join(prose), chapter_link, references).split("\n"))

    out: list[str] = []
    line, prose = 0, []
    while line < len(lines):
        if line in special:
            if prose:
                out += prose_lines(prose)
                prose = []
            end, rendered = special[line]
            out += rendered()
            line = end
            continue
        prose.append(lines[line])
        line += 1
    if prose:
        out += prose_lines(prose)
    return "\n".join(out)


# --- a chapter as a page -------------------------------------------------------------------------

def html_page(markdown: str, title: str, japanese: bool = False,
              chapter_href: Callable[[str], str] | None = None) -> str:
    """A chapter as a self-contained HTML page for a browser with no network: Markdown rendered by
    markdown-it-py, formulas by the KaTeX shipped in the package, figures inline from the package's
    copies, a CJK font stack for Japanese. Assets are referenced by ``file://`` URL. A relative
    link to a Markdown page (``errata.md#eq-27``, ``../ja/tour/index.md``) goes to
    ``chapter_href(path without .md)``, its anchor kept."""
    static = static_dir()
    body = _markdown().render(markdown)

    def image(match: re.Match) -> str:
        found = figure_file(html.unescape(match.group(2)))
        return f'{match.group(1)}{found.as_uri() if found else match.group(2)}{match.group(3)}'

    body = re.sub(r'(<img src=")([^"]+)(")', image, body)
    if chapter_href is not None:   # links to other pages (08-backpropagation.md#eq-27, ../ja/tour/index.md)
        body = re.sub(r'href="(?![a-zA-Z][a-zA-Z0-9+.-]*:)([^"#]+)\.md(#[^"]*)?"',
                      lambda m: f'href="{chapter_href(html.unescape(m.group(1)))}{m.group(2) or ""}"', body)
    katex = static / "katex"
    language = "ja" if japanese else "en"
    return f"""<!doctype html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="{(katex / 'katex.min.css').as_uri()}">
<link rel="stylesheet" href="{(static / 'tour.css').as_uri()}">
<script defer src="{(katex / 'katex.min.js').as_uri()}"></script>
<script defer src="{(katex / 'contrib' / 'auto-render.min.js').as_uri()}"></script>
<script defer src="{(static / 'tour.js').as_uri()}"></script>
</head>
<body class="neuronet-page">
<main>
{body}
</main>
</body>
</html>
"""
