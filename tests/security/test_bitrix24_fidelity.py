"""Issue 14, "checked against the platforms' own documentation": what a real portal refuses,
the emulated one refuses too, and rentflow asks for it the documented way."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests

from backend.bootstrap import bootstrap
from backend.config import BITRIX24_PORTAL_DOMAINS, Settings
from backend.ports import FixedClock
from backend.web.app import create_app
from crm_mappings.bitrix24.setup import SCOPES
from jobs.schedule import beat_schedule
from sandbox.bitrix24.app import create_emulator
from sandbox.bitrix24.state import PortalState
from tests.loopback import serve
from tests.security.bitrix24_world import World, world, world_settings

__all__ = ["world"]  # the fixture

WITHOUT_USER = tuple(s for s in SCOPES if s not in {"user", "user_brief", "user_basic"})


@pytest.fixture
def narrow_portal() -> Iterator[tuple[PortalState, str]]:
    """A portal whose app card grants rentflow's scopes without a user scope."""
    state = PortalState(scope=WITHOUT_USER)
    with serve(create_emulator(state)) as url:
        yield state, url


def test_a_method_outside_the_apps_scopes_gets_403_insufficient_scope(
    narrow_portal: tuple[PortalState, str],
) -> None:
    state, url = narrow_portal
    token = state.issue_tokens()["access_token"]

    alone = requests.post(f"{url}/rest/user.current", json={"auth": token}, timeout=10)
    batched = requests.post(
        f"{url}/rest/batch",
        json={"auth": token, "cmd": {"me": "user.current", "info": "app.info"}},
        timeout=10,
    ).json()["result"]

    assert (alone.status_code, alone.json()["error"]) == (403, "insufficient_scope")
    assert batched["result_error"]["me"]["error"] == "insufficient_scope"
    assert batched["result"]["info"]["CODE"] == state.client_id  # basic: no scope needed


def test_rentflows_declared_scopes_cover_the_install(world: World) -> None:
    assert world.install().status_code == 200
    assert "user.current" in world.portal.inner_calls  # granted by user_basic


MARKET_CLIENT_ID = "app.573ad8a0346747.09223434"  # the client_id of settings/oauth/index.md


@pytest.fixture
def market_portal(clock: FixedClock) -> Iterator[tuple[PortalState, str]]:
    """A Market app's portal: app.info's CODE is ``vendor.appname``, not the client id."""
    state = PortalState(
        client_id=MARKET_CLIENT_ID, client_secret="x", app_code="rentflow.lease",
        now=lambda: clock.now().timestamp(),
    )  # fmt: skip
    with serve(create_emulator(state)) as url:
        yield state, f"{url}/"


@pytest.mark.parametrize(("app_code", "status"), [("", 401), ("rentflow.lease", 200)])
def test_a_market_app_is_recognised_by_its_app_code_not_its_client_id(
    settings: Settings, clock: FixedClock, market_portal: tuple[PortalState, str],
    app_code: str, status: int,
) -> None:  # fmt: skip
    state, url = market_portal
    configured = replace(
        world_settings(settings, url, bitrix24_client_id=MARKET_CLIENT_ID,
                       bitrix24_app_code=app_code),
        sandbox=True,
    )  # fmt: skip
    container = bootstrap(configured, clock=clock)
    web = create_app(container=container).test_client()
    tokens = state.issue_tokens()
    try:
        answer = web.post(
            f"/bitrix24/install?DOMAIN={url.removeprefix('http://').rstrip('/')}&PROTOCOL=0",
            data={"AUTH_ID": tokens["access_token"], "REFRESH_ID": tokens["refresh_token"],
                  "SERVER_ENDPOINT": f"{url}rest/", "member_id": state.member_id,
                  "APPLICATION_TOKEN": state.application_token},
        )  # fmt: skip
    finally:
        container.dispose()

    assert answer.status_code == status


def test_the_trust_settings_come_from_the_environment_with_safe_defaults() -> None:
    default = Settings.from_env({"SECRET_KEY": "k", "FERNET_KEY": "f"})
    custom = Settings.from_env({
        "SECRET_KEY": "k", "FERNET_KEY": "f",
        "BITRIX24_PORTAL_DOMAINS": "*.bitrix24.ru, CRM.Example.com",
        "BITRIX24_APP_CODE": "vendor.rentflow", "BITRIX24_EVENT_MAX_AGE": "600",
        "BITRIX24_OAUTH_URL": "https://oauth.bitrix24.tech/oauth/token/", "RENTFLOW_SANDBOX": "0",
    })  # fmt: skip

    assert default.bitrix24_portal_domains == BITRIX24_PORTAL_DOMAINS
    assert "*.bitrix24.de" in default.bitrix24_portal_domains
    assert custom.bitrix24_portal_domains == ("*.bitrix24.ru", "crm.example.com")
    assert (custom.bitrix24_app_code, custom.bitrix24_event_max_age) == ("vendor.rentflow", 600)
    assert custom.bitrix24_token_url == "https://oauth.bitrix24.tech/oauth/token/"
    production = replace(default, sandbox=False, bitrix24_oauth_url="")
    assert production.bitrix24_token_url == "https://oauth.bitrix.info/oauth/token/"


def test_the_beat_re_reads_changed_deals_every_15_minutes_by_default(settings: Settings) -> None:
    entry = beat_schedule(settings)["bitrix24-resync"]

    assert (entry["task"], entry["schedule"]) == ("jobs.tasks.bitrix24_resync", 900.0)
    assert "bitrix24-resync" not in beat_schedule(replace(settings, bitrix24_resync_minutes=0))
