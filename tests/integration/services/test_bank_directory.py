"""The BIC directory in the database: a load replaces it whole or not at all, a lookup says
honestly whether a БИК is known, unknown or cannot be known (no directory), and the landlord
form checks the correspondent account against it."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from backend.bootstrap import Container
from backend.domain.banks import BadDirectory
from backend.services.bank_directory import Known, load_directory, look_up_bank
from backend.services.landlords import (
    LandlordFormInvalid,
    check_landlord_form,
    read_form,
    save_landlord_form,
)
from backend.services.portals import install_portal
from tests.bic_world import FORM, NOT_SBERS_CORR, OTHER_BANK, SAMPLE, load_sample


def test_without_a_directory_a_bic_cannot_be_known_and_only_its_digits_are_checked(
    container: Container,
) -> None:
    with container.uow(None) as uow:
        lookup = look_up_bank(uow, "044525225")
        checked = check_landlord_form(uow, read_form({**FORM, **OTHER_BANK}))
    assert lookup.known is Known.NO_DIRECTORY
    assert checked.problems == {}
    assert checked.notes == {}


def test_a_loaded_directory_finds_a_bank_and_says_when_a_bic_is_not_in_it(
    container: Container,
) -> None:
    load_sample(container)

    with container.uow(None) as uow:
        found = look_up_bank(uow, "044525974")
        unknown = look_up_bank(uow, "044525999")

    assert found.known is Known.FOUND
    assert found.bank is not None
    assert (found.bank.name, found.bank.corr_account) == ('АО "ТБанк"', "30101810145250000974")
    assert found.business_day == "2026-12-05"
    assert unknown.known is Known.UNKNOWN


def test_a_failed_load_keeps_the_directory_loaded_before(container: Container) -> None:
    load_sample(container)

    with container.uow(None) as uow, pytest.raises(BadDirectory):
        load_directory(uow, container.clock, (), 3, "2026-12-06")
    broken = (*SAMPLE.banks[:2], SAMPLE.banks[0])  # a row the table refuses halfway through
    with container.uow(None) as uow, pytest.raises(IntegrityError):
        load_directory(uow, container.clock, broken, 0, "2026-12-06")

    with container.uow(None) as uow:
        assert uow.banks.count() == len(SAMPLE.banks)
        assert uow.banks.business_day() == "2026-12-05"


def test_the_form_refuses_a_correspondent_account_other_than_the_directorys(
    container: Container,
) -> None:
    load_sample(container)
    with container.uow(None) as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="bic-1")
        uow.commit()
    # a valid key for Сбербанк's БИК, but not its account: only the directory knows
    wrong = {**FORM, "bank_corr_account": NOT_SBERS_CORR}

    with container.uow(portal.id) as uow:
        checked = check_landlord_form(uow, read_form(wrong))
        with pytest.raises(LandlordFormInvalid):
            save_landlord_form(uow, container.clock, read_form(wrong))
        landlord_id = save_landlord_form(uow, container.clock, read_form(FORM))
        unknown = check_landlord_form(uow, read_form({**FORM, **OTHER_BANK}))

    assert checked.problems["bank_corr_account"].code == "corr_directory"
    assert checked.problems["bank_corr_account"].expected == "30101810400000000225"
    assert checked.notes["bank_bic"].code == "bic_found"
    assert landlord_id > 0
    assert unknown.problems == {}  # a БИК the directory lacks is said, not refused
    assert unknown.notes["bank_bic"].code == "bic_unknown"
