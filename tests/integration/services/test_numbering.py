"""Document numbers on SQLite and PostgreSQL: per landlord and kind, yearly, never reused."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest

from backend.bootstrap import Container
from backend.domain.billing import DocumentKind
from backend.services.numbering import next_document_number
from backend.services.portals import install_portal
from tests import factories

pytestmark = pytest.mark.both_databases  # the database's behaviour is the point


def _landlord(container: Container, settings: dict | None = None) -> tuple[int, int]:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="member-1")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        landlord_id = uow.parties.add_landlord(factories.landlord(), settings)
        uow.commit()
    return portal.id, landlord_id


def _issue(container: Container, portal_id: int, landlord_id: int, kind: DocumentKind,
           on: date) -> str:  # fmt: skip
    with container.uow(portal_id) as uow:
        number = next_document_number(uow, landlord_id, kind, on)
        uow.commit()
    return number


def test_numbers_run_per_kind_with_prefix_and_restart_each_year(container: Container) -> None:
    numbering = {"invoice": {"prefix": "СЧ-{year}-", "width": 4}, "act": {"prefix": "А-"}}
    portal_id, landlord_id = _landlord(container, {"numbering": numbering})
    feb = date(2026, 2, 1)
    issued = [_issue(container, portal_id, landlord_id, DocumentKind.INVOICE, feb)
              for _ in range(3)]  # fmt: skip
    assert issued == ["СЧ-2026-0001", "СЧ-2026-0002", "СЧ-2026-0003"]
    assert _issue(container, portal_id, landlord_id, DocumentKind.ACT, feb) == "А-1"
    next_year = date(2027, 1, 1)
    assert _issue(container, portal_id, landlord_id, DocumentKind.INVOICE, next_year) == (
        "СЧ-2027-0001"
    )
    assert _issue(container, portal_id, landlord_id, DocumentKind.INVOICE, feb) == "СЧ-2026-0004"


def test_each_landlord_has_its_own_counter(container: Container) -> None:
    portal_id, first = _landlord(container)
    with container.uow(portal_id) as uow:
        second = uow.parties.add_landlord(
            factories.landlord(name="ООО «Лютик»", inn="7728168971", kpp="772801001")
        )
        uow.commit()
    feb = date(2026, 2, 1)
    assert _issue(container, portal_id, first, DocumentKind.INVOICE, feb) == "1"
    assert _issue(container, portal_id, second, DocumentKind.INVOICE, feb) == "1"
    assert _issue(container, portal_id, first, DocumentKind.INVOICE, feb) == "2"


def test_one_company_stored_with_two_bank_accounts_keeps_one_numbering(
    container: Container,
) -> None:
    portal_id, first = _landlord(container)
    other_bank = replace(factories.SBER, account="40702810238000000002")
    with container.uow(portal_id) as uow:
        second = uow.parties.add_landlord(factories.landlord(bank=other_bank))
        uow.commit()
    feb = date(2026, 2, 1)
    assert _issue(container, portal_id, first, DocumentKind.INVOICE, feb) == "1"
    assert _issue(container, portal_id, second, DocumentKind.INVOICE, feb) == "2"
    assert _issue(container, portal_id, second, DocumentKind.ACT, feb) == "1"


def test_leases_of_one_landlord_registered_apart_share_its_row(container: Container) -> None:
    from backend.services.leases import register_lease

    portal_id, _ = _landlord(container)
    with container.uow(portal_id) as uow:
        first = register_lease(uow, container.clock, factories.lease(number="1"))
        second = register_lease(uow, container.clock, factories.lease(number="2"))
        other_bank = replace(factories.SBER, account="40702810238000000002")
        third = register_lease(
            uow, container.clock,
            factories.lease(number="3", landlord=factories.landlord(bank=other_bank)),
        )  # fmt: skip
        uow.commit()
    assert first.landlord_id == second.landlord_id
    assert third.landlord_id != first.landlord_id  # its own account on its documents


def test_a_rolled_back_number_is_not_counted_as_used(container: Container) -> None:
    portal_id, landlord_id = _landlord(container)
    with container.uow(portal_id) as uow:
        assert next_document_number(uow, landlord_id, DocumentKind.INVOICE, date(2026, 2, 1))
        # leaving without commit: the document carrying the number was never stored
    with container.uow(portal_id) as uow:
        assert uow.numbers.current(landlord_id, "invoice", 2026) == 0


def test_concurrent_issuers_never_get_the_same_number(container: Container) -> None:
    portal_id, landlord_id = _landlord(container)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def issue_many() -> None:
        try:
            start.wait()
            for _ in range(10):
                number = _issue(container, portal_id, landlord_id, DocumentKind.INVOICE,
                                date(2026, 3, 1))  # fmt: skip
                with lock:
                    numbers.append(number)
        except BaseException as error:  # reported below, not swallowed
            errors.append(error)

    threads = [threading.Thread(target=issue_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers, key=int) == [str(n) for n in range(1, 81)]
