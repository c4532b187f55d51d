"""The playground: watch a network learn in the browser, driven by the real engine.

``neuronet playground`` starts ``server.create_app()`` on 127.0.0.1; it answers only to
the local host names and those given with ``--allowed-host``. ``settings.py``
validates what the page sends and lists its menus (from the registries); ``session.py``
holds the training run of one connection (the engine's ``Trainer``, a step at a time);
``render.py`` makes what the page draws; ``static/`` is the page (plain HTML, CSS and
JavaScript, nothing loaded from elsewhere). Needs ``pip install "neuronet[playground]"``.
"""

from .session import Session
from .settings import (
    LIMITS,
    Settings,
    SettingsError,
    menus,
    parse_upload,
    validate_settings,
)

__all__ = ["LIMITS", "Session", "Settings", "SettingsError", "parse_upload", "validate_settings", "menus",
           "create_app", "serve"]


def create_app():
    from .server import create_app as _create_app

    return _create_app()


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True, allowed: tuple = ()) -> None:
    """Serve the playground on ``host``:``port``; ``allowed``: host names besides the local ones
    and ``host`` that requests may name (``--allowed-host``)."""
    from .server import serve as _serve

    _serve(host=host, port=port, open_browser=open_browser, allowed=allowed)
