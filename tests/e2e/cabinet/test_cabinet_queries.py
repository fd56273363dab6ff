"""Every cabinet page reads a fixed number of SQL statements (no N+1, issue 20 "Speed"),
counted over HTTP with the session lookup included: a tenant with 5 leases, 5 requests and 5
announcements costs each page what a tenant with one of each costs, and a lease page and
the documents costs the same with three months of documents and a payment as with one."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import date

from flask.testing import FlaskClient

from backend.bootstrap import Container
from backend.services import tenant_requests
from backend.services.announcements import post_announcement
from backend.services.billing import run_portal
from backend.services.payments import import_statement
from tests import payments_world
from tests.cabinet_world import (
    EMAIL,
    STRANGER,
    CabinetWorld,
    app_for,
    build_world,
    csrf_of,
    invoice_numbers,
    sign_in,
)
from tests.sql_counting import counting

PDF = b"%PDF-1.4\n%%EOF\n"
PAGES = (
    "/cabinet/", "/cabinet/documents", "/cabinet/requests", "/cabinet/requests/new",
    "/cabinet/announcements", "/cabinet/notifications", "/cabinet/contacts", "/cabinet/choose",
)  # fmt: skip


def _signed_in(world: CabinetWorld, email: str) -> FlaskClient:
    """A browser of ``email`` acting for its tenant at the first landlord."""
    client = app_for(world).test_client()
    sign_in(client, world.container, email)
    page = client.get("/cabinet/choose").get_data(as_text=True)
    key = re.search(rf'name="tenant" value="({world.portals[0]}-\d+)"', page)
    assert key
    client.post("/cabinet/choose", data={"tenant": key.group(1), "csrf": csrf_of(page)})
    return client


def _leases_of(container: Container, portal_id: int, email: str) -> list[tuple[int, int]]:
    """(tenant id, lease id) of every lease whose tenant lists ``email``."""
    with container.uow(portal_id) as uow:
        return [
            (lease.tenant.id or 0, lease.id or 0)
            for lease in uow.leases.list()
            if email in lease.tenant.emails
        ]


def _requests_and_announcements(world: CabinetWorld, email: str) -> int:
    """A request (with a file) and an announcement for each of ``email``'s leases."""
    c, portal_id = world.container, world.portals[0]
    leases = _leases_of(c, portal_id, email)
    for n, (tenant_id, lease_id) in enumerate(leases):
        files = [tenant_requests.NewFile(f"{n}.pdf", PDF)]
        tenant_requests.file_request(
            c.uow, c.clock, c.document_storage(), portal_id, [tenant_id], lease_id,
            "technical", f"Заявка {n}", files,
        )  # fmt: skip
        post_announcement(
            c.uow, c.clock, portal_id, date(2026, 2, 1 + n), f"Объявление {n}", "Текст",
            tenant_id=tenant_id,
        )  # fmt: skip
    return len(leases)


def _statements(world: CabinetWorld, client: FlaskClient, paths: Iterable[str]) -> list[int]:
    """How many statements each page reads (after a first visit: compiled templates)."""
    counts = []
    for path in paths:
        assert client.get(path).status_code == 200, path
        with counting(world.container) as statements:
            assert client.get(path).status_code == 200, path
        counts.append(len(statements))
    return counts


def test_every_page_reads_as_many_statements_for_five_leases_as_for_one(
    container: Container,
) -> None:
    world = build_world(container, extra_leases=4)
    assert _requests_and_announcements(world, EMAIL) == 5
    assert _requests_and_announcements(world, STRANGER) == 1
    five, one = _signed_in(world, EMAIL), _signed_in(world, STRANGER)

    for_five = _statements(world, five, (*PAGES, f"/cabinet/requests/{_first_request(five)}"))
    for_one = _statements(world, one, (*PAGES, f"/cabinet/requests/{_first_request(one)}"))

    assert for_five == for_one
    assert "Объявление 4" in five.get("/cabinet/announcements").get_data(as_text=True)
    assert five.get("/cabinet/").get_data(as_text=True).count('class="card lease"') == 5


def _first_request(client: FlaskClient) -> int:
    found = re.search(r'href="/cabinet/requests/(\d+)"', client.get("/cabinet/requests").text)
    assert found
    return int(found.group(1))


def test_a_lease_page_reads_as_many_statements_for_three_months_as_for_one(
    container: Container,
) -> None:
    world = build_world(container)
    client = _signed_in(world, EMAIL)
    lease, portal_id = world.leases[0], world.portals[0]
    pages = (f"/cabinet/leases/{lease}", f"/cabinet/leases/{lease}?year=2026", "/cabinet/documents")
    with_one = _statements(world, client, pages)

    for day in (date(2026, 3, 1), date(2026, 4, 1)):  # acts and invoices of two more months
        run_portal(container.billing_ports(), portal_id, day)
    (february, *_) = invoice_numbers(container, portal_id, lease)
    statement = payments_world.statement_file(
        docs=[payments_world.doc("77", "60000.00", f"Оплата по счету № {february} за аренду")]
    )
    with container.uow(portal_id) as uow:
        import_statement(uow, container.clock, io.BytesIO(statement))
        uow.commit()
    with_three = _statements(world, client, pages)

    page = client.get(pages[0]).get_data(as_text=True)
    assert page.count('<tr class="accrual') == 3
    assert page.count('<tr class="payment"') == 1
    assert with_three == with_one
