"""Every number the workspace's forms take is finite and within its bound: ``1e999``, ``NaN``,
``-0``, forty digits or a third decimal place are answered next to their field (422) with
what was typed kept and nothing stored, and every page still answers afterwards — the lease
form, the card's addendum and indexation, the premises form, the payment desk and the
settings. Amounts past the bounds that are in a database already are shown, not a 500."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest

from backend.db.tables import LeaseRow, PremisesRow
from backend.domain.premises import PremisesCard
from backend.services.leases import register_lease
from tests import factories
from tests.payments_world import doc, make_invoice, statement_file
from tests.security.bitrix24_world import World, token_of, world

__all__ = ["world"]  # the fixture
MANAGER = 7
NOT_A_NUMBER = "Not a number: digits, with a comma or a point for kopecks."
NEGATIVE = "Must not be negative."
PLACES = "At most 2 digits after the decimal point."
MONEY_LIMIT = "Too large: at most 999,999,999,999.99."
FORTY = "1" * 40
# what is typed -> what the lease card's forms say (English)
AMOUNTS = [
    ("1e999", NOT_A_NUMBER), ("NaN", NOT_A_NUMBER), ("-0", NEGATIVE),
    (FORTY, MONEY_LIMIT), ("100.123", PLACES),
]  # fmt: skip


def _token(world: World, user_id: int = 1) -> str:
    return token_of(world.open("/bitrix24/app", user_id, PLACEMENT="DEFAULT"))


def _error(html: str, element_id: str) -> str:
    found = re.search(rf'<div class="error" id="{element_id}" role="alert">([^<]*)</div>', html)
    assert found is not None, element_id
    return found.group(1)


@pytest.fixture
def portal(world: World) -> tuple[World, str, int]:
    """An installed portal, an administrator's token and a landlord."""
    installed = world.installed()
    with world.container.uow(installed.id) as uow:
        landlord = uow.parties.add_landlord(factories.landlord())
        uow.commit()
    world.container.task_sender = lambda name, *args: None
    return world, _token(world), landlord


def _deal(world: World) -> int:
    return int(world.portal.add_deal({"title": "Аренда", "companyId": 1})["id"])


def _lease_form(landlord: int, **changes: str) -> dict[str, str]:
    form = {
        "number": "А-7/2026", "signed_on": "2026-01-20", "start": "2026-02-01",
        "end": "2026-12-31", "landlord": str(landlord), "premises_code": "204", "area": "40",
        "rent_basis": "per_month", "rent": "100000", "vat": "22", "vat_included": "1",
        "billing_unit": "month", "billing_every": "1", "issue_anchor": "before_start",
        "issue_days": "5", "due_anchor": "after_issue", "due_days": "5",
        "tenant_kind": "legal_entity", "tenant_name": 'ООО "Василёк"',
        "tenant_inn": "7728168971", "tenant_kpp": "772801001", "manager": "1",
    }  # fmt: skip
    return form | changes


def _create(world: World, token: str, deal: int, form: dict[str, str]) -> Any:
    return world.web.post(
        f"/workspace/leases/new?deal={deal}&LANG=en", data={"t": token, "lang": "en", **form}
    )


def _stored_leases(world: World) -> int:
    with world.container.uow(world.stored().id) as uow:  # type: ignore[union-attr]
        return len(uow.leases.list())


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [("rent", t, s) for t, s in AMOUNTS]
    + [("deposit", FORTY, MONEY_LIMIT), ("deposit", "1e999", NOT_A_NUMBER),
       ("area", FORTY, "Too large: at most 999,999,999.99."), ("area", "40.555", PLACES),
       ("due_days", "²", "A whole number from 0–366."),
       ("billing_every", "9" * 200, "A whole number from 1–366.")],
)  # fmt: skip
def test_the_lease_form_refuses_a_number_out_of_bounds_by_its_field(
    portal: tuple[World, str, int], field: str, typed: str, said: str
) -> None:
    world, token, landlord = portal
    deal = _deal(world)

    answer = _create(world, token, deal, _lease_form(landlord, **{field: typed}))

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert _error(html, f"e-{field}") == said
    assert f'value="{typed}"' in html  # what was typed is kept
    assert _stored_leases(world) == 0
    assert world.web.get(f"/workspace/leases/new?deal={deal}&LANG=en&t={token}").status_code == 200
    assert world.web.get(f"/workspace/leases?LANG=en&t={token}").status_code == 200


