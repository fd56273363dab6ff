"""Serve a WSGI app on 127.0.0.1 in a thread (tests and `rentflow demo` need real HTTP)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server


@contextmanager
def serve(app: Any, port: int = 0) -> Iterator[str]:
    """Yield the base URL of ``app`` (no trailing slash) served on loopback, on ``port`` or a
    free one (threaded)."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a server that must know it up front)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
