"""``neuronet export``: a saved model as an ONNX file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import _common
from ._common import UserError

__all__ = ["add_parsers", "run_export"]


def add_parsers(commands: Any) -> None:
    exporting = commands.add_parser("export", help="write a saved model as ONNX",
                                    description="Write a saved model as an ONNX file (needs neuronet[onnx]).")
    exporting.add_argument("model", help="model file (.npz) written by neuronet train or neuronet.save")
    exporting.add_argument("--onnx", required=True, metavar="FILE", help="the .onnx file to write")
    exporting.add_argument("--opset", type=int, default=17, help="ONNX opset (>= 13; default 17)")
    exporting.add_argument("--input-name", default="input", help="name of the graph's input (default: input)")
    exporting.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    from .. import onnx as _onnx

    if not args.onnx.lower().endswith(".onnx"):
        raise UserError(f"--onnx: expected a file name ending in .onnx, got {args.onnx!r}")
    net = _common.load_model(args.model)
    encoder = getattr(net, "encoder", None)
    if encoder is not None and args.input_name != "input":
        raise UserError("--input-name: a model trained on a table takes its raw columns as inputs, each named as "
                        "its column; leave --input-name out")
    with _common.flags_named({"opset": "--opset", "input_name": "--input-name"}):
        proto = _onnx.to_onnx(net, input_name=args.input_name, opset=args.opset)
    path = _onnx.write_model(proto, args.onnx)  # the graph built and checked once
    if encoder is None:
        print(f"wrote {path} (opset {args.opset}, input {args.input_name!r}: float32 (batch, {net.in_features}))",
              file=sys.stderr)
        return 0
    print(f"wrote {path} (opset {args.opset}); inputs, the raw columns (text as strings, \"\" for missing; numbers "
          "as doubles, NaN for missing):", file=sys.stderr)
    for line in _common.named_lines([value.name for value in proto.graph.input], _onnx.onnx_inputs(proto)):
        print(f"  {line}", file=sys.stderr)
    return 0
