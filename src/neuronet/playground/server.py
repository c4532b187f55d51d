"""The playground's web server: the page, and one WebSocket per browser tab.

Messages from the page (JSON objects with a ``type``):

| type | fields | effect |
|---|---|---|
| ``configure`` | ``settings`` | validate, build a new run (data, network), send its state |
| ``play`` / ``pause`` | | start or stop the training loop of this connection |
| ``step`` | | one minibatch, then the state |
| ``reset`` | | the same settings, fresh weights |
| ``upload`` | ``csv`` (text) | x1,x2,label rows (at most 1 MB, 5,000 rows) become the ``upload`` dataset |
| ``download`` | | reply ``model``: the ``.npz`` for ``neuronet.load``, base64 |
| ``export`` | | reply ``weights``: the weights as JSON |

Replies: ``hello`` (limits, the menus' names from the registries, the defaults), ``state`` (what
to draw), ``error`` (a message to show; the connection stays open), ``queued`` (all training slots are busy: this
connection trains as soon as one frees), ``model``, ``weights``. Replies are strict JSON: a
number that is not finite (a loss that overflowed) is sent as ``null``.

What is guaranteed, whatever a client sends:

- every message gets a normal reply or an ``error`` reply, and the connection goes on:
  invalid JSON, JSON nested thousands deep, binary frames, numbers of any size,
  oversized fields, messages over ``MAX_MESSAGE`` characters (up to ``MAX_FRAME`` bytes),
  unknown types, ``pause`` or ``play`` before ``configure``; nothing a message holds reaches
  another connection. A frame over ``MAX_FRAME`` bytes (16 MiB) is not read: the connection
  is closed with code 1009 ("message too big"), the WebSocket protocol's code for it;
- the server answers only to the names it was started for (``HostCheck``): a request or
  WebSocket whose ``Host`` header names another host is refused (HTTP 400; a WebSocket is
  closed with code 1008), so a page elsewhere cannot reach it through DNS rebinding. The
  names are 127.0.0.1, localhost and [::1], the address given to ``serve`` and those added
  with ``--allowed-host``;
- a WebSocket whose ``Origin`` is not the page's own, scheme, host and port, is refused
  (code 1008): a page elsewhere cannot drive a playground running on this machine; clients
  that send no Origin (scripts, tests) are served;
- at most one training loop per CPU core runs at a time (``slots``); the others wait
  their turn, slice by slice, and are told they are queued; each loop stops when its
  connection closes. A client that goes away mid-reply ends its connection quietly.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import math
import os
import re
import sys
import threading
import traceback
import webbrowser
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from .session import Session
from .settings import (
    LIMITS,
    Settings,
    SettingsError,
    menus,
    parse_upload,
    validate_settings,
)

STATIC = Path(__file__).parent / "static"
MAX_MESSAGE = 1_500_000  # characters: a 1 MB CSV plus its JSON envelope
MAX_FRAME = 16 * 2**20   # bytes: a larger frame is not read; the connection closes with 1009
FRAME_SECONDS = 0.1      # how long the loop trains between two pictures
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")  # the names a playground always answers to
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*\.?$")


def host_name(name: str) -> str:
    """``name`` (a host name or an IP address, IPv6 with or without brackets) in the form the
    host check compares: lower case, IPv6 without brackets; SettingsError for anything else
    (a scheme, a port, a path, a wildcard)."""
    text = str(name).strip().lower()
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    if bare is text and _HOST_NAME.match(text):
        return text.rstrip(".")
    raise SettingsError(f"allowed host: expected a host name or an IP address (no scheme, port or path), "
                        f"got {str(name)[:60]!r}")


def allowed_hosts(extra: Iterable[str] = (), bound: str | None = None) -> frozenset[str]:
    """The host names a playground answers to: the local ones, the address it is bound to
    (unless a wildcard such as 0.0.0.0) and ``extra`` (``--allowed-host``)."""
    names = {*LOCAL_HOSTS, *(host_name(name) for name in extra)}
    if bound is not None and bound not in WILDCARD_ADDRESSES:
        names.add(host_name(bound))
    return frozenset(names)


def _split_host(value: str) -> tuple[str, int | None] | None:
    """``(name, port)`` from a Host header (``name``, ``name:port``, ``[v6]:port``), or None."""
    try:
        parts = urlsplit("//" + value)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.password is not None or parts.path \
            or parts.query or parts.fragment:
        return None
    hostname = parts.hostname.rstrip(".")
    try:
        hostname = str(ipaddress.ip_address(hostname))
    except ValueError:
        pass
    return hostname, port


class HostCheck:
    """ASGI middleware: only requests whose ``Host`` header names one of ``allowed`` reach the
    app. The defence against DNS rebinding (a page on an attacker's name that resolves to
    127.0.0.1 sends its own name as Host); HTTP requests get 400, WebSockets are closed with 1008."""

    def __init__(self, app: Any, allowed: Iterable[str]):
        self.app = app
        self.allowed = frozenset(allowed)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        values = [value.decode("latin-1") for key, value in scope.get("headers", ()) if key == b"host"]
        host = _split_host(values[0]) if len(values) == 1 else None
        if host is not None and host[0] in self.allowed:
            await self.app(scope, receive, send)
            return
        shown = values[0][:60] if values else "(none)"
        names = ", ".join(f"[{name}]" if ":" in name else name for name in sorted(self.allowed))
        reason = f"Host {shown!r} is not a name this playground answers to ({names}; add one with --allowed-host NAME)"
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008, "reason": close_reason(reason)})
            return
        body = reason.encode("utf-8")
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode("ascii"))]})
        await send({"type": "http.response.body", "body": body})


def strict_json(value: Any) -> Any:
    """``value`` with every float that is not finite replaced by None (JSON has no NaN or infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(item) for item in value]
    return value


