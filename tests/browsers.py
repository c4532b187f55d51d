"""What the tests that drive a real browser or the playground's real server share: Chromium (from
Debian's package, never a download), a page that records every request and lets through only the
ones a test allows, and a playground server started as ``neuronet playground`` starts it."""

import contextlib
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@contextlib.contextmanager
def chromium():
    """A headless Chromium for Playwright (``.ci/system-packages`` installs it with apt-get)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"Chromium not found ({CHROMIUM}): run .ci/system-packages (apt-get install chromium)"
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield instance
        finally:
            instance.close()


@dataclass
class Traffic:
    """What a page asked for: every URL, those refused as leaving the machine, failed loads and
    script errors."""
    requests: list = field(default_factory=list)
    outside: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def offline_page(browser, allowed: Callable[[str], bool]):
    """(context, page, traffic): a new page whose requests go through only where ``allowed(url)``;
    any other is aborted and recorded in ``traffic.outside``."""
    context, traffic = browser.new_context(), Traffic()

    def route(request_route):
        url = request_route.request.url
        traffic.requests.append(url)
        if allowed(url):
            request_route.continue_()
        else:
            traffic.outside.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda error: traffic.errors.append(str(error)))
    page.on("requestfailed", lambda request: traffic.failed.append(request.url))
    return context, page, traffic


@contextlib.contextmanager
def playground_server():
    """(uvicorn server, port): the playground as ``serve`` configures it, on a free port of 127.0.0.1."""
    import uvicorn

    from neuronet.playground.server import config

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    instance = uvicorn.Server(config("127.0.0.1", port))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:  # a deadline, not a measured time: started is set once it listens
        assert time.monotonic() < deadline, "the playground server did not start"
        time.sleep(0.05)
    try:
        yield instance, port
    finally:
        instance.should_exit = True
        thread.join(timeout=30)
