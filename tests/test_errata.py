"""The errata and the answers that ship with the tour: every slip of the study notes has an entry
in both languages, every chapter that uses one of those equations links to its entry, every link
lands on an anchor that exists, and every exercise of the text has an answer in both languages."""

import re
from pathlib import Path

import pytest

CHAPTERS = Path(__file__).resolve().parents[1] / "src" / "neuronet" / "chapters"
ANCHOR = re.compile(r'^<a id="([\w-]+)"></a>$', re.M)
LINK = re.compile(r"\]\(errata\.md#([\w-]+)\)")

# each slip, the anchor of its entry, and words the corrected form must contain (en, ja)
SLIPS = {
    "eq-9-11": ("backward difference", "後退差分"),
    "eq-12": (r"E_n(\mathbf{w}, \mathbf{v}) = - \sum_{k=0}^{K-1} t_{nk} \log y_{nk}",) * 2,
    "eq-13": (r"E(\mathbf{w}, \mathbf{v}) = \frac{1}{N} \sum_{n=0}^{N-1} E_n(\mathbf{w}, \mathbf{v})",) * 2,
    "eq-14": (r"\frac{\partial E}{\partial w_{ji}} = \frac{\partial}{\partial w_{ji}} \frac{1}{N}",) * 2,
    "notation": ("| eq. 5: $z_{ji}$ |", "式(5)の $z_{ji}$"),
    "eq-7": (r"y_k = \frac{\exp(a_k)}{\sum_{j=0}^{K-1} \exp(a_j)}",) * 2,
    "eq-8-name": ("平均交差エントロピー誤差",) * 2,
    "eq-17": ("do not change with $a_0$", "$a_0$ で変化することはない"),
    "eq-25": ("(25a)",) * 2,
    "eq-27": (r"v_{kj}^{(\tau+1)}",) * 2,
    "nonlinearity": ("left out", "取り除けば"),
    "step-0": ("step(0) = 0", "step(0) = 0"),
}

# the chapters that use an equation with a slip link to its entry
USES = {
    "02-activations": {"step-0"},
    "03-perceptron": {"step-0"},
    "04-matrices": {"notation"},
    "05-feed-forward": {"eq-7", "notation", "nonlinearity"},
    "06-cross-entropy": {"eq-8-name", "eq-12", "eq-17"},
    "07-numerical-differentiation": {"eq-9-11"},
    "08-backpropagation": {"notation", "eq-12", "eq-13", "eq-14", "eq-17", "eq-25", "eq-27"},
    "09-three-classes": {"eq-27"},
    "12-image-classifier": {"nonlinearity"},
    "13-training-practice": {"eq-27"},
}


def _errata(language):
    return (CHAPTERS / language / "errata.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_slip_has_an_entry_with_its_corrected_form(language):
    text = _errata(language)
    anchors = ANCHOR.findall(text)
    assert anchors == list(SLIPS), anchors               # each once, in the same order in both languages
    sections = dict(zip(anchors, re.split(ANCHOR, text)[2::2]))
    for anchor, words in SLIPS.items():
        assert words[language == "ja"] in sections[anchor], (language, anchor)
        assert sections[anchor].lstrip().startswith("## "), anchor   # the anchor sits on a heading


def test_the_numerical_derivative_entry_says_what_is_wrong_with_eq_9_to_11():
    entry = re.split(ANCHOR, _errata("en"))[2]
    for point in ("$-f'(x)$", "$-\\partial E/\\partial w$", "every component at once", "**sum**", "central difference"):
        assert point in entry, point


@pytest.mark.parametrize("language", ["en", "ja"])
def test_chapters_link_the_entries_of_the_equations_they_use(language):
    anchors = set(ANCHOR.findall(_errata(language)))
    paths = sorted((CHAPTERS / language).glob("*.md"))
    assert set(USES) <= {path.stem for path in paths}, set(USES) - {path.stem for path in paths}
    for path in paths:
        links = set(LINK.findall(path.read_text(encoding="utf-8")))
        assert links <= anchors, (path.name, links - anchors)
        assert USES.get(path.stem, set()) <= links, (path.name, USES[path.stem] - links)
    for language_index in ("index.md",):
        assert "(errata.md)" in (CHAPTERS / language / language_index).read_text(encoding="utf-8")


def _exercises(text, heading):
    section = text.split(heading, 1)[1].split("\n[", 1)[0]
    return re.findall(r"^(\d+)\. ", section, re.M)


@pytest.mark.parametrize("language, heading", [("en", "## Exercises"), ("ja", "## 練習問題")])
def test_every_exercise_of_the_text_has_an_answer(language, heading):
    answers = (CHAPTERS / language / "answers.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## ([\w-]+)\n(.*?)(?=^## |\Z)", answers, re.M | re.S))
    chapters = sorted(path for path in (CHAPTERS / language).glob("[01]*.md") if path.stem in sections)
    assert len(chapters) >= 13
    for path in chapters:
        asked = _exercises(path.read_text(encoding="utf-8"), heading)
        answered = re.findall(r"^(\d+)\. ", sections[path.stem], re.M)
        assert asked and answered == asked, (path.name, asked, answered)
    assert "(answers.md)" in (CHAPTERS / language / "index.md").read_text(encoding="utf-8")
