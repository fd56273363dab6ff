"""rentflow and an emulated Bitrix24 portal, both on loopback HTTP, with a real Celery worker."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
import requests
from celery import Celery

from backend.bootstrap import Container, bootstrap
from backend.config import Settings
from backend.ports import FixedClock
from backend.web.app import create_app
from jobs import runtime
from jobs.celery_app import make_celery
from sandbox.bitrix24.app import create_emulator
from sandbox.bitrix24.state import PortalState
from sandbox.loopback import free_port, serve
from tests.celery_worker import running_worker


@dataclass
class World:
    container: Container
    portal: PortalState
    portal_url: str  # the emulated portal
    app_url: str  # rentflow
    celery: Celery  # sends tasks to the running worker

    def act(self, path: str, **body: Any) -> dict[str, Any]:
        """Make the portal act (``/_portal/...``) and return its JSON answer."""
        answer = requests.post(f"{self.portal_url}_portal/{path}", json=body, timeout=60)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result


def wait_for(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll ``check`` until it returns something truthy (the worker runs asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


@pytest.fixture
def world(settings: Settings, clock: FixedClock) -> Iterator[World]:
    port, portal_port = free_port(), free_port()
    portal_url = f"http://127.0.0.1:{portal_port}/"
    settings = replace(
        settings, public_base_url=f"http://127.0.0.1:{port}", sandbox=True,
        bitrix24_portal_domains=("127.0.0.1:*",), bitrix24_oauth_url=f"{portal_url}oauth/token/",
    )  # fmt: skip
    container = bootstrap(settings, clock=clock)  # the real CRM factories
    runtime.set_container(container)
    portal = PortalState(
        client_id=settings.bitrix24_client_id, client_secret=settings.bitrix24_client_secret,
        app_url=settings.public_base_url, now=lambda: clock.now().timestamp(),
    )  # fmt: skip
    app = create_app(container=container)
    worker_app = make_celery(settings)
    try:
        with (
            serve(create_emulator(portal), port=portal_port),
            serve(app, port=port) as app_url,
            running_worker(worker_app),
        ):
            yield World(container, portal, portal_url, f"{app_url}/", worker_app)
    finally:
        runtime.set_container(None)
        container.dispose()
