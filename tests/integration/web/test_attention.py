"""The needs-attention page and JSON: counts per rule, filters, operator access."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from flask.testing import FlaskClient

from backend.bootstrap import Container
from backend.domain.lease import LeaseStatus
from backend.domain.parties import Person
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from backend.web.app import create_app
from tests import factories


@pytest.fixture
def seeded(container: Container) -> Container:
    with container.uow() as uow:
        portal = install_portal(
            uow, container.clock, kind="bitrix24", external_id="m1", domain="a.bitrix24.ru"
        )
        uow.commit()
    with container.uow(portal.id) as uow:
        register_lease(uow, container.clock, factories.lease(status=LeaseStatus.SIGNED))
        other = Person(name="Другой", email="other@romashka.example", crm_user_id="9")
        register_lease(
            uow,
            container.clock,
            factories.lease(number="Б-2", status=LeaseStatus.DRAFT, manager=other),
        )
        uow.commit()
    return container


def client(container: Container, **settings: object) -> FlaskClient:
    built = (
        replace(container, settings=container.settings.with_(**settings)) if settings else container
    )
    return create_app(container=built).test_client()


def test_json_counts_every_rule_per_portal(seeded: Container) -> None:
    answer = client(seeded).get("/api/attention?date=2026-03-10")
    assert answer.status_code == 200
    portal = answer.json["portals"][0]
    assert portal["domain"] == "a.bitrix24.ru"
    assert len(portal["counts"]) == 10
    assert portal["counts"]["lease_not_active"] == 1
    assert portal["counts"]["invoice_not_issued"] == 2
    assert {i["lease"] for i in portal["items"]} == {"А-15/2026", "Б-2"}


def test_the_manager_filter_keeps_only_their_leases(seeded: Container) -> None:
    answer = client(seeded).get("/api/attention?date=2026-03-10&manager=9")
    counts = answer.json["portals"][0]["counts"]
    assert counts["lease_not_active"] == 1
    assert counts["invoice_not_issued"] == 0


def test_the_page_lists_the_rules_in_russian_and_english(seeded: Container) -> None:
    ru = client(seeded).get("/attention?date=2026-03-10").get_data(as_text=True)
    en = client(seeded).get("/attention?date=2026-03-10&lang=en").get_data(as_text=True)
    assert "Счета не выставлены по графику" in ru
    assert "Договор Б-2" in ru
    assert "Planned invoices not issued" in en


def test_a_bad_filter_is_a_clear_400(seeded: Container) -> None:
    answer = client(seeded).get("/api/attention?date=10.03.2026")
    assert answer.status_code == 400
    assert "bad filter" in answer.get_data(as_text=True)


def test_outside_the_sandbox_the_operator_token_is_required(seeded: Container) -> None:
    closed = client(seeded, sandbox=False)
    assert closed.get("/api/attention").status_code == 403
    guarded = client(seeded, sandbox=False, admin_token="s3cret")
    assert guarded.get("/api/attention").status_code == 401
    assert (
        guarded.get("/api/attention", headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    ok = guarded.get("/api/attention?date=2026-03-10", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200


def test_the_front_page_links_to_needs_attention(seeded: Container) -> None:
    body = client(seeded).get("/").get_data(as_text=True)
    assert 'href="/attention"' in body
    assert 'href="/api/attention"' in body


def test_dates_are_the_clock_s_by_default(seeded: Container) -> None:
    answer = client(seeded).get("/api/attention")
    assert answer.json["date"] == seeded.clock.today().isoformat() == date(2026, 2, 1).isoformat()
