"""The billing run on SQLite and PostgreSQL, with real PDFs, storage, links and outbox rows."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from backend.bootstrap import Container
from backend.domain.billing import DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.lease import Lease, LeaseStatus
from backend.domain.parties import BankRequisites
from backend.services.billing import (
    PortalRun,
    issue_due,
    queue_manager_summaries,
    queue_tenant_mail,
    run_billing,
    run_portal,
)
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from tests import factories
from tests.fakes import TinyFiles

JAN_27 = date(2026, 1, 27)  # February's invoice is issued 5 days before February
FEB_24 = date(2026, 2, 24)  # March's invoice
FEB_28 = date(2026, 2, 28)  # February's act, dated the last day of its period


def _portal(container: Container, external_id: str = "m-1") -> int:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id=external_id)
        uow.commit()
    assert portal.id is not None
    return portal.id


def _lease(
    container: Container, portal_id: int, landlord_id: int | None = None, **overrides: object
) -> int:
    values: dict[str, object] = {"status": LeaseStatus.SIGNED, "auto_send": True}
    values.update(overrides)
    with container.uow(portal_id) as uow:
        lease = factories.lease(**values)
        lease_id = register_lease(uow, container.clock, lease, landlord_id=landlord_id).lease_id
        uow.commit()
    return lease_id


def _leases_of_one_landlord(container: Container, portal_id: int, count: int) -> list[int]:
    first = _lease(container, portal_id, number="L-0")
    with container.uow(portal_id) as uow:
        landlord_id = uow.leases.get(first).landlord.id
    return [first] + [
        _lease(container, portal_id, landlord_id, number=f"L-{n}") for n in range(1, count)
    ]


def _documents(container: Container, portal_id: int) -> list[IssuedDocument]:
    with container.uow(portal_id) as uow:
        return uow.documents.list()


def test_a_due_invoice_is_issued_rendered_linked_and_mailed_once(container: Container) -> None:
    portal_id = _portal(container)
    _lease(container, portal_id)
    ports = container.billing_ports()
    first = run_portal(ports, portal_id, JAN_27)
    again = run_portal(ports, portal_id, JAN_27)
    assert len(first.issued) == 1
    assert again.issued == []
    (invoice,) = _documents(container, portal_id)
    assert invoice.kind is DocumentKind.INVOICE
    assert invoice.number == "1"
    assert invoice.issued_on == JAN_27
    assert str(invoice.period) == "01.02.2026–28.02.2026"
    assert invoice.total.amount == Decimal("100000.00")
    assert invoice.due_on == date(2026, 2, 1)
    with container.uow(portal_id) as uow:
        links = uow.links.for_document(portal_id, invoice.id or 0)
        planned = [(i.kind, i.period.start) for i in uow.schedule.for_lease(invoice.lease_id)]
    assert sorted(link.role for link in links) == ["invoice", "invoice_qr", "qr_png", "qr_svg"]
    pdf = b"".join(container.document_storage().stream(links[0].storage_key))
    assert pdf.startswith(b"%PDF")
    assert (DocumentKind.INVOICE, date(2026, 2, 1)) not in planned
    with container.uow() as uow:
        messages = uow.outbox.list(portal_id=portal_id)
    tenant = [m for m in messages if m.kind == "tenant_documents"]
    summary = [m for m in messages if m.kind == "manager_summary"]
    assert len(tenant) == 1
    assert tenant[0].recipients == ("buh@vasilek.example", "director@vasilek.example")
    assert tenant[0].sender_name == 'ООО "Ромашка"'
    assert tenant[0].reply_to == "rent@romashka.example"
    assert sorted(a.name for a in tenant[0].attachments) == [
        "Счет на оплату с QR-кодом № 1 от 27.01.2026.pdf",
        "Счет на оплату № 1 от 27.01.2026.pdf",
    ]
    assert "http://127.0.0.1:8000/d/" in tenant[0].body_text
    assert len(summary) == 1
    assert summary[0].recipients == ("manager@romashka.example",)
    assert "Счёт № 1 — договор А-15/2026" in summary[0].body_text


def test_the_next_invoice_and_the_act_go_to_the_tenant_in_one_email(container: Container) -> None:
    portal_id = _portal(container)
    _lease(container, portal_id)
    ports = container.billing_ports()
    run_portal(ports, portal_id, JAN_27)
    later = run_portal(ports, portal_id, FEB_28)  # March's invoice and February's act
    assert len(later.issued) == 2
    assert later.mailed == 1
    documents = _documents(container, portal_id)
    assert [(d.kind, d.number, d.period.start) for d in documents] == [
        (DocumentKind.INVOICE, "1", date(2026, 2, 1)),
        (DocumentKind.INVOICE, "2", date(2026, 3, 1)),  # planned for 24.02, issued now
        (DocumentKind.ACT, "1", date(2026, 2, 1)),
    ]
    with container.uow() as uow:
        tenant = [m for m in uow.outbox.list(portal_id=portal_id) if m.kind == "tenant_documents"]
    assert len(tenant) == 2
    assert "акт № 1" in tenant[1].subject
    assert "счёт № 2" in tenant[1].subject


def test_a_lease_without_auto_send_is_issued_but_not_mailed(container: Container) -> None:
    portal_id = _portal(container)
    _lease(container, portal_id, auto_send=False)
    result = run_portal(container.billing_ports(), portal_id, JAN_27)
    assert len(result.issued) == 1
    assert result.mailed == 0


def test_broken_requisites_fail_alone_with_a_clear_error(container: Container) -> None:
    portal_id = _portal(container)
    broken = factories.landlord(bank=BankRequisites("Банк", "04452522", "40702810938000000001"))
    bad = _lease(container, portal_id, number="B-1", landlord=factories.landlord(inn="7736207543"))
    with container.uow(portal_id) as uow:  # stored before requisites were checked on entry
        landlord_id = uow.leases.get(bad).landlord.id
        assert landlord_id is not None
        uow.parties.update_landlord(landlord_id, broken, {})
        uow.commit()
    _lease(container, portal_id)
    result = run_portal(container.billing_ports(), portal_id, JAN_27)
    assert len(result.issued) == 1
    assert len(result.failed) == 1
    assert result.failed[0]["lease_id"] == str(bad)
    assert "bic" in result.failed[0]["error"].lower()
    with container.uow(portal_id) as uow:
        (run,) = uow.runs.recent()
        assert not [d for d in uow.documents.list() if d.lease_id == bad]
    assert (run["issued"], run["failed"]) == (1, 1)


@pytest.mark.both_databases
def test_a_run_killed_mid_way_is_finished_by_the_next_without_duplicates(
    container: Container,
) -> None:
    portal_id = _portal(container)
    _leases_of_one_landlord(container, portal_id, 3)
    ports = container.billing_ports()
    real = ports.rendering

    class DiesOnTheSecondDocument:
        def check(self, lease: Lease, document: IssuedDocument) -> None:
            real.check(lease, document)

        def render_files(self, lease: Lease, document: IssuedDocument) -> dict[str, bytes]:
            if document.number == "2":
                raise SystemExit("worker killed")  # not an error any layer catches
            return real.render_files(lease, document)

    with pytest.raises(SystemExit):
        run_portal(replace(ports, rendering=DiesOnTheSecondDocument()), portal_id, JAN_27)
    killed = {d.number: d.id for d in _documents(container, portal_id)}
    # the batch was numbered in one transaction, killed while rendering: none published
    assert sorted(killed) == ["1", "2", "3"]
    with container.uow(portal_id) as uow:
        assert uow.documents.unpublished() == sorted(killed.values())
        assert uow.outbox.list(portal_id=portal_id) == []  # nothing mailed without its files

    finished = run_portal(ports, portal_id, JAN_27)

    assert finished.published == sorted(killed.values())
    assert finished.issued == []  # nothing numbered twice
    numbers = sorted(d.number for d in _documents(container, portal_id))
    assert numbers == ["1", "2", "3"]
    with container.uow(portal_id) as uow:
        assert uow.documents.unpublished() == []
        roles = sorted(link.role for link in uow.links.for_document(portal_id, killed["2"]))
        tenant = [m for m in uow.outbox.list(portal_id=portal_id) if m.kind == "tenant_documents"]
    assert roles == ["invoice", "invoice_qr", "qr_png", "qr_svg"]  # one set, not two
    assert len(tenant) == 3  # one per lease, none twice
    assert all(len(m.attachments) == 2 for m in tenant)
    with container.uow() as uow:
        messages = uow.outbox.list(portal_id=portal_id)
    (summary,) = [m for m in messages if m.kind == "manager_summary"]
    listed = sorted(
        line.split(" — ")[0] for line in summary.body_text.splitlines() if " — " in line
    )
    assert listed == ["Счёт № 1", "Счёт № 2", "Счёт № 3"]  # the killed run's document too


def test_publishing_a_published_document_again_stores_nothing(container: Container) -> None:
    from backend.services.billing import publish_document_files

    portal_id = _portal(container)
    _leases_of_one_landlord(container, portal_id, 1)
    ports = container.billing_ports()
    (document_id,) = run_portal(ports, portal_id, JAN_27).issued
    with container.uow(portal_id) as uow:
        links = uow.links.for_document(portal_id, document_id)

    assert publish_document_files(ports, portal_id, document_id) is False
    with container.uow(portal_id) as uow:
        assert uow.links.for_document(portal_id, document_id) == links


@pytest.mark.both_databases
def test_concurrent_runs_issue_each_document_once(container: Container) -> None:
    portal_id = _portal(container)
    _leases_of_one_landlord(container, portal_id, 3)
    ports = container.billing_ports()
    results: list[PortalRun] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(run_portal(ports, portal_id, JAN_27))
        except BaseException as err:  # the assertion below shows what went wrong
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    documents = _documents(container, portal_id)
    assert len(documents) == 3
    assert sorted(d.number for d in documents) == ["1", "2", "3"]
    assert errors == []
    assert sum(len(r.issued) for r in results) == 3


def test_every_portal_runs_and_a_broken_one_does_not_stop_the_others(container: Container) -> None:
    first, second = _portal(container, "a"), _portal(container, "b")
    _lease(container, first)
    _lease(container, second)

    class Broken:
        def check(self, lease: Lease, document: IssuedDocument) -> None:
            pass

        def render_files(self, lease: Lease, document: IssuedDocument) -> dict[str, bytes]:
            if lease.number == "broken":
                raise RuntimeError("renderer crashed")
            raise AssertionError("unused")

    with container.uow(first) as uow:
        lease = uow.leases.list()[0]
        lease.number = "broken"
        uow.leases.save(lease)
        uow.commit()
    ports = container.billing_ports()
    real = ports.rendering

    class Switch:
        def check(self, lease: Lease, document: IssuedDocument) -> None:
            real.check(lease, document)

        def render_files(self, lease: Lease, document: IssuedDocument) -> dict[str, bytes]:
            if lease.number == "broken":
                return Broken().render_files(lease, document)
            return real.render_files(lease, document)

    summary = run_billing(replace(ports, rendering=Switch()), JAN_27)
    assert [len(p.issued) for p in summary.portals] == [0, 1]
    assert "renderer crashed" in summary.portals[0].failed[0]["error"]
    assert summary.issued == 1


def test_delivered_mail_marks_invoices_sent_and_acts_on_signing_and_moves_the_deal(
    container: Container,
) -> None:
    from backend.domain.documents import ActStatus, InvoiceStatus
    from backend.mail.smtp import SmtpMailer
    from backend.services.billing_mail import documents_mailed
    from backend.services.outbox import deliver_due
    from crm_mappings.port import Deal
    from tests.fakes import FakeCrm
    from tests.payments_world import QueuedMoves
    from tests.smtp_sink import smtp_sink

    portal_id = _portal(container)
    lease_id = _lease(container, portal_id)
    with container.uow(portal_id) as uow:
        uow.leases.link_deal(lease_id, "42", "0")
        uow.mappings.save("0", {}, {"invoice_sent": "C0:SENT", "act_sent": "C0:ACT"})
        uow.commit()
    moves, crm = QueuedMoves(), FakeCrm(deals={"42": Deal("42", "Аренда", "0", "C0:NEW")})
    ports = container.billing_ports()
    run_portal(ports, portal_id, FEB_28)  # Feb invoice, Feb act, Mar invoice: one tenant email
    with smtp_sink() as (sink, port):
        report = deliver_due(
            container.uow, container.clock, SmtpMailer(f"smtp://127.0.0.1:{port}", "r@x.example"),
            container.document_storage(),
            on_sent=lambda work, message: documents_mailed(work, container.clock, message, moves),
        )  # fmt: skip
    # the tenant's documents, the manager's summary, and the reminder that March's invoice
    # (planned for 24.02, due 01.03) is due within 3 days
    assert len(report.sent) == 3
    assert sorted(event for _, _, event in moves.queued) == [
        "act_sent", "invoice_sent", "invoice_sent",
    ]  # fmt: skip
    moves.run(container, crm)
    assert {u.stage_id for u in crm.updates} == {"C0:SENT", "C0:ACT"}
    tenant = next(m for m in sink.messages if "Документы по договору" in m["Subject"])
    names = sorted(a.get_filename() for a in tenant.iter_attachments())
    assert names == [
        "Акт № 1 от 28.02.2026.pdf",
        "Счет на оплату с QR-кодом № 1 от 28.02.2026.pdf",
        "Счет на оплату с QR-кодом № 2 от 28.02.2026.pdf",
        "Счет на оплату № 1 от 28.02.2026.pdf",
        "Счет на оплату № 2 от 28.02.2026.pdf",
    ]
    assert all(a.get_content().startswith(b"%PDF") for a in tenant.iter_attachments())
    statuses = sorted((d.kind.value, d.number, d.status) for d in _documents(container, portal_id))
    assert statuses == [
        ("act", "1", ActStatus.ON_SIGNING),
        ("invoice", "1", InvoiceStatus.SENT),
        ("invoice", "2", InvoiceStatus.SENT),
    ]
    assert all(d.sent_at is not None for d in _documents(container, portal_id))


def test_an_act_is_never_issued_before_its_period_ends_even_once_paid(
    container: Container,
) -> None:
    from backend.domain.documents import InvoiceStatus

    portal_id = _portal(container)
    _lease(container, portal_id, act_on_payment=True)
    ports = container.billing_ports()
    run_portal(ports, portal_id, JAN_27)
    with container.uow(portal_id) as uow:
        (invoice,) = uow.documents.list()
        uow.documents.save(replace(invoice, paid=invoice.total, status=InvoiceStatus.PAID))
        uow.commit()
    early = run_portal(ports, portal_id, date(2026, 2, 5))
    assert early.issued == []
    run_portal(ports, portal_id, FEB_28)
    (act,) = [d for d in _documents(container, portal_id) if d.kind is DocumentKind.ACT]
    assert (act.period.start, act.issued_on) == (date(2026, 2, 1), FEB_28)


@pytest.mark.both_databases
def test_issuing_a_document_takes_a_bounded_number_of_sql_statements(
    container: Container,
) -> None:
    """The issue, mail and summary phases cost at most 20 statements per issued document
    (numbering, row, plan, audit, links and their transactions; ~74 before the leases were
    loaded in batches and the plan trimmed instead of re-planned), however many leases."""
    portal_id = _portal(container)
    _leases_of_one_landlord(container, portal_id, 6)
    ports = replace(container.billing_ports(), rendering=TinyFiles(container.document_rendering()))
    run_portal(ports, portal_id, JAN_27)
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(container.engine, "before_cursor_execute", count)
    try:
        result = PortalRun(portal_id)
        issue_due(ports, portal_id, FEB_28, result)
        queue_tenant_mail(ports, portal_id)
        queue_manager_summaries(ports, portal_id, FEB_28)
    finally:
        event.remove(container.engine, "before_cursor_execute", count)
    assert len(result.issued) == 12  # February's act and March's invoice of each lease
    assert len(statements) <= 20 * len(result.issued)
