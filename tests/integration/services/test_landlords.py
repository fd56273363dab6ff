"""The landlords form of a settings page: every problem named with its field, nothing written
on a problem, edits kept per portal, extra fields in the landlord's settings."""

from __future__ import annotations

import pytest

from backend.bootstrap import Container
from backend.domain.errors import NotFound
from backend.services.landlords import (
    LandlordFormInvalid,
    check_form,
    landlord_form,
    list_landlords,
    read_form,
    save_landlord_form,
)
from backend.services.portals import install_portal

GOOD = {
    "name": 'ООО "Ромашка"', "short_name": "Ромашка", "inn": "7707083893", "kpp": "773601001",
    "ogrn": "1027700132195", "address": "г. Москва, ул. Вавилова, д. 19", "phone": "",
    "bank_bic": "044525225", "bank_name": "ПАО СБЕРБАНК",
    "bank_corr_account": "30101810400000000225", "bank_account": "40702810938000000001",
    "director_name": "Иванов И. И.", "director_position": "Директор",
    "accountant_name": "Петрова А. С.", "accountant_position": "Бухгалтер",
    "invoice_prefix": "СЧ-{year}-", "act_prefix": "А-",
    "email": "rent@romashka.example", "accountant_email": "buh@romashka.example",
    "vat_payer": "1",
}  # fmt: skip


def _portal(container: Container, member: str = "member-1") -> int:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id=member)
        uow.commit()
    assert portal.id is not None
    return portal.id


def _problems(**changes: str) -> dict[str, str]:
    return {k: p.code for k, p in check_form(read_form({**GOOD, **changes})).problems.items()}


def test_a_correct_form_has_no_problems() -> None:
    assert _problems() == {}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"inn": "7707083894"}, {"inn": "control"}),
        ({"inn": "77070838"}, {"inn": "length"}),
        ({"inn": "77070838AB"}, {"inn": "digits"}),
        ({"kpp": ""}, {"kpp": "missing"}),
        ({"ogrn": "1027700132196"}, {"ogrn": "control"}),
        ({"ogrn": "304500116000157"}, {"ogrn": "ogrn_kind"}),  # an ОГРНИП for a company's INN
        ({"bank_bic": "123456789"}, {"bank_bic": "bic_country"}),
        ({"bank_account": "40702810938000000002"}, {"bank_account": "account_key"}),
        ({"bank_corr_account": "30101810400000000226"}, {"bank_corr_account": "corr_bic"}),
        ({"email": "rent@romashka"}, {"email": "email"}),
        ({"name": "", "director_name": ""}, {"name": "missing", "director_name": "missing"}),
        ({"invoice_prefix": "{month}"}, {"invoice_prefix": "invalid"}),
        ({"name": "ООО\x00Ромашка"}, {"name": "invalid"}),
    ],
)
def test_each_wrong_value_is_named_with_its_field(
    changes: dict[str, str], expected: dict[str, str]
) -> None:
    assert _problems(**changes) == expected


def test_a_wrong_bic_is_reported_once_not_on_the_accounts() -> None:
    assert _problems(bank_bic="04452522") == {"bank_bic": "length"}


def test_a_sole_trader_needs_no_kpp_and_a_15_digit_ogrnip() -> None:
    assert _problems(inn="500100732259", kpp="", ogrn="304500116000157") == {}


def test_line_breaks_typed_into_a_field_never_reach_the_values() -> None:
    form = read_form({**GOOD, "email": "rent@romashka.example\r\nBcc: all@x.example"})

    assert form.values["email"] == "rent@romashka.example Bcc: all@x.example"
    assert {k: p.code for k, p in check_form(form).problems.items()} == {"email": "email"}


def test_a_form_with_a_problem_writes_nothing(container: Container) -> None:
    portal_id = _portal(container)
    with container.uow(portal_id) as uow, pytest.raises(LandlordFormInvalid) as caught:
        save_landlord_form(uow, container.clock, read_form({**GOOD, "inn": "7707083894"}))

    assert caught.value.form.values["name"] == 'ООО "Ромашка"'  # what was typed comes back
    with container.uow(portal_id) as uow:
        assert list_landlords(uow) == []


def test_a_saved_landlord_is_listed_and_edited_with_its_short_name_and_prefixes(
    container: Container,
) -> None:
    portal_id = _portal(container)
    with container.uow(portal_id) as uow:
        landlord_id = save_landlord_form(uow, container.clock, read_form(GOOD))
        uow.commit()
    with container.uow(portal_id) as uow:
        stored = landlord_form(uow, landlord_id)
        entity = uow.parties.landlord(landlord_id)
    assert stored.values == {k: v for k, v in GOOD.items() if k != "vat_payer"} | {"bank_label": ""}
    assert entity.accountant.position == "Бухгалтер"
    assert entity.accountant.email == "buh@romashka.example"

    renamed = read_form({**GOOD, "short_name": "Ромашка-2", "invoice_prefix": "R-"}, landlord_id)
    with container.uow(portal_id) as uow:
        save_landlord_form(uow, container.clock, renamed)
        uow.commit()
    with container.uow(portal_id) as uow:
        listed = list_landlords(uow)
    assert [(x.short_name, x.invoice_prefix, x.inn) for x in listed] == [
        ("Ромашка-2", "R-", "7707083893")
    ]


def test_another_portals_landlord_cannot_be_edited(container: Container) -> None:
    mine, theirs = _portal(container, "member-1"), _portal(container, "member-2")
    with container.uow(theirs) as uow:
        landlord_id = save_landlord_form(uow, container.clock, read_form(GOOD))
        uow.commit()

    with container.uow(mine) as uow, pytest.raises(NotFound):
        save_landlord_form(uow, container.clock, read_form(GOOD, landlord_id))
    with container.uow(theirs) as uow:
        assert [x.short_name for x in list_landlords(uow)] == ["Ромашка"]
