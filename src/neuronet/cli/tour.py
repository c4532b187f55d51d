"""``neuronet tour``: list, read, open or run the guided tour's chapters and examples."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["add_parsers", "run_tour"]


def add_parsers(commands: Any) -> None:
    from ..tour import CHAPTERS, EXAMPLES

    touring = commands.add_parser("tour", help="the guided tour: list, read or run its chapters and examples",
                                  description="The guided tour. With no NAME: list the chapters. NAME is a chapter "
                                              f"(a number 1-{len(CHAPTERS)}, a name such as 04-matrices, or errata: "
                                              f"print it) or an example to run ({', '.join(EXAMPLES)}).")
    touring.add_argument("example", nargs="?", metavar="NAME", help="a chapter (4, 04-matrices, errata) or an example")
    touring.add_argument("--fast", action="store_true", help="example: smaller settings, for a quick run")
    touring.add_argument("--out", default=None, help="example: folder for the figure (default: here)")
    touring.add_argument("--open", action="store_true", help="chapter: show it in the browser instead of printing it")
    touring.add_argument("--raw", action="store_true", help="chapter: print its Markdown source as it is")
    touring.add_argument("--notebooks", metavar="DIR", help="write every chapter as a Jupyter notebook into DIR")
    touring.add_argument("--answers", action="store_true",
                         help="with --notebooks: fill in the reference solutions of the exercises")
    touring.add_argument("--ja", action="store_true", help="in Japanese (日本語)")
    touring.set_defaults(handler=run_tour)


def _check_flags(args: argparse.Namespace, is_example: bool) -> None:
    """Flags that mean nothing for what was asked are refused, in one line, before any work."""
    from ..errors import ConfigurationError

    def refuse(flag: str, why: str) -> None:
        raise ConfigurationError(f"{flag}: {why}")

    if args.notebooks is not None:
        if not args.notebooks.strip():
            refuse("--notebooks", "expected a folder to write the notebooks into, got an empty name")
        if args.example is not None:
            refuse("--notebooks", f"writes every chapter's notebook; give no NAME with it (got {args.example!r})")
        if os.path.exists(args.notebooks) and not os.path.isdir(args.notebooks):
            refuse("--notebooks", f"{args.notebooks} is a file; expected a folder to write the notebooks into")
        for flag, given in (("--open", args.open), ("--raw", args.raw), ("--fast", args.fast),
                            ("--out", args.out is not None)):
            if given:
                refuse(flag, "is not used with --notebooks")
        return
    if args.answers:
        refuse("--answers", "fills in the notebooks' exercises; use it with --notebooks DIR")
    if args.open and args.raw:
        refuse("--raw", "prints the chapter's source; it cannot be used with --open")
    if args.example is None:
        for flag, given in (("--open", args.open), ("--raw", args.raw), ("--fast", args.fast),
                            ("--out", args.out is not None)):
            if given:
                refuse(flag, "needs a NAME: a chapter (for --open, --raw) or an example (for --fast, --out)")
    elif is_example:
        for flag, given in (("--open", args.open), ("--raw", args.raw)):
            if given:
                refuse(flag, f"is for chapters; {args.example} is an example (it runs and writes its figure)")
        if args.ja:
            refuse("--ja", f"is for chapters, the listing and the notebooks; the example {args.example} prints in "
                           "English")
    else:
        from ..tour import find_chapter

        find_chapter(args.example)  # an unknown NAME is said so first
        for flag, given in (("--fast", args.fast), ("--out", args.out is not None)):
            if given:
                refuse(flag, f"is for examples; {args.example!r} is a chapter (--open shows it in the browser)")
    if args.out is not None and not args.out.strip():
        refuse("--out", "expected a folder for the figure, got an empty name")
    if args.out is not None and os.path.exists(args.out) and not os.path.isdir(args.out):
        refuse("--out", f"{args.out} is a file; expected a folder for the figure")


def run_tour(args: argparse.Namespace) -> int:
    from .. import tour

    is_example = args.example in tour.EXAMPLES
    _check_flags(args, is_example)
    if args.notebooks is not None:
        paths = tour.write_notebooks(args.notebooks, japanese=args.ja, answers=args.answers)
        what = "notebooks with the answers" if args.answers else "notebooks"
        print(f"wrote {len(paths)} {what} to {args.notebooks} (open them with: jupyter lab {args.notebooks})",
              file=sys.stderr)
        return 0
    if args.example is None:
        print(tour.listing(japanese=args.ja))
        hint = ("章を読む：neuronet tour 番号 --ja [--open]　例を実行：neuronet tour 名前 [--fast] [--out フォルダ]　"
                "ノートブック：neuronet tour --notebooks フォルダ --ja"
                if args.ja else "Read a chapter: neuronet tour NUMBER [--open]. Run an example: neuronet tour NAME "
                                "[--fast] [--out FOLDER]. Notebooks: neuronet tour --notebooks DIR")
        print("\n" + hint)
        return 0
    if is_example:
        options = (["--fast"] if args.fast else []) + ["--out", args.out if args.out is not None else "."]
        tour.run_example(args.example, options)
        return 0
    chapter = tour.find_chapter(args.example)
    if args.open:
        import webbrowser

        pages = tour.publish_pages(japanese=args.ja)   # one folder, replaced at each run
        page = pages.get(chapter.slug)
        if page is None:
            tour.read_chapter(chapter.slug, japanese=args.ja)  # says which file this installation lacks
        webbrowser.open(page.as_uri())
        print(f"opened {page}", file=sys.stderr)
        return 0
    if args.raw:
        sys.stdout.write(tour.read_chapter(chapter.slug, japanese=args.ja))
        return 0
    sys.stdout.write(tour.chapter_text(chapter.slug, japanese=args.ja) + "\n")
    return 0