def test_a_rent_per_m2_that_makes_a_month_past_the_bound_is_refused(
    portal: tuple[World, str, int],
) -> None:
    world, token, landlord = portal
    form = _lease_form(landlord, rent_basis="per_m2_month", rent="999999999999", area="2")

    answer = _create(world, token, _deal(world), form)

    assert answer.status_code == 422
    assert _error(answer.get_data(as_text=True), "e-rent") == (
        "The rent per m² times the area is over 999,999,999,999.99 a month."
    )
    assert _stored_leases(world) == 0


def _lease(world: World, token: str, landlord: int, **changes: str) -> int:
    answer = _create(world, token, _deal(world), _lease_form(landlord, **changes))
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    found = re.search(r"/workspace/leases/(\d+)\?", answer.headers["Location"])
    assert found is not None
    return int(found.group(1))


def _card(world: World, token: str, lease_id: int, lang: str = "en") -> Any:
    return world.web.get(f"/workspace/leases/{lease_id}?LANG={lang}&t={token}")


def test_the_largest_rent_the_form_takes_is_stored_and_shown_to_the_kopeck(
    portal: tuple[World, str, int],
) -> None:
    world, token, landlord = portal
    lease_id = _lease(world, token, landlord, rent="999 999 999 999,99", vat="none")

    card = _card(world, token, lease_id)

    assert card.status_code == 200
    html = card.get_data(as_text=True)
    assert "999,999,999,999.99" in html
    with world.container.uow(world.stored().id) as uow:  # type: ignore[union-attr]
        assert uow.leases.get(lease_id).rent.amount == Decimal("999999999999.99")


@pytest.mark.parametrize(("typed", "said"), AMOUNTS)
def test_an_addendum_refuses_a_rent_out_of_bounds_and_the_card_still_opens(
    portal: tuple[World, str, int], typed: str, said: str
) -> None:
    world, token, landlord = portal
    lease_id = _lease(world, token, landlord)
    form = {"t": token, "lang": "en", "number": "ДС-1", "effective_from": "2026-06-01",
            "rent": typed}  # fmt: skip

    answer = world.web.post(f"/workspace/leases/{lease_id}/addendum?LANG=en", data=form)

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert _error(html, "addendum-rent-e") == said
    assert f'id="addendum-rent" name="rent" type="text" value="{typed}"' in html
    assert 'id="addendum-number" name="number" type="text" value="ДС-1"' in html
    with world.container.uow(world.stored().id) as uow:  # type: ignore[union-attr]
        assert uow.leases.get(lease_id).addenda == []
    assert _card(world, token, lease_id).status_code == 200


@pytest.mark.parametrize(
    ("typed", "said"),
    [("1e999", NOT_A_NUMBER), ("NaN", NOT_A_NUMBER), ("-0", NEGATIVE),
     (FORTY, "Too large: at most 100."), ("4.125", PLACES)],
)  # fmt: skip
def test_an_indexation_refuses_a_percent_out_of_bounds(
    portal: tuple[World, str, int], typed: str, said: str
) -> None:
    world, token, landlord = portal
    lease_id = _lease(world, token, landlord)
    form = {"t": token, "lang": "en", "percent": typed, "first_on": "2026-07-01"}

    answer = world.web.post(f"/workspace/leases/{lease_id}/indexation?LANG=en", data=form)

    assert answer.status_code == 422
    assert _error(answer.get_data(as_text=True), "indexation-percent-e") == said
    with world.container.uow(world.stored().id) as uow:  # type: ignore[union-attr]
        assert uow.leases.get(lease_id).indexation is None
    assert _card(world, token, lease_id).status_code == 200


