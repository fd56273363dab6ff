"""Serve a WSGI app on 127.0.0.1 in a thread (tests and `rentflow demo` need real HTTP)."""

from __future__ import annotations

import secrets
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


# Below Linux's ephemeral range (32768-60999), which the kernel draws from both for port 0
# and for every outgoing connection: a port found free there can be taken by a client socket
# before the server binds it (it happened in CI: "Address already in use").
_OWN_PORTS = range(20000, 32768)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a server that must know it up front),
    outside the range outgoing connections take their ports from."""
    for _ in range(200):
        port = secrets.choice(_OWN_PORTS)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port on 127.0.0.1 in {_OWN_PORTS.start}-{_OWN_PORTS.stop - 1}")
