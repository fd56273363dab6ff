"""The 1C emulator on loopback HTTP (user ``buh``, password ``secret``), per test."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from sandbox.onec.odata_app import create_onec_app
from sandbox.onec.store import OneCStore, demo_store


@pytest.fixture
def store() -> OneCStore:
    return demo_store()


@pytest.fixture
def base_url(store: OneCStore) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, create_onec_app(store, user="buh", password="secret"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/odata/standard.odata"
    server.shutdown()
    thread.join()
