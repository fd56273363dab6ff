"""The emulated amoCRM account and rentflow served side by side on loopback (e2e fixture)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from backend.bootstrap import Container, bootstrap
from backend.config import Settings
from backend.ports import FixedClock
from backend.queued_tasks import DEAL_ACTION, DEAL_CHANGED
from backend.services.leases import register_lease
from backend.web.app import create_app
from crm_mappings.amocrm.disposable_token import audience_for, issue_widget_token
from crm_mappings.amocrm.signing import account_secret
from jobs import tasks
from jobs.runtime import set_container
from sandbox.amocrm.app import create_emulator
from sandbox.amocrm.state import AmoAccount
from tests import factories
from tests.loopback import serve

PIPELINE = "7001"


@dataclass
class World:
    account: AmoAccount
    container: Container
    rentflow: str
    queued: list[tuple[Any, ...]]
    clock: FixedClock
    app: Any = None
    amo: str = ""  # the emulated account's base URL

    def amo_get(self, portal_id: int, path: str) -> Any:
        """Read the account back over HTTP with the portal's stored access token."""
        token = self.container.token_store(portal_id).load().access_token
        for _ in range(5):
            answer = requests.get(
                f"{self.amo}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
            if answer.status_code != 429:
                break
            # the worker's calls just filled the account's 7-a-second window: wait it out
            time.sleep(1.0)
        assert answer.status_code in (200, 204), answer.text
        return answer.json() if answer.status_code == 200 else None

    def web_get(self, path: str) -> Any:
        """Call rentflow's widget API as the widget does (a fresh one-time token)."""
        answer = requests.get(
            f"{self.rentflow}{path}", headers={"X-Auth-Token": self.token()}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def token(self, **overrides: Any) -> str:
        values: dict[str, Any] = {
            "secret": self.container.settings.amocrm_client_secret,
            "audience": audience_for(self.rentflow),
            "account_id": str(self.account.account_id),
            "user_id": "9001",
            "subdomain": self.account.subdomain,
            "now": self.clock.now(),
        }
        values.update(overrides)
        return issue_widget_token(**values)

    @property
    def webhook_url(self) -> str:
        """The webhook address rentflow registered on the account at install."""
        (url,) = self.account.webhook_urls
        return url

    def dp_settings(self, action: str) -> dict[str, str]:
        """The digital-pipeline action's settings as the widget saves them (with the
        account's token ``dpSettings`` fetched)."""
        key = self.container.settings.secret_key
        return {"action": action, "token": account_secret(key, str(self.account.account_id), "dp")}

    def run_queued(self) -> None:
        set_container(self.container)
        try:
            while self.queued:
                name, *args = self.queued.pop(0)
                runners = {
                    DEAL_CHANGED: tasks.crm_deal_changed,
                    DEAL_ACTION: tasks.amocrm_dp_action,
                }
                runners[name](*args)
        finally:
            set_container(None)


class _Dispatch:
    """A WSGI app whose target is set once the server's port (and so the settings) is known."""

    def __init__(self) -> None:
        self.target: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.target(environ, start_response)


@pytest.fixture
def world(settings: Settings, clock: FixedClock) -> Iterator[World]:
    account = AmoAccount()
    queued: list[tuple[Any, ...]] = []
    dispatch = _Dispatch()
    with serve(create_emulator(account)) as amo_url, serve(dispatch) as rentflow_url:
        account.redirect_uri = f"{rentflow_url}/amocrm/oauth"
        real = settings.with_(
            sandbox=True,
            amocrm_base_url=amo_url,
            amocrm_client_id=account.client_id,
            amocrm_client_secret=account.client_secret,
            public_base_url=rentflow_url,
        )
        container = bootstrap(real, clock=clock)
        app = create_app(container=container)
        container.task_sender = lambda *call: queued.append(call)
        dispatch.target = app
        yield World(account, container, rentflow_url, queued, clock, app, amo_url)
        container.dispose()


def install(world: World) -> int:
    """Install as the admin does: rentflow's install page, the account's authorization page,
    back to rentflow's redirect_uri with code, referer and state (redirects followed)."""
    answer = requests.get(f"{world.rentflow}/amocrm/install", timeout=30)
    assert answer.status_code == 200, answer.text
    portal_id: int = answer.json()["portal_id"]
    return portal_id


def lease_on_lead(world: World, portal_id: int, lead_id: int, **overrides: Any) -> int:
    with world.container.uow(portal_id) as uow:
        registered = register_lease(
            uow,
            world.clock,
            factories.lease(**overrides),
            crm_deal_id=str(lead_id),
            crm_pipeline_id=PIPELINE,
        )
        uow.commit()
    return int(registered.lease_id)
