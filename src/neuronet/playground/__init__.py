"""The playground: watch a network learn in the browser, driven by the real engine.

``neuronet playground`` starts ``server.create_app()`` on 127.0.0.1; ``session.py`` holds
the training run of one connection; ``static/`` is the page (plain HTML, CSS and
JavaScript, nothing loaded from elsewhere). Needs ``pip install "neuronet[playground]"``.
"""

from .session import LIMITS, Session, Settings, SettingsError, parse_upload, validate_settings

__all__ = ["LIMITS", "Session", "Settings", "SettingsError", "parse_upload", "validate_settings", "create_app",
           "serve"]


def create_app():
    from .server import create_app as _create_app

    return _create_app()


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True) -> None:
    from .server import serve as _serve

    _serve(host=host, port=port, open_browser=open_browser)
