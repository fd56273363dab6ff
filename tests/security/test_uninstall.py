"""Uninstall: the portal's public document links answer 410, its billing and 1C jobs do
nothing, and a token refresh that ends after the uninstall stores no tokens."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from backend.bootstrap import Container
from backend.db.tables import PortalRow
from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine
from backend.domain.documents import IssuedDocument
from backend.domain.lease import LeaseStatus
from backend.domain.money import Money
from backend.services.billing import run_portal
from backend.services.document_links import publish_document
from backend.services.leases import register_lease
from backend.services.onec_runs import poll_portal
from backend.services.portals import install_portal, uninstall_portal
from backend.web.app import create_app
from crm_mappings.port import CrmAuthLost
from crm_mappings.tokens import OAuthTokens
from documents.links import LinkSigner
from tests import factories

PDF = b"%PDF-1.7\n" + b"0" * 1000


def _portal(container: Container, external_id: str = "p1") -> int:
    with container.uow() as uow:
        portal = install_portal(
            uow,
            container.clock,
            kind="bitrix24",
            external_id=external_id,
            settings={"onec": {"odata_url": "http://127.0.0.1:9/odata"}},
        )
        uow.commit()  # fmt: skip
    assert portal.id is not None
    return portal.id


def _uninstall(container: Container, portal_id: int) -> None:
    with container.uow() as uow:
        uninstall_portal(uow, container.clock, portal_id)
        uow.commit()


def _invoice(lease_id: int) -> IssuedDocument:
    amount = Money(Decimal("1000.00"))
    period = BillingPeriod(date(2026, 2, 1), date(2026, 2, 28))
    line = DocumentLine("Аренда", period, 1, "мес.", amount, amount, Money(Decimal("0")))
    return IssuedDocument(
        lease_id=lease_id, kind=DocumentKind.INVOICE, number=f"С-{lease_id}",
        issued_on=date(2026, 2, 1), period=period, lines=(line,), net=amount,
        vat=Money(Decimal("0")), total=amount,
    )  # fmt: skip


def _stored_tokens(container: Container, portal_id: int) -> str:
    with container.uow.session_factory() as session:
        row = session.get(PortalRow, portal_id)
        assert row is not None
        return row.auth_encrypted


def _tokens(access: str) -> OAuthTokens:
    return OAuthTokens(access, f"refresh-{access}", datetime(2026, 3, 1, tzinfo=UTC))


def test_uninstall_revokes_every_public_link_of_the_portal_only(container: Container) -> None:
    urls = {}
    for external_id in ("gone", "kept"):
        portal_id = _portal(container, external_id)
        with container.uow(portal_id) as uow:
            lease_id = register_lease(uow, container.clock, factories.lease()).lease_id
            doc = uow.documents.add(_invoice(lease_id))
            assert doc.id is not None
            link = publish_document(
                uow, container.document_storage(), container.clock,
                document_id=doc.id, role="invoice", content=PDF,
            )  # fmt: skip
            uow.commit()
        urls[external_id] = (
            portal_id,
            LinkSigner(container.settings.secret_key).url("", link.token),
        )
    client = create_app(container=container).test_client()
    assert client.get(urls["gone"][1]).status_code == 200
    _uninstall(container, urls["gone"][0])
    assert client.get(urls["gone"][1]).status_code == 410
    assert client.get(urls["kept"][1]).status_code == 200


def test_billing_skips_an_uninstalled_portal(container: Container) -> None:
    portal_id = _portal(container)
    with container.uow(portal_id) as uow:
        register_lease(uow, container.clock, factories.lease(status=LeaseStatus.SIGNED))
        uow.commit()
    _uninstall(container, portal_id)
    result = run_portal(container.billing_ports(), portal_id, date(2026, 2, 24))
    assert result.issued == []
    with container.uow(portal_id) as uow:
        assert uow.documents.list() == []
        assert uow.runs.recent(10) == []
        assert uow.outbox.due(container.clock.now() + timedelta(days=1)) == []


def test_the_1c_poll_of_an_uninstalled_portal_does_nothing(container: Container) -> None:
    portal_id = _portal(container)
    _uninstall(container, portal_id)
    assert (
        poll_portal(container.onec_ports(), portal_id) is None
    )  # port 9 would refuse: never called


def test_tokens_saved_after_the_uninstall_are_not_stored(container: Container) -> None:
    portal_id = _portal(container)
    store = container.token_store(portal_id)
    store.save(_tokens("before"))
    assert store.load().access_token == "before"
    _uninstall(container, portal_id)
    store.save(_tokens("late"))  # a refresh (or install callback) finishing after it
    with pytest.raises(CrmAuthLost):
        store.load()
    assert _stored_tokens(container, portal_id) == ""


@pytest.mark.both_databases
def test_a_refresh_racing_an_uninstall_leaves_no_tokens(container: Container) -> None:
    portal_id = _portal(container)
    store = container.token_store(portal_id)
    store.save(_tokens("stale"))
    refreshing, uninstalling = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def refresh() -> None:  # what both CRM clients do: lock, read, ask the OAuth server, save
        try:
            with store.refresh_lock():
                store.load()
                refreshing.set()
                uninstalling.wait(10)  # the OAuth server answers while the uninstall arrives
                store.save(_tokens("fresh"))
        except BaseException as exc:
            errors.append(exc)

    def uninstall() -> None:
        refreshing.wait(10)
        uninstalling.set()
        _uninstall(container, portal_id)

    threads = [threading.Thread(target=refresh), threading.Thread(target=uninstall)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert errors == []
    with pytest.raises(CrmAuthLost):
        store.load()
    with container.uow() as uow:
        assert uow.portals.get(portal_id).status == "uninstalled"
    assert _stored_tokens(container, portal_id) == ""