def close_reason(text: str) -> str:
    """``text`` cut to what a WebSocket close frame can carry (123 bytes of UTF-8)."""
    return text.encode("utf-8")[:123].decode("utf-8", errors="ignore")


def _gone(websocket: WebSocket) -> bool:
    """True once either side has closed the connection."""
    return WebSocketState.DISCONNECTED in (websocket.client_state, websocket.application_state)


async def index(request: Any) -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


class Connection:
    """One browser tab: its run, its training loop, its lock."""

    def __init__(self, websocket: WebSocket, slots: asyncio.Semaphore):
        self.websocket = websocket
        self.slots = slots
        self.session: Session | None = None
        self.upload = None
        self.playing = asyncio.Event()
        self.lock = asyncio.Lock()

    async def send(self, message: dict) -> None:
        try:
            text = json.dumps(message, allow_nan=False)
        except ValueError:  # a non-finite number: strict JSON has none, the page shows null as "–"
            text = json.dumps(strict_json(message), allow_nan=False)
        await self.websocket.send_text(text)

    async def send_state(self) -> None:
        async with self.lock:  # the network's caches belong to one computation at a time
            if self.session is None:
                raise SettingsError("no run yet: send 'configure' first")
            snapshot = await asyncio.to_thread(self.session.snapshot)
        await self.send({"type": "state", "playing": self.playing.is_set(), **snapshot})

    async def train(self) -> None:
        """This connection's training loop: a slice of training, a picture, again, while playing.
        Each slice takes one of the server's training slots, so connections beyond the number of
        cores take turns instead of starving each other (and the replies to their messages)."""
        while True:
            await self.playing.wait()
            try:
                if self.slots.locked():
                    await self.send({"type": "queued", "message": "all training slots are busy: this run "
                                                                  "trains as soon as one is free"})
                async with self.slots, self.lock:
                    if self.session is not None and self.playing.is_set():
                        await asyncio.to_thread(self.session.run, FRAME_SECONDS)
                await self.send_state()
            except Exception as error:
                if isinstance(error, WebSocketDisconnect) or _gone(self.websocket):
                    return  # the page went away: nothing to say, nobody to say it to
                self.playing.clear()
                if not isinstance(error, (ValueError, ArithmeticError)):  # a bug of ours: log it
                    traceback.print_exc(file=sys.stderr)
                await self.send({"type": "error", "message": f"training stopped: {str(error)[:400]}"})
            await asyncio.sleep(0)

    async def handle(self, text: str) -> None:
        if len(text) > MAX_MESSAGE:
            raise SettingsError(f"message: larger than {MAX_MESSAGE:,} characters")
        try:
            message = json.loads(text)
        except json.JSONDecodeError:
            raise SettingsError("message: not valid JSON") from None
        except RecursionError:
            raise SettingsError("message: nested too deeply") from None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise SettingsError("message: expected an object with a 'type'")
        kind = message["type"]
        async with self.lock:
            if kind == "configure":
                settings = validate_settings(message.get("settings", {}))
                self.session = await asyncio.to_thread(Session, settings, self.upload)
            elif kind == "upload":
                self.upload = await asyncio.to_thread(parse_upload, message.get("csv"))
                settings = self.session.settings if self.session else Settings()
                classification = {"problem": "classification"} if settings.problem == "classification" else \
                    {"problem": "classification", "loss": Settings().loss}  # an upload holds class labels
                settings = replace(settings, dataset="upload", **classification)  # valid already: no second check
                self.session = await asyncio.to_thread(Session, settings, self.upload)
            elif kind == "reset":
                settings = self.session.settings if self.session else Settings()
                self.session = await asyncio.to_thread(Session, settings, self.upload)
            elif kind == "play":
                self._require_session()
                self.playing.set()
            elif kind == "pause":
                self._require_session()
                self.playing.clear()
            elif kind == "step":
                self._require_session()
                self.playing.clear()
                await asyncio.to_thread(self.session.step)
            elif kind == "download":
                data = await asyncio.to_thread(self._require_session().model_file)
                await self.send({"type": "model", "filename": "playground.npz",
                                 "data": base64.b64encode(data).decode("ascii")})
                return
            elif kind == "export":
                await self.send({"type": "weights", "filename": "playground-weights.json",
                                 "data": self._require_session().weights_json()})
                return
            else:
                raise SettingsError(f"type: unknown message type {kind!r}")
        await self.send_state()

    def _require_session(self) -> Session:
        if self.session is None:
            raise SettingsError("no run yet: send 'configure' first")
        return self.session


