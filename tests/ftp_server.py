"""A real FTP server on loopback for tests (pyftpdlib over one folder)."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

with warnings.catch_warnings():
    # pyftpdlib runs on the standard library's asyncore/asynchat, deprecated since 3.6 and
    # warned about on import in 3.11 (on 3.12+ pyftpdlib pulls in pyasyncore instead)
    warnings.simplefilter("ignore", DeprecationWarning)
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

USER, PASSWORD = "landlord", "ftp-s3cret"


@contextmanager
def ftp_server(root: Path) -> Iterator[int]:
    """Serve ``root`` as ``USER``'s home (read and delete) on a free loopback port; yield it."""
    authorizer = DummyAuthorizer()
    authorizer.add_user(USER, PASSWORD, str(root), perm="elrd")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer})
    handler.auth_failed_timeout = 0  # answer a wrong password at once, not after 3 s
    server = FTPServer(("127.0.0.1", 0), handler)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            server.serve_forever(timeout=0.05, blocking=False)
        server.close_all()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield server.address[1]
    finally:
        stop.set()
        thread.join()