PREMISES = {"building": "БЦ «Вавилов»", "floor": "2", "number": "205", "area": "42,5",
            "price_per_m2": "1800", "status": "vacant", "kind": "office"}  # fmt: skip


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [("area", "1e999", "A number, e.g. 42,5."), ("area", "NaN", "A number, e.g. 42,5."),
     ("area", "-0", "Cannot be negative."), ("area", FORTY, "Too large: at most 999,999,999.99."),
     ("area", "42.555", PLACES), ("price_per_m2", FORTY, MONEY_LIMIT),
     ("price_per_m2", "1e999", "A number, e.g. 42,5."), ("price_per_m2", "1800.001", PLACES)],
)  # fmt: skip
def test_the_premises_form_refuses_a_number_out_of_bounds_and_the_register_still_opens(
    portal: tuple[World, str, int], field: str, typed: str, said: str
) -> None:
    world, token, _landlord = portal
    deal = _deal(world)

    answer = world.web.post(f"/workspace/premises/save?t={token}&LANG=en",
                            data={"t": token, "lang": "en", **PREMISES, field: typed})  # fmt: skip

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert _error(html, f"e-{field}") == said
    assert f'value="{typed}"' in html
    with world.container.uow(world.stored().id) as uow:  # type: ignore[union-attr]
        assert uow.estate.register() == []
    assert world.web.get(f"/workspace/premises?t={token}&LANG=en").status_code == 200
    assert world.web.get(f"/workspace/leases/new?deal={deal}&LANG=en&t={token}").status_code == 200


