"""A training run as one self-contained HTML page: settings, final metrics, learning curves,
the confusion matrix, the network, and for 2-D data the decision regions.

Figures are embedded as base64 PNG data URIs, so the page needs nothing else: no
script, no stylesheet or image from anywhere. Written by ``neuronet train --report run.html``
or ``write_report``.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .atomic import atomic_write

__all__ = ["write_report", "render_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; } td, th { padding: 0.2em 1em 0.2em 0; text-align: left; vertical-align: top; }
th { color: #555; font-weight: normal; } img { max-width: 100%; }
.metrics td { font-size: 1.3em; font-weight: bold; }
"""


def _figure_data_uri(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _table(rows: dict[str, Any], css_class: str = "") -> str:
    cells = "".join(f"<tr><th>{html.escape(str(key))}</th><td>{html.escape(str(value))}</td></tr>"
                    for key, value in rows.items())
    return f'<table class="{css_class}">{cells}</table>'


def render_report(net: Any, history: Any, data: dict[str, Any], metrics: dict[str, float],
                  settings: dict[str, Any]) -> str:
    """The report's HTML as a string."""
    from . import plot

    sections = [("Learning curves", plot.history(history))]
    X_test, y_test = data["X_test"], data["y_test"]
    in_memory = X_test is not None  # a streamed table's test part is read in batches, not held
    if (net.loss is None or net.loss.is_classification) and in_memory:
        sections.append(("Confusion matrix (test set)", plot.confusion_matrix(net, X_test, y_test)))
        if X_test.shape[1] == 2 and getattr(net, "encoder", None) is None:
            sections.append(("Decision regions (test set)", plot.decision_boundary(net, X_test, y_test)))
    sections.append(("Network", plot.network(net)))
    shown = {key: value for key, value in settings.items()
             if key not in ("handler", "command") and value not in (None, False)}
    title = f"neuronet run: {data.get('source', '')}"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} &middot; "
        f"{len(history.epoch)} epochs &middot; {net.n_parameters:,} parameters &middot; "
        f"{_rows(data, 'train'):,} training and {_rows(data, 'test'):,} test samples</p>",
        "<h2>Test metrics</h2>", _table({k: f"{v:.4f}" for k, v in metrics.items()}, "metrics"),
        "<h2>Settings</h2>", _table(shown),
        "<h2>Architecture</h2>", f"<pre>{html.escape(net.summary())}</pre>",
    ]
    encoder = getattr(net, "encoder", None)
    if encoder is not None:  # what the table's columns became
        parts += ["<h2>Table encoding</h2>", f"<pre>{html.escape(chr(10).join(encoder.describe()))}</pre>"]
    for heading, figure in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(f'<img alt="{html.escape(heading)}" src="{_figure_data_uri(figure)}">')
    parts.append("</body></html>")
    return "\n".join(parts)


def _rows(data: dict[str, Any], part: str) -> int:
    """The rows of the training or test part: its array's, or the count a streamed table gives."""
    array = data.get(f"X_{part}")
    return len(array) if array is not None else int(data.get(f"n_{part}") or 0)


def write_report(path: str | Path, net: Any, history: Any, data: dict[str, Any], metrics: dict[str, float],
                 settings: dict[str, Any]) -> Path:
    """Render and write the report atomically; returns the path."""
    path = Path(path)
    text = render_report(net, history, data, metrics, settings)
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
