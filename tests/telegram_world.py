"""rentflow and the Telegram Bot API emulator served on one loopback port (as ``rentflow
serve`` mounts them in the sandbox), with a portal and one signed lease: the ground of the
end-to-end Telegram tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import requests
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from backend.bootstrap import Container, bootstrap
from backend.config import SANDBOX_TELEGRAM_BOT, SANDBOX_TELEGRAM_TOKEN, Settings
from backend.domain.lease import LeaseStatus
from backend.ports import FixedClock
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from backend.web.app import create_app
from sandbox.loopback import free_port, serve
from sandbox.mount import telegram_app
from tests import factories


@dataclass(frozen=True)
class Served:
    container: Container
    url: str
    portal_id: int
    tenant_id: int


@contextmanager
def telegram_served(
    settings: Settings, clock: FixedClock, external_id: str, **lease: Any
) -> Iterator[Served]:
    """A container with the bot set up, a Bitrix24 portal ``external_id`` with a signed
    lease (``factories.lease(**lease)``), and both apps served; disposed on leaving."""
    port = free_port()
    sandboxed = replace(
        settings, public_base_url=f"http://127.0.0.1:{port}", telegram_enabled=True,
        telegram_bot_token=SANDBOX_TELEGRAM_TOKEN, telegram_bot_username=SANDBOX_TELEGRAM_BOT,
    )  # fmt: skip
    container = bootstrap(sandboxed, clock=clock, crm_factories={})
    app = create_app(container=container)
    bot = telegram_app(sandboxed)
    with container.uow() as uow:
        portal = install_portal(uow, clock, kind="bitrix24", external_id=external_id)
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        tenant_id = register_lease(
            uow, clock, factories.lease(status=LeaseStatus.SIGNED, **lease)
        ).tenant_id
        uow.commit()
    try:
        with serve(DispatcherMiddleware(app, {bot.prefix: bot.app}), port=port) as url:
            yield Served(container, url, portal.id, tenant_id)
    finally:
        container.dispose()


def press_start(url: str, code: str, user: int) -> None:
    """The Telegram user ``user`` sends the bot ``/start <code>``; the webhook took it."""
    answer = requests.post(
        f"{url}/sandbox/telegram/_sandbox/users/{user}/messages",
        json={"text": f"/start {code}", "username": "vasilek_buh"}, timeout=10,
    )  # fmt: skip
    assert answer.json()["webhook"] == 200
