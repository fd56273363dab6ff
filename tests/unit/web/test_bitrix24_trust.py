"""Which DOMAIN, SERVER_ENDPOINT and ts a Bitrix24 request may carry (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.config import Settings
from backend.web.bitrix24_trust import (
    Forbidden,
    check_fresh,
    check_server_endpoint,
    portal_endpoint,
)

PRODUCTION = Settings(sandbox=False, secret_key="k", fernet_key="f")
SANDBOX = Settings(sandbox=True, secret_key="k", fernet_key="f")
NOW = datetime(2026, 2, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "domain",
    ["portal.bitrix24.ru", "Portal.Bitrix24.COM", "b24-x1.bitrix24.de", "a.b.bitrix24.com.br"],
)
def test_cloud_portals_of_every_region_are_reached_over_https(domain: str) -> None:
    assert portal_endpoint(PRODUCTION, domain, https=True) == f"https://{domain.lower()}/rest/"


@pytest.mark.parametrize(
    "domain",
    [
        "evil.example", "bitrix24.ru", "portal.bitrix24.ru.evil.example",
        "evil.example/x.bitrix24.ru", "evil.example#.bitrix24.ru", "user@portal.bitrix24.ru",
        "evil.example?.bitrix24.ru", "127.0.0.1:8000", "portal.bitrix24.ru/../x", "",
    ],
)  # fmt: skip
def test_any_other_domain_is_refused(domain: str) -> None:
    with pytest.raises(Forbidden):
        portal_endpoint(PRODUCTION, domain, https=True)


def test_an_on_premise_portal_is_allowed_once_the_operator_lists_its_domain() -> None:
    boxed = Settings(sandbox=False, bitrix24_portal_domains=("crm.example.com",))

    assert portal_endpoint(boxed, "crm.example.com", https=True) == "https://crm.example.com/rest/"
    with pytest.raises(Forbidden):
        portal_endpoint(boxed, "crm.example.com.evil.example", https=True)


def test_plain_http_is_for_the_sandbox_only() -> None:
    with pytest.raises(Forbidden):
        portal_endpoint(PRODUCTION, "portal.bitrix24.ru", https=False)
    mounted = "127.0.0.1:8000/sandbox/bitrix24"
    assert portal_endpoint(SANDBOX, mounted, https=False) == f"http://{mounted}/rest/"
    with pytest.raises(Forbidden):
        portal_endpoint(PRODUCTION, mounted, https=False)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://oauth.bitrix.info.evil.example/rest/", "http://oauth.bitrix.info/rest/",
        "https://oauth.bitrix.info:8443/rest/", "https://evil.example/rest/",
        "https://oauth.bitrix.info/other/", "https://user@evil.example/rest/", "",
    ],
)  # fmt: skip
def test_a_server_endpoint_outside_the_oauth_servers_is_refused(endpoint: str) -> None:
    with pytest.raises(Forbidden):
        check_server_endpoint(PRODUCTION, endpoint)


def test_the_sandbox_oauth_server_is_its_own() -> None:
    check_server_endpoint(SANDBOX, "http://127.0.0.1:8000/sandbox/bitrix24/rest/")
    with pytest.raises(Forbidden):
        check_server_endpoint(PRODUCTION, "http://127.0.0.1:8000/sandbox/bitrix24/rest/")


@pytest.mark.parametrize(
    ("ts", "fresh"),
    [(NOW.timestamp() - 3600, True), (NOW.timestamp() + 60, True), (NOW.timestamp() - 3601, False),
     (NOW.timestamp() + 3601, False), ("1466439714", False), ("", False), (None, False),
     ("1e9", False)],
)  # fmt: skip
def test_an_event_is_accepted_within_the_window_only(ts: object, fresh: bool) -> None:
    value = str(int(ts)) if isinstance(ts, float) else ts
    if fresh:
        check_fresh(PRODUCTION, NOW, value)
    else:
        with pytest.raises(Forbidden):
            check_fresh(PRODUCTION, NOW, value)