@pytest.mark.parametrize(
    ("typed", "said"),
    [("1e999", "Type an amount above zero, e.g. 60000 or 60 000,50."),
     ("NaN", "Type an amount above zero, e.g. 60000 or 60 000,50."),
     ("-0", "Type an amount above zero, e.g. 60000 or 60 000,50."),
     (FORTY, MONEY_LIMIT), ("100.123", PLACES)],
)  # fmt: skip
def test_the_payment_desk_refuses_an_amount_out_of_bounds_and_places_nothing(
    world: World, typed: str, said: str
) -> None:
    portal = world.installed()
    with world.container.uow(portal.id) as uow:
        lease_id = register_lease(uow, world.container.clock, factories.lease(),
                                  crm_deal_id="42").lease_id  # fmt: skip
        uow.documents.add(make_invoice(lease_id, "БП-000101", 2, "100000.00"))
        uow.commit()
    world.container.task_sender = lambda name, *args: None
    token = _token(world)
    statement = statement_file(docs=[doc("14", "100000.00", "Аренда", payer_inn="500100732259",
                                         payer="ИП Смирнов")])  # fmt: skip
    page = world.web.post(
        f"/workspace/payments/statement?t={token}&LANG=en",
        data={"t": token, "lang": "en", "file": (io.BytesIO(statement), "kl_to_1c.txt")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    payment = re.search(r'name="payment" value="(\d+)"', page)
    assert payment is not None

    answer = world.web.post(
        f"/workspace/payments/allocate?t={token}&LANG=en",
        data={"t": token, "lang": "en", "payment": payment.group(1), "target": "БП-000101",
              "amount": typed},
    )  # fmt: skip

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'<div class="error" role="alert">{said}</div>' in html
    assert f'value="{typed}"' in html
    with world.container.uow(portal.id) as uow:
        assert uow.payments.journal() == []
    assert world.web.get(f"/workspace/payments?t={token}&LANG=en").status_code == 200


SETTINGS = {"billing_mode": "lease_deal", "before_due": "3, 0", "chain_days_0": "1",
            "chain_to_0": "manager", "mail_subject": "Документы по {lease_number}",
            "mail_body": "{documents}", "onec_poll_days": "31"}  # fmt: skip


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [("chain_days_0", "²", "A whole number of days from 1 to 365."),
     ("chain_days_0", "9" * 5000, "A whole number of days from 1 to 365."),
     ("before_due", "1e999", "Whole numbers of days from 0 to 60, separated by commas: 3, 0."),
     ("before_due", "3, ٣", "Whole numbers of days from 0 to 60, separated by commas: 3, 0."),
     ("onec_poll_days", "NaN", "A whole number of days from 1 to 366."),
     ("onec_poll_days", "-0", "A whole number of days from 1 to 366.")],
)  # fmt: skip
def test_the_settings_refuse_a_day_count_out_of_bounds(
    world: World, field: str, typed: str, said: str
) -> None:
    portal = world.installed()
    token = _token(world)

    answer = world.web.post(f"/workspace/settings/save?t={token}&LANG=en",
                            data={"t": token, "lang": "en", **SETTINGS, field: typed})  # fmt: skip

    assert answer.status_code == 422
    assert _error(answer.get_data(as_text=True), f"e-{field}") == said
    with world.container.uow(portal.id) as uow:
        assert "overdue_chain" not in uow.portals.get(portal.id or 0).settings
    assert world.web.get(f"/workspace/settings?t={token}&LANG=en").status_code == 200


def test_an_area_past_the_bound_already_stored_does_not_take_the_pages_down(
    portal: tuple[World, str, int],
) -> None:
    """Stored before the forms were bounded: the register, its card and the lease form
    still answer, with the number written out."""
    world, token, landlord = portal
    portal_id = world.stored().id  # type: ignore[union-attr]
    with world.container.uow(portal_id) as uow:
        uow.estate.upsert_premises([PremisesCard(building="Б", number="1", area_m2=Decimal(1))])
        uow.commit()
    engine = world.container.engine
    with engine.begin() as connection:
        connection.execute(PremisesRow.__table__.update().values(area_m2=Decimal(FORTY)))
    with world.container.uow(portal_id) as uow:
        (card,) = uow.estate.register()
    deal = _deal(world)

    listed = world.web.get(f"/workspace/premises?t={token}&LANG=en")
    opened = world.web.get(f"/workspace/premises/card?premises={card.id}&t={token}&LANG=en")
    form = world.web.get(f"/workspace/leases/new?deal={deal}&LANG=en&t={token}")

    assert (listed.status_code, opened.status_code, form.status_code) == (200, 200, 200)
    assert "1,111,111,111,111" in listed.get_data(as_text=True)
    chosen = _create(world, token, deal, _lease_form(
        landlord, premises=str(card.id), rent_basis="per_m2_month", rent="1000",
    ))  # fmt: skip
    assert chosen.status_code == 422
    assert _error(chosen.get_data(as_text=True), "e-rent") == (
        "The rent per m² times the area is over 999,999,999,999.99 a month."
    )
    assert _stored_leases(world) == 0


@pytest.mark.parametrize("stored", ["Infinity", FORTY])
def test_a_rent_past_the_bound_already_stored_leaves_the_list_and_its_card_answering(
    portal: tuple[World, str, int], stored: str
) -> None:
    world, token, landlord = portal
    lease_id = _lease(world, token, landlord)
    with world.container.engine.begin() as connection:
        connection.execute(LeaseRow.__table__.update().values(rent_amount=Decimal(stored)))

    listed = world.web.get(f"/workspace/leases?LANG=en&t={token}")
    card = _card(world, token, lease_id)

    assert listed.status_code == 200
    assert "А-7/2026" in listed.get_data(as_text=True)
    assert card.status_code == 409  # said, not a 500
    assert "This lease holds an amount rentflow cannot compute with" in card.get_data(as_text=True)
    russian = _card(world, token, lease_id, "ru").get_data(as_text=True)
    assert "Попросите администратора rentflow исправить его ставку." in russian
    action = world.web.post(f"/workspace/leases/{lease_id}/original?LANG=en",
                            data={"t": token, "lang": "en"})  # fmt: skip
    assert action.status_code == 409


def test_the_bound_is_said_in_russian_with_the_number_written_the_russian_way(
    portal: tuple[World, str, int],
) -> None:
    world, token, landlord = portal
    form = {"t": token, "lang": "ru", **_lease_form(landlord, rent=FORTY, area="40,555")}

    answer = world.web.post(f"/workspace/leases/new?deal={_deal(world)}&LANG=ru", data=form)

    html = answer.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert answer.status_code == 422
    assert _error(html, "e-rent") == "Слишком много: не больше 999 999 999 999,99."
    assert _error(html, "e-area") == "Не больше 2 знаков после запятой."
