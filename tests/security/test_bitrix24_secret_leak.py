"""Issue 14, break 2 ("the Bitrix24 client secret goes to any host, plus blind SSRF"), replayed
as found: anyone "installs" a fake portal whose DOMAIN and SERVER_ENDPOINT are the attacker's
host, then waits for the token refresh, which carried client_secret to SERVER_ENDPOINT."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlparse

import pytest

from backend.bootstrap import bootstrap
from backend.config import BITRIX24_PORTAL_DOMAINS, Settings
from backend.ports import FixedClock
from backend.web.app import create_app
from tests.security.bitrix24_world import SECRET, World, world

__all__ = ["world"]  # the fixture


def _attack_form(world: World) -> dict[str, str]:
    return {
        "AUTH_ID": "attacker-token", "AUTH_EXPIRES": "3600", "REFRESH_ID": "attacker-refresh",
        "SERVER_ENDPOINT": f"{world.attacker_url}/rest/", "member_id": "attacker-member",
        "status": "L", "PLACEMENT": "DEFAULT", "APPLICATION_TOKEN": "attacker-app-token",
    }  # fmt: skip


def _portal_rows(world: World) -> int:
    with world.container.uow() as uow:
        return len(uow.portals.list(active_only=False))


def test_a_fake_portal_on_the_attackers_host_is_refused_without_calling_it(
    world: World,
) -> None:
    attacker_domain = urlparse(world.attacker_url).netloc

    answer = world.web.post(
        f"/bitrix24/install?DOMAIN={attacker_domain}&PROTOCOL=0", data=_attack_form(world)
    )

    assert answer.status_code == 401
    assert _portal_rows(world) == 0
    assert world.attacker.seen == []  # not even app.info: no blind SSRF either


def test_production_refuses_a_plain_http_portal_and_any_domain_outside_the_bitrix24_zones(
    settings: Settings, clock: FixedClock, world: World
) -> None:
    production = replace(
        settings, sandbox=False, bitrix24_client_secret=SECRET,
        bitrix24_portal_domains=BITRIX24_PORTAL_DOMAINS,
    )  # fmt: skip
    container = bootstrap(production, clock=clock)
    web = create_app(container=container).test_client()
    attacker_domain = urlparse(world.attacker_url).netloc
    try:
        answers = [
            web.post(f"/bitrix24/install?DOMAIN={domain}&PROTOCOL={protocol}", data=form)
            for domain, protocol, form in [
                (attacker_domain, "0", _attack_form(world)),
                (attacker_domain, "1", _attack_form(world)),
                ("evil.example/x.bitrix24.ru", "1", _attack_form(world)),
                ("portal.bitrix24.ru.evil.example", "1", _attack_form(world)),
                ("portal.bitrix24.ru", "0", _attack_form(world)),
            ]
        ]
        with container.uow() as uow:
            rows = len(uow.portals.list(active_only=False))
    finally:
        container.dispose()

    assert [a.status_code for a in answers] == [401] * 5
    assert rows == 0
    assert world.attacker.seen == []


def test_a_real_portal_reporting_the_attackers_server_endpoint_is_not_installed(
    world: World,
) -> None:
    answer = world.install(SERVER_ENDPOINT=f"{world.attacker_url}/rest/")

    assert answer.status_code == 401
    assert world.stored() is None
    assert world.portal.events == []  # nothing was bound on the portal either
    assert world.attacker.seen == []


def test_an_onappinstall_event_naming_the_attackers_endpoint_is_refused(world: World) -> None:
    tokens = world.portal.issue_tokens()
    domain = urlparse(world.portal_url).netloc

    answer = world.web.post(
        "/bitrix24/events",
        data={
            "event": "ONAPPINSTALL", "ts": world.ts,
            "auth[domain]": domain, "auth[member_id]": world.portal.member_id,
            "auth[client_endpoint]": f"{world.attacker_url}/rest/",
            "auth[server_endpoint]": f"{world.attacker_url}/rest/",
            "auth[access_token]": tokens["access_token"],
            "auth[refresh_token]": tokens["refresh_token"],
            "auth[application_token]": world.portal.application_token,
        },
    )  # fmt: skip

    assert answer.status_code == 401
    assert world.stored() is None
    assert world.attacker.seen == []


def test_the_refresh_goes_to_the_configured_oauth_server_whatever_the_portal_stored(
    world: World,
) -> None:
    portal = world.installed()
    assert portal.id is not None
    store = world.container.token_store(portal.id)
    tokens = store.load()
    # even endpoints planted in the stored tokens do not choose where the secret goes
    planted = {**tokens.extra, "server_endpoint": f"{world.attacker_url}/rest/"}
    store.save(replace(tokens, extra=planted, expires_at=world.container.clock.now()))

    world.portal.add_deal({"title": "x"})
    world.container.crm(portal).get_deal("1")

    assert world.portal.refreshes == 1  # at the portal's own OAuth server, with the secret
    assert world.attacker.carrying_secret() == []
    assert world.attacker.seen == []
    assert store.load().expires_at > world.container.clock.now() + timedelta(minutes=30)


@pytest.mark.parametrize("endpoint", ["https://oauth.bitrix.info/rest/",
                                      "https://oauth.bitrix24.tech/rest/"])  # fmt: skip
def test_the_documented_oauth_servers_are_accepted_as_server_endpoint(
    settings: Settings, endpoint: str
) -> None:
    from backend.web.bitrix24_trust import check_server_endpoint

    check_server_endpoint(replace(settings, sandbox=False), endpoint)  # no Forbidden
