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

Replies: ``hello`` (limits, the menus' names from the registries, the defaults), ``state`` (what to draw), ``error`` (a message
to show; the connection stays open), ``queued`` (all training slots are busy: this
connection trains as soon as one frees), ``model``, ``weights``.

What is guaranteed, whatever a client sends:

- every message gets a normal reply or an ``error`` reply, and the connection goes on:
  invalid JSON, JSON nested thousands deep, binary frames, numbers of any size,
  oversized fields, unknown types; nothing a message holds reaches another connection;
- a WebSocket whose ``Origin`` is not the page's own is refused (a page elsewhere
  cannot drive a playground running on this machine); clients that send no Origin
  (scripts, tests) are served;
- at most one training loop per CPU core runs at a time (``slots``); the others wait
  their turn, slice by slice, and are told they are queued; each loop stops when its
  connection closes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import threading
import traceback
import webbrowser
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

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
FRAME_SECONDS = 0.1      # how long the loop trains between two pictures


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
        await self.websocket.send_text(json.dumps(message, allow_nan=False))

    async def send_state(self) -> None:
        async with self.lock:  # the network's caches belong to one computation at a time
            if self.session is None:
                return
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
            except (ValueError, ArithmeticError) as error:  # a run that cannot go on: say so, pause
                self.playing.clear()
                await self.send({"type": "error", "message": f"training stopped: {error}"})
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
                settings = validate_settings({**asdict(settings), "dataset": "upload"})
                self.session = await asyncio.to_thread(Session, settings, self.upload)
            elif kind == "reset":
                settings = self.session.settings if self.session else Settings()
                self.session = await asyncio.to_thread(Session, settings, self.upload)
            elif kind == "play":
                self._require_session()
                self.playing.set()
            elif kind == "pause":
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
    """True when the connection comes from the page this server serves (its Origin names the Host it
    asked for), or from a client that sends no Origin at all (a script; browsers always send one)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    try:
        return urlsplit(origin).netloc.lower() == websocket.headers.get("host", "").lower() != ""
    except ValueError:
        return False


async def websocket_endpoint(websocket: WebSocket) -> None:
    if not same_origin(websocket):
        await websocket.close(code=1008)  # policy violation: another site's page
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
            except (SettingsError, ValueError, ArithmeticError) as error:
                await connection.send({"type": "error", "message": str(error)[:500]})
            except Exception as error:  # a bug of ours: report it here, keep serving this page
                traceback.print_exc(file=sys.stderr)
                await connection.send({"type": "error", "message": f"internal error ({type(error).__name__}); "
                                                                   "the server logged it"})
    except WebSocketDisconnect:
        pass
    finally:
        connection.playing.clear()
        trainer.cancel()


def create_app(training_slots: int | None = None) -> Starlette:
    """The playground's app. ``training_slots``: how many training loops run at once (default: one
    per CPU core); the other playing connections wait their turn."""
    slots = training_slots or os.cpu_count() or 1
    app = Starlette(routes=[
        Route("/", index),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        WebSocketRoute("/ws", websocket_endpoint),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ])
    app.state.training_slots = asyncio.Semaphore(slots)
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True) -> None:
    """Run the playground until interrupted; opens the page in the default browser."""
    import uvicorn

    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    print(f"neuronet playground on {url} (Ctrl+C to stop)")
    uvicorn.run(create_app(), host=host, port=port, log_level="warning", ws_max_size=2 * MAX_MESSAGE)
