"""How much the course says in words: English prose words and Japanese characters per chapter,
with code, math, links' addresses, images and HTML left out.

- English: words of letters (``don't`` is one word) outside fenced code blocks, ``$$...$$`` and
  ``$...$`` math, ``\\(...\\)``, inline code, image tags, link targets and HTML comments.
- Japanese: kana and kanji characters (U+3040-30FF, U+3400-4DBF, U+4E00-9FFF) in the same
  prose, so punctuation, Latin letters and digits do not count.

    python benchmarks/course_counts.py            # a table per chapter and the totals
    python benchmarks/course_counts.py --check    # exit 1 if a chapter has under 350 English
                                                  # words or the totals are under 7,000 / 20,000
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

CHAPTERS = Path(__file__).resolve().parents[1] / "src" / "neuronet" / "chapters"
MIN_CHAPTER_WORDS, MIN_ENGLISH_WORDS, MIN_JAPANESE_CHARACTERS = 350, 7000, 20000

_REMOVED = [
    re.compile(r"^(```|~~~).*?^\1\s*$", re.S | re.M),   # fenced code
    re.compile(r"<!--.*?-->", re.S),                    # HTML comments
    re.compile(r"\$\$.*?\$\$", re.S),                   # display math
    re.compile(r"\\\[.*?\\\]", re.S),
    re.compile(r"\\\(.*?\\\)", re.S),                   # inline math
    re.compile(r"(?<![\\$])\$[^$\n]+?\$"),
    re.compile(r"`[^`\n]*`"),                           # inline code
    re.compile(r"!\[[^\]]*\]\([^)]*\)"),                # images
    re.compile(r"<[^>\n]+>"),                           # HTML tags
]
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


def prose(text: str) -> str:
    """The text without code, math, images, HTML and link targets."""
    for pattern in _REMOVED:
        text = pattern.sub(" ", text)
    return _LINK_TARGET.sub("]", text)


def english_words(text: str) -> int:
    return len(_WORD.findall(prose(text)))


def japanese_characters(text: str) -> int:
    return len(_JAPANESE.findall(prose(text)))


def chapters() -> list[str]:
    """The numbered chapters' file names (``01-neuron.md`` ...), in order."""
    return sorted(path.name for path in (CHAPTERS / "en").glob("[0-9][0-9]-*.md"))


def table() -> tuple[list[tuple[str, int, int]], int, int, int, int]:
    """Per chapter (name, English words, Japanese characters); then the totals over the chapters,
    and over everything the course ships (the chapters, the index, errata and answers)."""
    rows = [(name, english_words((CHAPTERS / "en" / name).read_text(encoding="utf-8")),
             japanese_characters((CHAPTERS / "ja" / name).read_text(encoding="utf-8"))) for name in chapters()]
    all_en = sum(english_words(p.read_text(encoding="utf-8")) for p in (CHAPTERS / "en").glob("*.md"))
    all_ja = sum(japanese_characters(p.read_text(encoding="utf-8")) for p in (CHAPTERS / "ja").glob("*.md"))
    return rows, sum(r[1] for r in rows), sum(r[2] for r in rows), all_en, all_ja


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when under the course's minimums")
    args = parser.parse_args()
    rows, en, ja, all_en, all_ja = table()
    print(f"{'chapter':<34} {'English words':>13} {'Japanese chars':>14}")
    for name, words, characters in rows:
        print(f"{name:<34} {words:>13,} {characters:>14,}")
    print(f"{'chapters':<34} {en:>13,} {ja:>14,}")
    print(f"{'with index, errata and answers':<34} {all_en:>13,} {all_ja:>14,}")
    short = [name for name, words, _ in rows if words < MIN_CHAPTER_WORDS]
    problems = ([f"under {MIN_CHAPTER_WORDS} English words: {', '.join(short)}"] if short else []) + \
        ([f"English total {en:,} < {MIN_ENGLISH_WORDS:,}"] if en < MIN_ENGLISH_WORDS else []) + \
        ([f"Japanese total {ja:,} < {MIN_JAPANESE_CHARACTERS:,}"] if ja < MIN_JAPANESE_CHARACTERS else [])
    for problem in problems:
        print("short: " + problem, file=sys.stderr)
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
