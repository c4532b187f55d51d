"""``neuronet export``, ``playground``, ``tour`` and ``bench``: taking a model elsewhere, watching
one learn, the guided tour, and measuring speed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import _common
from ._common import UserError

__all__ = ["add_parsers", "run_export", "run_playground", "run_tour", "run_bench"]


def add_parsers(commands: Any) -> None:
    exporting = commands.add_parser("export", help="write a saved model as ONNX",
                                    description="Write a saved model as an ONNX file (needs neuronet[onnx]).")
    exporting.add_argument("model", help="model file (.npz) written by neuronet train or neuronet.save")
    exporting.add_argument("--onnx", required=True, metavar="FILE", help="the .onnx file to write")
    exporting.add_argument("--opset", type=int, default=17, help="ONNX opset (>= 13; default 17)")
    exporting.add_argument("--input-name", default="input", help="name of the graph's input (default: input)")
    exporting.set_defaults(handler=run_export)

    playground = commands.add_parser("playground", help="watch a network learn in the browser",
                                     description="Start the playground web page on this machine.")
    playground.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    playground.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    playground.add_argument("--no-browser", action="store_true", help="do not open a browser")
    playground.set_defaults(handler=run_playground)

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

    from ..bench import add_arguments as bench_arguments

    benchmark = commands.add_parser("bench", help="training throughput vs NumPy, scikit-learn and PyTorch",
                                    description="One epoch of Adam training per network and framework: samples/s, "
                                                "GFLOP/s, fraction of the matmul peak, and training memory.")
    bench_arguments(benchmark)
    benchmark.set_defaults(handler=run_bench)


def run_export(args: argparse.Namespace) -> int:
    from .. import onnx as _onnx

    if not args.onnx.lower().endswith(".onnx"):
        raise UserError(f"--onnx: expected a file name ending in .onnx, got {args.onnx!r}")
    net = _common.load_model(args.model)
    path = _onnx.export(net, args.onnx, input_name=args.input_name, opset=args.opset)
    print(f"wrote {path} (opset {args.opset}, input {args.input_name!r}: float32 (batch, {net.in_features}))",
          file=sys.stderr)
    return 0


def run_playground(args: argparse.Namespace) -> int:
    from importlib.util import find_spec

    if find_spec("starlette") is None or find_spec("uvicorn") is None:
        raise UserError("the playground needs its extra: pip install 'neuronet[playground]'")
    from ..playground import serve
    if not 1 <= args.port <= 65535:
        raise UserError(f"--port: expected 1-65535, got {args.port}")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {args.host}: anyone who can reach this machine can use the playground",
              file=sys.stderr)
    serve(host=args.host, port=args.port, open_browser=not args.no_browser)
    return 0


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


def run_bench(args: argparse.Namespace) -> int:
    from .. import bench

    return bench.run_from_args(args)
