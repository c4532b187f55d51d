"""``neuronet tour``: list, read, open or run the guided tour's chapters and examples."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_parsers", "run_tour"]


def add_parsers(commands: Any) -> None:
    from ..tour import CHAPTERS, EXAMPLES

    touring = commands.add_parser("tour", help="the guided tour: list, read or run its chapters and examples",
                                  description="The guided tour. With no NAME: list the chapters. NAME is a chapter "
                                              f"(a number 1-{len(CHAPTERS)} or a name such as 04-matrices: print it) or an "
                                              f"example to run ({', '.join(EXAMPLES)}).")
    touring.add_argument("example", nargs="?", metavar="NAME", help="a chapter (4, 04-matrices) or an example")
    touring.add_argument("--fast", action="store_true", help="example: smaller settings, for a quick run")
    touring.add_argument("--out", default=".", help="example: folder for the figure (default: here)")
    touring.add_argument("--open", action="store_true", help="chapter: show it in the browser instead of printing it")
    touring.add_argument("--notebooks", metavar="DIR", help="write every chapter as a Jupyter notebook into DIR")
    touring.add_argument("--ja", action="store_true", help="in Japanese (日本語)")
    touring.set_defaults(handler=run_tour)


def run_tour(args: argparse.Namespace) -> int:
    from .. import tour

    if args.notebooks:
        paths = tour.write_notebooks(args.notebooks, japanese=args.ja)
        print(f"wrote {len(paths)} notebooks to {args.notebooks} (open them with: jupyter lab {args.notebooks})",
              file=sys.stderr)
        return 0
    if args.example is None:
        print(tour.listing(japanese=args.ja))
        hint = ("章を読む：neuronet tour 番号 --ja [--open]　例を実行：neuronet tour 名前 [--fast] [--out フォルダ]"
                if args.ja else "Read a chapter: neuronet tour NUMBER [--open]. Run an example: neuronet tour NAME "
                                "[--fast] [--out FOLDER]. Notebooks: neuronet tour --notebooks DIR")
        print("\n" + hint)
        return 0
    if args.example in tour.EXAMPLES:
        options = (["--fast"] if args.fast else []) + ["--out", args.out]
        tour.run_example(args.example, options)
        return 0
    chapter = tour.find_chapter(args.example)
    if args.open:
        import tempfile
        import webbrowser
        from pathlib import Path

        page = Path(tempfile.mkdtemp(prefix="neuronet-tour-")) / f"{chapter.slug}.html"
        page.write_text(tour.chapter_html(chapter.slug, japanese=args.ja), encoding="utf-8")
        webbrowser.open(page.as_uri())
        print(f"opened {page}", file=sys.stderr)
        return 0
    sys.stdout.write(tour.read_chapter(chapter.slug, japanese=args.ja))
    return 0