def same_origin(websocket: WebSocket) -> bool:
    """True when the connection comes from the page this server serves: its Origin has the
    scheme of this connection (http for ws, https for wss) and the host and port its Host header
    names (which ``HostCheck`` has checked); or from a client that sends no Origin at all (a
    script; browsers always send one)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    scheme = "https" if websocket.url.scheme == "wss" else "http"
    default = 443 if scheme == "https" else 80
    # the Origin's host and port read as the Host header's are: one parser for both
    page, host = _split_host(parts.netloc), _split_host(websocket.headers.get("host", ""))
    if parts.scheme != scheme or page is None or host is None or parts.path not in ("", "/"):
        return False
    return page[0] == host[0] and (page[1] or default) == (host[1] or default)


async def websocket_endpoint(websocket: WebSocket) -> None:
    if not same_origin(websocket):  # policy violation: another site's page
        origin = websocket.headers.get("origin", "")[:60]
        await websocket.close(code=1008, reason=close_reason(f"Origin {origin!r} is not this page's (its scheme, "
                                                             "host and port)"))
        return
    await websocket.accept()
    connection = Connection(websocket, websocket.app.state.training_slots)
    await connection.send({"type": "hello", "limits": LIMITS, "menus": menus(), "defaults": asdict(Settings())})
    trainer = asyncio.create_task(connection.train())
    try:
        while True:
            frame = await websocket.receive()
            if frame["type"] == "websocket.disconnect":
                break
            if frame.get("text") is None:
                await connection.send({"type": "error", "message": "message: binary frames are not accepted; "
                                                                   "send JSON text"})
                continue
            try:
                await connection.handle(frame["text"])
            except Exception as error:
                if isinstance(error, WebSocketDisconnect) or _gone(websocket):
                    break  # the page went away mid-reply: not an error of ours, nothing to log
                if isinstance(error, (SettingsError, ValueError, ArithmeticError)):
                    await connection.send({"type": "error", "message": str(error)[:500]})
                    continue
                traceback.print_exc(file=sys.stderr)  # a bug of ours: report it here, keep serving this page
                await connection.send({"type": "error", "message": f"internal error ({type(error).__name__}); "
                                                                   "the server logged it"})
    except WebSocketDisconnect:
        pass
    except Exception:
        if not _gone(websocket):
            raise
    finally:
        connection.playing.clear()
        trainer.cancel()


def create_app(training_slots: int | None = None, allowed: Iterable[str] | None = None) -> Starlette:
    """The playground's app. ``training_slots``: how many training loops run at once (default: one
    per CPU core); the other playing connections wait their turn. ``allowed``: the host names
    it answers to (default ``allowed_hosts()``: 127.0.0.1, localhost and ::1)."""
    slots = training_slots or os.cpu_count() or 1
    app = Starlette(routes=[
        Route("/", index),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        WebSocketRoute("/ws", websocket_endpoint),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ], middleware=[Middleware(HostCheck, allowed=allowed_hosts() if allowed is None else allowed)])
    app.state.training_slots = asyncio.Semaphore(slots)
    return app


def page_url(host: str, port: int) -> str:
    """The address of the page served on ``host``:``port`` (127.0.0.1 for a wildcard address)."""
    name = "127.0.0.1" if host in WILDCARD_ADDRESSES else host_name(host)
    return f"http://{f'[{name}]' if ':' in name else name}:{port}/"


def config(host: str = "127.0.0.1", port: int = 8000, allowed: Iterable[str] = (), **options: Any) -> Any:
    """The ``uvicorn.Config`` that ``serve`` runs: the app answering to ``allowed_hosts(allowed,
    host)``, frames up to ``MAX_FRAME`` bytes."""
    import uvicorn

    app = create_app(allowed=allowed_hosts(allowed, bound=host))
    return uvicorn.Config(app, host=host, port=port, ws_max_size=MAX_FRAME,
                          **{"log_level": "warning", **options})


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True, allowed: Iterable[str] = ()) -> None:
    """Run the playground until interrupted; opens the page in the default browser. ``allowed``:
    host names to answer to besides the local ones and ``host`` (``--allowed-host``)."""
    import uvicorn

    server = uvicorn.Server(config(host, port, allowed))
    url = page_url(host, port)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    print(f"neuronet playground on {url} (Ctrl+C to stop)")
    server.run()
