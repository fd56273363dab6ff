"""The workspace's premises register: add and change premises through the form (problems
named per field, nothing written), search the list, a card's lease history, and the status
its leases give it, wherever the register is read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest

from backend.bootstrap import Container
from backend.domain.lease import LeaseStatus
from backend.domain.parties import Premises
from backend.domain.premises import PremisesFilter, PremisesStatus
from backend.services.crm_sync import set_lease_status
from backend.services.lease_json import loads, parse_lease
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from backend.services.premises_desk import (
    PremisesFormInvalid,
    find_premises,
    premises_form,
    premises_view,
    read_premises_form,
    save_premises,
)
from tests import factories
from tests.sql_counting import counting

GOOD = {
    "building": "БЦ «Вавилов»", "floor": "2", "number": "205", "area": "42,5",
    "price_per_m2": "1 800", "status": "vacant", "kind": "office",
}  # fmt: skip


@pytest.fixture
def portal_id(container: Container) -> int:
    with container.uow(None) as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="p-1")
        uow.commit()
    return portal.id or 0


def _save(
    container: Container, portal_id: int, values: dict[str, str], pid: int | None = None
) -> int:
    with container.uow(portal_id) as uow:
        saved = save_premises(uow, container.clock, read_premises_form(values, pid))
        uow.commit()
    return saved


def test_premises_added_changed_and_found_by_search(container: Container, portal_id: int) -> None:
    premises_id = _save(container, portal_id, GOOD)
    _save(container, portal_id, {**GOOD, "number": "310", "floor": "3", "building": "Склад-1"})

    with container.uow(portal_id) as uow:
        card = uow.estate.premises_card(premises_id)
        assert (card.area_m2, card.price_per_m2) == (Decimal("42.5"), Decimal("1800"))
        assert card.monthly_rent == Decimal("76500.00")
        assert [line.card.number for line in find_premises(uow, "вавилов")] == ["205"]
        assert [line.card.building for line in find_premises(uow, "")] == [
            "БЦ «Вавилов»",
            "Склад-1",
        ]
        assert len(find_premises(uow)) == 2

    _save(container, portal_id, {**GOOD, "status": "rented", "area": "40"}, premises_id)
    with container.uow(portal_id) as uow:
        card = uow.estate.premises_card(premises_id)
        form = premises_form(uow, premises_id)
    assert (card.status, card.area_m2) == (PremisesStatus.RENTED, Decimal("40"))
    assert form.values["area"] == "40.00"


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"number": "", "area": ""}, {"number": "missing", "area": "missing"}),
        ({"area": "0"}, {"area": "positive"}),
        ({"area": "сорок"}, {"area": "number"}),
        ({"price_per_m2": "-1"}, {"price_per_m2": "negative"}),
        ({"status": "sold"}, {"status": "choice"}),
        ({"number": "9" * 65}, {"number": "too_long"}),
    ],
)
def test_a_wrong_premises_form_names_each_field_and_writes_nothing(
    container: Container, portal_id: int, changes: dict[str, str], problems: dict[str, str]
) -> None:
    with container.uow(portal_id) as uow, pytest.raises(PremisesFormInvalid) as raised:
        save_premises(uow, container.clock, read_premises_form({**GOOD, **changes}))
    assert raised.value.form.problems == problems
    assert raised.value.form.values["building"] == GOOD["building"]  # what was typed is kept
    with container.uow(portal_id) as uow:
        assert find_premises(uow) == []


def test_the_same_building_and_number_twice_is_refused(
    container: Container, portal_id: int
) -> None:
    _save(container, portal_id, GOOD)
    with container.uow(portal_id) as uow, pytest.raises(PremisesFormInvalid) as raised:
        save_premises(uow, container.clock, read_premises_form(GOOD))
    assert raised.value.form.problems == {"number": "taken"}


def test_a_card_lists_the_leases_of_its_premises(container: Container, portal_id: int) -> None:
    premises_id = _save(container, portal_id, {**GOOD, "building": "", "number": "101"})
    with container.uow(portal_id) as uow:
        register_lease(uow, container.clock, factories.lease(), crm_deal_id="7")
        uow.commit()
    with container.uow(portal_id) as uow:
        view = premises_view(uow, premises_id)
        lines = {line.card.number: line for line in find_premises(uow)}
    assert [lease.number for lease in view.leases] == ["А-15/2026"]
    assert lines["101"].card.id == premises_id


S = LeaseStatus
VACANT, BOOKED, RENTED = (PremisesStatus.VACANT, PremisesStatus.BOOKED, PremisesStatus.RENTED)


def _statuses(container: Container, portal_id: int, premises_id: int) -> set[PremisesStatus]:
    """The premises' status as the list, its filter, the card, the API page and the form
    each tell it (one value when they agree)."""
    with container.uow(portal_id) as uow:
        (line,) = [x for x in find_premises(uow) if x.card.id == premises_id]
        filtered = {
            status
            for status in PremisesStatus
            if any(x.card.id == premises_id for x in find_premises(uow, status=status.value))
        }
        api = {
            status
            for status in PremisesStatus
            if any(
                c.id == premises_id
                for c in uow.estate.premises_page(where=PremisesFilter(status=status.value))
            )
        }
        card = uow.estate.premises_card(premises_id)
        form = premises_form(uow, premises_id).values["status"]
        held = premises_id in uow.estate.taken_ids()  # what the CIAN feed leaves out
    assert held == (card.by_leases and card.status is not VACANT)
    return {line.card.status, *filtered, *api, card.status, PremisesStatus(form)}


def _lease_on_205(
    container: Container, portal_id: int, status: LeaseStatus, premises_id: int | None = None
) -> int:
    # picked from the register, or named by building and number as the lease JSON does
    room = Premises(code="205", area_m2=Decimal("42.5"), building=GOOD["building"], id=premises_id)
    with container.uow(portal_id) as uow:
        lease_id = register_lease(
            uow, container.clock, factories.lease(status=status, premises=(room,))
        ).lease_id
        uow.commit()
    return lease_id


def _move(container: Container, portal_id: int, lease_id: int, status: LeaseStatus) -> None:
    # the CRM is not called: the lease has no deal
    set_lease_status(container.uow(portal_id), container.clock, cast(Any, None), lease_id, status)


@pytest.mark.parametrize(
    "path",
    [
        # the whole cycle: draft, бронь, на подписании, подписан, зарегистрирован, расторгнут
        [(S.DRAFT, VACANT), (S.BOOKED, BOOKED), (S.ON_SIGNING, BOOKED), (S.SIGNED, RENTED),
         (S.REGISTERED, RENTED), (S.TERMINATED, VACANT)],
        # back and forth between the negotiation stages, cancelled, reopened
        [(S.ON_SIGNING, BOOKED), (S.DRAFT, VACANT), (S.BOOKED, BOOKED), (S.CANCELLED, VACANT),
         (S.DRAFT, VACANT), (S.SIGNED, RENTED), (S.TERMINATED, VACANT)],
    ],
)  # fmt: skip
def test_the_premises_status_follows_each_move_of_its_lease(
    container: Container, portal_id: int, path: list[tuple[LeaseStatus, PremisesStatus]]
) -> None:
    premises_id = _save(container, portal_id, GOOD)
    assert _statuses(container, portal_id, premises_id) == {VACANT}
    (first, expected), *rest = path
    lease_id = _lease_on_205(container, portal_id, first)
    assert _statuses(container, portal_id, premises_id) == {expected}
    for status, expected in rest:
        _move(container, portal_id, lease_id, status)
        assert _statuses(container, portal_id, premises_id) == {expected}, status


def test_leases_outweigh_the_register_and_the_form_cannot_overrule_them(
    container: Container, portal_id: int
) -> None:
    # typed "rented" by hand, before any lease: the register's word stands
    premises_id = _save(container, portal_id, {**GOOD, "status": "rented"})
    other_id = _save(container, portal_id, {**GOOD, "number": "206", "status": "booked"})
    assert _statuses(container, portal_id, premises_id) == {RENTED}
    lease_id = _lease_on_205(container, portal_id, S.SIGNED, premises_id)
    _move(container, portal_id, lease_id, S.TERMINATED)
    # its lease has ended: vacant, whatever was typed before
    assert _statuses(container, portal_id, premises_id) == {VACANT}
    _save(container, portal_id, {**GOOD, "status": "rented", "area": "41"}, premises_id)
    with container.uow(portal_id) as uow:
        card = uow.estate.premises_card(premises_id)
        assert premises_form(uow, premises_id).by_leases
    assert (card.status, card.area_m2, card.by_leases) == (VACANT, Decimal(41), True)
    assert _statuses(container, portal_id, other_id) == {BOOKED}  # no lease names 206


def test_the_register_reads_as_many_statements_for_twenty_leased_premises_as_for_one(
    container: Container, portal_id: int
) -> None:
    def statements() -> int:
        with container.uow(portal_id) as uow, counting(container) as seen:
            lines = find_premises(uow, status="rented")
            uow.estate.premises_page(where=PremisesFilter(status="rented"))
        assert all(line.card.status is RENTED for line in lines)
        return len(seen)

    def add(number: int) -> None:
        _save(container, portal_id, {**GOOD, "number": str(number)})
        room = Premises(code=str(number), area_m2=Decimal(10), building=GOOD["building"])
        with container.uow(portal_id) as uow:
            lease = factories.lease(status=S.SIGNED, premises=(room,), number=f"А-{number}")
            register_lease(uow, container.clock, lease)
            uow.commit()

    add(300)
    one = statements()
    for number in range(301, 320):
        add(number)
    assert statements() == one


_LEASE_JSON = """{
  "number": "Д-7", "date": "2026-01-10", "status": "signed",
  "landlord": {"name": "ООО \\"Ромашка\\"", "inn": "7707083893", "kpp": "773601001",
               "bank": {"name": "ПАО СБЕРБАНК", "bic": "044525225",
                        "account": "40702810938000000001",
                        "corr_account": "30101810400000000225"}},
  "tenant": {"name": "ООО \\"Василёк\\"", "inn": "7728168971", "kpp": "772801001"},
  "premises": [{"building": "бц «Вавилов» ", "code": "205", "area_m2": "42.5"},
               {"building": "БЦ «Вавилов»", "code": "301", "area_m2": "20"}],
  "start": "2026-02-01", "end": "2026-12-31",
  "rent": {"amount": "100000.00", "basis": "per_month"},
  "accountant": {"name": "Петрова Анна", "email": "petrova@romashka.example"}
}"""


def test_a_lease_from_lease_json_refers_to_the_register_s_premises_of_that_building_and_number(
    container: Container, portal_id: int
) -> None:
    registered = _save(container, portal_id, GOOD)  # БЦ «Вавилов», 205
    lease, _issued = parse_lease(loads(_LEASE_JSON))
    with container.uow(portal_id) as uow:
        lease_id = register_lease(uow, container.clock, lease).lease_id
        uow.commit()
    with container.uow(portal_id) as uow:
        stored = uow.leases.get(lease_id)
        lines = [line.card.number for line in find_premises(uow)]
        view = premises_view(uow, registered)
    assert sorted(lines) == ["205", "301"]  # no copy of 205; 301 was not there: added
    assert stored.premises[0].id == registered
    assert [lease.number for lease in view.leases] == ["Д-7"]
    assert stored.accountant is not None
    assert (stored.accountant.name, stored.accountant.email) == (
        "Петрова Анна", "petrova@romashka.example",
    )  # fmt: skip
