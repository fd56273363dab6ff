"""The phases after issuing (tenant mail, managers' summaries, reminders and the overdue
chain) read a portal's leases and documents a page at a time, so a portal of 10 000 leases
takes the memory of one page; and paging changes nothing of what is sent."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event

from backend.bootstrap import Container
from backend.db.tables import DocumentRow, LeaseRow
from backend.domain.parties import Person
from backend.services import billing_ports
from backend.services.billing import BillingPorts, PortalRun, after_issue, issue_due, run_portal
from tests.fakes import TinyFiles
from tests.integration.services.test_billing import FEB_28, JAN_27, _lease, _portal

pytestmark = pytest.mark.both_databases  # row locks and LIMIT differ by database

PAGE = 2
SECOND = Person(name="Кузнецова Анна", email="second@romashka.example", crm_user_id="8")


class MostLoaded:
    """The most leases one SQL statement brought into memory, as lease rows or documents
    of theirs (each lease's own few documents do not grow with the portal)."""

    def __init__(self) -> None:
        self.leases: set[int] = set()
        self.most = 0

    def statement(self, *args: Any) -> None:
        self.leases = set()

    def row(self, target: LeaseRow | DocumentRow, *args: Any) -> None:
        self.leases.add(target.id if isinstance(target, LeaseRow) else target.lease_id)
        self.most = max(self.most, len(self.leases))


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 2: five leases make three pages."""
    monkeypatch.setattr(billing_ports, "LEASES_AT_ONCE", PAGE)


def _five_leases_of_two_managers(container: Container) -> tuple[int, BillingPorts]:
    """A portal of five leases (managers: L-0, L-2, L-4 the factory's, L-1, L-3 ``SECOND``)
    billed on 27 Jan (February's invoices), and the ports to bill it (PDFs left out)."""
    portal_id = _portal(container)
    first = _lease(container, portal_id, number="L-0")
    with container.uow(portal_id) as uow:
        landlord_id = uow.leases.get(first).landlord.id
    for n in range(1, 5):
        _lease(container, portal_id, landlord_id, number=f"L-{n}",
               **({"manager": SECOND} if n % 2 else {}))  # fmt: skip
    ports = replace(container.billing_ports(), rendering=TinyFiles(container.document_rendering()))
    run_portal(ports, portal_id, JAN_27)
    return portal_id, ports


@pytest.mark.usefixtures("small_pages")
def test_the_phases_after_issuing_read_one_page_of_leases_and_documents_at_a_time(
    container: Container,
) -> None:
    portal_id, ports = _five_leases_of_two_managers(container)
    issue_due(ports, portal_id, FEB_28, PortalRun(portal_id))  # February's acts, March's invoices
    loads = MostLoaded()
    event.listen(container.engine, "before_cursor_execute", loads.statement)
    event.listen(DocumentRow, "load", loads.row)
    event.listen(LeaseRow, "load", loads.row)
    try:
        after = PortalRun(portal_id)
        after_issue(ports, portal_id, FEB_28, after)
    finally:
        event.remove(container.engine, "before_cursor_execute", loads.statement)
        event.remove(DocumentRow, "load", loads.row)
        event.remove(LeaseRow, "load", loads.row)

    assert after.mailed == 5  # each tenant's two new documents in one email
    assert after.reminders > 0
    assert 0 < loads.most <= PAGE  # of 5 leases and their 15 documents: one page at a time


@pytest.mark.usefixtures("small_pages")
def test_in_pages_each_manager_gets_one_summary_of_all_their_leases_and_nobody_a_reminder_twice(
    container: Container,
) -> None:
    portal_id, ports = _five_leases_of_two_managers(container)
    with container.uow() as uow:
        before = {m.dedup_key for m in uow.outbox.list(portal_id=portal_id)}

    run_portal(ports, portal_id, date(2026, 2, 2))  # February's invoices overdue: step 1
    run_portal(ports, portal_id, FEB_28)  # March's invoices issued, due in 3 days: reminded
    again = run_portal(ports, portal_id, FEB_28)  # a redelivered run: nothing sent twice

    assert (again.issued, again.mailed, again.reminders) == ([], 0, 0)
    with container.uow() as uow:
        messages = [m for m in uow.outbox.list(portal_id=portal_id) if m.dedup_key not in before]
    summaries = {m.recipients: m.body_text for m in messages if m.kind == "manager_summary"}
    assert sorted(summaries) == [("manager@romashka.example",), ("second@romashka.example",)]
    for email, leases in (
        ("manager@romashka.example", ["L-0", "L-2", "L-4"]),
        ("second@romashka.example", ["L-1", "L-3"]),
    ):
        listed = [line for line in summaries[(email,)].splitlines() if " — договор " in line]
        assert sorted(line.split(" — договор ")[1].split(",")[0] for line in listed) == sorted(
            [*leases, *leases]  # the act of February and the invoice of March of each
        )
    for kind in ("overdue", "payment_due"):  # no lease left out at a page's edge, none twice
        told = Counter(_lease_number(m.body_text) for m in messages if m.kind == kind)
        assert told == dict.fromkeys(["L-0", "L-1", "L-2", "L-3", "L-4"], 1), kind
    assert len({m.dedup_key for m in messages}) == len(messages)


def _lease_number(body: str) -> str:
    found = re.search(r"договор аренды № (\S+) от", body)
    assert found is not None, body
    return found.group(1)
