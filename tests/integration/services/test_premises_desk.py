"""The workspace's premises register: add and change premises through the form (problems
named per field, nothing written), search the list, and a card's lease history."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.bootstrap import Container
from backend.domain.premises import PremisesStatus
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
