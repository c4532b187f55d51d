"""``neuronet playground``: watch a network learn in the browser."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._common import UserError

__all__ = ["add_parsers", "run_playground"]


def add_parsers(commands: Any) -> None:
    playground = commands.add_parser("playground", help="watch a network learn in the browser",
                                     description="Start the playground web page on this machine.")
    playground.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    playground.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    playground.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                            help="a host name (or address) the page may be reached by, besides 127.0.0.1, "
                                 "localhost, [::1] and --host; repeatable. Requests naming any other host are "
                                 "refused (a defence against DNS rebinding)")
    playground.add_argument("--no-browser", action="store_true", help="do not open a browser")
    playground.set_defaults(handler=run_playground)


def run_playground(args: argparse.Namespace) -> int:
    from importlib.util import find_spec

    if find_spec("starlette") is None or find_spec("uvicorn") is None:
        raise UserError("the playground needs its extra: pip install 'neuronet[playground]'")
    from ..playground import serve
    from ..playground.server import LOCAL_HOSTS, WILDCARD_ADDRESSES, allowed_hosts
    from ..playground.settings import SettingsError
    if not 1 <= args.port <= 65535:
        raise UserError(f"--port: expected 1-65535, got {args.port}")
    for name in args.allowed_host:
        try:
            allowed_hosts([name])
        except SettingsError:
            raise UserError(f"--allowed-host: expected a host name or an IP address (no scheme, port or path), "
                            f"got {name[:60]!r}") from None
    try:
        allowed_hosts(bound=args.host)
    except SettingsError:
        raise UserError(f"--host: expected a host name or an IP address to bind, got {args.host[:60]!r}") from None
    if args.host not in LOCAL_HOSTS:
        print(f"warning: serving on {args.host}: anyone who can reach this machine can use the playground",
              file=sys.stderr)
        if args.host in WILDCARD_ADDRESSES and not args.allowed_host:
            print("note: the page answers only to 127.0.0.1, localhost and [::1]; name this machine's other "
                  "names or addresses with --allowed-host NAME", file=sys.stderr)
    serve(host=args.host, port=args.port, open_browser=not args.no_browser, allowed=tuple(args.allowed_host))
    return 0
